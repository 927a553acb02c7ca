/** Finding a task from a request: by the id in the path, and the route step it is for. */
import { isTaskId } from '../../domain/ids.js';
import type { Actor } from '../../domain/identity.js';
import { operationRefusal, stepOf, type RouteDefinition, type StepDefinition, type StepOperation } from '../../domain/route-platform.js';
import { routeById } from '../../routes/index.js';
import { formatSlipTime } from '../../domain/processing-slip.js';
import { asl, gotoTargetsFrom } from '../../domain/route-upgrade.js';
import { getTask, type TaskRecord } from '../../adapters/tasks.js';
import { executionDefinition } from '../../adapters/workflows.js';
import { HttpError } from './http.js';

/** A malformed id or an unknown task is a 404 in Chinese, never a table error. */
export async function taskOr404(taskId: string) {
  if (!isTaskId(taskId)) throw new HttpError(404, '找不到该待办：待办号应为 24 位十六进制字符，请从待办列表中打开');
  const task = await getTask(taskId);
  if (!task) throw new HttpError(404, `找不到待办 ${taskId}`);
  return task;
}

/** The route and step a task is for, from its route module (a task names both). */
export function routeStepOf(task: Pick<TaskRecord, 'route' | 'step'>): { route: RouteDefinition; step: StepDefinition } {
  const route = routeById(task.route);
  const step = route && stepOf(route, task.step);
  if (!route || !step) throw new Error(`task names unknown step ${task.step} of route ${task.route}`);
  return { route, step };
}

export const SKIPPED = '该待办已超时跳过，流程已转下一步，不能再办理';

/** Someone decided it first (or the sweep skipped it as late): who and when, in the 409 the user sees. */
export function alreadyDecided(task: TaskRecord): HttpError {
  if (task.status === 'skipped') return new HttpError(409, SKIPPED);
  const when = task.decidedAt ? formatSlipTime(task.decidedAt) : '';
  return new HttpError(409, `该待办已由 ${task.decidedByName ?? task.decidedBy} 于 ${when} 办理，不能重复办理`, {
    decidedBy: task.decidedBy,
    decidedByName: task.decidedByName,
    decidedAt: task.decidedAt,
  });
}

/** The step task of a step with signers (会签 …) is decided by their plan, never directly. */
export function refuseStepWithSigners(task: Pick<TaskRecord, 'signing'>): void {
  if (task.signing) throw new HttpError(409, '本步骤由多人签署（会签），请在各自的会签待办中办理；调整签署人员请用加签、减签');
}

/** The route module decides which operations a step allows: any other is a 409 naming the step. */
export function requireOperation(task: Pick<TaskRecord, 'route' | 'step'>, op: StepOperation): void {
  const refused = operationRefusal(routeStepOf(task).step, op);
  if (refused) throw new HttpError(409, refused);
}

/** What every decision answers: which task, who decided it and when. */
export const decidedReply = (task: Pick<TaskRecord, 'taskId' | 'step'>, actor: Actor, at: string, stepName: string) => ({
  taskId: task.taskId,
  status: 'decided' as const,
  decidedBy: actor.username,
  decidedAt: at,
  step: task.step,
  stepName,
});

/**
 * A document started before a deploy goes on on the graph it started with (infra/DEPLOY.md,
 * "Upgrading a branch"). Answering its waiting task with a Goto (退回, 撤回, 直送, back to 签发) that
 * graph cannot take would fail the execution instead of moving the document, so such a move is
 * refused before anything is recorded: the document goes on forward.
 */
export async function refuseMoveTheRouteCannotTake(waiting: Pick<TaskRecord, 'executionArn' | 'step' | 'route'>, target: string, move: string): Promise<void> {
  const definition = await executionDefinition(waiting.executionArn);
  // No execution: the answer finds out and marks the task expired, as for any route that ended.
  if (definition === undefined || gotoTargetsFrom(asl(definition), waiting.step).includes(target)) return;
  const targetName = stepOf(routeById(waiting.route)!, target)?.name ?? target;
  throw new HttpError(409, `本文件仍按升级前的流程办理，该流程不能${move}到「${targetName}」；请按流程继续办理，需要改动的请联系办公室`);
}
