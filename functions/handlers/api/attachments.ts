/**
 * 附件: files uploaded through the API, kept out of the JSON requests (API Gateway takes 10 MB,
 * a Lambda answer 6 MB).
 *   POST /uploads  {"fileName","contentType","size"} → {uploadId, url, method: "PUT", headers, expiresAt}
 * The client PUTs the bytes to `url`; a later request names the upload (POST /documents
 * `attachments` or `file`, POST /tasks/{taskId}/progress `attachments`). Only then is the upload
 * read whole, parsed as the type its name declares, and pinned to the document: a conditional
 * write under originals/<docId>/ with its SHA-256 recorded, never deleted. A bad file is set
 * aside under rejected/ with its reason (GET /rejected-uploads) and refused with a 400 naming it.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { ORIGINALS_PREFIX, REJECTED_PREFIX, UPLOADS_PREFIX } from '../../../infra/manifest.js';
import { localDate } from '../../domain/calendar.js';
import type { Actor } from '../../domain/identity.js';
import { cleanText } from '../../domain/text.js';
import { ATTACHMENT_TYPES, attachmentExtensionOf, checkAttachment, formatSize, type AttachmentVerdict } from '../../domain/upload-check.js';
import { now as clock } from '../../adapters/clock.js';
import type { Attachment, DocumentRecord } from '../../adapters/documents.js';
import { TransactionConflict, type TransactItem } from '../../adapters/dynamo.js';
import { env } from '../../adapters/env.js';
import { logger } from '../../adapters/logger.js';
import { recordRejected } from '../../adapters/registers.js';
import { copyAside, encodeMetadata, getObject, presignedGetUrl, presignedPutUrl, putOnce, sha256Hex } from '../../adapters/storage.js';
import { getUpload, putUpload, settleUploadItem, type UploadRecord } from '../../adapters/uploads.js';
import { HttpError, parseWith, type Request } from './http.js';

const UPLOAD_LINK_SECONDS = 900;
const ATTACHMENT_LINK_SECONDS = 300;
/**
 * Checked uploads kept in memory for pinning up to this total, beyond it read again: twenty 50 MB
 * files must fit a 512 MB function (api-tasks) beside the one being parsed.
 */
const KEEP_BYTES = 128 * 1024 * 1024;

const KINDS = 'PDF、JPEG/PNG/TIFF 图片、Word（.docx）、Excel（.xlsx）或纯文本（.txt）';

const uploadRequest = z.strictObject(
  {
    fileName: z.string({ error: '请填写文件名（fileName）' }).max(200, '文件名（fileName）不超过 200 字'),
    contentType: z.string({ error: '请填写文件类型（contentType），如 application/pdf' }).max(200, '文件类型（contentType）不认识'),
    size: z.number({ error: '请填写文件大小（size，字节数）' }).int('文件大小（size）应为整数字节数').positive('文件大小（size）应大于 0'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：fileName、contentType、size' : '请求内容应为 JSON 对象') },
);

/** POST /uploads: a link to PUT one file to, valid 15 minutes; the upload belongs to its uploader. */
export async function createUpload({ actor, body }: Request) {
  const input = parseWith(uploadRequest, body);
  // The name is shown to clerks and becomes a file name on download: no hidden characters, no paths.
  const fileName = cleanText(input.fileName.replace(/[/\\]/g, '_'), 200);
  if (!fileName) throw new HttpError(400, '请填写文件名（fileName）');
  const extension = attachmentExtensionOf(fileName);
  if (!extension) throw new HttpError(400, `不能上传 ${fileName}：只接受 ${KINDS} 文件`);
  const contentType = ATTACHMENT_TYPES[extension].contentType;
  const base = contentType.split(';')[0];
  if (input.contentType.split(';')[0].trim().toLowerCase() !== base) throw new HttpError(400, `文件类型（contentType）应为 ${base}，与文件名 ${fileName} 相符`);
  const maxBytes = env.branchConfig.maxUploadBytes;
  if (input.size > maxBytes) throw new HttpError(413, `文件 ${fileName} 大小 ${formatSize(input.size)} 超过上限 ${formatSize(maxBytes)}，请压缩或分成几个文件后上传`);
  const uploadId = randomBytes(11).toString('hex');
  const key = `${UPLOADS_PREFIX}${actor.username}/${uploadId}`;
  await putUpload({ uploadId, owner: actor.username, ownerName: actor.name, fileName, extension, contentType, size: input.size, bucket: env.inboxBucket, key, createdAt: clock().toISOString(), status: 'pending' });
  const url = await presignedPutUrl(env.inboxBucket, key, contentType, input.size, UPLOAD_LINK_SECONDS);
  // The link's validity runs on real time, whatever time the handlers are pinned to.
  return { uploadId, fileName, size: input.size, url, method: 'PUT', headers: { 'content-type': contentType }, expiresAt: new Date(Date.now() + UPLOAD_LINK_SECONDS * 1000).toISOString() };
}

/** An upload pinned to its document: the attachment, and what a document's own file records. */
export type Pinned = Attachment & { sourceKey: string; etag: string };

/** Loads each upload named, refusing before any file is read: unknown, someone else's, used or refused already. */
async function uploadsOf(actor: Actor, ids: string[]): Promise<UploadRecord[]> {
  const uploads = await Promise.all(ids.map((id) => getUpload(id)));
  return uploads.map((upload, i) => {
    if (!upload) throw new HttpError(404, `找不到上传 ${ids[i]}：请先通过 POST /uploads 取得上传地址并上传文件`);
    if (upload.owner !== actor.username) throw new HttpError(403, `上传 ${ids[i]} 不是您上传的文件，不能引用；请自己上传该文件`);
    if (upload.status === 'used') throw new HttpError(409, `附件 ${upload.fileName} 已附在文件 ${upload.docId} 上，不能重复使用；如需再次附上请重新上传`);
    if (upload.status === 'rejected') throw new HttpError(400, upload.reason ?? `附件 ${upload.fileName} 已被退回，请重新上传`);
    return upload;
  });
}

/** Sets a bad upload aside under rejected/ with its reason, listed for the clerk, and marks it refused. */
async function setAside(actor: Actor, upload: UploadRecord, bytes: Uint8Array, verdict: Extract<AttachmentVerdict, { ok: false }>): Promise<void> {
  const now = clock();
  const at = now.toISOString();
  const rejectedKey = `${REJECTED_PREFIX}${localDate(now, env.branchConfig.timeZone)}/${upload.uploadId}-${upload.fileName}`;
  await copyAside(upload.bucket, upload.key, rejectedKey, bytes, verdict.reason, verdict.code);
  try {
    await recordRejected(
      settleUploadItem(upload, 'rejected', { reason: verdict.reason }, at),
      { objectKey: upload.key, rejectedKey, bucket: upload.bucket, size: bytes.length, code: verdict.code, reason: verdict.reason, rejectedAt: at, uploadedBy: actor.username, fileName: upload.fileName },
      actor.username,
    );
  } catch (err) {
    // A concurrent request refused the same upload first.
    if (!(err instanceof TransactionConflict && err.failedIndexes.includes(0))) throw err;
  }
  logger.warn('attachment rejected', { uploadId: upload.uploadId, rejectedKey, code: verdict.code });
}

/**
 * Takes the uploads named into document `docId`: each read whole and checked; if any is bad, all
 * bad ones are set aside and the request is refused (400, every reason) before anything is
 * pinned. Otherwise each is pinned (`fileId` as the document's own file, original.<ext>; the
 * rest under attachments/), and the items marking them used go into the caller's transaction.
 */
export async function takeUploads(actor: Actor, docId: string, ids: string[], options: { fileId?: string; origin?: { taskId: string; stepName: string } } = {}): Promise<{ pinned: Pinned[]; items: TransactItem[] }> {
  const uploads = await uploadsOf(actor, ids);
  const maxBytes = env.branchConfig.maxUploadBytes;
  const checked: { upload: UploadRecord; sha256: string; etag: string; versionId?: string; bytes?: Uint8Array }[] = [];
  const refused: string[] = [];
  let kept = 0;
  // One at a time: an upload may be 50 MB, and only the bytes of one are parsed at once.
  for (const upload of uploads) {
    const found = await getObject(upload.bucket, upload.key);
    if (!found) throw new HttpError(400, `附件 ${upload.fileName} 的内容尚未上传（或上传已超过 2 天被清除）：请用上传地址 PUT 文件后再提交`);
    const verdict = await checkAttachment({ bytes: found.bytes, maxBytes, fileName: upload.fileName, expected: upload.extension });
    if (!verdict.ok) {
      await setAside(actor, upload, found.bytes, verdict);
      refused.push(verdict.reason);
      continue;
    }
    const keep = kept + found.size <= KEEP_BYTES;
    if (keep) kept += found.size;
    checked.push({ upload, sha256: sha256Hex(found.bytes), etag: found.etag, ...(found.versionId ? { versionId: found.versionId } : {}), ...(keep ? { bytes: found.bytes } : {}) });
  }
  if (refused.length) throw new HttpError(400, refused.join('；'), { rejected: refused.length });

  const at = clock().toISOString();
  const pinned: Pinned[] = [];
  for (const c of checked) {
    const { upload } = c;
    let bytes = c.bytes;
    if (!bytes) {
      const again = await getObject(upload.bucket, upload.key, c.versionId);
      // The uploader may PUT to the link again while it is valid: pin only the bytes checked.
      if (!again || sha256Hex(again.bytes) !== c.sha256) throw new HttpError(409, `附件 ${upload.fileName} 在提交过程中被重新上传，请再提交一次`);
      bytes = again.bytes;
    }
    const ext = ATTACHMENT_TYPES[upload.extension].suffixes[0];
    const key = upload.uploadId === options.fileId ? `${ORIGINALS_PREFIX}${docId}/original.${ext}` : `${ORIGINALS_PREFIX}${docId}/attachments/${upload.uploadId}.${ext}`;
    const written = await putOnce(upload.bucket, key, bytes, upload.contentType, { sha256: c.sha256, 'uploaded-by': encodeMetadata(actor.username), 'source-key': encodeMetadata(upload.key) });
    pinned.push({
      uploadId: upload.uploadId,
      name: upload.fileName,
      size: bytes.length,
      sha256: c.sha256,
      contentType: upload.contentType,
      bucket: upload.bucket,
      key,
      ...(written.versionId ? { versionId: written.versionId } : {}),
      uploadedBy: actor.username,
      uploadedByName: actor.name,
      attachedAt: at,
      ...(options.origin ?? {}),
      sourceKey: upload.key,
      etag: c.etag,
    });
  }
  return { pinned, items: uploads.map((u) => settleUploadItem(u, 'used', { docId }, at)) };
}

/** What a document records of an attachment (its pinning details stay with the upload record). */
export const attachmentOf = ({ sourceKey: _s, etag: _e, ...attachment }: Pinned): Attachment => attachment;

/** The document's attachments with 5-minute links that download each under its name, as the type verified. */
export async function attachmentLinks(doc: DocumentRecord) {
  return Promise.all(
    (doc.attachments ?? []).map(async ({ bucket, key, versionId, ...a }) => ({
      ...a,
      url: await presignedGetUrl(bucket, key, ATTACHMENT_LINK_SECONDS, a.contentType, a.name, versionId, 'attachment'),
      expiresInSeconds: ATTACHMENT_LINK_SECONDS,
    })),
  );
}
