/**
 * Small helpers over lib-dynamodb: opaque page cursors and transactions that tell which
 * condition failed.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand, TransactWriteCommand, type BatchGetCommandOutput, type QueryCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './clients.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export class BadCursorError extends Error {
  override name = 'BadCursorError';
}

const BAD_CURSOR = '翻页参数 cursor 无效，请从第一页重新查询';
/** Far above any key this code writes (DynamoDB caps a key attribute at 2048 bytes). */
const MAX_CURSOR_CHARS = 8192;
const MAX_KEY_VALUE_BYTES = 1024;
/** With the u flag a surrogate pair is one code point, so this matches only lone halves. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The JSON a cursor carries, or BadCursorError: base64url of a plain JSON object, nothing else. */
function cursorObject(cursor: string): Record<string, unknown> {
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new BadCursorError(BAD_CURSOR);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError(BAD_CURSOR);
  }
  if (!isPlainObject(value)) throw new BadCursorError(BAD_CURSOR);
  return value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/**
 * A page key as this code wrote it: exactly `keyNames`, each a well-formed string DynamoDB
 * accepts, and equal to `fixed` where the query pins a value (its partition), so a cursor can
 * neither read another partition nor make DynamoDB refuse the query.
 */
function checkKey(value: unknown, keyNames: readonly string[], fixed: Record<string, string>): Record<string, string> {
  if (!isPlainObject(value)) throw new BadCursorError(BAD_CURSOR);
  const keys = Object.keys(value);
  if (keys.length !== keyNames.length || !keyNames.every((k) => Object.hasOwn(value, k))) throw new BadCursorError(BAD_CURSOR);
  for (const k of keyNames) {
    const v = value[k];
    if (typeof v !== 'string' || v === '' || LONE_SURROGATE.test(v) || Buffer.byteLength(v) > MAX_KEY_VALUE_BYTES) throw new BadCursorError(BAD_CURSOR);
  }
  for (const [k, v] of Object.entries(fixed)) if (value[k] !== v) throw new BadCursorError(BAD_CURSOR);
  return value as Record<string, string>;
}

/**
 * Decodes the cursor of a single-partition Query. `fixed` names key values the query pins (the
 * partition key; `prefixes` the sort-key prefix of a begins_with condition).
 */
export function decodeCursor(
  cursor: string | undefined,
  keyNames: readonly string[],
  fixed: Record<string, string> = {},
  prefixes: Record<string, string> = {},
): Record<string, string> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const key = checkKey(cursorObject(cursor), keyNames, fixed);
  for (const [k, prefix] of Object.entries(prefixes)) if (!key[k].startsWith(prefix)) throw new BadCursorError(BAD_CURSOR);
  return key;
}

/**
 * Decodes the cursor of a Query merged over several partitions: an object whose keys are some of
 * `partitions` and whose values are that partition's page key (with `partitionKeyName` equal to
 * the partition) or null once it is exhausted.
 */
export function decodeMergedCursor(
  cursor: string | undefined,
  partitions: readonly string[],
  keyNames: readonly string[],
  partitionKeyName: string,
): Record<string, Record<string, string> | null> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const value = cursorObject(cursor);
  const entries = Object.entries(value);
  if (entries.length === 0) throw new BadCursorError(BAD_CURSOR);
  const positions: Record<string, Record<string, string> | null> = {};
  for (const [partition, key] of entries) {
    if (!partitions.includes(partition)) throw new BadCursorError(BAD_CURSOR);
    positions[partition] = key === null ? null : checkKey(key, keyNames, { [partitionKeyName]: partition });
  }
  return positions;
}

/** Thrown when a transaction was cancelled; `failedIndexes` are the items whose condition failed. */
export class TransactionConflict extends Error {
  override name = 'TransactionConflict';
  constructor(readonly failedIndexes: number[], cause: unknown) {
    super(`transaction cancelled at items ${failedIndexes.join(',')}`, { cause });
  }
}

export async function transactWrite(items: TransactItem[], clientRequestToken?: string): Promise<void> {
  try {
    await documentClient().send(
      new TransactWriteCommand({ TransactItems: items, ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}) }),
    );
  } catch (err) {
    if (err instanceof TransactionCanceledException || (err as Error).name === 'TransactionCanceledException') {
      const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
      const failed = reasons.flatMap((r, i) => (r.Code && r.Code !== 'None' ? [i] : []));
      throw new TransactionConflict(failed, err);
    }
    throw err;
  }
}

/** Every item of a Query, following LastEvaluatedKey: for short partitions (one document's items). */
export async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await documentClient().send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(res.Items ?? []));
    startKey = res.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * Waits before retrying a transaction that lost a race: exponential with full jitter, so writers
 * contending for one counter spread out instead of colliding again in lockstep.
 */
export function backoff(attempt: number, baseMs = 10, capMs = 1000): Promise<void> {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * The items behind index entries that project keys only, in the entries' order, read strongly
 * consistent (a task decided a moment ago shows as decided), 100 keys a request, unprocessed
 * keys retried.
 */
export async function batchGetInOrder(
  table: string,
  entries: Record<string, unknown>[],
  /** Only these attributes (pk and sk are added: the items are matched back by them). */
  projection?: { expression: string; names: Record<string, string> },
): Promise<Record<string, unknown>[]> {
  const only = projection ? { ProjectionExpression: `pk, sk, ${projection.expression}`, ExpressionAttributeNames: projection.names } : {};
  const byKey = new Map<string, Record<string, unknown>>();
  const keyOf = (k: Record<string, unknown>) => `${String(k.pk)}\n${String(k.sk)}`;
  for (let i = 0; i < entries.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = entries.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const res: BatchGetCommandOutput = await documentClient().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true, ...only } } }));
      for (const item of res.Responses?.[table] ?? []) byKey.set(keyOf(item), item);
      pending = res.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return entries.flatMap((k) => {
    const item = byKey.get(keyOf(k));
    return item ? [item] : [];
  });
}
