/**
 * S3: scanned originals in the inbox bucket, archive packages in the archive bucket.
 */
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { RETENTION_YEARS, type RetentionCode } from '../domain/numbering.js';
import { s3Client } from './clients.js';

export interface ObjectInfo {
  size: number;
  etag: string;
  contentType?: string;
  metadata: Record<string, string>;
}

export async function headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
  try {
    const res = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: res.ContentLength ?? 0, etag: (res.ETag ?? '').replaceAll('"', ''), contentType: res.ContentType, metadata: res.Metadata ?? {} };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey' || status === 404) return undefined;
    throw err;
  }
}

/** The first `bytes` bytes of an object (all of it when smaller). */
export async function readObjectHead(bucket: string, key: string, bytes: number): Promise<Uint8Array> {
  const res = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` }));
  return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
}

export async function readObject(bucket: string, key: string): Promise<Uint8Array> {
  const res = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
}

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

/** Moves a rejected upload aside, keeping it whole, with its reason in the object metadata. */
export async function moveAside(bucket: string, fromKey: string, toKey: string, reason: string, code: string): Promise<void> {
  await s3Client().send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: toKey,
      CopySource: `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
      MetadataDirective: 'REPLACE',
      Metadata: { 'rejected-reason': encodeMetadata(reason), 'rejected-code': code, 'original-key': encodeMetadata(fromKey) },
    }),
  );
  await s3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: fromKey }));
}

/**
 * Writes one archive object under S3 Object Lock: 永久 (Y) holds it with a legal hold that never
 * lapses; 30年/10年 retain it in compliance mode until the period ends.
 */
export async function putArchiveObject(bucket: string, key: string, body: Uint8Array | string, contentType: string, retention: RetentionCode, now: Date): Promise<void> {
  const years = RETENTION_YEARS[retention];
  const retainUntil = new Date(now);
  if (years) retainUntil.setUTCFullYear(retainUntil.getUTCFullYear() + years);
  await s3Client().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      // Object Lock requires an integrity checksum on the request.
      ChecksumAlgorithm: 'SHA256',
      ...(years
        ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: retainUntil }
        : { ObjectLockLegalHoldStatus: 'ON' }),
    }),
  );
}

export async function presignedGetUrl(bucket: string, key: string, expiresInSeconds: number, fileName?: string): Promise<string> {
  return getSignedUrl(
    s3Client(),
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(fileName ? { ResponseContentDisposition: `inline; filename*=UTF-8''${encodeURIComponent(fileName)}` } : {}),
    }),
    { expiresIn: expiresInSeconds },
  );
}
