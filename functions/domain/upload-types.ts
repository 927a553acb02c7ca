/**
 * The file types Chancery takes as scans and attachments, by suffix: one table for the server's
 * checks (upload-check.ts), the console's file pickers (web/src/uploads.ts) and the CLI. Data only,
 * no imports, so the browser bundle takes it as it is.
 */
export type ScanExtension = 'pdf' | 'jpg' | 'png' | 'tif';
export type AttachmentExtension = ScanExtension | 'docx' | 'xlsx' | 'txt';

export const ATTACHMENT_TYPES: Record<AttachmentExtension, { contentType: string; name: string; suffixes: string[] }> = {
  pdf: { contentType: 'application/pdf', name: 'PDF 文件', suffixes: ['pdf'] },
  jpg: { contentType: 'image/jpeg', name: 'JPEG 图片', suffixes: ['jpg', 'jpeg'] },
  png: { contentType: 'image/png', name: 'PNG 图片', suffixes: ['png'] },
  tif: { contentType: 'image/tiff', name: 'TIFF 图片', suffixes: ['tif', 'tiff'] },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', name: 'Word 文档（.docx）', suffixes: ['docx'] },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', name: 'Excel 表格（.xlsx）', suffixes: ['xlsx'] },
  txt: { contentType: 'text/plain; charset=utf-8', name: '纯文本文件', suffixes: ['txt'] },
};

/** Content type by file suffix (jpeg and jpg alike), for whoever asks POST /uploads for a link. */
export const CONTENT_TYPE_BY_SUFFIX: Record<string, string> = Object.fromEntries(
  Object.values(ATTACHMENT_TYPES).flatMap((t) => t.suffixes.map((suffix) => [suffix, t.contentType])),
);
