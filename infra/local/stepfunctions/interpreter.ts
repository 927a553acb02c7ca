/**
 * The interpreter of one execution.
 *
 * An execution is a set of frames (the main flow, plus one per Parallel branch or Map iteration),
 * each sitting in one state and either runnable or waiting on something external: a Lambda
 * response, a task token, a timer. The whole run state is plain JSON, so the engine can journal it
 * after every step and a restarted process continues exactly where the last one stopped: no
 * replaying of user code, only re-invoking a Lambda that was in flight and re-arming timers from
 * their absolute deadlines.
 */
import { randomUUID } from 'node:crypto';
import {
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_WAIT,
  type ChoiceRule,
  type ChoiceState,
  type Json,
  type JsonObject,
  type MapState,
  type ParallelState,
  type Retrier,
  type Scope,
  type State,
  type StateMachineDefinition,
  type TaskState,
  type WaitState,
} from './asl.js';
import { StatesError, statesRuntime } from './errors.js';
import { applyPath, applyResultPath, applyTemplate, query, tryQuery, type ContextObject } from './paths.js';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event as journaled: the AWS shape, with the timestamp in epoch milliseconds. */
export interface StoredEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export type TaskStyle = 'invoke' | 'wait' | 'function';

export type Pending =
  | { kind: 'enter' }
  | {
      kind: 'task';
      op: number;
      style: TaskStyle;
      /** invoking: the Lambda call is in flight; waiting: it returned and we wait for the token. */
      phase: 'invoking' | 'waiting';
      functionArn: string;
      payload: Json;
      token?: string;
      timeoutAt?: number;
      heartbeatAt?: number;
      heartbeatSeconds?: number;
    }
  | { kind: 'wait'; until: number }
  | { kind: 'retry'; op: number; until: number }
  | {
      kind: 'children';
      op: number;
      results: Json[];
      remaining: number;
      /** Map only: inputs of iterations not launched yet (MaxConcurrency). */
      queue: { index: number; input: Json }[];
    };

export interface Frame {
  id: string;
  parent?: string;
  /** Branch or iteration index within the parent's Parallel/Map state. */
  index?: number;
  scope: string;
  state: string;
  /** Raw input of the current state (before InputPath). */
  input: Json;
  enteredAt: number;
  lastEventId: number;
  attempts: number[];
  retryCount: number;
  pending: Pending;
}

export interface RunState {
  status: ExecutionStatus;
  frames: Record<string, Frame>;
  seq: number;
  output?: string;
  error?: string;
  cause?: string;
  stopDate?: number;
  /** Deadline of the state machine's own TimeoutSeconds. */
  timeoutAt?: number;
}

export interface ExecutionMeta {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The execution input as the caller sent it (a JSON text). */
  input: string;
  startDate: number;
  /** The definition the execution started with: updates of the machine do not affect it. */
  definition: string;
  /** When the machine got that definition (absent in journals written before it was kept). */
  definitionDate?: number;
  roleArn: string;
  /** Creation order, for listing newest first. */
  ordinal: number;
}

export interface RunEnv {
  now(): number;
  region: string;
  accountId: string;
}

const ROOT = 'main';
const FAR_FUTURE = Number.MAX_SAFE_INTEGER;

/** Where a frame's states live: the root, a Parallel branch, or a Map's ItemProcessor. */
function buildScopes(def: StateMachineDefinition): Map<string, Scope> {
  const scopes = new Map<string, Scope>();
  const walk = (key: string, scope: Scope) => {
    scopes.set(key, scope);
    for (const [name, s] of Object.entries(scope.States)) {
      if (s.Type === 'Parallel') s.Branches.forEach((b, i) => walk(childScopeKey(key, name, i), b));
      if (s.Type === 'Map') walk(childScopeKey(key, name, 'items'), s.ItemProcessor);
    }
  };
  walk('', def);
  return scopes;
}
const childScopeKey = (parent: string, state: string, part: number | 'items') => JSON.stringify([parent, state, part]);

const enteredType: Record<State['Type'], string> = {
  Task: 'TaskStateEntered',
  Pass: 'PassStateEntered',
  Choice: 'ChoiceStateEntered',
  Wait: 'WaitStateEntered',
  Succeed: 'SucceedStateEntered',
  Fail: 'FailStateEntered',
  Parallel: 'ParallelStateEntered',
  Map: 'MapStateEntered',
};

const json = (v: unknown): string => JSON.stringify(v ?? null);
const payloadDetails = (key: 'input' | 'output', value: unknown) => ({ [key]: json(value), [`${key}Details`]: { truncated: false } });

/** Whether an error raised in a state is matched by an ErrorEquals list (Retry or Catch). */
export function errorMatches(errorEquals: string[], err: StatesError, stateType: State['Type']): boolean {
  // States.Runtime (and data-limit errors) can be neither retried nor caught, as on AWS.
  if (err.error === 'States.Runtime' || err.error === 'States.DataLimitExceeded') return false;
  const isTimeout = err.error === 'States.Timeout' || err.error === 'States.HeartbeatTimeout';
  return errorEquals.some(
    (e) =>
      e === err.error ||
      e === 'States.ALL' ||
      (e === 'States.TaskFailed' && stateType === 'Task' && !isTimeout) ||
      (e === 'States.HeartbeatTimeout' && err.heartbeat === true),
  );
}

export function toStatesError(e: unknown): StatesError {
  if (e instanceof StatesError) return e;
  if (e instanceof Error) return new StatesError('States.Runtime', e.message);
  return new StatesError('States.Runtime', String(e));
}

export function encodeToken(executionArn: string): string {
  return Buffer.from(JSON.stringify({ e: executionArn, n: randomUUID() }), 'utf8').toString('base64url');
}
export function decodeToken(token: string): { e: string; n: string } | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (decoded && typeof decoded === 'object' && typeof (decoded as { e: unknown }).e === 'string') return decoded as { e: string; n: string };
  } catch {
    /* not one of ours */
  }
  return undefined;
}

export class Run {
  private readonly scopes: Map<string, Scope>;
  private readonly inputValue: Json;
  /** Events appended since the last `takeNewEvents()`. */
  private fresh: StoredEvent[] = [];

  constructor(
    readonly meta: ExecutionMeta,
    readonly definition: StateMachineDefinition,
    public state: RunState,
    readonly events: StoredEvent[],
    private readonly env: RunEnv,
  ) {
    this.scopes = buildScopes(definition);
    this.inputValue = JSON.parse(meta.input) as Json;
  }

  static initialState(): RunState {
    return { status: 'RUNNING', frames: {}, seq: 0 };
  }

  takeNewEvents(): StoredEvent[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  get running(): boolean {
    return this.state.status === 'RUNNING';
  }

  // ------------------------------------------------------------------------------------------
  // Entry points (the engine journals after each one)

  begin(): void {
    const now = this.env.now();
    this.emit(undefined, 'ExecutionStarted', 'executionStartedEventDetails', {
      ...payloadDetails('input', this.inputValue),
      roleArn: this.meta.roleArn,
    });
    if (this.definition.TimeoutSeconds) this.state.timeoutAt = now + this.definition.TimeoutSeconds * 1000;
    this.state.frames[ROOT] = this.newFrame(ROOT, '', this.definition.StartAt, this.inputValue, undefined, undefined, this.events.length);
    this.drive();
  }

  /** A Lambda call returned (or threw). Ignored when the task has moved on meanwhile. */
  invokeSettled(frameId: string, op: number, outcome: { ok: true; payload: unknown; requestId: string } | { ok: false; error: Error }): void {
    const frame = this.state.frames[frameId];
    if (!this.running || !frame || frame.pending.kind !== 'task' || frame.pending.op !== op || frame.pending.phase !== 'invoking') return;
    const p = frame.pending;
    const s = this.stateOf(frame) as TaskState;
    const res = resourceFields(p.style);
    if (!outcome.ok) {
      const err = lambdaError(outcome.error);
      if (p.style === 'function') this.emit(frame, 'LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', { error: err.error, cause: err.cause });
      else this.emit(frame, 'TaskFailed', 'taskFailedEventDetails', { ...res, error: err.error, cause: err.cause });
      this.handleError(frame, err);
    } else if (p.style === 'function') {
      const payload = (outcome.payload ?? null) as Json;
      this.emit(frame, 'LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', payloadDetails('output', payload));
      this.completeState(frame, s, payload);
    } else {
      const response: Json = {
        ExecutedVersion: '$LATEST',
        Payload: (outcome.payload ?? null) as Json,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: outcome.requestId },
        StatusCode: 200,
      };
      if (p.style === 'wait') {
        this.emit(frame, 'TaskSubmitted', 'taskSubmittedEventDetails', { ...res, ...payloadDetails('output', response) });
        p.phase = 'waiting';
      } else {
        this.emit(frame, 'TaskSucceeded', 'taskSucceededEventDetails', { ...res, ...payloadDetails('output', response) });
        this.completeState(frame, s, response);
      }
    }
    this.drive();
  }

  /** Finds the frame whose live task carries this token. */
  frameForToken(token: string): Frame | undefined {
    if (!this.running) return undefined;
    return Object.values(this.state.frames).find((f) => f.pending.kind === 'task' && f.pending.token === token);
  }

  taskSuccess(frame: Frame, output: Json): void {
    const p = frame.pending;
    if (p.kind !== 'task') return;
    this.emit(frame, 'TaskSucceeded', 'taskSucceededEventDetails', { ...resourceFields(p.style), ...payloadDetails('output', output) });
    this.completeState(frame, this.stateOf(frame), output);
    this.drive();
  }

  taskFailure(frame: Frame, error: string, cause: string): void {
    const p = frame.pending;
    if (p.kind !== 'task') return;
    this.emit(frame, 'TaskFailed', 'taskFailedEventDetails', { ...resourceFields(p.style), error, cause });
    this.handleError(frame, new StatesError(error, cause));
    this.drive();
  }

  /** Pushes the heartbeat deadline out; AWS records no history event for it. */
  taskHeartbeat(frame: Frame): void {
    const p = frame.pending;
    if (p.kind === 'task' && p.heartbeatSeconds !== undefined) p.heartbeatAt = this.env.now() + p.heartbeatSeconds * 1000;
  }

  /** A timer the engine armed from the run state fired. */
  timerFired(timer: TimerSpec): void {
    if (!this.running) return;
    if (timer.kind === 'execution') {
      this.finish('TIMED_OUT', 'ExecutionTimedOut', 'executionTimedOutEventDetails', {
        error: 'States.Timeout',
        cause: `The execution ran longer than the state machine's TimeoutSeconds (${this.definition.TimeoutSeconds})`,
      });
      return;
    }
    const frame = this.state.frames[timer.frameId];
    if (!frame) return;
    const p = frame.pending;
    if (timer.kind === 'wait' && p.kind === 'wait') {
      const s = this.stateOf(frame) as WaitState;
      this.guard(frame, () => {
        const ctx = this.context(frame);
        this.exitState(frame, s, applyPath(s.OutputPath, applyPath(s.InputPath, frame.input, ctx), ctx));
      });
    } else if (timer.kind === 'retry' && p.kind === 'retry' && p.op === timer.op) {
      this.guard(frame, () => this.startAttempt(frame));
    } else if ((timer.kind === 'timeout' || timer.kind === 'heartbeat') && p.kind === 'task' && p.op === timer.op) {
      const heartbeat = timer.kind === 'heartbeat';
      const err = new StatesError(
        'States.Timeout',
        heartbeat ? `No heartbeat received within ${p.heartbeatSeconds} seconds` : 'The task ran longer than its TimeoutSeconds',
        heartbeat,
      );
      if (p.style === 'function') this.emit(frame, 'LambdaFunctionTimedOut', 'lambdaFunctionTimedOutEventDetails', { error: err.error, cause: err.cause });
      else this.emit(frame, 'TaskTimedOut', 'taskTimedOutEventDetails', { ...resourceFields(p.style), error: err.error, cause: err.cause });
      this.handleError(frame, err);
    }
    this.drive();
  }

  stop(error?: string, cause?: string): void {
    if (!this.running) return;
    this.finish('ABORTED', 'ExecutionAborted', 'executionAbortedEventDetails', {
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  // ------------------------------------------------------------------------------------------
  // What the engine must do outside: Lambda calls to make, timers to arm, idleness

  /** Lambda calls the run is waiting for (re-issued after a restart: at-least-once, as on AWS). */
  invocations(): { frameId: string; op: number; functionArn: string; payload: Json }[] {
    if (!this.running) return [];
    return Object.values(this.state.frames).flatMap((f) =>
      f.pending.kind === 'task' && f.pending.phase === 'invoking'
        ? [{ frameId: f.id, op: f.pending.op, functionArn: f.pending.functionArn, payload: f.pending.payload }]
        : [],
    );
  }

  timers(): TimerSpec[] {
    if (!this.running) return [];
    const out: TimerSpec[] = [];
    if (this.state.timeoutAt !== undefined) out.push({ kind: 'execution', frameId: '', op: 0, at: this.state.timeoutAt });
    for (const f of Object.values(this.state.frames)) {
      const p = f.pending;
      if (p.kind === 'wait') out.push({ kind: 'wait', frameId: f.id, op: 0, at: p.until });
      if (p.kind === 'retry') out.push({ kind: 'retry', frameId: f.id, op: p.op, at: p.until });
      if (p.kind === 'task' && p.timeoutAt !== undefined) out.push({ kind: 'timeout', frameId: f.id, op: p.op, at: p.timeoutAt });
      if (p.kind === 'task' && p.heartbeatAt !== undefined) out.push({ kind: 'heartbeat', frameId: f.id, op: p.op, at: p.heartbeatAt });
    }
    return out;
  }

  /** Idle: nothing runnable; only tokens, Wait states or task timeouts are pending. */
  isIdle(): boolean {
    if (!this.running) return true;
    return Object.values(this.state.frames).every(
      (f) => f.pending.kind === 'wait' || f.pending.kind === 'children' || (f.pending.kind === 'task' && f.pending.phase === 'waiting'),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Stepping

  private drive(): void {
    for (;;) {
      if (!this.running) return;
      const frame = Object.values(this.state.frames).find((f) => f.pending.kind === 'enter');
      if (!frame) return;
      this.guard(frame, () => this.enter(frame));
    }
  }

  /** Runs a step of a frame; an error it raises is the state's error (Retry/Catch apply). */
  private guard(frame: Frame, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.handleError(frame, toStatesError(e));
    }
  }

  private enter(frame: Frame): void {
    const s = this.stateOf(frame);
    frame.enteredAt = this.env.now();
    frame.attempts = 'Retry' in s && s.Retry ? s.Retry.map(() => 0) : [];
    frame.retryCount = 0;
    this.emit(frame, enteredType[s.Type], 'stateEnteredEventDetails', { name: frame.state, ...payloadDetails('input', frame.input) });
    // Until the state settles it must not be picked up again by drive().
    frame.pending = { kind: 'wait', until: FAR_FUTURE };
    const ctx = this.context(frame);
    switch (s.Type) {
      case 'Pass': {
        let effective = applyPath(s.InputPath, frame.input, ctx);
        if (s.Parameters !== undefined) effective = applyTemplate(s.Parameters, effective, ctx);
        const result = 'Result' in s ? (s.Result as Json) : effective;
        this.exitState(frame, s, applyPath(s.OutputPath, applyResultPath(s.ResultPath, frame.input, result), ctx));
        return;
      }
      case 'Choice': {
        const effective = applyPath(s.InputPath, frame.input, ctx);
        const next = chooseNext(s, effective, ctx);
        this.exitState(frame, s, applyPath(s.OutputPath, effective, ctx), next);
        return;
      }
      case 'Wait': {
        const effective = applyPath(s.InputPath, frame.input, ctx);
        const until = waitDeadline(s, effective, ctx, frame.enteredAt);
        if (until <= this.env.now()) {
          this.exitState(frame, s, applyPath(s.OutputPath, effective, ctx));
        } else {
          frame.pending = { kind: 'wait', until };
        }
        return;
      }
      case 'Succeed': {
        const output = applyPath(s.OutputPath, applyPath(s.InputPath, frame.input, ctx), ctx);
        this.emit(frame, 'SucceedStateExited', 'stateExitedEventDetails', { name: frame.state, ...payloadDetails('output', output) });
        this.frameDone(frame, output);
        return;
      }
      case 'Fail': {
        const error = s.ErrorPath ? query(s.ErrorPath, frame.input, ctx) : s.Error;
        const cause = s.CausePath ? query(s.CausePath, frame.input, ctx) : s.Cause;
        if ((error !== undefined && typeof error !== 'string') || (cause !== undefined && typeof cause !== 'string')) {
          throw statesRuntime('ErrorPath and CausePath must point to strings');
        }
        // A Fail state ends its scope: nothing in the same scope can catch it.
        this.frameFailed(frame, new StatesError(error ?? '', cause ?? ''));
        return;
      }
      default:
        this.startAttempt(frame);
    }
  }

  /** One attempt of a Task, Parallel or Map state (Retry starts another). */
  private startAttempt(frame: Frame): void {
    const s = this.stateOf(frame);
    const op = ++this.state.seq;
    if (s.Type === 'Task') return this.startTask(frame, s, op);
    if (s.Type === 'Parallel') return this.startParallel(frame, s, op);
    if (s.Type === 'Map') return this.startMap(frame, s, op);
    throw statesRuntime(`state type ${s.Type} has no attempts`);
  }

  private startTask(frame: Frame, s: TaskState, op: number): void {
    const style: TaskStyle = s.Resource === LAMBDA_INVOKE ? 'invoke' : s.Resource === LAMBDA_INVOKE_WAIT ? 'wait' : 'function';
    const token = style === 'wait' ? encodeToken(this.meta.executionArn) : undefined;
    const ctx = this.context(frame, token);
    const effective = applyPath(s.InputPath, frame.input, ctx);
    const params = s.Parameters !== undefined ? applyTemplate(s.Parameters, effective, ctx) : effective;
    const timeoutSeconds = s.TimeoutSeconds ?? (s.TimeoutSecondsPath ? positiveInt(query(s.TimeoutSecondsPath, effective, ctx), 'TimeoutSecondsPath') : undefined);
    const heartbeatSeconds =
      s.HeartbeatSeconds ?? (s.HeartbeatSecondsPath ? positiveInt(query(s.HeartbeatSecondsPath, effective, ctx), 'HeartbeatSecondsPath') : undefined);
    const now = this.env.now();
    let functionArn: string;
    let payload: Json;
    if (style === 'function') {
      functionArn = s.Resource;
      payload = params;
      this.emit(frame, 'LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
        resource: s.Resource,
        ...payloadDetails('input', params),
        ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
      });
      this.emit(frame, 'LambdaFunctionStarted');
    } else {
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw statesRuntime('lambda:invoke Parameters must be an object');
      const name = params.FunctionName;
      if (typeof name !== 'string' || name.length === 0) throw statesRuntime('lambda:invoke needs a FunctionName string');
      functionArn = name.startsWith('arn:') ? name : `arn:aws:lambda:${this.env.region}:${this.env.accountId}:function:${name}`;
      payload = params.Payload === undefined ? {} : params.Payload;
      this.emit(frame, 'TaskScheduled', 'taskScheduledEventDetails', {
        ...resourceFields(style),
        region: this.env.region,
        parameters: json(params),
        ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
        ...(heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
      });
      this.emit(frame, 'TaskStarted', 'taskStartedEventDetails', resourceFields(style));
    }
    frame.pending = {
      kind: 'task',
      op,
      style,
      phase: 'invoking',
      functionArn,
      payload,
      ...(token ? { token } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutAt: now + timeoutSeconds * 1000 } : {}),
      ...(heartbeatSeconds !== undefined && style === 'wait' ? { heartbeatSeconds, heartbeatAt: now + heartbeatSeconds * 1000 } : {}),
    };
  }

  private startParallel(frame: Frame, s: ParallelState, op: number): void {
    const ctx = this.context(frame);
    let effective = applyPath(s.InputPath, frame.input, ctx);
    if (s.Parameters !== undefined) effective = applyTemplate(s.Parameters, effective, ctx);
    this.emit(frame, 'ParallelStateStarted');
    frame.pending = { kind: 'children', op, results: s.Branches.map(() => null), remaining: s.Branches.length, queue: [] };
    s.Branches.forEach((b, i) => {
      const id = `${frame.id}/${++this.state.seq}`;
      this.state.frames[id] = this.newFrame(id, childScopeKey(frame.scope, frame.state, i), b.StartAt, effective, frame.id, i, frame.lastEventId);
    });
  }

  private startMap(frame: Frame, s: MapState, op: number): void {
    const ctx = this.context(frame);
    const effective = applyPath(s.InputPath, frame.input, ctx);
    const items = s.ItemsPath ? query(s.ItemsPath, effective, ctx) : effective;
    if (!Array.isArray(items)) throw statesRuntime(`Map ItemsPath '${s.ItemsPath ?? '$'}' must point to an array`);
    this.emit(frame, 'MapStateStarted', 'mapStateStartedEventDetails', { length: items.length });
    const queue = items.map((value, index) => ({
      index,
      input: s.ItemSelector !== undefined ? applyTemplate(s.ItemSelector, effective, { ...ctx, Map: { Item: { Index: index, Value: value } } }) : value,
    }));
    frame.pending = { kind: 'children', op, results: items.map(() => null), remaining: items.length, queue };
    if (items.length === 0) {
      this.emit(frame, 'MapStateSucceeded');
      this.completeState(frame, s, []);
      return;
    }
    this.launchIterations(frame, s);
  }

  private launchIterations(frame: Frame, s: MapState): void {
    const p = frame.pending;
    if (p.kind !== 'children') return;
    const limit = s.MaxConcurrency && s.MaxConcurrency > 0 ? s.MaxConcurrency : Infinity;
    const running = () => Object.values(this.state.frames).filter((f) => f.parent === frame.id).length;
    while (p.queue.length > 0 && running() < limit) {
      const { index, input } = p.queue.shift()!;
      this.emit(frame, 'MapIterationStarted', 'mapIterationStartedEventDetails', { name: frame.state, index });
      const id = `${frame.id}/${++this.state.seq}`;
      this.state.frames[id] = this.newFrame(id, childScopeKey(frame.scope, frame.state, 'items'), s.ItemProcessor.StartAt, input, frame.id, index, frame.lastEventId);
    }
  }

  /** ResultSelector, ResultPath and OutputPath of a Task/Parallel/Map result, then on to Next. */
  private completeState(frame: Frame, s: State, result: Json): void {
    this.guard(frame, () => {
      const ctx = this.context(frame);
      const selected = 'ResultSelector' in s && s.ResultSelector !== undefined ? applyTemplate(s.ResultSelector, result, ctx) : result;
      const resultPath = 'ResultPath' in s ? s.ResultPath : undefined;
      const output = applyPath(s.OutputPath, applyResultPath(resultPath, frame.input, selected), ctx);
      this.exitState(frame, s, output);
    });
  }

  private exitState(frame: Frame, s: State, output: Json, next?: string): void {
    this.emit(frame, `${s.Type}StateExited`, 'stateExitedEventDetails', { name: frame.state, ...payloadDetails('output', output) });
    const target = next ?? s.Next;
    if (target === undefined) {
      this.frameDone(frame, output);
      return;
    }
    frame.state = target;
    frame.input = output;
    frame.pending = { kind: 'enter' };
  }

  private frameDone(frame: Frame, output: Json): void {
    delete this.state.frames[frame.id];
    if (frame.parent === undefined) {
      this.finish('SUCCEEDED', 'ExecutionSucceeded', 'executionSucceededEventDetails', payloadDetails('output', output), output);
      return;
    }
    const parent = this.state.frames[frame.parent];
    if (!parent || parent.pending.kind !== 'children') return;
    const ps = this.stateOf(parent);
    const p = parent.pending;
    p.results[frame.index!] = output;
    p.remaining--;
    parent.lastEventId = frame.lastEventId;
    if (ps.Type === 'Map') {
      this.emit(parent, 'MapIterationSucceeded', 'mapIterationSucceededEventDetails', { name: parent.state, index: frame.index });
      this.launchIterations(parent, ps);
    }
    if (p.remaining === 0) {
      this.emit(parent, ps.Type === 'Map' ? 'MapStateSucceeded' : 'ParallelStateSucceeded');
      this.completeState(parent, ps, p.results);
    }
  }

  private frameFailed(frame: Frame, err: StatesError): void {
    delete this.state.frames[frame.id];
    if (frame.parent === undefined) {
      this.finish('FAILED', 'ExecutionFailed', 'executionFailedEventDetails', { error: err.error, cause: err.cause });
      return;
    }
    const parent = this.state.frames[frame.parent];
    if (!parent || parent.pending.kind !== 'children') return;
    const ps = this.stateOf(parent);
    // One failed branch or iteration fails the whole Parallel/Map state: stop the others.
    this.removeDescendants(parent.id);
    parent.lastEventId = frame.lastEventId;
    if (ps.Type === 'Map') {
      this.emit(parent, 'MapIterationFailed', 'mapIterationFailedEventDetails', { name: parent.state, index: frame.index });
      this.emit(parent, 'MapStateFailed');
    } else {
      this.emit(parent, 'ParallelStateFailed');
    }
    this.handleError(parent, err);
  }

  private removeDescendants(frameId: string): void {
    for (const id of Object.keys(this.state.frames)) if (id.startsWith(`${frameId}/`)) delete this.state.frames[id];
  }

  /** Retry, then Catch, else the frame fails (and with it its Parallel/Map or the execution). */
  private handleError(frame: Frame, err: StatesError): void {
    if (!this.running || !this.state.frames[frame.id]) return;
    const s = this.stateOf(frame);
    if ((s.Type === 'Task' || s.Type === 'Parallel' || s.Type === 'Map') && s.Retry) {
      const i = s.Retry.findIndex((r) => errorMatches(r.ErrorEquals, err, s.Type));
      if (i >= 0) {
        const retrier = s.Retry[i]!;
        const attempts = frame.attempts[i] ?? 0;
        if (attempts < (retrier.MaxAttempts ?? 3)) {
          frame.attempts[i] = attempts + 1;
          frame.retryCount++;
          frame.pending = { kind: 'retry', op: ++this.state.seq, until: this.env.now() + retryDelayMs(retrier, attempts) };
          return;
        }
      }
    }
    if ((s.Type === 'Task' || s.Type === 'Parallel' || s.Type === 'Map') && s.Catch) {
      const catcher = s.Catch.find((c) => errorMatches(c.ErrorEquals, err, s.Type));
      if (catcher) {
        let output: Json;
        try {
          output = applyResultPath(catcher.ResultPath, frame.input, { Error: err.error, Cause: err.cause });
        } catch (e) {
          this.frameFailed(frame, toStatesError(e));
          return;
        }
        this.exitState(frame, s, output, catcher.Next);
        return;
      }
    }
    this.frameFailed(frame, err);
  }

  private finish(status: ExecutionStatus, type: string, key: string, details: Record<string, unknown>, output?: Json): void {
    this.emit(undefined, type, key, details);
    this.state.status = status;
    this.state.frames = {};
    this.state.stopDate = this.env.now();
    delete this.state.timeoutAt;
    if (output !== undefined) this.state.output = json(output);
    if (typeof details.error === 'string') this.state.error = details.error;
    if (typeof details.cause === 'string') this.state.cause = details.cause;
  }

  // ------------------------------------------------------------------------------------------
  // Helpers

  private newFrame(id: string, scope: string, state: string, input: Json, parent: string | undefined, index: number | undefined, lastEventId: number): Frame {
    return {
      id,
      ...(parent !== undefined ? { parent, index } : {}),
      scope,
      state,
      input,
      enteredAt: this.env.now(),
      lastEventId,
      attempts: [],
      retryCount: 0,
      pending: { kind: 'enter' },
    };
  }

  private stateOf(frame: Frame): State {
    const s = this.scopes.get(frame.scope)?.States[frame.state];
    if (!s) throw statesRuntime(`state ${frame.state} not found`);
    return s;
  }

  private context(frame: Frame, token?: string): ContextObject {
    const ctx: JsonObject = {
      Execution: {
        Id: this.meta.executionArn,
        Input: this.inputValue,
        Name: this.meta.name,
        RoleArn: this.meta.roleArn,
        StartTime: new Date(this.meta.startDate).toISOString(),
        RedriveCount: 0,
      },
      State: { Name: frame.state, EnteredTime: new Date(frame.enteredAt).toISOString(), RetryCount: frame.retryCount },
      StateMachine: { Id: this.meta.stateMachineArn, Name: this.meta.stateMachineArn.split(':').pop()! },
    };
    if (token !== undefined) ctx.Task = { Token: token };
    return ctx;
  }

  private emit(frame: Frame | undefined, type: string, key?: string, details?: Record<string, unknown>): StoredEvent {
    const id = this.events.length + 1;
    const event: StoredEvent = {
      id,
      previousEventId: frame ? frame.lastEventId : this.events.length,
      timestamp: this.env.now(),
      type,
      ...(key && details ? { [key]: details } : {}),
    };
    this.events.push(event);
    this.fresh.push(event);
    if (frame) frame.lastEventId = id;
    return event;
  }
}

export interface TimerSpec {
  kind: 'execution' | 'wait' | 'retry' | 'timeout' | 'heartbeat';
  frameId: string;
  op: number;
  at: number;
}

function resourceFields(style: TaskStyle): { resourceType: string; resource: string } {
  return { resourceType: 'lambda', resource: style === 'wait' ? 'invoke.waitForTaskToken' : 'invoke' };
}

/** A Lambda function error: Error is its errorType, Cause the error JSON Lambda returns. */
function lambdaError(e: Error): StatesError {
  if (e instanceof StatesError) return e;
  const errorType = e.name || 'Error';
  return new StatesError(errorType, JSON.stringify({ errorType, errorMessage: e.message, trace: [] }));
}

function positiveInt(v: Json, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw statesRuntime(`${field} must point to a positive integer`);
  return v;
}

export function retryDelayMs(r: Retrier, attemptsSoFar: number): number {
  let seconds = (r.IntervalSeconds ?? 1) * Math.pow(r.BackoffRate ?? 2, attemptsSoFar);
  if (r.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, r.MaxDelaySeconds);
  if (r.JitterStrategy === 'FULL') seconds = Math.random() * seconds;
  return Math.round(seconds * 1000);
}

function waitDeadline(s: WaitState, input: Json, ctx: ContextObject, enteredAt: number): number {
  if (s.Seconds !== undefined) return enteredAt + s.Seconds * 1000;
  if (s.Timestamp !== undefined) return Date.parse(s.Timestamp);
  if (s.SecondsPath !== undefined) {
    const v = query(s.SecondsPath, input, ctx);
    if (typeof v !== 'number' || v < 0 || !Number.isInteger(v)) throw statesRuntime(`SecondsPath '${s.SecondsPath}' must point to a non-negative integer`);
    return enteredAt + v * 1000;
  }
  const v = query(s.TimestampPath!, input, ctx);
  const at = typeof v === 'string' ? parseTimestamp(v) : undefined;
  if (at === undefined) throw statesRuntime(`TimestampPath '${s.TimestampPath}' must point to an ISO-8601 timestamp`);
  return at;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
function parseTimestamp(v: string): number | undefined {
  if (!TIMESTAMP.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function chooseNext(s: ChoiceState, input: Json, ctx: ContextObject): string {
  for (const rule of s.Choices) if (evaluateRule(rule, input, ctx)) return rule.Next!;
  if (s.Default !== undefined) return s.Default;
  throw new StatesError('States.NoChoiceMatched', `No Choice rule matched and no Default is set in the input ${json(input)}`);
}

export function evaluateRule(rule: ChoiceRule, input: Json, ctx: ContextObject): boolean {
  if (rule.And) return rule.And.every((r) => evaluateRule(r, input, ctx));
  if (rule.Or) return rule.Or.some((r) => evaluateRule(r, input, ctx));
  if (rule.Not) return !evaluateRule(rule.Not, input, ctx);
  const variable = rule.Variable!;
  const op = Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Next' && k !== 'Comment')!;
  const operand = rule[op] as Json;
  if (op === 'IsPresent') return (tryQuery(variable, input, ctx) !== undefined) === operand;
  // Any other comparison on a missing variable is a runtime error on AWS.
  const value = query(variable, input, ctx);
  switch (op) {
    case 'IsNull':
      return (value === null) === operand;
    case 'IsNumeric':
      return (typeof value === 'number') === operand;
    case 'IsString':
      return (typeof value === 'string') === operand;
    case 'IsBoolean':
      return (typeof value === 'boolean') === operand;
    case 'IsTimestamp':
      return (typeof value === 'string' && parseTimestamp(value) !== undefined) === operand;
    case 'StringMatches':
      return typeof value === 'string' && typeof operand === 'string' && matchesPattern(value, operand);
    default:
      break;
  }
  const base = op.endsWith('Path') ? op.slice(0, -4) : op;
  const expected = op.endsWith('Path') ? query(operand as string, input, ctx) : operand;
  const kind = /^(String|Numeric|Boolean|Timestamp)/.exec(base)![1];
  const relation = base.slice(kind!.length);
  let a: number | string | boolean;
  let b: number | string | boolean;
  if (kind === 'String') {
    if (typeof value !== 'string' || typeof expected !== 'string') return false;
    [a, b] = [value, expected];
  } else if (kind === 'Numeric') {
    if (typeof value !== 'number' || typeof expected !== 'number') return false;
    [a, b] = [value, expected];
  } else if (kind === 'Boolean') {
    if (typeof value !== 'boolean' || typeof expected !== 'boolean') return false;
    return value === expected;
  } else {
    const ta = typeof value === 'string' ? parseTimestamp(value) : undefined;
    const tb = typeof expected === 'string' ? parseTimestamp(expected) : undefined;
    if (ta === undefined || tb === undefined) return false;
    [a, b] = [ta, tb];
  }
  switch (relation) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'GreaterThan':
      return a > b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThanEquals':
      return a >= b;
    default:
      return false;
  }
}

/** StringMatches: `*` is any run of characters; `\*` and `\\` are literal. */
function matchesPattern(value: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') {
      re += '.*';
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`, 's').test(value);
}
