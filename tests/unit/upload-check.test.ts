import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { checkScan, type UploadVerdict } from '../../functions/domain/upload-check.js';
import { pdfOfSize, realJpeg, realPdf, realPng, realTiff } from '../fixtures/scans.js';

const MAX = 50 * 1024 * 1024;
const check = (bytes: Uint8Array, maxBytes = MAX) => checkScan({ bytes, maxBytes });

function rejected(v: UploadVerdict, code: string): string {
  if (v.ok) throw new Error(`accepted: ${JSON.stringify(v)}`);
  expect(v.code).toBe(code);
  return v.reason;
}

describe('checkScan: what it accepts', () => {
  it('accepts a real PDF and counts its pages', async () => {
    expect(await check(await realPdf('scan', 3))).toEqual({ ok: true, contentType: 'application/pdf', extension: 'pdf', pages: 3 });
  });

  it('accepts minimal real PNG, JPEG and TIFF (both byte orders) with their sizes', async () => {
    expect(await check(realPng(3, 2))).toEqual({ ok: true, contentType: 'image/png', extension: 'png', width: 3, height: 2 });
    expect(await check(realJpeg())).toEqual({ ok: true, contentType: 'image/jpeg', extension: 'jpg', width: 8, height: 8 });
    expect(await check(realTiff(5, 4, true))).toEqual({ ok: true, contentType: 'image/tiff', extension: 'tif', width: 5, height: 4 });
    expect(await check(realTiff(5, 4, false))).toMatchObject({ ok: true, width: 5, height: 4 });
  });

  it('accepts a JPEG a scanner padded with zeros after its end marker', async () => {
    expect(await check(Uint8Array.from([...realJpeg(), 0, 0, 0, 0]))).toMatchObject({ ok: true, width: 8 });
  });

  it('accepts an encrypted PDF whose structure and pages parse, and says it is encrypted', async () => {
    // An /Encrypt entry in the trailer, as a password-protected PDF has; the page tree stays readable.
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]);
    const encrypt = doc.context.obj({ Filter: 'Standard', V: 1, R: 2, O: doc.context.obj([]), U: doc.context.obj([]), P: -4 });
    doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
    const bytes = await doc.save({ useObjectStreams: false });
    expect(await check(bytes)).toEqual({ ok: true, contentType: 'application/pdf', extension: 'pdf', pages: 1, encrypted: true });
  });
});

describe('checkScan: truncated and damaged files', () => {
  it('rejects a real PDF cut at 300 bytes, 1000 bytes, half its size and 10 bytes short', async () => {
    const pdf = await realPdf('a longer page so that 1000 bytes is well inside the file', 10);
    expect(pdf.length).toBeGreaterThan(2000);
    for (const n of [300, 1000, Math.floor(pdf.length / 2), pdf.length - 10]) {
      const reason = rejected(await check(pdf.subarray(0, n)), 'corrupt');
      expect(reason).toMatch(/^PDF 文件不完整或已损坏（.+），请重新扫描后上传。$/);
    }
  });

  it('rejects a half-written file (5,000 of 10,423 bytes) even though its first bytes look right', async () => {
    const pdf = await pdfOfSize(10_423);
    expect(pdf.length).toBe(10_423);
    expect((await check(pdf)).ok).toBe(true);
    rejected(await check(pdf.subarray(0, 5000)), 'corrupt');
  });

  it('rejects a PDF with no pages', async () => {
    const reason = rejected(await check(await realPdf('none', 0)), 'no-pages');
    expect(reason).toBe('PDF 文件中没有任何页面，请重新扫描后上传。');
  });

  it('rejects a PDF whose page tree points at a missing object', async () => {
    const pdf = Buffer.from(await PDFDocument.create().then(async (d) => (d.addPage(), d.save({ useObjectStreams: false }))));
    // Rename the page object so the tree's reference dangles; the file still ends properly.
    const text = pdf.toString('latin1').replace('/Type /Page\n', '/Type /Pagx\n');
    rejected(await check(Buffer.from(text, 'latin1')), 'corrupt');
  });

  it('rejects truncated JPEG, PNG and TIFF', async () => {
    const jpeg = realJpeg();
    for (const n of [4, 30, 100, jpeg.length - 1]) expect(rejected(await check(jpeg.subarray(0, n)), 'corrupt')).toMatch(/^JPEG 文件不完整或已损坏（/);
    const png = realPng(40, 40);
    for (const n of [20, 40, png.length - 12, png.length - 1]) expect(rejected(await check(png.subarray(0, n)), 'corrupt')).toMatch(/^PNG 文件不完整或已损坏（/);
    const tiff = realTiff(10, 10);
    for (const n of [6, 20, tiff.length - 1]) expect(rejected(await check(tiff.subarray(0, n)), 'corrupt')).toMatch(/^TIFF 文件不完整或已损坏（/);
  });

  it('rejects a PNG whose chunk checksum is wrong, a JPEG without a frame header, a TIFF without a size', async () => {
    const png = realPng();
    png[png.length - 20] ^= 0xff; // inside IDAT
    expect(rejected(await check(png), 'corrupt')).toContain('校验和错误');
    const noFrame = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0x3f, 0xff, 0xd9]);
    expect(rejected(await check(noFrame), 'corrupt')).toContain('SOF');
    expect(rejected(await check(Uint8Array.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0])), 'corrupt')).toContain('IFD');
  });
});

describe('checkScan: nothing HTML passes', () => {
  it('rejects an HTML page that hides "%PDF-1.4" in a comment, and says it is a web page', async () => {
    const html = Buffer.from('<html><!-- %PDF-1.4 --><body><script>fetch("/registers/incoming")</script></body></html>\n%%EOF\n');
    expect(rejected(await check(html), 'unsupported-type')).toContain('HTML 网页');
    const padded = Buffer.concat([Buffer.from('\n\n<script>alert(1)</script>\n'), Buffer.from(await realPdf())]);
    expect(rejected(await check(padded), 'unsupported-type')).toContain('HTML 网页');
  });

  it('rejects a real PDF preceded by anything, since a browser could sniff what comes first', async () => {
    const padded = Uint8Array.from([...new Uint8Array(16).fill(0x20), ...(await realPdf())]);
    expect(rejected(await check(padded), 'unsupported-type')).toContain('PDF 文件头之前有多余内容');
  });
});

describe('checkScan: other wrong uploads and limits', () => {
  it('rejects a text file that was merely named .pdf', async () => {
    const text = new TextEncoder().encode('关于开展安全生产大检查的通知\n各科室：……\n');
    expect(rejected(await check(text), 'unsupported-type')).toBe('文件内容不是 PDF 或 JPEG/PNG/TIFF 图片（检测到：纯文本），请重新扫描后上传。');
  });

  it('names common wrong uploads so the clerk knows what happened', async () => {
    const reason = async (bytes: Uint8Array) => rejected(await check(bytes), 'unsupported-type');
    const zip = (name: string) => Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(26), ...Buffer.from(name, 'latin1')]);
    expect(await reason(zip('word/document.xml'))).toContain('Word 文档');
    expect(await reason(zip('OFD.xml'))).toContain('OFD 版式文件');
    expect(await reason(Uint8Array.from([0, 0, 0, 0x18, ...Buffer.from('ftypheic', 'latin1'), 0, 0, 0, 0]))).toContain('HEIC');
    expect(await reason(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toContain('GIF');
    expect(await reason(Buffer.from('<!DOCTYPE html><html></html>'))).toContain('HTML');
    expect(await reason(Uint8Array.from([0x00, 0x01, 0x02, 0x03, 0x00, 0x00]))).toContain('未知格式');
    expect(await reason(Buffer.from('%PDX-1.7\n'))).toContain('检测到');
  });

  it('rejects an empty file', async () => {
    expect(await check(new Uint8Array())).toEqual({ ok: false, code: 'empty', reason: '文件为空（0 字节），请重新扫描。' });
  });

  it('rejects an oversize file before looking at its content, with sizes in bytes when MB would hide the difference', async () => {
    const png = realPng();
    expect((await check(png, png.length)).ok).toBe(true); // exactly at the limit is fine
    expect(rejected(await check(png, png.length - 1), 'too-large')).toContain(`${png.length} 字节 超过上限 ${png.length - 1} 字节`);
    const big = new Uint8Array(Math.round(2.5 * 1024 * 1024));
    expect(rejected(await check(big, 2 * 1024 * 1024), 'too-large')).toMatch(/^文件大小 2\.5 MB 超过上限 2 MB。/);
  });

  it('rejects nonsense arguments', async () => {
    await expect(checkScan({ bytes: new Uint8Array(1), maxBytes: 0 })).rejects.toThrow(RangeError);
  });
});
