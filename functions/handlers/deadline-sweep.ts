/**
 * 催办 deadline sweep, fired by the EventBridge schedule: every open task past its deadline is
 * marked overdue and gets a chasing record (催办记录); one still open a further
 * `escalateAfterWorkingDays` working days later is escalated to the supervisor, with a second
 * record. Each mark is conditional, so overlapping sweeps never double-chase.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ScheduledEvent } from 'aws-lambda';
import { localDate, workingDaysBetween } from '../domain/calendar.js';
import { ROLE_NAMES, supervisorOf } from '../domain/identity.js';
import { documentChain } from '../adapters/audit.js';
import { TransactionConflict } from '../adapters/dynamo.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { appendRegisterEntry, chasingEntryOf, listDesk, markDeskChasedItem } from '../adapters/registers.js';
import { chaseUnreadReaders } from './circulation-sweep.js';
import { listOpenTasksDueBy, markEscalatedItem, markOverdueItem, type TaskRecord } from '../adapters/tasks.js';

export interface SweepResult {
  sweptAt: string;
  checked: number;
  markedOverdue: number;
  escalated: number;
  /** Unread readers of circulations chased (催阅, handlers/circulation-sweep.ts). */
  readersChased: number;
  /** Scans whose register entry was not completed within half a working day (登记超时). */
  registrationsChased: number;
}


async function chase(task: TaskRecord, kind: 'overdue' | 'escalated', at: string): Promise<boolean> {
  const config = env.branchConfig;
  const escalatedTo = kind === 'escalated' ? supervisorOf(task.assignment.role) : undefined;
  try {
    await appendRegisterEntry({
      register: 'chasing',
      year: Number(localDate(new Date(at), config.timeZone).slice(0, 4)),
      at,
      entry: () => chasingEntryOf(task, kind === 'overdue' ? '催办' : '超期升级', at, escalatedTo ? { escalatedTo, escalatedToName: ROLE_NAMES[escalatedTo] } : {}),
      extra: () => [kind === 'overdue' ? markOverdueItem(task.taskId, at) : markEscalatedItem(task.taskId, at)],
      auditChain: documentChain(task.docId),
      audit: (serial) => ({ at, actor: 'system:sweep', action: kind === 'overdue' ? 'task.overdue' : 'task.escalated', details: { taskId: task.taskId, chasingSerial: serial, escalatedTo } }),
    });
  } catch (err) {
    // Decided, or already chased by an overlapping sweep, since we listed it.
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) return false;
    throw err;
  }
  // Email/SMS delivery is not wired yet: the chasing register is the record people act on.
  logger.info(kind === 'overdue' ? 'task overdue: chased' : 'task escalated', { taskId: task.taskId, docId: task.docId, escalatedTo });
  return true;
}

export async function sweep(now: Date): Promise<SweepResult> {
  const at = now.toISOString();
  const result: SweepResult = { sweptAt: at, checked: 0, markedOverdue: 0, escalated: 0, readersChased: 0, registrationsChased: 0 };
  const options = env.deadlineOptions;
  let cursor: string | undefined;
  do {
    const page = await listOpenTasksDueBy(at, cursor);
    for (const task of page.items) {
      result.checked++;
      if (!task.overdueAt) {
        if (await chase(task, 'overdue', at)) result.markedOverdue++;
      } else if (!task.escalatedAt && workingDaysBetween(new Date(task.dueAt), now, options) >= env.branchConfig.escalateAfterWorkingDays) {
        if (await chase(task, 'escalated', at)) result.escalated++;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  result.readersChased = await chaseUnreadReaders(now);
  result.registrationsChased = await chaseLateRegistrations(at);
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
