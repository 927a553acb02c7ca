/**
 * Register exports as plain code: CSV quoting and the formula guard, the columns of each register
 * (and of one added later without its own), and a long register printed over several pages.
 */
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { columnsOf, csvField, registerSheet, renderCsv, renderRegisterPdf } from '../../functions/domain/register-export.js';

const TZ = 'Asia/Shanghai';

describe('CSV', () => {
  it('quotes per RFC 4180 only what needs it', () => {
    expect(csvField('关于值班安排的通知')).toBe('关于值班安排的通知');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('他说"好"')).toBe('"他说""好"""');
    expect(csvField('两行\r\n文字')).toBe('"两行\r\n文字"');
  });

  it('never lets a spreadsheet run a field as a formula', () => {
    expect(csvField('=HYPERLINK("http://x","点我")')).toBe(`"'=HYPERLINK(""http://x"",""点我"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('starts with a BOM and ends lines with CRLF', () => {
    const sheet = registerSheet({ register: 'incoming', name: '收文登记簿', year: 2026, month: 11, branchName: '总部', timeZone: TZ, entries: [{ number: '收〔2026〕1号', receivedAt: '2026-10-31T17:00:00Z', title: 'x' }] });
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(renderCsv(sheet));
    expect(text.startsWith('\uFEFF收文编号,收文日期,')).toBe(true);
    // 17:00 UTC on 31 October is 1 November in Beijing.
    expect(text.split('\r\n')[1]).toBe('收〔2026〕1号,2026-11-01,,,x,,1,,,,');
    expect(text.endsWith('\r\n')).toBe(true);
  });
});

describe('columns', () => {
  it('the 收文登记簿 has the paper book columns', () => {
    expect(columnsOf('incoming').map((c) => c.header)).toEqual(['收文编号', '收文日期', '来文单位', '来文字号', '标题', '密级', '份数', '紧急程度', '承办科室', '办理结果', '归档号']);
  });

  it('a register without its own columns still exports, and names like __proto__ are not columns', () => {
    expect(columnsOf('returned').map((c) => c.header)).toEqual(['序号', '编号', '日期', '标题', '密级']);
    expect(columnsOf('__proto__').map((c) => c.header)).toEqual(['序号', '编号', '日期', '标题', '密级']);
  });
});

describe('PDF', () => {
  it('prints 300 entries over several A4 landscape pages', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({ number: `收〔2026〕${i + 1}号`, receivedAt: '2026-11-03T02:00:00Z', title: `关于第${i + 1}项工作的通知`, secrecy: '非密', urgency: '平件', result: '已办结'.repeat(i % 7) }));
    const sheet = registerSheet({ register: 'incoming', name: '收文登记簿', year: 2026, month: 11, branchName: '总部', timeZone: TZ, entries });
    const pdf = await PDFDocument.load(await renderRegisterPdf(sheet));
    expect(pdf.getTitle()).toBe('收文登记簿 2026年11月');
    expect(pdf.getPageCount()).toBeGreaterThan(5);
    for (const page of pdf.getPages()) expect(page.getWidth()).toBeGreaterThan(page.getHeight());
  }, 60_000);
});
