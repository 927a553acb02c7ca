/**
 * 收文登记 intake: a scan landed in the inbox bucket under scans/. Check it by content, pin its
 * exact bytes to an immutable per-document copy, register it in the incoming register (收文登记簿)
 * with the next serial number of the year, and start its route.
 *
 * S3 events are hints, the bucket is the truth: scans/ is the queue of what is not yet taken in.
 * A scan leaves it only after it is registered (its bytes copied to originals/<docId>/) or set
 * aside under rejected/ with its reason, and the reconciler (handlers/reconcile.ts) takes in
 * whatever an event never brought. Every step is idempotent on (bucket, key, ETag), so ten
 * deliveries of one upload give one register entry and one execution.
 */
import { createHash } from 'node:crypto';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { SCAN_PREFIX, REJECTED_PREFIX, ORIGINALS_PREFIX } from '../../infra/manifest.js';
import { computeDeadline, localDate } from '../domain/calendar.js';
import { formatRegisterNumber } from '../domain/numbering.js';
import { incomingSeriesFor } from '../domain/incoming-series.js';
import { parseSecrecy } from '../domain/secrecy.js';
import { URGENCIES, type Urgency } from '../domain/route-platform.js';
import { titleFromName, urgencyFromName } from '../domain/scan-names.js';
import { DEFAULT_INCOMING_ROUTE, ROUTES, routeById } from '../routes/index.js';
import { checkScan, type UploadVerdict } from '../domain/upload-check.js';
import { cleanText } from '../domain/text.js';
import { documentChain } from '../adapters/audit.js';
import { putDocumentItem, type DocumentRecord } from '../adapters/documents.js';
import { TransactionConflict } from '../adapters/dynamo.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { countBusiness } from '../adapters/metrics.js';
import {
  appendRegisterEntry,
  getIntake,
  putIntakeItem,
  recordRejectedUpload,
  putDeskItem,
  routeStartMarkItem,
  type IntakeRecord,
} from '../adapters/registers.js';
import { copyAside, decodeMetadata, getObject, headObject, putOnce, removeProcessed, sha256Hex } from '../adapters/storage.js';
import { ensureRouteStarted } from '../adapters/route-starts.js';

export type IntakeOutcome =
  | { key: string; outcome: 'registered' | 'duplicate'; docId: string }
  | { key: string; outcome: 'rejected'; reason: string }
  | { key: string; outcome: 'skipped'; reason: string };

/** One uploaded object as an event or a bucket listing names it. */
export interface ScanObject {
  bucket: string;
  key: string;
  /** The ETag the event or listing saw; the intake key is derived from it. */
  etag: string;
  versionId?: string;
  /** When it arrived (the event time, or the listing's LastModified). */
  arrivedAt?: string;
}

const URGENCY_WORDS: Record<string, Urgency> = { 'extra-urgent': '特急', urgent: '加急', ordinary: '平件' };

const INCOMING_ROUTES = Object.values(ROUTES).filter((r) => r.kind === 'incoming');

/** Longest title and sender kept in the register (a 公文 title is rarely over 100 characters). */
const MAX_TITLE = 200;
const MAX_FIELD = 100;

/** The same for an event and a listing of the same upload: bucket, key and content ETag. */
export function intakeKeyOf(bucket: string, key: string, etag: string): string {
  return createHash('sha256').update(`${bucket}\n${key}\n${etag}`).digest('hex');
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

/** The incoming route the scanner's metadata names (x-amz-meta-route), or the branch's default. */
function checkRoute<V extends { ok: boolean }>(checked: V, value: string | undefined) {
  if (!checked.ok) return checked as Exclude<V, { ok: true }>;
  const id = decodeMetadata(value)?.trim();
  const accepted = checked as Extract<V, { ok: true }>;
  if (!id) return { ...accepted, route: DEFAULT_INCOMING_ROUTE };
  const route = routeById(id);
  if (route?.kind === 'incoming') return { ...accepted, route: route.id };
  const known = INCOMING_ROUTES.map((r) => `${r.id}（${r.name}）`).join('、');
  return { ok: false as const, code: 'bad-route' as const, reason: `来文流程 ${id.slice(0, 40)} 不存在，可选：${known}` };
}

/** An object already dealt with: finish what a crash may have left undone, idempotently. */
async function finishSeen(seen: IntakeRecord, object: ScanObject): Promise<IntakeOutcome> {
  if (seen.outcome === 'registered') {
    await ensureRouteStarted(seen.docId);
    await removeProcessed(object.bucket, object.key, object);
    return { key: object.key, outcome: 'duplicate', docId: seen.docId };
  }
  await removeProcessed(object.bucket, object.key, object);
  return { key: object.key, outcome: 'rejected', reason: seen.reason };
}

export async function intakeObject(object: ScanObject, now = clock()): Promise<IntakeOutcome> {
  const { bucket, key } = object;
  if (!key.startsWith(SCAN_PREFIX)) return { key, outcome: 'skipped', reason: 'not under the scan prefix' };
  if (!object.etag) {
    // An event without its ETag: read it, so the intake key is the one a listing would give.
    const info = await headObject(bucket, key, object.versionId);
    if (!info) return { key, outcome: 'skipped', reason: 'object no longer exists' };
    object = { ...object, etag: info.etag };
  }
  const intakeKey = intakeKeyOf(bucket, key, object.etag);

  const seen = await getIntake(intakeKey);
  if (seen) return finishSeen(seen, object);

  const found = await getObject(bucket, key, object.versionId);
  if (!found) {
    // Gone: taken in or set aside by a concurrent delivery of the same upload.
    const again = await getIntake(intakeKey);
    if (again) return finishSeen(again, object);
    return { key, outcome: 'skipped', reason: 'object no longer exists' };
  }
  if (found.etag !== object.etag) {
    // Overwritten since this event (an unversioned bucket): the newer upload is taken in by its own event or the reconciler.
    return { key, outcome: 'skipped', reason: 'superseded by a newer upload of the same key' };
  }
  const processed = { etag: found.etag, versionId: object.versionId ?? found.versionId };

  const fileName = key.slice(SCAN_PREFIX.length);
  const config = env.branchConfig;
  // Parsed whole (PDF structure and pages, image header, size and end), never judged by its first bytes.
  const verdict = checkRoute(checkSecrecy(await checkScan({ bytes: found.bytes, maxBytes: config.maxUploadBytes }), found.metadata.secrecy), found.metadata.route);
  const at = now.toISOString();

  if (!verdict.ok) {
    const rejectedKey = `${REJECTED_PREFIX}${localDate(now, config.timeZone)}/${intakeKey.slice(0, 8)}-${fileName.replaceAll('/', '_')}`;
    await copyAside(bucket, key, rejectedKey, found.bytes, verdict.reason, verdict.code);
    try {
      await recordRejectedUpload(intakeKey, { objectKey: key, rejectedKey, bucket, size: found.size, code: verdict.code, reason: verdict.reason, rejectedAt: at });
    } catch (err) {
      // A concurrent delivery (or the reconciler) recorded this very upload first.
      if (!(err instanceof TransactionConflict && err.failedIndexes.includes(0))) throw err;
    }
    await removeProcessed(bucket, key, processed);
    logger.warn('upload rejected', { key, rejectedKey, code: verdict.code });
    return { key, outcome: 'rejected', reason: verdict.reason };
  }

  // Pin the exact bytes that were checked: the document points at this copy for life, whatever
  // a scanner later writes under the same name.
  const docId = intakeKey.slice(0, 20);
  const sha256 = sha256Hex(found.bytes);
  const pinnedKey = `${ORIGINALS_PREFIX}${docId}/original.${verdict.extension}`;
  const pinned = await putOnce(bucket, pinnedKey, found.bytes, verdict.contentType, { sha256, 'source-key': encodeURIComponent(key) });

  const year = Number(localDate(now, config.timeZone).slice(0, 4));
  // The clerk completes the register entry within half a working day of arrival (ROUTES.md).
  const registrationDue = computeDeadline(now, { halfWorkingDay: true }, env.deadlineOptions).dueAt;
  const receivedAt = object.arrivedAt ? new Date(object.arrivedAt).toISOString() : at;
  // Names and metadata come from outside: no bidi overrides or control characters reach a register.
  const title = cleanText(decodeMetadata(found.metadata.title) ?? '', MAX_TITLE) || cleanText(titleFromName(fileName), MAX_TITLE) || '（无标题）';
  const sender = cleanText(decodeMetadata(found.metadata.sender) ?? '', MAX_FIELD);
  // Numbered on arrival in its series: classified and some senders' documents apart where the branch says so.
  const series = incomingSeriesFor(config, { secrecy: verdict.secrecy, sender });
  const docFor = (serial: number): DocumentRecord => ({
    docId,
    route: verdict.route,
    title,
    sender,
    sourceNumber: cleanText(decodeMetadata(found.metadata['source-number']) ?? '', MAX_FIELD),
    urgency: readUrgency(found.metadata.urgency, fileName),
    secrecy: verdict.secrecy,
    register: series.register,
    registerYear: year,
    registerSerial: serial,
    registerNumber: formatRegisterNumber({ register: series.prefix, year, serial }),
    receivedAt,
    registeredAt: at,
    scan: { bucket, key: pinnedKey, ...(pinned.versionId ? { versionId: pinned.versionId } : {}), sourceKey: key, etag: found.etag, sha256, size: found.size, contentType: verdict.contentType, fileName },
    status: 'registered',
    registration: { dueAt: registrationDue },
  });

  try {
    await appendRegisterEntry({
      register: series.register,
      year,
      at,
      entry: (serial) => {
        const doc = docFor(serial);
        return { number: doc.registerNumber, docId, title, sender: doc.sender, sourceNumber: doc.sourceNumber, urgency: doc.urgency, secrecy: doc.secrecy, receivedAt, registeredAt: at, scanKey: key };
      },
      extra: (serial) => {
        const doc = docFor(serial);
        return [
          putIntakeItem({ outcome: 'registered', intakeKey, docId, objectKey: key, at }),
          putDocumentItem(doc),
          routeStartMarkItem(docId, at),
          putDeskItem({ docId, registerNumber: doc.registerNumber, title, secrecy: doc.secrecy, urgency: doc.urgency, receivedAt, dueAt: registrationDue }),
        ];
      },
      auditChain: documentChain(docId),
      audit: (serial) => ({ at, actor: 'system:intake', action: 'document.registered', details: { registerNumber: docFor(serial).registerNumber, scanKey: key, etag: found.etag, sha256 } }),
    });
  } catch (err) {
    // A concurrent delivery registered this very object first (its intake key exists).
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) {
      const winner = await getIntake(intakeKey);
      if (winner) return finishSeen(winner, object);
    }
    throw err;
  }
  await ensureRouteStarted(docId);
  countBusiness('registered');
  await removeProcessed(bucket, key, processed);
  logger.info('document registered', { key, docId });
  return { key, outcome: 'registered', docId };
}

export function scanObjectOf(record: S3EventRecord): ScanObject {
  return {
    bucket: record.s3.bucket.name,
    key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
    etag: (record.s3.object.eTag ?? '').replaceAll('"', ''),
    ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
    ...(record.eventTime ? { arrivedAt: record.eventTime } : {}),
  };
}

export async function intake(event: S3Event): Promise<IntakeOutcome[]> {
  const outcomes: IntakeOutcome[] = [];
  // One by one: records of one event are few, and serial numbers follow arrival order.
  for (const record of event.Records ?? []) outcomes.push(await intakeObject(scanObjectOf(record)));
  return outcomes;
}

export const handler = middy(intake).use(injectLambdaContext(logger));
