/** Durability: executions survive closing the engine and starting a new one on the same dataDir. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngines, FakeLambdas, fnArn, historyTypes, newEngine, removeTempDirs, run, sleep, tempDir, tokenMachine } from './helpers.js';

afterEach(async () => {
  await closeEngines();
  removeTempDirs();
});

const tokenLambdas = (tokens: string[]) => new FakeLambdas().on('create-task', (p: { token: string }) => { tokens.push(p.token); return { ok: 1 }; });

describe('restart', () => {
  it('a task waiting for a token survives a restart; the old token completes it with full history', async () => {
    const dataDir = tempDir();
    const tokens: string[] = [];
    const first = newEngine({ dataDir, lambdas: tokenLambdas(tokens) });
    const def = tokenMachine({ End: undefined, Next: 'After', HeartbeatSeconds: 3600, TimeoutSeconds: 7200 }, { After: { Type: 'Pass', Parameters: { 'answer.$': '$.answer', 'name.$': '$$.Execution.Name' }, End: true } });
    const { executionArn } = await run(first, def, { doc: 'D9' }, 'doc-9');
    await first.whenIdle(executionArn);
    const before = await historyTypes(first, executionArn);
    await first.close();
    expect(readdirSync(join(dataDir, 'executions'))).toHaveLength(1);

    const second = newEngine({ dataDir, lambdas: tokenLambdas(tokens) });
    await second.start();
    expect(await historyTypes(second, executionArn)).toEqual(before);
    await second.sendTaskHeartbeat({ taskToken: tokens[0]! });
    await second.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"decision":"approve"}' });
    const done = await second.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ answer: { decision: 'approve' }, name: 'doc-9' });
    expect(tokens).toHaveLength(1); // the task was not re-created
    expect(await historyTypes(second, executionArn)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted',
      'TaskSucceeded', 'TaskStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded',
    ]);
    await second.close();

    // A third engine still lists and describes the finished execution.
    const third = newEngine({ dataDir, lambdas: new FakeLambdas() });
    expect(await third.describeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED', output: done.output });
    expect((await third.listExecutions({ stateMachineArn: done.stateMachineArn! })).executions!.map((e) => e.name)).toEqual(['doc-9']);
  });

  it('a Lambda call in flight when the process died is invoked again', async () => {
    const dataDir = tempDir();
    const hanging = new FakeLambdas().on('work', () => new Promise(() => {}));
    const first = newEngine({ dataDir, lambdas: hanging });
    const { executionArn } = await run(first, { StartAt: 'W', States: { W: { Type: 'Task', Resource: fnArn('work'), End: true } } }, { n: 1 });
    await sleep(20);
    expect(hanging.calls).toHaveLength(1);
    await first.close();

    const working = new FakeLambdas().on('work', (p: { n: number }) => ({ n: p.n + 1 }));
    const second = newEngine({ dataDir, lambdas: working });
    await second.start();
    const done = await second.waitForExecution(executionArn);
    expect(done.output).toBe('{"n":2}');
    expect(working.calls).toHaveLength(1);
  });

  it('Wait and retry timers are re-armed from their stored deadlines', async () => {
    const dataDir = tempDir();
    let failures = 0;
    const lambdas = () => new FakeLambdas().on('flaky', () => { if (failures++ === 0) throw Object.assign(new Error('x'), { name: 'Flaky' }); return 'ok'; });
    const first = newEngine({ dataDir, lambdas: lambdas() });
    const def = {
      StartAt: 'Wait',
      States: {
        Wait: { Type: 'Wait', Seconds: 1, Next: 'T' },
        T: { Type: 'Task', Resource: fnArn('flaky'), Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1 }], End: true },
      },
    };
    const { executionArn } = await run(first, def, {});
    await first.close();
    const second = newEngine({ dataDir, lambdas: lambdas() });
    await second.start();
    await sleep(1200); // Wait fired, first attempt failed, retry pending
    expect(failures).toBe(1);
    await second.close();
    const third = newEngine({ dataDir, lambdas: lambdas() });
    await third.start();
    expect((await third.waitForExecution(executionArn)).output).toBe('"ok"');
  });

  it('a deadline that passed while the process was down fires at start (the 90-day backstop)', async () => {
    const dataDir = tempDir();
    const tokens: string[] = [];
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    const first = newEngine({ dataDir, lambdas: tokenLambdas(tokens), now: () => t0 });
    const def = tokenMachine({ TimeoutSeconds: 7776000, End: undefined, Next: 'Ok', Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Expired' }] }, { Ok: { Type: 'Succeed' }, Expired: { Type: 'Fail', Error: 'Chancery.StepExpired' } });
    const { executionArn } = await run(first, def, { doc: 'D' });
    await first.whenIdle(executionArn);
    await first.close();
    const second = newEngine({ dataDir, lambdas: tokenLambdas(tokens), now: () => t0 + 91 * 86_400_000 });
    await second.start();
    expect(await second.waitForExecution(executionArn)).toMatchObject({ status: 'FAILED', error: 'Chancery.StepExpired' });
  });

  it('a new definition registered at restart (a deploy) leaves a running execution on the one it started with', async () => {
    const dataDir = tempDir();
    const tokens: string[] = [];
    const v1 = tokenMachine({ End: undefined, Next: 'Old' }, { Old: { Type: 'Pass', Result: 'v1', ResultPath: '$.graph', End: true } });
    const v2 = tokenMachine({ End: undefined, Next: 'New' }, { New: { Type: 'Pass', Result: 'v2', ResultPath: '$.graph', End: true } });
    const t0 = Date.parse('2026-11-22T06:00:00Z');
    const first = newEngine({ dataDir, lambdas: tokenLambdas(tokens), now: () => t0 });
    const { stateMachineArn, executionArn } = await run(first, v1, { doc: 'old' });
    await first.whenIdle(executionArn);
    await first.close();

    const t1 = t0 + 2 * 86_400_000;
    const second = newEngine({ dataDir, lambdas: tokenLambdas(tokens), now: () => t1 });
    await second.createStateMachine({ name: 'm', definition: JSON.stringify(v2) });
    await second.start();
    expect((await second.describeStateMachine({ stateMachineArn })).definition).toBe(JSON.stringify(v2));
    const kept = await second.describeStateMachineForExecution({ executionArn });
    expect(kept).toMatchObject({ stateMachineArn, name: 'm', definition: JSON.stringify(v1) });
    expect(kept.updateDate.getTime()).toBe(t0);
    const fresh = await second.startExecution({ stateMachineArn, input: '{"doc":"new"}' });
    await second.whenIdle(fresh.executionArn);
    const renewed = await second.describeStateMachineForExecution({ executionArn: fresh.executionArn });
    expect(renewed.definition).toBe(JSON.stringify(v2));
    expect(renewed.updateDate.getTime()).toBe(t1);

    await second.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"ok":1}' });
    await second.sendTaskSuccess({ taskToken: tokens[1]!, output: '{"ok":2}' });
    expect(JSON.parse((await second.waitForExecution(executionArn)).output!).graph).toBe('v1');
    expect(JSON.parse((await second.waitForExecution(fresh.executionArn)).output!).graph).toBe('v2');
    await expect(second.describeStateMachineForExecution({ executionArn: `${executionArn}x` })).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
