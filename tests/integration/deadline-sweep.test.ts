/**
 * The deadline sweep with a fixed clock across the 2026 National Day holiday (1–7 October off;
 * Saturday 10 October an adjusted working day): tasks fall due in working days, late ones are
 * chased once (催办), and escalated a further working day later, holidays not counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
const tasks: Record<string, any> = {};

beforeAll(async () => {
  // The handlers' clock stands at 30 Sep 2026 10:00 Beijing time; the services run on real time.
  process.env.CHANCERY_FIXED_TIME = '2026-09-30T02:00:00Z';
  h = await startHarness();
  await h.upload('【特急】关于防汛应急值守的紧急通知.pdf', await makePdf('extra urgent'));
  await h.upload('【加急】关于节前安全检查的通知.pdf', await makePdf('urgent'));
  await h.upload('关于报送年度工作总结的通知.pdf', await makePdf('ordinary'));
  await h.local.settle();
  for (const t of (await h.api('liqiang', 'GET', '/tasks')).body.items) tasks[t.urgency] = t;
});
afterAll(async () => {
  await h?.close();
  delete process.env.CHANCERY_FIXED_TIME;
});

const sweepAt = (iso: string) => h.local.fireSchedule('deadline-sweep', new Date(iso)) as Promise<{ markedOverdue: number; escalated: number; registrationsChased: number }>;
const allChasing = async () => (await h.api('liqiang', 'GET', '/registers/chasing?year=2026')).body.items as any[];
/** Task chasing only: the registrations the clerk never completed are chased too (登记超时), checked apart. */
const chasing = async () => (await allChasing()).filter((e) => e.kind !== '登记超时');

describe('拟办 deadlines across National Day 2026', () => {
  it('counts working days on the national calendar', () => {
    expect(tasks['特急'].dueAt).toBe('2026-09-30T02:10:00.000Z'); // at once: 10 minutes
    expect(tasks['加急'].dueAt).toBe('2026-10-08T09:30:00.000Z'); // 1 wd: Thu 8 Oct 17:30
    expect(tasks['平件'].dueAt).toBe('2026-10-10T09:30:00.000Z'); // 3 wd: 8, 9 and Sat 10 Oct 17:30
  });

  it('chases the extra-urgent task during the holiday, but escalates nothing before a working day passes', async () => {
    expect(await sweepAt('2026-09-30T02:05:00Z')).toMatchObject({ markedOverdue: 0, escalated: 0 });
    expect(await sweepAt('2026-10-07T10:00:00Z')).toMatchObject({ markedOverdue: 1, escalated: 0, registrationsChased: 3 });
    expect((await allChasing()).filter((e) => e.kind === '登记超时')).toHaveLength(3);
    const [entry] = await chasing();
    expect(entry).toMatchObject({ serial: 1, kind: '催办', taskId: tasks['特急'].taskId, stepName: '拟办' });
    const listed = (await h.api('liqiang', 'GET', '/tasks')).body.items.find((t: any) => t.taskId === tasks['特急'].taskId);
    expect(listed.overdue).toBe(true);
  });

  it('on the first working day after the holiday: chases the urgent one, escalates the extra-urgent one', async () => {
    expect(await sweepAt('2026-10-08T10:00:00Z')).toMatchObject({ markedOverdue: 1, escalated: 1, registrationsChased: 0 });
    const entries = await chasing();
    expect(entries.map((e) => [e.kind, e.taskId])).toEqual([
      ['催办', tasks['特急'].taskId],
      ['超期升级', tasks['特急'].taskId],
      ['催办', tasks['加急'].taskId],
    ]);
    expect(entries[1]).toMatchObject({ escalatedTo: 'main-leader' });
  });

  it('the ordinary task is due on the adjusted Saturday, not before', async () => {
    // Friday 9, 18:00: the urgent task, due Thursday, has waited a further working day: escalated.
    expect(await sweepAt('2026-10-09T10:00:00Z')).toMatchObject({ markedOverdue: 0, escalated: 1 });
    // 17:31 on the adjusted Saturday the ordinary task is late.
    expect(await sweepAt('2026-10-10T09:31:00Z')).toMatchObject({ markedOverdue: 1, escalated: 0 });
    // Sunday 11 October is no working day: the ordinary task is not escalated yet; Monday 12 it is.
    expect(await sweepAt('2026-10-11T10:00:00Z')).toMatchObject({ markedOverdue: 0, escalated: 0 });
    expect(await sweepAt('2026-10-12T10:00:00Z')).toMatchObject({ markedOverdue: 0, escalated: 1 });
  });

  it('never chases the same task twice for the same reason, nor a decided task', async () => {
    expect(await sweepAt('2026-10-20T10:00:00Z')).toMatchObject({ markedOverdue: 0, escalated: 0 });
    expect((await chasing()).map((e) => e.kind)).toEqual(['催办', '超期升级', '催办', '超期升级', '催办', '超期升级']);
    // The director finally proposes on 21 October; the leader's new task is due two working days later.
    process.env.CHANCERY_FIXED_TIME = '2026-10-21T02:00:00Z';
    const res = await h.api('liqiang', 'POST', `/tasks/${tasks['平件'].taskId}/decision`, { opinion: '请财务科办理', department: 'CWK' });
    expect(res.status).toBe(200);
    await h.local.settle();
    const audit = await h.api('liqiang', 'GET', `/documents/${tasks['平件'].docId}`);
    expect(audit.body.audit.verification).toEqual({ ok: true });
    const [instruct] = (await h.api('zhaomin', 'GET', '/tasks')).body.items;
    expect(instruct).toMatchObject({ docId: tasks['平件'].docId, step: 'instruct', dueAt: '2026-10-23T09:30:00.000Z' });
    expect(await sweepAt('2026-10-21T10:00:00Z')).toMatchObject({ markedOverdue: 0, escalated: 0 });
    expect(await sweepAt('2026-10-23T09:31:00Z')).toMatchObject({ markedOverdue: 1, escalated: 0 });
  });
});
