/**
 * 收文登记 intake: a scan landed in the inbox bucket under scans/. Check it by content, register
 * it in the incoming register (收文登记簿) with the next serial number of the year, and start its
 * route. S3 delivers events at least once and in any order: every step here is idempotent on the
 * object version, so ten deliveries give one register entry and one execution.
 */
import { createHash } from 'node:crypto';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { SCAN_PREFIX, REJECTED_PREFIX } from '../../infra/manifest.js';
import { localDate } from '../domain/calendar.js';
import { formatRegisterNumber } from '../domain/numbering.js';
import { parseSecrecy } from '../domain/secrecy.js';
import { ROUTE_ID, titleFromName, urgencyFromName, URGENCIES, type Urgency } from '../domain/superior-key.js';
import { checkUpload, SNIFF_BYTES, type UploadVerdict } from '../domain/upload-check.js';
import { documentChain, transactWithAudit } from '../adapters/audit.js';
import { putDocumentItem, routeStartedItem, type DocumentRecord } from '../adapters/documents.js';
import { TransactionConflict } from '../adapters/dynamo.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { appendRegisterEntry, getIntake, putIntakeItem, recordRejectedUpload } from '../adapters/registers.js';
import { decodeMetadata, headObject, moveAside, readObjectHead } from '../adapters/storage.js';
import { startRoute } from '../adapters/workflows.js';

export type IntakeOutcome =
  | { key: string; outcome: 'registered' | 'duplicate'; docId: string }
  | { key: string; outcome: 'rejected'; reason: string }
  | { key: string; outcome: 'skipped'; reason: string };

const URGENCY_WORDS: Record<string, Urgency> = { 'extra-urgent': '特急', urgent: '加急', ordinary: '平件' };

function intakeKeyOf(bucket: string, key: string, versionOrEtag: string): string {
  return createHash('sha256').update(`${bucket}\n${key}\n${versionOrEtag}`).digest('hex');
}

/** Clerk-supplied metadata may be English words or the Chinese terms, percent-encoded. */
function readUrgency(value: string | undefined, fileName: string): Urgency {
  const word = decodeMetadata(value);
  if (word && URGENCY_WORDS[word]) return URGENCY_WORDS[word];
  if (word && (URGENCIES as string[]).includes(word)) return word as Urgency;
  return urgencyFromName(fileName);
}
/** An unknown 密级 sets the scan aside like bad content: guessing 非密 would leak the document. */
function checkSecrecy(checked: UploadVerdict, value: string | undefined) {
  if (!checked.ok) return checked;
  const secrecy = parseSecrecy(decodeMetadata(value));
  return secrecy.ok ? { ...checked, secrecy: secrecy.secrecy } : { ok: false as const, code: 'bad-secrecy' as const, reason: secrecy.reason };
}

async function ensureRouteStarted(docId: string): Promise<void> {
  const { executionArn } = await startRoute(env.superiorKeyStateMachineArn, `${ROUTE_ID}-${docId}`, { docId, decisions: {} });
  try {
    await transactWithAudit(documentChain(docId), { at: clock().toISOString(), actor: 'system:intake', action: 'route.started', details: { executionArn } }, [
      routeStartedItem(docId, executionArn),
    ]);
  } catch (err) {
    // Recorded by an earlier delivery of the same event.
    if (!(err instanceof TransactionConflict && err.failedIndexes.includes(0))) throw err;
  }
}

export async function intakeRecord(record: S3EventRecord, now = clock()): Promise<IntakeOutcome> {
  const bucket = record.s3.bucket.name;
  const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
  const etag = (record.s3.object.eTag ?? '').replaceAll('"', '');
  if (!key.startsWith(SCAN_PREFIX)) return { key, outcome: 'skipped', reason: 'not under the scan prefix' };
  const intakeKey = intakeKeyOf(bucket, key, record.s3.object.versionId ?? etag);

  const seen = await getIntake(intakeKey);
  if (seen?.outcome === 'rejected') return { key, outcome: 'rejected', reason: seen.reason };
  if (seen?.outcome === 'registered') {
    await ensureRouteStarted(seen.docId);
    return { key, outcome: 'duplicate', docId: seen.docId };
  }

  const info = await headObject(bucket, key);
  if (!info) {
    // Gone: moved aside or registered by a concurrent delivery of the same event.
    const again = await getIntake(intakeKey);
    if (again?.outcome === 'registered') return { key, outcome: 'duplicate', docId: again.docId };
    if (again?.outcome === 'rejected') return { key, outcome: 'rejected', reason: again.reason };
    return { key, outcome: 'skipped', reason: 'object no longer exists' };
  }
  if (etag && info.etag !== etag && !record.s3.object.versionId) {
    // Overwritten since this event: the newer version's own event registers it.
    return { key, outcome: 'skipped', reason: 'superseded by a newer upload of the same key' };
  }

  const fileName = key.slice(SCAN_PREFIX.length);
  const config = env.branchConfig;
  const head = info.size > 0 ? await readObjectHead(bucket, key, SNIFF_BYTES) : new Uint8Array();
  const verdict = checkSecrecy(checkUpload({ head, size: info.size, maxBytes: config.maxUploadBytes }), info.metadata.secrecy);
  const at = now.toISOString();

  if (!verdict.ok) {
    const rejectedKey = `${REJECTED_PREFIX}${localDate(now, config.timeZone)}/${intakeKey.slice(0, 8)}-${fileName.replaceAll('/', '_')}`;
    await moveAside(bucket, key, rejectedKey, verdict.reason, verdict.code);
    await recordRejectedUpload(intakeKey, { objectKey: key, rejectedKey, bucket, size: info.size, code: verdict.code, reason: verdict.reason, rejectedAt: at });
    logger.warn('upload rejected', { key, rejectedKey, code: verdict.code });
    return { key, outcome: 'rejected', reason: verdict.reason };
  }

  const docId = intakeKey.slice(0, 20);
  const year = Number(localDate(now, config.timeZone).slice(0, 4));
  const receivedAt = record.eventTime ? new Date(record.eventTime).toISOString() : at;
  const title = decodeMetadata(info.metadata.title) || titleFromName(fileName);
  const docFor = (serial: number): DocumentRecord => ({
    docId,
    route: ROUTE_ID,
    title,
    sender: decodeMetadata(info.metadata.sender) ?? '',
    sourceNumber: decodeMetadata(info.metadata['source-number']) ?? '',
    urgency: readUrgency(info.metadata.urgency, fileName),
    secrecy: verdict.secrecy,
    register: 'incoming',
    registerYear: year,
    registerSerial: serial,
    registerNumber: formatRegisterNumber({ register: '收', year, serial }),
    receivedAt,
    registeredAt: at,
    scan: { bucket, key, etag: info.etag, size: info.size, contentType: verdict.contentType, fileName },
    status: 'registered',
  });

  try {
    await appendRegisterEntry({
      register: 'incoming',
      year,
      entry: (serial) => {
        const doc = docFor(serial);
        return { number: doc.registerNumber, docId, title, sender: doc.sender, sourceNumber: doc.sourceNumber, urgency: doc.urgency, secrecy: doc.secrecy, receivedAt, registeredAt: at, scanKey: key };
      },
      extra: (serial) => [putIntakeItem({ outcome: 'registered', intakeKey, docId, objectKey: key, at }), putDocumentItem(docFor(serial))],
      auditChain: documentChain(docId),
      audit: (serial) => ({ at, actor: 'system:intake', action: 'document.registered', details: { registerNumber: docFor(serial).registerNumber, scanKey: key, etag: info.etag } }),
    });
  } catch (err) {
    // A concurrent delivery registered this very object first (its intake key exists).
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) {
      const winner = await getIntake(intakeKey);
      if (winner?.outcome === 'registered') {
        await ensureRouteStarted(winner.docId);
        return { key, outcome: 'duplicate', docId: winner.docId };
      }
    }
    throw err;
  }
  await ensureRouteStarted(docId);
  logger.info('document registered', { key, docId });
  return { key, outcome: 'registered', docId };
}

export async function intake(event: S3Event): Promise<IntakeOutcome[]> {
  const outcomes: IntakeOutcome[] = [];
  // One by one: records of one event are few, and serial numbers follow arrival order.
  for (const record of event.Records ?? []) outcomes.push(await intakeRecord(record));
  return outcomes;
}

export const handler = middy(intake).use(injectLambdaContext(logger));
