/**
 * What happens to a late step after its first 催办, per route step (afterDeadline), against the
 * real local services with a pinned clock walked across November 2026 (no holidays; weekends off):
 *   - a leader's 阅示 is reminded every working day, three more times, then escalated;
 *   - report-general's 业务科室阅知 is escalated as usual, then skipped (超时跳过) three working
 *     days past its deadline: the route goes on to filing; slip, audit and chasing register say so;
 *   - a skip whose answer to the route is lost after its commit (a crash) is resent by the reconciler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, startHarness, type Harness } from './harness.js';

let h: Harness;
let noted: string; // report whose department never notes it (skipped)
let unread: string; // report the deputy leaves unread (reminded)

/** The handlers act at the sweep's moment, so tasks the sweep's answers create are due from then. */
const at = (iso: string) => {
  process.env.CHANCERY_FIXED_TIME = iso;
};
const sweepAt = async (iso: string) => {
  at(iso);
  return (await h.local.fireSchedule('deadline-sweep', new Date(iso))) as Record<string, number>;
};
const chasingOf = async (docId: string) => ((await h.api('liqiang', 'GET', '/registers/chasing?year=2026')).body.items as any[]).filter((e) => e.docId === docId);
const documentOf = async (docId: string) => (await h.api('liqiang', 'GET', `/documents/${docId}`)).body;
const openTaskOf = async (user: string, docId: string) => ((await h.api(user, 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId);

async function submitReport(title: string): Promise<string> {
  const res = await h.api('liuyang', 'POST', '/documents', { route: 'report-general', title, content: `${title}：详见正文。` });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await h.local.settle();
  return res.body.docId;
}

beforeAll(async () => {
  // Monday 2 November 2026, 10:00 Beijing time.
  at('2026-11-02T02:00:00Z');
  h = await startHarness({ watchInbox: false });
  noted = await submitReport('关于十月份安全生产情况的报告');
  unread = await submitReport('关于十月份考勤情况的报告');
  // The deputy reads the first at once and names the business department; the second waits.
  await decideNext(h, 'sunwei', noted, { opinion: '已阅，请生产技术科阅知', department: 'SCJSK' });
}, 120_000);
afterAll(async () => {
  await h?.close();
  delete process.env.CHANCERY_FIXED_TIME;
  delete process.env.CHANCERY_FAILPOINTS;
});

describe('late steps, each as its route says', () => {
  it('both fall due on Wednesday 17:30 (two working days) and are chased once', async () => {
    expect((await openTaskOf('zhoujie', noted)).dueAt).toBe('2026-11-04T09:30:00.000Z');
    expect((await openTaskOf('sunwei', unread)).dueAt).toBe('2026-11-04T09:30:00.000Z');
    expect(await sweepAt('2026-11-04T09:31:00Z')).toMatchObject({ markedOverdue: 2, reminded: 0, escalated: 0, skipped: 0 });
  });

  it('Thursday: the leader is reminded (第 1 次); the department is escalated; a second, overlapping sweep does nothing twice', async () => {
    const [first, second] = await Promise.all([sweepAt('2026-11-05T02:00:00Z'), sweepAt('2026-11-05T02:00:00Z')]);
    expect(first.reminded + second.reminded).toBe(1);
    expect(first.escalated + second.escalated).toBe(1);
    expect(await sweepAt('2026-11-05T08:00:00Z')).toMatchObject({ reminded: 0, escalated: 0, skipped: 0 });
    const [overdue, reminder] = await chasingOf(unread);
    expect(overdue).toMatchObject({ kind: '催办', stepName: '分管领导阅示' });
    expect(overdue.reminder).toBeUndefined();
    expect(reminder).toMatchObject({ kind: '催办', reminder: 1, reminders: 3, note: '逾期再次催办（第 1 次，共 3 次）' });
    const task = await openTaskOf('sunwei', unread);
    expect((await h.api('sunwei', 'GET', `/tasks/${task.taskId}`)).body).toMatchObject({ reminders: 1, chaseCount: 2 });
  });

  it('Friday the second reminder; the weekend counts for nothing; Monday the third, and the department’s 阅知 is skipped', async () => {
    expect(await sweepAt('2026-11-06T02:00:00Z')).toMatchObject({ reminded: 1, escalated: 0, skipped: 0 });
    expect(await sweepAt('2026-11-08T02:00:00Z')).toMatchObject({ reminded: 0, escalated: 0, skipped: 0 });
    expect(await sweepAt('2026-11-09T02:00:00Z')).toMatchObject({ reminded: 1, escalated: 0, skipped: 1 });
    await h.local.settle();
  });

  it('the skipped step: closed as skipped, 超时跳过 on the slip, in the timeline and the chasing register; filing comes next', async () => {
    expect(await openTaskOf('zhoujie', noted)).toBeUndefined();
    const file = await openTaskOf('wangfang', noted);
    expect(file).toMatchObject({ step: 'file', stepName: '立卷归档' });
    // Created when the skip was answered (Monday 9), due three working days later.
    expect(file.dueAt).toBe('2026-11-12T09:30:00.000Z');

    const doc = await documentOf(noted);
    expect(doc.audit.verification).toEqual({ ok: true });
    const skippedTask = doc.tasks.find((t: any) => t.step === 'departmentNote');
    expect(skippedTask.status).toBe('skipped');
    // What the route was answered with: skipped, no opinion.
    const decision = (await h.api('zhoujie', 'GET', `/tasks/${skippedTask.taskId}`)).body.decision;
    expect(decision).toMatchObject({ skipped: true, by: 'system:sweep' });
    expect(decision.opinion).toBeUndefined();
    const line = doc.slip.find((l: any) => l.step === 'departmentNote');
    expect(line).toMatchObject({ stepName: '业务科室阅知', actorName: '系统', opinion: '超时跳过' });
    expect(line.details[0].value).toContain('逾期 3 个工作日未办理');
    expect(doc.timeline.find((e: any) => e.action === 'task.skipped')).toMatchObject({ actor: 'system:sweep', details: { taskId: skippedTask.taskId, afterWorkingDays: 3 } });
    expect((await chasingOf(noted)).map((e) => e.kind)).toEqual(['催办', '超期升级', '超时跳过']);

    // Nobody decides or hands on a skipped task any more.
    const late = await h.api('zhoujie', 'POST', `/tasks/${skippedTask.taskId}/decision`, { opinion: '已阅知' });
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('超时跳过');
    expect((await h.api('liqiang', 'POST', `/tasks/${skippedTask.taskId}/transfer`, { to: 'wujun', reason: 'x' })).status).toBe(409);
  });

  it('after three reminders, the leader’s step is escalated a working day later, and only once', async () => {
    expect(await sweepAt('2026-11-10T02:00:00Z')).toMatchObject({ reminded: 0, escalated: 1, skipped: 0 });
    expect(await sweepAt('2026-11-11T02:00:00Z')).toMatchObject({ reminded: 0, escalated: 0, skipped: 0 });
    const entries = await chasingOf(unread);
    expect(entries.map((e) => [e.kind, e.reminder])).toEqual([
      ['催办', undefined],
      ['催办', 1],
      ['催办', 2],
      ['催办', 3],
      ['超期升级', undefined],
    ]);
    expect(entries[4]).toMatchObject({ escalatedTo: 'office-director' });
    const doc = await documentOf(unread);
    expect(doc.timeline.filter((e: any) => e.action === 'task.reminded').map((e: any) => e.details.reminder)).toEqual([1, 2, 3]);
    expect(doc.audit.verification).toEqual({ ok: true });
    // The leader still decides it; the route goes on as usual.
    await decideNext(h, 'sunwei', unread, { opinion: '已阅', department: 'CWK' });
    await decideNext(h, 'chenjing', unread, { opinion: '已阅知' });
    expect(await openTaskOf('wangfang', unread)).toMatchObject({ step: 'file' });
  });

  it('filing may send the document back to the skipped step (退回), nowhere else', async () => {
    const file = await openTaskOf('wangfang', noted);
    const back = await h.api('wangfang', 'POST', `/tasks/${file.taskId}/return`, { to: 'deputyRead', reason: 'x' });
    expect(back.status).toBe(400);
    expect(back.body.message).toContain('departmentNote（业务科室阅知）');
  });
});

describe('a skip whose answer is lost', () => {
  it('is committed with its outbox mark, and the reconciler answers the route', async () => {
    // Wednesday 11 November: a third report, the deputy reads it at once; its 阅知 is due Friday 13.
    at('2026-11-11T02:00:00Z');
    const docId = await submitReport('关于十一月份设备检修情况的报告');
    await decideNext(h, 'sunwei', docId, { opinion: '已阅', department: 'SCJSK' });
    expect((await openTaskOf('zhoujie', docId)).dueAt).toBe('2026-11-13T09:30:00.000Z');
    await sweepAt('2026-11-13T09:31:00Z');
    await sweepAt('2026-11-16T02:00:00Z');

    // Wednesday 18, three working days late: the sweep commits the skip and stops right there,
    // as a process killed between the commit and its answer to the route would.
    process.env.CHANCERY_FAILPOINTS = 'skip.committed';
    at('2026-11-18T02:00:00Z');
    void h.local.fireSchedule('deadline-sweep', new Date('2026-11-18T02:00:00Z'));
    let skipped: any;
    for (let i = 0; i < 100 && skipped?.status !== 'skipped'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      skipped = (await documentOf(docId)).tasks.find((t: any) => t.step === 'departmentNote');
    }
    expect(skipped.status).toBe('skipped');
    delete process.env.CHANCERY_FAILPOINTS;
    await h.local.settle();
    // The route has not heard of it: no filing task yet.
    expect(await openTaskOf('wangfang', docId)).toBeUndefined();

    const round = (await h.local.invoke('reconcile', { answerGraceMs: 0 })) as { decisionsDelivered: number };
    expect(round.decisionsDelivered).toBe(1);
    await h.local.settle();
    expect(await openTaskOf('wangfang', docId)).toMatchObject({ step: 'file' });
    const doc = await documentOf(docId);
    expect(doc.slip.filter((l: any) => l.opinion === '超时跳过')).toHaveLength(1);
    expect(doc.audit.verification).toEqual({ ok: true });
    expect(((await h.local.invoke('reconcile', { answerGraceMs: 0 })) as { decisionsDelivered: number }).decisionsDelivered).toBe(0);
  });
});
