import { describe, expect, it } from 'vitest';
import { attachmentExtensionOf, checkAttachment, type AttachmentExtension } from '../../functions/domain/upload-check.js';
import { realDocx, realJpeg, realPdf, realPng, realTiff, realXlsx, zipOf } from '../fixtures/scans.js';

const MAX = 1024 * 1024;
const check = (bytes: Uint8Array, fileName: string, maxBytes = MAX) => checkAttachment({ bytes, maxBytes, fileName, expected: attachmentExtensionOf(fileName)! });
const reason = async (bytes: Uint8Array, fileName: string, code: string) => {
  const v = await check(bytes, fileName);
  if (v.ok) throw new Error(`accepted ${fileName}`);
  expect(v.code).toBe(code);
  expect(v.reason).toContain(fileName);
  return v.reason;
};

describe('checkAttachment', () => {
  it('knows the accepted types by suffix, case aside', () => {
    expect(['a.PDF', 'b.jpeg', 'c.JPG', 'd.tiff', 'e.docx', 'f.xlsx', 'g.txt', 'h.png'].map(attachmentExtensionOf)).toEqual(['pdf', 'jpg', 'jpg', 'tif', 'docx', 'xlsx', 'txt', 'png'] satisfies AttachmentExtension[]);
    expect(['a.doc', 'b.exe', 'c', 'd.html', 'e.pdf.exe'].map(attachmentExtensionOf)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('accepts whole files of every type, with the type it verified', async () => {
    const files: [Uint8Array, string, string][] = [
      [await realPdf('x'), '报价单.pdf', 'application/pdf'],
      [realJpeg(), '现场.jpg', 'image/jpeg'],
      [realPng(), '图.png', 'image/png'],
      [realTiff(), '图.tif', 'image/tiff'],
      [realDocx(), '方案.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      [realXlsx(), '预算.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      [Buffer.from('会议纪要\n一、……\n', 'utf8'), '纪要.txt', 'text/plain; charset=utf-8'],
    ];
    for (const [bytes, name, contentType] of files) expect(await check(bytes, name), name).toMatchObject({ ok: true, contentType });
  });

  it('refuses a truncated PDF naming the file, in words a clerk can act on', async () => {
    const pdf = await realPdf('x');
    const r = await reason(pdf.subarray(0, pdf.length - 40), '报价单.pdf', 'corrupt');
    expect(r).toMatch(/^附件 报价单\.pdf 不是完整的 PDF 文件：.*截断/);
  });

  it('refuses a cut-off or foreign zip as Word/Excel, and a docx without its main part', async () => {
    const docx = realDocx();
    expect(await reason(docx.subarray(0, docx.length - 30), '方案.docx', 'corrupt')).toContain('ZIP 目录');
    expect(await reason(zipOf({ '[Content_Types].xml': '<Types/>', 'xl/workbook.xml': '<workbook/>' }), '方案.docx', 'corrupt')).toContain('word/document.xml');
    expect(await reason(zipOf({ 'a.txt': 'x' }), '预算.xlsx', 'corrupt')).toContain('[Content_Types].xml');
    expect(await reason(Buffer.from('<html><body>x</body></html>'), '预算.xlsx', 'unsupported-type')).toContain('HTML 网页');
  });

  it('refuses content that is another type than the name says, binary text and non-UTF-8 text', async () => {
    expect(await reason(realPng(), '报价单.pdf', 'unsupported-type')).toContain('PNG');
    expect(await reason(Uint8Array.from([0, 1, 2, 3, 0, 0]), '纪要.txt', 'unsupported-type')).toContain('纪要.txt');
    expect(await reason(Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0x0a]), '纪要.txt', 'unsupported-type')).toContain('UTF-8');
  });

  it('refuses empty and oversized files', async () => {
    expect(await reason(new Uint8Array(), '空.pdf', 'empty')).toContain('0 字节');
    expect(await reason(new Uint8Array(MAX + 1), '大.pdf', 'too-large')).toContain('超过上限');
  });
});
