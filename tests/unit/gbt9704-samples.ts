/** Sample outgoing documents for the GB/T 9704 layout tests and the bench. */
import type { BodyBlock, OutgoingLayoutInput } from '../../functions/domain/gbt9704.js';

/** One page: a downward notice (下行文) with every 版头 element, two attachments, 附注 and 版记. */
export const notice: OutgoingLayoutInput = {
  copyNumber: '000012',
  secrecy: { level: '秘密', period: '1年' },
  urgency: '特急',
  issuerMark: '××公司文件',
  documentNumber: '管司发〔2026〕7号',
  title: '关于开展2026年安全生产大检查的通知',
  mainRecipients: '各科室、各基层单位',
  body: [
    { kind: 'paragraph', text: '为认真落实上级关于安全生产工作的部署，全面排查治理各类安全隐患，经公司研究，决定在全公司范围内开展安全生产大检查。现将有关事项通知如下。' },
    { kind: 'heading', level: 1, text: '检查时间' },
    { kind: 'paragraph', text: '2026年6月1日至6月30日。' },
    { kind: 'heading', level: 2, text: '安全生产责任制落实情况' },
    { kind: 'paragraph', text: '各单位应对照责任清单逐项自查，于6月15日前将自查报告报综合办公室。' },
  ],
  attachments: ['安全生产大检查自查表', '安全隐患整改台账'],
  issuerName: '××公司',
  date: '2026-05-20',
  note: '联系人：王芳，电话：12345678',
  copyTo: ['公司领导', '工会'],
  printedBy: '××公司综合办公室',
  printedOn: '2026-05-21',
};

const paragraph =
  '各单位要高度重视文件运转和归档工作，严格执行公文处理程序，做到随到随办、及时登记、准确分送，确保每一份文件都有据可查，每一个环节都有人负责，每一项批示都落到实处，切实提高公文处理的质量和效率。';

/** Enough text for three pages: an upward report (上行文) with two 签发人. */
export function longReport(paragraphs = 14): OutgoingLayoutInput {
  const body: BodyBlock[] = [];
  for (let i = 0; i < paragraphs; i++) {
    if (i % 5 === 0) body.push({ kind: 'heading', level: 1, text: `第${i / 5 + 1}部分工作情况` });
    if (i % 5 === 2) body.push({ kind: 'heading', level: 3, text: '具体措施' });
    if (i % 5 === 3) body.push({ kind: 'heading', level: 4, text: '落实情况' });
    body.push({ kind: 'paragraph', text: paragraph });
  }
  return {
    issuerMark: '××公司',
    documentNumber: '管报字〔2026〕12号',
    signers: ['赵敏', '孙伟'],
    title: '××公司关于2026年上半年公文处理和档案管理工作情况及下半年工作安排的报告',
    mainRecipients: '××集团公司',
    body,
    issuerName: '××公司',
    date: '2026-07-03',
    copyTo: ['××集团公司办公厅', '××市国资委'],
    printedBy: '××公司综合办公室',
    printedOn: '2026-07-03',
  };
}
