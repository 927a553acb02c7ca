/**
 * The bench's cost meter: counts what local mode actually does while a window is open, and
 * bills it the way AWS does (prices in prices.ts).
 *   DynamoDB  middleware on the handlers' client (they run in this process). For every item a
 *             write touches, the item is read before and after through a separate, unmetered
 *             client, and billed from those sizes: 1 WRU per started KB of the larger of old and
 *             new (×2 in TransactWriteItems), plus for each GSI the entry it puts, updates
 *             (a projected attribute changed) or deletes (1 WRU per started KB of the index
 *             entry: keys + projected attributes + 100 bytes). Reads: 1 RRU per started 4 KB,
 *             eventually consistent halves, transactions double; a Query is billed on the sum of
 *             the entries it returns. Sizes follow DynamoDB's rules (UTF-8 names and values,
 *             numbers ~1 byte per 2 digits + 1, 3 bytes + 1 per element for lists and maps).
 *             ReturnConsumedCapacity INDEXES is asked for too, and what DynamoDB Local reports
 *             is kept beside the computed figure.
 *   S3        middleware on the handlers' client, by command and price class.
 *   Lambda    invocations and wall time per function, from the local runtime; GB-s = duration
 *             (rounded up to the ms) × memoryMb of infra/manifest.ts. Local durations run on a
 *             shared dev machine with every service in one process: indicative only.
 *   KMS, directory  outgoing HTTP requests of this process to those local endpoints.
 *   Logs      every byte a handler writes to stdout or stderr while it runs (Powertools JSON
 *             lines at INFO, the level the stack leaves them at; the handlers' async context says
 *             which function wrote), its EMF metric lines (the metrics sink: they are log lines in
 *             Lambda), Lambda's own START/END/REPORT lines per invocation and the HTTP API's
 *             access log line per request (both rendered from their formats); ingestion per GB and
 *             storage of the gzip-compressed bytes for the log groups' retention.
 *   X-Ray     with the branch's `tracing` on: one trace per request entering from outside (an API
 *             request, an S3 notification) and one per execution (counted apart, an upper bound:
 *             an execution may continue the trace of the function that started it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LocalMode } from '../../infra/local/local-mode.js';
import type { GsiSpec, TableSpec } from '../../infra/manifest.js';
import { LOCAL_ACCESS_KEY, LOCAL_REGION } from '../../infra/local/wiring.js';
import { documentClient, s3Client, sfnClient } from '../../functions/adapters/clients.js';
import { logger } from '../../functions/adapters/logger.js';
import { setMetricsSink } from '../../functions/adapters/metrics.js';
import { API_ACCESS_LOG_FIELDS, LOG_RETENTION } from '../../infra/stacks/branch-stack.js';
import { GOAL_PER_1000_DOCUMENTS, PRICES } from './prices.js';
import { marshall } from '@aws-sdk/util-dynamodb';

/** The handlers' client is lib-dynamodb: the meter sees native values and marshalls them as it does. */
const av = (value: unknown): Item => (value ? marshall(value as Record<string, unknown>, { removeUndefinedValues: true, convertClassInstanceToMap: false }) : (value as undefined as never));

type Item = Record<string, AttributeValue>;

// ---- DynamoDB item sizes -------------------------------------------------------------------------

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
function numberSize(n: string): number {
  const digits = n.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + utf8(x), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + numberSize(x), 0);
  if (v.BS) return v.BS.reduce((s, x) => s + x.length, 0);
  if (v.L) return 3 + v.L.reduce((s, e) => s + 1 + valueSize(e), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, e]) => s + 1 + utf8(k) + valueSize(e), 0);
  return 0;
}
export const itemSize = (item: Item | undefined) => (item ? Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + valueSize(v), 0) : 0);
const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const rruOf = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** The index entry an item makes in a GSI, or undefined when the item lacks the index keys. */
function indexEntry(item: Item | undefined, table: TableSpec, gsi: GsiSpec): Item | undefined {
  if (!item || !item[gsi.partitionKey.name] || !item[gsi.sortKey.name]) return undefined;
  const keys = [table.partitionKey.name, table.sortKey.name, gsi.partitionKey.name, gsi.sortKey.name];
  const names =
    gsi.projection.type === 'ALL' ? Object.keys(item) : gsi.projection.type === 'KEYS_ONLY' ? keys : [...keys, ...gsi.projection.nonKeyAttributes];
  return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]]));
}
const INDEX_ENTRY_OVERHEAD = 100;
const canonical = (item: Item | undefined) => JSON.stringify(Object.entries(item ?? {}).sort(([a], [b]) => a.localeCompare(b)));

// ---- the meter -----------------------------------------------------------------------------------

interface WriteTarget {
  table: string;
  key: Item;
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  transactional: boolean;
}

export interface Tally {
  ddb: {
    requests: Record<string, number>;
    wru: { table: number; indexes: number; total: number; byTable: Record<string, number>; byIndex: Record<string, number>; byItem: Record<string, { writes: number; wru: number; indexWru: number; maxBytes: number }> };
    rru: { total: number; byTable: Record<string, number> };
    itemsWritten: number;
    itemBytesWritten: { max: number; byTable: Record<string, { items: number; maxBytes: number; meanBytes: number }> };
    reportedByDynamoDbLocal: { wcu: number; rcu: number; indexWcu: Record<string, number>; responsesWithCapacity: number; responses: number };
  };
  s3: { byCommand: Record<string, number>; putClass: number; getClass: number; free: number };
  lambda: Record<string, { invocations: number; ms: number; memoryMb: number; gbSeconds: number }>;
  api: { requests: number; byRoute: Record<string, number> };
  kms: number;
  directory: number;
  logs: {
    /** What each function wrote while it ran: log lines (stdout and stderr) and EMF metric lines. */
    byFunction: Record<string, { lines: number; bytes: number; emfLines: number; emfBytes: number }>;
    /** The lines themselves, for their compressed size. */
    text: string[];
  };
  /** Invocations by who made them: from outside (API, S3, schedules), or by a state machine. */
  invokedBy: { entry: number; stateMachine: number };
}

export const emptyTally = (): Tally => ({
  ddb: {
    requests: {},
    wru: { table: 0, indexes: 0, total: 0, byTable: {}, byIndex: {}, byItem: {} },
    rru: { total: 0, byTable: {} },
    itemsWritten: 0,
    itemBytesWritten: { max: 0, byTable: {} },
    reportedByDynamoDbLocal: { wcu: 0, rcu: 0, indexWcu: {}, responsesWithCapacity: 0, responses: 0 },
  },
  s3: { byCommand: {}, putClass: 0, getClass: 0, free: 0 },
  lambda: {},
  api: { requests: 0, byRoute: {} },
  kms: 0,
  directory: 0,
  logs: { byFunction: {}, text: [] },
  invokedBy: { entry: 0, stateMachine: 0 },
});

/**
 * The handlers' log level. Powertools puts a warm invocation back to the level the logger started
 * with (injectLambdaContext → refreshSampleRateCalculation), so that one changes too: through
 * setInitialLogLevel, public in Powertools' JavaScript though left out of its typings.
 */
function setHandlerLogLevel(level: string) {
  const powertools = logger as unknown as { setInitialLogLevel?: (level: string) => void };
  if (typeof powertools.setInitialLogLevel !== 'function') throw new Error('Powertools Logger has no setInitialLogLevel: the bench cannot log at INFO');
  powertools.setInitialLogLevel(level);
  logger.setLogLevel(level as 'INFO');
}

/** The function whose handler is running (set around each invocation through the local runtime). */
const running = new AsyncLocalStorage<string>();

/** Lambda's X-Ray trace variable as it looks in an invocation: Powertools puts its Root on every log line. */
const LAMBDA_TRACE_ENV = 'Root=1-6743a1b2-0f1e2d3c4b5a69788796a5b4;Parent=5e4d3c2b1a0f9e8d;Sampled=0;Lineage=1:a1b2c3d4:0';

const S3_PUT_CLASS = new Set(['PutObject', 'CopyObject', 'PostObject', 'ListObjects', 'ListObjectsV2', 'ListObjectVersions', 'CreateMultipartUpload', 'UploadPart', 'UploadPartCopy', 'CompleteMultipartUpload', 'PutObjectRetention', 'PutObjectLegalHold', 'PutObjectTagging']);
const S3_FREE = new Set(['DeleteObject', 'DeleteObjects', 'AbortMultipartUpload']);

export class CostMeter {
  private tally: Tally | undefined;
  /** Sizes before/after each write need two extra reads per item: only when asked for. */
  measureItems = true;
  private readonly raw: DynamoDBClient;
  private readonly tables: Map<string, TableSpec>;
  private readonly itemSizes: Record<string, number[]> = {};
  private bytesWritten: Record<string, number[]> = {};
  /** Commands DynamoDB Local fails when asked for ReturnConsumedCapacity. */
  readonly capacityRefused = new Set<string>();

  constructor(private readonly local: LocalMode) {
    this.raw = new DynamoDBClient({ endpoint: local.endpoints.dynamodb, region: LOCAL_REGION, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
    this.tables = new Map(local.wiring.tables.map((t) => [t.tableName, t]));
    void this.itemSizes;
    this.install();
  }

  /** Time spent per kind of call while profiling (the decision → next task breakdown). */
  private profile: Record<string, { calls: number; ms: number }> | undefined;
  startProfile() {
    this.profile = {};
  }
  stopProfile(samples: number) {
    const p = this.profile ?? {};
    this.profile = undefined;
    return Object.fromEntries(
      Object.entries(p)
        .sort(([, a], [, b]) => b.ms - a.ms)
        .map(([k, v]) => [k, { callsPerSample: Number((v.calls / samples).toFixed(2)), msPerSample: Number((v.ms / samples).toFixed(2)) }]),
    );
  }
  private timed(kind: string, ms: number) {
    if (!this.profile) return;
    const e = (this.profile[kind] ??= { calls: 0, ms: 0 });
    e.calls++;
    e.ms += ms;
  }
  private async time<T>(kind: string, fn: () => Promise<T>): Promise<T> {
    if (!this.profile) return fn();
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.timed(kind, performance.now() - t);
    }
  }

  /** Open from start() to stop(): the handlers log at INFO, as deployed, and their stdout is kept out of the bench's output. */
  private logWindow: { level: string; traceEnv: string | undefined } | undefined;

  start(measureItems = true) {
    this.tally = emptyTally();
    this.bytesWritten = {};
    this.measureItems = measureItems;
    // The stack sets no LOG_LEVEL: deployed functions log at Powertools' default, INFO.
    this.logWindow = { level: logger.getLevelName(), traceEnv: process.env._X_AMZN_TRACE_ID };
    setHandlerLogLevel('INFO');
    process.env._X_AMZN_TRACE_ID = LAMBDA_TRACE_ENV;
    // EMF lines go to stdout in Lambda only; here they come to the meter.
    setMetricsSink((line) => this.countLog(`${line}\n`, true));
  }

  stop(): Tally {
    const t = this.tally ?? emptyTally();
    this.tally = undefined;
    if (this.logWindow) {
      setHandlerLogLevel(this.logWindow.level);
      if (this.logWindow.traceEnv === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = this.logWindow.traceEnv;
      setMetricsSink(undefined);
      this.logWindow = undefined;
    }
    for (const [table, sizes] of Object.entries(this.bytesWritten)) {
      t.ddb.itemBytesWritten.byTable[table] = { items: sizes.length, maxBytes: Math.max(...sizes), meanBytes: Math.round(sizes.reduce((s, x) => s + x, 0) / sizes.length) };
      t.ddb.itemBytesWritten.max = Math.max(t.ddb.itemBytesWritten.max, ...sizes);
    }
    t.ddb.wru.total = t.ddb.wru.table + t.ddb.wru.indexes;
    (t.ddb.reportedByDynamoDbLocal as Record<string, unknown>).refusedFor = [...this.capacityRefused];
    return t;
  }

  /** Runs `fn` with the window paused (only while nothing else is in flight: after settle()). */
  async unmetered<T>(fn: () => Promise<T>): Promise<T> {
    const t = this.tally;
    this.tally = undefined;
    try {
      return await fn();
    } finally {
      this.tally = t;
    }
  }

  /** Counts a chunk a handler wrote (outside a handler, or outside a window, nothing is counted). */
  private countLog(chunk: string | Uint8Array, emf: boolean): boolean {
    const fn = running.getStore();
    const t = this.tally;
    if (!fn || !this.logWindow) return false;
    if (!t) return true;
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const bytes = Buffer.byteLength(text, 'utf8');
    const lines = text.split('\n').filter((l) => l.trim()).length;
    const f = (t.logs.byFunction[fn] ??= { lines: 0, bytes: 0, emfLines: 0, emfBytes: 0 });
    if (emf) {
      f.emfLines += lines;
      f.emfBytes += bytes;
    } else {
      f.lines += lines;
      f.bytes += bytes;
    }
    t.logs.text.push(text);
    return true;
  }

  /** An API request made by the (simulated) user inside the window. */
  apiRequest(method: string, path: string) {
    if (!this.tally) return;
    this.tally.api.requests++;
    const route = `${method} ${path.replace(/\?.*$/, '').replace(/[0-9a-f]{20,24}/g, '{id}')}`;
    this.tally.api.byRoute[route] = (this.tally.api.byRoute[route] ?? 0) + 1;
  }

  /** An S3 request made by something outside the handlers (the scanner's upload). */
  s3Request(command: string) {
    if (this.tally) this.countS3(this.tally, command);
  }

  private countS3(t: Tally, command: string) {
    t.s3.byCommand[command] = (t.s3.byCommand[command] ?? 0) + 1;
    if (S3_FREE.has(command)) t.s3.free++;
    else if (S3_PUT_CLASS.has(command)) t.s3.putClass++;
    else t.s3.getClass++;
  }

  private shortName(tableName: string) {
    return this.tables.get(tableName)?.id ?? tableName;
  }

  private async rawGet(table: string, key: Item): Promise<Item | undefined> {
    return (await this.raw.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  }

  private keyOf(table: string, item: Item): Item {
    const spec = this.tables.get(table);
    if (!spec) return item;
    return { [spec.partitionKey.name]: item[spec.partitionKey.name], [spec.sortKey.name]: item[spec.sortKey.name] };
  }

  private writeTargets(command: string, input: any): WriteTarget[] {
    switch (command) {
      case 'PutItemCommand':
        return [{ table: input.TableName, key: this.keyOf(input.TableName, av(input.Item)), kind: 'Put', transactional: false }];
      case 'UpdateItemCommand':
        return [{ table: input.TableName, key: av(input.Key), kind: 'Update', transactional: false }];
      case 'DeleteItemCommand':
        return [{ table: input.TableName, key: av(input.Key), kind: 'Delete', transactional: false }];
      case 'BatchWriteItemCommand':
        return Object.entries(input.RequestItems ?? {}).flatMap(([table, reqs]) =>
          (reqs as any[]).map((r) =>
            r.PutRequest
              ? { table, key: this.keyOf(table, av(r.PutRequest.Item)), kind: 'Put' as const, transactional: false }
              : { table, key: av(r.DeleteRequest.Key), kind: 'Delete' as const, transactional: false },
          ),
        );
      case 'TransactWriteItemsCommand':
        return (input.TransactItems ?? []).map((ti: any) => {
          if (ti.Put) return { table: ti.Put.TableName, key: this.keyOf(ti.Put.TableName, av(ti.Put.Item)), kind: 'Put', transactional: true };
          if (ti.Update) return { table: ti.Update.TableName, key: av(ti.Update.Key), kind: 'Update', transactional: true };
          if (ti.Delete) return { table: ti.Delete.TableName, key: av(ti.Delete.Key), kind: 'Delete', transactional: true };
          return { table: ti.ConditionCheck.TableName, key: av(ti.ConditionCheck.Key), kind: 'ConditionCheck', transactional: true };
        });
      default:
        return [];
    }
  }

  private billWrite(t: Tally, target: WriteTarget, before: Item | undefined, after: Item | undefined) {
    const spec = this.tables.get(target.table);
    const name = this.shortName(target.table);
    const size = target.kind === 'Delete' || target.kind === 'ConditionCheck' ? itemSize(before) : Math.max(itemSize(before), itemSize(after));
    const wru = kb(size) * (target.transactional ? 2 : 1);
    t.ddb.wru.table += wru;
    t.ddb.wru.byTable[name] = (t.ddb.wru.byTable[name] ?? 0) + wru;
    t.ddb.itemsWritten++;
    // By kind of item: table, key prefixes (up to the first #), how it was written.
    const prefix = (v: AttributeValue | undefined) => String(v?.S ?? v?.N ?? '').split('#')[0].replace(/^[0-9a-f]{16,}$/, '{id}').replace(/^\d{4}-\d\d-\d\dT.*$/, '{at}');
    const itemKind = `${name} ${prefix(target.key[spec?.partitionKey.name ?? 'pk'])}/${prefix(target.key[spec?.sortKey.name ?? 'sk'])} ${target.kind}${target.transactional ? ' (tx)' : ''}`;
    const byItem = (t.ddb.wru.byItem[itemKind] ??= { writes: 0, wru: 0, indexWru: 0, maxBytes: 0 });
    byItem.writes++;
    byItem.wru += wru;
    byItem.maxBytes = Math.max(byItem.maxBytes, size);
    if (after && target.kind !== 'Delete' && target.kind !== 'ConditionCheck') (this.bytesWritten[name] ??= []).push(itemSize(after));
    if (!spec || target.kind === 'ConditionCheck') return;
    for (const gsi of spec.globalSecondaryIndexes) {
      const old = indexEntry(before, spec, gsi);
      const now = indexEntry(after, spec, gsi);
      const entryKb = (e: Item | undefined) => kb(itemSize(e) + INDEX_ENTRY_OVERHEAD);
      let cost = 0;
      if (old && now) {
        const keyChanged = canonical({ a: old[gsi.partitionKey.name], b: old[gsi.sortKey.name] } as never) !== canonical({ a: now[gsi.partitionKey.name], b: now[gsi.sortKey.name] } as never);
        if (keyChanged) cost = entryKb(old) + entryKb(now);
        else if (canonical(old) !== canonical(now)) cost = Math.max(entryKb(old), entryKb(now));
      } else if (old) cost = entryKb(old);
      else if (now) cost = entryKb(now);
      if (cost) {
        byItem.indexWru += cost;
        t.ddb.wru.indexes += cost;
        const key = `${name}/${gsi.indexName}`;
        t.ddb.wru.byIndex[key] = (t.ddb.wru.byIndex[key] ?? 0) + cost;
      }
    }
  }

  private billReads(t: Tally, command: string, input: any, output: any) {
    const add = (table: string, rru: number) => {
      const name = this.shortName(table);
      t.ddb.rru.total += rru;
      t.ddb.rru.byTable[name] = (t.ddb.rru.byTable[name] ?? 0) + rru;
    };
    switch (command) {
      case 'GetItemCommand':
        return add(input.TableName, rruOf(itemSize(av(output.Item)), input.ConsistentRead === true));
      case 'QueryCommand':
      case 'ScanCommand': {
        const bytes = (output.Items ?? []).reduce((s: number, i: unknown) => s + itemSize(av(i)), 0);
        // A filter reads what it drops: scale by what was scanned.
        const scale = output.Count && output.ScannedCount > output.Count ? output.ScannedCount / output.Count : 1;
        return add(input.IndexName ? `${input.TableName}/${input.IndexName}` : input.TableName, rruOf(bytes * scale, input.ConsistentRead === true));
      }
      case 'BatchGetItemCommand':
        for (const [table, items] of Object.entries(output.Responses ?? {})) {
          const consistent = input.RequestItems?.[table]?.ConsistentRead === true;
          for (const i of items as unknown[]) add(table, rruOf(itemSize(av(i)), consistent));
        }
        return;
      case 'TransactGetItemsCommand':
        (output.Responses ?? []).forEach((r: any, n: number) => add(input.TransactItems[n].Get.TableName, rruOf(itemSize(av(r.Item)), true) * 2));
        return;
    }
  }

  private install() {
    // At initialize: lib-dynamodb marshalls later (just before the serializer), so input and
    // output are native values here, and ReturnConsumedCapacity still reaches the request.
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        const t = this.tally;
        const command = String((context as { commandName?: string }).commandName ?? '');
        if (!t) {
          const input = args.input as { TableName?: string; IndexName?: string; TransactItems?: unknown[] };
          const where = input.TableName ? ` ${this.shortName(input.TableName)}${input.IndexName ? `/${input.IndexName}` : ''}` : input.TransactItems ? ` ×${input.TransactItems.length}` : '';
          return this.time(`dynamodb ${command.replace(/Command$/, '')}${where}`, () => next(args));
        }
        const input = args.input as any;
        const askCapacity = !this.capacityRefused.has(command);
        if (askCapacity) input.ReturnConsumedCapacity = 'INDEXES';
        t.ddb.requests[command.replace(/Command$/, '')] = (t.ddb.requests[command.replace(/Command$/, '')] ?? 0) + 1;
        const targets = this.measureItems ? this.writeTargets(command, input) : [];
        const before = await Promise.all(targets.map((w) => this.rawGet(w.table, w.key)));
        let result: any;
        try {
          try {
            result = await next(args);
          } catch (err) {
            // DynamoDB Local fails some requests that ask for their consumed capacity: note it, ask no more.
            if (!askCapacity || (err as Error).name !== 'InternalFailure') throw err;
            this.capacityRefused.add(command);
            delete input.ReturnConsumedCapacity;
            result = await next(args);
          }
        } finally {
          const after = await Promise.all(targets.map((w) => this.rawGet(w.table, w.key)));
          targets.forEach((w, i) => this.billWrite(t, w, before[i], after[i]));
        }
        const output = result.output as any;
        if (this.measureItems) this.billReads(t, command, input, output);
        const reported = t.ddb.reportedByDynamoDbLocal;
        reported.responses++;
        const caps = output.ConsumedCapacity === undefined ? [] : Array.isArray(output.ConsumedCapacity) ? output.ConsumedCapacity : [output.ConsumedCapacity];
        if (caps.length) reported.responsesWithCapacity++;
        for (const c of caps) {
          const writes = WRITE_COMMANDS.has(command);
          reported.wcu += c.WriteCapacityUnits ?? (writes ? (c.CapacityUnits ?? 0) : 0);
          reported.rcu += c.ReadCapacityUnits ?? (writes ? 0 : (c.CapacityUnits ?? 0));
          for (const [index, v] of Object.entries(c.GlobalSecondaryIndexes ?? {})) {
            reported.indexWcu[index] = (reported.indexWcu[index] ?? 0) + ((v as any).WriteCapacityUnits ?? (v as any).CapacityUnits ?? 0);
          }
        }
        return result;
      },
      { step: 'initialize', name: 'benchCostMeter', priority: 'low' },
    );
    s3Client().middlewareStack.add(
      (next, context) => async (args) => {
        if (this.tally) this.countS3(this.tally, String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'benchS3Meter', priority: 'high' },
    );
    sfnClient().middlewareStack.add(
      (next, context) => (args) => this.time(`stepfunctions ${String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')}`, () => next(args)),
      { step: 'initialize', name: 'benchSfnProfile', priority: 'high' },
    );
    // Lambda: wall time of each invocation through the local runtime (the engine, the API and
    // the S3 notifications all call runtime.invoke).
    const runtime = this.local.runtime;
    const invoke = runtime.invoke.bind(runtime);
    const byRef = new Map(this.local.wiring.functions.flatMap((f) => [[f.functionArn, f], [f.functionName, f], [f.id, f]] as const));
    runtime.invoke = async (ref: string, event: unknown) => {
      const t = this.tally;
      const started = performance.now();
      // The engine invokes by ARN; the API, S3 notifications and schedules by function id.
      if (t) t.invokedBy[ref.startsWith('arn:') ? 'stateMachine' : 'entry']++;
      try {
        return await running.run(byRef.get(ref)?.id ?? ref, () => invoke(ref, event));
      } finally {
        const fn = byRef.get(ref);
        const routeKey = (event as { routeKey?: unknown } | null)?.routeKey;
        this.timed(`lambda ${fn?.id ?? ref}${typeof routeKey === 'string' ? ` ${routeKey}` : ''}`, performance.now() - started);
        if (t && fn) {
          const ms = Math.ceil(performance.now() - started);
          const l = (t.lambda[fn.id] ??= { invocations: 0, ms: 0, memoryMb: fn.memoryMb, gbSeconds: 0 });
          l.invocations++;
          l.ms += ms;
          l.gbSeconds += (ms / 1000) * (fn.memoryMb / 1024);
        }
      }
    };
    // What handlers write: counted per function while a window is open; their stdout (INFO lines
    // the bench does not print) is dropped, their stderr (warnings, errors) still shown.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
        const counted = this.countLog(chunk, false);
        if (counted && stream === process.stdout) {
          const callback = typeof encoding === 'function' ? encoding : cb;
          if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
          return true;
        }
        return write(chunk, encoding, cb);
      }) as typeof stream.write;
    }
    // KMS and the user directory: outgoing HTTP requests to their local endpoints.
    const kmsPort = new URL(this.local.endpoints.kms).port;
    const cognitoPort = new URL(this.local.endpoints.cognito).port;
    const startedAt = new WeakMap<object, { kind: string; at: number }>();
    diagnostics.subscribe('http.client.request.start', (message) => {
      const request = (message as { request: { host?: string; getHeader(name: string): unknown } }).request;
      const host = String(request.getHeader('host') ?? '');
      const kind = host.endsWith(`:${kmsPort}`) ? 'kms' : host.endsWith(`:${cognitoPort}`) ? 'directory' : undefined;
      if (!kind) return;
      if (this.profile) startedAt.set(request, { kind, at: performance.now() });
      const t = this.tally;
      if (t && kind === 'kms') t.kms++;
      else if (t) t.directory++;
    });
    diagnostics.subscribe('http.client.response.finish', (message) => {
      const started = startedAt.get((message as { request: object }).request);
      if (started) this.timed(`${started.kind} (HTTP)`, performance.now() - started.at);
    });
  }
}

const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);

// ---- logs and traces ----------------------------------------------------------------------------

const GIB = 1024 ** 3;
const SAMPLE_REQUEST_ID = '6f8e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

/**
 * Lambda's own lines per invocation (text log format, as the stack leaves it): START, END and
 * REPORT, with an XRAY line in REPORT when traced; an init line on cold starts is left out.
 */
export function platformLogBytes(memoryMb: number, durationMs: number, traced: boolean): number {
  const lines = [
    `START RequestId: ${SAMPLE_REQUEST_ID} Version: $LATEST\n`,
    `END RequestId: ${SAMPLE_REQUEST_ID}\n`,
    `REPORT RequestId: ${SAMPLE_REQUEST_ID}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${Math.round(memoryMb * 0.4)} MB\t\n` +
      (traced ? 'XRAY TraceId: 1-6743a1b2-0f1e2d3c4b5a69788796a5b4\tSegmentId: 5e4d3c2b1a0f9e8d\tSampled: true\t\n' : ''),
  ];
  return lines.reduce((sum, l) => sum + Buffer.byteLength(l), 0);
}

/** The HTTP API's access log line for one request (API_ACCESS_LOG_FIELDS filled as API Gateway fills it). */
export function accessLogLine(routeKey: string): string {
  const values: Record<keyof typeof API_ACCESS_LOG_FIELDS, string> = {
    requestId: 'Ab1CdEfGhIjKlMn=',
    ip: '203.0.113.45',
    requestTime: '24/Nov/2026:08:22:55 +0000',
    routeKey,
    status: '200',
    protocol: 'HTTP/1.1',
    responseLength: '1834',
    user: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    authorizerError: '-',
    integrationError: '-',
  };
  return `${JSON.stringify(values)}\n`;
}

/** Months a log event is stored (the stack's retention, in days). */
const RETENTION_MONTHS = (Number(LOG_RETENTION) || 365) / (365 / 12);

export interface BillOptions {
  /** The branch's `tracing` (X-Ray on): priced into allIn only when on. */
  tracing: boolean;
  /** State machine executions in the window (one per document). */
  executions: number;
}

/** Dollars for one document and per 1,000 documents, by component. */
export function bill(t: Tally, transitions: number, options: BillOptions = { tracing: false, executions: 1 }) {
  const lambdaInvocations = Object.values(t.lambda).reduce((s, l) => s + l.invocations, 0);
  const gbSeconds = Object.values(t.lambda).reduce((s, l) => s + l.gbSeconds, 0);
  const perDoc = {
    stepFunctions: transitions * PRICES.stepFunctionsStandardPerTransition,
    dynamoDb: t.ddb.wru.total * PRICES.dynamoDbPerWru + t.ddb.rru.total * PRICES.dynamoDbPerRru,
    s3: t.s3.putClass * PRICES.s3PutCopyPostListPerRequest + t.s3.getClass * PRICES.s3GetHeadOtherPerRequest,
    lambda: lambdaInvocations * PRICES.lambdaPerRequest + gbSeconds * PRICES.lambdaArmPerGbSecond,
    api: t.api.requests * PRICES.httpApiPerRequest,
  };
  const kms = t.kms * PRICES.kmsPerRequest;

  // Logs: what the handlers wrote, Lambda's lines, the API's access lines.
  const handlerBytes = Object.values(t.logs.byFunction).reduce((s, f) => s + f.bytes, 0);
  const emfBytes = Object.values(t.logs.byFunction).reduce((s, f) => s + f.emfBytes, 0);
  const platformBytes = Object.values(t.lambda).reduce((s, l) => s + (l.invocations ? l.invocations * platformLogBytes(l.memoryMb, l.ms / l.invocations, options.tracing) : 0), 0);
  const accessLines = Object.entries(t.api.byRoute).map(([route, n]) => ({ route, n, line: accessLogLine(route) }));
  const accessBytes = accessLines.reduce((s, a) => s + a.n * Buffer.byteLength(a.line), 0);
  const ingestedBytes = handlerBytes + emfBytes + platformBytes + accessBytes;
  // Stored compressed: the ratio gzip gets on this window's own lines (handlers' and the API's).
  const sample = t.logs.text.join('') + accessLines.map((a) => a.line.repeat(a.n)).join('');
  const compression = sample.length ? gzipSync(sample).length / Buffer.byteLength(sample) : 1;
  const logsIngestion = (ingestedBytes / GIB) * PRICES.logsIngestedPerGb;
  const logsStorage = ((ingestedBytes * compression) / GIB) * PRICES.logsStoredPerGbMonth * RETENTION_MONTHS;
  const logs = logsIngestion + logsStorage;

  // X-Ray: a trace per request from outside and per execution, when the branch traces.
  const traces = t.invokedBy.entry + options.executions;
  const xRayIfTracing = traces * PRICES.xRayPerTraceRecorded;
  const xRay = options.tracing ? xRayIfTracing : 0;

  const per1k = (x: number) => Number((x * 1000).toFixed(4));
  const total = Object.values(perDoc).reduce((s, x) => s + x, 0);
  const allIn = total + kms + logs + xRay;
  return {
    per1000Documents: {
      total: per1k(total),
      ...Object.fromEntries(Object.entries(perDoc).map(([k, v]) => [k, per1k(v)])),
      kmsAuditMacs: per1k(kms),
      totalWithKms: per1k(total + kms),
      logs: per1k(logs),
      xRay: per1k(xRay),
      allIn: per1k(allIn),
      goal: GOAL_PER_1000_DOCUMENTS,
      withinGoal: allIn * 1000 <= GOAL_PER_1000_DOCUMENTS,
    },
    logs: {
      bytesPerDocument: { handlers: handlerBytes, emfMetrics: emfBytes, lambdaPlatform: platformBytes, apiAccess: accessBytes, total: ingestedBytes },
      byFunction: t.logs.byFunction,
      compressedRatio: Number(compression.toFixed(3)),
      per1000Documents: { ingestion: per1k(logsIngestion), storage: per1k(logsStorage) },
      retentionMonths: Number(RETENTION_MONTHS.toFixed(1)),
      note: 'handlers at INFO (the stack sets no LOG_LEVEL) with Lambda\'s trace id on each line; EMF lines as Lambda writes them; START/END/REPORT per invocation and the API access line per request rendered from their formats; Step Functions logs ERROR only (none on a happy path). Storage: compressed bytes × retention months',
    },
    xRay: {
      tracing: options.tracing,
      tracesPerDocument: traces,
      entryInvocations: t.invokedBy.entry,
      stateMachineInvocations: t.invokedBy.stateMachine,
      executions: options.executions,
      per1000DocumentsIfTracing: per1k(xRayIfTracing),
      note: 'one trace per invocation from outside (API request, S3 notification) and per execution; the functions a state machine invokes join its trace. Priced into allIn only when the branch config has "tracing": true',
    },
    lambdaInvocations,
    gbSeconds: Number(gbSeconds.toFixed(3)),
  };
}
