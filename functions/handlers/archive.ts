/**
 * 立卷归档: writes a document's archive package into the archive bucket under its 档号
 * (DA/T 22-2015): one ustar archive (package.tar) holding the original scan, the processing slip
 * (文件处理笺) as JSON and PDF, the metadata, the audit trail and a SHA-256 manifest, with the
 * attachments (附件) beside it (an outgoing document: the sealed PDF as its original, plus the
 * signed PDF, every version, the 发文稿纸, the seal record and the receipts — outgoing-archive.ts), everything under S3 Object Lock for its 保管期限. Safe to run
 * again: the 档号 is given once, each object written once.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { archiveKeyPrefix, formatArchiveCode, RETENTION_LABELS, type RetentionCode } from '../domain/numbering.js';
import { slipToJson, type ProcessingSlip } from '../domain/processing-slip.js';
import { renderSlipPdf } from '../domain/slip-pdf.js';
import { cleanText } from '../domain/text.js';
import { ATTACHMENT_TYPES } from '../domain/upload-check.js';
import type { Decisions } from '../domain/route-platform.js';
import { routeById } from '../routes/index.js';
import { documentChain, transactWithAudit, verifyDocumentTrail } from '../adapters/audit.js';
import { outgoingPackage } from '../adapters/outgoing-archive.js';
import { getDocument, listSlipLines, markFiledItem, setArchiveItem, type Attachment, type DocumentRecord } from '../adapters/documents.js';
import { backoff, TransactionConflict } from '../adapters/dynamo.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { countBusiness } from '../adapters/metrics.js';
import { appendRegisterEntry, counterBumpItem, lastSerial, registerPartition, setEntryFieldsItem } from '../adapters/registers.js';
import { getObject, putArchiveObjectOnce, sha256Hex } from '../adapters/storage.js';
import { tarOf, untar } from '../domain/tar.js';

export interface ArchiveEvent {
  docId: string;
  route: string;
  executionArn: string;
  decisions: Decisions;
}

/** The archive package's one object under the 档号 prefix (attachments lie beside it). */
export const PACKAGE_NAME = 'package.tar';

/** The suffix of each type a scan or an uploaded file may have (an internal document's file may be a .docx). */
const EXTENSIONS: Record<string, string> = Object.fromEntries(Object.values(ATTACHMENT_TYPES).map((t) => [t.contentType, t.suffixes[0]]));

/** 件号 are counted within the lowest class: year, retention period and department. */
const itemGroup = (retention: RetentionCode, orgCode: string) => `archive-item:${retention}:${orgCode}`;

/** Gives the document its 档号 once: the catalogue entry (归档目录) and the 件号 in one transaction. */
async function assignArchiveCode(doc: DocumentRecord, retention: RetentionCode, orgCode: string, at: string): Promise<{ archiveCode: string; prefix: string }> {
  const config = env.branchConfig;
  const year = doc.registerYear;
  const group = itemGroup(retention, orgCode);
  for (let attempt = 0; attempt < 20; attempt++) {
    const previous = await lastSerial(registerPartition(group, year));
    const itemNumber = previous + 1;
    const archiveCode = formatArchiveCode({ fondsCode: config.fondsCode, year, retention, orgCode, itemNumber });
    const prefix = archiveKeyPrefix(archiveCode);
    try {
      await appendRegisterEntry({
        register: 'archive',
        year,
        entry: () => ({ archiveCode, docId: doc.docId, title: doc.title, secrecy: doc.secrecy, registerNumber: doc.registerNumber, retention: RETENTION_LABELS[retention], orgCode, filedAt: at, prefix }),
        extra: () => [
          counterBumpItem(registerPartition(group, year), previous),
          setArchiveItem(doc.docId, { archiveCode, prefix, bucket: env.archiveBucket, filedAt: at }),
          // The document's own register entry (收文登记簿) shows its 归档号 from now on.
          setEntryFieldsItem(doc.register, doc.registerYear, doc.registerSerial, { archiveCode }),
        ],
        at,
        auditChain: documentChain(doc.docId),
        audit: () => ({ at, actor: 'system:archive', action: 'archive.code-assigned', details: { archiveCode } }),
      });
      return { archiveCode, prefix };
    } catch (err) {
      if (!(err instanceof TransactionConflict)) throw err;
      if (err.failedIndexes.includes(3)) {
        // A retried run already gave this document its code: use that one.
        const current = await getDocument(doc.docId);
        if (current?.archive) return current.archive;
      }
      // Otherwise another document took this 件号 first: count again.
      await backoff(attempt);
    }
  }
  throw new Error(`could not assign an archive code to ${doc.docId}`);
}

const sha256 = sha256Hex;

/**
 * The document's original: the scan, checked against the SHA-256 taken at intake (a missing or
 * changed copy stops the filing), or the text an internal document was submitted with.
 */
async function originalOf(doc: DocumentRecord): Promise<{ name: string; bytes: Uint8Array; contentType: string }> {
  if (!doc.scan) return { name: 'original.txt', bytes: new TextEncoder().encode(doc.content ?? ''), contentType: 'text/plain; charset=utf-8' };
  const found = await getObject(doc.scan.bucket, doc.scan.key, doc.scan.versionId);
  if (!found) throw new ScanIntegrityError(`pinned scan ${doc.scan.key} of ${doc.docId} is missing`);
  if (sha256(found.bytes) !== doc.scan.sha256) {
    throw new ScanIntegrityError(`pinned scan ${doc.scan.key} of ${doc.docId} does not match the SHA-256 recorded at intake`);
  }
  return { name: `original.${EXTENSIONS[doc.scan.contentType] ?? 'bin'}`, bytes: found.bytes, contentType: doc.scan.contentType };
}

/**
 * One attachment, checked like the scan; named `attachments/01-<name>` in the package (numbered:
 * two attachments may share a name; no slash or control character reaches a key or the manifest).
 */
async function attachmentOf(doc: DocumentRecord, attachment: Attachment, index: number): Promise<{ name: string; bytes: Uint8Array }> {
  const found = await getObject(attachment.bucket, attachment.key, attachment.versionId);
  if (!found) throw new ScanIntegrityError(`pinned attachment ${attachment.key} of ${doc.docId} is missing`);
  if (sha256(found.bytes) !== attachment.sha256) throw new ScanIntegrityError(`pinned attachment ${attachment.key} of ${doc.docId} does not match the SHA-256 recorded when attached`);
  const safe = cleanText(attachment.name.replace(/[/\\]/g, '_'), 120);
  return { name: `attachments/${String(index + 1).padStart(2, '0')}-${safe}`, bytes: found.bytes };
}

/** The scan about to be archived is not the one registered (Step Functions sees the name). */
export class ScanIntegrityError extends Error {
  override name = 'Chancery.ScanIntegrity';
}

export async function archive(event: ArchiveEvent, now = clock()): Promise<{ archiveCode: string; prefix: string; files: string[] }> {
  const doc = await getDocument(event.docId);
  if (!doc) throw new Error(`document ${event.docId} not found`);
  const config = env.branchConfig;
  const route = routeById(doc.route);
  if (!route) throw new Error(`document ${doc.docId} names unknown route ${doc.route}`);
  const archiveClass = route.archiveClass(event.decisions, config, { secrecy: doc.secrecy, ...(doc.requester ? { requester: doc.requester } : {}) });
  const retention = archiveClass.retention as RetentionCode;
  const orgCode = archiveClass.orgCode;
  const at = now.toISOString();
  const { archiveCode, prefix } = doc.archive ?? (await assignArchiveCode(doc, retention, orgCode, at));

  const [lines, trail] = await Promise.all([listSlipLines(doc.docId), verifyDocumentTrail(doc.docId)]);
  // An outgoing document (发文) is filed as issued: the sealed PDF, with its versions, 发文稿纸, seal and distribution.
  const outgoing = route.kind === 'outgoing' ? await outgoingPackage(doc, event.decisions, lines) : undefined;
  const original = outgoing?.original ?? (await originalOf(doc));
  const slip: ProcessingSlip = {
    branchName: config.displayName,
    title: doc.title,
    registerNumber: doc.registerNumber,
    receivedAt: doc.receivedAt,
    sender: doc.sender,
    sourceNumber: doc.sourceNumber,
    urgency: doc.urgency,
    secrecy: doc.secrecy,
    archiveCode,
    lines,
  };

  const files: [name: string, body: Uint8Array | string][] = [
    [original.name, original.bytes],
    ['slip.json', slipToJson(slip)],
    ['slip.pdf', await renderSlipPdf(slip)],
    [
      'metadata.json',
      JSON.stringify(
        { archiveCode, retention, retentionLabel: RETENTION_LABELS[retention], fondsCode: config.fondsCode, branch: config.branch, document: doc, decisions: event.decisions, executionArn: event.executionArn, archivedAt: at, originalSha256: sha256(original.bytes) },
        null,
        2,
      ),
    ],
    // The sealed head goes along: with the audit key (KMS VerifyMac) the package's trail can be authenticated later.
    ['audit.json', JSON.stringify({ verification: trail.verification, head: trail.head, events: trail.events }, null, 2)],
    ...(outgoing?.files ?? []),
  ];
  // Attachments (each up to 50 MB) lie beside the package as their own objects, one at a time,
  // each written once and checked against the SHA-256 taken when attached: the package itself
  // stays small enough to build in memory and costs one PUT.
  const beside: [name: string, sha256: string][] = [];
  for (const [i, attachment] of (doc.attachments ?? []).entries()) {
    const { name, bytes } = await attachmentOf(doc, attachment, i);
    const result = await putArchiveObjectOnce(env.archiveBucket, `${prefix}${name}`, bytes, attachment.contentType, retention, now);
    beside.push([name, sha256(result.stored)]);
  }
  // The package is one object (a ustar archive: one PUT, one lock), written once and last; a
  // retried run keeps what an earlier run stored. Its manifest-sha256.txt (sha256sum format, so
  // `tar -xf package.tar && sha256sum -c manifest-sha256.txt` checks a download of the prefix)
  // covers the files in it and the attachments beside it; the filing event records the SHA-256
  // of the package as stored.
  const manifest = [...files.map(([name, body]) => `${sha256(body)}  ${name}\n`), ...beside.map(([name, hash]) => `${hash}  ${name}\n`)].join('');
  files.push(['manifest-sha256.txt', manifest]);
  const packageTar = tarOf(
    files.map(([name, body]) => ({ name, bytes: typeof body === 'string' ? new TextEncoder().encode(body) : body })),
    now,
  );
  const stored = (await putArchiveObjectOnce(env.archiveBucket, `${prefix}${PACKAGE_NAME}`, packageTar, 'application/x-tar', retention, now)).stored;
  const storedManifest = untar(stored).find((f) => f.name === 'manifest-sha256.txt')?.bytes ?? new Uint8Array();

  if (doc.status !== 'filed') {
    try {
      await transactWithAudit(
        documentChain(doc.docId),
        { at, actor: 'system:archive', action: 'document.filed', details: { archiveCode, prefix, packageSha256: sha256(stored), manifestSha256: sha256(storedManifest), originalSha256: sha256(original.bytes) } },
        [markFiledItem(doc.docId)],
      );
      countBusiness('archived');
    } catch (err) {
      if (!(err instanceof TransactionConflict)) throw err; // already filed by an earlier run
    }
  }
  logger.info('document filed', { docId: doc.docId, archiveCode, prefix });
  return { archiveCode, prefix, files: [...files.map(([name]) => name), ...beside.map(([name]) => name)] };
}

export const handler = middy((event: ArchiveEvent) => archive(event)).use(injectLambdaContext(logger));
