/**
 * Leaving a step other than forward (DESIGN.md: the Task's Catch). Each commits its record — task
 * state, slip line, audit event, the "to send" mark — in one transaction, then answers the waiting
 * token with Chancery.Goto and the step to go to (the reconciler resends if that answer is lost):
 *   POST /tasks/{taskId}/return      退回: the assignee sends the document back to an earlier step
 *   POST /tasks/{taskId}/recall      撤回: the previous decider takes it back while the next step has not acted
 *   POST /documents/{docId}/withdraw 撤销: the requester withdraws an internal document nobody has decided yet
 */
import * as z from 'zod';
import { mayRead } from '../../domain/identity.js';
import { isDocId } from '../../domain/ids.js';
import { slipLineFor, type SlipLine } from '../../domain/processing-slip.js';
import { flowSteps, GOTO_WITHDRAWN, mayDecide, returnTargets, stepOf } from '../../domain/route-platform.js';
import { documentChain, transactWithAudit } from '../../adapters/audit.js';
import { now as clock } from '../../adapters/clock.js';
import { getDocument, putSlipLineItem, updateDocumentItem } from '../../adapters/documents.js';
import { TransactionConflict } from '../../adapters/dynamo.js';
import { deliverDecision } from '../../adapters/route-answers.js';
import { answerMarkItem, closeOpenTaskItem, closeSignerItem, decideTaskItem, getTask, listTasksOfDocument, type TaskRecord } from '../../adapters/tasks.js';
import { HttpError, parseWith, type Request } from './http.js';
import { refuseMoveTheRouteCannotTake, refuseStepWithSigners, requireOperation, routeStepOf, taskOr404 } from './task-lookup.js';

const reasonForm = (required: boolean) =>
  z.strictObject(
    {
      ...(required ? { to: z.string({ error: '请选择退回到哪一步（to），如 propose' }).max(64) } : {}),
      reason: required
        ? z.string({ error: '请填写退回理由（reason）' }).trim().min(1, '请填写退回理由（reason）').max(2000, '理由不超过 2000 字')
        : z.string({ error: '理由（reason）应为文字' }).trim().max(2000, '理由不超过 2000 字').optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段；可填写：${required ? 'to、' : ''}reason` : '请求内容应为 JSON 对象') },
  );

const slipLine = slipLineFor;

/** The task a route waits on (not a co-handler's or a signer's, which answer no route). */
const routeTask = (t: TaskRecord) => !t.coOf && !t.signOf;

/** Co-handlers' and signers' tasks still open under a step task that is closing: they close with it. */
const companionsClosing = (tasks: TaskRecord[], stepTaskId: string, at: string) =>
  tasks.filter((t) => (t.coOf === stepTaskId || t.signOf === stepTaskId) && (t.status === 'open' || t.status === 'waiting')).map((t) => closeSignerItem(t.taskId, 'closed', at));

async function answer(task: TaskRecord & { taskToken: string }, goto: string) {
  const delivery = await deliverDecision({ ...task, answer: { goto } });
  if (delivery === 'expired') throw new HttpError(409, '已记录，但流程已不再等待此步骤（已超时或已终止），请联系办公室');
  return delivery;
}

export async function returnTask({ actor, params, body }: Request) {
  const task = await taskOr404(params.taskId);
  const input = parseWith(reasonForm(true), body) as { to: string; reason: string };
  if (task.status !== 'open') throw new HttpError(409, '该待办已办理或已失效，不能退回');
  requireOperation(task, 'return');
  if (!mayDecide(actor, task.assignment) || !mayRead(actor, task.secrecy)) throw new HttpError(403, `该待办不由您（${actor.name}）办理，不能退回`);
  if (task.signOf) throw new HttpError(409, '会签中不能单独退回；如不同意，请签署不同意意见（agree: false）');
  refuseStepWithSigners(task);
  const { route, step } = routeStepOf(task);
  const order = flowSteps(route.flow);
  const target = stepOf(route, input.to);
  // A step skipped as late (超时跳过) was passed too: filing may send the document back to it.
  const done = new Set((await listTasksOfDocument(task.docId)).filter((t) => t.status === 'decided' || t.status === 'skipped').map((t) => t.step));
  const earlier = returnTargets(route, step).filter((id) => done.has(id));
  if (!target || !earlier.includes(target.id)) {
    const choices = earlier.map((id) => `${id}（${stepOf(route, id)!.name}）`).join('、');
    const none = order.indexOf(task.step) === 0 ? '这是第一步，没有可退回的步骤' : `「${step.name}」步骤目前没有可退回的步骤`;
    throw new HttpError(400, choices ? `只能退回到已办理的前面步骤：${choices}` : none);
  }
  await refuseMoveTheRouteCannotTake(task, target.id, '退回');
  const at = clock().toISOString();
  const decision = { action: 'return', to: target.id, toName: target.name, opinion: input.reason, by: actor.username, byName: actor.name, at };
  try {
    await transactWithAudit(
      documentChain(task.docId),
      { at, actor: actor.username, action: 'task.returned', details: { taskId: task.taskId, step: task.step, to: target.id, reason: input.reason } },
      [
        decideTaskItem(task.taskId, actor, at, decision, { goto: target.id }),
        updateDocumentItem(task.docId, { moved: true }),
        putSlipLineItem(task.docId, slipLine(task, actor, at, input.reason, [{ label: '退回至', value: target.name }]), task.taskId),
        answerMarkItem(task, at),
      ],
    );
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new HttpError(409, '该待办刚刚已被办理，不能退回');
    throw err;
  }
  const delivery = await answer({ ...task, decision }, target.id);
  return { taskId: task.taskId, status: 'returned', to: target.id, toName: target.name, routeNotified: delivery === 'delivered' };
}

export async function recallTask({ actor, params, body }: Request) {
  const mine = await taskOr404(params.taskId);
  const input = parseWith(reasonForm(false), body) as { reason?: string };
  if (mine.status !== 'decided' || mine.decidedBy !== actor.username) throw new HttpError(403, '只能撤回本人已办理的待办');
  if (mine.decision?.action === 'return') throw new HttpError(409, '退回的待办不能撤回');
  if (!routeTask(mine)) throw new HttpError(409, '协办反馈或会签意见不能撤回；如需更正请联系办公室');
  requireOperation(mine, 'recall');
  const after = (await listTasksOfDocument(mine.docId)).filter((t) => t.createdAt >= String(mine.decidedAt) && t.taskId !== mine.taskId);
  const next = after.find((t) => t.status === 'open' && routeTask(t));
  // A step skipped as late (超时跳过) has moved on too: what follows it is no longer the next step.
  if (!next || after.some((t) => t.status === 'decided' || t.status === 'skipped')) throw new HttpError(409, '下一步已办理（或流程已结束），不能撤回；如需更改请联系下一步办理人退回');
  const nextTask = (await getTask(next.taskId))!;
  await refuseMoveTheRouteCannotTake(nextTask, mine.step, '撤回');
  const at = clock().toISOString();
  const reason = input.reason || '撤回重新办理';
  try {
    await transactWithAudit(
      documentChain(mine.docId),
      { at, actor: actor.username, action: 'task.recalled', details: { taskId: mine.taskId, step: mine.step, recalledTask: next.taskId, recalledStep: next.step, reason } },
      [
        closeOpenTaskItem(next.taskId, 'recalled', actor, at, mine.step),
        updateDocumentItem(mine.docId, { moved: true }),
        ...companionsClosing(after, next.taskId, at),
        putSlipLineItem(mine.docId, slipLine(mine, actor, at, reason, [{ label: '撤回', value: `${next.stepName}（尚未办理）` }]), `${next.taskId}-recall`),
        answerMarkItem(next, at),
      ],
    );
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new HttpError(409, '下一步刚刚已办理，不能撤回');
    throw err;
  }
  const delivery = await answer(nextTask, mine.step);
  return { taskId: mine.taskId, status: 'recalled', recalledTask: next.taskId, step: mine.step, stepName: mine.stepName, routeNotified: delivery === 'delivered' };
}

export async function withdrawDocument({ actor, params, body }: Request) {
  if (!isDocId(params.docId)) throw new HttpError(404, '找不到该文件：文件号应为 20 位十六进制字符');
  const input = parseWith(reasonForm(false), body) as { reason?: string };
  const doc = await getDocument(params.docId);
  if (!doc) throw new HttpError(404, `找不到文件 ${params.docId}`);
  if (doc.requester?.username !== actor.username) throw new HttpError(403, '只有提交人可以撤销本文件');
  const tasks = await listTasksOfDocument(doc.docId);
  if (doc.status !== 'in-progress' || tasks.some((t) => t.status === 'decided')) throw new HttpError(409, '本文件已有批示或已办结，不能撤销');
  const open = tasks.find((t) => t.status === 'open' && routeTask(t));
  if (!open) throw new HttpError(409, '流程正在流转，请稍后再撤销');
  const openTask = (await getTask(open.taskId))!;
  const at = clock().toISOString();
  const reason = input.reason || '提交人撤销';
  const line: SlipLine = { step: 'withdraw', stepName: '撤销', actorName: actor.name, actorUsername: actor.username, role: '提交人', at, opinion: reason, details: [] };
  try {
    await transactWithAudit(
      documentChain(doc.docId),
      { at, actor: actor.username, action: 'document.withdrawn', details: { reason, openTask: open.taskId } },
      [
        closeOpenTaskItem(open.taskId, 'withdrawn', actor, at, GOTO_WITHDRAWN),
        updateDocumentItem(doc.docId, { status: 'withdrawn' }),
        ...companionsClosing(tasks, open.taskId, at),
        putSlipLineItem(doc.docId, line, `${open.taskId}-withdraw`),
        answerMarkItem(open, at),
      ],
    );
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new HttpError(409, '刚刚已有人办理，不能撤销');
    throw err;
  }
  const delivery = await answer(openTask, GOTO_WITHDRAWN);
  return { docId: doc.docId, status: 'withdrawn', routeNotified: delivery === 'delivered' };
}
