/**
 * The outgoing routes (发文) end to end against local mode: a draft submitted for review (送审)
 * runs outgoing-main through 会审 (a disagreement returns to the drafter, who revises; the same
 * reviewers then agree), 核稿, 会签, 签发 (the content frozen), 编号, 用印 (a refusal without a reason
 * refused, a refusal with one sent to 补正, then the seal), 复核, 分发 (a department signs for it in
 * its 待阅, chased when it does not) and 归档. outgoing-dept: a change after 签发, with the signer's
 * consent, goes back to 签发 and the number is taken only after the new signature; a seal reported
 * lost cannot be applied until it is reinstated.
 * outgoing-committee: the committee director signs.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySealed } from '../../functions/domain/seal.js';
import { LOCAL_USERS } from '../../infra/local/users.js';
import { archiveBucket, archivePackage, decideNext, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // Wednesday 2 December 2026, 10:00 Beijing time.
  process.env.CHANCERY_FIXED_TIME = '2026-12-02T02:00:00Z';
  h = await startHarness({ watchInbox: false });
}, 120_000);
afterAll(async () => {
  await h?.close();
  delete process.env.CHANCERY_FIXED_TIME;
});

const notice = (title: string, issuingCode = '管司发') => ({
  docType: '通知',
  title,
  mainRecipients: ['各科室'],
  copyRecipients: ['市应急管理局'],
  issuingCode,
  direction: 'downward',
  body: {
    kind: 'structured',
    blocks: [
      { kind: 'paragraph', text: '为落实安全生产责任制，公司决定开展冬季安全生产大检查。' },
      { kind: 'heading', level: 1, text: '检查时间' },
      { kind: 'paragraph', text: '检查自12月7日开始，至12月18日结束。' },
    ],
  },
});

async function createDraft(user: string, title: string, code?: string): Promise<{ id: string; revision: number }> {
  const created = await h.api(user, 'POST', '/drafts', notice(title, code));
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { id: created.body.draftId, revision: created.body.revision };
}

async function fetchPdf(user: string, path: string): Promise<Uint8Array> {
  const token = await h.local.identity.issue(LOCAL_USERS.find((u) => u.username === user)!);
  const res = await fetch(`${h.local.endpoints.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  return new Uint8Array(await res.arrayBuffer());
}

async function pdfText(pdf: Uint8Array): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) text += (await (await doc.getPage(n)).getTextContent()).items.map((it) => ('str' in it ? it.str : '')).join('');
  await doc.destroy();
  return text;
}

const openTasks = async (user: string, docId: string) => ((await h.api(user, 'GET', '/tasks?limit=100')).body.items as any[]).filter((t) => t.docId === docId);
const stepsNow = async (docId: string) => ((await h.api('liqiang', 'GET', `/documents/${docId}`)).body.openTasks ?? []) as any[];
const draftOf = async (id: string) => (await h.api('liuyang', 'GET', `/drafts/${id}`)).body;

/** Decides the user's open task on the document, expecting the API to refuse it. */
async function refusedDecision(user: string, docId: string, body: Record<string, unknown>) {
  const [task] = await openTasks(user, docId);
  expect(task, `${user} holds a task on ${docId}`).toBeDefined();
  return h.api(user, 'POST', `/tasks/${task.taskId}/decision`, body);
}

describe('outgoing-main (党政公文)', () => {
  let id: string;

  it('submits a draft for 会审 by its own head and the named related head; a bad route or reviewer is refused', async () => {
    ({ id } = await createDraft('liuyang', '关于开展冬季安全生产大检查的通知'));
    const noRoute = await h.api('liuyang', 'POST', `/drafts/${id}/submit`, {});
    expect(noRoute.status).toBe(400);
    expect(noRoute.body.message).toContain('outgoing-main（党政公文）');
    const ghost = await h.api('liuyang', 'POST', `/drafts/${id}/submit`, { route: 'outgoing-main', reviewers: ['ghost'] });
    expect(ghost).toMatchObject({ status: 400, body: { message: expect.stringContaining('找不到科室负责人 ghost') } });
    const deptReviewers = await h.api('liuyang', 'POST', `/drafts/${id}/submit`, { route: 'outgoing-dept', reviewers: ['chenjing'] });
    expect(deptReviewers.status).toBe(400);

    const submitted = await h.api('liuyang', 'POST', `/drafts/${id}/submit`, { route: 'outgoing-main', reviewers: ['chenjing'] });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect(submitted.body).toMatchObject({ docId: id, route: 'outgoing-main', routeName: '党政公文', state: 'in-review', version: 1 });
    await h.local.settle();
    // 会审: each reviewer has their own task, all must agree.
    expect((await openTasks('zhoujie', id)).map((t) => t.stepName)).toEqual(['会审（会签）']);
    expect((await openTasks('chenjing', id)).map((t) => t.stepName)).toEqual(['会审（会签）']);
  });

  it('a 会审 disagreement returns the draft to the drafter, who revises it as version 2; the reviewers then agree', async () => {
    await decideNext(h, 'chenjing', id, { agree: false, opinion: '第二条检查时间与财务结账冲突，请调整' });
    expect(await openTasks('zhoujie', id)).toEqual([]);
    const [revise] = await openTasks('liuyang', id);
    expect(revise).toMatchObject({ step: 'revise', stepName: '修改稿件' });

    const { revision } = await draftOf(id);
    const edited = await h.api('liuyang', 'PUT', `/drafts/${id}`, {
      revision,
      changeNote: '按财务科意见调整检查时间',
      body: { ...notice('').body, blocks: notice('').body.blocks.map((b, i) => (i === 2 ? { ...b, text: '检查自12月9日开始，至12月18日结束。' } : b)) },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.version).toBe(2);
    await decideNext(h, 'liuyang', id, { opinion: '已按财务科意见调整检查时间' });
    await decideNext(h, 'zhoujie', id, { agree: true, opinion: '同意' });
    await decideNext(h, 'chenjing', id, { agree: true, opinion: '同意' });
    expect((await openTasks('liqiang', id)).map((t) => t.step)).toEqual(['check']);
  });

  it('核稿, 会签 and 签发 by the main leader freeze the content; 编号 gives 管司发〔2026〕N号', async () => {
    await decideNext(h, 'liqiang', id, { opinion: '文字、格式已核' });
    await decideNext(h, 'sunwei', id, { opinion: '同意' });
    expect((await draftOf(id)).state).toBe('awaiting-signature');
    await decideNext(h, 'zhaomin', id, { opinion: '同意印发' });
    const signed = await draftOf(id);
    expect(signed).toMatchObject({ state: 'signed', signed: { by: 'zhaomin', version: 2 } });
    // Frozen: an edit without the signer's consent is refused.
    const refused = await h.api('liuyang', 'PUT', `/drafts/${id}`, { revision: signed.revision, title: '改个标题' });
    expect(refused.status).toBe(409);

    const { result } = await decideNext(h, 'wangfang', id, {});
    expect(result).toBeDefined();
    const numbered = await draftOf(id);
    expect(numbered.state).toBe('numbered');
    expect(numbered.printed.number).toMatch(/^管司发〔2026〕\d+号$/);
    const doc = (await h.api('liqiang', 'GET', `/documents/${id}`)).body;
    expect(doc.registerNumber ?? doc.document?.registerNumber).toBe(numbered.printed.number);
  });

  it('the keeper must say why when refusing; a refusal goes to 补正 and back; then the seal, whose PDF carries the signed hash', async () => {
    // The keeper holds the step by role: he may open the document it waits on, and only while it waits.
    expect((await h.api('majun', 'GET', `/documents/${id}`)).status).toBe(200);
    const noReason = await refusedDecision('majun', id, { outcome: 'refused' });
    expect(noReason).toMatchObject({ status: 400, body: { message: expect.stringContaining('拒绝用印须写明理由') } });
    const badSeal = await refusedDecision('majun', id, { seal: 'ghost', copies: 10 });
    expect(badSeal).toMatchObject({ status: 400, body: { message: expect.stringContaining('company（公司印章）') } });
    await decideNext(h, 'majun', id, { outcome: 'refused', reason: '用印份数未注明' });
    await decideNext(h, 'liqiang', id, { opinion: '已补正：印制 30 份' });
    const number = (await draftOf(id)).printed.number;
    await decideNext(h, 'majun', id, { outcome: 'sealed', seal: 'company', copies: 30 });

    const draft = await draftOf(id);
    expect(draft).toMatchObject({ state: 'sealed', printed: { number }, sealed: { sealId: 'company', sealName: '公司印章', copies: 30 } });
    // Anyone reading the draft can fetch the sealed copy and check it against the signed PDF's hash.
    const sealedPdf = await fetchPdf('liuyang', `/drafts/${id}/pdf`);
    const numberedPdf = await fetchPdf('liuyang', `/drafts/${id}/pdf?which=numbered`);
    expect(createHash('sha256').update(numberedPdf).digest('hex')).toBe(draft.printed.sha256);
    expect(createHash('sha256').update(sealedPdf).digest('hex')).toBe(draft.sealed.sha256);
    expect(await verifySealed(sealedPdf, draft.printed.sha256)).toMatchObject({ ok: true });
    expect(await verifySealed(sealedPdf, '0'.repeat(64))).toMatchObject({ ok: false, mismatch: 'hash' });
    // Anyone holding a copy checks it against the register: uploaded, then POST /seals/verify.
    const check = async (user: string, bytes: Uint8Array) => {
      const asked = await h.api(user, 'POST', '/uploads', { fileName: '收到的用印件.pdf', contentType: 'application/pdf', size: bytes.length });
      expect(asked.status, JSON.stringify(asked.body)).toBe(200);
      expect((await fetch(asked.body.url, { method: 'PUT', headers: asked.body.headers, body: bytes })).status).toBe(200);
      return (await h.api(user, 'POST', '/seals/verify', { uploadId: asked.body.uploadId })).body;
    };
    expect(await check('chenjing', sealedPdf)).toMatchObject({ ok: true, number, title: '关于开展冬季安全生产大检查的通知', signedBy: '赵敏', explanation: expect.stringMatching(/用印时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}；/) });
    const tampered = new Uint8Array(sealedPdf);
    const at = Buffer.from(tampered).indexOf('12月9日');
    tampered[at >= 0 ? at : 400] ^= 1;
    expect(await check('chenjing', tampered)).toMatchObject({ ok: false });
    expect(await check('chenjing', await fetchPdf('liuyang', `/drafts/${id}/preview`))).toMatchObject({ ok: false, explanation: expect.stringContaining('没有本系统的用印信息') });
    expect((await h.api('chenjing', 'POST', '/seals/verify', { uploadId: 'nope' })).status).toBe(400);
    // 用印登记簿: one entry, for this number.
    const seals = (await h.api('liqiang', 'GET', '/registers/seal')).body.items as any[];
    expect(seals.filter((e) => e.docId === id)).toEqual([expect.objectContaining({ number, sealName: '公司印章', copies: 30, keeper: 'majun' })]);
    // 发文登记簿: the number's line now has the seal time and the copies printed.
    const outgoing = (await h.api('liqiang', 'GET', '/registers/outgoing-company')).body.items as any[];
    expect(outgoing.find((e) => e.number === number)).toMatchObject({ title: '关于开展冬季安全生产大检查的通知', docType: '通知', signerName: '赵敏', copies: 30, sealName: '公司印章', sealedAt: expect.any(String), mainRecipients: ['各科室'] });
  });

  it('复核, then 分发: a department signs for it in its 待阅 (chased while it does not), outside recipients are recorded; then filed', async () => {
    await decideNext(h, 'liqiang', id, { opinion: '与签发稿一致' });
    const badDept = await refusedDecision('wangfang', id, { departments: ['NOPE'] });
    expect(badDept.status).toBe(400);
    const nothing = await refusedDecision('wangfang', id, {});
    expect(nothing).toMatchObject({ status: 400, body: { message: expect.stringContaining('至少分发') } });
    await decideNext(h, 'wangfang', id, { departments: ['CWK'], external: [{ recipient: '市应急管理局', means: '邮寄', date: '2026-12-02' }] });

    const toRead = ((await h.api('chenjing', 'GET', '/documents?box=toread&limit=50')).body.items as any[]).filter((i) => i.docId === id);
    expect(toRead).toHaveLength(1);
    // Unread two working days on: chased (催阅), once.
    const sweep = (iso: string) => h.local.fireSchedule('deadline-sweep', new Date(iso)) as Promise<{ readersChased: number }>;
    expect((await sweep('2026-12-04T09:31:00Z')).readersChased).toBeGreaterThanOrEqual(1);
    const unsigned = (await h.api('liuyang', 'GET', `/drafts/${id}/distribution`)).body;
    expect(unsigned).toMatchObject({ departmentNames: ['财务科'], receipts: [{ reader: 'chenjing', readerName: '陈静', status: expect.not.stringMatching(/^read$/), chasedAt: expect.any(String) }] });
    expect((await h.api('chenjing', 'POST', `/documents/${id}/read`, { opinion: '已签收' })).status).toBe(200);
    expect((await h.api('liuyang', 'GET', `/drafts/${id}/distribution`)).body.receipts).toEqual([expect.objectContaining({ reader: 'chenjing', status: 'read', opinion: '已签收', signedAt: expect.any(String) })]);
    expect(((await h.api('chenjing', 'GET', '/documents?box=toread&limit=50')).body.items as any[]).filter((i) => i.docId === id)).toEqual([]);

    await decideNext(h, 'wangfang', id, { retention: 'D30' });
    await h.local.settle();
    const doc = (await h.api('liqiang', 'GET', `/documents/${id}`)).body;
    expect(doc.status ?? doc.document?.status).toBe('filed');

    // The package under its 档号: the sealed PDF as issued, the signed one, every version, the
    // 发文稿纸, the seal record and the receipts, each in the SHA-256 manifest.
    const archive = doc.archive ?? doc.document?.archive;
    const files = await archivePackage(h.local.s3, archiveBucket(h.local), archive.prefix);
    expect([...files.keys()].sort()).toEqual(
      ['audit.json', 'distribution.json', 'drafting-slip.pdf', 'manifest-sha256.txt', 'metadata.json', 'seal.json', 'sealed.pdf', 'signed.pdf', 'slip.json', 'slip.pdf', 'versions/v001.json', 'versions/v002.json'].sort(),
    );
    const draft = await draftOf(id);
    expect(createHash('sha256').update(files.get('sealed.pdf')!).digest('hex')).toBe(draft.sealed.sha256);
    const manifest = files.get('manifest-sha256.txt')!.toString();
    for (const [name, bytes] of files) if (name !== 'manifest-sha256.txt') expect(manifest).toContain(`${createHash('sha256').update(bytes).digest('hex')}  ${name}`);
    const distribution = JSON.parse(files.get('distribution.json')!.toString());
    expect(distribution).toMatchObject({ departments: ['CWK'], external: [{ recipient: '市应急管理局', means: '邮寄' }], receipts: [{ reader: 'chenjing', status: 'read', opinion: '已签收' }] });
    expect(JSON.parse(files.get('versions/v001.json')!.toString()).content.body.blocks[2].text).toContain('12月7日');
    const slipText = (await pdfText(files.get('drafting-slip.pdf')!)).replace(/\s+/g, '');
    // The same 发文稿纸 is downloadable from the draft at any time.
    expect((await pdfText(await fetchPdf('liuyang', `/drafts/${id}/slip`))).replace(/\s+/g, '')).toContain('同意印发');
    for (const seen of ['发文稿纸', draft.printed.number, '不同意', '第二条检查时间与财务结账冲突', '赵敏', '同意印发', '刘洋']) expect(slipText).toContain(seen);
  });
});

describe('outgoing-dept (科室公文)', () => {
  it('a change after 签发, with the signer’s consent, goes back to 签发; only then is it numbered', async () => {
    const { id } = await createDraft('liuyang', '关于调整科室值班安排的通知', '管办发');
    expect((await h.api('liuyang', 'POST', `/drafts/${id}/submit`, { route: 'outgoing-dept' })).status).toBe(200);
    await h.local.settle();
    // The section head sends it back once, then agrees.
    await decideNext(h, 'zhoujie', id, { outcome: 'revise', opinion: '请写明值班电话' });
    await decideNext(h, 'liuyang', id, { opinion: '已补充' });
    await decideNext(h, 'zhoujie', id, { outcome: 'agree', opinion: '同意' });
    await decideNext(h, 'liqiang', id, { opinion: '已核' });
    await decideNext(h, 'sunwei', id, { opinion: '同意' });
    expect((await draftOf(id)).state).toBe('signed');
    expect((await openTasks('wangfang', id)).map((t) => t.step)).toEqual(['number']);

    // The signer consents; the drafter's change goes back to 签发 and the 编号 task closes.
    expect((await h.api('sunwei', 'POST', `/drafts/${id}/consent`, { note: '同意补充值班电话' })).status).toBe(200);
    const { revision } = await draftOf(id);
    const changed = await h.api('liuyang', 'PUT', `/drafts/${id}`, { revision, changeNote: '补充值班电话', title: '关于调整科室值班安排及值班电话的通知' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    await h.local.settle();
    expect(await openTasks('wangfang', id)).toEqual([]);
    expect((await openTasks('sunwei', id)).map((t) => t.step)).toEqual(['sign']);
    expect((await draftOf(id)).state).toBe('awaiting-signature');

    await decideNext(h, 'sunwei', id, { opinion: '同意' });
    await decideNext(h, 'wangfang', id, {});
    const draft = await draftOf(id);
    expect(draft).toMatchObject({ state: 'numbered', signed: { version: draft.version } });
    expect(draft.printed.number).toMatch(/^管办发〔2026〕\d+号$/);
    // A seal reported lost is suspended: nothing is sealed with it until it is reinstated.
    const lost = await h.api('majun', 'POST', '/seals/company/suspend', { anomaly: 'lost', reason: '印章盒遗失，已报告' });
    expect(lost.status, JSON.stringify(lost.body)).toBe(200);
    expect((await h.api('majun', 'POST', '/seals/company/suspend', { anomaly: 'lost', reason: '再报' })).status).toBe(409);
    expect((await h.api('liuyang', 'GET', '/seals')).status).toBe(403);
    expect(((await h.api('majun', 'GET', '/seals')).body.items as any[]).find((x) => x.id === 'company')).toMatchObject({ name: '公司印章', stateName: '停用（遗失）' });
    const whileLost = await refusedDecision('majun', id, { seal: 'company', copies: 5 });
    expect(whileLost).toMatchObject({ status: 409, body: { message: expect.stringContaining('因遗失停用') } });
    expect((await draftOf(id)).state).toBe('numbered');
    expect((await h.api('majun', 'POST', '/seals/company/reinstate', { reason: '印章已找回' })).status).toBe(200);
    // 科室公文: no 复核 — straight from 用印 to 分发.
    await decideNext(h, 'majun', id, { copies: 5 });
    expect((await openTasks('wangfang', id)).map((t) => t.step)).toEqual(['distribute']);

    // 作废文号 before it goes out: void in the 发文登记簿 with who and why, back to 编号, a new number.
    const first = draft.printed.number as string;
    expect((await h.api('liuyang', 'POST', `/drafts/${id}/void-number`, { reason: '附件漏印' })).status).toBe(403);
    expect((await h.api('liqiang', 'POST', `/drafts/${id}/void-number`, {})).status).toBe(400);
    const voided = await h.api('liqiang', 'POST', `/drafts/${id}/void-number`, { reason: '附件漏印，重新印制' });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    await h.local.settle();
    expect(await draftOf(id)).toMatchObject({ state: 'signed', voidedNumbers: [{ number: first, byName: '李强', reason: '附件漏印，重新印制' }] });
    expect((await draftOf(id)).printed).toBeUndefined();
    const register = (await h.api('liqiang', 'GET', '/registers/outgoing-office')).body.items as any[];
    expect(register.find((e) => e.number === first)).toMatchObject({ voided: true, voidedByName: '李强', voidReason: '附件漏印，重新印制' });
    expect((await openTasks('wangfang', id)).map((t) => t.step)).toEqual(['number']);
    await decideNext(h, 'wangfang', id, {});
    const renumbered = await draftOf(id);
    expect(renumbered.printed.number).not.toBe(first);
    await decideNext(h, 'majun', id, { copies: 5 });
    expect((await openTasks('wangfang', id)).map((t) => t.step)).toEqual(['distribute']);
    // Once sent out (分发), the number stands.
    await decideNext(h, 'wangfang', id, { departments: ['SCJSK'] });
    expect((await h.api('liqiang', 'POST', `/drafts/${id}/void-number`, { reason: '晚了' })).status).toBe(409);
  });
});

describe('outgoing-committee (专业委员会公文)', () => {
  it('is reviewed by the committee office, checked, countersigned, signed by the committee director, and goes out like the others', async () => {
    const { id } = await createDraft('liuyang', '关于召开安全生产委员会第四次会议的通知');
    expect((await h.api('liuyang', 'POST', `/drafts/${id}/submit`, { route: 'outgoing-committee' })).status).toBe(200);
    await h.local.settle();
    await decideNext(h, 'zhoujie', id, { opinion: '同意' });
    await decideNext(h, 'liqiang', id, { opinion: '已核' });
    await decideNext(h, 'gaofeng', id, { opinion: '同意' });
    expect((await openTasks('zhaomin', id)).filter((t) => t.step === 'sign')).toEqual([]);
    await decideNext(h, 'tanghui', id, { opinion: '同意印发' });
    expect(await draftOf(id)).toMatchObject({ state: 'signed', signed: { by: 'tanghui' } });
    // Then as every outgoing document: 编号, 用印 with the party seal, 复核, 分发 outside only, 归档.
    await decideNext(h, 'wangfang', id, {});
    await decideNext(h, 'majun', id, { seal: 'party', copies: 8 });
    expect(await draftOf(id)).toMatchObject({ state: 'sealed', sealed: { sealName: '党委印章', copies: 8 } });
    await decideNext(h, 'liqiang', id, { opinion: '无误' });
    await decideNext(h, 'wangfang', id, { external: [{ recipient: '市安全生产委员会办公室', means: '交换', date: '2026-12-02' }], copyHolders: [{ copyNo: 1, holder: '市安委办' }] });
    await decideNext(h, 'wangfang', id, { retention: 'D10' });
    await h.local.settle();
    const doc = (await h.api('liqiang', 'GET', `/documents/${id}`)).body;
    expect(doc.document.status).toBe('filed');
    expect((await h.api('liuyang', 'GET', `/drafts/${id}/distribution`)).body).toMatchObject({ external: [{ recipient: '市安全生产委员会办公室', means: '交换' }], copyHolders: [{ copyNo: 1, holder: '市安委办' }], receipts: [] });
  });
});
