/**
 * Drafts as data: the request forms and their Chinese refusals, the cross-field rules, the states
 * and the freeze after 签发, the paragraph diff, and the mapping onto the GB/T 9704 layout input.
 */
import { describe, expect, it } from 'vitest';
import { parseBranchConfig, type BranchConfig } from '../../functions/domain/branch-config.js';
import {
  applyChange,
  checkContent,
  checkEditable,
  checkReadable,
  contentHash,
  diffBlocks,
  diffContent,
  draftChangeSchema,
  DraftRefusal,
  draftRequestSchema,
  layoutInputOf,
  newDraft,
  parseRequest,
  planEdit,
  reopenForSigning,
  staleRefusal,
  type Draft,
  type DraftContent,
} from '../../functions/domain/drafts.js';
import { parseOutgoingLayout } from '../../functions/domain/gbt9704.js';
import type { Actor } from '../../functions/domain/identity.js';

const config: BranchConfig = parseBranchConfig(
  { branch: 'hq', displayName: '总部', fondsCode: 'Z001', departments: [{ code: 'SCJSK', name: '生产技术科' }] },
  'test',
);
const withCodes = { ...config, issuingCodes: [{ id: 'sifa', code: '管司发', name: '下行文', direction: 'downward' }, { id: 'baozi', code: '管报字', name: '上行文', direction: 'upward' }] } as BranchConfig;

const staff: Actor = { username: 'liuyang', name: '刘洋', roles: ['staff'], department: 'SCJSK', clearance: '秘密' };
const otherDept: Actor = { username: 'chenjing', name: '陈静', roles: ['dept-head'], department: 'CWK', clearance: '机密' };
const director: Actor = { username: 'liqiang', name: '李强', roles: ['office-director'], department: 'BGS', clearance: '机密' };

const request = {
  docType: '通知',
  title: '关于开展安全生产大检查的通知',
  mainRecipients: ['各科室'],
  issuingCode: '管司发',
  direction: 'downward',
  body: { kind: 'structured', blocks: [{ kind: 'paragraph', text: '为落实安全生产责任，决定开展大检查。' }, { kind: 'heading', level: 1, text: '检查范围' }, { kind: 'paragraph', text: '全部生产车间。' }] },
};

const contentOf = (raw: unknown): DraftContent => parseRequest(draftRequestSchema, raw) as DraftContent;

function refusal(fn: () => unknown): DraftRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof DraftRefusal) return err;
    throw err;
  }
  throw new Error('no refusal');
}

describe('the draft form', () => {
  it('takes a whole draft and fills the defaults', () => {
    const c = contentOf(request);
    expect(c).toMatchObject({ docType: '通知', copyRecipients: [], secrecy: { level: '非密' }, urgency: '普通', signers: [], attachments: [] });
  });

  it.each([
    [{ ...request, docType: '便函' }, /文种应为 决议、决定/],
    [{ ...request, title: '   ' }, /请填写标题/],
    [{ ...request, title: undefined }, /请填写标题/],
    [{ ...request, mainRecipients: '各科室' }, /主送机关应为名称列表/],
    [{ ...request, issuingCode: '管司发2' }, /不以数字结尾/],
    [{ ...request, direction: 'sideways' }, /行文方向应为/],
    [{ ...request, secrecy: { level: '内部' } }, /密级应为/],
    [{ ...request, secrecy: { level: '机密', period: '十年' } }, /保密期限应写作阿拉伯数字/],
    [{ ...request, body: { kind: 'structured', blocks: [] } }, /正文不能为空/],
    [{ ...request, body: { kind: 'file', uploadId: 'nope' } }, /上传编号（uploadId）无效/],
    [{ ...request, signer: 'x' }, /不认识的字段；可填写：docType/],
    [null, /请求内容应为 JSON 对象/],
    [[], /请求内容应为 JSON 对象/],
  ])('refuses %# in Chinese', (raw, message) => {
    const r = refusal(() => parseRequest(draftRequestSchema, raw));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(message);
  });

  it('a change names its revision and takes only the fields given', () => {
    expect(refusal(() => parseRequest(draftChangeSchema, { title: '新标题' })).message).toMatch(/修订号（revision/);
    const change = parseRequest(draftChangeSchema, { revision: 3, title: '关于开展安全生产专项检查的通知', changeNote: '改标题' });
    const next = applyChange(contentOf(request), change, undefined);
    expect(next.title).toBe('关于开展安全生产专项检查的通知');
    expect(next.mainRecipients).toEqual(['各科室']);
    expect(next.copyRecipients).toEqual([]);
  });
});

describe('rules across fields', () => {
  it('a classified draft states its copies; an upward one its 签发人; a code fits the direction', () => {
    expect(refusal(() => checkContent(contentOf({ ...request, secrecy: { level: '机密', period: '10年' } }), config)).message).toBe('密级为机密的文件须填写份数（copies），每份印有份号');
    expect(() => checkContent(contentOf({ ...request, secrecy: { level: '机密', period: '10年' }, copies: 20 }), config)).not.toThrow();
    expect(refusal(() => checkContent(contentOf({ ...request, direction: 'upward' }), config)).message).toMatch(/上行文须注明签发人/);
    expect(refusal(() => checkContent(contentOf({ ...request, signers: ['赵敏'] }), config)).message).toMatch(/下行文不印签发人/);
    // Without issuingCodes in the config any code is taken; with them, it must be one and fit.
    expect(() => checkContent(contentOf({ ...request, issuingCode: '随便发' }), config)).not.toThrow();
    expect(refusal(() => checkContent(contentOf({ ...request, issuingCode: '随便发' }), withCodes)).message).toBe('发文代字“随便发”不是本单位的代字，可选：管司发、管报字');
    expect(refusal(() => checkContent(contentOf({ ...request, issuingCode: '管报字' }), withCodes)).message).toBe('发文代字 管报字 用于上行文，与所选行文方向（下行文）不符');
    expect(() => checkContent(contentOf({ ...request, issuingCode: '管报字', direction: 'upward', signers: ['赵敏'] }), withCodes)).not.toThrow();
  });
});

describe('who reads and edits, states and the freeze', () => {
  const at = '2026-11-24T02:00:00.000Z';
  const base = (): Draft => newDraft('a'.repeat(20), staff, contentOf(request), at);

  it('the department, the office and leaders read; the 密级 comes first and names no title', () => {
    const d = base();
    expect(() => checkReadable(staff, d)).not.toThrow();
    expect(() => checkReadable(director, d)).not.toThrow();
    expect(refusal(() => checkReadable(otherDept, d)).status).toBe(403);
    const secret = { ...d, content: { ...d.content, secrecy: { level: '机密' as const }, copies: 5 } };
    const r = refusal(() => checkReadable(staff, secret));
    expect(r.status).toBe(403);
    expect(r.message).toBe('该稿件密级为机密，您的密级（秘密）不足，不能查看');
    expect(r.message).not.toContain(d.content.title);
  });

  it('edits in place while drafting, versions after submission, refuses after 签发 without consent', () => {
    const d = base();
    expect(planEdit(d)).toEqual({ kind: 'in-place' });
    expect(refusal(() => checkEditable(director, d)).message).toBe('稿件送审前只能由拟稿部门修改');
    const review: Draft = { ...d, state: 'in-review', version: 2 };
    expect(planEdit(review)).toEqual({ kind: 'version', version: 3, reopen: false });
    expect(() => checkEditable(director, review)).not.toThrow();
    const signed: Draft = { ...review, state: 'signed', signed: { by: 'zhaomin', byName: '赵敏', at, version: 2, contentHash: contentHash(review.content) } };
    const frozen = refusal(() => planEdit(signed));
    expect(frozen.status).toBe(409);
    expect(frozen.message).toMatch(/已由赵敏签发，内容已冻结；修改须经签发人同意/);
    // A consent given for an earlier version does not carry over.
    expect(refusal(() => planEdit({ ...signed, consent: { by: 'zhaomin', byName: '赵敏', at, note: '同意', version: 1 } })).status).toBe(409);
    const consented: Draft = { ...signed, consent: { by: 'zhaomin', byName: '赵敏', at, note: '同意改日期', version: 2 } };
    expect(planEdit(consented)).toEqual({ kind: 'version', version: 3, reopen: true });
    const reopened = reopenForSigning(consented);
    expect(reopened.state).toBe('awaiting-signature');
    expect(reopened.signed).toBeUndefined();
    expect(reopened.consent).toBeUndefined();
    expect(reopened.signings).toEqual([signed.signed]);
    expect(refusal(() => planEdit({ ...signed, state: 'numbered' })).message).toMatch(/^稿件已编号，内容不能再改/);
  });

  it('a stale write is told who changed the draft first and when (branch time)', () => {
    const d: Draft = { ...base(), version: 3, revision: 7, state: 'in-review', updatedAt: '2026-11-24T07:03:00.000Z', updatedBy: { username: 'liqiang', name: '李强' } };
    const r = staleRefusal(d, 'Asia/Shanghai');
    expect(r.status).toBe(409);
    expect(r.message).toBe('该稿件已被 李强 于 2026-11-24 15:03 修改，现为第3版（审核中）；请刷新后在最新内容上重新修改');
    expect(r.details).toMatchObject({ changedBy: 'liqiang', revision: 7 });
  });
});

describe('what changed', () => {
  it('pairs an edited paragraph and shows the changed characters; added and removed paragraphs whole', () => {
    const before = [
      { kind: 'paragraph' as const, text: '第一段不变。' },
      { kind: 'paragraph' as const, text: '检查于12月1日开始。' },
      { kind: 'paragraph' as const, text: '将被删除的段落。' },
      { kind: 'heading' as const, level: 1 as const, text: '工作要求' },
    ];
    const after = [
      { kind: 'paragraph' as const, text: '第一段不变。' },
      { kind: 'paragraph' as const, text: '检查于12月5日开始。' },
      { kind: 'heading' as const, level: 1 as const, text: '工作要求' },
      { kind: 'paragraph' as const, text: '新增的一段。' },
    ];
    const d = diffBlocks(before, after);
    expect(d.map((b) => b.op)).toEqual(['equal', 'changed', 'removed', 'equal', 'added']);
    expect(d[1].runs).toEqual([
      { op: 'equal', text: '检查于12月' },
      { op: 'delete', text: '1' },
      { op: 'insert', text: '5' },
      { op: 'equal', text: '日开始。' },
    ]);
    expect(d[2]).toMatchObject({ from: 2, runs: [{ op: 'delete', text: '将被删除的段落。' }] });
    expect(d[3]).toMatchObject({ kind: 'heading', level: 1, from: 3, to: 2 });
    expect(d[4]).toMatchObject({ to: 3, runs: [{ op: 'insert', text: '新增的一段。' }] });
  });

  it('lists changed fields with runs for text and leaves equal ones out', () => {
    const a = contentOf(request);
    const b = { ...a, title: '关于开展安全生产专项检查的通知', copyRecipients: ['市应急管理局'] };
    const d = diffContent(a, b);
    expect(d.fields.map((f) => f.label)).toEqual(['标题', '抄送']);
    expect(d.fields[0].runs).toEqual([
      { op: 'equal', text: '关于开展安全生产' },
      { op: 'delete', text: '大' },
      { op: 'insert', text: '专项' },
      { op: 'equal', text: '检查的通知' },
    ]);
    expect(d.body!.every((x) => x.op === 'equal')).toBe(true);
    expect(contentHash(a)).not.toBe(contentHash(b));
    expect(contentHash(a)).toBe(contentHash(JSON.parse(JSON.stringify(a))));
  });
});

describe('onto the GB/T 9704 layout', () => {
  it('maps a classified upward draft with the number left blank', () => {
    const c = contentOf({ ...request, direction: 'upward', signers: ['赵敏'], secrecy: { level: '机密', period: '10年' }, copies: 20, urgency: '加急', copyRecipients: ['市应急管理局'], attachments: ['检查表'], note: '联系人：刘洋' });
    const input = layoutInputOf(c, { issuerMark: '总部文件', issuerName: '总部', printedBy: '总部办公室', date: '2026-11-24' });
    const model = parseOutgoingLayout(input);
    expect(model).toMatchObject({
      copyNumber: '000001',
      secrecy: { level: '机密', period: '10年' },
      urgency: '加急',
      documentNumber: '管司发〔2026〕  号',
      signers: ['赵敏'],
      mainRecipients: '各科室',
      copyTo: ['市应急管理局'],
      attachments: ['检查表'],
      note: '联系人：刘洋',
      printedOn: '2026-11-24',
    });
    expect(model.body).toEqual(c.body.kind === 'structured' ? c.body.blocks : []);
    const plain = parseOutgoingLayout(layoutInputOf(contentOf(request), { issuerMark: '总部文件', issuerName: '总部', printedBy: '总部办公室', date: '2026-11-24', documentNumber: '管司发〔2026〕7号' }));
    expect(plain.copyNumber).toBeUndefined();
    expect(plain.secrecy).toBeUndefined();
    expect(plain.urgency).toBeUndefined();
    expect(plain.signers).toBeUndefined();
    expect(plain.documentNumber).toBe('管司发〔2026〕7号');
  });
});

describe('size', () => {
  it('refuses content too large for one item, pointing to an uploaded body', () => {
    const big = contentOf({ ...request, body: { kind: 'structured', blocks: Array.from({ length: 400 }, () => ({ kind: 'paragraph', text: '字'.repeat(300) })) } });
    const r = refusal(() => checkContent(big, config));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/^稿件内容过长（\d+ KB，上限 300 KB）；长篇材料请作为正文文件（.docx 或 PDF）上传$/);
  });
});

describe('messages zod would give in English', () => {
  it.each([
    [{ ...request, body: { kind: 'html', html: '<p>x</p>' } }, /^正文（body）应为 \{"kind":"structured"/],
    [{ ...request, body: { kind: 'structured', blocks: [{ kind: 'heading', level: 5, text: 'x' }] } }, /[\u4e00-\u9fff]/],
    [{ ...request, body: { kind: 'structured', blocks: [{ kind: 'table', text: 'x' }] } }, /[\u4e00-\u9fff]/],
  ])('%# is refused in Chinese', (raw, message) => {
    const r = refusal(() => parseRequest(draftRequestSchema, raw));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(message);
    expect(r.message).not.toMatch(/Invalid/);
  });
});
