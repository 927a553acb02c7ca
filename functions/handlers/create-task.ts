/**
 * Called by a route's waitForTaskToken step: creates the human task (待办) for that step, with
 * its assignee and its deadline in working days, and keeps the task token server-side.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { computeDeadline, zonedInstant, type Deadline } from '../domain/calendar.js';
import { ROLE_NAMES } from '../domain/identity.js';
import { handlingDueDate, isStepId, STEPS, type Decisions } from '../domain/superior-key.js';
import { documentChain, transactWithAudit } from '../adapters/audit.js';
import { getDocument, updateDocumentItem } from '../adapters/documents.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { putTaskItem, taskIdOf, type TaskRecord } from '../adapters/tasks.js';
import { TransactionConflict } from '../adapters/dynamo.js';

export interface CreateTaskEvent {
  taskToken: string;
  executionArn: string;
  route: string;
  step: string;
  docId: string;
  decisions: Decisions;
}

export async function createTask(event: CreateTaskEvent, now = clock()): Promise<{ taskId: string; dueAt: string }> {
  if (!isStepId(event.step)) throw new Error(`unknown step ${event.step}`);
  const step = STEPS[event.step];
  const doc = await getDocument(event.docId);
  if (!doc) throw new Error(`document ${event.docId} not found`);
  const config = env.branchConfig;
  const options = env.deadlineOptions;

  let deadline: Deadline = computeDeadline(now, step.deadline(doc.urgency), options);
  const setDate = step.id === 'departmentHandle' ? handlingDueDate(event.decisions) : undefined;
  if (setDate) {
    deadline = { dueAt: zonedInstant(setDate, config.officeDayEnd, config.timeZone).toISOString(), beyondKnownCalendar: false };
  }
  if (deadline.beyondKnownCalendar) {
    logger.warn('deadline falls past the official holiday calendar; check it by hand', { docId: doc.docId, step: step.id, dueAt: deadline.dueAt });
  }

  const taskId = taskIdOf(event.taskToken);
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
    assignment: step.assign(event.decisions),
    executionArn: event.executionArn,
    status: 'open',
    createdAt: now.toISOString(),
    dueAt: deadline.dueAt,
    beyondKnownCalendar: deadline.beyondKnownCalendar,
  };
  try {
    // The task and its audit event in one transaction: a crash leaves both or neither, and the
    // retried invocation (same token, same task id) then writes both.
    await transactWithAudit(
      documentChain(doc.docId),
      { at: task.createdAt, actor: 'system:route', action: 'task.created', details: { taskId, step: step.id, assignment: task.assignment, dueAt: task.dueAt } },
      [putTaskItem(task, event.taskToken), updateDocumentItem(doc.docId, { currentStep: step.id })],
    );
  } catch (err) {
    // Created by an earlier invocation for the same token: nothing more to do.
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) return { taskId, dueAt: task.dueAt };
    throw err;
  }
  // Email/SMS delivery is not wired yet; the task list is where people find their work.
  logger.info('task created', { taskId, step: step.id, assignee: task.assignment, roleName: ROLE_NAMES[task.assignment.role], dueAt: task.dueAt });
  return { taskId, dueAt: task.dueAt };
}

export const handler = middy((event: CreateTaskEvent) => createTask(event)).use(injectLambdaContext(logger));
