/**
 * Registers as an office uses them, against the real local services: scans registered in two
 * months (pinned handler clock) are listed and exported per month; the 收文登记簿's 承办科室,
 * 办理结果 and 归档号 fill in as a document goes through 拟办, 阅办 and 归档; the XLSX, CSV and
 * PDF files are opened and their rows checked; classified entries are redacted in exports as in
 * lists; malformed export requests are refused in Chinese.
 */
import ExcelJS from 'exceljs';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../functions/domain/calendar.js';
import { LOCAL_USERS } from '../../infra/local/users.js';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let filedDocId: string;

async function download(user: string, path: string): Promise<{ status: number; type: string; disposition: string; bytes: Buffer }> {
  const token = await h.local.identity.issue(LOCAL_USERS.find((u) => u.username === user)!);
  const res = await fetch(`${h.local.endpoints.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
}

/** RFC 4180 parsing, enough to read back what the export wrote (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

async function xlsxRows(bytes: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  const rows: string[][] = [];
  ws.eachRow({ includeEmpty: false }, (r) => rows.push((r.values as unknown[]).slice(1).map((v) => (v === undefined || v === null ? '' : String(v)))));
  return rows;
}

/** 收文日期 of entry `serial` as the export prints it: the day the scan reached the bucket (S3's time, not the pinned one). */
const received = new Map<number, string>();

const HEADER = ['收文编号', '收文日期', '来文单位', '来文字号', '标题', '密级', '份数', '紧急程度', '承办科室', '办理结果', '归档号'];

beforeAll(async () => {
  h = await startHarness({ watchInbox: false });
  // Two scans in October, two in November (Beijing time), one of them 绝密 (王芳 is cleared to 机密, 郑丽 to 绝密).
  process.env.CHANCERY_FIXED_TIME = '2026-10-20T02:00:00Z';
  await h.upload('关于十月安全检查的通知.pdf', await makePdf('oct-1'), { sender: encodeURIComponent('市应急管理局'), 'source-number': encodeURIComponent('应急发〔2026〕9号') });
  await h.local.settle();
  await h.upload('关于"十月"值班, 安排的通知.pdf', await makePdf('oct-2'));
  await h.local.settle();
  process.env.CHANCERY_FIXED_TIME = '2026-11-03T02:00:00Z';
  await h.upload('关于十一月人事调整的通知.pdf', await makePdf('nov-1'), { secrecy: encodeURIComponent('绝密'), sender: encodeURIComponent('市委组织部') });
  await h.local.settle();
  await h.upload('关于十一月财务检查的通知.pdf', await makePdf('nov-2'), { sender: encodeURIComponent('市财政局') });
  await h.local.settle();
  for (const e of (await h.api('zhengli', 'GET', '/registers/incoming?year=2026')).body.items) received.set(e.serial, localDate(new Date(e.receivedAt), 'Asia/Shanghai'));
}, 120_000);
afterAll(async () => {
  delete process.env.CHANCERY_FIXED_TIME;
  await h?.close();
});

describe('a month of a register', () => {
  it('lists each month only, paged by key', async () => {
    const oct = await h.api('wangfang', 'GET', '/registers/incoming?year=2026&month=10');
    expect(oct.status).toBe(200);
    expect(oct.body).toMatchObject({ register: 'incoming', year: 2026, month: 10 });
    expect(oct.body.items.map((e: any) => e.serial)).toEqual([1, 2]);
    const first = await h.api('wangfang', 'GET', '/registers/incoming?year=2026&month=11&limit=1');
    expect(first.body.items.map((e: any) => e.serial)).toEqual([3]);
    const second = await h.api('wangfang', 'GET', `/registers/incoming?year=2026&month=11&limit=1&cursor=${first.body.cursor}`);
    expect(second.body.items.map((e: any) => e.serial)).toEqual([4]);
    expect((await h.api('wangfang', 'GET', '/registers/incoming?year=2026&month=9')).body.items).toEqual([]);
    // Serial numbers stay per year: the whole year has all four, in order.
    expect((await h.api('wangfang', 'GET', '/registers/incoming?year=2026')).body.items.map((e: any) => e.serial)).toEqual([1, 2, 3, 4]);
    // No index keys leak into an entry.
    expect(Object.keys(oct.body.items[0])).not.toContain('mpk');
  });

  it('refuses a cursor of another month or of the year list', async () => {
    const nov = await h.api('wangfang', 'GET', '/registers/incoming?year=2026&month=11&limit=1');
    const other = await h.api('wangfang', 'GET', `/registers/incoming?year=2026&month=10&cursor=${nov.body.cursor}`);
    expect(other.status).toBe(400);
    expect(other.body.message).toContain('cursor');
    const year = await h.api('wangfang', 'GET', '/registers/incoming?year=2026&limit=1');
    expect((await h.api('wangfang', 'GET', `/registers/incoming?year=2026&month=10&cursor=${year.body.cursor}`)).status).toBe(400);
  });
});

describe('the 收文登记簿 fills in as a document moves', () => {
  it('records 承办科室 at 拟办, 办理结果 at 阅办 and 归档号 when filed', async () => {
    process.env.CHANCERY_FIXED_TIME = '2026-11-04T02:00:00Z';
    const entryOf = async () => (await h.api('wangfang', 'GET', '/registers/incoming?year=2026&month=11')).body.items.find((e: any) => e.serial === 4);
    filedDocId = (await entryOf()).docId;
    await decideNext(h, 'liqiang', filedDocId, { opinion: '请生产技术科办理', department: 'SCJSK' });
    expect(await entryOf()).toMatchObject({ department: '生产技术科' });
    expect((await entryOf()).result).toBeUndefined();
    await decideNext(h, 'zhaomin', filedDocId, { opinion: '同意' });
    await decideNext(h, 'sunwei', filedDocId, { opinion: '请抓紧办理' });
    await decideNext(h, 'zhoujie', filedDocId, { opinion: '已完成检查，整改两项' });
    expect(await entryOf()).toMatchObject({ department: '生产技术科', result: '已完成检查，整改两项' });
    await decideNext(h, 'wangfang', filedDocId, { opinion: '已立卷', retention: 'D30' });
    const doc = await h.api('wangfang', 'GET', `/documents/${filedDocId}`);
    expect(doc.body.document?.archive?.archiveCode ?? doc.body.archive?.archiveCode).toMatch(/^Z001-WS·2026-D30-SCJSK-\d{4}$/);
    expect((await entryOf()).archiveCode).toMatch(/^Z001-WS·2026-D30-SCJSK-\d{4}$/);
    // The archive catalogue has the filing in its month too.
    const catalogue = await h.api('wangfang', 'GET', '/registers/archive?year=2026&month=11');
    expect(catalogue.body.items.map((e: any) => e.docId)).toEqual([filedDocId]);
  });
});

describe('exports', () => {
  it('XLSX: a title row, the paper book header, one row per entry of the month', async () => {
    const file = await download('zhengli', '/registers/incoming/export?year=2026&month=11&format=xlsx');
    expect(file.status).toBe(200);
    expect(file.type).toContain('spreadsheetml');
    expect(decodeURIComponent(file.disposition.split("UTF-8''")[1])).toBe('收文登记簿-2026年11月.xlsx');
    const rows = await xlsxRows(file.bytes);
    expect(rows[0][0]).toBe('收文登记簿 2026年11月');
    expect(rows[1]).toEqual(HEADER);
    expect(rows).toHaveLength(4);
    expect(rows[2]).toEqual(['收〔2026〕3号', received.get(3), '市委组织部', '', '关于十一月人事调整的通知', '绝密', '1', '平件', '', '', '']);
    expect(rows[3].slice(0, 10)).toEqual(['收〔2026〕4号', received.get(4), '市财政局', '', '关于十一月财务检查的通知', '非密', '1', '平件', '生产技术科', '已完成检查，整改两项']);
    expect(rows[3][10]).toMatch(/^Z001-WS·2026-D30-SCJSK-\d{4}$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.bytes as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ws.getColumn(5).width).toBe(40);
  });

  it('CSV: UTF-8 with BOM, RFC 4180 quoting, the month only', async () => {
    const file = await download('wangfang', '/registers/incoming/export?year=2026&month=10&format=csv');
    expect(file.status).toBe(200);
    expect(file.type).toBe('text/csv; charset=utf-8');
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(file.bytes.subarray(3).toString('utf8'));
    expect(rows[0]).toEqual(HEADER);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['收〔2026〕1号', '收〔2026〕2号']);
    expect(rows[1]).toEqual(['收〔2026〕1号', received.get(1), '市应急管理局', '应急发〔2026〕9号', '关于十月安全检查的通知', '非密', '1', '平件', '', '', '']);
    // A title with a quote and a comma comes back whole.
    expect(rows[2][4]).toBe('关于"十月"值班, 安排的通知');
    expect(file.bytes.toString('utf8')).toContain('"关于""十月""值班, 安排的通知"');
  });

  it('redacts classified entries for readers not cleared, exactly as the list does', async () => {
    const list = await h.api('wangfang', 'GET', '/registers/incoming?year=2026&month=11');
    expect(list.body.items[0]).toMatchObject({ title: '密件', redacted: true });
    expect(list.body.items[0].sender).toBeUndefined();
    const file = await download('wangfang', '/registers/incoming/export?year=2026&month=11&format=csv');
    const text = file.bytes.toString('utf8');
    expect(text).not.toContain('人事调整');
    expect(text).not.toContain('市委组织部');
    const rows = parseCsv(file.bytes.subarray(3).toString('utf8'));
    expect(rows[1]).toEqual(['收〔2026〕3号', received.get(3), '', '', '密件', '绝密', '', '平件', '', '', '']);
    const xlsx = await xlsxRows((await download('wangfang', '/registers/incoming/export?year=2026&month=11&format=xlsx')).bytes);
    expect(xlsx[2][4]).toBe('密件');
    expect(JSON.stringify(xlsx)).not.toContain('人事调整');
  });

  it('PDF: A4 landscape pages that parse, titled with the register and period', async () => {
    const file = await download('wangfang', '/registers/incoming/export?year=2026&format=pdf');
    expect(file.status).toBe(200);
    expect(file.type).toBe('application/pdf');
    const pdf = await PDFDocument.load(file.bytes);
    expect(pdf.getTitle()).toBe('收文登记簿 2026年');
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1);
    const { width, height } = pdf.getPage(0).getSize();
    expect(Math.round(width)).toBe(842);
    expect(Math.round(height)).toBe(595);
    const month = await PDFDocument.load((await download('wangfang', '/registers/incoming/export?year=2026&month=11&format=pdf')).bytes);
    expect(month.getTitle()).toBe('收文登记簿 2026年11月');
  });

  it('answers a presigned link to the file when asked (as it does when a file is too large to answer)', async () => {
    const res = await h.api('wangfang', 'GET', '/registers/incoming/export?year=2026&month=10&format=csv&delivery=link');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ fileName: '收文登记簿-2026年10月.csv', rows: 2 });
    const file = await fetch(res.body.url);
    expect(file.status).toBe(200);
    const rows = parseCsv(Buffer.from(await file.arrayBuffer()).subarray(3).toString('utf8'));
    expect(rows.slice(1).map((r) => r[0])).toEqual(['收〔2026〕1号', '收〔2026〕2号']);
  });

  it('exports the other registers with their own columns', async () => {
    const rows = await xlsxRows((await download('wangfang', '/registers/archive/export?year=2026&format=xlsx')).bytes);
    expect(rows[0][0]).toBe('归档目录 2026年');
    expect(rows[1]).toEqual(['序号', '档号', '收文编号', '标题', '密级', '保管期限', '机构代码', '归档日期']);
    expect(rows[2].slice(2, 5)).toEqual(['收〔2026〕4号', '关于十一月财务检查的通知', '非密']);
    const chasing = await xlsxRows((await download('wangfang', '/registers/chasing/export?year=2026&format=xlsx')).bytes);
    expect(chasing[1][1]).toBe('催办时间');
  });

  it('only office roles and leaders may export', async () => {
    const res = await h.api('liuyang', 'GET', '/registers/incoming/export?year=2026&format=csv');
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('登记簿');
  });

  it.each([
    ['format=doc', 'format'],
    ['format=XLSX', 'format'],
    ['month=13', 'month'],
    ['month=0', 'month'],
    ['month=1e1', 'month'],
    ['year=abc', 'year'],
    ['delivery=email', 'delivery'],
  ])('refuses ?%s in Chinese', async (query, field) => {
    const res = await h.api('wangfang', 'GET', `/registers/incoming/export?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
    expect(res.body.message).toMatch(/[\u4e00-\u9fff]/);
  });
});
