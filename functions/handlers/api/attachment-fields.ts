/**
 * The request fields naming uploads (附件), apart from attachments.ts so a handler only parsing
 * them loads no file parser until a request really carries an upload.
 */
import * as z from 'zod';
import { TransactionConflict } from '../../adapters/dynamo.js';
import { HttpError } from './http.js';

/** At most this many attachments per document, with the document and its 办理反馈 together. */
export const MAX_ATTACHMENTS = 20;

export const uploadIdField = (label: string, field: string) =>
  z.string({ error: `${label}（${field}）应为上传号（POST /uploads 返回的 uploadId）` }).regex(/^[0-9a-f]{22}$/, `${label}（${field}）应为 POST /uploads 返回的 22 位上传号`);

export const attachmentsField = z
  .array(uploadIdField('附件', 'attachments'), { error: '附件（attachments）应为上传号的列表' })
  .max(MAX_ATTACHMENTS, `附件（attachments）最多 ${MAX_ATTACHMENTS} 个`)
  .refine((ids) => new Set(ids).size === ids.length, '附件（attachments）中有重复的上传号');

/** A transaction that failed on an item marking an upload used (`count` items from index `from`): a 409. */
export function uploadRaceOr(err: unknown, from: number, count: number): unknown {
  if (err instanceof TransactionConflict && err.failedIndexes.some((i) => i >= from && i < from + count)) return new HttpError(409, '所附文件刚刚已被另一次提交使用，请重新上传后再提交');
  return err;
}
