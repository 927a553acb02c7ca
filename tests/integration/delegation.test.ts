/**
 * 委托/代理 across its date range, with the handlers' clock pinned (CHANCERY_FIXED_TIME): the main
 * leader 赵敏 delegates to 孙伟 for 1–10 December 2026. Before the range and after it the delegation
 * has no effect; inside it 孙伟 sees her 阅批 in his list and decides it, and the slip and the
 * timeline say "孙伟 代 赵敏".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
const docs: string[] = [];
const at = (iso: string) => {
  process.env.CHANCERY_FIXED_TIME = iso;
};
const instructOf = async (docId: string) => (await h.api('zhaomin', 'GET', '/tasks')).body.items.find((t: any) => t.docId === docId && t.step === 'instruct');

beforeAll(async () => {
  at('2026-11-30T02:00:00Z'); // Monday 30 November, 10:00 Beijing time
  h = await startHarness({ watchInbox: false });
  await h.upload('关于调整差旅费标准的通知.pdf', await makePdf('one'));
  await h.local.settle();
  await h.upload('关于开展节能宣传周活动的通知.pdf', await makePdf('two'));
  await h.local.settle();
  for (const t of (await h.api('liqiang', 'GET', '/tasks')).body.items) docs.push(t.docId);
  for (const docId of docs) await decideNext(h, 'liqiang', docId, { opinion: '请财务科办理', department: 'CWK' });
}, 120_000);
afterAll(async () => {
  await h?.close();
  delete process.env.CHANCERY_FIXED_TIME;
});

describe('setting a delegation', () => {
  it('refuses people who do not delegate, delegates who cannot stand in, and bad ranges', async () => {
    const head = await h.api('zhoujie', 'PUT', '/me/delegation', { to: 'chenjing', from: '2026-12-01', until: '2026-12-10' });
    expect(head.status).toBe(403);
    expect(head.body.message).toContain('领导和办公室人员');
    const notLeader = await h.api('zhaomin', 'PUT', '/me/delegation', { to: 'zhoujie', from: '2026-12-01', until: '2026-12-10' });
    expect(notLeader.status).toBe(400);
    expect(notLeader.body.message).toContain('不是领导');
    const self = await h.api('zhaomin', 'PUT', '/me/delegation', { to: 'zhaomin', from: '2026-12-01', until: '2026-12-10' });
    expect(self.status).toBe(400);
    expect(self.body.message).toContain('自己');
    const nobody = await h.api('zhaomin', 'PUT', '/me/delegation', { to: 'nobody', from: '2026-12-01', until: '2026-12-10' });
    expect(nobody.status).toBe(400);
    expect(nobody.body.message).toContain('找不到代理人 nobody');
    const reversed = await h.api('zhaomin', 'PUT', '/me/delegation', { to: 'sunwei', from: '2026-12-10', until: '2026-12-01' });
    expect(reversed.status).toBe(400);
    expect(reversed.body.message).toContain('早于');
    const past = await h.api('zhaomin', 'PUT', '/me/delegation', { to: 'sunwei', from: '2026-11-01', until: '2026-11-29' });
    expect(past.status).toBe(400);
    expect(past.body.message).toContain('已过');
    const badDay = await h.api('zhaomin', 'PUT', '/me/delegation', { to: 'sunwei', from: '2026-02-30', until: '2026-12-10' });
    expect(badDay.status).toBe(400);
    expect(badDay.body.message).toContain('不是真实的日期');
    expect((await h.api('zhaomin', 'GET', '/me/delegation')).body.delegation).toBeNull();
  });

  it('sets it, seen by both people, not yet in force', async () => {
    const res = await h.api('zhaomin', 'PUT', '/me/delegation', { to: 'sunwei', from: '2026-12-01', until: '2026-12-10' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ delegator: 'zhaomin', delegate: 'sunwei', delegateName: '孙伟', from: '2026-12-01', until: '2026-12-10', inForce: false });
    expect((await h.api('zhaomin', 'GET', '/me/delegation')).body.delegation).toMatchObject({ delegate: 'sunwei', inForce: false });
    expect((await h.api('sunwei', 'GET', '/me/delegation')).body.actingFor).toEqual([expect.objectContaining({ delegator: 'zhaomin', delegatorName: '赵敏' })]);
  });
});

describe('the delegation across its range', () => {
  it('before 1 December: no effect', async () => {
    at('2026-11-30T08:00:00Z');
    const list = (await h.api('sunwei', 'GET', '/tasks')).body.items;
    expect(list.filter((t: any) => t.step === 'instruct')).toEqual([]);
    const task = await instructOf(docs[0]);
    const res = await h.api('sunwei', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '同意' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('无权办理');
  });

  it('inside the range: 孙伟 sees 赵敏’s 阅批 (todo box too) and decides it as "孙伟 代 赵敏"', async () => {
    at('2026-12-01T01:00:00Z'); // the first day, 09:00
    const list = (await h.api('sunwei', 'GET', '/tasks')).body.items.filter((t: any) => t.step === 'instruct');
    expect(list.map((t: any) => t.docId).sort()).toEqual([...docs].sort());
    expect(list[0]).toMatchObject({ onBehalfOf: 'zhaomin', onBehalfOfName: '赵敏' });
    const todo = (await h.api('sunwei', 'GET', '/documents?box=todo')).body.items.filter((t: any) => t.step === 'instruct');
    expect(todo).toHaveLength(2);

    at('2026-12-10T09:00:00Z'); // the last day, 17:00
    const task = await instructOf(docs[0]);
    expect((await h.api('sunwei', 'GET', `/tasks/${task.taskId}`)).status).toBe(200);
    const res = await h.api('sunwei', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '同意，请孙伟同志负责', deputy: 'sunwei' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await h.local.settle();

    const doc = (await h.api('sunwei', 'GET', `/documents/${docs[0]}`)).body;
    const line = doc.slip.find((l: any) => l.stepName === '阅批');
    expect(line).toMatchObject({ actorName: '孙伟', actorUsername: 'sunwei', onBehalfOf: 'zhaomin', onBehalfOfName: '赵敏', opinion: '同意，请孙伟同志负责' });
    const decided = doc.timeline.find((e: any) => e.action === 'task.decided' && e.details.step === 'instruct');
    expect(decided).toMatchObject({ actor: 'sunwei', details: { decision: { by: 'sunwei', onBehalfOf: 'zhaomin', onBehalfOfName: '赵敏' } } });
    expect(doc.audit.verification).toEqual({ ok: true });
    // The next step is his own (named deputy), not on anyone's behalf.
    const own = (await h.api('sunwei', 'GET', '/tasks')).body.items.find((t: any) => t.docId === docs[0]);
    expect(own).toMatchObject({ step: 'deputyHandle' });
    expect(own.onBehalfOf).toBeUndefined();
    // 已办: the decision is in 孙伟's done box, not 赵敏's.
    expect((await h.api('sunwei', 'GET', '/documents?box=done')).body.items.map((t: any) => t.taskId)).toEqual([task.taskId]);
    expect((await h.api('zhaomin', 'GET', '/documents?box=done')).body.items).toEqual([]);
  });

  it('after 10 December: no effect again', async () => {
    at('2026-12-11T01:00:00Z');
    const list = (await h.api('sunwei', 'GET', '/tasks')).body.items;
    expect(list.filter((t: any) => t.step === 'instruct')).toEqual([]);
    const task = await instructOf(docs[1]);
    const res = await h.api('sunwei', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '同意' });
    expect(res.status).toBe(403);
    expect((await h.api('sunwei', 'GET', `/tasks/${task.taskId}`)).status).toBe(403);
    expect((await h.api('zhaomin', 'GET', '/me/delegation')).body.delegation).toMatchObject({ inForce: false });
  });

  it('is withdrawn with DELETE, audited', async () => {
    const res = await h.api('zhaomin', 'DELETE', '/me/delegation');
    expect(res.status).toBe(200);
    expect((await h.api('zhaomin', 'GET', '/me/delegation')).body.delegation).toBeNull();
    expect((await h.api('sunwei', 'GET', '/me/delegation')).body.actingFor).toEqual([]);
    const again = await h.api('zhaomin', 'DELETE', '/me/delegation');
    expect(again.status).toBe(404);
    expect(again.body.message).toContain('没有设置委托');
  });
});
