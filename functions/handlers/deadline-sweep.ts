/**
 * 催办 deadline sweep, fired by the EventBridge schedule: every open task past its deadline is
 * marked overdue and gets a chasing record (催办记录); one still open a further
 * `escalateAfterWorkingDays` working days later is escalated to the supervisor, with a second
 * record. Each chase notifies the people concerned (adapters/notifications.ts: mailed in office hours). A route step may say what happens after a further delay (its `afterDeadline`):
 * reminded N more times before escalation, or skipped (超时跳过) — closed without its holder,
 * the route answered through the decision outbox like any decision. Each mark is conditional,
 * so overlapping sweeps never double-chase, double-remind or double-skip.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ScheduledEvent } from 'aws-lambda';
import { localDate, workingDaysBetween } from '../domain/calendar.js';
import { ROLE_NAMES, supervisorOf, type Role } from '../domain/identity.js';
import type { SlipLine } from '../domain/processing-slip.js';
import { lateAct, stepOf, type AfterDeadline } from '../domain/route-platform.js';
import { routeById } from '../routes/index.js';
import { documentChain } from '../adapters/audit.js';
import { TransactionConflict } from '../adapters/dynamo.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { countBusiness } from '../adapters/metrics.js';
import { putSlipLineItem } from '../adapters/documents.js';
import { failpoint } from '../adapters/failpoint.js';
import { deliverDecision } from '../adapters/route-answers.js';
import { aboutTask, holderText, notificationItems, peopleTaking } from '../adapters/notifications.js';
import { appendRegisterEntry, chasingEntryOf, listDesk, markDeskChasedItem } from '../adapters/registers.js';
import { chaseUnreadReaders } from './circulation-sweep.js';
import { answerMarkItem, getTask, listOpenTasksDueBy, markEscalatedItem, markOverdueItem, markRemindedItem, skipTaskItem, type TaskRecord } from '../adapters/tasks.js';

export interface SweepResult {
  sweptAt: string;
  checked: number;
  markedOverdue: number;
  escalated: number;
  /** Further reminders of late steps whose route says so (afterDeadline remind). */
  reminded: number;
  /** Late steps closed as 超时跳过 and their routes moved on (afterDeadline skip). */
  skipped: number;
  /** Unread readers of circulations chased (催阅, handlers/circulation-sweep.ts). */
  readersChased: number;
  /** Scans whose register entry was not completed within half a working day (登记超时). */
  registrationsChased: number;
}


/**
 * The sweep's notification of a chase: to whoever may take the task (催办), or on escalation to
 * the supervisor's holders (超期升级). Mailed in office hours (domain/notifications.ts).
 */
async function sweepNotification(task: TaskRecord, at: string, how: { escalatedTo?: Role; note?: string }) {
  const people = await peopleTaking(how.escalatedTo ? { role: how.escalatedTo } : task.assignment, task.secrecy);
  return (serial: number) =>
    notificationItems(
      {
        id: `chasing-${serial}`,
        kind: how.escalatedTo ? '超期升级' : '催办',
        at,
        ...aboutTask(task),
        note: how.note ?? '',
        ...(how.escalatedTo ? { holder: holderText(task.assignment) } : {}),
        from: 'system:sweep',
        fromName: '催办',
      },
      people.map((p) => p.username),
    );
}

async function chase(task: TaskRecord, kind: 'overdue' | 'escalated', at: string): Promise<boolean> {
  const config = env.branchConfig;
  const escalatedTo = kind === 'escalated' ? supervisorOf(task.assignment.role) : undefined;
  const notes = await sweepNotification(task, at, escalatedTo ? { escalatedTo } : { note: '已超过办理期限，请尽快办理' });
  try {
    await appendRegisterEntry({
      register: 'chasing',
      year: Number(localDate(new Date(at), config.timeZone).slice(0, 4)),
      at,
      entry: () => chasingEntryOf(task, kind === 'overdue' ? '催办' : '超期升级', at, escalatedTo ? { escalatedTo, escalatedToName: ROLE_NAMES[escalatedTo] } : {}),
      extra: (serial) => [kind === 'overdue' ? markOverdueItem(task.taskId, at) : markEscalatedItem(task.taskId, at), ...notes(serial)],
      auditChain: documentChain(task.docId),
      audit: (serial) => ({ at, actor: 'system:sweep', action: kind === 'overdue' ? 'task.overdue' : 'task.escalated', details: { taskId: task.taskId, chasingSerial: serial, escalatedTo } }),
    });
  } catch (err) {
    // Decided, or already chased by an overlapping sweep, since we listed it.
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) return false;
    throw err;
  }
  logger.info(kind === 'overdue' ? 'task overdue: chased' : 'task escalated', { taskId: task.taskId, docId: task.docId, escalatedTo });
  return true;
}

/** The step's policy after the deadline, from its route module. */
function afterDeadlineOf(task: Pick<TaskRecord, 'route' | 'step'>): AfterDeadline | undefined {
  const route = routeById(task.route);
  return route && stepOf(route, task.step)?.afterDeadline;
}

/** A further 催办 (第 n 次, of `of`): a chasing-register entry, the task's count, an audit event. */
async function remind(task: TaskRecord, n: number, of: number, at: string): Promise<boolean> {
  const notes = await sweepNotification(task, at, { note: `逾期再次催办（第 ${n} 次，共 ${of} 次）` });
  try {
    await appendRegisterEntry({
      register: 'chasing',
      year: Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4)),
      at,
      entry: () => chasingEntryOf(task, '催办', at, { reminder: n, reminders: of, note: `逾期再次催办（第 ${n} 次，共 ${of} 次）` }),
      extra: (serial) => [markRemindedItem(task.taskId, at, n), ...notes(serial)],
      auditChain: documentChain(task.docId),
      audit: (serial) => ({ at, actor: 'system:sweep', action: 'task.reminded', details: { taskId: task.taskId, step: task.step, reminder: n, of, chasingSerial: serial } }),
    });
  } catch (err) {
    // Decided, or reminded by an overlapping sweep, since we listed it.
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) return false;
    throw err;
  }
  logger.info('late task reminded', { taskId: task.taskId, docId: task.docId, reminder: n, of });
  return true;
}

/**
 * 超时跳过: the task closed as skipped, its slip line, a chasing-register entry, its audit event
 * and the "to send" mark commit together (the decision outbox); then the route is answered with
 * `{ skipped: true }`. A crash in between leaves the mark, and the reconciler resends it.
 */
async function skip(listed: TaskRecord, afterWorkingDays: number, at: string): Promise<boolean> {
  const task = await getTask(listed.taskId);
  if (!task || task.status !== 'open') return false;
  const decision = { skipped: true, by: 'system:sweep', byName: '系统', at };
  const reason = `逾期 ${afterWorkingDays} 个工作日未办理，按流程规定超时跳过，转下一步`;
  const line: SlipLine = {
    step: task.step,
    stepName: task.stepName,
    actorName: '系统',
    actorUsername: 'system:sweep',
    role: ROLE_NAMES[task.assignment.role],
    at,
    opinion: '超时跳过',
    details: [{ label: '超时跳过', value: reason }],
  };
  try {
    await appendRegisterEntry({
      register: 'chasing',
      year: Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4)),
      at,
      entry: () => chasingEntryOf(task, '超时跳过', at, { note: reason }),
      extra: () => [skipTaskItem(task.taskId, at, decision), putSlipLineItem(task.docId, line, `${task.taskId}-skip`), answerMarkItem(task, at)],
      auditChain: documentChain(task.docId),
      audit: (serial) => ({ at, actor: 'system:sweep', action: 'task.skipped', details: { taskId: task.taskId, step: task.step, afterWorkingDays, chasingSerial: serial } }),
    });
  } catch (err) {
    // Decided, or skipped by an overlapping sweep, since we read it.
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) return false;
    throw err;
  }
  await failpoint('skip.committed');
  const delivery = await deliverDecision({ ...task, status: 'skipped', decision });
  logger.info('late task skipped (超时跳过)', { taskId: task.taskId, docId: task.docId, step: task.step, delivery });
  return true;
}

export async function sweep(now: Date): Promise<SweepResult> {
  const at = now.toISOString();
  const result: SweepResult = { sweptAt: at, checked: 0, markedOverdue: 0, escalated: 0, reminded: 0, skipped: 0, readersChased: 0, registrationsChased: 0 };
  const options = env.deadlineOptions;
  let cursor: string | undefined;
  do {
    const page = await listOpenTasksDueBy(at, cursor);
    for (const task of page.items) {
      result.checked++;
      // One act per task and sweep: the first 催办 always comes first.
      if (!task.overdueAt) {
        if (await chase(task, 'overdue', at)) result.markedOverdue++;
        continue;
      }
      const late = workingDaysBetween(new Date(task.dueAt), now, options);
      const policy = afterDeadlineOf(task);
      // How often it was reminded is on the task, not in the index: read it while a reminder may be due.
      const state: (TaskRecord & { reminders?: number }) | undefined = policy && 'remind' in policy && !task.escalatedAt && late >= policy.remind.everyWorkingDays ? await getTask(task.taskId) : task;
      if (!state || state.status !== 'open') continue;
      const next = lateAct(state, late, policy, env.branchConfig.escalateAfterWorkingDays);
      if (next?.act === 'remind') {
        if (await remind(task, next.n, next.of, at)) result.reminded++;
      } else if (next?.act === 'skip') {
        if (await skip(task, next.afterWorkingDays, at)) result.skipped++;
      } else if (next?.act === 'escalate') {
        if (await chase(task, 'escalated', at)) result.escalated++;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  result.readersChased = await chaseUnreadReaders(now);
  result.registrationsChased = await chaseLateRegistrations(at);
  countBusiness('overdue', result.markedOverdue);
  return result;
}

/** A scan whose register entry the clerk has not completed in half a working day is chased once (登记超时). */
async function chaseLateRegistrations(at: string): Promise<number> {
  let chased = 0;
  let cursor: string | undefined;
  do {
    const page = await listDesk({ dueBy: at, cursor, limit: 100 });
    for (const item of page.items.filter((i) => !i.chasedAt)) {
      try {
        await appendRegisterEntry({
          register: 'chasing',
          year: Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4)),
          entry: () => ({ kind: '登记超时', docId: item.docId, title: item.title, secrecy: item.secrecy, registerNumber: item.registerNumber, stepName: '登记', assignment: { role: 'clerk' }, dueAt: item.dueAt, chasedAt: at }),
          extra: () => [markDeskChasedItem(item.dueAt, item.docId, at)],
          auditChain: documentChain(item.docId),
          audit: (serial) => ({ at, actor: 'system:sweep', action: 'registration.overdue', details: { dueAt: item.dueAt, chasingSerial: serial } }),
        });
        chased++;
      } catch (err) {
        // Completed, or chased by an overlapping sweep, since we listed it.
        if (!(err instanceof TransactionConflict && err.failedIndexes.includes(2))) throw err;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return chased;
}

/** The schedule's own `time` is the clock, so a replayed event sweeps as of its moment. */
export const handler = middy(async (event: Partial<ScheduledEvent>) => sweep(event.time ? new Date(event.time) : clock())).use(
  injectLambdaContext(logger),
);
