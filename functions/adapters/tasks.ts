/**
 * Human tasks (待办) in the tasks table, one item per assignment:
 *   pk TASK#<taskId>, sk TASK   where taskId is a hash of the Step Functions task token; the
 *                               token itself stays here and never leaves the server.
 * Indexes (sparse: their keys are removed once the task is decided):
 *   by-assignee  gsi1pk USER#<username> | ROLE#<role> | ROLE#<role>#<dept>, gsi1sk <dueAt>#<taskId>
 *   open-by-due  gsi2pk OPEN, gsi2sk <dueAt>#<taskId>                    (the deadline sweep)
 *   by-document  gsi3pk DOC#<docId>, gsi3sk <createdAt>#<taskId>        (kept after decision; keys only)
 *   by-box       gsi4pk BOX#done#<decider>, gsi4sk <decidedAt>#<taskId>  (set on decision: 已办; keys only)
 * by-assignee and open-by-due copy what the open-task lists show, never the token (infra/manifest.ts).
 * Other items of this table (delegations, read items, notifications …): adapters/task-operations.ts.
 */
import { createHash } from 'node:crypto';
import { BatchGetCommand, type BatchGetCommandOutput, DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, Secrecy } from '../domain/identity.js';
import type { Assignment, Urgency } from '../domain/route-platform.js';
import type { SigningPlan } from '../domain/countersign.js';
import { documentClient } from './clients.js';
import { batchGetInOrder, decodeCursor, decodeMergedCursor, encodeCursor, queryAll, type Page, type TransactItem } from './dynamo.js';
import { env } from './env.js';
import { executionArnOf } from './workflows.js';
import type { OPEN_TASK_INDEX_ATTRIBUTES } from '../../infra/manifest.js';

/**
 * recalled: taken back by the previous decider (撤回); withdrawn: the requester withdrew the
 * document (撤销); skipped: the deadline sweep moved the route on without it (超时跳过). A signer's
 * task (会签 …) may also be waiting (not yet their turn), removed (减签) or closed (settled without them).
 */
export type TaskStatus = 'open' | 'decided' | 'expired' | 'recalled' | 'withdrawn' | 'skipped' | 'waiting' | 'removed' | 'closed';

export interface TaskRecord {
  taskId: string;
  docId: string;
  route: string;
  step: string;
  stepName: string;
  ask: string;
  title: string;
  registerNumber: string;
  urgency: Urgency;
  /** The document's 密级: only people cleared for it may decide. */
  secrecy: Secrecy;
  assignment: Assignment;
  executionArn: string;
  status: TaskStatus;
  createdAt: string;
  dueAt: string;
  beyondKnownCalendar: boolean;
  overdue?: boolean;
  overdueAt?: string;
  escalatedAt?: string;
  /** Nobody enabled in the directory holds the assignment with the clearance the document needs. */
  uncleared?: boolean;
  chaseCount?: number;
  decidedBy?: string;
  decidedByName?: string;
  decidedAt?: string;
  decision?: Record<string, unknown>;
  /** Set when the task's token is answered by leaving the step other than forward (the step to go to). */
  answer?: { goto: string };
  /** 办理反馈: how handling goes, noted by the holder before the step's decision. */
  progress?: ProgressNote[];
  /** 延期申请: the holder asks for more time; the office director decides. */
  extension?: ExtensionRequest;
  /** A co-handler's task (协办): it reports to this lead task and answers no route. */
  coOf?: string;
  /** On a lead task: the co-handling departments whose report is still awaited. */
  coPending?: string[];
  /** A signer's own task (会签/或签/票签/依次): it signs for this step task and answers no route. */
  signOf?: string;
  /** On the step task the route waits on: its signers and the completion rule. */
  signing?: SigningPlan;
  /** This task is a step taken again after a later step returned the document (退回). */
  returnedFrom?: { step: string; stepName: string; byName: string; reason: string };
}

// The open-task indexes copy these attributes (infra/manifest.ts): a field added to TaskRecord
// must be listed there too, or GET /tasks would lose it. Compile-time check: `Unprojected` must be
// never (the task id comes from the key; decision fields are never on an open task).
// Read from the task itself, never from a list: its route run, calendar warning, answer and progress notes.
type Unprojected = Exclude<
  keyof TaskRecord,
  'taskId' | 'decision' | 'decidedBy' | 'decidedByName' | 'decidedAt' | 'executionArn' | 'beyondKnownCalendar' | 'answer' | 'progress' | 'coOf' | 'coPending' | 'signOf' | 'signing' | (typeof OPEN_TASK_INDEX_ATTRIBUTES)[number]
>;
const _everyFieldProjected: [Unprojected] extends [never] ? true : Unprojected = true;
void _everyFieldProjected;

/** The stored item: the record plus the token, which only the server reads. */
interface TaskItem extends TaskRecord {
  taskToken: string;
}

export function taskIdOf(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex').slice(0, 24);
}

/** A signer's task id: from the step task, the person and the plan version they joined at (a 减签 signer may be added again). */
export function signerTaskId(stepTaskId: string, username: string, version: number): string {
  return createHash('sha256').update(`${stepTaskId}:sign:${username}:${version}`).digest('hex').slice(0, 24);
}

export const taskKey = (taskId: string) => ({ pk: `TASK#${taskId}`, sk: 'TASK' });

export function assignmentPartition(a: Assignment): string {
  if (a.username) return `USER#${a.username}`;
  return a.department ? `ROLE#${a.role}#${a.department}` : `ROLE#${a.role}`;
}

/** Every by-assignee partition that holds tasks this person may take. */
export function partitionsFor(actor: Actor): string[] {
  const partitions = [`USER#${actor.username}`];
  for (const role of actor.roles) {
    partitions.push(`ROLE#${role}`);
    if (actor.department) partitions.push(`ROLE#${role}#${actor.department}`);
  }
  return partitions;
}

export const strip = (item: Record<string, unknown>): TaskRecord => {
  const { pk, sk: _sk, gsi1pk: _1, gsi1sk: _2, gsi2pk: _3, gsi2sk: _4, gsi3pk: _5, gsi3sk: _6, gsi4pk: _7, gsi4sk: _8, taskToken: _t, ...task } = item;
  // The task id is in the key only (TASK#<taskId>); co-handling is a string set; the calendar
  // warning is stored only when raised (index entries, without the token, do not carry it).
  if (task.coPending instanceof Set) task.coPending = [...task.coPending].sort();
  if (typeof task.execution === 'string') {
    task.executionArn = executionArnOf(env.stateMachineArn(String(task.route)), task.execution);
    delete task.execution;
  }
  const decision = task.decision as Record<string, unknown> | undefined;
  if (decision && decision.by === undefined && task.decidedBy !== undefined) task.decision = { ...decision, by: task.decidedBy, byName: task.decidedByName, at: task.decidedAt };
  return { taskId: String(pk).slice('TASK#'.length), ...task, ...(_t !== undefined ? { beyondKnownCalendar: task.beyondKnownCalendar === true } : {}) } as unknown as TaskRecord;
};

const listedKeys = (task: Pick<TaskRecord, 'taskId' | 'dueAt' | 'assignment'>) => ({
  gsi1pk: assignmentPartition(task.assignment),
  gsi1sk: `${task.dueAt}#${task.taskId}`,
  gsi2pk: 'OPEN',
  gsi2sk: `${task.dueAt}#${task.taskId}`,
});

/**
 * The task as a transaction item: written with its audit event in one transaction, and only
 * once (a retried Lambda for the same token fails the condition and changes nothing). Only an
 * open task is listed (待办, the sweep): a step task with signers, or a signer waiting for
 * their turn, is not.
 */
export function putTaskItem(task: TaskRecord, taskToken: string): TransactItem {
  const listed = task.status === 'open' && !task.signing;
  // Not stored: the task id (the key holds it; strip() reads it from there), a calendar warning
  // that is not raised, and of the route's execution ARN more than its name (strip() rebuilds it).
  // A decided task then stays under 1 KB, so its decision is billed 1 WRU, not 2.
  const { taskId: _inKey, beyondKnownCalendar, executionArn, ...stored } = task;
  const ofRoute = executionArnOf(env.stateMachineArn(task.route), '');
  const item: Omit<TaskItem, 'taskId' | 'beyondKnownCalendar' | 'executionArn'> & Record<string, unknown> = {
    ...taskKey(task.taskId),
    ...stored,
    ...(beyondKnownCalendar ? { beyondKnownCalendar } : {}),
    ...(executionArn.startsWith(ofRoute) ? { execution: executionArn.slice(ofRoute.length) } : { executionArn }),
    taskToken,
    ...(listed ? listedKeys(task) : {}),
    gsi3pk: `DOC#${task.docId}`,
    gsi3sk: `${task.createdAt}#${task.taskId}`,
  };
  return { Put: { TableName: env.tasksTable, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
}

export async function getTask(taskId: string): Promise<(TaskRecord & { taskToken: string }) | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: env.tasksTable, Key: taskKey(taskId), ConsistentRead: true }));
  if (!res.Item) return undefined;
  return { ...strip(res.Item), taskToken: String(res.Item.taskToken) };
}

/**
 * A decision as stored on its task: without who and when when decidedBy, decidedByName and
 * decidedAt say the same (strip() puts them back), so a decided task stays under 1 KB.
 */
function storedDecision(decision: Record<string, unknown>, actor: Actor, at: string): Record<string, unknown> {
  const { by, byName, at: when, ...rest } = decision;
  return by === actor.username && byName === actor.name && when === at ? rest : decision;
}

/** open → decided, only if still open; leaves the open-task indexes. */
export function decideTaskItem(taskId: string, actor: Actor, at: string, decision: Record<string, unknown>, answer?: { goto: string }): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: `SET #status = :decided, decidedBy = :by, decidedByName = :name, decidedAt = :at, decision = :decision, gsi4pk = :box, gsi4sk = :boxAt${answer ? ', answer = :answer' : ''} REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk`,
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':decided': 'decided',
        ':open': 'open',
        ':by': actor.username,
        ':name': actor.name,
        ':at': at,
        ':decision': storedDecision(decision, actor, at),
        ':box': `BOX#done#${actor.username}`,
        ':boxAt': `${at}#${taskId}`,
        ...(answer ? { ':answer': answer } : {}),
      },
    },
  };
}

/**
 * An open task closed without its assignee's decision — taken back by the previous decider (撤回)
 * or withdrawn with its document (撤销) — and answered by going to `goto`. Only while still open.
 */
export function closeOpenTaskItem(taskId: string, status: 'recalled' | 'withdrawn', actor: Actor, at: string, goto: string): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET #status = :status, closedBy = :by, closedByName = :name, closedAt = :at, answer = :answer REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':open': 'open', ':by': actor.username, ':name': actor.name, ':at': at, ':answer': { goto } },
    },
  };
}

/** The route no longer waits for this task (its token timed out): take it off every list. */
export function expireTaskItem(taskId: string, at: string): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET #status = :expired, expiredAt = :at REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':expired': 'expired', ':at': at },
    },
  };
}

/**
 * A sweep's mark on an open task (overdue, reminded, escalated), counted as a chase; `notYet` is
 * what keeps overlapping sweeps from marking it twice.
 */
function sweepMarkItem(taskId: string, set: string, notYet: string, values: Record<string, unknown>): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: `SET ${set}, chaseCount = if_not_exists(chaseCount, :zero) + :one`,
      ConditionExpression: `#status = :open AND ${notYet}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...values, ':zero': 0, ':one': 1, ':open': 'open' },
    },
  };
}

export const markOverdueItem = (taskId: string, at: string): TransactItem =>
  sweepMarkItem(taskId, 'overdue = :true, overdueAt = :at', 'attribute_not_exists(overdueAt)', { ':true': true, ':at': at });

/**
 * The sweep's reminder number `n` (afterDeadline remind), once. `reminders` lives on the task
 * only: the open-task indexes already project CloudFormation's limit of 20 attributes.
 */
export const markRemindedItem = (taskId: string, at: string, n: number): TransactItem =>
  sweepMarkItem(taskId, 'reminders = :n, remindedAt = :at', '(attribute_not_exists(reminders) OR reminders < :n)', { ':n': n, ':at': at });

/**
 * 超时跳过: the sweep closes an open task without its holder, with the decision the route is
 * answered with (`skipped: true`); only while still open. Leaves the open-task indexes.
 */
export function skipTaskItem(taskId: string, at: string, decision: Record<string, unknown>): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET #status = :skipped, skippedAt = :at, decision = :decision REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':skipped': 'skipped', ':open': 'open', ':at': at, ':decision': decision },
    },
  };
}

/** Flags a task nobody cleared can take; fails (condition) once it is flagged. */
export function markUnclearedItem(taskId: string, at: string): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET uncleared = :true, unclearedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(uncleared)',
      ExpressionAttributeValues: { ':true': true, ':at': at },
    },
  };
}

export const markEscalatedItem = (taskId: string, at: string): TransactItem => sweepMarkItem(taskId, 'escalatedAt = :at', 'attribute_not_exists(escalatedAt)', { ':at': at });

/** Open tasks due at or before `now`, oldest due first, one page at a time. */
export async function listOpenTasksDueBy(now: string, cursor?: string, limit = 100): Promise<Page<TaskRecord>> {
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.tasksTable,
      IndexName: 'open-by-due',
      KeyConditionExpression: 'gsi2pk = :open AND gsi2sk <= :now',
      ExpressionAttributeValues: { ':open': 'OPEN', ':now': `${now}#~` },
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, ['pk', 'sk', 'gsi2pk', 'gsi2sk'], { gsi2pk: 'OPEN' }),
    }),
  );
  return { items: (res.Items ?? []).map(strip), ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}) };
}

/**
 * The open tasks this person may take, earliest due first. They live in several index
 * partitions (named to the person, to each role, to role+department); this merges them, and
 * the cursor remembers where each partition stopped.
 */
export async function listOpenTasksFor(actor: Actor, options: { cursor?: string; limit?: number; extraPartitions?: string[] }): Promise<Page<TaskRecord>> {
  const limit = options.limit ?? 50;
  // extraPartitions: those of people this actor stands in for (委托 in force).
  const mine = [...new Set([...partitionsFor(actor), ...(options.extraPartitions ?? [])])];
  const positions = decodeMergedCursor(options.cursor, mine, ['pk', 'sk', 'gsi1pk', 'gsi1sk'], 'gsi1pk') ?? {};
  const partitions = mine.filter((p) => positions[p] !== null);
  const fetched = await Promise.all(
    partitions.map(async (partition) => {
      const res = await documentClient().send(
        new QueryCommand({
          TableName: env.tasksTable,
          IndexName: 'by-assignee',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': partition },
          Limit: limit,
          ExclusiveStartKey: positions[partition] ?? undefined,
        }),
      );
      return { partition, items: res.Items ?? [], more: Boolean(res.LastEvaluatedKey) };
    }),
  );
  const merged = fetched
    .flatMap((f) => f.items.map((item) => ({ partition: f.partition, item })))
    .sort((a, b) => String(a.item.gsi1sk).localeCompare(String(b.item.gsi1sk)));
  const page = merged.slice(0, limit);
  const next: Record<string, Record<string, unknown> | null> = { ...positions };
  let anyLeft = false;
  for (const f of fetched) {
    const taken = page.filter((p) => p.partition === f.partition);
    const exhausted = taken.length === f.items.length && !f.more;
    if (exhausted) next[f.partition] = null;
    else {
      anyLeft = true;
      const last = taken.at(-1)?.item;
      if (last) next[f.partition] = { pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk };
    }
  }
  return { items: page.map((p) => strip(p.item)), ...(anyLeft ? { cursor: encodeCursor(next) } : {}) };
}

/** Every task of a document, in creation order: the index holds keys only, the tasks are read whole. */
export async function listTasksOfDocument(docId: string): Promise<TaskRecord[]> {
  const keys = await queryAll({
    TableName: env.tasksTable,
    IndexName: 'by-document',
    KeyConditionExpression: 'gsi3pk = :doc',
    ExpressionAttributeValues: { ':doc': `DOC#${docId}` },
  });
  return (await batchGetInOrder(env.tasksTable, keys)).map(strip);
}

// ---- answer outbox -----------------------------------------------------------------------------
// A decision commits with a "to send" mark; the answer to Step Functions follows, and the mark
// goes once the route has it. A crash or a throttle in between leaves the mark for the
// reconciler (handlers/reconcile.ts), which resends it: no decision strands its route.

const ANSWER_OUTBOX = 'OUTBOX#answers';

export function answerMarkItem(task: Pick<TaskRecord, 'taskId' | 'docId'>, at: string): TransactItem {
  return { Put: { TableName: env.tasksTable, Item: { pk: ANSWER_OUTBOX, sk: task.taskId, taskId: task.taskId, docId: task.docId, at } } };
}

export function clearAnswerMarkItem(taskId: string): TransactItem {
  return { Delete: { TableName: env.tasksTable, Key: { pk: ANSWER_OUTBOX, sk: taskId } } };
}

export async function clearAnswerMark(taskId: string): Promise<void> {
  await documentClient().send(new DeleteCommand({ TableName: env.tasksTable, Key: { pk: ANSWER_OUTBOX, sk: taskId } }));
}

/** Decisions committed but not yet confirmed delivered to their route, oldest first. */
export async function pendingAnswers(limit = 500): Promise<{ taskId: string; docId: string; at: string }[]> {
  const res = await documentClient().send(
    new QueryCommand({ TableName: env.tasksTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': ANSWER_OUTBOX }, Limit: limit }),
  );
  return (res.Items ?? []).map((i) => ({ taskId: String(i.taskId), docId: String(i.docId), at: String(i.at) })).sort((a, b) => a.at.localeCompare(b.at));
}

/** Corrects what an open task shows of its document (title, 密级, urgency) after the clerk's registration. */
export function updateOpenTaskItem(taskId: string, fields: Partial<Pick<TaskRecord, 'title' | 'secrecy' | 'urgency'>>): TransactItem {
  const names = Object.keys(fields);
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(names.map((n, i) => [`#f${i}`, n])) },
      ExpressionAttributeValues: { ':open': 'open', ...Object.fromEntries(names.map((n, i) => [`:v${i}`, (fields as Record<string, unknown>)[n]])) },
    },
  };
}

// ---- handling: progress and extensions (办理反馈, 延期申请) -----------------------------------------

export interface ProgressNote {
  note: string;
  by: string;
  byName: string;
  at: string;
  /** Files reported with the note, pinned to the document (its `attachments`). */
  attachments?: { uploadId: string; name: string }[];
}

export interface ExtensionRequest {
  status: 'requested' | 'approved' | 'refused';
  until: string;
  reason: string;
  by: string;
  byName: string;
  at: string;
  decidedBy?: string;
  decidedByName?: string;
  decidedAt?: string;
  opinion?: string;
}

/** Appends a progress note to an open task (at most `max` notes: a task item stays small). */
export function addProgressItem(taskId: string, note: ProgressNote, max: number): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET progress = list_append(if_not_exists(progress, :empty), :note)',
      ConditionExpression: '#status = :open AND (attribute_not_exists(progress) OR size(progress) < :max)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':empty': [], ':note': [note], ':open': 'open', ':max': max },
    },
  };
}

/** Asks for more time; one request at a time, only on an open task. */
export function requestExtensionItem(taskId: string, request: ExtensionRequest): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET extension = :request',
      ConditionExpression: '#status = :open AND (attribute_not_exists(extension) OR extension.#st <> :requested)',
      ExpressionAttributeNames: { '#status': 'status', '#st': 'status' },
      ExpressionAttributeValues: { ':request': request, ':open': 'open', ':requested': 'requested' },
    },
  };
}

/**
 * The director's answer to an extension request. Approved, the task falls due at `dueAt`: its
 * list and sweep keys move with it, and it is no longer overdue or escalated.
 */
export function decideExtensionItem(task: Pick<TaskRecord, 'taskId'>, decided: ExtensionRequest, dueAt?: string): TransactItem {
  const moves = dueAt
    ? ', dueAt = :due, gsi1sk = :sk, gsi2sk = :sk REMOVE overdue, overdueAt, escalatedAt, reminders'
    : '';
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(task.taskId),
      UpdateExpression: `SET extension = :decided${moves}`,
      ConditionExpression: '#status = :open AND extension.#st = :requested',
      ExpressionAttributeNames: { '#status': 'status', '#st': 'status' },
      ExpressionAttributeValues: { ':decided': decided, ':open': 'open', ':requested': 'requested', ...(dueAt ? { ':due': dueAt, ':sk': `${dueAt}#${task.taskId}` } : {}) },
    },
  };
}

// ---- 补签: decisions recorded for a leader, waiting for the leader's confirmation -----------------

const CONFIRM = (username: string) => `CONFIRM#${username}`;

export interface ToConfirm {
  taskId: string;
  docId: string;
  title: string;
  secrecy: Secrecy;
  registerNumber: string;
  stepName: string;
  recordedAt: string;
}

export function toConfirmItem(leader: string, task: Pick<TaskRecord, 'taskId' | 'docId' | 'title' | 'secrecy' | 'registerNumber' | 'stepName'>, at: string): TransactItem {
  const item: ToConfirm = { taskId: task.taskId, docId: task.docId, title: task.title, secrecy: task.secrecy, registerNumber: task.registerNumber, stepName: task.stepName, recordedAt: at };
  return { Put: { TableName: env.tasksTable, Item: { pk: CONFIRM(leader), sk: `${at}#${task.taskId}`, ...item } } };
}

export function confirmedItem(leader: string, recordedAt: string, taskId: string): TransactItem {
  return { Delete: { TableName: env.tasksTable, Key: { pk: CONFIRM(leader), sk: `${recordedAt}#${taskId}` }, ConditionExpression: 'attribute_exists(pk)' } };
}

/** Marks the recorded decision confirmed by the leader it was recorded for. */
export function confirmDecisionItem(taskId: string, at: string): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET decision.confirmedAt = :at',
      ConditionExpression: 'attribute_exists(decision.recordedBy) AND attribute_not_exists(decision.confirmedAt)',
      ExpressionAttributeValues: { ':at': at },
    },
  };
}

export async function listToConfirm(leader: string, options: { cursor?: string; limit: number }): Promise<Page<ToConfirm>> {
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.tasksTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CONFIRM(leader) },
      Limit: options.limit,
      ExclusiveStartKey: decodeCursor(options.cursor, ['pk', 'sk'], { pk: CONFIRM(leader) }),
    }),
  );
  return {
    items: (res.Items ?? []).map(({ pk: _pk, sk: _sk, ...item }) => item as ToConfirm),
    ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}),
  };
}

// ---- co-handling (协办) ------------------------------------------------------------------------------

/** A co-handler's report is in: the lead task no longer waits for that department. */
export function coReportedItem(leadTaskId: string, department: string): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(leadTaskId),
      UpdateExpression: 'DELETE coPending :dept',
      ConditionExpression: 'contains(coPending, :code)',
      ExpressionAttributeValues: { ':dept': new Set([department]), ':code': department },
    },
  };
}

// ---- several signers on one step (会签/或签/票签/依次, 加签/减签) --------------------------------------

/**
 * The step task's signing plan moves from `version` to the next; once settled, the step task is
 * decided in the same update (one item, one operation per transaction) and its answer marked.
 */
export function updatePlanItem(taskId: string, plan: SigningPlan, version: number, settled?: { by: string; byName: string; at: string; decision: Record<string, unknown> }): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: `SET signing = :plan${settled ? ', #status = :decided, decidedBy = :by, decidedByName = :name, decidedAt = :at, decision = :decision' : ''}`,
      ConditionExpression: '#status = :open AND signing.version = :version',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':plan': plan,
        ':open': 'open',
        ':version': version,
        ...(settled ? { ':decided': 'decided', ':by': settled.by, ':name': settled.byName, ':at': settled.at, ':decision': settled.decision } : {}),
      },
    },
  };
}

/**
 * 加签 on a one-holder step: the task the route waits on gets a plan and leaves the lists; its
 * holder and the added signer sign on their own tasks. Only while open and without a plan.
 */
export function startPlanItem(taskId: string, plan: SigningPlan): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET signing = :plan REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      ConditionExpression: '#status = :open AND attribute_not_exists(signing)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':plan': plan, ':open': 'open' },
    },
  };
}

/** A signer's turn comes (依次, or after a 前加签): the task opens, with its own deadline, in the lists. */
export function openSignerItem(task: Pick<TaskRecord, 'taskId' | 'assignment'>, dueAt: string): TransactItem {
  const keys = listedKeys({ ...task, dueAt });
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(task.taskId),
      UpdateExpression: 'SET #status = :open, dueAt = :due, gsi1pk = :g1, gsi1sk = :g1s, gsi2pk = :g2, gsi2sk = :g2s',
      ConditionExpression: '#status = :waiting',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':open': 'open', ':waiting': 'waiting', ':due': dueAt, ':g1': keys.gsi1pk, ':g1s': keys.gsi1sk, ':g2': keys.gsi2pk, ':g2s': keys.gsi2sk },
    },
  };
}

/** 前加签: the signer waits for the one added before them; the task leaves the lists meanwhile. */
export function holdSignerItem(taskId: string): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET #status = :waiting REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':waiting': 'waiting', ':open': 'open' },
    },
  };
}

/** A signer taken off (减签), or no longer needed once the step is settled, or with their step closed. */
export function closeSignerItem(taskId: string, status: 'removed' | 'closed', at: string): TransactItem {
  return {
    Update: {
      TableName: env.tasksTable,
      Key: taskKey(taskId),
      UpdateExpression: 'SET #status = :status, closedAt = :at REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      ConditionExpression: '#status IN (:open, :waiting)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':at': at, ':open': 'open', ':waiting': 'waiting' },
    },
  };
}
