/**
 * 附件 upload in two steps, as the API wants it: POST /uploads asks for a short-lived link, the
 * browser PUTs the bytes straight to storage (never through the API's 10 MB body limit), and the
 * form then names the upload by its id.
 */
import { api, ApiError } from './api';
import { CONTENT_TYPE_BY_SUFFIX } from '../../functions/domain/upload-types';

/** The types the API takes, by suffix (one table with the server's checks): it refuses a mismatch. */
const TYPES = CONTENT_TYPE_BY_SUFFIX;

export const UPLOAD_ACCEPT = Object.keys(TYPES).map((s) => `.${s}`).join(',');
export const UPLOAD_KINDS = 'PDF、JPEG/PNG/TIFF 图片、Word（.docx）、Excel（.xlsx）或纯文本（.txt）';

interface UploadTicket {
  uploadId: string;
  url: string;
  method: string;
  headers?: Record<string, string>;
}

/** Uploads one file; the answer is the id a later request names. */
export async function uploadFile(file: File): Promise<string> {
  const suffix = /\.([A-Za-z]{3,4})$/.exec(file.name)?.[1]?.toLowerCase() ?? '';
  const contentType = TYPES[suffix];
  if (!contentType) throw new ApiError(400, `不能上传 ${file.name}：只接受 ${UPLOAD_KINDS} 文件`);
  const ticket = await api<UploadTicket>('POST', '/uploads', { fileName: file.name, contentType, size: file.size });
  let res: Response;
  try {
    res = await fetch(ticket.url, { method: ticket.method || 'PUT', headers: ticket.headers ?? { 'content-type': contentType }, body: file });
  } catch {
    throw new ApiError(0, `上传 ${file.name} 失败：网络连接中断，请重试`);
  }
  if (!res.ok) throw new ApiError(res.status, `上传 ${file.name} 失败（${res.status}），请重试；若一再失败请联系管理员`);
  return ticket.uploadId;
}
