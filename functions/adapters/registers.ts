/**
 * Registers (登记簿) in the registers table. Each register and year is one partition:
 *   pk REG#<register>#<year>, sk #COUNTER   the last serial number given out
 *   pk REG#<register>#<year>, sk NO#<000012> one entry
 * A serial number is allocated in the same transaction that writes its entry, conditional on the
 * counter's previous value, so numbers are never reused and never skipped.
 *
 * Months: each entry also carries mpk REG#<register>#<YYYY-MM> (the branch-local month it was
 * written in) and msk NO#<000012>, the keys of the sparse index `by-month`, so a month of a
 * register is one Query. Serial numbers stay per year; the index only finds them.
 *
 * Also here: intake keys (one per scanned object version, for idempotent intake) and rejected
 * uploads (pk REJECTED#<year>, sk <rejectedAt>#<key>).
 */
import { BatchGetCommand, type BatchGetCommandOutput, DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './clients.js';
import type { TaskRecord } from './tasks.js';
import { backoff, batchGetInOrder, decodeCursor, encodeCursor, TransactionConflict, type Page, type TransactItem } from './dynamo.js';
import { transactWithAudit, type AuditInput } from './audit.js';
import { env } from './env.js';
import { now as clock } from './clock.js';
import { localDate } from '../domain/calendar.js';
import { filterExpression, matchesFilter, type RegisterFilter } from '../domain/register-filters.js';

/** The registers a clerk can list, with their printed names. */
export const REGISTERS = {
  incoming: '收文登记簿',
  chasing: '催办记录',
  archive: '归档目录',
  internal: '内部来文登记簿',
  returns: '退文登记簿',
  seal: '用印登记簿',
} as const;
export type RegisterId = keyof typeof REGISTERS;

export const registerPartition = (register: string, year: number) => `REG#${register}#${year}`;
const entryKey = (serial: number) => `NO#${String(serial).padStart(6, '0')}`;
const COUNTER = '#COUNTER';
const MAX_NUMBER_ATTEMPTS = 60;
/** The index of entries by month (sparse: only register entries carry mpk/msk). */
export const MONTH_INDEX = 'by-month';
export const monthPartition = (register: string, month: string /* YYYY-MM */) => `REG#${register}#${month}`;
/** How many Queries one filtered page may take to fill itself before it is answered short. */
const MAX_FILTERED_READS = 5;
/** Key attributes never returned with an entry nor changed by a field update. */
const KEY_FIELDS = new Set(['pk', 'sk', 'mpk', 'msk', 'register', 'year', 'serial']);

export interface RegisterEntry {
  register: string;
  year: number;
  serial: number;
  [field: string]: unknown;
}

/** The last serial number given out in a register partition (0 before the first). */
export async function lastSerial(partition: string): Promise<number> {
  const res = await documentClient().send(
    new GetCommand({ TableName: env.registersTable, Key: { pk: partition, sk: COUNTER }, ConsistentRead: true }),
  );
  return res.Item ? Number(res.Item.last) : 0;
}

/** Moves a counter from `previous` to `previous + 1`, failing if someone moved it first. */
export function counterBumpItem(partition: string, previous: number): TransactItem {
  return {
    Update: {
      TableName: env.registersTable,
      Key: { pk: partition, sk: COUNTER },
      UpdateExpression: 'SET #last = :next',
      ConditionExpression: previous === 0 ? 'attribute_not_exists(#last)' : '#last = :previous',
      ExpressionAttributeNames: { '#last': 'last' },
      ExpressionAttributeValues: { ':next': previous + 1, ...(previous === 0 ? {} : { ':previous': previous }) },
    },
  };
}

/**
 * Writes the next entry of `register`/`year` (the counter bump, the entry from `entry(serial)`,
 * and any `extra(serial)` items) in one transaction, with `audit` appended to `auditChain`.
 * Retries when another writer took the number first. Returns the serial number given.
 */
export async function appendRegisterEntry(options: {
  register: string;
  year: number;
  entry: (serial: number) => Record<string, unknown>;
  extra?: (serial: number) => TransactItem[];
  auditChain: string;
  audit: (serial: number) => AuditInput;
  /** When the entry is written (ISO): its month in the branch's time zone files it under that month. */
  at?: string;
}): Promise<number> {
  const partition = registerPartition(options.register, options.year);
  const month = localDate(options.at ? new Date(options.at) : clock(), env.branchConfig.timeZone).slice(0, 7);
  return inTurn(partition, () => appendInTurn(partition, month, options));
}

/**
 * Writers of one register in one process take turns: they would only lose the counter to each
 * other and back off (200 documents signed at once in local mode, where every handler shares one
 * process). Across processes (Lambda containers) the conditional write and the retry still decide.
 */
const turns = new Map<string, Promise<unknown>>();
function inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
  const run = (turns.get(key) ?? Promise.resolve()).then(work);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  turns.set(key, settled);
  void settled.then(() => {
    if (turns.get(key) === settled) turns.delete(key);
  });
  return run;
}

async function appendInTurn(partition: string, month: string, options: Parameters<typeof appendRegisterEntry>[0]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const previous = await lastSerial(partition);
    const serial = previous + 1;
    const items: TransactItem[] = [
      counterBumpItem(partition, previous),
      {
        Put: {
          TableName: env.registersTable,
          Item: {
            pk: partition,
            sk: entryKey(serial),
            register: options.register,
            year: options.year,
            serial,
            ...options.entry(serial),
            mpk: monthPartition(options.register, month),
            msk: entryKey(serial),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...(options.extra?.(serial) ?? []),
    ];
    try {
      await transactWithAudit(options.auditChain, options.audit(serial), items);
      return serial;
    } catch (err) {
      const numberRace = err instanceof TransactionConflict && err.failedIndexes.some((i) => i <= 1);
      // Many scans at once all want the next number: keep trying, spread out, for up to ~30 s.
      if (!numberRace || attempt >= MAX_NUMBER_ATTEMPTS) throw err;
      await backoff(attempt);
    }
  }
}

/** An entry as listed: without its key attributes. */
const entryOf = ({ pk: _pk, sk: _sk, mpk: _mpk, msk: _msk, ...entry }: Record<string, unknown>) => entry as RegisterEntry;

/**
 * One page of a register for a year, or for one month (`month` 1–12 of `year`, the index
 * `by-month`). Both are a Query on a key; cursors are checked against the partition they page.
 * A `filter` (status, department) is a FilterExpression on the year's Query and a check after the
 * read on a month's (its index holds keys only): either way a page may come back short, or even
 * empty with a cursor, and the caller keeps paging.
 */
export async function listRegister(
  register: string,
  year: number,
  options: { cursor?: string; limit?: number; newestFirst?: boolean; month?: number; filter?: RegisterFilter },
): Promise<Page<RegisterEntry>> {
  const limit = options.limit ?? 50;
  const filter = options.filter ? filterExpression(options.filter) : undefined;
  const common = { TableName: env.registersTable, ScanIndexForward: !options.newestFirst, Limit: limit };
  const keyNames = options.month === undefined ? ['pk', 'sk'] : ['pk', 'sk', 'mpk', 'msk'];
  const input =
    options.month === undefined
      ? {
          ...common,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :no)',
          ExpressionAttributeValues: { ':pk': registerPartition(register, year), ':no': 'NO#', ...filter?.ExpressionAttributeValues },
          ...(filter ? { FilterExpression: filter.FilterExpression, ExpressionAttributeNames: filter.ExpressionAttributeNames } : {}),
          ExclusiveStartKey: decodeCursor(options.cursor, keyNames, { pk: registerPartition(register, year) }, { sk: 'NO#' }),
        }
      : (() => {
          const mpk = monthPartition(register, `${year}-${String(options.month).padStart(2, '0')}`);
          return {
            ...common,
            IndexName: MONTH_INDEX,
            KeyConditionExpression: 'mpk = :mpk',
            ExpressionAttributeValues: { ':mpk': mpk },
            // An index page key holds the table's keys too: the entry must be of this register.
            ExclusiveStartKey: decodeCursor(options.cursor, keyNames, { mpk }, { pk: `REG#${register}#`, sk: 'NO#', msk: 'NO#' }),
          };
        })();
  const found: Record<string, unknown>[] = [];
  let last: Record<string, unknown> | undefined = input.ExclusiveStartKey;
  // A filtered page reads on a few times to fill itself, so a sparse filter shows fewer empty pages.
  for (let round = 0; round < (filter ? MAX_FILTERED_READS : 1); round++) {
    const res = await documentClient().send(new QueryCommand({ ...input, ExclusiveStartKey: last }));
    // The month index keeps keys only: a month's entries are read from the table.
    const read = options.month === undefined ? (res.Items ?? []) : await batchGetInOrder(env.registersTable, res.Items ?? []);
    found.push(...(options.month !== undefined && options.filter ? read.filter((e) => matchesFilter(e, options.filter!)) : read));
    last = res.LastEvaluatedKey;
    if (!last || found.length >= limit) break;
  }
  // Read past a full page: the next page starts after the last entry shown.
  if (found.length > limit) {
    found.length = limit;
    last = Object.fromEntries(keyNames.map((k) => [k, found[limit - 1][k]]));
  }
  return {
    items: found.map(entryOf),
    ...(last ? { cursor: encodeCursor(last) } : {}),
  };
}

/** Every entry of a register for a year or a month, page by page (exports; never a Scan). */
export async function listWholeRegister(register: string, year: number, month?: number, filter?: RegisterFilter): Promise<RegisterEntry[]> {
  const entries: RegisterEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await listRegister(register, year, { cursor, limit: 1000, month, filter });
    entries.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return entries;
}

/**
 * Sets fields of one existing register entry (承办科室, 办理结果, 归档号 … as a route goes), for a
 * transaction with the decision that sets them. Setting the same values again changes nothing.
 */
export function setEntryFieldsItem(register: string, year: number, serial: number, fields: Record<string, string>): TransactItem {
  const names = Object.keys(fields);
  if (names.length === 0 || names.some((n) => KEY_FIELDS.has(n))) throw new Error(`register fields must be non-key fields: ${names.join(', ')}`);
  return {
    Update: {
      TableName: env.registersTable,
      Key: { pk: registerPartition(register, year), sk: entryKey(serial) },
      UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      // Never create a stray item without a number.
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, fields[n]])),
    },
  };
}

// ---- intake keys -------------------------------------------------------------------------------

export type IntakeRecord =
  | { outcome: 'registered'; intakeKey: string; docId: string; objectKey: string; at: string }
  | { outcome: 'rejected'; intakeKey: string; objectKey: string; rejectedKey: string; reason: string; at: string };

const intakeItemKey = (intakeKey: string) => ({ pk: `INTAKE#${intakeKey}`, sk: '#' });

export async function getIntake(intakeKey: string): Promise<IntakeRecord | undefined> {
  const res = await documentClient().send(
    new GetCommand({ TableName: env.registersTable, Key: intakeItemKey(intakeKey), ConsistentRead: true }),
  );
  if (!res.Item) return undefined;
  const { pk: _pk, sk: _sk, ...record } = res.Item;
  return record as IntakeRecord;
}

/** The intake records of many objects at once (the reconciler's check of the inbox backlog). */
export async function getIntakes(intakeKeys: string[]): Promise<Map<string, IntakeRecord>> {
  const found = new Map<string, IntakeRecord>();
  for (let i = 0; i < intakeKeys.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = intakeKeys.slice(i, i + 100).map(intakeItemKey);
    for (let attempt = 0; keys?.length; attempt++) {
      const res: BatchGetCommandOutput = await documentClient().send(new BatchGetCommand({ RequestItems: { [env.registersTable]: { Keys: keys, ConsistentRead: true } } }));
      for (const item of res.Responses?.[env.registersTable] ?? []) {
        const { pk: _pk, sk: _sk, ...record } = item;
        found.set(String(record.intakeKey), record as IntakeRecord);
      }
      keys = res.UnprocessedKeys?.[env.registersTable]?.Keys;
      if (keys?.length) await backoff(attempt);
    }
  }
  return found;
}

export function putIntakeItem(record: IntakeRecord): TransactItem {
  return {
    Put: {
      TableName: env.registersTable,
      Item: { ...intakeItemKey(record.intakeKey), ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

// ---- rejected uploads --------------------------------------------------------------------------

export interface RejectedUpload {
  objectKey: string;
  rejectedKey: string;
  bucket: string;
  size: number;
  code: string;
  reason: string;
  rejectedAt: string;
  /** An upload through the API: who uploaded it and under which name. */
  uploadedBy?: string;
  fileName?: string;
}

/**
 * Lists an upload set aside (GET /rejected-uploads) in the same transaction as `marker`, the item
 * saying this upload was dealt with (an intake key, an API upload's status), audited as `actor`.
 */
export async function recordRejected(marker: TransactItem, upload: RejectedUpload, actor: string): Promise<void> {
  const year = Number(upload.rejectedAt.slice(0, 4));
  const items: TransactItem[] = [
    marker,
    {
      Put: {
        TableName: env.registersTable,
        Item: { pk: `REJECTED#${year}`, sk: `${upload.rejectedAt}#${upload.objectKey}`, ...upload },
      },
    },
  ];
  await transactWithAudit(`REJECTED#${year}`, { at: upload.rejectedAt, actor, action: 'upload.rejected', details: { ...upload } }, items);
}

export async function recordRejectedUpload(intakeKey: string, upload: RejectedUpload): Promise<void> {
  const marker = putIntakeItem({ outcome: 'rejected', intakeKey, objectKey: upload.objectKey, rejectedKey: upload.rejectedKey, reason: upload.reason, at: upload.rejectedAt });
  await recordRejected(marker, upload, 'system:intake');
}

export async function listRejectedUploads(year: number, options: { cursor?: string; limit?: number }): Promise<Page<RejectedUpload>> {
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.registersTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `REJECTED#${year}` },
      ScanIndexForward: false,
      Limit: options.limit ?? 50,
      ExclusiveStartKey: decodeCursor(options.cursor, ['pk', 'sk'], { pk: `REJECTED#${year}` }),
    }),
  );
  return {
    items: (res.Items ?? []).map(({ pk: _pk, sk: _sk, ...item }) => item as RejectedUpload),
    ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}),
  };
}


// ---- route-start outbox ------------------------------------------------------------------------
// A registered document's route is started after its registration commits. The mark below is
// written in the registration's transaction and removed once the route has started, so a crash
// in between leaves a mark the reconciler finds (a Query, never a Scan) and finishes
// (adapters/route-starts.ts).

const ROUTE_START_OUTBOX = 'OUTBOX#route-start';

export function routeStartMarkItem(docId: string, at: string): TransactItem {
  return { Put: { TableName: env.registersTable, Item: { pk: ROUTE_START_OUTBOX, sk: docId, docId, at } } };
}

/** Whether the document's route start is still marked (recorded, perhaps not yet started). */
export async function routeStartMarked(docId: string): Promise<boolean> {
  const res = await documentClient().send(new GetCommand({ TableName: env.registersTable, Key: { pk: ROUTE_START_OUTBOX, sk: docId }, ConsistentRead: true }));
  return res.Item !== undefined;
}

export async function clearRouteStartMark(docId: string): Promise<void> {
  await documentClient().send(new DeleteCommand({ TableName: env.registersTable, Key: { pk: ROUTE_START_OUTBOX, sk: docId } }));
}

/** Documents registered whose route start is not yet recorded, oldest registration first. */
export async function pendingRouteStarts(limit = 500): Promise<{ docId: string; at: string }[]> {
  const res = await documentClient().send(
    new QueryCommand({ TableName: env.registersTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': ROUTE_START_OUTBOX }, Limit: limit }),
  );
  return (res.Items ?? []).map((i) => ({ docId: String(i.docId), at: String(i.at) })).sort((a, b) => a.at.localeCompare(b.at));
}

// ---- registration desk (登记台) ------------------------------------------------------------------
// Every scan numbered on arrival waits here until the clerk completes its register entry (登记),
// oldest due first; one Query lists the desk, and the deadline sweep chases what is late.

const DESK = 'DESK#OPEN';
const deskSk = (dueAt: string, docId: string) => `${dueAt}#${docId}`;

export interface DeskItem {
  docId: string;
  registerNumber: string;
  title: string;
  secrecy: string;
  urgency: string;
  receivedAt: string;
  dueAt: string;
  chasedAt?: string;
}

export function putDeskItem(item: DeskItem): TransactItem {
  return { Put: { TableName: env.registersTable, Item: { pk: DESK, sk: deskSk(item.dueAt, item.docId), ...item } } };
}

/** Leaves the desk: the registration is complete (or the document went back to its sender). */
export function removeDeskItem(dueAt: string, docId: string): TransactItem {
  return { Delete: { TableName: env.registersTable, Key: { pk: DESK, sk: deskSk(dueAt, docId) }, ConditionExpression: 'attribute_exists(pk)' } };
}

export function markDeskChasedItem(dueAt: string, docId: string, at: string): TransactItem {
  return {
    Update: {
      TableName: env.registersTable,
      Key: { pk: DESK, sk: deskSk(dueAt, docId) },
      UpdateExpression: 'SET chasedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(chasedAt)',
      ExpressionAttributeValues: { ':at': at },
    },
  };
}

export async function listDesk(options: { cursor?: string; limit?: number; dueBy?: string }): Promise<Page<DeskItem>> {
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.registersTable,
      KeyConditionExpression: options.dueBy ? 'pk = :pk AND sk <= :due' : 'pk = :pk',
      ExpressionAttributeValues: { ':pk': DESK, ...(options.dueBy ? { ':due': `${options.dueBy}#~` } : {}) },
      Limit: options.limit ?? 50,
      ExclusiveStartKey: decodeCursor(options.cursor, ['pk', 'sk'], { pk: DESK }),
    }),
  );
  return {
    items: (res.Items ?? []).map(({ pk: _pk, sk: _sk, ...item }) => item as DeskItem),
    ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}),
  };
}

// ---- chasing register (催办记录) --------------------------------------------------------------------

/** A chasing-register entry about a task: what every kind of chase records, plus its own fields. */
export function chasingEntryOf(task: Pick<TaskRecord, 'taskId' | 'docId' | 'title' | 'secrecy' | 'registerNumber' | 'step' | 'stepName' | 'assignment' | 'dueAt'>, kind: string, at: string, own: Record<string, unknown> = {}) {
  const { taskId, docId, title, secrecy, registerNumber, step, stepName, assignment, dueAt } = task;
  return { kind, taskId, docId, title, secrecy, registerNumber, step, stepName, assignment, dueAt, chasedAt: at, ...own };
}
