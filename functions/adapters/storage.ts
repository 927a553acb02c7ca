/**
 * S3: scanned originals in the inbox bucket, archive packages in the archive bucket.
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { RETENTION_YEARS, type RetentionCode } from '../domain/numbering.js';
import { s3Client } from './clients.js';

export interface ObjectInfo {
  size: number;
  etag: string;
  contentType?: string;
  metadata: Record<string, string>;
  versionId?: string;
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isNotFound = (err: unknown) => (err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey' || (err as Error).name === 'NoSuchVersion' || statusOf(err) === 404;

export async function headObject(bucket: string, key: string, versionId?: string): Promise<ObjectInfo | undefined> {
  try {
    const res = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    return { size: res.ContentLength ?? 0, etag: (res.ETag ?? '').replaceAll('"', ''), contentType: res.ContentType, metadata: res.Metadata ?? {}, versionId: res.VersionId };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** One exact object (the given version when known) with its bytes; undefined once it is gone. */
export async function getObject(bucket: string, key: string, versionId?: string): Promise<(ObjectInfo & { bytes: Uint8Array }) | undefined> {
  try {
    const res = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    const bytes = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    return { bytes, size: bytes.length, etag: (res.ETag ?? '').replaceAll('"', ''), contentType: res.ContentType, metadata: res.Metadata ?? {}, versionId: res.VersionId };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
  lastModified: Date;
}

/** Every object under `prefix`, following continuation tokens. */
export async function listAllObjects(bucket: string, prefix: string): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const res = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of res.Contents ?? []) {
      if (!o.Key) continue;
      out.push({ key: o.Key, etag: (o.ETag ?? '').replaceAll('"', ''), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
    }
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * Removes a processed upload from the inbox queue, but only the very bytes that were processed:
 * with a version id that exact version (a scanner reusing the name keeps its new upload); without
 * one (an unversioned bucket) only if the object still carries the processed ETag.
 */
export async function removeProcessed(bucket: string, key: string, processed: { etag: string; versionId?: string }): Promise<void> {
  if (!processed.versionId) {
    const current = await headObject(bucket, key);
    if (!current || current.etag !== processed.etag) return;
  }
  await s3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(processed.versionId ? { VersionId: processed.versionId } : {}) }));
}

/**
 * Writes an object that must never change once written (a document's pinned original). The write
 * is conditional (If-None-Match: *): a second writer cannot replace it. Returns false when it was
 * there already.
 */
export async function putOnce(bucket: string, key: string, body: Uint8Array, contentType: string, metadata: Record<string, string>): Promise<{ created: boolean; versionId?: string }> {
  try {
    const res = await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata, IfNoneMatch: '*' }));
    return { created: true, ...(res.VersionId ? { versionId: res.VersionId } : {}) };
  } catch (err) {
    const status = statusOf(err);
    if ((err as Error).name === 'PreconditionFailed' || status === 412 || (err as Error).name === 'ConditionalRequestConflict' || status === 409) {
      const existing = await headObject(bucket, key);
      return { created: false, ...(existing?.versionId ? { versionId: existing.versionId } : {}) };
    }
    throw err;
  }
}

/** Writes (or replaces) an object: for files whose later copy is the one recorded. */
export async function putObject(bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void> {
  await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

export const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const md5Hex = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex');

/** S3 metadata is ASCII; Chinese reasons travel percent-encoded. */
export const encodeMetadata = (value: string) => encodeURIComponent(value);
export const decodeMetadata = (value: string | undefined) => {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/**
 * Keeps a rejected upload whole (the very bytes that were checked) under `toKey`, with its reason
 * in the object metadata. The caller records the rejection, then takes the upload out of the
 * inbox queue (removeProcessed): in that order a crash never loses it.
 */
export async function copyAside(bucket: string, fromKey: string, toKey: string, body: Uint8Array, reason: string, code: string): Promise<void> {
  await s3Client().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: toKey,
      Body: body,
      ContentType: 'application/octet-stream',
      Metadata: { 'rejected-reason': encodeMetadata(reason), 'rejected-code': code, 'original-key': encodeMetadata(fromKey) },
    }),
  );
}

/** 永久 records are kept in compliance mode too (a legal hold can be lifted by whoever holds the permission). */
export const PERMANENT_RETENTION_YEARS = 100;

/**
 * Writes one archive object under S3 Object Lock in compliance mode until its 保管期限 ends (永久:
 * PERMANENT_RETENTION_YEARS, which compliance mode lets a later job extend but nobody shorten).
 * Written once: when the object exists already (a retried archive run) it is left alone and its
 * stored bytes are returned, so no extra locked version appears and the manifest describes what
 * is really there.
 */
export async function putArchiveObjectOnce(bucket: string, key: string, body: Uint8Array | string, contentType: string, retention: RetentionCode, now: Date): Promise<{ written: boolean; stored: Uint8Array }> {
  const existing = await getObject(bucket, key);
  if (existing) return { written: false, stored: existing.bytes };
  const years = RETENTION_YEARS[retention] ?? PERMANENT_RETENTION_YEARS;
  const retainUntil = new Date(now);
  retainUntil.setUTCFullYear(retainUntil.getUTCFullYear() + years);
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  await s3Client().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: bytes,
      ContentType: contentType,
      // Object Lock requires an integrity checksum on the request.
      ChecksumAlgorithm: 'SHA256',
      ContentMD5: Buffer.from(md5Hex(bytes), 'hex').toString('base64'),
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: retainUntil,
    }),
  );
  return { written: true, stored: bytes };
}

/**
 * A short-lived link to one object, answered with the type intake verified (never what the
 * uploader claimed, so a scan can never come back as HTML) and its file name; `attachment` makes
 * a browser save it rather than open it.
 */
export async function presignedGetUrl(bucket: string, key: string, expiresInSeconds: number, contentType: string, fileName?: string, versionId?: string, disposition: 'inline' | 'attachment' = 'inline'): Promise<string> {
  return getSignedUrl(
    s3Client(),
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(versionId ? { VersionId: versionId } : {}),
      ResponseContentType: contentType,
      ResponseContentDisposition: `${disposition}${fileName ? `; filename*=UTF-8''${encodeURIComponent(fileName)}` : ''}`,
    }),
    { expiresIn: expiresInSeconds },
  );
}

/**
 * A file for someone to download (a register export too large for an API answer): stored, then a
 * short-lived link that saves it under `fileName`. The bucket's lifecycle removes it after a day.
 */
export async function putDownload(bucket: string, key: string, body: Uint8Array, contentType: string, fileName: string, expiresInSeconds: number): Promise<string> {
  await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  return getSignedUrl(
    s3Client(),
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ResponseContentType: contentType,
      ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`,
    }),
    { expiresIn: expiresInSeconds },
  );
}

/**
 * A short-lived link a client PUTs one file to. Its size is signed (S3 refuses other lengths) and
 * so is its type; the content is still parsed when the upload is used, whatever S3 let through.
 */
export async function presignedPutUrl(bucket: string, key: string, contentType: string, size: number, expiresInSeconds: number): Promise<string> {
  return getSignedUrl(s3Client(), new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size }), {
    expiresIn: expiresInSeconds,
    signableHeaders: new Set(['content-type', 'content-length']),
  });
}
