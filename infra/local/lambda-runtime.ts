/**
 * Runs the functions of the manifest in this process, as Lambda would: the handler module is
 * loaded unmodified from its entry, events and results cross a JSON boundary (so nothing passes
 * that Lambda could not carry), and a function error surfaces with its errorType as the name.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { LocalWiring } from './wiring.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class LambdaFunctionError extends Error {
  constructor(errorType: string, message: string, readonly functionName: string) {
    super(message);
    this.name = errorType;
  }
}

export class LocalLambdaRuntime {
  private readonly loaded = new Map<string, Promise<Handler>>();
  private readonly byArn: Map<string, LocalWiring['functions'][number]>;
  /** Invocations per function name, for the status page and benchmarks. */
  readonly invocations = new Map<string, number>();

  constructor(private readonly wiring: LocalWiring) {
    this.byArn = new Map(wiring.functions.flatMap((f) => [[f.functionArn, f], [f.functionName, f], [f.id, f]] as const));
  }

  private load(entryPath: string): Promise<Handler> {
    let handler = this.loaded.get(entryPath);
    if (!handler) {
      handler = import(pathToFileURL(entryPath).href).then((mod: { handler?: Handler }) => {
        if (typeof mod.handler !== 'function') throw new Error(`${entryPath} exports no handler`);
        return mod.handler;
      });
      this.loaded.set(entryPath, handler);
    }
    return handler;
  }

  /** Invokes by function id, name or ARN (Step Functions passes the ARN). */
  async invoke(functionRef: string, event: unknown): Promise<unknown> {
    const fn = this.byArn.get(functionRef);
    if (!fn) throw new LambdaFunctionError('ResourceNotFoundException', `Function not found: ${functionRef}`, functionRef);
    const handler = await this.load(fn.entryPath);
    this.invocations.set(fn.id, (this.invocations.get(fn.id) ?? 0) + 1);
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      functionName: fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.functionArn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } as Context;
    try {
      const result = await handler(JSON.parse(JSON.stringify(event ?? null)), context);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (err) {
      const e = err as Error;
      throw new LambdaFunctionError(e?.name || 'Error', e?.message ?? String(err), fn.functionName);
    }
  }

  /**
   * Asynchronous invocation, as S3 notifications and EventBridge use it: a failed event is tried
   * twice more (AWS waits about one and two minutes; locally one and two seconds).
   */
  async invokeAsync(functionRef: string, event: unknown, retryDelaysMs = [1000, 2000]): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.invoke(functionRef, event);
      } catch (err) {
        if (attempt >= retryDelaysMs.length) throw err;
        await new Promise((resolve) => setTimeout(resolve, retryDelaysMs[attempt]));
      }
    }
  }
}
