import chineseDays from 'chinese-days';
import { describe, expect, it } from 'vitest';
import { branchCalendar, computeDeadline, localDate, workingDaysBetween, type DeadlineOptions } from '../../functions/domain/calendar.js';

const national = branchCalendar({ extraHolidays: [], extraWorkdays: [] });
const opts = (calendar = national, timeZone = 'Asia/Shanghai', officeDayEnd = '17:30'): DeadlineOptions => ({ calendar, timeZone, officeDayEnd });
/** An instant given as Beijing wall-clock time. */
const bj = (local: string): Date => new Date(`${local}+08:00`);

describe('branchCalendar', () => {
  it('follows the 2026 National Day and Mid-Autumn arrangement from chinese-days', () => {
    for (const d of ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07', '2026-09-25']) expect(national.isWorkday(d), d).toBe(false);
    // Adjusted working days (调休上班): Sunday 20 September and Saturday 10 October.
    expect(national.isWorkday('2026-09-20')).toBe(true);
    expect(national.isWorkday('2026-10-10')).toBe(true);
    expect(national.isWorkday('2026-10-08')).toBe(true);
    expect(national.isWorkday('2026-10-11')).toBe(false); // ordinary Sunday
    expect(national.isWorkday('2026-10-12')).toBe(true); // ordinary Monday
  });

  it('agrees with chinese-days.isWorkday on every day of 2025 and 2026', () => {
    for (let t = Date.UTC(2025, 0, 1); t <= Date.UTC(2026, 11, 31); t += 86_400_000) {
      const d = new Date(t).toISOString().slice(0, 10);
      expect(national.isWorkday(d), d).toBe(chineseDays.isWorkday(d));
    }
  });

  it('derives lastKnownYear from the holiday data', () => {
    expect(national.lastKnownYear).toBeGreaterThanOrEqual(2026);
    expect(chineseDays.getHolidaysInRange(`${national.lastKnownYear}-01-01`, `${national.lastKnownYear}-12-31`, false).length).toBeGreaterThan(0);
    expect(chineseDays.getHolidaysInRange(`${national.lastKnownYear + 1}-01-01`, `${national.lastKnownYear + 1}-12-31`, false)).toEqual([]);
  });

  it('lets branch overrides win over the national data', () => {
    const cal = branchCalendar({ extraHolidays: ['2026-10-10', '2026-10-12'], extraWorkdays: ['2026-10-03', '2026-10-11'] });
    expect(cal.isWorkday('2026-10-10')).toBe(false); // national adjusted workday, branch day off
    expect(cal.isWorkday('2026-10-12')).toBe(false);
    expect(cal.isWorkday('2026-10-03')).toBe(true); // national holiday, branch duty day
    expect(cal.isWorkday('2026-10-11')).toBe(true); // Sunday shift
    expect(cal.isWorkday('2026-10-09')).toBe(true);
  });

  it('rejects malformed or contradictory overrides and malformed dates', () => {
    expect(() => branchCalendar({ extraHolidays: ['2026-1-5'], extraWorkdays: [] })).toThrow(RangeError);
    expect(() => branchCalendar({ extraHolidays: ['2026-02-30'], extraWorkdays: [] })).toThrow(/not a real calendar date/);
    expect(() => branchCalendar({ extraHolidays: ['2026-10-09'], extraWorkdays: ['2026-10-09'] })).toThrow(/both/);
    expect(() => national.isWorkday('2026-10-09T00:00:00Z')).toThrow(RangeError);
  });
});

describe('localDate', () => {
  it('uses the wall clock of the zone', () => {
    const instant = new Date('2026-09-30T16:30:00Z');
    expect(localDate(instant, 'Asia/Shanghai')).toBe('2026-10-01');
    expect(localDate(instant, 'UTC')).toBe('2026-09-30');
    expect(localDate(new Date('2026-01-01T00:30:00Z'), 'America/New_York')).toBe('2025-12-31');
  });
});

describe('computeDeadline', () => {
  it('counts 3 working days across National Day 2026, including the adjusted Saturday', () => {
    // 30 Sep (Wed) 10:00: 1–7 Oct off; 8 Oct = 1, 9 Oct = 2, Sat 10 Oct (调休上班) = 3.
    expect(computeDeadline(bj('2026-09-30T10:00:00'), { workingDays: 3 }, opts())).toEqual({
      dueAt: '2026-10-10T09:30:00.000Z',
      beyondKnownCalendar: false,
    });
    expect(computeDeadline(bj('2026-09-30T10:00:00'), { workingDays: 1 }, opts()).dueAt).toBe('2026-10-08T09:30:00.000Z');
    expect(computeDeadline(bj('2026-09-30T10:00:00'), { workingDays: 4 }, opts()).dueAt).toBe('2026-10-12T09:30:00.000Z');
  });

  it('counts the adjusted Sunday working day and skips the Mid-Autumn holiday', () => {
    expect(computeDeadline(bj('2026-09-19T10:00:00'), { workingDays: 1 }, opts()).dueAt).toBe('2026-09-20T09:30:00.000Z');
    // Thu 24 Sep: 25–27 Sep off, so the next working day is Mon 28 Sep.
    expect(computeDeadline(bj('2026-09-24T16:00:00'), { workingDays: 1 }, opts()).dueAt).toBe('2026-09-28T09:30:00.000Z');
  });

  it('never counts the start day, even when it is started early', () => {
    expect(computeDeadline(bj('2026-10-09T08:00:00'), { workingDays: 1 }, opts()).dueAt).toBe('2026-10-10T09:30:00.000Z');
    // 23:59 on 30 Sep Beijing time is still 30 Sep locally (15:59Z).
    expect(computeDeadline(bj('2026-09-30T23:59:00'), { workingDays: 1 }, opts()).dueAt).toBe('2026-10-08T09:30:00.000Z');
  });

  it('takes the local date of start in the branch time zone', () => {
    // 2026-09-30T17:00Z is 1 Oct 01:00 in Beijing: counting starts after 1 Oct, not 30 Sep.
    expect(computeDeadline(new Date('2026-09-30T17:00:00Z'), { workingDays: 1 }, opts()).dueAt).toBe('2026-10-08T09:30:00.000Z');
    expect(computeDeadline(new Date('2026-09-28T17:00:00Z'), { workingDays: 1 }, opts()).dueAt).toBe('2026-09-30T09:30:00.000Z');
  });

  it('workingDays 0 means today before office end, else the next working day', () => {
    expect(computeDeadline(bj('2026-10-09T10:00:00'), { workingDays: 0 }, opts()).dueAt).toBe('2026-10-09T09:30:00.000Z');
    expect(computeDeadline(bj('2026-10-09T17:30:00'), { workingDays: 0 }, opts()).dueAt).toBe('2026-10-10T09:30:00.000Z');
    expect(computeDeadline(bj('2026-10-03T10:00:00'), { workingDays: 0 }, opts()).dueAt).toBe('2026-10-08T09:30:00.000Z');
  });

  it('applies branch overrides', () => {
    const cal = branchCalendar({ extraHolidays: ['2026-10-08'], extraWorkdays: [] });
    expect(computeDeadline(bj('2026-09-30T10:00:00'), { workingDays: 3 }, opts(cal)).dueAt).toBe('2026-10-12T09:30:00.000Z');
    const duty = branchCalendar({ extraHolidays: [], extraWorkdays: ['2026-10-07'] });
    expect(computeDeadline(bj('2026-09-30T10:00:00'), { workingDays: 1 }, opts(duty)).dueAt).toBe('2026-10-07T09:30:00.000Z');
  });

  it('uses officeDayEnd and the zone offset, including across a DST change', () => {
    expect(computeDeadline(bj('2026-09-30T10:00:00'), { workingDays: 1 }, opts(national, 'Asia/Shanghai', '18:00')).dueAt).toBe('2026-10-08T10:00:00.000Z');
    // New York: Fri 6 Mar 2026 (EST) → Mon 9 Mar 17:30 EDT (DST began 8 Mar) = 21:30Z.
    expect(computeDeadline(new Date('2026-03-06T15:00:00Z'), { workingDays: 1 }, opts(national, 'America/New_York')).dueAt).toBe('2026-03-09T21:30:00.000Z');
  });

  it('flags deadlines that count days past the known calendar data', () => {
    const last = national.lastKnownYear;
    const d = computeDeadline(bj(`${last}-12-28T10:00:00`), { workingDays: 5 }, opts());
    expect(d.beyondKnownCalendar).toBe(true);
    expect(d.dueAt.startsWith(`${last + 1}-`)).toBe(true);
    expect(computeDeadline(bj(`${last}-12-01T10:00:00`), { workingDays: 3 }, opts()).beyondKnownCalendar).toBe(false);
  });

  it('2027 dates are beyond the known calendar (the pinned chinese-days data ends with 2026)', () => {
    // Thu 31 Dec 2026 = 1, Fri 1 Jan 2027 (no data yet: a plain weekday) = 2, Mon 4 Jan 2027 = 3.
    expect(computeDeadline(bj('2026-12-30T10:00:00'), { workingDays: 3 }, opts())).toEqual({
      dueAt: '2027-01-04T09:30:00.000Z',
      beyondKnownCalendar: true,
    });
    expect(computeDeadline(bj('2026-12-30T10:00:00'), { workingDays: 1 }, opts()).beyondKnownCalendar).toBe(false);
  });

  it('minutes rule adds minutes regardless of the calendar', () => {
    expect(computeDeadline(new Date('2026-10-01T02:00:00Z'), { minutes: 10 }, opts())).toEqual({
      dueAt: '2026-10-01T02:10:00.000Z',
      beyondKnownCalendar: false,
    });
    expect(computeDeadline(new Date('2026-10-01T02:00:00Z'), { minutes: 120 }, opts()).dueAt).toBe('2026-10-01T04:00:00.000Z');
  });

  it('rejects bad rules and options', () => {
    const start = bj('2026-09-30T10:00:00');
    expect(() => computeDeadline(start, { workingDays: -1 }, opts())).toThrow(RangeError);
    expect(() => computeDeadline(start, { workingDays: 1.5 }, opts())).toThrow(RangeError);
    expect(() => computeDeadline(start, { minutes: Number.NaN }, opts())).toThrow(RangeError);
    expect(() => computeDeadline(start, { workingDays: 1 }, opts(national, 'Asia/Shanghai', '5:30pm'))).toThrow(/officeDayEnd/);
    expect(() => computeDeadline(start, { workingDays: 1 }, opts(national, 'Mars/Olympus'))).toThrow(RangeError);
    expect(() => computeDeadline(new Date('nope'), { workingDays: 1 }, opts())).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts working days after from up to and including to', () => {
    const due = new Date('2026-10-08T09:30:00.000Z');
    expect(workingDaysBetween(due, bj('2026-10-08T20:00:00'), opts())).toBe(0);
    expect(workingDaysBetween(due, bj('2026-10-09T09:00:00'), opts())).toBe(1);
    expect(workingDaysBetween(due, bj('2026-10-10T09:00:00'), opts())).toBe(2); // adjusted Saturday counts
    expect(workingDaysBetween(due, bj('2026-10-11T09:00:00'), opts())).toBe(2); // Sunday does not
    expect(workingDaysBetween(due, bj('2026-10-12T09:00:00'), opts())).toBe(3);
  });

  it('skips holidays and is 0 when to <= from', () => {
    expect(workingDaysBetween(bj('2026-09-30T17:30:00'), bj('2026-10-07T12:00:00'), opts())).toBe(0);
    expect(workingDaysBetween(bj('2026-09-30T17:30:00'), bj('2026-10-08T12:00:00'), opts())).toBe(1);
    expect(workingDaysBetween(bj('2026-10-12T09:00:00'), bj('2026-10-08T09:00:00'), opts())).toBe(0);
    expect(workingDaysBetween(bj('2026-10-12T09:00:00'), bj('2026-10-12T09:00:00'), opts())).toBe(0);
  });

  it('honours branch overrides', () => {
    const cal = branchCalendar({ extraHolidays: ['2026-10-09'], extraWorkdays: ['2026-10-11'] });
    expect(workingDaysBetween(bj('2026-10-08T17:30:00'), bj('2026-10-12T09:00:00'), opts(cal))).toBe(3); // 10, 11, 12
  });
});

describe('half a working day (registration of incoming documents)', () => {
  const due = (iso: string) => computeDeadline(new Date(iso), { halfWorkingDay: true }, opts()).dueAt;
  it('a morning arrival is due at the end of that working day', () => {
    expect(due('2026-11-25T01:00:00Z')).toBe('2026-11-25T09:30:00.000Z'); // Wed 09:00 → Wed 17:30
  });
  it('an afternoon arrival is due at noon of the next working day', () => {
    expect(due('2026-11-25T06:00:00Z')).toBe('2026-11-26T04:00:00.000Z'); // Wed 14:00 → Thu 12:00
  });
  it('a weekend or holiday arrival is due at noon of the next working day', () => {
    expect(due('2026-11-28T01:00:00Z')).toBe('2026-11-30T04:00:00.000Z'); // Sat 09:00 → Mon 12:00
    expect(due('2026-10-01T01:00:00Z')).toBe('2026-10-08T04:00:00.000Z'); // National Day (Oct 1–7) → Thu Oct 8, 12:00
  });
});
