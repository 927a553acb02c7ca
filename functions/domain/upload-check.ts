/**
 * Decides whether an uploaded scan may be registered, by its whole content and size, never by its
 * file name or the Content-Type the browser claimed. A signature alone proves nothing (a truncated
 * upload, a half-written file, an HTML page with "%PDF-" in a comment all have one), so each of
 * the four accepted formats is parsed: PDFs by pdf-lib (structure and pages), images by walking
 * their own structure far enough to know the size and that the file is complete.
 */
import { ATTACHMENT_TYPES, type AttachmentExtension, type ScanExtension } from './upload-types.js';
export { ATTACHMENT_TYPES, type AttachmentExtension, type ScanExtension };
import { crc32, inflateRawSync } from 'node:zlib';

export type AcceptedScanType = 'application/pdf' | 'image/jpeg' | 'image/png' | 'image/tiff';


export type UploadVerdict =
  | {
      ok: true;
      contentType: AcceptedScanType;
      extension: ScanExtension;
      /** PDF: number of pages. */
      pages?: number;
      /** PDF: the file is encrypted (accepted: its structure and pages parsed; its content may need a password to view). */
      encrypted?: boolean;
      /** Images: size in pixels. */
      width?: number;
      height?: number;
    }
  | { ok: false; code: UploadRejectionCode; reason: string };

/**
 * empty / too-large / unsupported-type: as before. corrupt: the format was recognised but the file
 * does not parse (truncated, half-written, damaged). no-pages: a well-formed PDF without a page.
 */
export type UploadRejectionCode = 'empty' | 'too-large' | 'unsupported-type' | 'corrupt' | 'no-pages';

/** How many head bytes describe what a rejected file looks like (the sample size file-type uses). */
const SNIFF_BYTES = 4100;


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

function detectAccepted(head: Uint8Array): { contentType: AcceptedScanType; extension: ScanExtension } | undefined {
  // PDF: "%PDF-" and a version digit at the very start. Readers tolerate junk before it, but
  // that junk can be an HTML page a browser would render, so only a scanner's plain PDF counts.
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d]) && head.length > 5 && head[5] >= 0x30 && head[5] <= 0x39) {
    return { contentType: 'application/pdf', extension: 'pdf' };
  }
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { contentType: 'image/jpeg', extension: 'jpg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { contentType: 'image/png', extension: 'png' };
  // TIFF (II*\0, MM\0*) and BigTIFF (II+\0, MM\0+).
  if (
    startsWith(head, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(head, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return { contentType: 'image/tiff', extension: 'tif' };
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
  if (/<(script|body|head|iframe|html)\b/.test(text)) return 'HTML 网页';
  if (indexOfAscii(head, '%PDF-', 1024) > 0) return 'PDF 文件头之前有多余内容';
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

export function formatSize(bytes: number): string {
  if (bytes >= MB) return `${trimZero((bytes / MB).toFixed(1))} MB`;
  if (bytes >= 1024) return `${trimZero((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} 字节`;
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}


function sizeVerdict(size: number, maxBytes: number, caller: string): Extract<UploadVerdict, { ok: false }> | undefined {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`${caller}: size must be a non-negative integer, got ${size}`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`${caller}: maxBytes must be a positive integer, got ${maxBytes}`);
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
  return undefined;
}

const FORMAT_NAMES: Record<ScanExtension, string> = { pdf: 'PDF', jpg: 'JPEG', png: 'PNG', tif: 'TIFF' };

/** Thrown by the format parsers below; the message (zh-CN) says what is wrong. */
class Corrupt extends Error {}

/**
 * Checks a whole uploaded object: size limits first, then its content parsed as the format its
 * signature claims. Anything else (HTML included, whatever it contains) is 'unsupported-type'.
 */
export async function checkScan(input: { bytes: Uint8Array; maxBytes: number }): Promise<UploadVerdict> {
  const { bytes, maxBytes } = input;
  const bad = sizeVerdict(bytes.length, maxBytes, 'checkScan');
  if (bad) return bad;
  const kind = detectAccepted(bytes);
  if (!kind) {
    return { ok: false, code: 'unsupported-type', reason: `文件内容不是 PDF 或 JPEG/PNG/TIFF 图片（检测到：${describeOther(bytes.subarray(0, SNIFF_BYTES))}），请重新扫描后上传。` };
  }
  try {
    return await parseAccepted(bytes, kind);
  } catch (err) {
    return { ok: false, code: 'corrupt', reason: `${FORMAT_NAMES[kind.extension]} 文件不完整或已损坏（${corruptWhy(err)}），请重新扫描后上传。` };
  }
}

/** Parses a scan format whose signature matched; throws (Corrupt) when the file does not parse. */
async function parseAccepted(bytes: Uint8Array, kind: { contentType: AcceptedScanType; extension: ScanExtension }): Promise<UploadVerdict> {
  switch (kind.extension) {
    case 'pdf': {
      const pdf = await parsePdf(bytes);
      if (pdf.pages === 0) return { ok: false, code: 'no-pages', reason: 'PDF 文件中没有任何页面，请重新扫描后上传。' };
      return { ok: true, ...kind, pages: pdf.pages, ...(pdf.encrypted ? { encrypted: true } : {}) };
    }
    case 'jpg':
      return { ok: true, ...kind, ...parseJpeg(bytes) };
    case 'png':
      return { ok: true, ...kind, ...parsePng(bytes) };
    case 'tif':
      return { ok: true, ...kind, ...parseTiff(bytes) };
  }
}

const corruptWhy = (err: unknown) => (err instanceof Corrupt ? err.message : `无法解析：${shortError(err)}`);

// ---- attachments (附件) ---------------------------------------------------------------------------

/** What an attachment may be: the scan formats, Word and Excel documents (OOXML) and plain text. */


/** The attachment type a file name declares by its suffix, if it is one we take. */
export function attachmentExtensionOf(fileName: string): AttachmentExtension | undefined {
  const suffix = /\.([A-Za-z]{3,4})$/.exec(fileName)?.[1]?.toLowerCase();
  if (!suffix) return undefined;
  return (Object.keys(ATTACHMENT_TYPES) as AttachmentExtension[]).find((e) => ATTACHMENT_TYPES[e].suffixes.includes(suffix));
}

export type AttachmentVerdict = { ok: true; contentType: string; extension: AttachmentExtension } | { ok: false; code: UploadRejectionCode; reason: string };

/** The main part an OOXML package of each kind must hold. */
const OOXML_MAIN: Partial<Record<AttachmentExtension, string>> = { docx: 'word/document.xml', xlsx: 'xl/workbook.xml' };

/**
 * Checks a whole uploaded attachment as the type its file name declares (`expected`): parsed as
 * that format, never judged by its first bytes. Reasons name the file, so a clerk knows which one
 * to fix ("附件 报价单.pdf 不是完整的 PDF 文件：…").
 */
export async function checkAttachment(input: { bytes: Uint8Array; maxBytes: number; fileName: string; expected: AttachmentExtension }): Promise<AttachmentVerdict> {
  const { bytes, maxBytes, fileName, expected } = input;
  const type = ATTACHMENT_TYPES[expected];
  const bad = sizeVerdict(bytes.length, maxBytes, 'checkAttachment');
  if (bad) return { ...bad, reason: `附件 ${fileName}：${bad.reason.replace('请重新扫描。', '请检查后重新上传。')}` };
  const ok: AttachmentVerdict = { ok: true, contentType: type.contentType, extension: expected };
  const notWhole = (why: string): AttachmentVerdict => ({ ok: false, code: 'corrupt', reason: `附件 ${fileName} 不是完整的 ${type.name}：${why}。请检查后重新上传。` });
  const other = (): AttachmentVerdict => ({ ok: false, code: 'unsupported-type', reason: `附件 ${fileName} 的内容不是 ${type.name}（检测到：${describeOther(bytes.subarray(0, SNIFF_BYTES))}）。请检查文件或更正文件名后重新上传。` });
  try {
    if (expected === 'txt') {
      if (!looksLikeText(bytes)) return other();
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return { ok: false, code: 'unsupported-type', reason: `附件 ${fileName} 不是 UTF-8 编码的文本，请另存为 UTF-8 后重新上传。` };
      }
      return ok;
    }
    const main = OOXML_MAIN[expected];
    if (main) {
      if (!startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return other();
      parseOoxml(bytes, main);
      return ok;
    }
    const kind = detectAccepted(bytes);
    if (kind?.extension !== expected) {
      return kind ? { ok: false, code: 'unsupported-type', reason: `附件 ${fileName} 的内容是 ${FORMAT_NAMES[kind.extension]}，不是 ${type.name}；请更正文件名后重新上传。` } : other();
    }
    const verdict = await parseAccepted(bytes, kind);
    return verdict.ok ? ok : { ...verdict, reason: `附件 ${fileName}：${verdict.reason.replace('请重新扫描后上传。', '请检查后重新上传。')}` };
  } catch (err) {
    return notWhole(corruptWhy(err));
  }
}

/**
 * A Word/Excel file is a ZIP package: its end-of-central-directory record is found, every entry
 * of the central directory lies inside the file, `[Content_Types].xml` and the document's main
 * part are there, and the main part inflates to its recorded size and CRC-32. A cut-off upload
 * loses the directory at the end, so it fails here.
 */
function parseOoxml(b: Uint8Array, mainPart: string): void {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // The EOCD record (22 bytes + a comment of up to 64 KB) is at the very end.
  let eocd = -1;
  for (let at = b.length - 22; at >= Math.max(0, b.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === 0x06054b50 && at + 22 + view.getUint16(at + 20, true) === b.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new Corrupt('缺少 ZIP 目录（文件被截断）');
  const count = view.getUint16(eocd + 10, true);
  const dirSize = view.getUint32(eocd + 12, true);
  const dirAt = view.getUint32(eocd + 16, true);
  if (dirAt + dirSize > eocd) throw new Corrupt('ZIP 目录超出文件范围');
  const names = new Map<string, { method: number; crc: number; compressed: number; size: number; local: number }>();
  let at = dirAt;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== 0x02014b50) throw new Corrupt('ZIP 目录项损坏');
    const nameLength = view.getUint16(at + 28, true);
    const entry = { method: view.getUint16(at + 10, true), crc: view.getUint32(at + 16, true), compressed: view.getUint32(at + 20, true), size: view.getUint32(at + 24, true), local: view.getUint32(at + 42, true) };
    names.set(new TextDecoder().decode(b.subarray(at + 46, at + 46 + nameLength)), entry);
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  if (!names.has('[Content_Types].xml')) throw new Corrupt('缺少 [Content_Types].xml，不是 Office 文档');
  const main = names.get(mainPart);
  if (!main) throw new Corrupt(`缺少主体部分 ${mainPart}`);
  if (main.local + 30 > b.length || view.getUint32(main.local, true) !== 0x04034b50) throw new Corrupt(`${mainPart} 的数据位置无效`);
  const dataAt = main.local + 30 + view.getUint16(main.local + 26, true) + view.getUint16(main.local + 28, true);
  if (dataAt + main.compressed > b.length) throw new Corrupt(`${mainPart} 超出文件末尾`);
  const raw = b.subarray(dataAt, dataAt + main.compressed);
  let data: Uint8Array;
  if (main.method === 0) data = raw;
  else if (main.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(main.size, 1) });
    } catch {
      throw new Corrupt(`${mainPart} 无法解压`);
    }
  } else throw new Corrupt(`${mainPart} 的压缩方式（${main.method}）不受支持`);
  if (data.length !== main.size || crc32(data) !== main.crc) throw new Corrupt(`${mainPart} 校验和错误`);
}

function shortError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').slice(0, 120);
}

async function parsePdf(bytes: Uint8Array): Promise<{ pages: number; encrypted: boolean }> {
  // A complete PDF ends with "%%EOF" (maybe followed by a line end or a little padding); pdf-lib
  // alone would happily rebuild a document from the objects of a half-written file.
  const tail = bytes.subarray(Math.max(0, bytes.length - 1024));
  if (indexOfAscii(tail, '%%EOF', tail.length) < 0 || indexOfAscii(tail, 'startxref', tail.length) < 0) throw new Corrupt('文件结尾缺少 %%EOF，文件被截断');
  // Encrypted PDFs are accepted when their structure and page tree parse (pdf-lib reads both
  // without the password); the pages' content then needs the password to be viewed.
  // pdf-lib loads on the first PDF: the API functions importing this check mostly take no upload.
  const { PDFDocument } = await import('pdf-lib');
  const doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: true });
  const pages = doc.getPages();
  // pdf-lib skips page-tree entries that point at missing objects; the tree's own count says how many there should be.
  const declared = doc.catalog.Pages().Count().asNumber();
  if (declared !== pages.length) throw new Corrupt(`页面树声明 ${declared} 页，实际只能读出 ${pages.length} 页`);
  for (const [i, page] of pages.entries()) {
    const { width, height } = page.getSize();
    if (!(width > 0 && height > 0)) throw new Corrupt(`第 ${i + 1} 页没有有效的页面尺寸`);
  }
  return { pages: pages.length, encrypted: doc.isEncrypted };
}

interface Size {
  width: number;
  height: number;
}

function parseJpeg(b: Uint8Array): Size {
  let size: Size | undefined;
  let at = 2; // after SOI (FFD8)
  for (;;) {
    if (at + 4 > b.length) throw new Corrupt('图像数据在文件头部就已中断');
    if (b[at] !== 0xff) throw new Corrupt('JPEG 段结构错误');
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9) throw new Corrupt('没有图像数据');
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 2 || at + 2 + length > b.length) throw new Corrupt('JPEG 段超出文件末尾，文件被截断');
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 8) throw new Corrupt('JPEG 帧头过短');
      const height = (b[at + 5] << 8) | b[at + 6];
      const width = (b[at + 7] << 8) | b[at + 8];
      if (width === 0 || height === 0) throw new Corrupt('图像宽度或高度为 0');
      size = { width, height };
    }
    if (marker === 0xda) break; // start of scan: entropy-coded data follows up to EOI
    at += 2 + length;
  }
  if (!size) throw new Corrupt('缺少图像帧头（SOF），无法确定图像尺寸');
  // Some scanners pad after EOI with zeros; anything else at the end means the file was cut off.
  let end = b.length;
  while (end > at && b[end - 1] === 0x00) end--;
  if (end < at + 2 || b[end - 2] !== 0xff || b[end - 1] !== 0xd9) throw new Corrupt('缺少结束标记（EOI），文件被截断');
  return size;
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}

function parsePng(b: Uint8Array): Size {
  let at = 8;
  let size: Size | undefined;
  let sawData = false;
  for (let index = 0; ; index++) {
    if (at + 12 > b.length) throw new Corrupt('缺少结束块（IEND），文件被截断');
    const length = u32be(b, at);
    const type = ascii(b, at + 4, at + 8);
    if (length > 0x7fffffff || at + 12 + length > b.length) throw new Corrupt(`数据块 ${type} 超出文件末尾，文件被截断`);
    const crc = u32be(b, at + 8 + length);
    if (crc32(b.subarray(at + 4, at + 8 + length)) !== crc) throw new Corrupt(`数据块 ${type} 校验和错误`);
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) throw new Corrupt('缺少文件头块（IHDR）');
      const width = u32be(b, at + 8);
      const height = u32be(b, at + 12);
      if (width === 0 || height === 0) throw new Corrupt('图像宽度或高度为 0');
      size = { width, height };
    }
    if (type === 'IDAT') sawData = true;
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (!sawData) throw new Corrupt('没有图像数据（IDAT）');
  return size!;
}

function parseTiff(b: Uint8Array): Size {
  const little = b[0] === 0x49;
  const big = (little ? b[2] | (b[3] << 8) : (b[2] << 8) | b[3]) === 43; // BigTIFF
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const u64 = (at: number) => Number(view.getBigUint64(at, little));
  const need = (at: number, n: number, what: string) => {
    if (!(at >= 0 && at + n <= b.length)) throw new Corrupt(`${what}超出文件末尾，文件被截断`);
  };
  need(0, big ? 16 : 8, '文件头');
  const ifd = big ? u64(8) : u32(4);
  need(ifd, big ? 8 : 2, '第一个图像目录（IFD）');
  const count = big ? u64(ifd) : u16(ifd);
  if (count === 0) throw new Corrupt('第一个图像目录（IFD）为空');
  const entrySize = big ? 20 : 12;
  const first = ifd + (big ? 8 : 2);
  need(first, count * entrySize, '第一个图像目录（IFD）');
  const TYPE_SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 16: 8 }; // BYTE, SHORT, LONG, LONG8
  const values = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const e = first + i * entrySize;
    const tag = u16(e);
    if (![256, 257, 273, 279, 324, 325].includes(tag)) continue;
    const type = u16(e + 2);
    const n = big ? u64(e + 4) : u32(e + 4);
    const width = TYPE_SIZE[type];
    if (!width) throw new Corrupt(`标记 ${tag} 的类型无效`);
    const inline = big ? 8 : 4;
    const at = n * width <= inline ? e + (big ? 12 : 8) : big ? u64(e + 12) : u32(e + 8);
    need(at, n * width, `标记 ${tag} 的数据`);
    const read = (k: number) => (width === 1 ? b[at + k] : width === 2 ? u16(at + k * 2) : width === 4 ? u32(at + k * 4) : u64(at + k * 8));
    values.set(tag, Array.from({ length: n }, (_, k) => read(k)));
  }
  const width = values.get(256)?.[0];
  const height = values.get(257)?.[0];
  if (!width || !height) throw new Corrupt('缺少图像宽度或高度（ImageWidth/ImageLength）');
  // The image data (strips or tiles) must lie inside the file: a cut-off TIFF usually keeps its
  // directory at the start and loses the data at the end.
  const offsets = values.get(273) ?? values.get(324);
  const counts = values.get(279) ?? values.get(325);
  if (!offsets || !counts || offsets.length !== counts.length) throw new Corrupt('缺少图像数据位置（StripOffsets/StripByteCounts）');
  offsets.forEach((offset, i) => need(offset, counts[i], '图像数据'));
  return { width, height };
}
