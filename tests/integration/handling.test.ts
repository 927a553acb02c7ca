/**
 * Handling a step: the department notes its progress (办理反馈) and asks for more time before the
 * deadline (延期申请); the office director is told and decides; an approved extension moves the
 * deadline in the lists and the sweep — against the real local services.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let docId: string;
let taskId: string;
beforeAll(async () => {
  h = await startHarness();
  await h.upload('handling.pdf', await makePdf('handling'));
  await h.local.settle();
  docId = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items[0].docId;
  await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
  await decideNext(h, 'zhaomin', docId, { opinion: '同意' });
  await decideNext(h, 'sunwei', docId, { opinion: '请抓紧' });
  taskId = ((await h.api('zhoujie', 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId).taskId;
});
afterAll(async () => h?.close());

it('the department notes its progress on the task, audited', async () => {
  expect((await h.api('zhoujie', 'POST', `/tasks/${taskId}/progress`, { note: '已组织排查，发现隐患三处' })).status).toBe(200);
  expect((await h.api('zhoujie', 'POST', `/tasks/${taskId}/progress`, { note: '两处已整改' })).status).toBe(200);
  const task = (await h.api('zhoujie', 'GET', `/tasks/${taskId}`)).body;
  expect(task.progress.map((p: any) => p.note)).toEqual(['已组织排查，发现隐患三处', '两处已整改']);
  expect((await h.api('chenjing', 'POST', `/tasks/${taskId}/progress`, { note: 'x' })).status).toBe(403);
  expect((await h.api('zhoujie', 'POST', `/tasks/${taskId}/progress`, {})).body.message).toContain('办理进展');
  const doc = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
  expect(doc.audit.verification.ok).toBe(true);
});

it('an extension is asked before the deadline, the director is told, and an approval moves the deadline', async () => {
  const before = (await h.api('zhoujie', 'GET', `/tasks/${taskId}`)).body;
  const tooEarly = await h.api('zhoujie', 'POST', `/tasks/${taskId}/extension`, { until: '2020-01-01', reason: '来不及' });
  expect(tooEarly.status).toBe(400);
  const until = new Date(Date.parse(before.dueAt) + 30 * 86_400_000).toISOString().slice(0, 10);
  const asked = await h.api('zhoujie', 'POST', `/tasks/${taskId}/extension`, { until, reason: '第三处隐患需外协单位整改' });
  expect(asked.status, JSON.stringify(asked.body)).toBe(200);
  expect((await h.api('zhoujie', 'POST', `/tasks/${taskId}/extension`, { until, reason: 'again' })).status).toBe(409);

  const notes = (await h.api('liqiang', 'GET', '/me/notifications')).body.items as any[];
  expect(notes.find((n) => n.taskId === taskId)).toMatchObject({ kind: '延期申请', fromName: '周杰' });
  expect((await h.api('sunwei', 'POST', `/tasks/${taskId}/extension/decision`, { approve: true, opinion: '同意' })).status).toBe(403);

  const approved = await h.api('liqiang', 'POST', `/tasks/${taskId}/extension/decision`, { approve: true, opinion: '同意延期，请按期完成' });
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  const listed = ((await h.api('zhoujie', 'GET', '/tasks')).body.items as any[]).find((t) => t.taskId === taskId);
  expect(listed.dueAt).toBe(approved.body.dueAt);
  expect(listed.dueAt.slice(0, 10) >= until.slice(0, 8)).toBe(true);
  expect(listed.extension).toMatchObject({ status: 'approved', until, decidedByName: '李强' });
  // Not overdue at the old deadline any more: the sweep goes by the new one.
  const sweep = (await h.local.fireSchedule('deadline-sweep', new Date(Date.parse(before.dueAt) + 60_000))) as { markedOverdue: number };
  expect(sweep.markedOverdue).toBe(0);
  const slip = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body.slip as any[];
  expect(slip.flatMap((l) => l.details.map((d: any) => d.label))).toEqual(expect.arrayContaining(['申请延期至', '同意延期至']));
  expect((await h.api('liqiang', 'POST', `/tasks/${taskId}/extension/decision`, { approve: false, opinion: 'x' })).status).toBe(409);
});
