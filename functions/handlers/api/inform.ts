/**
 * 阅知: a decision that makes the document known to someone without holding the route (superior-
 * dept: an important document is made known to the main leader). It is a circulation (传阅) to
 * every enabled, cleared holder of the role, committed in the decision's own transaction; the read
 * items follow, and the reconciler writes any a crash left out (finishCirculations).
 */
import { mayTake } from '../../domain/identity.js';
import type { StepDefinition } from '../../domain/route-platform.js';
import { holdersOf } from '../../adapters/directory.js';
import type { TransactItem } from '../../adapters/dynamo.js';
import type { TaskRecord } from '../../adapters/tasks.js';
import { newCirculation } from '../../adapters/task-operations.js';

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
  const { items, finish } = newCirculation(task, readers.map((p) => ({ username: p.username, name: p.name })), { order: 'parallel', note: informs.reason, by, now });
  return { items, finish, detail: { label: '阅知', value: readers.map((p) => p.name).join('、') } };
}
