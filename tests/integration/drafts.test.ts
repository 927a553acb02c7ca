/**
 * Outgoing drafts against the real local services (DynamoDB Local, S3, the HTTP API): create →
 * submit → edits as versions with who/when and a diff; concurrent edits (one wins, one 409 naming
 * the winner); 签发 freezes the content until the signer consents, and the change goes back to
 * 签发; the preview is a GB/T 9704 PDF holding the title and the body; a classified draft stays
 * closed to someone not cleared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceDraft, getDraft, markAwaitingSignature, signDraft } from '../../functions/adapters/drafts.js';
import { signedFacts } from '../../functions/domain/drafts.js';
import { readChain, documentChain } from '../../functions/adapters/audit.js';
import type { Actor } from '../../functions/domain/identity.js';
import { LOCAL_USERS } from '../../infra/local/users.js';
import { makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const zhaomin: Actor = { username: 'zhaomin', name: '赵敏', roles: ['main-leader'], department: 'BGS', clearance: '绝密' };

const notice = {
  docType: '通知',
  title: '关于开展冬季安全生产大检查的通知',
  mainRecipients: ['各科室', '各车间'],
  copyRecipients: ['市应急管理局'],
  issuingCode: '管司发',
  direction: 'downward',
  attachments: ['安全检查表'],
  body: {
    kind: 'structured',
    blocks: [
      { kind: 'paragraph', text: '为落实安全生产责任制，公司决定开展冬季安全生产大检查。' },
      { kind: 'heading', level: 1, text: '检查时间' },
      { kind: 'paragraph', text: '检查自12月1日开始，至12月15日结束。' },
      { kind: 'heading', level: 1, text: '工作要求' },
      { kind: 'paragraph', text: '各科室要高度重视，认真组织自查。' },
    ],
  },
};

async function fetchRaw(user: string, path: string): Promise<{ status: number; type: string; bytes: Uint8Array }> {
  const token = await h.local.identity.issue(LOCAL_USERS.find((u) => u.username === user)!);
  const res = await fetch(`${h.local.endpoints.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function pdfText(pdf: Uint8Array): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: pdf.slice(), useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    text += content.items.map((it) => ('str' in it ? it.str : '')).join('');
  }
  await doc.destroy();
  return text;
}

/** A body with one block's text replaced. */
const withBlock = (index: number, text: string, blocks: { text: string }[] = notice.body.blocks) => ({ kind: 'structured', blocks: blocks.map((b, i) => (i === index ? { ...b, text } : b)) });

describe('drafts', () => {
  let draftId: string;

  it('creates a draft in place, submits it as version 1, and every later edit is a version with who, when and a diff', async () => {
    const created = await h.api('liuyang', 'POST', '/drafts', notice);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ state: 'drafting', stateName: '拟稿中', version: 0, revision: 1, department: 'SCJSK', drafter: { username: 'liuyang', name: '刘洋' } });
    draftId = created.body.draftId;

    // While drafting, changes replace the content and make no version.
    const inPlace = await h.api('liuyang', 'PUT', `/drafts/${draftId}`, { revision: 1, urgency: '加急' });
    expect(inPlace.status).toBe(200);
    expect(inPlace.body).toMatchObject({ state: 'drafting', version: 0, revision: 2, content: { urgency: '加急' } });
    expect((await h.api('liuyang', 'GET', `/drafts/${draftId}/versions`)).body.items).toEqual([]);

    const submitted = await h.api('liuyang', 'POST', `/drafts/${draftId}/submit`, { route: 'outgoing-dept', note: '请审核' });
    expect(submitted.body).toMatchObject({ state: 'in-review', version: 1, revision: 3 });
    expect((await h.api('liuyang', 'POST', `/drafts/${draftId}/submit`, { route: 'outgoing-dept' })).status).toBe(409);

    // 核稿 by the office director: the date changes; then the section head adds a 抄送.
    const edit1 = await h.api('liqiang', 'PUT', `/drafts/${draftId}`, { revision: 3, changeNote: '结束日期延后', body: withBlock(2, '检查自12月1日开始，至12月20日结束。') });
    expect(edit1.status).toBe(200);
    expect(edit1.body).toMatchObject({ version: 2, revision: 4, changedFields: ['正文'], updatedBy: { username: 'liqiang', name: '李强' } });
    const edit2 = await h.api('zhoujie', 'PUT', `/drafts/${draftId}`, { revision: 4, copyRecipients: ['市应急管理局', '市总工会'] });
    expect(edit2.body).toMatchObject({ version: 3, changedFields: ['抄送'] });

    const list = await h.api('liuyang', 'GET', `/drafts/${draftId}/versions`);
    expect(list.body.items.map((v: any) => [v.version, v.by, v.byName, v.changedFields])).toEqual([
      [1, 'liuyang', '刘洋', []],
      [2, 'liqiang', '李强', ['正文']],
      [3, 'zhoujie', '周杰', ['抄送']],
    ]);
    expect(list.body.items[1].note).toBe('结束日期延后');
    for (const v of list.body.items) expect(Date.parse(v.at)).toBeGreaterThan(0);

    // Paged by cursor: one a page walks the same three.
    const first = await h.api('liuyang', 'GET', `/drafts/${draftId}/versions?limit=1`);
    const second = await h.api('liuyang', 'GET', `/drafts/${draftId}/versions?limit=1&cursor=${first.body.cursor}`);
    expect([first.body.items[0].version, second.body.items[0].version]).toEqual([1, 2]);

    const diff = await h.api('liuyang', 'GET', `/drafts/${draftId}/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    expect(diff.body.fields.map((f: any) => f.label)).toEqual(['正文']);
    const changed = diff.body.body.filter((b: any) => b.op !== 'equal');
    expect(changed).toEqual([
      {
        op: 'changed',
        kind: 'paragraph',
        from: 2,
        to: 2,
        runs: [
          { op: 'equal', text: '检查自12月1日开始，至12月' },
          { op: 'delete', text: '15' },
          { op: 'insert', text: '20' },
          { op: 'equal', text: '日结束。' },
        ],
      },
    ]);
    // Default: the current version against the one before.
    const latest = await h.api('liuyang', 'GET', `/drafts/${draftId}/diff`);
    expect(latest.body).toMatchObject({ from: { version: 2 }, to: { version: 3, byName: '周杰' } });
    expect(latest.body.fields).toEqual([{ field: 'copyRecipients', label: '抄送', before: ['市应急管理局'], after: ['市应急管理局', '市总工会'] }]);

    const v2 = await h.api('liuyang', 'GET', `/drafts/${draftId}/versions/2`);
    expect(v2.body.content.body.blocks[2].text).toBe('检查自12月1日开始，至12月20日结束。');
    expect((await h.api('liuyang', 'GET', `/drafts/${draftId}/versions/9`)).body.message).toBe('没有第9版：稿件现为第3版');

    // Every write is on the draft's audit chain, with its route's (送审 started outgoing-dept: 审核 waits).
    const actions = (await readChain(documentChain(draftId))).map((e) => e.action);
    expect(actions).toEqual(['draft.created', 'draft.edited', 'draft.submitted', 'route.started', 'task.created', 'draft.versioned', 'draft.versioned']);
  });

  it('concurrent edits of one revision: one becomes the next version, the other gets 409 naming who changed it first', async () => {
    const { revision, content } = (await h.api('liuyang', 'GET', `/drafts/${draftId}`)).body;
    const [a, b] = await Promise.all([
      h.api('liqiang', 'PUT', `/drafts/${draftId}`, { revision, title: '关于开展冬季安全生产专项检查的通知' }),
      h.api('zhoujie', 'PUT', `/drafts/${draftId}`, { revision, body: withBlock(4, '各科室要高度重视，认真组织自查自纠。', content.body.blocks) }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    expect(won.body.version).toBe(4);
    const winner = won.body.updatedBy.name as string;
    expect(lost.body.message).toMatch(new RegExp(`^该稿件已被 ${winner} 于 \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} 修改，现为第4版（审核中）；请刷新后在最新内容上重新修改$`));
    expect(lost.body.changedByName).toBe(winner);
    const versions = (await h.api('liuyang', 'GET', `/drafts/${draftId}/versions`)).body.items;
    expect(versions.map((v: any) => v.version)).toEqual([1, 2, 3, 4]);
  });

  it('签发 freezes the content: an edit is refused, with the signer’s consent it becomes a version and the draft goes back to 签发', async () => {
    const signed = await signDraft(draftId, zhaomin, new Date().toISOString(), { opinion: '同意印发' });
    expect(signed.state).toBe('signed');
    expect(signed.signed).toMatchObject({ by: 'zhaomin', version: 4, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const shown = await h.api('liqiang', 'GET', `/drafts/${draftId}`);
    expect(shown.body).toMatchObject({ state: 'signed', stateName: '已签发', frozen: true });
    const refused = await h.api('liqiang', 'PUT', `/drafts/${draftId}`, { revision: shown.body.revision, note: '联系人：刘洋' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('稿件已由赵敏签发，内容已冻结；修改须经签发人同意（由赵敏在稿件上“同意修改”），修改后需重新签发');

    // Only the signer consents.
    expect((await h.api('liqiang', 'POST', `/drafts/${draftId}/consent`, { note: '同意' })).status).toBe(403);
    const consent = await h.api('zhaomin', 'POST', `/drafts/${draftId}/consent`, { note: '同意增加附注' });
    expect(consent.status).toBe(200);

    const edited = await h.api('liqiang', 'PUT', `/drafts/${draftId}`, { revision: consent.body.revision, note: '联系人：刘洋', changeNote: '增加附注' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ state: 'awaiting-signature', stateName: '待签发', frozen: false, version: 5, changedFields: ['附注'] });
    expect(edited.body.signed).toBeUndefined();
    expect(edited.body.signings).toEqual([expect.objectContaining({ by: 'zhaomin', version: 4 })]);
    const v5 = (await h.api('liuyang', 'GET', `/drafts/${draftId}/versions`)).body.items.at(-1);
    expect(v5).toMatchObject({ version: 5, byName: '李强', consented: true });

    // Signed again: frozen again, the consent used up.
    const again = await signDraft(draftId, zhaomin, new Date().toISOString());
    expect(again).toMatchObject({ state: 'signed', signed: { version: 5 } });
    expect(again.consent).toBeUndefined();
    expect((await h.api('liqiang', 'PUT', `/drafts/${draftId}`, { revision: again.revision, note: '再改' })).status).toBe(409);
    expect((await getDraft(draftId))!.version).toBe(5);
  });

  it('the route moves a draft to 待签发, 签发, 已编号 and 已用印; numbered content cannot change even with consent', async () => {
    const created = await h.api('zhoujie', 'POST', '/drafts', { ...notice, title: '关于冬季防寒防冻工作的通知' });
    const id = created.body.draftId as string;
    const at = () => new Date().toISOString();
    const liqiang: Actor = { username: 'liqiang', name: '李强', roles: ['office-director'], department: 'BGS', clearance: '机密' };
    // Not before submission, not by someone who is no leader.
    await expect(signDraft(id, zhaomin, at())).rejects.toMatchObject({ status: 409, message: '稿件拟稿中，不能签发' });
    await h.api('zhoujie', 'POST', `/drafts/${id}/submit`, { route: 'outgoing-dept' });
    await expect(signDraft(id, liqiang, at())).rejects.toMatchObject({ status: 403, message: '只有领导可以签发公文' });
    expect((await markAwaitingSignature(id, liqiang, at())).state).toBe('awaiting-signature');
    await expect(advanceDraft(id, 'numbered', liqiang, at())).rejects.toMatchObject({ status: 409, message: '稿件待签发，只有已签发的稿件才能编号' });
    const signed = await signDraft(id, zhaomin, at());
    expect(signedFacts(signed)).toMatchObject({ docId: id, title: '关于冬季防寒防冻工作的通知', docType: '通知', secrecy: '非密', signer: 'zhaomin', signerName: '赵敏', contentHash: signed.signed!.contentHash });
    expect((await advanceDraft(id, 'numbered', liqiang, at(), { number: '管司发〔2026〕7号' })).state).toBe('numbered');
    expect(await h.api('zhaomin', 'POST', `/drafts/${id}/consent`, { note: '同意' })).toMatchObject({ status: 409, body: { message: '稿件已编号，内容不能再改；如确需修改，请先作废文号并重新签发' } });
    const { revision } = (await h.api('zhoujie', 'GET', `/drafts/${id}`)).body;
    const refused = await h.api('liqiang', 'PUT', `/drafts/${id}`, { revision, title: '改' });
    expect(refused).toMatchObject({ status: 409, body: { message: '稿件已编号，内容不能再改；如确需修改，请先作废文号并重新签发' } });
    expect((await advanceDraft(id, 'sealed', liqiang, at())).state).toBe('sealed');
    // The draft's own events (送审 also started its route, whose events share the chain).
    const actions = (await readChain(documentChain(id))).map((e) => e.action).filter((a) => a.startsWith('draft.'));
    expect(actions).toEqual(['draft.created', 'draft.submitted', 'draft.awaiting-signature', 'draft.signed', 'draft.numbered', 'draft.sealed']);
  });

  it('previews the draft as a GB/T 9704 PDF with the title, the body and the number left blank', async () => {
    const res = await fetchRaw('liuyang', `/drafts/${draftId}/preview`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/pdf');
    expect(Buffer.from(res.bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const text = (await pdfText(res.bytes)).replace(/\s+/g, '');
    expect(text).toContain('关于开展冬季安全生产');
    expect(text).toContain('检查自12月1日开始，至12月20日结束。');
    expect(text).toContain('管司发〔');
    expect(text).toContain('联系人：刘洋');
    expect(text).toContain('抄送：市应急管理局');
  }, 60_000);

  it('a classified draft is closed to someone not cleared (403, no title), and to other departments', async () => {
    const secret = { ...notice, title: '关于调整机要通信线路的通知', secrecy: { level: '机密', period: '10年' }, copies: 12 };
    // Nobody drafts above their own clearance.
    expect((await h.api('liuyang', 'POST', '/drafts', secret)).status).toBe(403);
    const created = await h.api('wangfang', 'POST', '/drafts', secret);
    expect(created.status).toBe(200);
    const id = created.body.draftId;
    for (const path of [`/drafts/${id}`, `/drafts/${id}/versions`, `/drafts/${id}/diff`]) {
      const res = await h.api('hexin', 'GET', path);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('该稿件密级为机密，您的密级（秘密）不足，不能查看');
      expect(JSON.stringify(res.body)).not.toContain('机要通信');
    }
    const preview = await fetchRaw('hexin', `/drafts/${id}/preview`);
    expect(preview.status).toBe(403);
    expect(Buffer.from(preview.bytes).toString('utf8')).not.toContain('机要通信');
    // Cleared, same office: readable. Another department's head: not.
    expect((await h.api('liqiang', 'GET', `/drafts/${id}`)).body.content.title).toBe('关于调整机要通信线路的通知');
    expect((await h.api('chenjing', 'GET', `/drafts/${draftId}`)).status).toBe(403);
  });

  it('takes the body as an uploaded PDF, pinned with its SHA-256, and refuses other file kinds', async () => {
    const bytes = await makePdf('Outgoing draft body');
    const asked = await h.api('liuyang', 'POST', '/uploads', { fileName: '正文.pdf', contentType: 'application/pdf', size: bytes.length });
    expect((await fetch(asked.body.url, { method: 'PUT', headers: asked.body.headers, body: bytes })).ok).toBe(true);
    const created = await h.api('liuyang', 'POST', '/drafts', { ...notice, body: { kind: 'file', uploadId: asked.body.uploadId } });
    expect(created.status).toBe(200);
    const { createHash } = await import('node:crypto');
    expect(created.body.content.body).toEqual({ kind: 'file', uploadId: asked.body.uploadId, fileName: '正文.pdf', contentType: 'application/pdf', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    // The same upload cannot be used twice.
    expect((await h.api('liuyang', 'POST', '/drafts', { ...notice, body: { kind: 'file', uploadId: asked.body.uploadId } })).status).toBe(409);

    const txt = new TextEncoder().encode('正文');
    const askedTxt = await h.api('liuyang', 'POST', '/uploads', { fileName: '正文.txt', contentType: 'text/plain', size: txt.length });
    await fetch(askedTxt.body.url, { method: 'PUT', headers: askedTxt.body.headers, body: txt });
    const refused = await h.api('liuyang', 'POST', '/drafts', { ...notice, body: { kind: 'file', uploadId: askedTxt.body.uploadId } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('正文文件只接受 Word（.docx）或 PDF，正文.txt 不是；请另存为其中一种后重新上传');
  });

  it('refuses malformed requests in Chinese', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/drafts', { ...notice, docType: '便函' }, 400, /文种应为/],
      ['POST', '/drafts', { ...notice, secrecy: { level: '秘密' } }, 400, /须填写份数/],
      ['PUT', `/drafts/${draftId}`, { title: 'x' }, 400, /修订号（revision/],
      ['PUT', `/drafts/${draftId}`, { revision: 1, colour: 'red' }, 400, /不认识的字段/],
      ['GET', '/drafts/nothex', undefined, 404, /稿件号应为 20 位十六进制字符/],
      ['GET', `/drafts/${'f'.repeat(20)}`, undefined, 404, /找不到稿件/],
      ['GET', `/drafts/${draftId}/versions/0`, undefined, 400, /版本号应为 1 到 9999 的整数/],
      ['GET', `/drafts/${draftId}/versions/1e2`, undefined, 400, /版本号应为/],
      ['GET', `/drafts/${draftId}/diff?from=abc`, undefined, 400, /旧版本号（from）/],
      ['GET', `/drafts/${draftId}/versions?limit=0`, undefined, 400, /每页条数/],
      ['GET', `/drafts/${draftId}/versions?cursor=abc`, undefined, 400, /翻页参数 cursor 无效/],
      ['POST', `/drafts/${draftId}/consent`, {}, 400, /请填写同意修改的说明/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await h.api('liuyang', method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.body.message, `${method} ${path}`).toMatch(message);
    }
  });
});
