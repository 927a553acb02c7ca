/**
 * Delivering a committed decision to the route that waits for it (the outbox's second half),
 * from the API right after the commit and from the reconciler for whatever is still marked.
 */
import { documentChain, transactWithAudit } from './audit.js';
import { now as clock } from './clock.js';
import { logger } from './logger.js';
import { clearAnswerMark, clearAnswerMarkItem, expireTaskItem, type TaskRecord } from './tasks.js';
import { GOTO_ERROR } from '../domain/route-platform.js';
import { completeTask, executionStatus, failTask } from './workflows.js';

/** delivered: the route has it; expired: the route no longer waits (timed out or stopped); pending: try again later. */
export type Delivery = 'delivered' | 'expired' | 'pending';

export async function deliverDecision(task: TaskRecord & { taskToken: string }): Promise<Delivery> {
  try {
    const answer = task.answer ? await failTask(task.taskToken, GOTO_ERROR, task.answer.goto) : await completeTask(task.taskToken, task.decision ?? {});
    if (answer === 'accepted') {
      await clearAnswerMark(task.taskId);
      return 'delivered';
    }
    // The token is no longer waited on: an earlier send got through (this is a resend after a
    // crash), or the step timed out / the execution was stopped. A timed-out step fails the
    // execution, so one still running or finished had our answer.
    const status = await executionStatus(task.executionArn);
    if (status === 'RUNNING' || status === 'SUCCEEDED') {
      await clearAnswerMark(task.taskId);
      return 'delivered';
    }
    const at = clock().toISOString();
    await transactWithAudit(documentChain(task.docId), { at, actor: 'system:route', action: 'task.expired', details: { taskId: task.taskId, step: task.step, executionStatus: status ?? 'missing' } }, [
      expireTaskItem(task.taskId, at),
      clearAnswerMarkItem(task.taskId),
    ]);
    return 'expired';
  } catch (err) {
    // Throttled, unreachable or a 500: the decision is committed and marked; the reconciler resends it.
    logger.warn('decision not yet delivered to its route; the reconciler will resend it', { taskId: task.taskId, error: err as Error });
    return 'pending';
  }
}
