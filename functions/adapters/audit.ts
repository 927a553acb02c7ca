/**
 * The audit trail: one hash chain per subject (a document, or a register for system events),
 * appended in the same transaction as the change it records, so no change goes unrecorded. The
 * HEAD item keeps the chain's last seq and hash, sealed with the branch's audit key (KMS HMAC), so
 * a table writer without the key can neither rewrite nor truncate a chain unseen (domain/audit-chain.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  chainEvent,
  GENESIS_HASH,
  recordDigest,
  sealHead,
  verifyTrail,
  type AuditEvent,
  type ChainedAuditEvent,
  type CoveredRecord,
  type TrailVerification,
} from '../domain/audit-chain.js';
import { auditMac, checkAuditMac } from './audit-key.js';
import { documentClient } from './clients.js';
import { listSlipLineRecords, slipLinesWritten } from './documents.js';
import { backoff, queryAll, transactWrite, TransactionConflict, type TransactItem } from './dynamo.js';
import { env } from './env.js';

const HEAD = 'HEAD';
const seqKey = (seq: number) => `SEQ#${String(seq).padStart(8, '0')}`;

export type AuditInput = Omit<AuditEvent, 'seq' | 'subject' | 'covers'>;

export interface StoredHead {
  seq: number;
  hash: string;
  mac?: string;
}

async function readHead(chain: string): Promise<StoredHead | undefined> {
  const res = await documentClient().send(
    new GetCommand({ TableName: env.auditTable, Key: { pk: chain, sk: HEAD }, ConsistentRead: true }),
  );
  if (!res.Item) return undefined;
  return { seq: Number(res.Item.seq), hash: String(res.Item.hash), ...(res.Item.mac ? { mac: String(res.Item.mac) } : {}) };
}

/** A chain head read started ahead of transactWithAudit, so it overlaps the caller's other reads. */
export interface HeadRead {
  chain: string;
  head: Promise<StoredHead | undefined>;
}
export function readHeadAhead(chain: string): HeadRead {
  const head = readHead(chain);
  head.catch(() => undefined); // awaited (and rethrown) by transactWithAudit
  return { chain, head };
}

async function appendItems(chain: string, head: StoredHead, input: AuditInput, covers: CoveredRecord[]): Promise<TransactItem[]> {
  const event = chainEvent({ ...input, seq: head.seq + 1, subject: chain, ...(covers.length ? { covers } : {}) }, head.hash);
  const sealed = await sealHead(chain, event, auditMac);
  return [
    {
      Update: {
        TableName: env.auditTable,
        Key: { pk: chain, sk: HEAD },
        UpdateExpression: 'SET seq = :next, #hash = :hash, mac = :mac',
        ConditionExpression: head.seq === 0 ? 'attribute_not_exists(seq)' : 'seq = :prev',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':next': sealed.seq, ':hash': sealed.hash, ':mac': sealed.mac, ...(head.seq === 0 ? {} : { ':prev': head.seq }) },
      },
    },
    { Put: { TableName: env.auditTable, Item: { pk: chain, sk: seqKey(event.seq), ...event } } },
  ];
}

/**
 * Writes `items` and appends `audit` to `chain` atomically. Slip lines among `items` are covered:
 * the event records their digests. A race on the chain head is retried with the fresh head; a
 * failed condition on one of `items` is rethrown for the caller to explain.
 */
export async function transactWithAudit(chain: string, audit: AuditInput, items: TransactItem[], prefetched?: HeadRead): Promise<void> {
  const covers = slipLinesWritten(items).map(({ key, record }) => ({ key, sha256: recordDigest(record) }));
  for (let attempt = 0; ; attempt++) {
    // The first attempt may use a head read started earlier, alongside the caller's own reads; a
    // stale one only loses the conditional write, and the retry reads it afresh.
    const head = (await (attempt === 0 && prefetched?.chain === chain ? prefetched.head : readHead(chain))) ?? { seq: 0, hash: GENESIS_HASH };
    try {
      await transactWrite([...items, ...(await appendItems(chain, head, audit, covers))]);
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

/**
 * A document's trail, verified: the links, the sealed head (removed or recomputed events), and
 * every processing-slip line against the event that wrote it.
 */
export async function verifyDocumentTrail(docId: string): Promise<{ events: ChainedAuditEvent[]; head?: StoredHead; verification: TrailVerification }> {
  const chain = documentChain(docId);
  const [events, head, records] = await Promise.all([readChain(chain), readHead(chain), listSlipLineRecords(docId)]);
  const verification = await verifyTrail({ subject: chain, events, head, records }, checkAuditMac);
  return { events, ...(head ? { head } : {}), verification };
}
