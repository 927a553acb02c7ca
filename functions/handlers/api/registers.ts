/**
 * API: registers (登记簿) and rejected uploads.
 *   GET /registers/{register}   ?year=2026&limit=50&cursor=…&order=desc  (incoming | chasing | archive)
 *   GET /rejected-uploads       ?year=2026  uploads set aside with their reason (newest first)
 */
import { localDate } from '../../domain/calendar.js';
import type { Actor } from '../../domain/identity.js';
import { redactFor } from '../../domain/secrecy.js';
import { now as clock } from '../../adapters/clock.js';
import { env } from '../../adapters/env.js';
import { listRegister, listRejectedUploads, REGISTERS, type RegisterId } from '../../adapters/registers.js';
import { apiHandler, HttpError, pageLimit } from './http.js';

const REGISTER_READERS = new Set(['clerk', 'confidential-clerk', 'office-director', 'secretary', 'main-leader', 'deputy-leader', 'archivist', 'admin']);

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

export const handler = apiHandler({
  'GET /registers/{register}': async ({ actor, params, query }) => {
    requireOffice(actor);
    const register = params.register as RegisterId;
    // Own keys only: `in` also finds __proto__, constructor, toString …
    if (!Object.hasOwn(REGISTERS, register)) {
      throw new HttpError(404, `没有这个登记簿，可选：${Object.entries(REGISTERS).map(([id, name]) => `${id}（${name}）`).join('、')}`);
    }
    if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') throw new HttpError(400, '排序（order）应为 asc（正序）或 desc（倒序）');
    const year = yearOf(query);
    const page = await listRegister(register, year, { cursor: query.cursor, limit: pageLimit(query), newestFirst: query.order === 'desc' });
    // Classified entries show their number and 密级 only, unless the reader is cleared for them.
    return { register, name: REGISTERS[register], year, ...page, items: page.items.map((entry) => redactFor(actor, entry)) };
  },
  'GET /rejected-uploads': async ({ actor, query }) => {
    requireOffice(actor);
    const year = yearOf(query);
    return { year, ...(await listRejectedUploads(year, { cursor: query.cursor, limit: pageLimit(query) })) };
  },
});
