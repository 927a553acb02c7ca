import { crc32, deflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, checkUpload } from '../../functions/domain/upload-check.js';

const MAX = 50 * 1024 * 1024;
const check = (bytes: Uint8Array, size = bytes.length, maxBytes = MAX) => checkUpload({ head: bytes.subarray(0, SNIFF_BYTES), size, maxBytes });

async function realPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595.28, 841.89]).drawText('scan');
  return doc.save();
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid 1×1 grey PNG. */
function realPng(): Uint8Array {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x80]))),
    pngChunk('IEND', new Uint8Array()),
  ]);
}

const jpegHead = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
const tiffLittle = Uint8Array.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
const tiffBig = Uint8Array.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00]);

describe('checkUpload', () => {
  it('reads at least the file-type sample size', () => {
    expect(SNIFF_BYTES).toBeGreaterThanOrEqual(4100);
  });

  it('accepts a real PDF made by pdf-lib', async () => {
    const pdf = await realPdf();
    expect(check(pdf)).toEqual({ ok: true, contentType: 'application/pdf', extension: 'pdf' });
  });

  it('accepts a PDF whose header follows a few junk bytes (within 1024)', async () => {
    const pdf = await realPdf();
    const junk = new Uint8Array(16).fill(0x20);
    expect(check(Uint8Array.from([...junk, ...pdf]))).toMatchObject({ ok: true, contentType: 'application/pdf' });
  });

  it('accepts PNG, JPEG and TIFF (both byte orders)', () => {
    expect(check(realPng())).toEqual({ ok: true, contentType: 'image/png', extension: 'png' });
    expect(check(jpegHead, 250_000)).toEqual({ ok: true, contentType: 'image/jpeg', extension: 'jpg' });
    expect(check(tiffLittle, 1_000_000)).toEqual({ ok: true, contentType: 'image/tiff', extension: 'tif' });
    expect(check(tiffBig, 1_000_000)).toEqual({ ok: true, contentType: 'image/tiff', extension: 'tif' });
  });

  it('rejects a text file that was merely named .pdf', () => {
    const text = new TextEncoder().encode('关于开展安全生产大检查的通知\n各科室：……\n');
    const v = check(text);
    expect(v).toMatchObject({ ok: false, code: 'unsupported-type' });
    if (!v.ok) {
      expect(v.reason).toBe('文件内容不是 PDF 或 JPEG/PNG/TIFF 图片（检测到：纯文本），请重新扫描后上传。');
    }
  });

  it('names common wrong uploads so the clerk knows what happened', () => {
    const reason = (bytes: Uint8Array): string => {
      const v = check(bytes, Math.max(bytes.length, 1));
      if (v.ok) throw new Error('accepted');
      expect(v.code).toBe('unsupported-type');
      return v.reason;
    };
    const zip = (name: string) => Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(26), ...Buffer.from(name, 'latin1')]);
    expect(reason(zip('word/document.xml'))).toContain('Word 文档');
    expect(reason(zip('OFD.xml'))).toContain('OFD 版式文件');
    expect(reason(Uint8Array.from([0, 0, 0, 0x18, ...Buffer.from('ftypheic', 'latin1'), 0, 0, 0, 0]))).toContain('HEIC');
    expect(reason(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toContain('GIF');
    expect(reason(Buffer.from('<!DOCTYPE html><html></html>'))).toContain('HTML');
    expect(reason(Uint8Array.from([0x00, 0x01, 0x02, 0x03, 0x00, 0x00]))).toContain('未知格式');
    // "%PDF" without the dash and version is not a PDF.
    expect(reason(Buffer.from('%PDX-1.7\n'))).toContain('检测到');
  });

  it('rejects an empty file', () => {
    expect(check(new Uint8Array(), 0)).toEqual({ ok: false, code: 'empty', reason: '文件为空（0 字节），请重新扫描。' });
  });

  it('rejects an oversize file before looking at its content, with sizes in MB', () => {
    const v = check(realPng(), Math.round(62.3 * 1024 * 1024));
    expect(v).toMatchObject({ ok: false, code: 'too-large' });
    if (!v.ok) expect(v.reason).toMatch(/^文件大小 62\.3 MB 超过上限 50 MB。/);
    expect(check(realPng(), MAX).ok).toBe(true); // exactly at the limit is fine
    const justOver = check(realPng(), MAX + 1);
    if (justOver.ok) throw new Error('accepted');
    expect(justOver.reason).toContain('52428801 字节 超过上限 52428800 字节');
  });

  it('rejects nonsense arguments', () => {
    expect(() => checkUpload({ head: new Uint8Array(), size: -1, maxBytes: MAX })).toThrow(RangeError);
    expect(() => checkUpload({ head: new Uint8Array(), size: 1, maxBytes: 0 })).toThrow(RangeError);
  });
});
