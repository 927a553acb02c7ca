/**
 * 用印 against DynamoDB Local (issue 8 "Seal"): the keeper seals a signed, numbered document — one
 * 用印登记簿 entry with the document's audit event, the seal time on the 发文登记簿 — and the sealed
 * copy verifies against the signed version; a seal reported lost is refused until reinstated; a
 * refusal needs a reason and is kept; a voided number cannot be sealed.
 */
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../functions/domain/identity.js';
import { sha256Hex, verifySealed, type SealApplication } from '../../functions/domain/seal.js';
import { documentChain, readChain } from '../../functions/adapters/audit.js';
import { getOutgoingEntry, numberOutgoing, voidOutgoingNumber } from '../../functions/adapters/outgoing.js';
import { listWholeRegister } from '../../functions/adapters/registers.js';
import { applySeal, refuseSealApplication, reinstateSeal, sealChain, sealRefusalsOf, suspendSeal } from '../../functions/adapters/seals.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => h?.close());

const keeper: Actor = { username: 'wangfang', name: '王芳', roles: ['clerk'], department: 'BGS', clearance: '机密' };
const director: Actor = { username: 'liqiang', name: '李强', roles: ['office-director'], department: 'BGS', clearance: '机密' };
const at = '2026-11-24T03:00:00.000Z';
const box = { page: 0, x: 376, y: 262, width: 119, height: 119 };

async function signedDocument(docId: string) {
  const doc = await PDFDocument.create();
  doc.addPage([595.28, 841.89]);
  const pdf = await doc.save();
  const facts = { docId, title: `关于${docId}的通知`, docType: '通知', secrecy: '非密', signer: 'zhaomin', signerName: '赵敏', signedAt: '2026-11-23T08:00:00.000Z', copies: 20 };
  const numbered = await numberOutgoing({ code: 'company', document: facts, actor: keeper, at });
  const application: SealApplication = {
    applicationId: `app-${docId}`,
    docId,
    title: facts.title,
    secrecy: '非密',
    signer: 'zhaomin',
    signedAt: facts.signedAt,
    number: numbered.number,
    content: `${facts.title}（正式文件）`,
    copies: 20,
    approver: { username: 'zhaomin', name: '赵敏' },
    applicant: { username: 'zhoujie', name: '周杰' },
  };
  return { pdf, application, numbered };
}

it('seals a signed, numbered document: register entry, seal time, audit event, a copy that verifies', async () => {
  const { pdf, application, numbered } = await signedDocument('seal-1');
  const sealed = await applySeal({ sealId: 'company', application, signedPdf: pdf, signedSha256: sha256Hex(pdf), box, actor: keeper, at });
  expect(sealed.registerSerial).toBe(1);
  expect(await verifySealed(sealed.pdf, sha256Hex(pdf))).toMatchObject({ ok: true, number: numbered.number, seal: '公司印章' });

  const [entry] = await listWholeRegister('seal', 2026);
  expect(entry).toMatchObject({ serial: 1, sealedAt: at, number: numbered.number, content: '关于seal-1的通知（正式文件）', sealName: '公司印章', copies: 20, approverName: '赵敏', applicantName: '周杰', keeperName: '王芳', signedSha256: sha256Hex(pdf), sealedSha256: sealed.sealedSha256 });
  expect(await getOutgoingEntry(numbered.register, numbered.year, numbered.serial)).toMatchObject({ sealedAt: at, sealName: '公司印章' });
  const trail = await readChain(documentChain('seal-1'));
  expect(trail.map((e) => e.action)).toEqual(['outgoing.numbered', 'seal.applied']);
  expect(trail[1].details).toMatchObject({ registerSerial: 1, sealedSha256: sealed.sealedSha256 });

  // The same application is not sealed twice.
  await expect(applySeal({ sealId: 'company', application, signedPdf: pdf, box, actor: keeper, at })).rejects.toMatchObject({ status: 409, message: '该用印申请已经用过印，不能重复用印' });
  // The register lists through the API, with the 用印登记簿's columns.
  const list = await h.api('wangfang', 'GET', '/registers/seal?year=2026');
  expect(list.body).toMatchObject({ name: '用印登记簿', columns: expect.arrayContaining([{ header: '印别' }, { header: '批准人' }, { header: '经办人' }]) });
  expect(list.body.items[0].cells.slice(2, 7)).toEqual([`${numbered.number} 关于seal-1的通知（正式文件）`, '公司印章', '20', '赵敏', '周杰']);
});

it('refuses a PDF that is not the version frozen at signing', async () => {
  const { pdf, application } = await signedDocument('seal-2');
  await expect(applySeal({ sealId: 'company', application, signedPdf: pdf, signedSha256: 'ab'.repeat(32), box, actor: keeper, at })).rejects.toMatchObject({ status: 409, message: expect.stringContaining('不是签发时冻结的版本') });
});

it('suspends a lost seal (audited) and refuses it until it is reinstated', async () => {
  const { pdf, application } = await signedDocument('seal-3');
  await expect(suspendSeal({ sealId: 'party', anomaly: 'lost', reason: '', actor: director })).rejects.toMatchObject({ status: 400, message: '停用印章须说明理由' });
  await suspendSeal({ sealId: 'party', anomaly: 'lost', reason: '印章盒失窃，已报警', actor: director, at });
  await expect(suspendSeal({ sealId: 'party', anomaly: 'damaged', reason: '又坏了', actor: director, at })).rejects.toMatchObject({ status: 409 });
  await expect(applySeal({ sealId: 'party', application, signedPdf: pdf, box, actor: keeper, at })).rejects.toMatchObject({
    status: 409,
    message: '“党委印章”已于 2026-11-24 因遗失停用（李强登记：印章盒失窃，已报警），不能用印；请改用其他印章或待印章恢复启用',
  });
  expect(await listWholeRegister('seal', 2026)).toHaveLength(1);
  await reinstateSeal({ sealId: 'party', reason: '新印章已刻制并备案', actor: director, at });
  const sealed = await applySeal({ sealId: 'party', application, signedPdf: pdf, box, actor: keeper, at });
  expect(sealed.registerSerial).toBe(2);
  expect((await readChain(sealChain('party'))).map((e) => [e.action, e.actor])).toEqual([
    ['seal.suspended', 'liqiang'],
    ['seal.reinstated', 'liqiang'],
  ]);
});

it('keeps a keeper’s refusal with its reason; a voided number cannot be sealed', async () => {
  const { pdf, application, numbered } = await signedDocument('seal-4');
  await expect(refuseSealApplication({ docId: 'seal-4', applicationId: application.applicationId, sealId: 'company', reason: ' ', actor: keeper })).rejects.toMatchObject({ status: 400, message: '拒绝用印须说明理由' });
  await refuseSealApplication({ docId: 'seal-4', applicationId: application.applicationId, sealId: 'company', reason: '缺少领导签批的发文稿纸', actor: keeper, at });
  expect(await sealRefusalsOf('seal-4')).toEqual([expect.objectContaining({ reason: '缺少领导签批的发文稿纸', byName: '王芳', at })]);
  expect((await readChain(documentChain('seal-4'))).map((e) => e.action)).toEqual(['outgoing.numbered', 'seal.refused']);

  await voidOutgoingNumber({ number: numbered.number, reason: '主送机关写错', actor: keeper, at });
  await expect(applySeal({ sealId: 'company', application: { ...application, number: undefined }, signedPdf: pdf, box, actor: keeper, at })).rejects.toMatchObject({ status: 409, message: '用印申请不完整，不能用印：尚未编发文字号' });
  await expect(applySeal({ sealId: 'company', application, signedPdf: pdf, box, actor: { ...keeper, roles: ['staff'] }, at })).rejects.toMatchObject({ status: 403 });
});
