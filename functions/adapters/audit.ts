/**
 * The audit trail: one hash chain per subject (a document, or a register for system events),
 * appended in the same transaction as the change it records, so no change goes unrecorded.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { chainEvent, GENESIS_HASH, type AuditEvent, type ChainedAuditEvent } from '../domain/audit-chain.js';
import { documentClient } from './clients.js';
import { backoff, queryAll, transactWrite, TransactionConflict, type TransactItem } from './dynamo.js';
import { env } from './env.js';

const HEAD = 'HEAD';
const seqKey = (seq: number) => `SEQ#${String(seq).padStart(8, '0')}`;

export type AuditInput = Omit<AuditEvent, 'seq' | 'subject'>;

async function readHead(chain: string): Promise<{ seq: number; hash: string }> {
  const res = await documentClient().send(
    new GetCommand({ TableName: env.auditTable, Key: { pk: chain, sk: HEAD }, ConsistentRead: true }),
  );
  return res.Item ? { seq: Number(res.Item.seq), hash: String(res.Item.hash) } : { seq: 0, hash: GENESIS_HASH };
}

function appendItems(chain: string, head: { seq: number; hash: string }, input: AuditInput): TransactItem[] {
  const event = chainEvent({ ...input, seq: head.seq + 1, subject: chain }, head.hash);
  return [
    {
      Update: {
        TableName: env.auditTable,
        Key: { pk: chain, sk: HEAD },
        UpdateExpression: 'SET seq = :next, #hash = :hash',
        ConditionExpression: head.seq === 0 ? 'attribute_not_exists(seq)' : 'seq = :prev',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':next': event.seq, ':hash': event.hash, ...(head.seq === 0 ? {} : { ':prev': head.seq }) },
      },
    },
    { Put: { TableName: env.auditTable, Item: { pk: chain, sk: seqKey(event.seq), ...event } } },
  ];
}

/**
 * Writes `items` and appends `audit` to `chain` atomically. A race on the chain head is retried
 * with the fresh head; a failed condition on one of `items` is rethrown for the caller to explain.
 */
export async function transactWithAudit(chain: string, audit: AuditInput, items: TransactItem[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const head = await readHead(chain);
    try {
      await transactWrite([...items, ...appendItems(chain, head, audit)]);
      return;
    } catch (err) {
      const headRace = err instanceof TransactionConflict && err.failedIndexes.every((i) => i >= items.length);
      if (!headRace || attempt >= 20) throw err;
      await backoff(attempt);
    }
  }
}

export async function appendAudit(chain: string, audit: AuditInput): Promise<void> {
  await transactWithAudit(chain, audit, []);
}

/** The whole chain of one subject, oldest first (a document's chain is short). */
export async function readChain(chain: string): Promise<ChainedAuditEvent[]> {
  const items = await queryAll({
    TableName: env.auditTable,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seq)',
    ExpressionAttributeValues: { ':pk': chain, ':seq': 'SEQ#' },
  });
  return items.map(({ pk: _pk, sk: _sk, ...event }) => event as unknown as ChainedAuditEvent);
}

export const documentChain = (docId: string) => `DOC#${docId}`;
