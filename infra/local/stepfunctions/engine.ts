/**
 * LocalStepFunctions: the Step Functions service of local mode. Methods take and return the
 * request/response shapes of the AWS API (dates as Date), so server.ts only maps HTTP to calls.
 *
 * Every change to an execution is journaled (journal.ts) before its effects happen: Lambda calls
 * start and API calls return only after the step is on disk. Timers wait with real setTimeout but
 * their deadlines come from the injectable clock and are stored in the run state, so a restarted
 * engine re-arms them where they were.
 */
import { randomUUID } from 'node:crypto';
import type {
  CreateStateMachineOutput,
  DescribeExecutionOutput,
  DescribeStateMachineForExecutionOutput,
  DescribeStateMachineOutput,
  ExecutionListItem,
  ExecutionStatus,
  GetExecutionHistoryOutput,
  HistoryEvent,
  ListExecutionsOutput,
  ListStateMachinesOutput,
  StartExecutionOutput,
  StopExecutionOutput,
  UpdateStateMachineOutput,
} from '@aws-sdk/client-sfn';
import { parseDefinition, type Json, type StateMachineDefinition } from './asl.js';
import { sfnError } from './errors.js';
import { decodeToken, Run, type ExecutionMeta, type TimerSpec } from './interpreter.js';
import { Journal, type MachineRecord } from './journal.js';

export interface LocalStepFunctionsOptions {
  dataDir: string;
  /** Invokes a Lambda function; throws an Error whose `.name` is the Lambda errorType on function errors. */
  invokeLambda: (functionArn: string, payload: unknown) => Promise<unknown>;
  now?: () => number;
  region?: string;
  accountId?: string;
}

/** setTimeout cannot wait longer than ~24.8 days; longer deadlines (90-day backstops) re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:([^:]+)$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:([^:]+):([^:]+)$/;
const MAX_PAYLOAD_BYTES = 262_144;

export type DescribedExecution = Defined<DescribeExecutionOutput, 'executionArn' | 'stateMachineArn' | 'name' | 'status' | 'startDate' | 'input'>;

/** An SDK output shape with the fields this engine always returns made non-optional. */
export type Defined<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };

interface Waiter {
  done(): boolean;
  resolve(): void;
}

export class LocalStepFunctions {
  private readonly journal: Journal;
  private readonly now: () => number;
  private readonly region: string;
  private readonly accountId: string;
  private readonly machines = new Map<string, MachineRecord>();
  private readonly runs = new Map<string, Run>();
  private readonly definitions = new Map<string, StateMachineDefinition>();
  /** Armed timers per execution, keyed by what they wait for (kind, frame, op, deadline). */
  private readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();
  /** Lambda calls in flight: `${executionArn}|${frameId}|${op}`. */
  private readonly inflight = new Set<string>();
  private waiters: Waiter[] = [];
  private loaded = false;
  private closed = false;
  private ordinal = 0;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.journal = new Journal(options.dataDir);
    this.now = options.now ?? Date.now;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle

  /** Loads the journals and resumes every running execution (tokens, timers, in-flight Lambdas). */
  async start(): Promise<void> {
    this.ensureStarted();
  }

  /** Stops every timer and flushes the journals; in-flight Lambda results are dropped (re-invoked on the next start). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const perRun of this.timers.values()) for (const t of perRun.values()) clearTimeout(t);
    this.timers.clear();
    for (const run of this.runs.values()) this.journal.sync(run.meta);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.resolve());
  }

  /**
   * Resolves when nothing runnable remains (for one execution, or all): no Lambda in flight, no
   * retry pending. Waiting on a task token, a Wait state or a timeout counts as idle.
   */
  whenIdle(executionArn?: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ensureStarted();
    const done = () =>
      this.closed || (executionArn ? (this.runs.get(executionArn)?.isIdle() ?? true) : [...this.runs.values()].every((r) => r.isIdle()));
    return this.waitFor(done);
  }

  /** Resolves with the execution's description once it is no longer RUNNING. */
  async waitForExecution(executionArn: string): Promise<DescribedExecution> {
    const run = this.getRun(executionArn);
    await this.waitFor(() => this.closed || !run.running);
    return this.describeExecution({ executionArn });
  }

  // ------------------------------------------------------------------------------------------
  // State machines

  async createStateMachine(input: { name: string; definition: string; roleArn?: string; type?: string }): Promise<Defined<CreateStateMachineOutput, 'stateMachineArn' | 'creationDate'>> {
    this.ensureStarted();
    if (typeof input.name !== 'string' || !NAME.test(input.name)) throw sfnError('InvalidName', `Invalid Name: '${input.name}'`);
    if (input.type !== undefined && input.type !== 'STANDARD') {
      throw sfnError('ValidationException', 'Only STANDARD state machines are supported locally');
    }
    if (typeof input.definition !== 'string') throw sfnError('InvalidDefinition', 'Invalid State Machine Definition: definition is required');
    parseDefinition(input.definition);
    const arn = `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${input.name}`;
    const roleArn = input.roleArn ?? `arn:aws:iam::${this.accountId}:role/local-states-role`;
    const existing = this.machines.get(arn);
    if (existing) {
      // Local mode registers every machine at each start: same definition is a no-op, a new one updates.
      if (existing.definition !== input.definition || existing.roleArn !== roleArn) {
        existing.definition = input.definition;
        existing.roleArn = roleArn;
        existing.updateDate = this.now();
        this.saveMachines();
      }
      return { stateMachineArn: arn, creationDate: new Date(existing.creationDate) };
    }
    const record: MachineRecord = { stateMachineArn: arn, name: input.name, definition: input.definition, roleArn, type: 'STANDARD', creationDate: this.now() };
    this.machines.set(arn, record);
    this.saveMachines();
    return { stateMachineArn: arn, creationDate: new Date(record.creationDate) };
  }

  async updateStateMachine(input: { stateMachineArn: string; definition?: string; roleArn?: string }): Promise<Defined<UpdateStateMachineOutput, 'updateDate'>> {
    const machine = this.getMachine(input.stateMachineArn);
    if (input.definition !== undefined) parseDefinition(input.definition);
    machine.definition = input.definition ?? machine.definition;
    machine.roleArn = input.roleArn ?? machine.roleArn;
    machine.updateDate = this.now();
    this.saveMachines();
    return { updateDate: new Date(machine.updateDate) };
  }

  async describeStateMachine(input: { stateMachineArn: string }): Promise<Defined<DescribeStateMachineOutput, 'stateMachineArn' | 'name' | 'definition' | 'roleArn' | 'type' | 'creationDate'>> {
    const m = this.getMachine(input.stateMachineArn);
    return {
      stateMachineArn: m.stateMachineArn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definition,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: new Date(m.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  async listStateMachines(input: { maxResults?: number; nextToken?: string } = {}): Promise<Defined<ListStateMachinesOutput, 'stateMachines'>> {
    this.ensureStarted();
    const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { items, nextToken } = page(all, (m) => m.name, input.maxResults, input.nextToken);
    return {
      stateMachines: items.map((m) => ({ stateMachineArn: m.stateMachineArn, name: m.name, type: m.type, creationDate: new Date(m.creationDate) })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Executions

  async startExecution(input: { stateMachineArn: string; name?: string; input?: string }): Promise<Defined<StartExecutionOutput, 'executionArn' | 'startDate'>> {
    const machine = this.getMachine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    if (!NAME.test(name)) throw sfnError('InvalidName', `Invalid Name: '${name}'`);
    const text = input.input ?? '{}';
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      throw sfnError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${text.slice(0, 100)}'`);
    }
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) throw sfnError('InvalidExecutionInput', 'The execution input exceeds 262144 bytes');
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
    const existing = this.runs.get(executionArn);
    if (existing) {
      // Standard workflows: a retried start of a running execution with the same input is idempotent.
      if (existing.running && JSON.stringify(JSON.parse(existing.meta.input)) === JSON.stringify(parsed)) {
        return { executionArn, startDate: new Date(existing.meta.startDate) };
      }
      throw sfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const meta: ExecutionMeta = {
      executionArn,
      stateMachineArn: machine.stateMachineArn,
      name,
      input: text,
      startDate: this.now(),
      definition: machine.definition,
      definitionDate: machine.updateDate ?? machine.creationDate,
      roleArn: machine.roleArn,
      ordinal: ++this.ordinal,
    };
    const run = this.makeRun(meta, Run.initialState(), []);
    this.runs.set(executionArn, run);
    run.begin();
    this.journal.create(meta, run.takeNewEvents(), run.state);
    this.afterCommit(run);
    return { executionArn, startDate: new Date(meta.startDate) };
  }

  async describeExecution(input: { executionArn: string }): Promise<DescribedExecution> {
    const run = this.getRun(input.executionArn);
    const { meta, state } = run;
    return {
      executionArn: meta.executionArn,
      stateMachineArn: meta.stateMachineArn,
      name: meta.name,
      status: state.status as ExecutionStatus,
      startDate: new Date(meta.startDate),
      ...(state.stopDate !== undefined ? { stopDate: new Date(state.stopDate) } : {}),
      input: meta.input,
      inputDetails: { included: true },
      ...(state.output !== undefined ? { output: state.output, outputDetails: { included: true } } : {}),
      ...(state.error !== undefined ? { error: state.error } : {}),
      ...(state.cause !== undefined ? { cause: state.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  /**
   * The definition this execution runs on: the one its machine had when it started, whatever
   * updates came since (a deploy changes new executions only, as on AWS).
   */
  async describeStateMachineForExecution(input: {
    executionArn: string;
  }): Promise<Defined<DescribeStateMachineForExecutionOutput, 'stateMachineArn' | 'name' | 'definition' | 'roleArn' | 'updateDate'>> {
    const { meta } = this.getRun(input.executionArn);
    const machine = this.machines.get(meta.stateMachineArn);
    return {
      stateMachineArn: meta.stateMachineArn,
      name: machine?.name ?? meta.stateMachineArn.split(':').pop()!,
      definition: meta.definition,
      roleArn: meta.roleArn,
      // Journals written before definitionDate was kept: the start is the latest it can be.
      updateDate: new Date(meta.definitionDate ?? meta.startDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  async listExecutions(input: { stateMachineArn: string; statusFilter?: string; maxResults?: number; nextToken?: string }): Promise<Defined<ListExecutionsOutput, 'executions'>> {
    const machine = this.getMachine(input.stateMachineArn);
    const all = [...this.runs.values()]
      .filter((r) => r.meta.stateMachineArn === machine.stateMachineArn)
      .filter((r) => input.statusFilter === undefined || r.state.status === input.statusFilter)
      .sort((a, b) => b.meta.ordinal - a.meta.ordinal);
    const { items, nextToken } = page(all, (r) => r.meta.ordinal, input.maxResults, input.nextToken);
    return {
      executions: items.map(
        (r): ExecutionListItem => ({
          executionArn: r.meta.executionArn,
          stateMachineArn: r.meta.stateMachineArn,
          name: r.meta.name,
          status: r.state.status as ExecutionStatus,
          startDate: new Date(r.meta.startDate),
          ...(r.state.stopDate !== undefined ? { stopDate: new Date(r.state.stopDate) } : {}),
        }),
      ),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  async getExecutionHistory(input: {
    executionArn: string;
    maxResults?: number;
    nextToken?: string;
    reverseOrder?: boolean;
  }): Promise<Defined<GetExecutionHistoryOutput, 'events'>> {
    const run = this.getRun(input.executionArn);
    const ordered = input.reverseOrder ? [...run.events].reverse() : run.events;
    const { items, nextToken } = page(ordered, (e) => e.id, input.maxResults, input.nextToken);
    return {
      events: items.map((e) => ({ ...structuredClone(e), timestamp: new Date(e.timestamp) }) as HistoryEvent),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  async stopExecution(input: { executionArn: string; error?: string; cause?: string }): Promise<Defined<StopExecutionOutput, 'stopDate'>> {
    const run = this.getRun(input.executionArn);
    if (input.error !== undefined && input.error.length > 256) throw sfnError('ValidationException', 'error must be at most 256 characters');
    if (input.cause !== undefined && input.cause.length > 32768) throw sfnError('ValidationException', 'cause must be at most 32768 characters');
    if (run.running) this.mutate(run, () => run.stop(input.error, input.cause));
    return { stopDate: new Date(run.state.stopDate ?? this.now()) };
  }

  // ------------------------------------------------------------------------------------------
  // Task tokens

  async sendTaskSuccess(input: { taskToken: string; output: string }): Promise<Record<string, never>> {
    let output: Json;
    try {
      output = JSON.parse(input.output) as Json;
    } catch {
      throw sfnError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    if (Buffer.byteLength(input.output) > MAX_PAYLOAD_BYTES) throw sfnError('InvalidOutput', 'The output exceeds 262144 bytes');
    const { run, frame } = this.taskOf(input.taskToken);
    this.mutate(run, () => run.taskSuccess(frame, output));
    return {};
  }

  async sendTaskFailure(input: { taskToken: string; error?: string; cause?: string }): Promise<Record<string, never>> {
    if (input.error !== undefined && input.error.length > 256) throw sfnError('ValidationException', 'error must be at most 256 characters');
    const { run, frame } = this.taskOf(input.taskToken);
    this.mutate(run, () => run.taskFailure(frame, input.error ?? '', input.cause ?? ''));
    return {};
  }

  async sendTaskHeartbeat(input: { taskToken: string }): Promise<Record<string, never>> {
    const { run, frame } = this.taskOf(input.taskToken);
    this.mutate(run, () => run.taskHeartbeat(frame));
    return {};
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  private ensureStarted(): void {
    if (this.closed) throw new Error('LocalStepFunctions is closed');
    if (this.loaded) return;
    this.loaded = true;
    for (const m of this.journal.loadMachines()) this.machines.set(m.stateMachineArn, m);
    for (const { meta, events, state } of this.journal.loadExecutions()) {
      this.ordinal = Math.max(this.ordinal, meta.ordinal);
      this.runs.set(meta.executionArn, this.makeRun(meta, state, events));
    }
    // Resume: re-arm timers from their stored deadlines and re-issue Lambda calls that were in flight.
    for (const run of this.runs.values()) if (run.running) this.afterCommit(run);
  }

  private makeRun(meta: ExecutionMeta, state: Run['state'], events: Run['events']): Run {
    let definition = this.definitions.get(meta.definition);
    if (!definition) {
      definition = parseDefinition(meta.definition);
      this.definitions.set(meta.definition, definition);
    }
    // The interpreter only reads the definition, so runs of one definition can share it.
    return new Run(meta, definition, state, events, { now: this.now, region: this.region, accountId: this.accountId });
  }

  private saveMachines(): void {
    this.journal.saveMachines([...this.machines.values()]);
  }

  private getMachine(arn: string): MachineRecord {
    this.ensureStarted();
    if (typeof arn !== 'string' || !STATE_MACHINE_ARN.test(arn)) throw sfnError('InvalidArn', `Invalid Arn: '${arn}'`);
    const m = this.machines.get(arn);
    if (!m) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  private getRun(arn: string): Run {
    this.ensureStarted();
    if (typeof arn !== 'string' || !EXECUTION_ARN.test(arn)) throw sfnError('InvalidArn', `Invalid Arn: '${arn}'`);
    const run = this.runs.get(arn);
    if (!run) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return run;
  }

  private taskOf(token: string) {
    this.ensureStarted();
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) throw sfnError('InvalidToken', 'Invalid Token');
    const decoded = decodeToken(token);
    if (!decoded) throw sfnError('InvalidToken', `Invalid Token: '${token}'`);
    const run = this.runs.get(decoded.e);
    if (!run) throw sfnError('TaskDoesNotExist', 'Task Does Not Exist');
    const frame = run.frameForToken(token);
    // Answered, timed out, or its execution ended: AWS says TaskTimedOut for all of these.
    if (!frame) throw sfnError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    return { run, frame };
  }

  /** Applies one step to a run, journals it, then performs its effects. */
  private mutate(run: Run, step: () => void): void {
    if (this.closed) return;
    step();
    this.journal.append(run.meta, run.takeNewEvents(), run.state);
    this.afterCommit(run);
  }

  private afterCommit(run: Run): void {
    this.reconcileTimers(run);
    for (const call of run.invocations()) {
      const key = `${run.meta.executionArn}|${call.frameId}|${call.op}`;
      if (this.inflight.has(key)) continue;
      this.inflight.add(key);
      void this.invoke(run, key, call);
    }
    this.checkWaiters();
  }

  private async invoke(run: Run, key: string, call: { frameId: string; op: number; functionArn: string; payload: Json }): Promise<void> {
    const requestId = randomUUID();
    let outcome: Parameters<Run['invokeSettled']>[2];
    try {
      const result = await this.options.invokeLambda(call.functionArn, structuredClone(call.payload));
      // The payload crosses a JSON boundary on AWS: undefined becomes null, Dates become strings.
      outcome = { ok: true, payload: result === undefined ? null : JSON.parse(JSON.stringify(result)), requestId };
    } catch (e) {
      outcome = { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
    }
    this.inflight.delete(key);
    if (this.closed || this.runs.get(run.meta.executionArn) !== run) return;
    this.mutate(run, () => run.invokeSettled(call.frameId, call.op, outcome));
  }

  private reconcileTimers(run: Run): void {
    const arn = run.meta.executionArn;
    let armed = this.timers.get(arn);
    if (!armed) {
      armed = new Map();
      this.timers.set(arn, armed);
    }
    const wanted = new Map<string, TimerSpec>(run.timers().map((t) => [`${t.kind}|${t.frameId}|${t.op}|${t.at}`, t]));
    for (const [key, handle] of armed) {
      if (!wanted.has(key)) {
        clearTimeout(handle);
        armed.delete(key);
      }
    }
    for (const [key, spec] of wanted) if (!armed.has(key)) this.arm(run, armed, key, spec);
    if (armed.size === 0) this.timers.delete(arn);
  }

  private arm(run: Run, armed: Map<string, NodeJS.Timeout>, key: string, spec: TimerSpec): void {
    const delay = Math.max(0, spec.at - this.now());
    const handle = setTimeout(() => {
      armed.delete(key);
      if (this.closed) return;
      if (delay > MAX_TIMER_MS) {
        this.arm(run, armed, key, spec);
        return;
      }
      this.mutate(run, () => run.timerFired(spec));
    }, Math.min(delay, MAX_TIMER_MS));
    armed.set(key, handle);
  }

  private waitFor(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }

  private checkWaiters(): void {
    const ready = this.waiters.filter((w) => w.done());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    ready.forEach((w) => w.resolve());
  }
}

/** Cursor paging: the token names the key of the last item returned. */
function page<T>(all: T[], key: (item: T) => string | number, maxResults: number | undefined, nextToken: string | undefined) {
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000)) {
    throw sfnError('ValidationException', 'maxResults must be between 0 and 1000');
  }
  const size = maxResults || 100;
  let start = 0;
  if (nextToken !== undefined) {
    let after: unknown;
    try {
      after = (JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8')) as { after: unknown }).after;
    } catch {
      throw sfnError('InvalidToken', 'Invalid pagination token');
    }
    const index = all.findIndex((item) => key(item) === after);
    if (index < 0) throw sfnError('InvalidToken', 'Invalid pagination token');
    start = index + 1;
  }
  const items = all.slice(start, start + size);
  const more = start + size < all.length;
  return {
    items,
    nextToken: more ? Buffer.from(JSON.stringify({ after: key(items[items.length - 1]!) })).toString('base64url') : undefined,
  };
}
