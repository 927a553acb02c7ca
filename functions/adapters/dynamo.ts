/**
 * Small helpers over lib-dynamodb: opaque page cursors and transactions that tell which
 * condition failed.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type QueryCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
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

export function decodeCursor<T = Record<string, unknown>>(cursor: string | undefined): T | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object') return value as T;
  } catch {
    /* reported below */
  }
  throw new BadCursorError('翻页参数 cursor 无效，请从第一页重新查询');
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
