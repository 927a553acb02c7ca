/** The real superior-key route (statemachines/superior-key.asl.json) through its five human steps. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { functionArn, repoRoot, substituteDefinition } from '../../infra/local/wiring.js';
import { closeEngines, historyTypes, lambdaError, newEngine, removeTempDirs } from './helpers.js';

afterEach(async () => {
  await closeEngines();
  removeTempDirs();
});

const definition = substituteDefinition(readFileSync(join(repoRoot, 'statemachines/superior-key.asl.json'), 'utf8'), {
  CreateTaskFunctionArn: functionArn('test', 'create-task'),
  ArchiveFunctionArn: functionArn('test', 'archive'),
  LambdaInvokeWaitForTaskToken: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  LambdaInvoke: 'arn:aws:states:::lambda:invoke',
});
const STEPS = ['propose', 'instruct', 'deputyHandle', 'departmentHandle', 'file'];

describe('superior-key route', () => {
  it('runs register → propose → instruct → deputy → department → file → archive', async () => {
    const created: { step: string; taskToken: string; executionArn: string; docId: string; decisions: object }[] = [];
    const archived: unknown[] = [];
    const engine = newEngine({
      invoke: async (arn: string, payload: any) => {
        if (arn === functionArn('test', 'create-task')) {
          created.push(payload);
          return { taskId: `task-${created.length}` };
        }
        if (arn === functionArn('test', 'archive')) {
          archived.push(payload);
          return { archiveCode: 'A-2025-Y10-0001', prefix: 'archive/A-2025-Y10-0001/' };
        }
        throw new Error(`unexpected ${arn}`);
      },
    });
    const { stateMachineArn } = await engine.createStateMachine({ name: 'chancery-test-superior-key', definition });
    const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'doc-001', input: JSON.stringify({ docId: 'doc-001', decisions: {} }) });

    for (const [i, step] of STEPS.entries()) {
      await engine.whenIdle(executionArn);
      expect(created).toHaveLength(i + 1);
      const task = created[i]!;
      expect(task).toMatchObject({ step, route: 'superior-key', docId: 'doc-001', executionArn });
      expect(Object.keys(task.decisions)).toEqual(STEPS.slice(0, i));
      await engine.sendTaskSuccess({ taskToken: task.taskToken, output: JSON.stringify({ by: `user-${step}`, decision: 'done' }) });
    }
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output!);
    expect(output.archive).toEqual({ archiveCode: 'A-2025-Y10-0001', prefix: 'archive/A-2025-Y10-0001/' });
    expect(Object.keys(output.decisions)).toEqual(STEPS);
    expect(output.decisions.file).toEqual({ by: 'user-file', decision: 'done' });
    expect(archived).toEqual([{ executionArn, route: 'superior-key', docId: 'doc-001', decisions: output.decisions }]);
    const types = await historyTypes(engine, executionArn);
    expect(types.filter((t) => t === 'TaskSubmitted')).toHaveLength(5);
    expect(types.slice(-5)).toEqual(['TaskSucceeded', 'TaskStateExited', 'SucceedStateEntered', 'SucceedStateExited', 'ExecutionSucceeded']);
  });

  it('a task creation that fails with Chancery.Retryable is tried again after a pause, and the route goes on', async () => {
    const calls: { at: number; step: string }[] = [];
    const engine = newEngine({
      invoke: async (_arn: string, p: any) => {
        calls.push({ at: Date.now(), step: p.step });
        if (calls.length === 1) throw lambdaError('Chancery.Retryable', 'TransactionConflict: throttled');
        return { taskId: 't' };
      },
    });
    const { stateMachineArn } = await engine.createStateMachine({ name: 'sk-retry', definition });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ docId: 'd', decisions: {} }) });
    const deadline = Date.now() + 10_000;
    while (calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await engine.whenIdle(executionArn);
    expect(calls.map((c) => c.step)).toEqual(['propose', 'propose']);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1900);
    const history = await historyTypes(engine, executionArn);
    expect(history).not.toContain('ExecutionFailed');
    await engine.stopExecution({ executionArn });
  });

  it('a rejected token answer (SendTaskFailure) with no matching Catch fails the route', async () => {
    const tokens: string[] = [];
    const engine = newEngine({ invoke: async (_arn: string, p: any) => { tokens.push(p.taskToken); return {}; } });
    const { stateMachineArn } = await engine.createStateMachine({ name: 'sk', definition });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ docId: 'd', decisions: {} }) });
    await engine.whenIdle(executionArn);
    await engine.sendTaskFailure({ taskToken: tokens[0]!, error: 'Chancery.Withdrawn', cause: 'document withdrawn' });
    expect(await engine.waitForExecution(executionArn)).toMatchObject({ status: 'FAILED', error: 'Chancery.Withdrawn' });
  });
});
