/** One task by the id in the path: a malformed id or an unknown task is a 404 in Chinese, never a table error. */
import { isTaskId } from '../../domain/ids.js';
import { getTask } from '../../adapters/tasks.js';
import { HttpError } from './http.js';

export async function taskOr404(taskId: string) {
  if (!isTaskId(taskId)) throw new HttpError(404, '找不到该待办：待办号应为 24 位十六进制字符，请从待办列表中打开');
  const task = await getTask(taskId);
  if (!task) throw new HttpError(404, `找不到待办 ${taskId}`);
  return task;
}
