/**
 * Files uploaded through the API (附件, a document's file), in the registers table:
 *   pk UPLOAD#<uploadId>, sk META   who asked to upload what, where it goes, and what became of it
 * The bytes go straight to S3 (uploads/<username>/<uploadId>) by a presigned PUT; the record is
 * what ties an upload id to its uploader, so nobody attaches someone else's file.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AttachmentExtension } from '../domain/upload-check.js';
import { documentClient } from './clients.js';
import type { TransactItem } from './dynamo.js';
import { env } from './env.js';

export type UploadStatus = 'pending' | 'used' | 'rejected';

export interface UploadRecord {
  uploadId: string;
  owner: string;
  ownerName: string;
  fileName: string;
  extension: AttachmentExtension;
  contentType: string;
  /** As declared when the link was asked for; the bytes stored are what count. */
  size: number;
  bucket: string;
  key: string;
  createdAt: string;
  status: UploadStatus;
  /** Used: the document it is attached to. */
  docId?: string;
  /** Rejected: why. */
  reason?: string;
}

const uploadKey = (uploadId: string) => ({ pk: `UPLOAD#${uploadId}`, sk: 'META' });

export async function putUpload(upload: UploadRecord): Promise<void> {
  await documentClient().send(new PutCommand({ TableName: env.registersTable, Item: { ...uploadKey(upload.uploadId), ...upload }, ConditionExpression: 'attribute_not_exists(pk)' }));
}

export async function getUpload(uploadId: string): Promise<UploadRecord | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: env.registersTable, Key: uploadKey(uploadId), ConsistentRead: true }));
  if (!res.Item) return undefined;
  const { pk: _pk, sk: _sk, ...upload } = res.Item;
  return upload as UploadRecord;
}

/** Leaves `pending` for `status` (once: a second use of the same upload fails its condition). */
export function settleUploadItem(upload: UploadRecord, status: Exclude<UploadStatus, 'pending'>, fields: { docId?: string; reason?: string }, at: string): TransactItem {
  const set = Object.entries({ ...fields, settledAt: at }).filter(([, v]) => v !== undefined);
  return {
    Update: {
      TableName: env.registersTable,
      Key: uploadKey(upload.uploadId),
      UpdateExpression: `SET #status = :status, ${set.map(([k]) => `#${k} = :${k}`).join(', ')}`,
      ConditionExpression: '#status = :pending AND #owner = :owner',
      ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner', ...Object.fromEntries(set.map(([k]) => [`#${k}`, k])) },
      ExpressionAttributeValues: { ':status': status, ':pending': 'pending', ':owner': upload.owner, ...Object.fromEntries(set.map(([k, v]) => [`:${k}`, v])) },
    },
  };
}
