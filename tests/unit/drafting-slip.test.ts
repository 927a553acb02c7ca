/**
 * 发文稿纸: the rows in print order (pure), and the PDF read back with pdf.js (text in drawing order,
 * positions from each item's transform). One sample and one long slip are written to
 * test-artifacts/drafting-slip/ and rasterised with poppler's pdftoppm for a person to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { draftingSlipRows, formatSlipDate, type DraftingSlipEntry, type DraftingSlipFacts, type DraftingStage } from '../../functions/domain/drafting-slip.js';
import { renderDraftingSlipPdf } from '../../functions/domain/drafting-slip-pdf.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'drafting-slip');
const HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';

const facts: DraftingSlipFacts = {
  organization: '管道工具公司',
  outgoingNumber: '管司发〔2026〕7号',
  docType: '通知',
  title: '关于开展2026年度安全生产大检查的通知',
  secrecy: '机密',
  secrecyTerm: '10年',
  urgency: '加急',
  mainRecipients: ['生产技术科', '财务科', '各分公司'],
  copyRecipients: ['市应急管理局'],
  copies: 120,
  attachments: ['安全生产大检查工作方案', '检查情况汇总表'],
  drafter: { name: '周杰', department: '生产技术科', at: '2026-11-20T02:00:00.000Z' },
  entries: [
    { stage: 'review', role: '科室负责人', name: '周杰', opinion: '拟稿内容已核，同意送审。', at: '2026-11-20T03:00:00.000Z', agreed: true },
    { stage: 'joint-review', department: '财务科', name: '陈静', opinion: '同意，经费在年度安全预算中列支。', at: '2026-11-21T01:00:00.000Z', agreed: true },
    { stage: 'joint-review', department: '人事科', name: '刘洋', opinion: '检查组人员抽调时间与年终考核冲突，建议推迟至12月。', at: '2026-11-21T02:00:00.000Z', agreed: false },
    { stage: 'check', role: '办公室主任', name: '李强', opinion: '已核稿，格式符合要求。', at: '2026-11-22T06:00:00.000Z', agreed: true },
    { stage: 'countersign', role: '分管领导', name: '孙伟', opinion: '同意印发。', at: '2026-11-23T01:00:00.000Z', agreed: true },
    { stage: 'countersign', role: '分管领导', name: '高峰', at: '2026-11-23T02:00:00.000Z', agreed: true, onBehalfOfName: '何欣' },
  ],
  // Late on the 24th in UTC is already the 25th in Beijing.
  signer: { name: '赵敏', opinion: '同意，请办公室按程序印发。', at: '2026-11-24T23:30:00.000Z' },
  contentHash: HASH,
  timeZone: 'Asia/Shanghai',
};

interface Item {
  str: string;
  x: number;
  /** Baseline, points from the page's bottom. */
  y: number;
  color?: string;
}

async function extract(pdf: Uint8Array): Promise<Item[][]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: pdf.slice(), useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
  const pages: Item[][] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    const items: Item[] = [];
    for (const it of content.items) {
      if (!('str' in it) || !it.str.trim()) continue;
      items.push({ str: it.str, x: it.transform[4], y: it.transform[5] });
    }
    pages.push(items);
  }
  await doc.destroy();
  return pages;
}

const squash = (s: string): string => s.replace(/\s+/g, '');
const pageText = (items: Item[]): string => squash(items.map((i) => i.str).join(''));

/** Asserts each needle occurs in `text` after the previous one; returns their positions. */
function inOrder(text: string, needles: string[]): number[] {
  let from = 0;
  return needles.map((n) => {
    const at = text.indexOf(squash(n), from);
    expect(at, `"${n}" after position ${from} in: ${text.slice(from, from + 200)}…`).toBeGreaterThanOrEqual(0);
    from = at + squash(n).length;
    return at;
  });
}

function rasterise(pdf: Uint8Array, name: string): string[] {
  mkdirSync(ARTIFACTS, { recursive: true });
  const ours = (f: string) => new RegExp(`^${name}-\\d+\\.png$`).test(f);
  for (const f of readdirSync(ARTIFACTS).filter(ours)) rmSync(join(ARTIFACTS, f));
  const file = join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(file, pdf);
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
  } catch {
    console.warn('pdftoppm not found (poppler-utils): the PDF is in test-artifacts/drafting-slip/ but not rasterised');
    return [];
  }
  execFileSync('pdftoppm', ['-png', '-r', '60', file, join(ARTIFACTS, name)]);
  // pdftoppm pads the page number to the width of the last one (long-01.png … long-19.png).
  return readdirSync(ARTIFACTS)
    .filter(ours)
    .sort()
    .map((f) => join(ARTIFACTS, f));
}

describe('drafting slip rows', () => {
  it('prints the rows in the paper form’s order, 签发 on top, every fact in its row', () => {
    const rows = draftingSlipRows(facts);
    const labels = rows.flatMap((r) => (r.kind === 'opinions' ? [r.label] : r.kind === 'fields' ? r.cells.map((c) => c.label) : ['note']));
    expect(labels).toEqual(['签发', '会签', '核稿', '会审', '审核', '拟稿单位', '拟稿人', '拟稿日期', '标题', '主送', '抄送', '发文字号', '文种', '密级', '保密期限', '紧急程度', '印制份数', '附件', 'note']);
    const fields = Object.fromEntries(rows.flatMap((r) => (r.kind === 'fields' ? r.cells.map((c) => [c.label, c.value]) : [])));
    expect(fields).toEqual({
      拟稿单位: '生产技术科',
      拟稿人: '周杰',
      拟稿日期: '2026年11月20日',
      标题: '关于开展2026年度安全生产大检查的通知',
      主送: '生产技术科、财务科、各分公司',
      抄送: '市应急管理局',
      发文字号: '管司发〔2026〕7号',
      文种: '通知',
      密级: '机密',
      保密期限: '10年',
      紧急程度: '加急',
      印制份数: '120份',
      附件: '1. 安全生产大检查工作方案\n2. 检查情况汇总表',
    });
    const opinions = Object.fromEntries(rows.flatMap((r) => (r.kind === 'opinions' ? [[r.key, r.blocks]] : [])));
    expect(opinions.sign).toEqual([{ opinion: '同意，请办公室按程序印发。', signature: '赵敏　2026年11月25日' }]);
    expect(opinions['joint-review']).toEqual([
      { heading: '【财务科】', opinion: '同意，经费在年度安全预算中列支。', signature: '陈静　2026年11月21日' },
      { heading: '【人事科】', verdict: '不同意', opinion: '检查组人员抽调时间与年终考核冲突，建议推迟至12月。', signature: '刘洋　2026年11月21日' },
    ]);
    // Agreed without a word is printed 同意; a delegate signs "高峰 代 何欣".
    expect(opinions.countersign[1]).toEqual({ verdict: '同意', opinion: '', signature: '高峰 代 何欣（分管领导）　2026年11月23日' });
    expect(rows[rows.length - 1]).toEqual({ kind: 'note', text: `签发稿 SHA-256：${HASH}` });
  });

  it('leaves every box on the form before 签发 and numbering, blank where nothing is written yet', () => {
    const rows = draftingSlipRows({ ...facts, outgoingNumber: undefined, signer: undefined, contentHash: undefined, entries: [], copies: undefined, secrecyTerm: undefined, attachments: [] });
    expect(rows.filter((r) => r.kind === 'opinions').map((r) => [r.kind === 'opinions' && r.label, r.kind === 'opinions' && r.blocks.length])).toEqual([
      ['签发', 0],
      ['会签', 0],
      ['核稿', 0],
      ['会审', 0],
      ['审核', 0],
    ]);
    const fields = Object.fromEntries(rows.flatMap((r) => (r.kind === 'fields' ? r.cells.map((c) => [c.label, c.value]) : [])));
    expect([fields['发文字号'], fields['保密期限'], fields['印制份数'], fields['附件']]).toEqual(['', '', '', '无']);
    expect(rows.some((r) => r.kind === 'note')).toBe(false);
  });

  it('prints dates in the branch’s time zone, and keeps an opinion’s paragraphs but not its hidden characters', () => {
    expect(formatSlipDate('2026-11-24T23:30:00Z', 'Asia/Shanghai')).toBe('2026年11月25日');
    expect(formatSlipDate('2026-11-24T23:30:00Z', 'UTC')).toBe('2026年11月24日');
    expect(formatSlipDate('2026-01-05T16:00:00Z', 'Asia/Shanghai')).toBe('2026年1月6日');
    expect(formatSlipDate('不是日期', 'Asia/Shanghai')).toBe('不是日期');
    expect(() => formatSlipDate('2026-11-24T23:30:00Z', 'Mars/Olympus')).toThrow(RangeError);
    const [row] = draftingSlipRows({ ...facts, signer: { name: '赵\u200B敏', opinion: '同意。\n\n请\u202E办公室印发。  ', at: '2026-11-24T10:00:00Z' } });
    expect(row.kind === 'opinions' && row.blocks[0]).toEqual({ opinion: '同意。\n请办公室印发。', signature: '赵敏　2026年11月24日' });
  });
});

describe('drafting slip PDF', () => {
  let pages: Item[][];
  let pdf: Uint8Array;
  beforeAll(async () => {
    pdf = await renderDraftingSlipPdf(facts);
    pages = await extract(pdf);
  });

  it('prints every fact on one A4 page, in print order, with the font subset embedded', async () => {
    expect(pages).toHaveLength(1);
    expect(pdf.length).toBeLessThan(150_000);
    const text = pageText(pages[0]);
    inOrder(text, [
      '管道工具公司发文稿纸',
      '签发',
      '同意，请办公室按程序印发。',
      '赵敏',
      '2026年11月25日',
      '会签',
      '同意印发。',
      '孙伟（分管领导）',
      '2026年11月23日',
      '同意',
      '高峰代何欣（分管领导）',
      '核稿',
      '已核稿，格式符合要求。',
      '李强（办公室主任）2026年11月22日',
      '会审',
      '【财务科】同意，经费在年度安全预算中列支。',
      '陈静2026年11月21日',
      '【人事科】不同意',
      '检查组人员抽调时间与年终考核冲突，建议推迟至12月。',
      '刘洋2026年11月21日',
      '审核',
      '拟稿内容已核，同意送审。',
      '周杰（科室负责人）2026年11月20日',
      '拟稿单位生产技术科',
      '拟稿人周杰',
      '拟稿日期2026年11月20日',
      '标题关于开展2026年度安全生产大检查的通知',
      '主送生产技术科、财务科、各分公司',
      '抄送市应急管理局',
      '发文字号管司发〔2026〕7号',
      '文种通知',
      '密级机密',
      '保密期限10年',
      '紧急程度加急',
      '印制份数120份',
      '附件1.安全生产大检查工作方案2.检查情况汇总表',
      `签发稿SHA-256：${HASH}`,
      '第1页共1页',
    ]);
  });

  it('holds the signer’s opinion, name and date inside the 签发 box at the top', () => {
    const items = pages[0];
    const find = (s: string) => items.find((i) => squash(i.str).includes(s))!;
    // The labels are stacked a character a line down the side: 签 发, then 会 签.
    const signLabel = items.findIndex((i) => i.str === '签');
    const nextLabel = items.findIndex((i, n) => n > signLabel + 1 && i.str === '会');
    expect(signLabel).toBeGreaterThan(0);
    expect(items[signLabel + 1].str).toBe('发');
    const heading = find('发文稿纸');
    const boxBottom = items[nextLabel].y;
    const opinion = find('同意，请办公室按程序印发。');
    const signature = find('赵敏');
    const date = find('2026年11月25日');
    expect(Math.abs(date.y - signature.y)).toBeLessThan(0.5);
    expect(date.x).toBeGreaterThan(signature.x);
    for (const it of [opinion, signature, date]) {
      expect(it.y).toBeLessThan(heading.y);
      expect(it.y).toBeGreaterThan(boxBottom);
    }
    // Large, as on paper: the signature at its foot, well below the opinion, and right of the middle.
    expect(opinion.y - signature.y).toBeGreaterThan(90);
    expect(signature.x).toBeGreaterThan(595.28 / 2);
  });

  it('marks a disagreeing 会审 entry 不同意 in red, framed, before its opinion', async () => {
    const text = pageText(pages[0]);
    expect(text).toContain('【人事科】不同意检查组人员抽调时间');
    expect(text.match(/不同意/g)).toHaveLength(1);
    // Red text and a red frame: the drawing has a red fill (text) and a red stroke (frame) colour.
    const { PDFDocument, PDFRawStream, decodePDFRawStream } = await import('pdf-lib');
    const doc = await PDFDocument.load(pdf);
    const streams = doc.context.enumerateIndirectObjects().flatMap(([, o]) => (o instanceof PDFRawStream ? [Buffer.from(decodePDFRawStream(o).decode()).toString('latin1')] : []));
    const ops = streams.join('\n');
    expect(ops).toMatch(/0\.8 0 0 rg/);
    expect(ops).toMatch(/0\.8 0 0 RG/);
  });

  it('writes the sample out and rasterises it for a person to look at', () => {
    const pngs = rasterise(pdf, 'sample');
    if (pngs.length > 0) expect(pngs).toHaveLength(1);
    for (const png of pngs) expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('a blank or crowded drafting slip', () => {
  it('prints the empty form before review: every box, nothing in 签发, no hash', async () => {
    const blank: DraftingSlipFacts = { ...facts, outgoingNumber: undefined, signer: undefined, contentHash: undefined, entries: [], copies: undefined };
    const pages = await extract(await renderDraftingSlipPdf(blank));
    expect(pages).toHaveLength(1);
    const text = pageText(pages[0]);
    inOrder(text, ['管道工具公司发文稿纸', '签发', '会签', '核稿', '会审', '审核', '拟稿单位生产技术科', '标题', '主送', '抄送', '发文字号文种通知', '密级机密', '印制份数附件', '第1页共1页']);
    for (const absent of ['赵敏', 'SHA-256', '同意', '〔2026〕']) expect(text).not.toContain(absent);
  });

  it('continues a long 主送 list and 50 attachments onto the next page without losing one', async () => {
    const recipients = Array.from({ length: 50 }, (_, i) => `第${i + 1}号分公司安全生产监督管理办公室及其所属各生产车间和班组`);
    const attachments = Array.from({ length: 50 }, (_, i) => `附件材料第${i + 1}号：2026年度安全生产检查情况统计表及整改台账`);
    const pdf = await renderDraftingSlipPdf({ ...facts, mainRecipients: recipients, attachments });
    const pages = await extract(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    const all = pages
      .map(pageText)
      .join('')
      .replace(/第\d+页共\d+页/g, '')
      .replace(/管道工具公司发文稿纸（续）管司发〔2026〕7号/g, '')
      .replace(/(主送|附件)（续）/g, '');
    inOrder(all, ['主送', recipients.join('、'), '抄送', '附件', ...attachments.map((a, i) => `${i + 1}.${a}`), `签发稿SHA-256：${HASH}`]);
    rasterise(pdf, 'crowded');
  });
});

describe('a long drafting slip', () => {
  const stages: DraftingStage[] = ['review', 'joint-review', 'check', 'countersign'];
  const filler = '为切实做好安全生产工作，各单位要认真对照检查清单逐项落实，发现问题立即整改，不能立即整改的要制定方案、明确责任人和时限，确保隐患整改到位；';
  const opinion = (i: number): string => {
    const head = `第${i}条意见：`;
    let body = head;
    while ([...body].length < 500) body += `${filler}（${i}）`;
    return [...body].slice(0, 500).join('');
  };
  const entries: DraftingSlipEntry[] = Array.from({ length: 30 }, (_, i) => ({
    stage: stages[i % 4],
    department: i % 4 === 1 ? `第${i}科` : undefined,
    role: i % 4 === 1 ? undefined : '审核人',
    name: `人员${String(i).padStart(2, '0')}`,
    opinion: opinion(i),
    at: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T04:00:00.000Z`,
    agreed: i % 7 !== 3,
  }));
  const long: DraftingSlipFacts = { ...facts, entries, signer: { ...facts.signer!, opinion: opinion(99).repeat(4) } };

  it('continues over several pages, numbered, losing no entry and keeping their order', async () => {
    const pdf = await renderDraftingSlipPdf(long);
    const pages = await extract(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(6);
    pages.forEach((items, n) => {
      const text = pageText(items);
      expect(text.endsWith(`第${n + 1}页共${pages.length}页`)).toBe(true);
      if (n > 0) expect(text.startsWith('管道工具公司发文稿纸（续）管司发〔2026〕7号')).toBe(true);
    });
    // The whole slip's text with the page furniture taken out reads as one table, and every page has some of it.
    const bodies = pages.map((items) =>
      pageText(items)
        .replace(/第\d+页共\d+页/g, '')
        .replace(/管道工具公司发文稿纸（续）管司发〔2026〕7号/g, '')
        .replace(/(签发|会签|核稿|会审|审核)（续）/g, ''),
    );
    expect(bodies[0].startsWith('管道工具公司发文稿纸签发第99条意见')).toBe(true);
    for (const body of bodies) expect(body.length).toBeGreaterThan(200);
    const all = bodies.join('');
    // Rows in print order (会签, 核稿, 会审, 审核), entries in their given order within a row.
    const order = ['countersign', 'check', 'joint-review', 'review'].flatMap((s) => entries.map((e, i) => [e, i] as const).filter(([e]) => e.stage === s));
    inOrder(all, [
      squash(opinion(99).repeat(4)),
      '赵敏2026年11月25日',
      ...order.flatMap(([e, i]) => [...(e.department ? [`【${e.department}】`] : []), ...(e.agreed === false ? ['不同意'] : []), squash(opinion(i)), e.name]),
      '附件',
      `签发稿SHA-256：${HASH}`,
    ]);
    for (let i = 0; i < 30; i++) expect(all.split(squash(opinion(i))).length - 1, `entry ${i}`).toBe(1);
    expect(all.match(/不同意/g)).toHaveLength(entries.filter((e) => e.agreed === false).length);
    const pngs = rasterise(pdf, 'long');
    if (pngs.length > 0) expect(pngs).toHaveLength(pages.length);
    for (const png of pngs) expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
