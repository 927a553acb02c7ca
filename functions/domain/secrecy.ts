/**
 * 密级 (secrecy levels): reading a level from what a clerk or scanner wrote, and what a person not
 * cleared for an entry may see of it in a list.
 *
 * English names follow the official English of the PRC Law on Guarding State Secrets
 * (保守国家秘密法): 绝密 top secret, 机密 secret, 秘密 confidential.
 */
import { SECRECY_LEVELS, mayRead, type Actor, type Secrecy } from './identity.js';

/** Lower-case, without spaces, hyphens, underscores or dots: "Top_Secret" and "TOP-SECRET" read alike. */
const squash = (value: string) => value.normalize('NFKC').trim().toLowerCase().replace(/[\s\-_.·]+/g, '');

const NAMES: Record<string, Secrecy> = {
  非密: '非密',
  none: '非密',
  unclassified: '非密',
  feimi: '非密',
  秘密: '秘密',
  confidential: '秘密',
  mimi: '秘密',
  机密: '机密',
  secret: '机密',
  jimi: '机密',
  绝密: '绝密',
  topsecret: '绝密',
  juemi: '绝密',
};

export type SecrecyResult = { ok: true; secrecy: Secrecy } | { ok: false; reason: string };

/** Absent or blank means 非密; an unknown value is refused, never guessed (a typo must not declassify). */
export function parseSecrecy(value: string | undefined): SecrecyResult {
  if (value === undefined || value.trim() === '') return { ok: true, secrecy: '非密' };
  const secrecy = NAMES[squash(value)];
  if (secrecy) return { ok: true, secrecy };
  return {
    ok: false,
    reason: `密级“${value.trim().slice(0, 40)}”无法识别，应为 非密、秘密、机密、绝密 之一（或英文 none/unclassified、confidential、secret、top secret，不区分大小写）；请核对后重新上传`,
  };
}

export const isSecrecy = (value: unknown): value is Secrecy => (SECRECY_LEVELS as readonly unknown[]).includes(value);

/** What anyone may see of an entry they are not cleared for: numbers, dates, status, the level. */
const OPEN_FIELDS = new Set([
  'register',
  'year',
  'serial',
  'number',
  'registerNumber',
  'archiveCode',
  'docId',
  'taskId',
  'route',
  'secrecy',
  'urgency',
  'status',
  'kind',
  'step',
  'stepName',
  'ask',
  'assignment',
  'assignee',
  'uncleared',
  'requiredClearance',
  'escalatedTo',
  'escalatedToName',
  'overdue',
  'chaseCount',
  'beyondKnownCalendar',
  'retention',
  'receivedAt',
  'registeredAt',
  'createdAt',
  'dueAt',
  'chasedAt',
  'overdueAt',
  'escalatedAt',
  'decidedAt',
  'filedAt',
]);

/** The title shown instead of a classified entry's own. */
export const REDACTED_TITLE = '密件';

/**
 * An entry (register entry, task) as `actor` may see it in a list. Not cleared: only the open
 * fields above (an allow-list, so a field added later stays hidden until someone decides), with
 * 密件 as the title. An entry without a valid level is treated as 绝密: unknown is not public.
 */
export function redactFor<T extends Record<string, unknown>>(actor: Actor, entry: T): T | (Partial<T> & { title: string; redacted: true }) {
  const secrecy: Secrecy = isSecrecy(entry.secrecy) ? entry.secrecy : '绝密';
  if (mayRead(actor, secrecy)) return entry;
  const open = Object.fromEntries(Object.entries(entry).filter(([k]) => OPEN_FIELDS.has(k))) as Partial<T>;
  return { ...open, title: REDACTED_TITLE, redacted: true };
}
