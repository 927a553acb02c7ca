/**
 * Working days on a branch calendar: the national calendar from `chinese-days` (statutory holidays
 * and adjusted working days, 调休) plus the branch's own overrides, and deadlines counted on it.
 *
 * Dates are local calendar dates written YYYY-MM-DD; instants are `Date`s. Local dates are derived
 * with Intl in the branch's IANA time zone (no tz library).
 */
import chineseDaysData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

export interface CalendarOverrides {
  extraHolidays: string[];
  extraWorkdays: string[];
} // YYYY-MM-DD

export interface WorkCalendar {
  isWorkday(date: string): boolean;
  /** last year chinese-days has official data for (derived from the data: the last year with any holiday) */
  lastKnownYear: number;
}

/**
 * workingDays: the end of the office day that many working days on (0: today's, or the next
 * working day's when today is over or not a working day); minutes: a fixed time on;
 * halfWorkingDay: by the end of the working day for what arrives in the morning, by noon of the
 * next working day for what arrives later (register incoming documents within half a working day).
 */
export type DeadlineRule = { workingDays: number } | { minutes: number } | { halfWorkingDay: true };

/** Where a working day splits for half-day deadlines. */
export const MIDDAY = '12:00';

export interface DeadlineOptions {
  calendar: WorkCalendar;
  timeZone: string /* IANA, e.g. Asia/Shanghai */;
  officeDayEnd: string /* HH:MM */;
}

export interface Deadline {
  dueAt: string /* ISO-8601 UTC */;
  beyondKnownCalendar: boolean /* true when any day counted lies after lastKnownYear: the caller warns */;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 86_400_000;
/** Guard against a calendar that never yields a working day (e.g. a broken custom WorkCalendar). */
const MAX_SCAN_DAYS = 366 * 20;

interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}
const national = chineseDaysData as ChineseDaysData;

/** The last year for which the State Council's notice is in the data: the last year with any holiday. */
const NATIONAL_LAST_KNOWN_YEAR = Object.keys(national.holidays).reduce((max, d) => Math.max(max, Number(d.slice(0, 4))), 0);

function assertDate(date: string, what: string): void {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`${what} must be a date written YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).toISOString().slice(0, 10) !== date) throw new RangeError(`${what} is not a real calendar date: ${date}`);
}

/** Day of week of a YYYY-MM-DD date (0 = Sunday). */
function dayOfWeek(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/**
 * The branch's working calendar. Precedence: branch extra workdays / extra holidays, then the
 * national adjusted working days (调休上班) and holidays, then Monday–Friday. Throws a RangeError
 * when an override is malformed or listed both as a holiday and as a workday.
 */
export function branchCalendar(overrides: CalendarOverrides): WorkCalendar {
  const extraHolidays = new Set<string>();
  const extraWorkdays = new Set<string>();
  for (const d of overrides.extraHolidays) {
    assertDate(d, 'calendar.extraHolidays entry');
    extraHolidays.add(d);
  }
  for (const d of overrides.extraWorkdays) {
    assertDate(d, 'calendar.extraWorkdays entry');
    if (extraHolidays.has(d)) throw new RangeError(`calendar override ${d} is listed both in extraHolidays and extraWorkdays`);
    extraWorkdays.add(d);
  }
  return {
    lastKnownYear: NATIONAL_LAST_KNOWN_YEAR,
    isWorkday(date: string): boolean {
      assertDate(date, 'isWorkday date');
      if (extraWorkdays.has(date)) return true;
      if (extraHolidays.has(date)) return false;
      if (Object.hasOwn(national.workdays, date)) return true;
      if (Object.hasOwn(national.holidays, date)) return false;
      const dow = dayOfWeek(date);
      return dow !== 0 && dow !== 6;
    },
  };
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    dateFormatters.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: Date, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid Date');
  const parts = partsFormatter(timeZone).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}

/** YYYY-MM-DD of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${String(w.y).padStart(4, '0')}-${String(w.mo).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** Offset of `timeZone` from UTC at `utcMs`, in ms (local = utc + offset). */
function zoneOffset(utcMs: number, timeZone: string): number {
  const w = wallClock(new Date(utcMs), timeZone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The instant at which the wall clock in `timeZone` reads `date` `time` (HH:MM). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset across a DST change (a non-existent wall time moves forward).
  let utc = wall - zoneOffset(wall, timeZone);
  utc = wall - zoneOffset(utc, timeZone);
  return new Date(utc);
}

function checkOptions(opts: DeadlineOptions): void {
  if (!TIME_RE.test(opts.officeDayEnd)) throw new RangeError(`officeDayEnd must be HH:MM (24-hour), got ${JSON.stringify(opts.officeDayEnd)}`);
  partsFormatter(opts.timeZone);
}

/** The first working day after the date `after` (YYYY-MM-DD). */
export function nextWorkday(after: string, calendar: WorkCalendar): string {
  let d = after;
  for (let i = 0; i < MAX_SCAN_DAYS; i++) {
    d = addDays(d, 1);
    if (calendar.isWorkday(d)) return d;
  }
  throw new RangeError(`no working day within ${MAX_SCAN_DAYS} days after ${after}: check the calendar`);
}

/**
 * N working days: due at officeDayEnd (local time) on the Nth working day AFTER the local date of
 * `start` (the start day itself never counts). minutes: start + minutes (calendar-free, so
 * beyondKnownCalendar is false). workingDays 0 means the end of the office day of start if start is
 * a working day and before officeDayEnd, else the end of the next working day.
 */
export function computeDeadline(start: Date, rule: DeadlineRule, opts: DeadlineOptions): Deadline {
  if (Number.isNaN(start.getTime())) throw new RangeError('computeDeadline: start is an invalid Date');
  checkOptions(opts);
  if ('minutes' in rule) {
    if (!Number.isFinite(rule.minutes) || rule.minutes < 0) throw new RangeError(`deadline minutes must be a non-negative number, got ${rule.minutes}`);
    return { dueAt: new Date(start.getTime() + rule.minutes * 60_000).toISOString(), beyondKnownCalendar: false };
  }
  if ('halfWorkingDay' in rule) {
    checkOptions(opts);
    const { calendar, timeZone, officeDayEnd } = opts;
    const day = localDate(start, timeZone);
    const morning = calendar.isWorkday(day) && start.getTime() < zonedInstant(day, MIDDAY, timeZone).getTime();
    const due = morning ? zonedInstant(day, officeDayEnd, timeZone) : zonedInstant(nextWorkday(day, calendar), MIDDAY, timeZone);
    return { dueAt: due.toISOString(), beyondKnownCalendar: yearOf(localDate(due, timeZone)) > calendar.lastKnownYear };
  }
  const n = rule.workingDays;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`deadline workingDays must be a non-negative integer, got ${n}`);
  const { calendar, timeZone, officeDayEnd } = opts;
  const startDay = localDate(start, timeZone);
  let due: string;
  if (n === 0) {
    const endToday = zonedInstant(startDay, officeDayEnd, timeZone);
    due = calendar.isWorkday(startDay) && start.getTime() < endToday.getTime() ? startDay : nextWorkday(startDay, calendar);
  } else {
    due = startDay;
    for (let i = 0; i < n; i++) due = nextWorkday(due, calendar);
  }
  return {
    dueAt: zonedInstant(due, officeDayEnd, timeZone).toISOString(),
    // Days are counted in order, so a day past the known data was counted iff the due day is past it.
    beyondKnownCalendar: yearOf(due) > calendar.lastKnownYear,
  };
}

/**
 * Whole working days elapsed after `from` up to `to` (local dates, `from`'s day not counted, `to`'s
 * day counted when it is a working day); 0 when to <= from. Used to escalate "N working days past due".
 */
export function workingDaysBetween(from: Date, to: Date, opts: DeadlineOptions): number {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new RangeError('workingDaysBetween: invalid Date');
  checkOptions(opts);
  if (to.getTime() <= from.getTime()) return 0;
  const last = localDate(to, opts.timeZone);
  let d = localDate(from, opts.timeZone);
  let count = 0;
  while (d < last) {
    d = addDays(d, 1);
    if (opts.calendar.isWorkday(d)) count++;
  }
  return count;
}

/** An instant as a clerk reads it in the branch's zone: 2026-11-24 18:19. */
export function formatTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('zh-CN', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
