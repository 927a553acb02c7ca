/**
 * 阅知: a decision that makes the document known to someone without holding the route (superior-
 * dept: an important document is made known to the main leader). It is a circulation (传阅) to
 * every enabled, cleared holder of the role, committed in the decision's own transaction; the read
 * items follow, and the reconciler writes any a crash left out (finishCirculations).
 */
import { randomBytes } from 'node:crypto';
import { computeDeadline } from '../../domain/calendar.js';
import { mayTake } from '../../domain/identity.js';
import type { StepDefinition } from '../../domain/route-platform.js';
import { CHASE_UNREAD_AFTER_WORKING_DAYS } from '../../domain/task-operations.js';
import { holdersOf } from '../../adapters/directory.js';
import { env } from '../../adapters/env.js';
import type { TransactItem } from '../../adapters/dynamo.js';
import type { TaskRecord } from '../../adapters/tasks.js';
import { circulationMarkItem, clearCirculationMark, putCirculationItem, readItemsFor, writeReadItems, type Circulation } from '../../adapters/task-operations.js';

export interface Informing {
  items: TransactItem[];
  detail: { label: string; value: string };
  /** After the commit: write the read items and clear the mark. */
  finish(): Promise<void>;
}

export async function informing(step: StepDefinition, decision: Record<string, unknown>, task: TaskRecord, by: { username: string; name: string }, now: Date): Promise<Informing | undefined> {
  const informs = step.informs?.(decision);
  if (!informs) return undefined;
  const readers = (await holdersOf(informs.role)).filter((p) => mayTake(p, { role: informs.role }, task.secrecy));
  if (readers.length === 0) return undefined;
  const at = now.toISOString();
  const chaseAt = computeDeadline(now, { workingDays: CHASE_UNREAD_AFTER_WORKING_DAYS }, env.deadlineOptions).dueAt;
  const circulation: Circulation = {
    circId: randomBytes(8).toString('hex'),
    docId: task.docId,
    title: task.title,
    secrecy: task.secrecy,
    registerNumber: task.registerNumber,
    urgency: task.urgency,
    readers: readers.map((p) => ({ username: p.username, name: p.name })),
    order: 'parallel',
    note: informs.reason,
    by: by.username,
    byName: by.name,
    at,
    chaseAfterWorkingDays: CHASE_UNREAD_AFTER_WORKING_DAYS,
  };
  return {
    items: [putCirculationItem(circulation), circulationMarkItem(circulation.circId, chaseAt, at)],
    detail: { label: '阅知', value: readers.map((p) => p.name).join('、') },
    finish: async () => {
      await writeReadItems(readItemsFor(circulation, chaseAt));
      await clearCirculationMark(circulation.circId);
    },
  };
}
