/** The engine's behaviour with task tokens, timeouts, Retry/Catch, idempotent starts and paging. */
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngines, FakeLambdas, fnArn, historyTypes, lambdaError, newEngine, removeTempDirs, run, sleep, tokenMachine } from './helpers.js';

afterEach(async () => {
  await closeEngines();
  removeTempDirs();
});

function tokenLambdas() {
  const tokens: string[] = [];
  const lambdas = new FakeLambdas().on('create-task', (p: { token: string }) => {
    tokens.push(p.token);
    return { taskId: `t${tokens.length}` };
  });
  return { lambdas, tokens };
}

describe('task tokens', () => {
  it('waits for SendTaskSuccess, then a second answer is TaskTimedOut', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const { executionArn } = await run(engine, tokenMachine(), { doc: 'D1' });
    await engine.whenIdle(executionArn);
    expect(tokens).toHaveLength(1);
    expect(lambdas.calls[0]!.payload).toEqual({ token: tokens[0], doc: 'D1' });
    expect((await engine.describeExecution({ executionArn })).status).toBe('RUNNING');
    expect(await historyTypes(engine, executionArn)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted']);

    await engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"decision":"approve"}' });
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ doc: 'D1', answer: { decision: 'approve' } });
    await expect(engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' })).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(engine.sendTaskHeartbeat({ taskToken: tokens[0]! })).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(engine.sendTaskSuccess({ taskToken: 'garbage', output: '{}' })).rejects.toMatchObject({ name: 'InvalidToken' });
    const history = (await engine.getExecutionHistory({ executionArn })).events!;
    expect(history.map((e) => e.type).slice(-3)).toEqual(['TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
    expect(history[2]!.taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', region: 'us-east-1' });
    expect(history[0]!.timestamp).toBeInstanceOf(Date);
  });

  it('rejects output that is not JSON with InvalidOutput and keeps waiting', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const { executionArn } = await run(engine, tokenMachine(), { doc: 'D' });
    await engine.whenIdle(executionArn);
    await expect(engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{nope' })).rejects.toMatchObject({ name: 'InvalidOutput' });
    expect((await engine.describeExecution({ executionArn })).status).toBe('RUNNING');
  });

  it('routes SendTaskFailure through Catch with {Error, Cause}', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const def = tokenMachine(
      { End: undefined, Next: 'Done', Catch: [{ ErrorEquals: ['Chancery.Rejected'], ResultPath: '$.failure', Next: 'Rejected' }] },
      { Done: { Type: 'Succeed' }, Rejected: { Type: 'Pass', End: true } },
    );
    const { executionArn } = await run(engine, def, { doc: 'D2' });
    await engine.whenIdle(executionArn);
    await engine.sendTaskFailure({ taskToken: tokens[0]!, error: 'Chancery.Rejected', cause: 'not ours' });
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ doc: 'D2', failure: { Error: 'Chancery.Rejected', Cause: 'not ours' } });
    const types = await historyTypes(engine, executionArn);
    expect(types).toContain('TaskFailed');
    expect(types.slice(-3)).toEqual(['PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });

  it('an uncaught SendTaskFailure fails the execution', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const { executionArn } = await run(engine, tokenMachine(), { doc: 'D' });
    await engine.whenIdle(executionArn);
    await engine.sendTaskFailure({ taskToken: tokens[0]!, error: 'Boom', cause: 'why' });
    expect(await engine.waitForExecution(executionArn)).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'why' });
  });
});

describe('timeouts', () => {
  it('a missing heartbeat times the task out; heartbeats keep it alive', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const def = tokenMachine({
      HeartbeatSeconds: 1,
      TimeoutSeconds: 60,
      End: undefined,
      Next: 'Done',
      Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.failure', Next: 'Done' }],
    }, { Done: { Type: 'Succeed' } });
    const { executionArn } = await run(engine, def, { doc: 'D' });
    await engine.whenIdle(executionArn);
    // Three heartbeats 500 ms apart carry the task past its 1 s heartbeat window.
    for (let i = 0; i < 3; i++) {
      await sleep(500);
      await engine.sendTaskHeartbeat({ taskToken: tokens[0]! });
    }
    expect((await engine.describeExecution({ executionArn })).status).toBe('RUNNING');
    const done = await engine.waitForExecution(executionArn);
    expect(JSON.parse(done.output!).failure.Error).toBe('States.Timeout');
    expect(await historyTypes(engine, executionArn)).toContain('TaskTimedOut');
    await expect(engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' })).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('TimeoutSeconds raises States.Timeout (uncaught: the execution fails)', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const { executionArn } = await run(engine, tokenMachine({ TimeoutSeconds: 1 }), { doc: 'D' });
    const done = await engine.waitForExecution(executionArn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    await expect(engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' })).rejects.toMatchObject({ name: 'TaskTimedOut' });
    const { events } = await engine.getExecutionHistory({ executionArn });
    expect(events!.find((e) => e.type === 'TaskTimedOut')!.taskTimedOutEventDetails).toMatchObject({ error: 'States.Timeout' });
  });

  it('TimeoutSecondsPath bounds a slow Lambda', async () => {
    const lambdas = new FakeLambdas().on('slow', () => sleep(5000));
    const engine = newEngine({ lambdas });
    const def = {
      StartAt: 'Slow',
      States: {
        Slow: { Type: 'Task', Resource: fnArn('slow'), TimeoutSecondsPath: '$.t', Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Late' }], End: true },
        Late: { Type: 'Pass', Result: 'late', End: true },
      },
    };
    const { executionArn } = await run(engine, def, { t: 1 });
    const done = await engine.waitForExecution(executionArn);
    expect(JSON.parse(done.output!)).toBe('late');
    expect(await historyTypes(engine, executionArn)).toContain('LambdaFunctionTimedOut');
  });
});

describe('Retry', () => {
  it('retries MaxAttempts times per matching retrier, then Catch', async () => {
    const lambdas = new FakeLambdas()
      .on('flaky', () => {
        if (lambdas.callsTo('flaky').length < 3) throw lambdaError('Lambda.TooManyRequestsException', 'slow down');
        return { ok: true };
      })
      .on('broken', () => {
        throw lambdaError('Chancery.Broken', 'always');
      });
    const engine = newEngine({ lambdas });
    const retry = [
      { ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 0, MaxAttempts: 3 },
      { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 0, MaxAttempts: 2 },
    ];
    const def = {
      StartAt: 'Flaky',
      States: {
        Flaky: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'flaky', 'Payload.$': '$' }, Retry: retry, ResultSelector: { 'ok.$': '$.Payload.ok' }, ResultPath: '$.flaky', Next: 'Broken' },
        Broken: { Type: 'Task', Resource: fnArn('broken'), Retry: retry, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'End' }], End: true },
        End: { Type: 'Succeed' },
      },
    };
    const { executionArn } = await run(engine, def, {});
    const done = await engine.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(lambdas.callsTo('flaky')).toHaveLength(3);
    expect(lambdas.callsTo('broken')).toHaveLength(3); // first attempt + MaxAttempts 2 of the TaskFailed retrier
    const out = JSON.parse(done.output!);
    expect(out.flaky).toEqual({ ok: true });
    expect(out.err.Error).toBe('Chancery.Broken');
    expect(JSON.parse(out.err.Cause)).toMatchObject({ errorType: 'Chancery.Broken', errorMessage: 'always' });
  });

  it('waits IntervalSeconds × BackoffRate^n, capped by MaxDelaySeconds', async () => {
    const lambdas = new FakeLambdas()
      .on('a', () => { throw lambdaError('E', 'x'); })
      .on('b', () => { throw lambdaError('E', 'x'); });
    const engine = newEngine({ lambdas });
    const task = (fn: string, r: object) => ({ StartAt: 'T', States: { T: { Type: 'Task', Resource: fnArn(fn), Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2, ...r }], End: true } } });
    const { stateMachineArn: smA } = await engine.createStateMachine({ name: 'a', definition: JSON.stringify(task('a', { IntervalSeconds: 1, BackoffRate: 1.5 })) });
    const { stateMachineArn: smB } = await engine.createStateMachine({ name: 'b', definition: JSON.stringify(task('b', { IntervalSeconds: 1, BackoffRate: 10, MaxDelaySeconds: 1 })) });
    const [ea, eb] = await Promise.all([engine.startExecution({ stateMachineArn: smA }), engine.startExecution({ stateMachineArn: smB })]);
    const [da, db] = await Promise.all([engine.waitForExecution(ea.executionArn!), engine.waitForExecution(eb.executionArn!)]);
    expect(da.status).toBe('FAILED');
    expect(db.status).toBe('FAILED');
    const gaps = (name: string) => lambdas.callsTo(name).map((c, i, all) => (i === 0 ? 0 : c.at - all[i - 1]!.at)).slice(1);
    const [a1, a2] = gaps('a');
    expect(a1).toBeGreaterThanOrEqual(950);
    expect(a2).toBeGreaterThanOrEqual(1450);
    const [b1, b2] = gaps('b');
    expect(b1).toBeGreaterThanOrEqual(950);
    expect(b2).toBeLessThan(5000); // 10 s uncapped
  });

  it('States.Runtime is neither retried nor caught', async () => {
    const lambdas = new FakeLambdas().on('f', () => ({}));
    const engine = newEngine({ lambdas });
    const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: fnArn('f'), Parameters: { 'x.$': '$.missing' }, Retry: [{ ErrorEquals: ['States.ALL'] }], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'C' }], End: true }, C: { Type: 'Succeed' } } };
    const { executionArn } = await run(engine, def, {});
    expect(await engine.waitForExecution(executionArn)).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(lambdas.calls).toHaveLength(0);
  });
});

describe('executions', () => {
  it('StartExecution by name is idempotent while running with the same input', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const { stateMachineArn, executionArn } = await run(engine, tokenMachine(), { doc: 'A' }, 'doc-A');
    const again = await engine.startExecution({ stateMachineArn, name: 'doc-A', input: '{ "doc": "A" }' });
    expect(again.executionArn).toBe(executionArn);
    expect(again.startDate).toEqual((await engine.describeExecution({ executionArn })).startDate);
    await expect(engine.startExecution({ stateMachineArn, name: 'doc-A', input: '{"doc":"B"}' })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await engine.whenIdle(executionArn);
    expect(tokens).toHaveLength(1); // the duplicate started nothing
    await engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' });
    await engine.waitForExecution(executionArn);
    await expect(engine.startExecution({ stateMachineArn, name: 'doc-A', input: '{"doc":"A"}' })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('validates ARNs, names, inputs and definitions with the AWS error names', async () => {
    const engine = newEngine({ lambdas: new FakeLambdas() });
    const { stateMachineArn } = await run(engine, { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    await expect(engine.describeExecution({ executionArn: 'nope' })).rejects.toMatchObject({ name: 'InvalidArn' });
    await expect(engine.describeExecution({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:none' })).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(engine.startExecution({ stateMachineArn: `${stateMachineArn}x` })).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(engine.startExecution({ stateMachineArn, input: '{' })).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    const bad = async (definition: object) => engine.createStateMachine({ name: 'bad', definition: JSON.stringify(definition) });
    await expect(bad({ StartAt: 'X', States: { X: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } })).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining('not supported locally') });
    await expect(bad({ StartAt: 'X', States: { X: { Type: 'Pass', Next: 'Y' } } })).rejects.toMatchObject({ name: 'InvalidDefinition' });
    await expect(bad({ StartAt: 'X', States: { X: { Type: 'Pass', End: true }, Y: { Type: 'Pass', End: true } } })).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining('not reachable') });
    await expect(bad({ QueryLanguage: 'JSONata', StartAt: 'X', States: { X: { Type: 'Pass', End: true } } })).rejects.toMatchObject({ name: 'InvalidDefinition' });
    await expect(bad({ StartAt: 'X', States: { X: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true } } })).rejects.toMatchObject({ name: 'InvalidDefinition' });
  });

  it('lists, describes and pages executions and history; stops a running one', async () => {
    const { lambdas, tokens } = tokenLambdas();
    const engine = newEngine({ lambdas });
    const { stateMachineArn } = await run(engine, tokenMachine(), { doc: 0 }, 'e0');
    for (let i = 1; i < 5; i++) await engine.startExecution({ stateMachineArn, name: `e${i}`, input: JSON.stringify({ doc: i }) });
    await engine.whenIdle();
    await engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' });
    await engine.stopExecution({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:e1`, error: 'Chancery.Withdrawn', cause: 'by clerk' });
    await engine.whenIdle();

    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await engine.listExecutions({ stateMachineArn, maxResults: 2, ...(nextToken ? { nextToken } : {}) });
      expect(page.executions!.length).toBeLessThanOrEqual(2);
      names.push(...page.executions!.map((e) => e.name!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toEqual(['e4', 'e3', 'e2', 'e1', 'e0']);
    expect((await engine.listExecutions({ stateMachineArn, statusFilter: 'RUNNING' })).executions!.map((e) => e.name)).toEqual(['e4', 'e3', 'e2']);
    expect((await engine.listExecutions({ stateMachineArn, statusFilter: 'ABORTED' })).executions!.map((e) => e.name)).toEqual(['e1']);
    const aborted = await engine.describeExecution({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:e1` });
    expect(aborted).toMatchObject({ status: 'ABORTED', error: 'Chancery.Withdrawn', cause: 'by clerk' });
    expect(aborted.stopDate).toBeInstanceOf(Date);

    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:e0`;
    const all = (await engine.getExecutionHistory({ executionArn })).events!;
    const paged: number[] = [];
    nextToken = undefined;
    do {
      const page = await engine.getExecutionHistory({ executionArn, maxResults: 3, reverseOrder: true, ...(nextToken ? { nextToken } : {}) });
      paged.push(...page.events!.map((e) => e.id!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(all.map((e) => e.id).reverse());
    for (const e of all.slice(1)) expect(e.previousEventId).toBe(e.id! - 1);
    await expect(engine.getExecutionHistory({ executionArn, nextToken: 'bogus' })).rejects.toMatchObject({ name: 'InvalidToken' });
    expect((await engine.listStateMachines()).stateMachines!.map((m) => m.name)).toEqual(['m']);
  });

  it('re-registering a machine is idempotent, a new definition updates it, running executions keep theirs', async () => {
    const engine = newEngine({ lambdas: new FakeLambdas() });
    const v1 = JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, Next: 'P' }, P: { Type: 'Pass', Result: 1, End: true } } });
    const v2 = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 2, End: true } } });
    const first = await engine.createStateMachine({ name: 'm', definition: v1 });
    const { executionArn } = await engine.startExecution({ stateMachineArn: first.stateMachineArn! });
    expect(await engine.createStateMachine({ name: 'm', definition: v1 })).toEqual(first);
    expect(await engine.createStateMachine({ name: 'm', definition: v2 })).toEqual(first);
    expect((await engine.describeStateMachine({ stateMachineArn: first.stateMachineArn! })).definition).toBe(v2);
    expect((await engine.waitForExecution(executionArn!)).output).toBe('1');
    const second = await engine.startExecution({ stateMachineArn: first.stateMachineArn! });
    expect((await engine.waitForExecution(second.executionArn!)).output).toBe('2');
  });
});
