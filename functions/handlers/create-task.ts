/**
 * Called by a route's waitForTaskToken step: creates the human task (待办) for that step, with
 * its assignee and its deadline in working days, and keeps the task token server-side.
 */
import { createHash } from 'node:crypto';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { computeDeadline, localDate, zonedInstant, type Deadline } from '../domain/calendar.js';
import { mayTake, ROLE_NAMES, supervisorOf } from '../domain/identity.js';
import { RetryableError, stepOf, type Decision, type Decisions } from '../domain/route-platform.js';
import { newPlan, SIGN_MODE_NAMES } from '../domain/countersign.js';
import { routeById } from '../routes/index.js';
import { documentChain, readHeadAhead, transactWithAudit } from '../adapters/audit.js';
import { getDocument, type DocumentRecord } from '../adapters/documents.js';
import { findUser, holdersOf } from '../adapters/directory.js';
import { newTaskNotificationItems } from '../adapters/notifications.js';
import { TransactionConflict } from '../adapters/dynamo.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { countBusiness } from '../adapters/metrics.js';
import { appendRegisterEntry, chasingEntryOf } from '../adapters/registers.js';
import { runCreateAction } from '../adapters/step-actions.js';
import { listTasksOfDocument, markUnclearedItem, putTaskItem, signerTaskId, taskIdOf, type TaskRecord } from '../adapters/tasks.js';

/** DynamoDB's limit on one transaction, and what the audit append adds to it (head and event). */
const MAX_TRANSACTION_ITEMS = 100;
const AUDIT_ITEMS = 2;

export interface CreateTaskEvent {
  taskToken: string;
  executionArn: string;
  route: string;
  step: string;
  docId: string;
  decisions: Decisions;
}

export async function createTask(event: CreateTaskEvent, now = clock()): Promise<{ taskId: string; dueAt: string }> {
  const route = routeById(event.route);
  const step = route && stepOf(route, event.step);
  if (!step) throw new Error(`unknown step ${event.step} of route ${event.route}`);
  // The document and its audit chain's head, read together (the head is needed for the write).
  const head = readHeadAhead(documentChain(event.docId));
  const doc = await getDocument(event.docId);
  if (!doc) throw new Error(`document ${event.docId} not found`);
  const config = env.branchConfig;
  const options = env.deadlineOptions;
  // Only a document that has left a step other than forward (退回, 直送, 撤回) needs its history:
  // the others take the state machine's decisions as they are, at no extra read.
  const history = doc.moved ? await listTasksOfDocument(doc.docId) : [];
  const decisions = latestDecisions(event.decisions, history);

  let deadline: Deadline = computeDeadline(now, step.deadline(doc.urgency), options);
  const setDate = step.dueDateFrom?.(decisions);
  if (setDate) {
    deadline = { dueAt: zonedInstant(setDate, config.officeDayEnd, config.timeZone).toISOString(), beyondKnownCalendar: false };
  }
  if (deadline.beyondKnownCalendar) {
    logger.warn('deadline falls past the official holiday calendar; check it by hand', { docId: doc.docId, step: step.id, dueAt: deadline.dueAt });
  }

  const taskId = taskIdOf(event.taskToken);
  // What the step does before anyone holds it (the outgoing document's 编号 before 用印); safe to repeat.
  if (step.onCreate) await runCreateAction(step.onCreate, { docId: doc.docId, at: now.toISOString() });
  const returnedFrom = returnedTo(history, step.id);
  const task: TaskRecord = {
    taskId,
    docId: doc.docId,
    route: event.route,
    step: step.id,
    stepName: step.name,
    ask: step.ask,
    title: doc.title,
    registerNumber: doc.registerNumber,
    urgency: doc.urgency,
    secrecy: doc.secrecy,
    assignment: step.assign(decisions, { secrecy: doc.secrecy, ...(doc.requester ? { requester: doc.requester } : {}) }),
    executionArn: event.executionArn,
    status: 'open',
    createdAt: now.toISOString(),
    dueAt: deadline.dueAt,
    beyondKnownCalendar: deadline.beyondKnownCalendar,
    ...(returnedFrom ? { returnedFrom } : {}),
  };
  // 协办: a task per co-handling department, reporting to this one; this one waits for their reports.
  const coTasks: TaskRecord[] = (step.coHandlers?.(decisions) ?? []).map((assignment) => ({
    ...task,
    taskId: createHash('sha256').update(`${taskId}:co:${assignment.department ?? ''}`).digest('hex').slice(0, 24),
    stepName: `${step.name}（协办）`,
    ask: '请协办，并向牵头科室反馈办理情况',
    assignment,
    coOf: taskId,
  }));
  // 会签/或签/票签/依次: the route waits on this task; each signer gets their own, by the plan's rule.
  const named = step.countersign?.(decisions);
  const signerTasks: TaskRecord[] = [];
  if (named) {
    const people = named.signers.map((username, i) => ({ username, name: named.names?.[i] ?? username, taskId: signerTaskId(taskId, username, 0) }));
    const plan = newPlan(named, people);
    for (const signer of plan.signers) {
      signerTasks.push({
        ...task,
        taskId: signer.taskId,
        stepName: `${step.name}（${SIGN_MODE_NAMES[named.mode]}）`,
        assignment: { role: task.assignment.role, username: signer.username },
        status: signer.status === 'pending' ? 'open' : 'waiting',
        signOf: taskId,
      });
    }
    task.signing = plan;
  }
  // Whoever must act now is told (待办): the step's holder, each co-handling department, each
  // signer whose turn it is, in the same transaction as the tasks (100 items at most).
  const taskCount = 1 + coTasks.length + signerTasks.length;
  const toldOf = [...(task.signing ? [] : [task]), ...coTasks, ...signerTasks.filter((t) => t.status === 'open')];
  const notes = await newTaskNotificationItems(toldOf, MAX_TRANSACTION_ITEMS - AUDIT_ITEMS - taskCount);
  const leadItem = putTaskItem(task, event.taskToken);
  if (coTasks.length) (leadItem.Put!.Item as Record<string, unknown>).coPending = new Set(coTasks.map((t) => t.assignment.department!));
  try {
    // The task and its audit event in one transaction: a crash leaves both or neither, and the
    // retried invocation (same token, same task id) then writes both.
    await transactWithAudit(
      documentChain(doc.docId),
      {
        at: task.createdAt,
        actor: 'system:route',
        action: 'task.created',
        details: {
          taskId,
          step: step.id,
          assignment: task.assignment,
          dueAt: task.dueAt,
          ...(coTasks.length ? { coHandlers: coTasks.map((t) => ({ taskId: t.taskId, assignment: t.assignment })) } : {}),
          ...(task.signing ? { signing: { mode: task.signing.mode, ratio: task.signing.ratio, signers: task.signing.signers.map((x) => ({ username: x.username, taskId: x.taskId })) } } : {}),
        },
      },
      // Where the document is now comes from its open tasks (by-document): no document write here.
      [leadItem, ...[...coTasks, ...signerTasks].map((t) => putTaskItem(t, '')), ...notes],
      head,
    );
  } catch (err) {
    if (!(err instanceof TransactionConflict && err.failedIndexes.includes(0))) throw err;
    // Created by an earlier invocation for the same token: finish what it may not have.
    await flagUncleared(task, signerTasks, doc);
    return { taskId, dueAt: task.dueAt };
  }
  countBusiness('taskOpened');
  logger.info('task created', { taskId, step: step.id, assignee: task.assignment, roleName: ROLE_NAMES[task.assignment.role], dueAt: task.dueAt });
  await flagUncleared(task, signerTasks, doc);
  return { taskId, dueAt: task.dueAt };
}

/** The step's own task, or each signer's when it has signers: whoever must act has to be cleared. */
async function flagUncleared(task: TaskRecord, signerTasks: TaskRecord[], doc: DocumentRecord): Promise<void> {
  for (const t of signerTasks.length ? signerTasks : [task]) await flagIfNobodyCleared(t, doc);
}

/**
 * A classified step nobody enabled and cleared can take would wait forever: flag it at once in the
 * chasing register (催办记录) for the supervisor, with an audit event. Idempotent (a retried
 * create-task finds the task already flagged).
 */
export async function flagIfNobodyCleared(task: TaskRecord, doc: DocumentRecord): Promise<boolean> {
  if (doc.secrecy === '非密') return false;
  const a = task.assignment;
  const candidates = a.username ? [await findUser(a.username)].filter((u) => u !== undefined) : await holdersOf(a.role);
  if (candidates.some((person) => mayTake(person, a, doc.secrecy))) return false;

  const at = clock().toISOString();
  const escalatedTo = supervisorOf(a.role);
  const who = `${a.username ?? ''}${a.department ? `（${a.department}）` : ''}${ROLE_NAMES[a.role]}`;
  const reason = `${task.stepName}应由${who}办理，但无人具备${doc.secrecy}密级，流程无法推进；请${ROLE_NAMES[escalatedTo]}指定有权限的人员或调整密级审批`;
  try {
    await appendRegisterEntry({
      register: 'chasing',
      year: Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4)),
      at,
      entry: () => chasingEntryOf(task, '密级不符', at, { requiredClearance: doc.secrecy, escalatedTo, escalatedToName: ROLE_NAMES[escalatedTo], reason }),
      extra: () => [markUnclearedItem(task.taskId, at)],
      auditChain: documentChain(task.docId),
      audit: (serial) => ({ at, actor: 'system:route', action: 'task.uncleared', details: { taskId: task.taskId, step: task.step, requiredClearance: doc.secrecy, assignment: a, chasingSerial: serial, escalatedTo } }),
    });
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) return false; // flagged by an earlier try
    throw err;
  }
  logger.warn('no one cleared can take this step', { taskId: task.taskId, docId: task.docId, step: task.step, requiredClearance: doc.secrecy, assignment: a, escalatedTo });
  return true;
}

const decidedInOrder = (history: TaskRecord[]) => history.filter((t) => t.status === 'decided').sort((a, b) => String(a.decidedAt).localeCompare(String(b.decidedAt)));

/**
 * The decisions later steps go by: the state's, overlaid with each step's latest decision on
 * record. After a 直送 the state never received the re-decided step's output (the token was
 * answered with Chancery.Goto), but the record has it: a changed department must count.
 */
function latestDecisions(fromState: Decisions, history: TaskRecord[]): Decisions {
  const merged: Decisions = { ...fromState };
  for (const t of decidedInOrder(history)) if (t.decision && t.decision.action !== 'return') merged[t.step] = t.decision as Decision;
  return merged;
}

/**
 * Is this step being taken again because a later step returned the document to it (退回)? Then
 * the task says who returned it and why, and its decision may go straight back (直送).
 */
function returnedTo(history: TaskRecord[], stepId: string): TaskRecord['returnedFrom'] {
  const latest = decidedInOrder(history).at(-1);
  if (!latest || latest.decision?.action !== 'return' || latest.decision.to !== stepId) return undefined;
  return { step: latest.step, stepName: latest.stepName, byName: latest.decidedByName ?? latest.decidedBy ?? '', reason: String(latest.decision.opinion ?? '') };
}

/**
 * Any failure to create a task is worth another try (the task and its audit event commit together,
 * so a retry finishes what the failed one began): the Task state retries Chancery.Retryable with
 * backoff before the route fails, where a plain error would fail the route at once.
 */
export async function createTaskOrRetry(event: CreateTaskEvent): Promise<{ taskId: string; dueAt: string }> {
  try {
    return await createTask(event);
  } catch (err) {
    logger.warn('task not created; the route will try again', { docId: event.docId, step: event.step, error: err as Error });
    throw new RetryableError(`${(err as Error).name}: ${(err as Error).message}`);
  }
}

export const handler = middy((event: CreateTaskEvent) => createTaskOrRetry(event)).use(injectLambdaContext(logger));
