/** The JSON API: @aws-sdk/client-sfn against the local server, unchanged. */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStepFunctions } from '../../infra/local/stepfunctions/engine.js';
import { startStepFunctionsServer } from '../../infra/local/stepfunctions/server.js';
import { closeEngines, FakeLambdas, newEngine, removeTempDirs, tokenMachine } from './helpers.js';

let engine: LocalStepFunctions;
let server: Awaited<ReturnType<typeof startStepFunctionsServer>>;
let client: SFNClient;
const tokens: string[] = [];

beforeAll(async () => {
  engine = newEngine({ lambdas: new FakeLambdas().on('create-task', (p: { token: string }) => { tokens.push(p.token); return {}; }) });
  await engine.start();
  server = await startStepFunctionsServer(engine, { port: 0 });
  client = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  client.destroy();
  await server.close();
  await closeEngines();
  removeTempDirs();
});

describe('Step Functions API server', () => {
  it('listens on the chosen port and answers awsJson1_0 with epoch-second dates', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.CreateStateMachine' },
      body: JSON.stringify({ name: 'raw', definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}', roleArn: 'arn:aws:iam::000000000000:role/r' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { creationDate: unknown };
    expect(typeof body.creationDate).toBe('number');
    const bad = await fetch(server.url, { method: 'POST', headers: { 'x-amz-target': 'AWSStepFunctions.DescribeExecution' }, body: '{"executionArn":"x"}' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toBe('InvalidArn');
    expect(await bad.json()).toMatchObject({ __type: 'InvalidArn' });
  });

  it('runs a token wait end to end through the SDK', async () => {
    const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'approve', definition: JSON.stringify(tokenMachine()), roleArn: 'arn:aws:iam::000000000000:role/r' }));
    const started = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'doc-1', input: '{"doc":"D1"}' }));
    expect(started.startDate).toBeInstanceOf(Date);
    await engine.whenIdle(started.executionArn);
    expect((await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))).status).toBe('RUNNING');

    const again = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'doc-1', input: '{"doc":"D1"}' }));
    expect(again.executionArn).toBe(started.executionArn);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn, name: 'doc-1', input: '{"doc":"D2"}' }))).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      $metadata: { httpStatusCode: 400 },
    });

    const token = tokens.at(-1)!;
    await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"decision":"ok"}' }));
    await engine.whenIdle(started.executionArn);
    const done = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(done.output!)).toEqual({ doc: 'D1', answer: { decision: 'ok' } });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });

    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 4 }));
    expect(history.events!.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted']);
    expect(history.events![0]!.timestamp).toBeInstanceOf(Date);
    expect(history.nextToken).toBeTruthy();
    const rest = await client.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, nextToken: history.nextToken }));
    expect(rest.events!.map((e) => e.type)).toEqual(['TaskSubmitted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
    expect(rest.events!.at(-1)!.executionSucceededEventDetails!.output).toBe(done.output);
  });

  it('lists and stops executions; unknown ones are ExecutionDoesNotExist', async () => {
    const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'stoppable', definition: JSON.stringify(tokenMachine()), roleArn: 'arn:aws:iam::000000000000:role/r' }));
    const a = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'a', input: '{"doc":1}' }));
    await client.send(new StartExecutionCommand({ stateMachineArn, name: 'b', input: '{"doc":2}' }));
    const stopped = await client.send(new StopExecutionCommand({ executionArn: a.executionArn, error: 'Withdrawn' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const first = await client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }));
    expect(first.executions!.map((e) => e.name)).toEqual(['b']);
    const second = await client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1, nextToken: first.nextToken }));
    expect(second.executions!.map((e) => [e.name, e.status])).toEqual([['a', 'ABORTED']]);
    expect(second.nextToken).toBeUndefined();
    await expect(
      client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:stoppable:zzz' })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:none' }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
  });
});
