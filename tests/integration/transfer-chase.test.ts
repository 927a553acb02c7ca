/**
 * 转办 and 催办 by hand against the real local services: the director hands his 拟办 to a second
 * director, who decides it; the clerk chases an open task. Each checked on the slip, in the
 * timeline (audit events), in the chasing register and in the people's lists; refusals are 4xx in Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalUser } from '../../infra/local/users.js';
import { makePdf, startHarness, type Harness } from './harness.js';

/** A second office director (cleared 秘密), one cleared for nothing classified, and a disabled-free extra. */
const EXTRA: LocalUser[] = [
  { username: 'wujun', name: '吴军', groups: ['office-director'], department: 'BGS', clearance: '秘密' },
  { username: 'heping', name: '何平', groups: ['office-director'], department: 'BGS', clearance: '非密' },
];

let h: Harness;
let plain: any; // liqiang's 拟办 of an ordinary document
let classified: any; // liqiang's 拟办 of a 秘密 document

const timeline = async (docId: string) => {
  const shown = await h.api('zhaomin', 'GET', `/documents/${docId}`);
  return shown.body;
};

beforeAll(async () => {
  h = await startHarness({ watchInbox: false, extraUsers: EXTRA });
  await h.upload('关于报送年度工作总结的通知.pdf', await makePdf('one'));
  await h.local.settle();
  await h.upload('关于保密检查的通知.pdf', await makePdf('two'), { secrecy: 'confidential' });
  await h.local.settle();
  const tasks = (await h.api('liqiang', 'GET', '/tasks')).body.items as any[];
  plain = tasks.find((t) => t.secrecy === '非密');
  classified = tasks.find((t) => t.secrecy === '秘密');
}, 120_000);
afterAll(async () => h?.close());

describe('转办', () => {
  it('refuses someone who neither holds the task nor directs the office', async () => {
    const res = await h.api('zhoujie', 'POST', `/tasks/${plain.taskId}/transfer`, { to: 'wujun', reason: '请吴军办理' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('无权转办');
  });

  it('refuses a person who does not hold the role, does not exist, or is not cleared', async () => {
    const notRole = await h.api('liqiang', 'POST', `/tasks/${plain.taskId}/transfer`, { to: 'zhoujie', reason: '请周杰办理' });
    expect(notRole.status).toBe(400);
    expect(notRole.body.message).toContain('不是办公室主任');
    const nobody = await h.api('liqiang', 'POST', `/tasks/${plain.taskId}/transfer`, { to: 'nosuchuser', reason: '请办理' });
    expect(nobody.status).toBe(400);
    expect(nobody.body.message).toContain('找不到用户 nosuchuser');
    const uncleared = await h.api('liqiang', 'POST', `/tasks/${classified.taskId}/transfer`, { to: 'heping', reason: '请何平办理' });
    expect(uncleared.status).toBe(400);
    expect(uncleared.body.message).toContain('何平');
    expect(uncleared.body.message).toContain('密级');
    const noReason = await h.api('liqiang', 'POST', `/tasks/${plain.taskId}/transfer`, { to: 'wujun' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toMatch(/reason/);
  });

  it('hands the task to another holder of the role, who then decides it; the slip and the timeline show both', async () => {
    const res = await h.api('liqiang', 'POST', `/tasks/${plain.taskId}/transfer`, { to: 'wujun', reason: '本人出差，请吴军同志办理' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.assignment).toEqual({ role: 'office-director', username: 'wujun' });

    // It left the role's list (liqiang and heping) for wujun's own.
    expect((await h.api('liqiang', 'GET', '/tasks')).body.items.map((t: any) => t.taskId)).not.toContain(plain.taskId);
    expect((await h.api('heping', 'GET', '/tasks')).body.items.map((t: any) => t.taskId)).not.toContain(plain.taskId);
    const mine = (await h.api('wujun', 'GET', '/tasks')).body.items.find((t: any) => t.taskId === plain.taskId);
    expect(mine).toMatchObject({ assignee: 'wujun', step: 'propose' });
    // The new holder is told (待办), by whom and why (besides the 待办 he had as one of the role's holders).
    const told = (await h.api('wujun', 'GET', '/me/notifications')).body.items.filter((n: any) => n.taskId === plain.taskId && n.from === 'liqiang');
    expect(told).toEqual([expect.objectContaining({ kind: '待办', from: 'liqiang', fromName: '李强', note: '李强转办给您：本人出差，请吴军同志办理' })]);

    // The former holder may no longer decide it.
    const late = await h.api('liqiang', 'POST', `/tasks/${plain.taskId}/decision`, { opinion: '请财务科办理', department: 'CWK' });
    expect(late.status).toBe(403);
    const decided = await h.api('wujun', 'POST', `/tasks/${plain.taskId}/decision`, { opinion: '请财务科办理', department: 'CWK' });
    expect(decided.status).toBe(200);
    await h.local.settle();

    const doc = await timeline(plain.docId);
    expect(doc.slip.map((l: any) => [l.stepName, l.actorName])).toEqual([
      ['转办', '李强'],
      ['拟办', '吴军'],
    ]);
    expect(doc.slip[0].opinion).toBe('本人出差，请吴军同志办理');
    expect(doc.slip[0].details).toContainEqual({ label: '接办人', value: '吴军（wujun）' });
    expect(doc.audit.verification).toEqual({ ok: true });
    const transferred = doc.timeline.find((e: any) => e.action === 'task.transferred');
    expect(transferred).toMatchObject({ actor: 'liqiang', details: { taskId: plain.taskId, to: { username: 'wujun' }, reason: '本人出差，请吴军同志办理' } });
  });

  it('refuses to transfer a decided task (409)', async () => {
    const res = await h.api('liqiang', 'POST', `/tasks/${plain.taskId}/transfer`, { to: 'heping', reason: '再转' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('吴军');
  });
});

describe('催办 by hand', () => {
  it('refuses people who do not keep the chasing register', async () => {
    const res = await h.api('zhoujie', 'POST', `/tasks/${classified.taskId}/chase`, { note: '快' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('无权催办');
    const bad = await h.api('wangfang', 'POST', `/tasks/${classified.taskId}/chase`, { note: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('records the chase in the register, notifies the cleared holders and counts it on the task', async () => {
    const res = await h.api('wangfang', 'POST', `/tasks/${classified.taskId}/chase`, { note: '请今日内拟办' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Office directors cleared for 秘密: liqiang and wujun; heping (非密) is not told of it.
    expect(res.body.notified.sort()).toEqual(['liqiang', 'wujun']);
    expect(res.body.chaseCount).toBe(1);
    const again = await h.api('liqiang', 'POST', `/tasks/${classified.taskId}/chase`, {});
    expect(again.body.chaseCount).toBe(2);

    const year = new Date().getFullYear();
    const register = (await h.api('wangfang', 'GET', `/registers/chasing?year=${year}`)).body.items as any[];
    expect(register.map((e) => [e.kind, e.taskId, e.chasedBy])).toEqual([
      ['人工催办', classified.taskId, 'wangfang'],
      ['人工催办', classified.taskId, 'liqiang'],
    ]);
    expect(register[0]).toMatchObject({ note: '请今日内拟办', stepName: '拟办' });

    const task = await h.api('liqiang', 'GET', `/tasks/${classified.taskId}`);
    expect(task.body.chaseCount).toBe(2);

    const notes = await h.api('wujun', 'GET', '/me/notifications');
    expect(notes.status).toBe(200);
    // Besides the 待办 of each new task (notifications.test.ts), the two chases, newest first.
    const chaseNotes = (notes.body.items as any[]).filter((n) => n.kind === '催办');
    expect(chaseNotes).toHaveLength(2);
    expect(chaseNotes[0]).toMatchObject({ kind: '催办', taskId: classified.taskId, note: '请抓紧办理', from: 'liqiang' });
    expect(chaseNotes[1]).toMatchObject({ note: '请今日内拟办', from: 'wangfang', fromName: '王芳', title: '关于保密检查的通知' });
    // Not cleared for the 秘密 document: not chased.
    expect((await h.api('heping', 'GET', '/me/notifications')).body.items.filter((n: any) => n.kind === '催办')).toEqual([]);

    // Paged by key.
    const first = await h.api('wujun', 'GET', '/me/notifications?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await h.api('wujun', 'GET', `/me/notifications?limit=1&cursor=${first.body.cursor}`);
    expect(second.body.items[0].note).toBe('请今日内拟办');

    const doc = await timeline(classified.docId);
    expect(doc.audit.verification).toEqual({ ok: true });
    const chases = doc.timeline.filter((e: any) => e.action === 'task.chased');
    expect(chases.map((e: any) => [e.actor, e.details.note])).toEqual([
      ['wangfang', '请今日内拟办'],
      ['liqiang', '请抓紧办理'],
    ]);
  });

  it('refuses to chase a decided task (409)', async () => {
    const res = await h.api('wangfang', 'POST', `/tasks/${plain.taskId}/chase`, { note: '催' });
    expect(res.status).toBe(409);
  });
});
