/** Shared fixtures of the local Step Functions tests: temp data dirs, fake Lambdas, small ASL builders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStepFunctions } from '../../infra/local/stepfunctions/engine.js';

export const fnArn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

export function lambdaError(errorType: string, message: string): Error {
  const e = new Error(message);
  e.name = errorType;
  return e;
}

export interface Call {
  functionArn: string;
  payload: any;
  at: number;
}

/** A registry of fake Lambda functions by ARN that records every call. */
export class FakeLambdas {
  readonly calls: Call[] = [];
  private readonly handlers = new Map<string, (payload: any) => unknown>();

  on(name: string, handler: (payload: any) => unknown): this {
    this.handlers.set(fnArn(name), handler);
    return this;
  }

  callsTo(name: string): Call[] {
    return this.calls.filter((c) => c.functionArn === fnArn(name));
  }

  readonly invoke = async (functionArn: string, payload: unknown): Promise<unknown> => {
    this.calls.push({ functionArn, payload, at: Date.now() });
    const handler = this.handlers.get(functionArn);
    if (!handler) throw lambdaError('Lambda.ResourceNotFoundException', `Function not found: ${functionArn}`);
    return handler(payload);
  };
}

const dirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chancery-sfn-'));
  dirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

const engines: LocalStepFunctions[] = [];
export function newEngine(options: {
  dataDir?: string;
  lambdas?: FakeLambdas;
  invoke?: (functionArn: string, payload: any) => Promise<unknown>;
  now?: () => number;
}): LocalStepFunctions {
  const invokeLambda = options.invoke ?? options.lambdas?.invoke;
  if (!invokeLambda) throw new Error('newEngine needs lambdas or invoke');
  const engine = new LocalStepFunctions({ dataDir: options.dataDir ?? tempDir(), invokeLambda, ...(options.now ? { now: options.now } : {}) });
  engines.push(engine);
  return engine;
}
export async function closeEngines(): Promise<void> {
  for (const e of engines.splice(0)) await e.close();
}

/** Registers a definition and starts one execution of it. */
export async function run(engine: LocalStepFunctions, definition: object, input: unknown = {}, name?: string) {
  const { stateMachineArn } = await engine.createStateMachine({ name: 'm', definition: JSON.stringify(definition) });
  const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) });
  return { stateMachineArn, executionArn };
}

/** A one-task machine waiting for a token, with `extra` merged into the task state. */
export function tokenMachine(extra: object = {}, after: Record<string, object> = {}): object {
  return {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: fnArn('create-task'), Payload: { 'token.$': '$$.Task.Token', 'doc.$': '$.doc' } },
        ResultPath: '$.answer',
        End: true,
        ...extra,
      },
      ...after,
    },
  };
}

export async function historyTypes(engine: LocalStepFunctions, executionArn: string): Promise<string[]> {
  const { events } = await engine.getExecutionHistory({ executionArn, maxResults: 1000 });
  return (events ?? []).map((e) => e.type!);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
