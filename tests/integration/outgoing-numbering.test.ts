/**
 * 发文字号 against DynamoDB Local (issue 8 "Numbering"): 200 documents signed at once get
 * 管司发〔year〕1号 … 200号 with no duplicate and no gap; a voided number stays in the register with
 * who and why and is never given again; numbering a document twice gives its number.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Actor } from '../../functions/domain/identity.js';
import { Refusal } from '../../functions/domain/refusal.js';
import { readChain, documentChain } from '../../functions/adapters/audit.js';
import { numberOutgoing, outgoingNumberOf, voidOutgoingNumber } from '../../functions/adapters/outgoing.js';
import { listWholeRegister } from '../../functions/adapters/registers.js';
import type { SignedFacts } from '../../functions/domain/outgoing-numbering.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => h?.close());

let voidedNumber = '';
const clerk: Actor = { username: 'wangfang', name: '王芳', roles: ['clerk'], department: 'BGS', clearance: '机密' };
const at = '2026-11-24T02:00:00.000Z';
const signed = (docId: string, title = `关于做好第${docId}项工作的通知`): SignedFacts => ({
  docId,
  title,
  docType: '通知',
  secrecy: '非密',
  signer: 'zhaomin',
  signerName: '赵敏',
  signedAt: '2026-11-23T08:00:00.000Z',
  copies: 30,
  mainRecipients: ['各科室'],
  copyRecipients: ['集团公司办公室'],
});

it('numbers 200 documents signed at once 1 … 200: no duplicate, no gap, each number with its document', async () => {
  const docs = Array.from({ length: 200 }, (_, i) => `out-${i + 1}`);
  // Two module instances stand for two Lambda containers: within one, writers take turns; between
  // them only the conditional counter write decides, and the losers retry.
  vi.resetModules();
  const other = await import('../../functions/adapters/outgoing.js');
  expect(other.numberOutgoing).not.toBe(numberOutgoing);
  const given = await Promise.all(docs.map((docId, i) => (i % 2 ? other.numberOutgoing : numberOutgoing)({ code: 'company', document: signed(docId), actor: clerk, at })));
  const serials = given.map((g) => g.serial).sort((a, b) => a - b);
  expect(serials).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  expect(new Set(given.map((g) => g.number)).size).toBe(200);
  expect(given.every((g) => g.number === `管司发〔2026〕${g.serial}号` && !g.existing)).toBe(true);

  const entries = await listWholeRegister('outgoing-company', 2026);
  expect(entries.map((e) => e.serial)).toEqual(serials);
  // Each entry is the document that was told that number.
  const byDoc = new Map(given.map((g) => [g.docId, g.number]));
  expect(entries.every((e) => byDoc.get(String(e.docId)) === e.number)).toBe(true);
  expect(entries[0]).toMatchObject({ title: expect.stringContaining('通知'), docType: '通知', signerName: '赵敏', copies: 30, mainRecipients: ['各科室'], numberedBy: 'wangfang' });
  // Another code is its own series.
  const letter = await numberOutgoing({ code: '管函字', document: signed('letter-1', '关于商请支持的函'), actor: clerk, at });
  expect(letter.number).toBe('管函字〔2026〕1号');
}, 180_000);

it('gives a document numbered twice its existing number, even when both requests race', async () => {
  const first = await outgoingNumberOf('out-7');
  const again = await numberOutgoing({ code: 'company', document: signed('out-7'), actor: clerk, at });
  expect(again).toMatchObject({ number: first!.number, existing: true });
  const raced = await Promise.all(Array.from({ length: 5 }, () => numberOutgoing({ code: 'company', document: signed('twice'), actor: clerk, at })));
  expect(new Set(raced.map((r) => r.number)).size).toBe(1);
  expect(raced.filter((r) => !r.existing)).toHaveLength(1);
  expect(raced[0].number).toBe('管司发〔2026〕201号');
  expect(await listWholeRegister('outgoing-company', 2026)).toHaveLength(201);
});

it('keeps a voided number in the register with who and why; the next number is new and the document can be renumbered', async () => {
  const voided = await outgoingNumberOf('out-3');
  voidedNumber = voided!.number;
  await voidOutgoingNumber({ number: voided!.number.replace('〔', '[').replace('〕', ']'), reason: '文件标题有误，撤回重发', actor: clerk, at });
  const entries = await listWholeRegister('outgoing-company', 2026);
  expect(entries).toHaveLength(201);
  expect(entries.find((e) => e.serial === voided!.serial)).toMatchObject({ voided: true, voidedBy: 'wangfang', voidedByName: '王芳', voidReason: '文件标题有误，撤回重发', docId: 'out-3' });
  expect(await outgoingNumberOf('out-3')).toBeUndefined();
  const next = await numberOutgoing({ code: 'company', document: signed('new-doc'), actor: clerk, at });
  expect(next.number).toBe('管司发〔2026〕202号');
  const renumbered = await numberOutgoing({ code: 'company', document: signed('out-3'), actor: clerk, at });
  expect(renumbered).toMatchObject({ number: '管司发〔2026〕203号', existing: false });
  // Both acts are on the document's audit trail.
  expect((await readChain(documentChain('out-3'))).map((e) => e.action)).toEqual(['outgoing.numbered', 'outgoing.voided', 'outgoing.numbered']);
});

it('refuses in Chinese: a void without reason, a void twice, an unsigned document, an unknown code', async () => {
  const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
  expect(await refusal(voidOutgoingNumber({ number: '管司发〔2026〕5号', reason: '  ', actor: clerk }))).toMatchObject({ status: 400, message: '作废文号须填写作废原因' });
  const twice = await refusal(voidOutgoingNumber({ number: voidedNumber, reason: '重复', actor: clerk }));
  expect(twice).toBeInstanceOf(Refusal);
  expect(twice).toMatchObject({ status: 409, message: expect.stringContaining('已于 2026-11-24 由 王芳 作废') });
  expect(await refusal(voidOutgoingNumber({ number: '管司发〔2026〕999号', reason: '误编', actor: clerk }))).toMatchObject({ status: 404 });
  const unsigned = { ...signed('draft-1'), signedAt: undefined };
  expect(await refusal(numberOutgoing({ code: 'company', document: unsigned, actor: clerk }))).toMatchObject({ status: 409, message: expect.stringContaining('尚未签发') });
  expect(await refusal(numberOutgoing({ code: '京发', document: signed('x'), actor: clerk }))).toMatchObject({ status: 400, message: expect.stringContaining('管司发（company，下行文）') });
});

it('serves the 发文登记簿 and exports it like the other registers', async () => {
  const list = await h.api('wangfang', 'GET', '/registers/outgoing-company?year=2026&limit=5');
  expect(list.status).toBe(200);
  expect(list.body.name).toBe('发文登记簿（管司发）');
  expect(list.body.columns.map((c: any) => c.header)).toEqual(['发文字号', '标题', '文种', '密级', '签发人', '签发日期', '用印时间', '份数', '主送', '抄送', '备注']);
  const serial = Number(/〕(\d+)号/.exec(voidedNumber)![1]);
  const page = await h.api('wangfang', 'GET', `/registers/outgoing-company?year=2026&limit=200`);
  expect(page.body.items.find((e: any) => e.serial === serial).cells[10]).toContain('作废：文件标题有误，撤回重发（王芳');
  const registers = (await h.api('wangfang', 'GET', '/registers')).body.items.map((r: any) => r.id);
  expect(registers).toEqual(expect.arrayContaining(['outgoing-company', 'outgoing-report', 'seal']));
  const user = h.local.identity.listUsers().find((u) => u.username === 'wangfang')!;
  const res = await fetch(`${h.local.endpoints.api}/registers/outgoing-company/export?year=2026&format=csv`, { headers: { authorization: `Bearer ${await h.local.identity.issue(user)}` } });
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = new TextDecoder().decode(bytes).split('\r\n');
  expect(lines[0]).toBe('发文字号,标题,文种,密级,签发人,签发日期,用印时间,份数,主送,抄送,备注');
  // Which document the 200 racing signings numbered 1 (and so which number was voided) varies.
  const line = (n: number) => lines.find((l) => l.startsWith(`管司发〔2026〕${n}号,`))!;
  const plain = serial === 1 ? 2 : 1;
  expect(line(plain)).toMatch(new RegExp(`^管司发〔2026〕${plain}号,关于做好第out-\\d+项工作的通知,通知,非密,赵敏,2026-11-23,,30,各科室,集团公司办公室,$`));
  expect(line(serial)).toContain(',作废：文件标题有误，撤回重发（王芳');
});
