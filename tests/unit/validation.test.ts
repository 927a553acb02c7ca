/**
 * The checks that keep malformed input out, as plain functions: token claims, calendar dates and
 * the handling-date range, page cursors.
 */
import { describe, expect, it } from 'vitest';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { BadCursorError, decodeCursor, decodeMergedCursor, encodeCursor } from '../../functions/adapters/dynamo.js';
import { checkClaims, ClaimsError } from '../../functions/domain/identity.js';
import { isCalendarDate, parseDecision } from '../../functions/domain/route-platform.js';
import { STEPS } from '../../functions/routes/superior-key.js';

const config = loadBranchConfig('hq');
const NOW = 1_800_000_000;
const idToken = (extra: Record<string, unknown>) => ({ 'cognito:username': 'wangfang', token_use: 'id', iat: NOW - 10, exp: NOW + 3600, ...extra });

describe('checkClaims', () => {
  it('takes an ID token, with claims as numbers or as the strings API Gateway passes', () => {
    expect(() => checkClaims(idToken({}), NOW)).not.toThrow();
    expect(() => checkClaims(idToken({ iat: String(NOW - 10), exp: String(NOW + 3600) }), NOW)).not.toThrow();
    expect(() => checkClaims(idToken({ iat: NOW - 100, exp: NOW - 100 + 24 * 3600 }), NOW)).not.toThrow();
    expect(() => checkClaims(idToken({ iat: NOW + 240 }), NOW)).not.toThrow();
  });

  it.each([
    ['no exp', { exp: undefined }, /有效期/],
    ['an exp that is no number', { exp: 'soon' }, /有效期/],
    ['no iat', { iat: undefined }, /签发时间/],
    ['an expired exp', { exp: NOW - 1 }, /已过期/],
    ['an iat beyond the clock skew', { iat: NOW + 400 }, /签发时间/],
    ['a lifetime over 24 hours', { iat: NOW - 10, exp: NOW - 10 + 24 * 3600 + 1 }, /24 小时/],
    ['a 100-year exp', { exp: NOW + 100 * 365 * 86_400 }, /24 小时/],
    ['no token_use', { token_use: undefined }, /ID token/],
    ['an access token', { token_use: 'access' }, /access token/],
  ])('refuses %s', (_name, extra, message) => {
    expect(() => checkClaims(idToken(extra), NOW)).toThrow(ClaimsError);
    expect(() => checkClaims(idToken(extra), NOW)).toThrow(message);
  });
});

describe('dates', () => {
  it('knows which days exist', () => {
    for (const d of ['2026-01-31', '2028-02-29', '2026-12-31']) expect(isCalendarDate(d), d).toBe(true);
    for (const d of ['2026-13-45', '2026-02-30', '0000-00-00', '2027-02-29', '2026-04-31', '2026-1-01', '2026-00-10']) expect(isCalendarDate(d), d).toBe(false);
  });

  it('takes a handling date from today (branch time) to two years ahead', () => {
    // 2026-11-23T20:00Z is already 2026-11-24 in Beijing.
    const now = new Date('2026-11-23T20:00:00Z');
    const decide = (dueDate: string) => parseDecision(STEPS.propose, { opinion: '请办理', department: 'SCJSK', dueDate }, config, now);
    expect(decide('2026-11-24').ok).toBe(true);
    expect(decide('2028-11-24').ok).toBe(true);
    expect(decide('2026-11-23')).toEqual({ ok: false, message: expect.stringContaining('已过') });
    expect(decide('2028-11-25')).toEqual({ ok: false, message: expect.stringContaining('两年内') });
  });
});

describe('cursors', () => {
  const key = { pk: 'REG#incoming#2026', sk: 'NO#000001' };

  it('gives back a key it wrote', () => {
    expect(decodeCursor(encodeCursor(key), ['pk', 'sk'], { pk: 'REG#incoming#2026' }, { sk: 'NO#' })).toEqual(key);
    expect(decodeCursor(undefined, ['pk', 'sk'])).toBeUndefined();
  });

  it.each([
    ['another partition', encodeCursor({ ...key, pk: 'REG#incoming#2025' })],
    ['a sort key outside the range', encodeCursor({ ...key, sk: '#COUNTER' })],
    ['a missing key', encodeCursor({ pk: key.pk })],
    ['an extra key', encodeCursor({ ...key, x: 'y' })],
    ['a number value', encodeCursor({ ...key, sk: 1 })],
    ['an array', Buffer.from('[1]').toString('base64url')],
    ['not base64url', 'a+b/c='],
  ])('refuses %s', (_name, cursor) => {
    expect(() => decodeCursor(cursor, ['pk', 'sk'], { pk: 'REG#incoming#2026' }, { sk: 'NO#' })).toThrow(BadCursorError);
  });

  it('takes a merged cursor of known partitions only, each key in its own partition', () => {
    const names = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
    const at = { pk: 'TASK#a', sk: 'TASK', gsi1pk: 'USER#liqiang', gsi1sk: '2026#a' };
    const partitions = ['USER#liqiang', 'ROLE#office-director'];
    expect(decodeMergedCursor(encodeCursor({ 'USER#liqiang': at, 'ROLE#office-director': null }), partitions, names, 'gsi1pk')).toEqual({
      'USER#liqiang': at,
      'ROLE#office-director': null,
    });
    expect(() => decodeMergedCursor(encodeCursor({ 'USER#zhoujie': null }), partitions, names, 'gsi1pk')).toThrow(BadCursorError);
    expect(() => decodeMergedCursor(encodeCursor({ 'ROLE#office-director': at }), partitions, names, 'gsi1pk')).toThrow(BadCursorError);
    expect(() => decodeMergedCursor(encodeCursor({ 'USER#liqiang': 'x' }), partitions, names, 'gsi1pk')).toThrow(BadCursorError);
  });
});
