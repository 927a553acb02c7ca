/**
 * Registers (登记簿) as an office prints and files them: the columns of each paper book, and the
 * files a clerk takes away — XLSX (exceljs), CSV (UTF-8 with BOM, RFC 4180) and an A4 landscape
 * PDF. Entries come in already redacted for the reader; nothing here knows AWS.
 */
import ExcelJS from 'exceljs';
import { PDFDocument, rgb, type PDFPage } from 'pdf-lib';
import { localDate } from './calendar.js';
import { ROLE_NAMES, type Role } from './identity.js';
import { formatSlipTime } from './processing-slip.js';
import { embedCjkFont, stampPageNumbers, TextFitter } from './slip-pdf.js';

export type Entry = Record<string, unknown>;

export interface Column {
  header: string;
  /** Width in characters (XLSX); the PDF shares the page out in the same proportions. */
  width: number;
  /** A day (YYYY-MM-DD in the branch's time zone), which the console writes as 2026年11月24日. */
  kind?: 'date';
  value(entry: Entry, timeZone: string): string;
}

const text = (field: string) => (e: Entry) => (e[field] === undefined || e[field] === null ? '' : String(e[field]));
const day = (field: string) => (e: Entry, tz: string) => {
  const t = new Date(String(e[field] ?? ''));
  return Number.isNaN(t.getTime()) ? '' : localDate(t, tz);
};
const list = (field: string) => (e: Entry) => (Array.isArray(e[field]) ? (e[field] as unknown[]).map(String).join('、') : text(field)(e));
const time = (field: string) => (e: Entry) => (typeof e[field] === 'string' ? formatSlipTime(e[field]) : '');

function assigneeText(e: Entry): string {
  const a = e.assignment as { role?: Role; username?: string; department?: string } | undefined;
  if (!a) return '';
  return [a.department, a.role ? ROLE_NAMES[a.role] : '', a.username ? `（${a.username}）` : ''].join('');
}

/** The columns of each register, as the paper book has them. */
export const REGISTER_COLUMNS: Record<string, Column[]> = {
  // 收文登记簿
  incoming: [
    { header: '收文编号', width: 14, value: text('number') },
    { header: '收文日期', width: 12, kind: 'date', value: day('receivedAt') },
    { header: '来文单位', width: 18, value: text('sender') },
    { header: '来文字号', width: 18, value: text('sourceNumber') },
    { header: '标题', width: 40, value: text('title') },
    { header: '密级', width: 6, value: text('secrecy') },
    // 份数 is 1 until the clerk completes the registration; a redacted entry shows nothing it does not carry.
    { header: '份数', width: 6, value: (e) => (e.copies !== undefined ? String(e.copies) : e.redacted ? '' : '1') },
    { header: '紧急程度', width: 8, value: text('urgency') },
    { header: '承办科室', width: 12, value: text('department') },
    // A document sent back to its sender (退文) has that as its result, with the reason.
    { header: '办理结果', width: 30, value: (e) => text('result')(e) || (e.returnedAt ? `退文：${text('returnReason')(e)}` : '') },
    { header: '归档号', width: 26, value: text('archiveCode') },
  ],
  // 催办记录
  chasing: [
    { header: '序号', width: 6, value: text('serial') },
    { header: '催办时间', width: 18, value: time('chasedAt') },
    { header: '类别', width: 10, value: text('kind') },
    { header: '收文编号', width: 14, value: text('registerNumber') },
    { header: '标题', width: 40, value: text('title') },
    { header: '密级', width: 6, value: text('secrecy') },
    { header: '办理环节', width: 10, value: text('stepName') },
    { header: '应办理人', width: 18, value: assigneeText },
    { header: '办理期限', width: 18, value: time('dueAt') },
    { header: '升级至', width: 12, value: text('escalatedToName') },
  ],
  // 归档目录
  archive: [
    { header: '序号', width: 6, value: text('serial') },
    { header: '档号', width: 28, value: text('archiveCode') },
    { header: '收文编号', width: 14, value: text('registerNumber') },
    { header: '标题', width: 40, value: text('title') },
    { header: '密级', width: 6, value: text('secrecy') },
    { header: '保管期限', width: 8, value: text('retention') },
    { header: '机构代码', width: 10, value: text('orgCode') },
    { header: '归档日期', width: 12, kind: 'date', value: day('filedAt') },
  ],
  // 发文登记簿 (one per 代字): a voided number stays, its 备注 says who voided it and why.
  outgoing: [
    { header: '发文字号', width: 18, value: text('number') },
    { header: '标题', width: 40, value: text('title') },
    { header: '文种', width: 8, value: text('docType') },
    { header: '密级', width: 6, value: text('secrecy') },
    { header: '签发人', width: 10, value: text('signerName') },
    { header: '签发日期', width: 12, kind: 'date', value: day('signedAt') },
    { header: '用印时间', width: 18, value: time('sealedAt') },
    { header: '份数', width: 6, value: text('copies') },
    { header: '主送', width: 24, value: list('mainRecipients') },
    { header: '抄送', width: 24, value: list('copyRecipients') },
    { header: '备注', width: 24, value: (e) => (e.voidedAt ? `作废：${text('voidReason')(e)}（${text('voidedByName')(e)}，${formatSlipTime(String(e.voidedAt))}）` : '') },
  ],
  // 用印登记簿 (seed 000 §(五)2: 日期、内容、印别、份数、批准人、经办人)
  seal: [
    { header: '序号', width: 6, value: text('serial') },
    { header: '用印日期', width: 12, kind: 'date', value: day('sealedAt') },
    { header: '用印内容', width: 40, value: (e) => [text('number')(e), text('content')(e)].filter(Boolean).join(' ') },
    { header: '印别', width: 10, value: text('sealName') },
    { header: '份数', width: 6, value: text('copies') },
    { header: '批准人', width: 10, value: text('approverName') },
    { header: '经办人', width: 10, value: text('applicantName') },
    { header: '监印人', width: 10, value: text('keeperName') },
  ],
};

/** A register added later without its own columns still exports: number, date, title, level. */
const GENERIC_COLUMNS: Column[] = [
  { header: '序号', width: 6, value: text('serial') },
  { header: '编号', width: 16, value: (e) => text('number')(e) || text('registerNumber')(e) },
  { header: '日期', width: 12, kind: 'date', value: (e, tz) => day('registeredAt')(e, tz) || day('createdAt')(e, tz) || day('chasedAt')(e, tz) || day('filedAt')(e, tz) },
  { header: '标题', width: 40, value: text('title') },
  { header: '密级', width: 6, value: text('secrecy') },
];

/** A series of the incoming register (incoming-<id>) has the incoming register's columns; each 代字's 发文登记簿 (outgoing-<id>) the outgoing one's. */
export const columnsOf = (register: string): Column[] =>
  Object.hasOwn(REGISTER_COLUMNS, register)
    ? REGISTER_COLUMNS[register]
    : register.startsWith('incoming-')
      ? REGISTER_COLUMNS.incoming
      : register.startsWith('outgoing-')
        ? REGISTER_COLUMNS.outgoing
        : GENERIC_COLUMNS;

export interface RegisterSheet {
  /** 收文登记簿 … */
  name: string;
  year: number;
  month?: number;
  /** What the entries were filtered by, in words (生产技术科·已办结), when they were. */
  scope?: string;
  branchName: string;
  columns: Column[];
  rows: string[][];
}

/** 收文登记簿 2026年11月, or 收文登记簿 2026年 for a whole year; a filtered one adds （生产技术科·已办结）. */
export const periodTitle = (name: string, year: number, month?: number, scope?: string) => `${name} ${year}年${month === undefined ? '' : `${month}月`}${scope ? `（${scope}）` : ''}`;

export function registerSheet(p: { register: string; name: string; year: number; month?: number; scope?: string; branchName: string; timeZone: string; entries: Entry[] }): RegisterSheet {
  const columns = columnsOf(p.register);
  return {
    name: p.name,
    year: p.year,
    ...(p.month === undefined ? {} : { month: p.month }),
    ...(p.scope ? { scope: p.scope } : {}),
    branchName: p.branchName,
    columns,
    rows: p.entries.map((e) => columns.map((c) => c.value(e, p.timeZone))),
  };
}

export type ExportFormat = 'xlsx' | 'csv' | 'pdf';
export const EXPORT_FORMATS: Record<ExportFormat, { contentType: string }> = {
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  csv: { contentType: 'text/csv; charset=utf-8' },
  pdf: { contentType: 'application/pdf' },
};

/** 收文登记簿-2026年11月.xlsx */
export const exportFileName = (sheet: RegisterSheet, format: ExportFormat) => `${periodTitle(sheet.name, sheet.year, sheet.month, sheet.scope).replace(' ', '-')}.${format}`;

// ---- CSV ------------------------------------------------------------------------------------------

/**
 * RFC 4180: a field with a comma, quote or line break is quoted and its quotes doubled. A field
 * that a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading apostrophe:
 * titles and senders come from scanners and uploads.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** UTF-8 with a BOM (so Excel in China opens it as UTF-8, not GBK), CRLF line ends, a header row. */
export function renderCsv(sheet: RegisterSheet): Uint8Array {
  const lines = [sheet.columns.map((c) => c.header), ...sheet.rows].map((row) => row.map(csvField).join(','));
  return new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`);
}

// ---- XLSX -----------------------------------------------------------------------------------------

/** A title row (the register and period), a frozen header row, one row per entry; prints A4 landscape. */
export async function renderXlsx(sheet: RegisterSheet): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Chancery';
  workbook.title = periodTitle(sheet.name, sheet.year, sheet.month, sheet.scope);
  const ws = workbook.addWorksheet(sheet.name, {
    views: [{ state: 'frozen', ySplit: 2 }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '2:2' },
  });
  ws.columns = sheet.columns.map((c) => ({ width: c.width }));
  const title = ws.addRow([periodTitle(sheet.name, sheet.year, sheet.month, sheet.scope)]);
  ws.mergeCells(1, 1, 1, sheet.columns.length);
  title.font = { bold: true, size: 16 };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  title.height = 28;
  const header = ws.addRow(sheet.columns.map((c) => c.header));
  header.font = { bold: true };
  header.alignment = { horizontal: 'center', vertical: 'middle' };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEDEDED' } };
    cell.border = { top: { style: 'thin' }, bottom: { style: 'thin' }, left: { style: 'thin' }, right: { style: 'thin' } };
  });
  for (const row of sheet.rows) {
    // Strings as written: a 来文字号 such as 3号 or a date must not turn into a number.
    const added = ws.addRow(row);
    added.alignment = { vertical: 'top', wrapText: true };
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

// ---- PDF ------------------------------------------------------------------------------------------

// A4 landscape, in points.
const PAGE_W = 841.89;
const PAGE_H = 595.28;
const MARGIN_X = 36;
const MARGIN_TOP = 40;
const MARGIN_BOTTOM = 44;
const FONT_SIZE = 8.5;
const LINE_H = 12;
const PAD = 4;
const BLACK = rgb(0, 0, 0);
const GREY = rgb(0.35, 0.35, 0.35);
const HEADER_FILL = rgb(0.93, 0.93, 0.93);

/** A printable register: title, a table with the header repeated on every page, 第 n 页 共 m 页. */
export async function renderRegisterPdf(sheet: RegisterSheet, opts?: { fontPath?: string }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fitter = new TextFitter(await embedCjkFont(doc, opts?.fontPath));
  const title = periodTitle(sheet.name, sheet.year, sheet.month, sheet.scope);
  doc.setTitle(title);
  doc.setAuthor(sheet.branchName);
  doc.setCreator('Chancery');
  doc.setProducer('Chancery');
  doc.setLanguage('zh-CN');

  const contentW = PAGE_W - 2 * MARGIN_X;
  const totalWidth = sheet.columns.reduce((sum, c) => sum + c.width, 0);
  const widths = sheet.columns.map((c) => (c.width / totalWidth) * contentW);
  const pages: PDFPage[] = [];
  let page!: PDFPage;
  let y = 0;
  // A cell taller than a page would never fit: cut it to what a page holds.
  const maxLines = Math.floor((PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 80) / LINE_H);

  const cellLines = (value: string, width: number) => {
    const lines = fitter.wrap(value, FONT_SIZE, width - 2 * PAD);
    return lines.length <= maxLines ? lines : [...lines.slice(0, maxLines - 1), '……'];
  };
  const drawRow = (cells: string[][], fill?: typeof HEADER_FILL) => {
    const h = Math.max(1, ...cells.map((c) => c.length)) * LINE_H + 2 * PAD;
    let x = MARGIN_X;
    cells.forEach((lines, i) => {
      page.drawRectangle({ x, y: y - h, width: widths[i], height: h, borderColor: BLACK, borderWidth: 0.5, ...(fill ? { color: fill } : {}) });
      lines.forEach((line, j) => {
        if (line) page.drawText(line, { x: x + PAD, y: y - PAD - (j + 1) * LINE_H + 3, size: FONT_SIZE, font: fitter.font, color: BLACK });
      });
      x += widths[i];
    });
    y -= h;
  };
  const header = sheet.columns.map((c, i) => cellLines(c.header, widths[i]));
  const newPage = () => {
    page = doc.addPage([PAGE_W, PAGE_H]);
    pages.push(page);
    y = PAGE_H - MARGIN_TOP;
    if (pages.length === 1) {
      const ts = 18;
      page.drawText(title, { x: (PAGE_W - fitter.width(title, ts)) / 2, y: y - ts, size: ts, font: fitter.font, color: BLACK });
      y -= ts + 8;
      if (sheet.branchName) {
        page.drawText(sheet.branchName, { x: MARGIN_X, y: y - 10, size: 9, font: fitter.font, color: GREY });
      }
      const count = `共 ${sheet.rows.length} 条`;
      page.drawText(count, { x: PAGE_W - MARGIN_X - fitter.width(count, 9), y: y - 10, size: 9, font: fitter.font, color: GREY });
      y -= 18;
    } else {
      const cont = `${title}（续）`;
      page.drawText(cont, { x: MARGIN_X, y: y - 10, size: 9, font: fitter.font, color: GREY });
      y -= 18;
    }
    drawRow(header, HEADER_FILL);
  };

  newPage();
  for (const row of sheet.rows) {
    const cells = row.map((value, i) => cellLines(value, widths[i]));
    const h = Math.max(1, ...cells.map((c) => c.length)) * LINE_H + 2 * PAD;
    if (y - h < MARGIN_BOTTOM) newPage();
    drawRow(cells);
  }
  if (sheet.rows.length === 0) {
    page.drawText('（本期无登记）', { x: MARGIN_X + PAD, y: y - 16, size: 10, font: fitter.font, color: GREY });
  }
  stampPageNumbers(pages, fitter, MARGIN_BOTTOM - 26);
  return doc.save();
}

export async function renderRegister(sheet: RegisterSheet, format: ExportFormat, opts?: { fontPath?: string }): Promise<Uint8Array> {
  if (format === 'csv') return renderCsv(sheet);
  if (format === 'xlsx') return renderXlsx(sheet);
  return renderRegisterPdf(sheet, opts);
}
