/**
 * 补签 against the real local services: the main leader, away, instructs by phone; the clerk
 * records it on her behalf the same day and the route goes on; she confirms it later. The slip
 * shows both.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let docId: string;
beforeAll(async () => {
  h = await startHarness();
  await h.upload('proxy.pdf', await makePdf('proxy'));
  await h.local.settle();
  docId = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items[0].docId;
});
afterAll(async () => h?.close());

const taskOf = async (user: string) => ((await h.api(user, 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId);

it('is refused to anyone but the office, for anyone but the leader of the step, and needs the way it was given', async () => {
  const propose = await taskOf('liqiang');
  expect((await h.api('wangfang', 'POST', `/tasks/${propose.taskId}/proxy-decision`, { leader: 'liqiang', via: '电话', opinion: '请办理', department: 'SCJSK' })).body.message).toContain('只有领导');
  await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
  const instruct = await taskOf('zhaomin');
  expect((await h.api('liuyang', 'POST', `/tasks/${instruct.taskId}/proxy-decision`, { leader: 'zhaomin', via: '电话', opinion: '同意' })).status).toBe(403);
  expect((await h.api('wangfang', 'POST', `/tasks/${instruct.taskId}/proxy-decision`, { leader: 'sunwei', via: '电话', opinion: '同意' })).body.message).toContain('孙伟 不能办理');
  expect((await h.api('wangfang', 'POST', `/tasks/${instruct.taskId}/proxy-decision`, { leader: 'zhaomin', opinion: '同意' })).body.message).toContain('方式');
});

it('the clerk records the leader’s phone instruction; the route goes on; the leader confirms later', async () => {
  const instruct = await taskOf('zhaomin');
  const recorded = await h.api('wangfang', 'POST', `/tasks/${instruct.taskId}/proxy-decision`, { leader: 'zhaomin', via: '电话', opinion: '同意，请孙伟同志负责' });
  expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
  await h.local.settle();
  expect((await taskOf('sunwei')).step).toBe('deputyHandle');

  const waiting = (await h.api('zhaomin', 'GET', '/me/confirmations')).body.items as any[];
  expect(waiting).toEqual([expect.objectContaining({ taskId: instruct.taskId, stepName: '阅批' })]);
  let slip = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body.slip as any[];
  const line = slip.find((l) => l.step === 'instruct');
  expect(line).toMatchObject({ actorName: '赵敏', opinion: '同意，请孙伟同志负责' });
  expect(line.details).toContainEqual({ label: '补签', value: '王芳电话记录，待赵敏确认' });

  expect((await h.api('sunwei', 'POST', `/tasks/${instruct.taskId}/confirm`, {})).status).toBe(403);
  const confirmed = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/confirm`, { opinion: '确认' });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect((await h.api('zhaomin', 'GET', '/me/confirmations')).body.items).toEqual([]);
  expect((await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/confirm`, {})).status).toBe(409);
  const doc = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
  slip = doc.slip;
  expect(slip.flatMap((l: any) => l.details)).toContainEqual({ label: '补签确认', value: '确认王芳电话记录的意见' });
  expect(doc.tasks.find((t: any) => t.step === 'instruct')).toMatchObject({ decidedBy: 'zhaomin' });
  expect(doc.audit.verification.ok).toBe(true);
});
