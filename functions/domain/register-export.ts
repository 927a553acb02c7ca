/**
 * Registers (登记簿) as an office prints and files them: the columns of each paper book, and the
 * files a clerk takes away — XLSX (exceljs), CSV (UTF-8 with BOM, RFC 4180) and an A4 landscape
 * PDF. Entries come in already redacted for the reader; nothing here knows AWS.
 */
import { localDate } from './calendar.js';
import { ROLE_NAMES, type Role } from './identity.js';
import { formatSlipTime } from './processing-slip.js';

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

// ---- XLSX and PDF --------------------------------------------------------------------------------

// exceljs, pdf-lib and the CJK font code load on the first export (register-files.ts), not with
// the registers API, which mostly lists pages.

/** A title row (the register and period), a frozen header row, one row per entry; prints A4 landscape. */
export async function renderXlsx(sheet: RegisterSheet): Promise<Uint8Array> {
  return (await import('./register-files.js')).renderXlsx(sheet);
}

/** A printable register: title, a table with the header repeated on every page, 第 n 页 共 m 页. */
export async function renderRegisterPdf(sheet: RegisterSheet, opts?: { fontPath?: string }): Promise<Uint8Array> {
  return (await import('./register-files.js')).renderRegisterPdf(sheet, opts);
}

export async function renderRegister(sheet: RegisterSheet, format: ExportFormat, opts?: { fontPath?: string }): Promise<Uint8Array> {
  if (format === 'csv') return renderCsv(sheet);
  if (format === 'xlsx') return renderXlsx(sheet);
  return renderRegisterPdf(sheet, opts);
}
