/**
 * 主办/协办 against the real local services: 拟办 names a lead department and co-handling ones;
 * handling splits into a task per department, and the lead finishes only after every co-handler
 * has reported; the route waits for the lead alone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let docId: string;
beforeAll(async () => {
  h = await startHarness();
  await h.upload('co-handling.pdf', await makePdf('co-handling'));
  await h.local.settle();
  docId = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items[0].docId;
});
afterAll(async () => h?.close());

const taskOf = async (user: string) => ((await h.api(user, 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId);

it('refuses a co-handling department that is the lead, repeated or unknown', async () => {
  const propose = await taskOf('liqiang');
  const post = (coDepartments: unknown) => h.api('liqiang', 'POST', `/tasks/${propose.taskId}/decision`, { opinion: '请办理', department: 'SCJSK', coDepartments });
  expect((await post(['SCJSK'])).body.message).toContain('不能与牵头科室相同');
  expect((await post(['CWK', 'CWK'])).body.message).toContain('重复');
  expect((await post(['NOPE'])).body.message).toContain('没有科室代码 NOPE');
  expect((await post('CWK')).status).toBe(400);
});

it('the lead finishes after the co-handlers report', async () => {
  await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科牵头，财务科协办', department: 'SCJSK', coDepartments: ['CWK'] });
  await decideNext(h, 'zhaomin', docId, { opinion: '同意' });
  await decideNext(h, 'sunwei', docId, { opinion: '请抓紧' });

  const lead = await taskOf('zhoujie');
  const co = await taskOf('chenjing');
  expect(lead).toMatchObject({ step: 'departmentHandle', stepName: '阅办' });
  expect(co).toMatchObject({ step: 'departmentHandle', stepName: '阅办（协办）', assignment: { role: 'dept-head', department: 'CWK' } });

  const early = await h.api('zhoujie', 'POST', `/tasks/${lead.taskId}/decision`, { opinion: '已办理' });
  expect(early.status).toBe(409);
  expect(early.body.message).toContain('财务科');

  const reported = await h.api('chenjing', 'POST', `/tasks/${co.taskId}/decision`, { opinion: '经费已落实' });
  expect(reported.status, JSON.stringify(reported.body)).toBe(200);
  await h.local.settle();
  // A report moves no route: the main work is still with the lead.
  expect(await taskOf('wangfang')).toBeUndefined();
  await decideNext(h, 'zhoujie', docId, { opinion: '已办理，财务科经费已落实' });
  expect((await taskOf('wangfang')).step).toBe('file');

  const doc = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
  const details = doc.slip.flatMap((l: any) => l.details);
  expect(details).toContainEqual({ label: '协办科室', value: '财务科' });
  expect(doc.slip.filter((l: any) => l.step === 'departmentHandle')).toHaveLength(2);
  expect(doc.audit.verification.ok).toBe(true);
});
