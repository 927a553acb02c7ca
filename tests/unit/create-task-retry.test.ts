/** create-task answers any failure as Chancery.Retryable, which every Task state retries (infra/asl.ts). */
import { describe, expect, it } from 'vitest';
import { createTaskOrRetry } from '../../functions/handlers/create-task.js';
import { aslOf } from '../../infra/asl.js';
import { ROUTES } from '../../functions/routes/index.js';
import { GOTO_ERROR, RETRYABLE_ERROR } from '../../functions/domain/route-platform.js';

describe('task creation failures', () => {
  it('come out as Chancery.Retryable, naming what failed', async () => {
    const failed = createTaskOrRetry({ taskToken: 't', executionArn: 'e', route: 'superior-key', step: 'nope', docId: 'd', decisions: {} });
    await expect(failed).rejects.toMatchObject({ name: RETRYABLE_ERROR, message: expect.stringContaining('unknown step nope') });
  });

  it('are retried by every human step of every route, and Chancery.Goto never is', () => {
    for (const route of Object.values(ROUTES)) {
      const states = Object.values((aslOf(route) as { States: Record<string, any> }).States).filter((s) => s.Resource === '${LambdaInvokeWaitForTaskToken}');
      for (const state of states) {
        const retried = state.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals);
        expect(retried, route.id).toContain(RETRYABLE_ERROR);
        expect(retried).not.toContain(GOTO_ERROR);
        expect(retried).not.toContain('States.ALL');
        expect(retried).not.toContain('States.TaskFailed');
      }
    }
  });
});
