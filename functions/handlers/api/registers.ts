/**
 * API: registers (登记簿) and rejected uploads.
 *   GET /registers                     the branch's registers, what each is filtered by, the departments
 *   GET /registers/{register}          (incoming, incoming-<series>, outgoing-<代字 id>, seal, …) ?year=2026[&month=11][&status=open][&department=SCJSK]&limit=50&cursor=…&order=desc
 *   GET /registers/{register}/export   ?year=2026[&month=11][&status=…][&department=…]&format=xlsx|csv|pdf[&delivery=link]
 *   GET /rejected-uploads              ?year=2026  uploads set aside with their reason (newest first)
 */
import { randomUUID } from 'node:crypto';
import { localDate } from '../../domain/calendar.js';
import type { Actor } from '../../domain/identity.js';
import { redactFor } from '../../domain/secrecy.js';
import { columnsOf, EXPORT_FORMATS, exportFileName, registerSheet, renderRegister, type ExportFormat } from '../../domain/register-export.js';
import { parseRegisterFilter, REGISTER_STATUSES, registerFilters, statusOf } from '../../domain/register-filters.js';
import { EXPORTS_PREFIX } from '../../../infra/manifest.js';
import { now as clock } from '../../adapters/clock.js';
import { env } from '../../adapters/env.js';
import { listRegister, listRejectedUploads, listWholeRegister, REGISTERS, type RegisterId } from '../../adapters/registers.js';
import { putDownload } from '../../adapters/storage.js';
import { listRegistrationDesk } from './registration.js';
import { incomingRegisterName } from '../../domain/incoming-series.js';
import { outgoingRegister, outgoingRegisterName } from '../../domain/outgoing-numbering.js';
import { apiHandler, FileAnswer, HttpError, pageLimit } from './http.js';

/**
 * Larger files go to S3 behind a link: a Lambda answer is at most 6 MB, and base64 makes 4 MB of
 * file 5.3 MB. A year of a busy branch's register as PDF can pass that.
 */
const INLINE_MAX_BYTES = 4 * 1024 * 1024;
const LINK_SECONDS = 300;

// The seal-keeper (监印人) keeps the 用印登记簿 and reads the others like the office.
const REGISTER_READERS = new Set(['clerk', 'confidential-clerk', 'office-director', 'secretary', 'main-leader', 'deputy-leader', 'archivist', 'seal-keeper', 'admin']);

function requireOffice(actor: Actor) {
  if (!actor.roles.some((r) => REGISTER_READERS.has(r))) throw new HttpError(403, '登记簿仅供办公室人员和领导查阅');
}

function yearOf(query: Record<string, string>): number {
  if (query.year === undefined) return Number(localDate(clock(), env.branchConfig.timeZone).slice(0, 4));
  // Digits only: Number() would also take "2e3", " 2026" or "0x7EA".
  const year = /^\d{4}$/.test(query.year) ? Number(query.year) : NaN;
  if (!(year >= 1900 && year <= 2999)) throw new HttpError(400, '年份（year）无效，应为四位数字，如 2026');
  return year;
}

function monthOf(query: Record<string, string>): number | undefined {
  if (query.month === undefined) return undefined;
  const month = /^\d{1,2}$/.test(query.month) ? Number(query.month) : NaN;
  if (!(month >= 1 && month <= 12)) throw new HttpError(400, '月份（month）无效，应为 1 到 12 的整数，如 11');
  return month;
}

/** A register of the branch: the fixed ones and its incoming series (incoming-<id>), with its printed name. */
function registerOf(params: Record<string, string>): { register: string; name: string } {
  const register = params.register;
  // Own keys only: `in` also finds __proto__, constructor, toString …
  if (Object.hasOwn(REGISTERS, register)) return { register, name: REGISTERS[register as RegisterId] };
  const series = incomingRegisterName(env.branchConfig, register) ?? outgoingRegisterName(env.branchConfig, register);
  if (series) return { register, name: series };
  const known = [...Object.entries(REGISTERS), ...env.branchConfig.incomingSeries.map((s) => [`incoming-${s.id}`, s.name]), ...env.branchConfig.issuingCodes.map((c) => [outgoingRegister(c), `发文登记簿（${c.code}）`])];
  throw new HttpError(404, `没有这个登记簿，可选：${known.map(([id, name]) => `${id}（${name}）`).join('、')}`);
}

/** The status and department filter asked for, checked against the register (400 for a value it has not). */
function filterOf(register: string, query: Record<string, string>) {
  const parsed = parseRegisterFilter(register, query, env.branchConfig);
  if (!parsed.ok) throw new HttpError(400, parsed.reason);
  return parsed.filter;
}

/**
 * The entries as `actor` may see them, each with its status (an open field). A reader not cleared
 * for an entry cannot find it by its department, a field they may not see.
 */
function shownTo(actor: Actor, register: string, entries: Record<string, unknown>[], query: Record<string, string>) {
  return entries
    .map((entry) => {
      const status = statusOf(register, entry);
      return redactFor(actor, status ? { ...entry, status } : entry);
    })
    .filter((entry) => !(query.department !== undefined && 'redacted' in entry));
}

function formatOf(query: Record<string, string>): ExportFormat {
  const format = query.format ?? 'xlsx';
  if (!Object.hasOwn(EXPORT_FORMATS, format)) throw new HttpError(400, '导出格式（format）应为 xlsx（Excel 表格）、csv 或 pdf（打印）');
  return format as ExportFormat;
}

export const handler = apiHandler({
  'GET /registration-desk': listRegistrationDesk,
  'GET /registers': async ({ actor }) => {
    requireOffice(actor);
    const config = env.branchConfig;
    const ids = [...Object.keys(REGISTERS), ...config.incomingSeries.map((s) => `incoming-${s.id}`), ...config.issuingCodes.map(outgoingRegister)];
    return {
      items: ids.map((id) => ({ id, name: registerOf({ register: id }).name, ...registerFilters(id) })),
      statuses: Object.entries(REGISTER_STATUSES).map(([id, name]) => ({ id, name })),
      departments: config.departments,
    };
  },
  'GET /registers/{register}': async ({ actor, params, query }) => {
    requireOffice(actor);
    const { register, name } = registerOf(params);
    if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') throw new HttpError(400, '排序（order）应为 asc（正序）或 desc（倒序）');
    const year = yearOf(query);
    const month = monthOf(query);
    const filter = filterOf(register, query);
    const page = await listRegister(register, year, { cursor: query.cursor, limit: pageLimit(query), newestFirst: query.order === 'desc', month, filter });
    // Classified entries show their number and 密级 only, unless the reader is cleared for them.
    const items = shownTo(actor, register, page.items, query);
    // Each entry's cells as the export prints them, under the export's headers: the console lays out the paper book from these.
    const { rows } = registerSheet({ register, name, year, branchName: '', timeZone: env.branchConfig.timeZone, entries: items });
    const columns = columnsOf(register).map(({ header, kind }) => ({ header, ...(kind ? { kind } : {}) }));
    return { register, name, year, ...(month ? { month } : {}), ...page, columns, items: items.map((entry, i) => ({ ...entry, cells: rows[i] })) };
  },
  // The whole year or month as a file: the same readers and the same redaction as the list.
  'GET /registers/{register}/export': async ({ actor, params, query }) => {
    requireOffice(actor);
    const { register, name } = registerOf(params);
    const year = yearOf(query);
    const month = monthOf(query);
    const format = formatOf(query);
    const filter = filterOf(register, query);
    if (query.delivery !== undefined && query.delivery !== 'inline' && query.delivery !== 'link') {
      throw new HttpError(400, '交付方式（delivery）应为 inline（直接返回文件）或 link（返回下载链接）');
    }
    const config = env.branchConfig;
    const entries = shownTo(actor, register, await listWholeRegister(register, year, month, filter), query);
    const sheet = registerSheet({ register, name, year, month, scope: filter?.scope, branchName: config.displayName, timeZone: config.timeZone, entries });
    const file = await renderRegister(sheet, format);
    const fileName = exportFileName(sheet, format);
    const { contentType } = EXPORT_FORMATS[format];
    if (query.delivery !== 'link' && file.byteLength <= INLINE_MAX_BYTES) return new FileAnswer(file, contentType, fileName);
    const url = await putDownload(env.inboxBucket, `${EXPORTS_PREFIX}${randomUUID()}.${format}`, file, contentType, fileName, LINK_SECONDS);
    // The link is signed on the real clock, whatever time the handlers are pinned to.
    return { fileName, contentType, bytes: file.byteLength, rows: sheet.rows.length, url, expiresAt: new Date(Date.now() + LINK_SECONDS * 1000).toISOString() };
  },
  'GET /rejected-uploads': async ({ actor, query }) => {
    requireOffice(actor);
    const year = yearOf(query);
    return { year, ...(await listRejectedUploads(year, { cursor: query.cursor, limit: pageLimit(query) })) };
  },
});
