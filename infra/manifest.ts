/**
 * The one wiring of a Chancery branch.
 *
 * Both the CDK stack (infra/stacks/branch-stack.ts) and local mode (infra/local/) read this
 * manifest, so the cloud and the laptop cannot drift apart: a function, table, route, schedule
 * or bucket notification exists in one exactly when it exists in the other. A test
 * (tests/cdk/wiring.test.ts) synthesizes the stack and checks it against the local wiring.
 */

import { ROUTE_IDS, routeById } from '../functions/routes/index.js';

const OUTGOING_ROUTE_IDS = ROUTE_IDS.filter((id) => routeById(id)?.kind === 'outgoing');

/** Environment variable names every function receives (values differ per runtime). */
export const ENV = {
  branch: 'CHANCERY_BRANCH',
  branchConfig: 'CHANCERY_BRANCH_CONFIG',
  documentsTable: 'DOCUMENTS_TABLE',
  registersTable: 'REGISTERS_TABLE',
  tasksTable: 'TASKS_TABLE',
  auditTable: 'AUDIT_TABLE',
  peopleTable: 'PEOPLE_TABLE',
  inboxBucket: 'INBOX_BUCKET',
  archiveBucket: 'ARCHIVE_BUCKET',
  /** Every route's state machine ARN is this prefix + the route id (30 routes, one variable). */
  stateMachineArnPrefix: 'STATE_MACHINE_ARN_PREFIX',
  /** The branch's Cognito user pool (sign-in only: who people are to Chancery lives in the people table). */
  userPoolId: 'USER_POOL_ID',
  /** The KMS HMAC key that seals audit chain heads (a local key file in local mode). */
  auditMacKeyId: 'AUDIT_MAC_KEY_ID',
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

export type KeyType = 'S' | 'N';
export interface KeyAttribute {
  name: string;
  type: KeyType;
}
/**
 * What an index copies besides the keys. Every attribute projected is written again (and billed
 * again) on every change of the item; keep index entries small and never project a task token.
 */
export type GsiProjection = { type: 'ALL' } | { type: 'KEYS_ONLY' } | { type: 'INCLUDE'; nonKeyAttributes: string[] };
export interface GsiSpec {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  projection: GsiProjection;
}
export interface TableSpec {
  /** Logical id, also the suffix of the physical name: `chancery-<branch>-<id>`. */
  id: 'documents' | 'registers' | 'tasks' | 'audit' | 'people';
  env: EnvName;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: GsiSpec[];
  /** Attribute whose epoch-seconds value lets DynamoDB expire the item. */
  timeToLiveAttribute?: string;
}

export interface BucketSpec {
  id: 'inbox' | 'archive';
  env: EnvName;
  /** Archive bucket: S3 Object Lock on, retention set per object from 保管期限. */
  objectLock: boolean;
}

export type FunctionId =
  | 'intake'
  | 'create-task'
  | 'archive'
  | 'deadline-sweep'
  | 'reconcile'
  | 'notify'
  | 'api-tasks'
  | 'api-documents'
  | 'api-registers'
  | 'api-drafts'
  | 'api-seals'
  | 'api-admin';

export type Access = 'read' | 'write';
export interface FunctionSpec {
  id: FunctionId;
  description: string;
  /** Path from the repository root to the TypeScript module exporting `handler`. */
  entry: string;
  timeoutSeconds: number;
  memoryMb: number;
  tables: Partial<Record<TableSpec['id'], Access>>;
  buckets: Partial<Record<BucketSpec['id'], Access>>;
  /**
   * Besides `buckets`: new objects this function writes under these key prefixes only (PutObject,
   * no delete), for a function that otherwise only reads the bucket.
   */
  putsUnder?: Partial<Record<BucketSpec['id'], string[]>>;
  /**
   * Objects this function may delete, under these key prefixes only (intake removes a processed
   * scan from the upload queue); never anything holding a record (originals/, the archive).
   */
  deletesUnder?: Partial<Record<BucketSpec['id'], string[]>>;
  /** State machines this function may start executions of. */
  startsStateMachines: StateMachineId[];
  /** State machines whose task tokens this function may answer (SendTaskSuccess/Failure/Heartbeat). */
  answersStateMachines: StateMachineId[];
  /**
   * Files the function reads at run time besides its code. The cloud copies `from` into the
   * bundle at `to` and sets `env` to `/var/task/<to>`; local mode sets `env` to `<repo>/<from>`.
   */
  files?: FunctionFile[];
  /**
   * Uses the audit key: GenerateMac to append to audit chains (every function writing the audit
   * table), VerifyMac to verify them.
   */
  auditKey: ('GenerateMac' | 'VerifyMac')[];
  /** Sends email through SES (ses:SendEmail), from the branch's configured sender only. */
  sendsEmail?: boolean;
}

export interface FunctionFile {
  /** Path from the repository root (usually under node_modules/). */
  from: string;
  /** Path inside the function's bundle. */
  to: string;
  /** Environment variable carrying the file's absolute path. */
  env: string;
  /**
   * Files the one above refers to (a CSS naming its WOFF2 pieces): those matching `pattern` in
   * `dir`, relative to `from`'s folder, copied to the same place relative to `to`.
   */
  siblings?: { dir: string; pattern: string };
}

/** The CJK font embedded in processing slips (文件处理笺, archive) and printed registers (api-registers). */
export const SLIP_FONT: FunctionFile = {
  from: 'node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  to: 'fonts/NotoSansSC_400Regular.ttf',
  env: 'SLIP_FONT_PATH',
};

/** A function's ARN, or a Step Functions service integration's (arn:<partition>:states:::<action>). */
export type Substitution = { functionArnOf: FunctionId } | { serviceIntegration: string };

/**
 * Service integrations the route definitions use, each a whole `${Name}` placeholder: the ARN
 * depends on the partition (aws, aws-cn), and cfn-lint checks a Resource only when it is not
 * entirely a substitution (its pattern knows arn:aws: alone).
 */
export const SERVICE_INTEGRATIONS = {
  LambdaInvokeWaitForTaskToken: 'lambda:invoke.waitForTaskToken',
  LambdaInvoke: 'lambda:invoke',
} as const;
export const serviceIntegrationArn = (partition: string, action: string): string => `arn:${partition}:states:::${action}`;

/**
 * The GB/T 9704 faces (functions/domain/gbt9704-pdf.ts) for the function that renders outgoing
 * documents: 小标宋/宋/仿宋 Noto Serif SC, 黑 Noto Sans SC, 楷 LXGW WenKai as its CSS and the WOFF2
 * pieces of its regular weight. Each path variable is `OUTGOING_FONT_<FACE>`; a branch's own files
 * (config `fonts`) still come first.
 */
/**
 * The branches' seal images (infra/branches/seals/*.png), shipped beside the README that the
 * variable points at: the function applying seals finds them in that folder (adapters/seals.ts).
 */
export const SEAL_IMAGES: FunctionFile = {
  from: 'infra/branches/seals/README.md',
  to: 'branches/seals/README.md',
  env: 'CHANCERY_SEAL_IMAGES',
  siblings: { dir: '.', pattern: '*.png' },
};

export const OUTGOING_FONTS: FunctionFile[] = [
  { from: 'node_modules/@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf', to: 'fonts/NotoSerifSC_700Bold.ttf', env: 'OUTGOING_FONT_XBS' },
  { from: 'node_modules/@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf', to: 'fonts/NotoSerifSC_400Regular.ttf', env: 'OUTGOING_FONT_SONG' },
  { from: 'node_modules/@expo-google-fonts/noto-serif-sc/300Light/NotoSerifSC_300Light.ttf', to: 'fonts/NotoSerifSC_300Light.ttf', env: 'OUTGOING_FONT_FANGSONG' },
  {
    from: 'node_modules/lxgw-wenkai-webfont/lxgwwenkai-regular.css',
    to: 'fonts/lxgw-wenkai/lxgwwenkai-regular.css',
    env: 'OUTGOING_FONT_KAI',
    siblings: { dir: 'files', pattern: 'lxgwwenkai-regular-subset-*.woff2' },
  },
  { from: 'node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf', to: 'fonts/NotoSansSC_400Regular.ttf', env: 'OUTGOING_FONT_HEI' },
];

/** A state machine per route: its id is the route's (functions/routes/index.ts). */
export type StateMachineId = string;
export interface StateMachineSpec {
  id: StateMachineId;
  /** Path from the repository root to the ASL file (generated from the route module, infra/asl.ts). */
  definitionFile: string;
  /** `${Name}` placeholders in the ASL, each resolved to a function's ARN or the stack's partition (aws, aws-cn). */
  substitutions: Record<string, Substitution>;
}

export interface RouteSpec {
  /** `ANY` only for the `$default` route. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';
  /** API Gateway route path, with `{param}` placeholders; or `$default`, the catch-all. */
  path: string;
  function: FunctionId;
  /**
   * `none` only for `$default`: it answers every unmatched request with a Chinese 404 and reads
   * nothing, so a caller without a token learns no more than with one.
   */
  authorization?: 'none';
}

export const DEFAULT_ROUTE = '$default';
/** API Gateway's route key: `GET /tasks`, or `$default`. */
export const routeKeyOf = (r: RouteSpec): string => (r.path === DEFAULT_ROUTE ? DEFAULT_ROUTE : `${r.method} ${r.path}`);

export interface ScheduleSpec {
  id: 'deadline-sweep' | 'reconcile' | 'notify';
  /** EventBridge schedule expression. */
  expression: string;
  /** Interval in seconds that local mode fires it at (mirrors `expression`). */
  everySeconds: number;
  function: FunctionId;
}

export interface BucketNotificationSpec {
  bucket: BucketSpec['id'];
  event: 's3:ObjectCreated:*';
  /** Only keys under this prefix start intake: rejected uploads go elsewhere in the bucket. */
  prefix: string;
  function: FunctionId;
}

/** Key prefix the scanners (and the watched folder) write to. */
export const SCAN_PREFIX = 'scans/';
/** Key prefix where rejected uploads are kept, with their reason as object metadata. */
export const REJECTED_PREFIX = 'rejected/';
/** Key prefix of each registered document's immutable copy of its scan: originals/<docId>/. */
export const ORIGINALS_PREFIX = 'originals/';
/**
 * Key prefix of files uploaded through the API (attachments, a document's file) by a presigned
 * PUT, `uploads/<username>/<uploadId>`: taken from here and pinned under originals/<docId>/ when
 * used, expired after two days either way.
 */
export const UPLOADS_PREFIX = 'uploads/';
/** Key prefix of register exports too large to answer inline; fetched by a short-lived link, expired after a day. */
export const EXPORTS_PREFIX = 'exports/';

const S = (name: string): KeyAttribute => ({ name, type: 'S' });

/**
 * What the open-task indexes (by-assignee for GET /tasks, open-by-due for the deadline sweep) copy
 * of a task: what those lists show of an open task — never the task token, nor decision fields (a
 * decided task leaves both indexes). The task id is the table key's (TASK#<id>), projected anyway.
 * Every entry stays well under 1 KB, so each index write costs 1 WRU. CloudFormation allows 20
 * attributes here; functions/adapters/tasks.ts checks at compile time that every other field of
 * a task record is listed. The tasks of one document (by-document) are keys only: that list reads
 * the tasks themselves, and deciding a task then rewrites no entry there.
 */
export const OPEN_TASK_INDEX_ATTRIBUTES = [
  'docId', 'route', 'step', 'stepName', 'ask', 'title', 'registerNumber', 'urgency', 'secrecy', 'assignment',
  'status', 'createdAt', 'dueAt', 'overdue', 'overdueAt', 'escalatedAt', 'uncleared', 'chaseCount',
  // A list shows a step taken again after a 退回, and a pending or granted extension.
  'returnedFrom', 'extension',
] as const;
const openTaskProjection: GsiProjection = { type: 'INCLUDE', nonKeyAttributes: [...OPEN_TASK_INDEX_ATTRIBUTES] };

export const tables: TableSpec[] = [
  {
    // Documents (公文): META item per document, SLIP#… items for every processing-slip line.
    id: 'documents',
    env: ENV.documentsTable,
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalSecondaryIndexes: [],
  },
  {
    // Registers (登记簿): counters, entries, intake idempotency keys, rejected uploads, chasing (催办) records.
    id: 'registers',
    env: ENV.registersTable,
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalSecondaryIndexes: [
      // Entries by month (sparse: only entries carry them): mpk = `REG#<register>#<YYYY-MM>`, msk = `NO#<serial>`.
      // Keys only: a month's entries are read back from the table.
      { indexName: 'by-month', partitionKey: S('mpk'), sortKey: S('msk'), projection: { type: 'KEYS_ONLY' } },
    ],
  },
  {
    // Human tasks: one item per assignment, keyed by a hash of the Step Functions task token.
    id: 'tasks',
    env: ENV.tasksTable,
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalSecondaryIndexes: [
      // Open tasks by assignee or role: gsi1pk = `USER#<username>` or `ROLE#<role>[#<dept>]`, gsi1sk = due time.
      { indexName: 'by-assignee', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk'), projection: openTaskProjection },
      // Open tasks by due time, for the deadline sweep (sparse: removed once decided).
      { indexName: 'open-by-due', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk'), projection: openTaskProjection },
      // Tasks of one document, in creation order.
      { indexName: 'by-document', partitionKey: S('gsi3pk'), sortKey: S('gsi3sk'), projection: { type: 'KEYS_ONLY' } },
      // A person's boxes, newest first: gsi4pk = `BOX#<done|toread|read|tracking>#<username>`, gsi4sk = time.
      // Keys only: the items (a decided task holds its token) are read from the table.
      { indexName: 'by-box', partitionKey: S('gsi4pk'), sortKey: S('gsi4sk'), projection: { type: 'KEYS_ONLY' } },
    ],
  },
  {
    // Audit trail: an append-only hash chain per document (and per register for system events).
    id: 'audit',
    env: ENV.auditTable,
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalSecondaryIndexes: [],
  },
  {
    // People (人员目录): who someone is to Chancery — roles, department, clearance, active — whatever
    // identity provider signs them in. PERSON#<username> holds META (the record, listed under
    // lpk PEOPLE), DEPT (listed under DEPT#<code>) and one ROLE#<role> item per role (listed under
    // ROLE#<role>, lsk <department>#<username>, so a role is listed per department too).
    id: 'people',
    env: ENV.peopleTable,
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalSecondaryIndexes: [
      // Keys only: a list reads the records themselves (one BatchGet a page).
      { indexName: 'by-list', partitionKey: S('lpk'), sortKey: S('lsk'), projection: { type: 'KEYS_ONLY' } },
    ],
  },
];

export const buckets: BucketSpec[] = [
  { id: 'inbox', env: ENV.inboxBucket, objectLock: false },
  { id: 'archive', env: ENV.archiveBucket, objectLock: true },
];

/** API Gateway's HTTP API gives up on an integration after 30 s; an API function must end first, with its own answer. */
export const HTTP_API_INTEGRATION_TIMEOUT_SECONDS = 30;
export const API_TIMEOUT_SECONDS = 25;

export const functions: FunctionSpec[] = [
  {
    id: 'intake',
    description: '收文登记: checks a new scan, registers it in the incoming register and starts its route',
    entry: 'functions/handlers/intake.ts',
    timeoutSeconds: 60,
    memoryMb: 512,
    tables: { documents: 'write', registers: 'write', audit: 'write' },
    // Reads the scan, pins it under originals/ or sets it aside under rejected/, then takes it off
    // the upload queue (scans/): it may delete there and nowhere else.
    buckets: { inbox: 'read' },
    putsUnder: { inbox: [ORIGINALS_PREFIX, REJECTED_PREFIX] },
    deletesUnder: { inbox: [SCAN_PREFIX] },
    startsStateMachines: ROUTE_IDS,
    answersStateMachines: [],
    auditKey: ['GenerateMac'],
  },
  {
    id: 'create-task',
    description: 'Creates the human task (待办) for a route step and keeps its task token server-side',
    entry: 'functions/handlers/create-task.ts',
    timeoutSeconds: 30,
    memoryMb: 256,
    // people: is anyone cleared for a classified step?
    tables: { documents: 'write', tasks: 'write', audit: 'write', registers: 'write', people: 'read' },
    buckets: {},
    startsStateMachines: [],
    answersStateMachines: [],
    auditKey: ['GenerateMac'],
  },
  {
    id: 'archive',
    description: '立卷归档: writes the archive package (scan, processing slip, metadata, SHA-256 manifest)',
    entry: 'functions/handlers/archive.ts',
    timeoutSeconds: 120,
    memoryMb: 1024,
    tables: { documents: 'write', registers: 'write', audit: 'write' },
    buckets: { inbox: 'read', archive: 'write' },
    startsStateMachines: [],
    answersStateMachines: [],
    auditKey: ['GenerateMac', 'VerifyMac'],
    files: [SLIP_FONT],
  },
  {
    id: 'deadline-sweep',
    description: '催办: marks late tasks overdue, records chasing entries, reminds, escalates and skips (超时跳过)',
    entry: 'functions/handlers/deadline-sweep.ts',
    timeoutSeconds: 120,
    memoryMb: 256,
    // people: whom a reminder or an escalation (超期升级) tells.
    tables: { documents: 'write', tasks: 'write', registers: 'write', audit: 'write', people: 'read' },
    buckets: {},
    startsStateMachines: [],
    // 超时跳过 answers the skipped step's token.
    answersStateMachines: ROUTE_IDS,
    auditKey: ['GenerateMac'],
  },
  {
    id: 'reconcile',
    description: '补偿: takes in scans no event brought, starts routes and resends decisions a crash left undelivered',
    entry: 'functions/handlers/reconcile.ts',
    timeoutSeconds: 300,
    memoryMb: 512,
    // people: puts the branch's first admin (config firstAdmin) into the directory on the first round.
    tables: { documents: 'write', registers: 'write', tasks: 'write', audit: 'write', people: 'write' },
    // Takes in missed scans as intake does (the same code), with the same narrow grants.
    buckets: { inbox: 'read' },
    putsUnder: { inbox: [ORIGINALS_PREFIX, REJECTED_PREFIX] },
    deletesUnder: { inbox: [SCAN_PREFIX] },
    startsStateMachines: ROUTE_IDS,
    answersStateMachines: ROUTE_IDS,
    auditKey: ['GenerateMac'],
  },
  {
    id: 'notify',
    description: '通知投递: delivers notifications still marked to send (email through SES, the branch group robot), reminders in office hours',
    entry: 'functions/handlers/notify.ts',
    timeoutSeconds: 120,
    memoryMb: 256,
    // The outbox marks and the in-app notifications live in the tasks table; people: addresses and names.
    tables: { tasks: 'write', people: 'read' },
    buckets: {},
    startsStateMachines: [],
    answersStateMachines: [],
    auditKey: [],
    // The only function that sends mail: the event paths never wait on a mail server or a robot.
    sendsEmail: true,
  },
  {
    id: 'api-tasks',
    description: 'API: my tasks (待办) and decisions, transfers, chasing, delegation, circulation and boxes',
    entry: 'functions/handlers/api/tasks.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    // An attachment (up to maxUploadBytes, 50 MB) is read whole and parsed; 编号 lays out an
    // outgoing document with its CJK faces (GB/T 9704) and 用印 stamps it.
    memoryMb: 1024,
    // registers: 催办 by hand writes the chasing register. people: every API function reads the caller there.
    tables: { documents: 'write', tasks: 'write', audit: 'write', registers: 'write', people: 'read' },
    // 办理反馈 with attachments: reads the upload, pins it to the document or sets it aside.
    // 编号 and 用印: the numbered and the sealed PDF are kept under originals/<docId>/outgoing/.
    buckets: { inbox: 'read' },
    putsUnder: { inbox: [ORIGINALS_PREFIX, REJECTED_PREFIX] },
    startsStateMachines: [],
    answersStateMachines: ROUTE_IDS,
    auditKey: ['GenerateMac'],
    files: [...OUTGOING_FONTS, SEAL_IMAGES],
  },
  {
    id: 'api-documents',
    description: 'API: uploads, internal documents submitted (内部来文) with attachments, a document with its processing slip, short-lived links to its files',
    entry: 'functions/handlers/api/documents.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    // Uploads (up to maxUploadBytes, 50 MB, each) are read whole and parsed, one at a time.
    memoryMb: 1024,
    tables: { documents: 'write', registers: 'write', tasks: 'write', audit: 'write', people: 'read' },
    // The archive is not read here: a filed document's links still point at its pinned original.
    buckets: { inbox: 'read' },
    // Signs upload links (uploads/), pins uploads to their document (originals/), sets bad ones aside (rejected/).
    putsUnder: { inbox: [UPLOADS_PREFIX, ORIGINALS_PREFIX, REJECTED_PREFIX] },
    startsStateMachines: ROUTE_IDS,
    // 撤销 answers the open task's token.
    answersStateMachines: ROUTE_IDS,
    auditKey: ['GenerateMac', 'VerifyMac'],
  },
  {
    id: 'api-registers',
    description: 'API: registers (登记簿), their exports (XLSX, CSV, PDF) and rejected uploads',
    entry: 'functions/handlers/api/registers.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    // A PDF export parses the 10 MB CJK font and lays out hundreds of pages.
    memoryMb: 1024,
    tables: { registers: 'read', documents: 'read', people: 'read' },
    // Exports too large for a Lambda answer go under exports/ and are fetched by a presigned link.
    buckets: { inbox: 'write' },
    startsStateMachines: [],
    answersStateMachines: [],
    auditKey: [],
    files: [SLIP_FONT],
  },
  {
    id: 'api-seals',
    description: 'API: the branch seals (印章) and their standing; a lost or damaged seal suspended and reinstated',
    entry: 'functions/handlers/api/seals.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    // registers: each seal's standing (SEAL#<id>), the 发文登记簿 a copy is checked against;
    // documents: the draft's signed PDF hash; audit: the seal's chain; people: the caller.
    tables: { registers: 'write', audit: 'write', people: 'read', documents: 'read' },
    // 核验: the PDF uploaded to check (POST /uploads put it in the inbox bucket).
    buckets: { inbox: 'read' },
    // A sealed copy is parsed whole (pdf-lib) to check nothing changed after the seal.
    memoryMb: 512,
    startsStateMachines: [],
    answersStateMachines: [],
    auditKey: ['GenerateMac'],
  },
  {
    id: 'api-drafts',
    description: 'API: outgoing drafts (拟稿), their versions and diffs, the freeze after 签发, a GB/T 9704 preview',
    entry: 'functions/handlers/api/drafts.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    // A preview parses up to four 10–15 MB CJK faces and subsets them.
    memoryMb: 1024,
    // registers: an uploaded body's upload record is marked used (or the file set aside), and the
    // route-start mark of 送审; tasks: a consented change after 签发 closes the open task (back to 签发).
    tables: { documents: 'write', registers: 'write', audit: 'write', tasks: 'write', people: 'read' },
    // An uploaded body (.docx, PDF) is read whole, checked and pinned under originals/<draftId>/.
    buckets: { inbox: 'read' },
    putsUnder: { inbox: [ORIGINALS_PREFIX, REJECTED_PREFIX] },
    // 送审 starts the draft's outgoing route; a consented change answers it back to 签发.
    startsStateMachines: OUTGOING_ROUTE_IDS,
    answersStateMachines: OUTGOING_ROUTE_IDS,
    auditKey: ['GenerateMac'],
    files: OUTGOING_FONTS,
  },
  {
    id: 'api-admin',
    description: 'API: the people directory (人员目录) and the three admins (三员): people and roles, clearances (密级), the admin audit trail',
    entry: 'functions/handlers/api/admin.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    memoryMb: 256,
    // Every change is written with its event on the admin audit chain, in one transaction.
    tables: { people: 'write', audit: 'write' },
    buckets: {},
    startsStateMachines: [],
    answersStateMachines: [],
    auditKey: ['GenerateMac'],
  },
];

export const stateMachines: StateMachineSpec[] = ROUTE_IDS.map((id) => ({
  id,
  definitionFile: `statemachines/${id}.asl.json`,
  substitutions: {
    CreateTaskFunctionArn: { functionArnOf: 'create-task' },
    ArchiveFunctionArn: { functionArnOf: 'archive' },
    ...Object.fromEntries(Object.entries(SERVICE_INTEGRATIONS).map(([name, action]) => [name, { serviceIntegration: action }])),
  },
}));

export const routes: RouteSpec[] = [
  { method: 'GET', path: '/me', function: 'api-tasks' },
  { method: 'GET', path: '/routes', function: 'api-tasks' },
  { method: 'GET', path: '/tasks', function: 'api-tasks' },
  { method: 'GET', path: '/tasks/{taskId}', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/decision', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/return', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/recall', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/signers', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/signers/remove', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/proxy-decision', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/confirm', function: 'api-tasks' },
  { method: 'GET', path: '/me/confirmations', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/progress', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/extension', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/extension/decision', function: 'api-tasks' },
  { method: 'POST', path: '/uploads', function: 'api-documents' },
  { method: 'POST', path: '/documents', function: 'api-documents' },
  { method: 'POST', path: '/documents/{docId}/withdraw', function: 'api-documents' },
  { method: 'PUT', path: '/documents/{docId}/registration', function: 'api-documents' },
  { method: 'POST', path: '/documents/{docId}/return-to-sender', function: 'api-documents' },
  { method: 'GET', path: '/registration-desk', function: 'api-registers' },
  // Task-service operations (functions/handlers/api/task-operations.ts).
  { method: 'POST', path: '/tasks/{taskId}/transfer', function: 'api-tasks' },
  { method: 'POST', path: '/tasks/{taskId}/chase', function: 'api-tasks' },
  { method: 'GET', path: '/me/notifications', function: 'api-tasks' },
  { method: 'GET', path: '/me/delegation', function: 'api-tasks' },
  { method: 'PUT', path: '/me/delegation', function: 'api-tasks' },
  { method: 'DELETE', path: '/me/delegation', function: 'api-tasks' },
  { method: 'POST', path: '/documents/{docId}/circulate', function: 'api-tasks' },
  { method: 'POST', path: '/documents/{docId}/read', function: 'api-tasks' },
  { method: 'GET', path: '/documents', function: 'api-tasks' },
  { method: 'GET', path: '/documents/{docId}', function: 'api-documents' },
  { method: 'GET', path: '/documents/{docId}/scan', function: 'api-documents' },
  { method: 'GET', path: '/registers', function: 'api-registers' },
  { method: 'GET', path: '/registers/{register}', function: 'api-registers' },
  { method: 'GET', path: '/registers/{register}/export', function: 'api-registers' },
  { method: 'GET', path: '/rejected-uploads', function: 'api-registers' },
  // Outgoing drafts (functions/handlers/api/drafts.ts).
  { method: 'GET', path: '/drafts', function: 'api-drafts' },
  { method: 'GET', path: '/drafting-options', function: 'api-drafts' },
  { method: 'POST', path: '/drafts', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}', function: 'api-drafts' },
  { method: 'PUT', path: '/drafts/{draftId}', function: 'api-drafts' },
  { method: 'POST', path: '/drafts/{draftId}/submit', function: 'api-drafts' },
  { method: 'POST', path: '/drafts/{draftId}/consent', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}/versions', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}/versions/{version}', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}/diff', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}/preview', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}/pdf', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}/slip', function: 'api-drafts' },
  { method: 'GET', path: '/drafts/{draftId}/distribution', function: 'api-drafts' },
  { method: 'POST', path: '/drafts/{draftId}/void-number', function: 'api-drafts' },
  { method: 'GET', path: '/seals', function: 'api-seals' },
  { method: 'POST', path: '/seals/{sealId}/suspend', function: 'api-seals' },
  { method: 'POST', path: '/seals/{sealId}/reinstate', function: 'api-seals' },
  { method: 'POST', path: '/seals/verify', function: 'api-seals' },
  // The people directory and the three admins (functions/handlers/api/admin.ts).
  { method: 'GET', path: '/admin/people', function: 'api-admin' },
  { method: 'POST', path: '/admin/people', function: 'api-admin' },
  { method: 'GET', path: '/admin/people/{username}', function: 'api-admin' },
  { method: 'PUT', path: '/admin/people/{username}', function: 'api-admin' },
  { method: 'PUT', path: '/admin/people/{username}/clearance', function: 'api-admin' },
  { method: 'GET', path: '/admin/audit', function: 'api-admin' },
  // Unknown paths and methods: a Chinese 404 from the API code instead of API Gateway's English one.
  { method: 'ANY', path: DEFAULT_ROUTE, function: 'api-tasks', authorization: 'none' },
];

export const schedules: ScheduleSpec[] = [
  { id: 'deadline-sweep', expression: 'rate(5 minutes)', everySeconds: 300, function: 'deadline-sweep' },
  { id: 'reconcile', expression: 'rate(5 minutes)', everySeconds: 300, function: 'reconcile' },
  // Notifications go out within a minute of their event (or of office hours starting, for reminders).
  { id: 'notify', expression: 'rate(1 minute)', everySeconds: 60, function: 'notify' },
];

/** Runs once when local mode starts, before anything new arrives: the "sweep after a restart". */
export const startupTasks: { function: FunctionId; event: unknown }[] = [
  { function: 'reconcile', event: { answerGraceMs: 0 } },
  // Notifications a crash left marked "to send".
  { function: 'notify', event: {} },
];

export const bucketNotifications: BucketNotificationSpec[] = [
  { bucket: 'inbox', event: 's3:ObjectCreated:*', prefix: SCAN_PREFIX, function: 'intake' },
];

/** Physical names, the same rule in the cloud and locally. */
export const physicalName = (branch: string, id: string): string => `chancery-${branch}-${id}`;

/**
 * Bucket names in the cloud carry the account and region too (bucket names are global: the same
 * branch name may be deployed by another organisation); local mode keeps physicalName.
 */
export const bucketPhysicalName = (branch: string, id: string, account: string, region: string): string => `${physicalName(branch, id)}-${account}-${region}`;

/**
 * Business figures the functions emit (CloudWatch embedded metric format, functions/adapters/metrics.ts)
 * and the branch dashboard graphs, per day: namespace Chancery, dimension service = chancery-<branch>.
 */
export const METRICS_NAMESPACE = 'Chancery';
export const BUSINESS_METRICS = {
  /** A document numbered into a register: a scan at intake, an internal submission. */
  registered: 'DocumentsRegistered',
  /** A human task (待办) opened for a step. */
  taskOpened: 'TasksOpened',
  /** A step decided (办理, 批示 …). */
  decided: 'Decisions',
  /** A task the deadline sweep found past due. */
  overdue: 'TasksOverdue',
  /** An archive package written under its 档号. */
  archived: 'DocumentsArchived',
} as const;
export type BusinessMetric = keyof typeof BUSINESS_METRICS;
export const metricsService = (branch: string): string => `chancery-${branch}`;
