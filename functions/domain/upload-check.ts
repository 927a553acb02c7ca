/**
 * Decides whether an uploaded scan may be registered, by its content (magic bytes) and size, never
 * by its file name or the Content-Type the browser claimed.
 *
 * `file-type` was considered, but its buffer API is async (fileTypeFromBuffer returns a Promise) and
 * this check is synchronous; the four accepted formats have unambiguous signatures, so they are
 * matched here directly, plus a few common wrong uploads so the clerk is told what was found.
 */

export type AcceptedScanType = 'application/pdf' | 'image/jpeg' | 'image/png' | 'image/tiff';

export type UploadVerdict =
  | { ok: true; contentType: AcceptedScanType; extension: 'pdf' | 'jpg' | 'png' | 'tif' }
  | { ok: false; code: 'empty' | 'too-large' | 'unsupported-type'; reason: string };

/** How many head bytes callers should read (same sample size file-type uses). */
export const SNIFF_BYTES = 4100;

/** Acrobat and most readers accept a PDF header anywhere in the first 1024 bytes (ISO 32000 note). */
const PDF_HEADER_WINDOW = 1024;

const MB = 1024 * 1024;

function startsWith(head: Uint8Array, sig: readonly number[], offset = 0): boolean {
  if (head.length < offset + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (head[offset + i] !== sig[i]) return false;
  return true;
}

function ascii(head: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, head.length); i++) s += String.fromCharCode(head[i]);
  return s;
}

function indexOfAscii(head: Uint8Array, needle: string, within: number): number {
  const limit = Math.min(within, head.length) - needle.length;
  outer: for (let i = 0; i <= limit; i++) {
    for (let j = 0; j < needle.length; j++) if (head[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

function detectAccepted(head: Uint8Array): Extract<UploadVerdict, { ok: true }> | undefined {
  // PDF: "%PDF-" followed by a version digit.
  const pdfAt = indexOfAscii(head, '%PDF-', PDF_HEADER_WINDOW);
  if (pdfAt >= 0 && pdfAt + 5 < head.length && head[pdfAt + 5] >= 0x30 && head[pdfAt + 5] <= 0x39) {
    return { ok: true, contentType: 'application/pdf', extension: 'pdf' };
  }
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { ok: true, contentType: 'image/jpeg', extension: 'jpg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { ok: true, contentType: 'image/png', extension: 'png' };
  // TIFF (II*\0, MM\0*) and BigTIFF (II+\0, MM\0+).
  if (
    startsWith(head, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(head, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return { ok: true, contentType: 'image/tiff', extension: 'tif' };
  }
  return undefined;
}

/** A short zh-CN description of what a rejected file looks like. */
function describeOther(head: Uint8Array): string {
  if (head.length === 0) return '无法读取文件内容';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    const names = ascii(head, 0, SNIFF_BYTES);
    if (names.includes('OFD.xml')) return 'OFD 版式文件';
    if (names.includes('word/')) return 'Word 文档（.docx）';
    if (names.includes('xl/')) return 'Excel 表格（.xlsx）';
    if (names.includes('ppt/')) return 'PowerPoint 演示文稿（.pptx）';
    return 'ZIP 压缩包或 Office 文档';
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return '旧版 Office 文档（.doc/.xls）';
  if (startsWith(head, [0x52, 0x61, 0x72, 0x21])) return 'RAR 压缩包';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z 压缩包';
  if (startsWith(head, [0x47, 0x49, 0x46, 0x38])) return 'GIF 图片';
  if (startsWith(head, [0x42, 0x4d])) return 'BMP 图片';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'WebP 图片';
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return 'HEIC 照片（手机拍照格式）';
    if (brand === 'avif') return 'AVIF 图片';
    return '视频文件';
  }
  if (startsWith(head, [0x4d, 0x5a])) return '可执行程序';
  if (ascii(head, 0, 5) === '{\\rtf') return 'RTF 文档';
  const text = ascii(head, 0, 512).replace(/^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'HTML 网页';
  if (text.startsWith('<?xml') || text.startsWith('<svg')) return 'XML/SVG 文件';
  if (looksLikeText(head)) return '纯文本';
  return '未知格式';
}

function looksLikeText(head: Uint8Array): boolean {
  const sample = head.subarray(0, 1024);
  if (sample.length === 0) return false;
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  }
  // UTF-8 or GBK text: printable bytes, almost no control characters, no NUL.
  return control <= sample.length / 100;
}

function formatSize(bytes: number): string {
  if (bytes >= MB) return `${trimZero((bytes / MB).toFixed(1))} MB`;
  if (bytes >= 1024) return `${trimZero((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} 字节`;
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** `head` = the first bytes of the object (at least SNIFF_BYTES if available), `size` = the full size. */
export function checkUpload(input: { head: Uint8Array; size: number; maxBytes: number }): UploadVerdict {
  const { head, size, maxBytes } = input;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`checkUpload: size must be a non-negative integer, got ${size}`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`checkUpload: maxBytes must be a positive integer, got ${maxBytes}`);
  if (size === 0) return { ok: false, code: 'empty', reason: '文件为空（0 字节），请重新扫描。' };
  if (size > maxBytes) {
    let shown = formatSize(size);
    let limit = formatSize(maxBytes);
    if (shown === limit) {
      shown = `${size} 字节`;
      limit = `${maxBytes} 字节`;
    }
    return { ok: false, code: 'too-large', reason: `文件大小 ${shown} 超过上限 ${limit}。请降低扫描分辨率或分成几个文件后重新上传。` };
  }
  const accepted = detectAccepted(head);
  if (accepted) return accepted;
  return {
    ok: false,
    code: 'unsupported-type',
    reason: `文件内容不是 PDF 或 JPEG/PNG/TIFF 图片（检测到：${describeOther(head)}），请重新扫描后上传。`,
  };
}
