/** Finding a task from a request: by the id in the path, and the route step it is for. */
import { isTaskId } from '../../domain/ids.js';
import { operationRefusal, stepOf, type RouteDefinition, type StepDefinition, type StepOperation } from '../../domain/route-platform.js';
import { routeById } from '../../routes/index.js';
import { getTask, type TaskRecord } from '../../adapters/tasks.js';
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

/** The route module decides which operations a step allows: any other is a 409 naming the step. */
export function requireOperation(task: Pick<TaskRecord, 'route' | 'step'>, op: StepOperation): void {
  const refused = operationRefusal(routeStepOf(task).step, op);
  if (refused) throw new HttpError(409, refused);
}
