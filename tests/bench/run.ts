/**
 * `npm run bench`: starts local mode in a throwaway data directory and measures, in one run,
 *   intake                      N scans uploaded through the S3 API until all are registered and
 *                               every first task (拟办) exists
 *   decisionToNextTask          POST /tasks/{id}/decision until the next assignee sees the next task
 *   stateTransitionsPerDocument StateEntered / history events of one execution driven to the end
 *   rawDynamoDbLocal            K sequential PutItem calls against the same DynamoDB Local
 *   numbering                   200 发文字号 at once (tests/bench/numbering.ts) beside 200 conditional
 *                               PutItems on fresh keys at once
 *   console                     the web console's first-visit download (gzip) beside React alone,
 *                               and its time to first render of 待办 in Chromium beside a blank
 *                               page from the same server (tests/bench/console.ts)
 *   drafts                      PUT /drafts/{id} (a new version of a 200-paragraph draft, one paragraph
 *                               changed) and GET …/diff, beside GET /me
 *   layout                      GB/T 9704 发文 PDF, ms per page for ~1 and ~10 pages, cold and warm,
 *                               beside the processing slip PDF (tests/bench/layout.ts)
 *   functionInit                every function's bundle (as the stack bundles it) imported in fresh
 *                               processes, beside an SDK-only handler (tests/bench/init.ts)
 *   cost                        per route, one document down its happy path metered and billed:
 *                               core, KMS, CloudWatch Logs and X-Ray, all in beside the goal
 *   ratios, memory, environment
 * Prints exactly one JSON document on stdout (progress goes to stderr) and writes it to
 * bench-results/bench-<ISO timestamp>.json.
 *
 * Parameters (environment): BENCH_SCANS (50), BENCH_DECISIONS (20 task-to-task samples),
 * BENCH_RAW_WRITES (500), BENCH_POLL_MS (5), BENCH_CONSOLE_SAMPLES (10 loads of each page, per cache state),
 * BENCH_INIT_RUNS (9 rounds of fresh processes per function, at least 7), BENCH_COST_ROUTES (every
 * route), BENCH_ONLY (init and/or cost: only those parts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

// Handlers log through Powertools to stdout; keep stdout for the one JSON document. The level
// is read when a handler's logger module is first imported, i.e. after this line. Anything that
// still reaches stdout (warnings, stray console.log) is diverted to stderr until the end.
process.env.LOG_LEVEL = 'WARN';
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: any, encoding?: any, cb?: any) => process.stderr.write(chunk, encoding, cb)) as typeof process.stdout.write;

const { PutObjectCommand } = await import('@aws-sdk/client-s3');
const { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } = await import('@aws-sdk/client-sfn');
const { CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
const { LOCAL_ACCESS_KEY, LOCAL_REGION } = await import('../../infra/local/wiring.js');
const { documentClient } = await import('../../functions/adapters/clients.js');
const { inboxBucket, makePdf, startHarness } = await import('../integration/harness.js');
const { CostMeter, bill } = await import('./cost.js');
const { GOAL_PER_1000_DOCUMENTS, PRICES } = await import('./prices.js');
const { functionInitBench } = await import('./init.js');
const { ROUTES } = await import('../../functions/routes/index.js');
const { happyPath } = await import('../../functions/domain/route-platform.js');
const { ensureWebBuilt, WEB_DIST } = await import('../../infra/local/build-web.js');
const { consoleDownload, consoleFirstRender } = await import('./console.js');
const { layoutBench } = await import('./layout.js');
const { benchNumbering } = await import('./numbering.js');
type Harness = Awaited<ReturnType<typeof startHarness>>;

type LocalMode = Harness['local'];

// ---------------------------------------------------------------------------------------------
// Parameters, progress, small statistics

const intEnv = (name: string, fallback: number, min = 1) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${raw})`);
  return n;
};

const parameters = {
  scans: intEnv('BENCH_SCANS', 50),
  /** Headline intake: PUTs in flight at once (1 = one after another, as the inbox folder does). */
  uploadConcurrency: intEnv('BENCH_UPLOAD_CONCURRENCY', 1),
  /** A second batch uploaded all at once (0 skips it); defaults to BENCH_SCANS. */
  burstScans: intEnv('BENCH_BURST_SCANS', intEnv('BENCH_SCANS', 50), 0),
  decisionSamples: intEnv('BENCH_DECISIONS', 20),
  rawWrites: intEnv('BENCH_RAW_WRITES', 500),
  pollMs: intEnv('BENCH_POLL_MS', 5, 0),
  rawWarmupWrites: 25,
  /** Entries in the register partition and in the director's task partition for the page timings. */
  pageSizes: (process.env.BENCH_PAGE_SIZES ?? '1000,10000').split(',').map((x) => Number(x.trim())),
  pageSamples: intEnv('BENCH_PAGE_SAMPLES', 30),
  apiRoundTrips: 50,
  consoleSamples: intEnv('BENCH_CONSOLE_SAMPLES', 10),
  memorySampleMs: 100,
  timeoutSeconds: intEnv('BENCH_TIMEOUT_SECONDS', 900),
  logLevel: 'WARN',
  schedules: false,
  inboxWatcher: false,
};
// Each document yields four task-to-task transitions (and one file → filed).
const decisionDocs = Math.ceil(parameters.decisionSamples / 4);

if (parameters.pageSizes.length !== 2 || !parameters.pageSizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 999_999)) {
  throw new Error('BENCH_PAGE_SIZES must be two entry counts, small then large, e.g. 1000,100000');
}
const runStarted = performance.now();
const progress = (message: string) => process.stderr.write(`[bench ${((performance.now() - runStarted) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest-rank percentile.
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN);
  const mean = sorted.length ? sorted.reduce((s, x) => s + x, 0) / sorted.length : NaN;
  return {
    samples: sorted.length,
    p50Ms: round(pct(50)),
    p95Ms: round(pct(95)),
    maxMs: round(sorted.at(-1) ?? NaN),
    minMs: round(sorted[0] ?? NaN),
    meanMs: round(mean),
  };
}

// ---------------------------------------------------------------------------------------------
// Memory: this process every 100 ms; child processes (DynamoDB Local's JVM) every 500 ms on Linux

interface MemoryPoint {
  rssMb: number;
  heapUsedMb: number;
}
const memNow = (): MemoryPoint => {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed) };
};
const memory = { start: memNow(), peak: memNow(), end: memNow(), samples: 0, childrenPeakRssMb: undefined as number | undefined };
const memTimer = setInterval(() => {
  const m = memNow();
  memory.samples++;
  memory.peak = { rssMb: Math.max(memory.peak.rssMb, m.rssMb), heapUsedMb: Math.max(memory.peak.heapUsedMb, m.heapUsedMb) };
}, parameters.memorySampleMs);

/** RSS of every descendant process (DynamoDB Local runs in a JVM), Linux only. */
function descendantsRssBytes(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const isDescendant = (pid: number) => {
    for (let p = parentOf.get(pid), hops = 0; p !== undefined && hops < 20; p = parentOf.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parentOf.keys()) {
    if (!isDescendant(pid)) continue;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
const childTimer = setInterval(() => {
  try {
    const rss = descendantsRssBytes();
    if (rss !== undefined) memory.childrenPeakRssMb = Math.max(memory.childrenPeakRssMb ?? 0, mb(rss));
  } catch {
    // best effort
  }
}, 500);

// ---------------------------------------------------------------------------------------------
// Counting the product's DynamoDB writes (the handlers run in this process and share this client)

const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
interface WriteCount {
  requests: number;
  /** Items written: a transaction or batch counts each of its items. */
  items: number;
  byCommand: Record<string, number>;
}
const writes: WriteCount = { requests: 0, items: 0, byCommand: {} };
/** Transactions DynamoDB cancelled (condition failed: a lost race, retried or not). */
let cancelledTransactions = 0;
/** S3 notifications whose intake failed: local mode, like S3 → Lambda here, does not redeliver them. */
const deliveryFailures: string[] = [];
const snapshotWrites = (): WriteCount => ({ ...writes, byCommand: { ...writes.byCommand } });
const diffWrites = (after: WriteCount, before: WriteCount): WriteCount => ({
  requests: after.requests - before.requests,
  items: after.items - before.items,
  byCommand: Object.fromEntries(
    Object.entries(after.byCommand)
      .map(([k, v]) => [k.replace(/Command$/, ''), v - (before.byCommand[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  ),
});
const perDoc = (w: WriteCount, docs: number) => ({
  requests: round(w.requests / docs),
  items: round(w.items / docs),
  byCommand: Object.fromEntries(Object.entries(w.byCommand).map(([k, v]) => [k, round(v / docs)])),
});

function countWrites() {
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? '');
      if (WRITE_COMMANDS.has(command)) {
        const input = args.input as { TransactItems?: unknown[]; RequestItems?: Record<string, unknown[]> };
        const items =
          command === 'TransactWriteItemsCommand'
            ? (input.TransactItems?.length ?? 0)
            : command === 'BatchWriteItemCommand'
              ? Object.values(input.RequestItems ?? {}).reduce((s, l) => s + l.length, 0)
              : 1;
        writes.requests++;
        writes.items += items;
        writes.byCommand[command] = (writes.byCommand[command] ?? 0) + 1;
      }
      try {
        return await next(args);
      } catch (err) {
        if ((err as Error)?.name === 'TransactionCanceledException') cancelledTransactions++;
        throw err;
      }
    },
    { step: 'initialize', name: 'benchWriteCounter', priority: 'high' },
  );
}

// ---------------------------------------------------------------------------------------------
// The HTTP API, as the CLI and the console call it

let harness: Harness;
let local: LocalMode;
let meter: InstanceType<typeof CostMeter>;
const api: Harness['api'] = (user, method, path, body) => {
  meter?.apiRequest(method, path);
  return harness.api(user, method, path, body);
};
async function listAll(user: string, path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api(user, 'GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET ${path} as ${user}: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.cursor;
  } while (cursor);
  return items;
}
const openTasks = (user: string) => listAll(user, '/tasks');
const incomingRegister = () => listAll('wangfang', '/registers/incoming');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, pollMs = parameters.pollMs): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    if (pollMs > 0) await sleep(pollMs);
  }
}

// The route: who decides each step, what they send, and who acts next.
const ROUTE = [
  { step: 'propose', user: 'liqiang', body: { opinion: '请生产技术科办理', department: 'SCJSK' } },
  { step: 'instruct', user: 'zhaomin', body: { opinion: '同意，请孙伟同志负责', deputy: 'sunwei' } },
  { step: 'deputyHandle', user: 'sunwei', body: { opinion: '请生产技术科抓紧办理' } },
  { step: 'departmentHandle', user: 'zhoujie', body: { opinion: '已办理完毕' } },
  { step: 'file', user: 'wangfang', body: { opinion: '已立卷', retention: 'D30' } },
] as const;

async function findTask(user: string, docId: string, step: string) {
  return (await openTasks(user)).find((t) => t.docId === docId && t.step === step);
}

async function decide(user: string, taskId: string, body: unknown) {
  const res = await api(user, 'POST', `/tasks/${taskId}/decision`, body);
  if (res.status !== 200) throw new Error(`decision by ${user} on ${taskId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Drives a document through every step without timing (the warm-up document). */
async function driveToEnd(docId: string) {
  for (const { step, user, body } of ROUTE) {
    const task = await until(`${user}'s ${step} task for ${docId}`, () => findTask(user, docId, step), 60_000, 20);
    await decide(user, task.taskId, body);
    await local.settle();
  }
  await until(`document ${docId} filed`, async () => ((await api('wangfang', 'GET', `/documents/${docId}`)).body?.document?.status === 'filed' ? true : undefined), 60_000, 20);
}

/** The execution of a document's route and its whole history (the local engine's, through the SFN API). */
async function executionHistory(routeId: string, docId: string) {
  const machine = local.wiring.stateMachines.find((m) => m.id === routeId);
  if (!machine) throw new Error(`no state machine for route ${routeId}`);
  const sfn = new SFNClient({ endpoint: local.endpoints.stepfunctions, region: LOCAL_REGION, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
  try {
    const executionArn = await (async () => {
      let token: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine.arn, nextToken: token }));
        const found = page.executions?.find((e) => e.name?.endsWith(docId));
        if (found?.executionArn) return found.executionArn;
        token = page.nextToken;
      } while (token);
      throw new Error(`no execution of ${routeId} for ${docId}`);
    })();
    const events: { type?: string; stateEnteredEventDetails?: { name?: string } }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return { executionArn, events };
  } finally {
    sfn.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Cost per route: one document down each route's happy path, every request counted and billed

/**
 * A minimal valid happy path per route: who decides each step, with which form values (forms
 * need real department codes and usernames), and how a document enters the route. A route of
 * functions/routes/ without an entry here is reported as not driven.
 */
interface HappyPath {
  /** Starts one document on the route and returns its id (default: a scan into the inbox). */
  start?: (label: string) => Promise<string>;
  steps: Record<string, { user: string; body: Record<string, unknown> }>;
}
/** A scan for an incoming route other than the default: the scanner names it in the metadata. */
const scanFor = (route: string) => (label: string) => startByScan(label, route);
/** An internal document, submitted by 刘洋 (生产技术科) through POST /documents. */
const submitted = (route: string) => async (label: string) => {
  const res = await api('liuyang', 'POST', '/documents', { route, title: `成本测算 ${label}`, content: '用于测算每千件成本。' });
  if (res.status !== 200) throw new Error(`POST /documents: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.docId as string;
};
/** An outgoing draft by 刘洋, submitted for review (送审) on the route: the document is the draft. */
const drafted = (route: string) => async (label: string) => {
  const created = await api('liuyang', 'POST', '/drafts', {
    docType: '通知',
    title: `成本测算 ${label}`,
    mainRecipients: ['各科室'],
    copyRecipients: [],
    issuingCode: '管办发',
    direction: 'downward',
    body: { kind: 'structured', blocks: [{ kind: 'paragraph', text: '用于测算每千件发文成本。' }] },
  });
  if (created.status !== 200) throw new Error(`POST /drafts: ${created.status} ${JSON.stringify(created.body)}`);
  const res = await api('liuyang', 'POST', `/drafts/${created.body.draftId}/submit`, { route });
  if (res.status !== 200) throw new Error(`POST /drafts/{id}/submit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.docId as string;
};
const act = (user: string, body: Record<string, unknown>) => ({ user, body });
/** 编号 → 用印 → 复核 → 分发 → 归档, as every outgoing route ends (复核 only where the route has it). */
const goingOut = {
  number: act('wangfang', {}),
  seal: act('majun', { seal: 'company', copies: 10 }),
  recheck: act('liqiang', { opinion: '无误' }),
  distribute: act('wangfang', { departments: ['CWK'] }),
  file: act('wangfang', { retention: 'D30' }),
};
const HAPPY_PATHS: Record<string, HappyPath> = {
  'outgoing-main': {
    start: drafted('outgoing-main'),
    steps: { jointReview: act('zhoujie', { opinion: '同意' }), check: act('liqiang', { opinion: '已核' }), deputyCountersign: act('sunwei', { opinion: '同意' }), sign: act('zhaomin', { opinion: '同意印发' }), ...goingOut },
  },
  'outgoing-committee': {
    start: drafted('outgoing-committee'),
    steps: { headReview: act('zhoujie', { opinion: '同意' }), check: act('liqiang', { opinion: '已核' }), deputyCountersign: act('sunwei', { opinion: '同意' }), sign: act('tanghui', { opinion: '同意印发' }), ...goingOut },
  },
  'outgoing-dept': {
    start: drafted('outgoing-dept'),
    steps: { headReview: act('zhoujie', { opinion: '同意' }), check: act('liqiang', { opinion: '已核' }), sign: act('sunwei', { opinion: '同意' }), ...goingOut },
  },
  'superior-key': { steps: Object.fromEntries(ROUTE.map((r) => [r.step, { user: r.user, body: r.body }])) },
  'superior-dept': {
    start: scanFor('superior-dept'),
    steps: {
      propose: act('liqiang', { opinion: '请生产技术科办理', department: 'SCJSK' }),
      deputyInstruct: act('sunwei', { opinion: '请按要求办理' }),
      departmentHandle: act('zhoujie', { opinion: '已办理' }),
      departmentFile: act('zhoujie', { retention: 'D10' }),
    },
  },
  publicity: {
    start: scanFor('publicity'),
    steps: {
      propose: act('liqiang', { opinion: '请生产技术科阅处', department: 'SCJSK' }),
      departmentHandle: act('zhoujie', { opinion: '不予订阅' }),
      departmentFile: act('zhoujie', { retention: 'D10' }),
    },
  },
  'request-general': {
    start: submitted('request-general'),
    steps: { deputyDecide: act('sunwei', { opinion: '同意', outcome: 'approve' }), execute: act('liuyang', { opinion: '已执行' }), requesterFile: act('liuyang', { retention: 'D10' }) },
  },
  'request-important': {
    start: submitted('request-important'),
    steps: {
      propose: act('liqiang', { opinion: '拟呈分管领导阅示' }),
      deputyInstruct: act('sunwei', { opinion: '同意' }),
      leaderDecide: act('zhaomin', { opinion: '同意', outcome: 'approve' }),
      execute: act('liuyang', { opinion: '已执行' }),
      file: act('wangfang', { retention: 'D30' }),
    },
  },
  'report-general': {
    start: submitted('report-general'),
    steps: { deputyRead: act('sunwei', { opinion: '已阅', department: 'SCJSK' }), departmentNote: act('zhoujie', { opinion: '已阅知' }), file: act('wangfang', { retention: 'D10' }) },
  },
  'report-key': {
    start: submitted('report-key'),
    steps: {
      propose: act('liqiang', { opinion: '请阅示', department: 'SCJSK' }),
      deputyRead: act('sunwei', { opinion: '请赵总阅' }),
      leaderRead: act('zhaomin', { opinion: '已阅' }),
      departmentHandle: act('zhoujie', { opinion: '已处理' }),
      file: act('wangfang', { retention: 'D30' }),
    },
  },
};

/** The scanner's upload (one S3 PUT, billed to the bucket owner) until the document is registered. */
async function startByScan(label: string, route?: string): Promise<string> {
  const key = `scans/cost-${label}.pdf`;
  const body = await makePdf(`cost ${label}`);
  meter.s3Request('PutObject');
  await local.s3.send(new PutObjectCommand({ Bucket: inboxBucket(local), Key: key, Body: body, ...(route ? { Metadata: { route } } : {}) }));
  await local.settle();
  return meter.unmetered(async () => (await until(`registration of ${key}`, async () => (await incomingRegister()).find((e) => e.scanKey === key), 60_000, 20)).docId);
}

/**
 * One document through every step as its people would: list my tasks, open the task, decide
 * (three API requests per step); waits between steps are unmetered. `measureItems` reads every
 * written item before and after (sizes for WRU) and so slows the handlers: the Lambda durations
 * come from a second document run without it.
 */
async function driveMetered(routeId: string, path: HappyPath, label: string, measureItems: boolean) {
  const route = ROUTES[routeId];
  meter.start(measureItems);
  const docId = await (path.start ?? startByScan)(label);
  let extraListings = 0;
  // The happy path: every detour (a meeting, an important report to the main leader) not taken.
  for (const step of happyPath(route.flow).map((id) => route.steps.find((s) => s.id === id)!)) {
    const who = path.steps[step.id];
    if (!who) throw new Error(`HAPPY_PATHS['${routeId}'] has no entry for step ${step.id}`);
    await local.settle();
    let task = (await api(who.user, 'GET', '/tasks?limit=50')).body.items.find((t: any) => t.docId === docId && t.step === step.id);
    if (!task) {
      extraListings++;
      task = await meter.unmetered(() => until(`${who.user}'s ${step.id} task`, () => findTask(who.user, docId, step.id), 60_000, 20));
    }
    const opened = await api(who.user, 'GET', `/tasks/${task.taskId}`);
    if (opened.status !== 200) throw new Error(`GET /tasks/${task.taskId}: ${opened.status}`);
    await decide(who.user, task.taskId, who.body);
  }
  await local.settle();
  await meter.unmetered(() => until(`document ${docId} filed`, async () => ((await api('wangfang', 'GET', `/documents/${docId}`)).body?.document?.status === 'filed' ? true : undefined), 60_000, 20));
  const tally = meter.stop();
  return { docId, tally, extraListings };
}

async function routeCosts() {
  const out: Record<string, unknown> = {};
  // BENCH_COST_ROUTES=superior-key,… meters only those routes (a quicker look while tuning one).
  const only = process.env.BENCH_COST_ROUTES?.split(',').map((r) => r.trim()).filter(Boolean);
  for (const routeId of Object.keys(ROUTES).filter((r) => !only?.length || only.includes(r))) {
    const path = HAPPY_PATHS[routeId];
    if (!path) {
      out[routeId] = { driven: false, reason: 'no happy path for this route in HAPPY_PATHS (tests/bench/run.ts)' };
      continue;
    }
    progress(`cost: ${routeId}, one document metered item by item, one for Lambda durations`);
    const sized = await driveMetered(routeId, path, `${routeId}-sized`, true);
    // Lambda durations: the median of three documents run without the item reads.
    const timedRuns: Awaited<ReturnType<typeof driveMetered>>[] = [];
    for (let i = 1; i <= 3; i++) timedRuns.push(await driveMetered(routeId, path, `${routeId}-timed-${i}`, false));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const timedLambda = Object.fromEntries(
      Object.keys(timedRuns[0].tally.lambda).map((fn) => {
        const runs = timedRuns.map((r) => r.tally.lambda[fn]).filter(Boolean);
        const ms = median(runs.map((r) => r.ms));
        const { memoryMb, invocations } = runs[0];
        return [fn, { invocations, ms, memoryMb, gbSeconds: (ms / 1000) * (memoryMb / 1024) }];
      }),
    );
    const timed = { tally: { lambda: timedLambda }, extraListings: timedRuns.reduce((s, r) => s + r.extraListings, 0) };
    const { events } = await executionHistory(routeId, sized.docId);
    const transitions = events.filter((e) => e.type?.endsWith('StateEntered')).length;
    const t = { ...sized.tally, lambda: timed.tally.lambda };
    // Invocations are counted on the sized document; durations come from the timed one.
    const invocations = Object.fromEntries(Object.entries(sized.tally.lambda).map(([k, v]) => [k, v.invocations]));
    const money = bill(t, transitions, { tracing: branchTracing(), executions: 1 });
    // Every route opens tasks, and create-task logs each at INFO: none captured means a broken meter, not a quiet route.
    if (!t.logs.byFunction['create-task']?.lines) throw new Error(`cost: no log line of create-task captured on ${routeId}`);
    out[routeId] = {
      driven: true,
      steps: ROUTES[routeId].steps.map((s) => s.id),
      per1000Documents: money.per1000Documents,
      stateTransitions: transitions,
      lambda: {
        invocations: money.lambdaInvocations,
        invocationsByFunction: invocations,
        gbSeconds: money.gbSeconds,
        byFunction: Object.fromEntries(Object.entries(t.lambda).map(([k, v]) => [k, { ...v, gbSeconds: round(v.gbSeconds, 3) }])),
        note: 'arm64; GB-s = local wall time (ms rounded up per invocation) × memoryMb (infra/manifest.ts), median of three warm documents: indicative only, local durations are not Lambda durations',
      },
      dynamoDb: {
        wru: t.ddb.wru,
        rru: t.ddb.rru,
        requests: t.ddb.requests,
        itemsWritten: t.ddb.itemsWritten,
        itemBytesWritten: t.ddb.itemBytesWritten,
        reportedByDynamoDbLocal: t.ddb.reportedByDynamoDbLocal,
        note: 'computed from the items read back before and after each write; GSI writes at 1 WRU per started KB of the index entry (keys + projection + 100 B), not doubled in transactions',
      },
      s3: t.s3,
      api: t.api,
      kms: { requests: t.kms, note: 'GenerateMac seals each audit event; priced apart (kmsAuditMacs) and in totalWithKms' },
      logs: money.logs,
      xRay: money.xRay,
      directoryRequests: t.directory,
      extraListings: sized.extraListings + timed.extraListings,
    };
    progress(
      `cost: ${routeId} $${money.per1000Documents.total} core, $${money.per1000Documents.allIn} all in per 1,000 documents (${transitions} transitions, ${t.ddb.wru.total} WRU, ${t.ddb.rru.total} RRU, ${money.logs.bytesPerDocument.total} log bytes, ${money.xRay.tracesPerDocument} traces if traced)`,
    );
  }
  return {
    prices: PRICES,
    goalPer1000Documents: GOAL_PER_1000_DOCUMENTS,
    tracing: branchTracing(),
    note: 'per1000Documents.total is the core (Step Functions, DynamoDB, S3, Lambda, API); allIn adds KMS, CloudWatch Logs (ingestion and storage) and X-Ray (only with the branch\'s tracing on), beside the goal',
    routes: out,
  };
}

/** The branch's `tracing` setting, as local mode passes the branch configuration to the functions. */
function branchTracing(): boolean {
  return JSON.parse(local.wiring.environment.CHANCERY_BRANCH_CONFIG).tracing === true;
}

// ---------------------------------------------------------------------------------------------
// Pages at 1k and at 100k entries: a register page and a task-list page, the table seeded
// directly (BatchWriteItem) with copies of items the adapters wrote, so the shapes are theirs.

async function seedBatches(ddb: InstanceType<typeof DynamoDBClient>, table: string, items: Record<string, unknown>[]) {
  const { BatchWriteItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { marshall } = await import('@aws-sdk/util-dynamodb');
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let b = next++; b < batches.length; b = next++) {
        let requests: any[] = batches[b].map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } }));
        for (let attempt = 0; requests.length; attempt++) {
          const res = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
          requests = res.UnprocessedItems?.[table] ?? [];
          if (requests.length) await sleep(Math.min(1000, 20 * 2 ** attempt));
        }
      }
    }),
  );
}

async function timePage(user: string, path: string, samples: number) {
  for (let i = 0; i < 3; i++) await api(user, 'GET', path);
  const ms: number[] = [];
  let items = 0;
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const res = await api(user, 'GET', path);
    ms.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    items = res.body.items.length;
  }
  return { ...stats(ms), itemsOnPage: items };
}

async function pagesAtScale(sizes: number[], samples: number) {
  const { QueryCommand, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { unmarshall, marshall } = await import('@aws-sdk/util-dynamodb');
  const ddb = new DynamoDBClient({ endpoint: local.endpoints.dynamodb, region: LOCAL_REGION, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
  const tableOf = (id: string) => local.wiring.tables.find((t) => t.id === id)!.tableName;
  try {
    // Templates: the newest incoming entry and one of the director's open tasks, as written.
    const firstEntry = (await api('wangfang', 'GET', '/registers/incoming?limit=1&order=desc')).body.items[0];
    const registerPk = `REG#incoming#${firstEntry.year}`;
    const entryTemplate = unmarshall((await ddb.send(new QueryCommand({ TableName: tableOf('registers'), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :no)', ExpressionAttributeValues: marshall({ ':pk': registerPk, ':no': 'NO#' }), ScanIndexForward: false, Limit: 1 }))).Items![0]);
    const openTask = (await api('liqiang', 'GET', '/tasks?limit=1')).body.items[0];
    const taskTemplate = unmarshall((await ddb.send(new GetItemCommand({ TableName: tableOf('tasks'), Key: marshall({ pk: `TASK#${openTask.taskId}`, sk: 'TASK' }) }))).Item!);
    const countQuery = async (input: Record<string, unknown>) => {
      let n = 0;
      let start: any;
      do {
        const res = await ddb.send(new QueryCommand({ ...(input as any), Select: 'COUNT', ExclusiveStartKey: start }));
        n += res.Count ?? 0;
        start = res.LastEvaluatedKey;
      } while (start);
      return n;
    };
    const registerCount = () => countQuery({ TableName: tableOf('registers'), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :no)', ExpressionAttributeValues: marshall({ ':pk': registerPk, ':no': 'NO#' }) });
    const taskCount = () => countQuery({ TableName: tableOf('tasks'), IndexName: 'by-assignee', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: marshall({ ':p': String(taskTemplate.gsi1pk) }) });
    let nextSerial = 500_000;
    const results: Record<string, unknown> = {};
    for (const size of sizes) {
      const t0 = performance.now();
      const addEntries = Math.max(0, size - (await registerCount()));
      const addTasks = Math.max(0, size - (await taskCount()));
      progress(`pages: seeding ${addEntries} register entries and ${addTasks} tasks to reach ${size}`);
      const entries = Array.from({ length: addEntries }, () => {
        const serial = nextSerial++;
        return { ...entryTemplate, sk: `NO#${String(serial).padStart(6, '0')}`, serial, docId: randomHex(20), title: `页面基准 ${serial}` };
      });
      await seedBatches(ddb, tableOf('registers'), entries);
      const due = Date.parse(String(taskTemplate.dueAt));
      const tasks = Array.from({ length: addTasks }, (_, i) => {
        const taskId = randomHex(24);
        const docId = randomHex(20);
        const dueAt = new Date(due + (i % 5000) * 60_000 - 2_500 * 60_000).toISOString();
        return { ...taskTemplate, pk: `TASK#${taskId}`, taskId, docId, taskToken: `bench-seeded-${taskId}`, dueAt, title: `页面基准 ${i}`, gsi1sk: `${dueAt}#${taskId}`, gsi2sk: `${dueAt}#${taskId}`, gsi3pk: `DOC#${docId}`, gsi3sk: `${taskTemplate.createdAt}#${taskId}` };
      });
      await seedBatches(ddb, tableOf('tasks'), tasks);
      const seedMs = performance.now() - t0;
      progress(`pages: seeded in ${Math.round(seedMs)} ms; timing pages`);
      // Same run, same partitions: the raw Query (Limit 50) each page rests on, straight to DynamoDB Local.
      const rawQuery = async (input: Record<string, unknown>) => {
        const ms: number[] = [];
        for (let i = 0; i < samples + 3; i++) {
          const t = performance.now();
          await ddb.send(new QueryCommand({ ...(input as any), Limit: 50 }));
          if (i >= 3) ms.push(performance.now() - t);
        }
        return stats(ms);
      };
      results[String(size)] = {
        rawQueryRegisterPartition: await rawQuery({ TableName: tableOf('registers'), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :no)', ExpressionAttributeValues: marshall({ ':pk': registerPk, ':no': 'NO#' }) }),
        rawQueryTaskPartition: await rawQuery({ TableName: tableOf('tasks'), IndexName: 'by-assignee', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: marshall({ ':p': String(taskTemplate.gsi1pk) }) }),
        registerEntries: await registerCount(),
        directorOpenTasks: await taskCount(),
        seedMs: round(seedMs),
        registerPage: await timePage('wangfang', '/registers/incoming?limit=50', samples),
        registerPageNewestFirst: await timePage('wangfang', '/registers/incoming?limit=50&order=desc', samples),
        taskListPage: await timePage('liqiang', '/tasks?limit=50', samples),
      };
    }
    const [small, large] = sizes.map((s) => results[String(s)] as any);
    return {
      sizes,
      samplesPerPage: samples,
      note: 'entries seeded with BatchWriteItem as copies of an entry and a task the adapters wrote; the task list is the office director\'s (every seeded task in his role partition); p50/p95 of GET …?limit=50 through the HTTP API',
      results,
      ratios: large
        ? {
            registerPageP50: round(large.registerPage.p50Ms / small.registerPage.p50Ms),
            registerPageP95: round(large.registerPage.p95Ms / small.registerPage.p95Ms),
            registerPageNewestFirstP50: round(large.registerPageNewestFirst.p50Ms / small.registerPageNewestFirst.p50Ms),
            taskListPageP50: round(large.taskListPage.p50Ms / small.taskListPage.p50Ms),
            taskListPageP95: round(large.taskListPage.p95Ms / small.taskListPage.p95Ms),
            rawQueryRegisterPartitionP50: round(large.rawQueryRegisterPartition.p50Ms / small.rawQueryRegisterPartition.p50Ms),
            rawQueryTaskPartitionP50: round(large.rawQueryTaskPartition.p50Ms / small.rawQueryTaskPartition.p50Ms),
          }
        : null,
    };
  } finally {
    ddb.destroy();
  }
}
const randomHex = (n: number) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => (b % 16).toString(16)).join('');


/** Uploads `count` scans with `concurrency` PUTs in flight; waits until each is registered and has
 * its 拟办 task, or until nothing is left in flight (a failed delivery is not retried). */
async function runIntake(label: string, prefix: string, count: number, concurrency = count) {
  progress(`${label}: preparing ${count} PDFs`);
  const bucket = inboxBucket(local);
  const pdfs = await Promise.all(Array.from({ length: count }, (_, i) => makePdf(`Chancery ${prefix} scan ${i + 1}`)));
  const keys = pdfs.map((_, i) => `scans/${prefix}-${String(i + 1).padStart(4, '0')}.pdf`);
  const keySet = new Set(keys);
  const writesBefore = snapshotWrites();
  const cancelledBefore = cancelledTransactions;
  const failuresBefore = deliveryFailures.length;
  const invocationsBefore = Object.fromEntries(local.runtime.invocations);
  progress(`${label}: uploading ${count} scans, ${concurrency} at a time`);
  const t0 = performance.now();
  let nextIndex = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = nextIndex++; i < count; i = nextIndex++) await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys[i], Body: pdfs[i] }));
    }),
  );
  const uploadMs = performance.now() - t0;
  let settled = false;
  const settling = local.settle().then(() => (settled = true));
  let registeredMs: number | null = null;
  let polls = 0;
  let entries: any[] = [];
  let tasks = 0;
  for (;;) {
    const finalLook = settled;
    polls++;
    entries = (await incomingRegister()).filter((e) => keySet.has(e.scanKey));
    if (entries.length >= count && registeredMs === null) registeredMs = performance.now() - t0;
    const docIds = new Set(entries.map((e) => e.docId));
    tasks = entries.length ? (await openTasks('liqiang')).filter((t) => t.step === 'propose' && docIds.has(t.docId)).length : 0;
    if ((entries.length >= count && tasks >= count) || finalLook) break;
    if (performance.now() - t0 > 120_000) throw new Error(`${label}: not done after 120 s (${entries.length} registered, ${tasks} tasks)`);
    await sleep(25);
  }
  const doneMs = performance.now() - t0;
  await settling;
  const settledMs = performance.now() - t0;
  const complete = entries.length >= count && tasks >= count;
  const docsWritten = diffWrites(snapshotWrites(), writesBefore);
  const invocationsAfter = Object.fromEntries(local.runtime.invocations);
  const serials = entries.map((e) => e.serial as number).sort((a, b) => a - b);
  const result = {
    scans: count,
    uploadConcurrency: Math.min(concurrency, count),
    pdfBytesEach: pdfs[0].byteLength,
    complete,
    registered: entries.length,
    firstTasks: tasks,
    deliveryFailures: deliveryFailures.length - failuresBefore,
    deliveryFailureSamples: deliveryFailures.slice(failuresBefore, failuresBefore + 3),
    uploadMs: round(uploadMs),
    allRegisteredMs: registeredMs === null ? null : round(registeredMs),
    allFirstTasksMs: round(doneMs),
    settledMs: round(settledMs),
    /** Registered documents (with their first task) per second of wall time, from the first PUT. */
    docsPerSecond: round(Math.min(entries.length, tasks) / (doneMs / 1000)),
    msPerDoc: round(doneMs / Math.max(1, Math.min(entries.length, tasks))),
    serialsContiguous: serials.every((x, i) => i === 0 || x === serials[i - 1] + 1),
    completionPolls: polls,
    cancelledTransactions: cancelledTransactions - cancelledBefore,
    dynamoDbWrites: docsWritten,
    dynamoDbWritesPerDoc: perDoc(docsWritten, Math.max(1, entries.length)),
    lambdaInvocations: Object.fromEntries(Object.entries(invocationsAfter).map(([k, v]) => [k, v - (invocationsBefore[k] ?? 0)]).filter(([, v]) => (v as number) > 0)),
    entries,
  };
  progress(`${label}: ${entries.length}/${count} registered, ${tasks} first tasks in ${Math.round(doneMs)} ms → ${result.docsPerSecond} docs/s${result.deliveryFailures ? `, ${result.deliveryFailures} deliveries FAILED` : ''}`);
  return result;
}

const withoutEntries = <T extends { entries: unknown }>({ entries: _entries, ...rest }: T) => rest;

// ---------------------------------------------------------------------------------------------

/** Function cold starts: fresh processes importing each bundle, while nothing else of the bench runs. */
async function functionInit() {
  const init = await functionInitBench({ runs: intEnv('BENCH_INIT_RUNS', 9, 7), progress });
  progress(`init: baseline ${init.baseline.initMs} ms; worst ratio ${init.worstRatio}, ${init.functionsWithinGoal}/${init.functions} functions within ${init.goalRatio}×`);
  return init;
}

/**
 * BENCH_ONLY=init,cost runs only those parts (either or both) and writes a JSON with just them:
 * a quicker look while working on cold starts or on one route's cost (with BENCH_COST_ROUTES).
 */
async function partial(parts: Set<string>) {
  const startedAt = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'chancery-bench-'));
  const result: Record<string, unknown> = { benchmark: 'chancery-local', partial: [...parts], startedAt: startedAt.toISOString() };
  if (parts.has('init')) result.functionInit = await functionInit();
  if (parts.has('cost')) {
    harness = await startHarness({ dataDir, runSchedules: false, watchInbox: false, log: (m) => progress(`local: ${m}`) });
    local = harness.local;
    try {
      countWrites();
      meter = new CostMeter(local);
      result.cost = await routeCosts();
    } finally {
      progress('stopping local mode');
      await harness.close();
    }
  }
  result.durationSeconds = round((performance.now() - runStarted) / 1000, 1);
  result.environment = environment(startedAt);
  return { result: result as { startedAt: string }, dataDir };
}

async function main() {
  const only = new Set((process.env.BENCH_ONLY ?? '').split(',').map((p) => p.trim()).filter(Boolean));
  for (const part of only) if (part !== 'init' && part !== 'cost') throw new Error(`BENCH_ONLY names parts init and cost (got ${part})`);
  if (only.size) return partial(only);
  const startedAt = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'chancery-bench-'));
  const initBench = await functionInit();
  // The console's bytes first, while nothing else runs (this builds web/dist and a React-only baseline).
  await ensureWebBuilt(progress);
  const consoleBytes = await consoleDownload(WEB_DIST);
  progress(`console download: ${consoleBytes.firstVisit.gzipBytes} bytes gzip (React alone ${consoleBytes.baselineReactOnly.gzipBytes})`);
  const layout = await layoutBench();
  progress(`layout: ${layout.outgoing10.warmMsPerPage} ms/page warm (slip ${layout.slip10.warmMsPerPage})`);
  progress(`starting local mode in ${dataDir}`);
  const t0 = performance.now();
  harness = await startHarness({ dataDir, runSchedules: false, watchInbox: false, log: (m) => {
    const failed = /^notification for (.*) failed: (.*)$/s.exec(m);
    if (failed) deliveryFailures.push(`${failed[1]}: ${failed[2].slice(0, 200)}`);
    progress(`local: ${m}`);
  } });
  local = harness.local;
  const startupMs = performance.now() - t0;
  progress(`local mode up in ${Math.round(startupMs)} ms`);
  countWrites();
  meter = new CostMeter(local);
  const bucket = inboxBucket(local);
  const invocations = () => Object.fromEntries(local.runtime.invocations);
  const diffInvocations = (after: Record<string, number>, before: Record<string, number>) =>
    Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));

  try {
    // --- Warm-up: one document through every step loads every handler (cold starts), and is the
    // document whose execution history, DynamoDB writes and invocations we count.
    progress('warm-up: one document through all five steps');
    const warmWrites = snapshotWrites();
    const warmInvocations = invocations();
    const tw = performance.now();
    await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'scans/bench-warmup.pdf', Body: await makePdf('bench warm-up') }));
    await local.settle();
    const warmEntry = await until('warm-up registration', async () => (await incomingRegister()).find((e) => e.scanKey === 'scans/bench-warmup.pdf'), 60_000, 20);
    const warmIntakeWrites = diffWrites(snapshotWrites(), warmWrites);
    await driveToEnd(warmEntry.docId);
    await local.settle();
    const warmupMs = performance.now() - tw;
    const lifecycleWrites = diffWrites(snapshotWrites(), warmWrites);
    const lifecycleInvocations = diffInvocations(invocations(), warmInvocations);
    progress(`warm-up done in ${Math.round(warmupMs)} ms (${lifecycleWrites.requests} DynamoDB write requests)`);

    // --- 3. State transitions of that document's execution
    const { executionArn, events } = await executionHistory(local.wiring.stateMachines[0].id, warmEntry.docId);
    const eventsByType: Record<string, number> = {};
    for (const e of events) eventsByType[e.type ?? '?'] = (eventsByType[e.type ?? '?'] ?? 0) + 1;
    const entered = events.filter((e) => e.type?.endsWith('StateEntered'));
    const stateTransitionsPerDocument = {
      executionArn,
      stateEntered: entered.length,
      statesEntered: entered.map((e) => e.stateEnteredEventDetails?.name),
      historyEvents: events.length,
      eventsByType,
      note: 'Step Functions Standard bills per state transition, i.e. per StateEntered event',
    };
    progress(`history: ${entered.length} states entered, ${events.length} events`);

    // --- Cost per route (happy path), documents metered one at a time
    const cost = await routeCosts();

    // --- 1. Intake: N scans through the S3 API until registered and 拟办 exists for each.
    // Headline: PUTs one after another (as the inbox folder uploads; the notifications and
    // intakes still overlap). The concurrent burst runs last, so its contention disturbs nothing.
    const intake = await runIntake('intake', 'bench', parameters.scans, parameters.uploadConcurrency);
    if (intake.registered < 1) throw new Error('intake registered nothing');

    // --- 2. Decision → next task, every step of several documents, one decision at a time
    const byDoc = [...intake.entries].sort((a, b) => a.serial - b.serial).slice(0, decisionDocs);
    progress(`decisions: ${byDoc.length} documents × 5 steps, polling every ${parameters.pollMs} ms`);
    const transitions: Record<string, number[]> = {};
    const responseMs: number[] = [];
    meter.startProfile();
    const toArchived: number[] = [];
    for (const entry of byDoc) {
      for (let s = 0; s < ROUTE.length; s++) {
        const { step, user, body } = ROUTE[s];
        const task = await until(`${user}'s ${step} task`, () => findTask(user, entry.docId, step), 60_000, 20);
        const t = performance.now();
        await decide(user, task.taskId, body);
        responseMs.push(performance.now() - t);
        const next = ROUTE[s + 1];
        if (next) {
          await until(`${next.user}'s ${next.step} task`, () => findTask(next.user, entry.docId, next.step));
          (transitions[`${step}→${next.step}`] ??= []).push(performance.now() - t);
        } else {
          await until(`document filed`, async () => ((await api('wangfang', 'GET', `/documents/${entry.docId}`)).body?.document?.status === 'filed' ? true : undefined));
          toArchived.push(performance.now() - t);
        }
        // Let the step's trailing writes (audit of the created task) finish before the next one.
        await local.settle();
      }
    }
    const allTaskToTask = Object.values(transitions).flat();
    const breakdown = meter.stopProfile(byDoc.length * ROUTE.length);
    const decisionToNextTask = {
      ...stats(allTaskToTask),
      documents: byDoc.length,
      pollMs: parameters.pollMs,
      byTransition: Object.fromEntries(Object.entries(transitions).map(([k, v]) => [k, stats(v)])),
      decisionResponse: stats(responseMs),
      fileToFiled: { ...stats(toArchived), note: 'last step: decision until the document is archived and shows status filed' },
      breakdown: {
        note: 'time per decision sample (all five steps, incl. filing) by kind of call, summed over the handlers running in this process; calls nest (a Lambda invocation contains its DynamoDB, KMS and Step Functions calls; SendTaskSuccess waits for nothing downstream); the rest of decision → next task is the API gateway (JWT), the local engine, and the bench polling GET /tasks',
        perSample: breakdown,
      },
    };
    progress(`decisions: p50 ${decisionToNextTask.p50Ms} ms, p95 ${decisionToNextTask.p95Ms} ms over ${allTaskToTask.length} samples`);

    // --- API round trip without the workflow (JWT authorizer + routing + handler), for scale
    const me: number[] = [];
    for (let i = 0; i < parameters.apiRoundTrips; i++) {
      const t = performance.now();
      const res = await api('liqiang', 'GET', '/me');
      if (res.status !== 200) throw new Error(`GET /me: ${res.status}`);
      me.push(performance.now() - t);
    }
    const apiGetMe = stats(me);

    // --- Drafts: a new version of a ~10-page draft (one paragraph changed: the diff of 200
    // paragraphs, two items and the audit event in one transaction) and its diff read back, beside GET /me.
    progress('drafts: versions of a 200-paragraph draft');
    const blocks = Array.from({ length: 200 }, (_, i) => ({ kind: 'paragraph', text: `第${i + 1}段：各科室要按照公司统一部署，认真组织开展安全生产检查，做到不留死角、不留盲区。` }));
    const draftForm = { docType: '通知', title: '关于开展安全生产大检查的通知', mainRecipients: ['各科室'], issuingCode: '管司发', direction: 'downward', body: { kind: 'structured', blocks } };
    const created = await api('liuyang', 'POST', '/drafts', draftForm);
    if (created.status !== 200) throw new Error(`POST /drafts: ${created.status} ${JSON.stringify(created.body)}`);
    const draftId = created.body.draftId as string;
    let revision = (await api('liuyang', 'POST', `/drafts/${draftId}/submit`, { route: 'outgoing-dept' })).body.revision as number;
    const versionWrites: number[] = [];
    const diffReads: number[] = [];
    for (let i = 0; i < parameters.apiRoundTrips; i++) {
      const changed = blocks.map((b, j) => (j === (i * 7) % 200 ? { ...b, text: `${b.text}（第${i + 2}版修改）` } : b));
      let t = performance.now();
      const res = await api('liqiang', 'PUT', `/drafts/${draftId}`, { revision, body: { kind: 'structured', blocks: changed } });
      if (res.status !== 200) throw new Error(`PUT /drafts: ${res.status} ${JSON.stringify(res.body)}`);
      versionWrites.push(performance.now() - t);
      revision = res.body.revision;
      t = performance.now();
      if ((await api('liqiang', 'GET', `/drafts/${draftId}/diff`)).status !== 200) throw new Error('GET /drafts/{id}/diff failed');
      diffReads.push(performance.now() - t);
    }
    const drafts = { paragraphs: blocks.length, versionWrite: stats(versionWrites), diffRead: stats(diffReads) };
    progress(`drafts: version write p50 ${drafts.versionWrite.p50Ms} ms, diff p50 ${drafts.diffRead.p50Ms} ms (GET /me ${apiGetMe.p50Ms} ms)`);

    // --- The console in Chromium: 待办 now holds the intake's 拟办 tasks of the director.
    const consoleRender = await consoleFirstRender({ origin: local.consoleUrl.replace(/\/$/, ''), username: 'liqiang', password: 'chancery', samples: parameters.consoleSamples, progress });

    const intakeBurst = parameters.burstScans > 0 ? await runIntake('intakeBurst', 'burst', parameters.burstScans) : null;

    // --- 4. Raw DynamoDB Local: sequential PutItem into a throwaway table
    const k = parameters.rawWrites;
    progress(`raw DynamoDB Local: ${k} sequential PutItem`);
    const ddb = new DynamoDBClient({ endpoint: local.endpoints.dynamodb, region: LOCAL_REGION, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
    const table = `bench-raw-${Date.now()}`;
    await ddb.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    const payload = 'x'.repeat(200);
    const put = (i: number) => ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `item-${i}` }, n: { N: String(i) }, payload: { S: payload }, at: { S: new Date().toISOString() } } }));
    for (let i = 0; i < parameters.rawWarmupWrites; i++) await put(-1 - i);
    const perWrite: number[] = [];
    const tr = performance.now();
    for (let i = 0; i < k; i++) {
      const t = performance.now();
      await put(i);
      perWrite.push(performance.now() - t);
    }
    const rawMs = performance.now() - tr;
    // A second baseline: the decision path writes with transactions (an item, an audit event, the
    // chain head, …), which DynamoDB Local serves much slower than a PutItem.
    const { TransactWriteItemsCommand } = await import('@aws-sdk/client-dynamodb');
    const perTransaction: number[] = [];
    for (let i = 0; i < Math.min(k, 100) + 10; i++) {
      const t = performance.now();
      await ddb.send(new TransactWriteItemsCommand({ TransactItems: [0, 1, 2, 3].map((j) => ({ Put: { TableName: table, Item: { pk: { S: `tx-${i}-${j}` }, payload: { S: payload } }, ConditionExpression: 'attribute_not_exists(pk)' } })) }));
      if (i >= 10) perTransaction.push(performance.now() - t);
    }
    const rawTransactions = stats(perTransaction);
    await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    ddb.destroy();
    const rawStats = stats(perWrite);
    const rawDynamoDbLocal = {
      writes: k,
      itemBytes: payload.length + 40,
      totalMs: round(rawMs),
      writesPerSecond: round(k / (rawMs / 1000)),
      perWriteP50Ms: rawStats.p50Ms,
      perWriteP95Ms: rawStats.p95Ms,
      perWriteMaxMs: rawStats.maxMs,
      perWriteMeanMs: rawStats.meanMs,
      transactWriteItems4Puts: rawTransactions,
    };
    progress(`raw: ${rawDynamoDbLocal.writesPerSecond} writes/s, p50 ${rawStats.p50Ms} ms`);

    // --- 发文字号: 200 numbered at once beside 200 conditional PutItems at once
    progress('numbering: 200 发文字号 at once beside 200 conditional PutItems');
    const numbering = await benchNumbering(local.endpoints.dynamodb, intEnv('BENCH_NUMBERING', 200));
    progress(`numbering: ${numbering.numbersPerSecond} numbers/s (raw ${numbering.rawConditionalPutsPerSecond} puts/s), gap-free ${numbering.gapFree}`);

    // --- 6. Pages at 1k and at the large size (last: the seeded entries would slow every listing above)
    progress(`pages at ${parameters.pageSizes.join(' and ')} entries`);
    const pages = await pagesAtScale(parameters.pageSizes, parameters.pageSamples);

    // --- 5. Ratios
    const lifecycleItems = lifecycleWrites.items;
    const ratios = {
      intakeDocsPerSecondToRawWritesPerSecond: round(intake.docsPerSecond / rawDynamoDbLocal.writesPerSecond, 4),
      intakeMsPerDocInRawWrites: round(intake.msPerDoc / rawDynamoDbLocal.perWriteMeanMs),
      decisionP50ToRawWriteP50: round(decisionToNextTask.p50Ms / rawDynamoDbLocal.perWriteP50Ms),
      decisionP95ToRawWriteP95: round(decisionToNextTask.p95Ms / rawDynamoDbLocal.perWriteP95Ms),
      decisionP95ToRawTransactionP95: round(decisionToNextTask.p95Ms / rawTransactions.p95Ms),
      decisionP50ToApiGetMeP50: round(decisionToNextTask.p50Ms / apiGetMe.p50Ms),
      draftVersionWriteP50ToApiGetMeP50: round(drafts.versionWrite.p50Ms / apiGetMe.p50Ms),
      intakeDynamoDbWriteRequestsPerSecond: round(intake.dynamoDbWrites.requests / (intake.allFirstTasksMs / 1000)),
      intakeWriteRateToRawWriteRate: round(intake.dynamoDbWrites.requests / (intake.allFirstTasksMs / 1000) / rawDynamoDbLocal.writesPerSecond, 4),
      burstDocsPerSecondToRawWritesPerSecond: intakeBurst ? round(intakeBurst.docsPerSecond / rawDynamoDbLocal.writesPerSecond, 4) : null,
      dynamoDbWriteRequestsPerDocumentLifecycle: lifecycleWrites.requests,
      dynamoDbItemsWrittenPerDocumentLifecycle: lifecycleItems,
      stateTransitionsPerDocument: stateTransitionsPerDocument.stateEntered,
    };

    memory.end = memNow();
    const result = {
      benchmark: 'chancery-local',
      startedAt: startedAt.toISOString(),
      durationSeconds: round((performance.now() - runStarted) / 1000, 1),
      parameters: { ...parameters, decisionDocuments: decisionDocs },
      environment: environment(startedAt),
      startup: { localModeMs: round(startupMs), warmupDocumentMs: round(warmupMs) },
      intake: withoutEntries(intake),
      intakeBurst: intakeBurst ? withoutEntries(intakeBurst) : null,
      decisionToNextTask,
      stateTransitionsPerDocument,
      cost,
      pages,
      rawDynamoDbLocal,
      numbering,
      apiGetMe,
      drafts,
      console: { download: consoleBytes, firstRender: consoleRender },
      layout,
      functionInit: initBench,
      dynamoDbWritesPerDocument: {
        note: 'counted on the handlers\' DynamoDB client for one document from upload to archive; transactions count each item in items',
        intake: warmIntakeWrites,
        lifecycle: lifecycleWrites,
        lambdaInvocations: lifecycleInvocations,
      },
      ratios,
      memory: {
        start: memory.start,
        peak: memory.peak,
        end: memory.end,
        samples: memory.samples,
        sampleEveryMs: parameters.memorySampleMs,
        childProcessesPeakRssMb: memory.childrenPeakRssMb ?? null,
      },
    };
    return { result, dataDir };
  } finally {
    progress('stopping local mode');
    await harness.close();
  }
}

function environment(date: Date) {
  let gitCommit: string | null = null;
  let gitDirty: boolean | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    gitDirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().length > 0;
  } catch {
    // not a git checkout, or no git
  }
  const cpuList = cpus();
  return {
    node: process.version,
    platform: process.platform,
    osRelease: release(),
    arch: process.arch,
    os: platform(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? null,
    totalMemoryMb: mb(totalmem()),
    freeMemoryMb: mb(freemem()),
    date: date.toISOString(),
    gitCommit,
    gitDirty,
  };
}

const watchdog = setTimeout(() => {
  progress(`timed out after ${parameters.timeoutSeconds} s`);
  process.exit(2);
}, parameters.timeoutSeconds * 1000);
watchdog.unref();

let exitCode = 0;
try {
  const { result, dataDir } = await main();
  rmSync(dataDir, { recursive: true, force: true });
  const json = JSON.stringify(result, null, 2);
  mkdirSync('bench-results', { recursive: true });
  const file = join('bench-results', `bench-${result.startedAt.replaceAll(':', '-')}.json`);
  writeFileSync(file, json + '\n');
  progress(`wrote ${file}`);
  process.stdout.write = writeStdout;
  await new Promise<void>((resolve) => writeStdout(json + '\n', () => resolve()));
} catch (err) {
  progress(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = 1;
} finally {
  clearInterval(memTimer);
  clearInterval(childTimer);
  clearTimeout(watchdog);
}
process.exitCode = exitCode;
// Everything is stopped; should a stray handle (an SDK keep-alive socket) linger, do not hang.
setTimeout(() => process.exit(exitCode), 5000).unref();
