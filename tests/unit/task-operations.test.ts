/**
 * The task-service rules without any AWS: who may delegate and to whom, when a delegation is in
 * force, whom a delegate acts for, request bodies and their Chinese messages, circulation order.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../functions/domain/identity.js';
import {
  actingFor,
  actingName,
  circulateBody,
  delegateRefusal,
  delegationBody,
  delegationRangeRefusal,
  delegatorRefusal,
  duplicates,
  inForce,
  initialReadStatus,
  isBox,
  mayAct,
  mayChase,
  mayCirculate,
  mayTransfer,
  nameList,
  parseBody,
  readBody,
  transferBody,
  type Delegation,
} from '../../functions/domain/task-operations.js';

const person = (username: string, name: string, roles: Actor['roles'], department = 'BGS'): Actor => ({ username, name, roles, department, clearance: '机密' });
const zhaomin = person('zhaomin', '赵敏', ['main-leader']);
const sunwei = person('sunwei', '孙伟', ['deputy-leader']);
const liqiang = person('liqiang', '李强', ['office-director']);
const wangfang = person('wangfang', '王芳', ['clerk']);
const zhoujie = person('zhoujie', '周杰', ['dept-head'], 'SCJSK');

const delegation: Delegation = {
  delegator: 'zhaomin',
  delegatorName: '赵敏',
  delegatorRoles: ['main-leader'],
  delegatorDepartment: 'BGS',
  delegate: 'sunwei',
  delegateName: '孙伟',
  from: '2026-12-01',
  until: '2026-12-10',
  setAt: '2026-11-30T02:00:00.000Z',
};

describe('who may delegate, and to whom', () => {
  it('leaders and office roles delegate; department heads and staff do not', () => {
    expect(delegatorRefusal(zhaomin)).toBeUndefined();
    expect(delegatorRefusal(liqiang)).toBeUndefined();
    expect(delegatorRefusal(wangfang)).toBeUndefined();
    expect(delegatorRefusal(zhoujie)).toMatch(/领导和办公室人员/);
  });

  it('a leader to a leader, an office role to an office role, never to oneself', () => {
    expect(delegateRefusal(zhaomin, sunwei)).toBeUndefined();
    expect(delegateRefusal(zhaomin, liqiang)).toContain('不是领导');
    expect(delegateRefusal(liqiang, wangfang)).toBeUndefined();
    expect(delegateRefusal(liqiang, sunwei)).toContain('不是办公室人员');
    expect(delegateRefusal(zhaomin, zhaomin)).toContain('自己');
  });
});

describe('a delegation in force', () => {
  it('has effect from its first day to its last, both included, and not outside', () => {
    expect(inForce(delegation, '2026-11-30')).toBe(false);
    expect(inForce(delegation, '2026-12-01')).toBe(true);
    expect(inForce(delegation, '2026-12-10')).toBe(true);
    expect(inForce(delegation, '2026-12-11')).toBe(false);
  });

  it('lets the delegate act on the delegator’s tasks (by role or named) only inside the range', () => {
    const roleTask = { role: 'main-leader' as const };
    const namedTask = { role: 'main-leader' as const, username: 'zhaomin' };
    expect(actingFor(sunwei, roleTask, [delegation], '2026-12-05')?.delegator).toBe('zhaomin');
    expect(actingFor(sunwei, namedTask, [delegation], '2026-12-05')?.delegator).toBe('zhaomin');
    expect(actingFor(sunwei, roleTask, [delegation], '2026-12-11')).toBeUndefined();
    expect(mayAct(sunwei, roleTask, [delegation], '2026-11-30')).toBe(false);
    // Not someone else's task, and not his own (he acts as himself there).
    expect(actingFor(sunwei, { role: 'office-director' }, [delegation], '2026-12-05')).toBeUndefined();
    expect(actingFor(sunwei, { role: 'deputy-leader', username: 'sunwei' }, [delegation], '2026-12-05')).toBeUndefined();
    expect(mayAct(sunwei, { role: 'deputy-leader', username: 'sunwei' }, [], '2026-12-05')).toBe(true);
    // A delegation to someone else gives him nothing.
    expect(actingFor(wangfang, roleTask, [delegation], '2026-12-05')).toBeUndefined();
    expect(actingName('孙伟', '赵敏')).toBe('孙伟 代 赵敏');
    expect(actingName('孙伟')).toBe('孙伟');
  });

  it('checks its range against today', () => {
    expect(delegationRangeRefusal('2026-12-01', '2026-12-10', '2026-11-30')).toBeUndefined();
    expect(delegationRangeRefusal('2026-12-10', '2026-12-01', '2026-11-30')).toContain('早于');
    expect(delegationRangeRefusal('2026-11-01', '2026-11-29', '2026-11-30')).toContain('已过');
    expect(delegationRangeRefusal('2026-12-01', '2027-12-02', '2026-11-30')).toContain('最长 366 天');
    expect(delegationRangeRefusal('2026-12-01', '2027-12-01', '2026-11-30')).toBeUndefined();
  });
});

describe('who may chase, transfer, circulate', () => {
  it('chasing is the office’s; transfer the holder’s or the director’s; circulation office roles’ and leaders’', () => {
    expect([wangfang, liqiang, zhaomin, zhoujie].map(mayChase)).toEqual([true, true, false, false]);
    const task = { role: 'dept-head' as const, department: 'SCJSK' };
    expect([zhoujie, liqiang, wangfang, person('x', 'x', ['dept-head'], 'CWK')].map((a) => mayTransfer(a, task))).toEqual([true, true, false, false]);
    expect([wangfang, zhaomin, sunwei, zhoujie].map(mayCirculate)).toEqual([true, true, true, false]);
  });
});

describe('request bodies', () => {
  it('refuse what is not a form, unknown fields and bad values, in Chinese', () => {
    for (const body of [null, [], 'x', 1]) expect(parseBody(transferBody, body)).toMatchObject({ ok: false, message: expect.stringMatching(/JSON 对象/) });
    expect(parseBody(transferBody, { to: 'wujun', reason: '出差', extra: 1 })).toMatchObject({ ok: false, message: expect.stringContaining('不认识的字段：extra') });
    expect(parseBody(transferBody, { to: 'wu jun', reason: '出差' })).toMatchObject({ ok: false });
    expect(parseBody(transferBody, { to: 'wujun', reason: '  ' })).toMatchObject({ ok: false, message: expect.stringContaining('转办理由') });
    expect(parseBody(transferBody, { to: 'wujun', reason: '出差' })).toEqual({ ok: true, value: { to: 'wujun', reason: '出差' } });
    expect(parseBody(delegationBody, { to: 'sunwei', from: '2026-02-30', until: '2026-03-01' })).toMatchObject({ ok: false, message: expect.stringContaining('不是真实的日期') });
    expect(parseBody(circulateBody, { readers: ['a'] })).toEqual({ ok: true, value: { readers: ['a'], order: 'parallel', note: '' } });
    expect(parseBody(circulateBody, { readers: [] })).toMatchObject({ ok: false, message: expect.stringContaining('至少') });
    expect(parseBody(circulateBody, { readers: ['a'], order: 'x' })).toMatchObject({ ok: false, message: expect.stringContaining('rank') });
    expect(parseBody(readBody, undefined)).toEqual({ ok: true, value: { opinion: '' } });
  });
});

describe('circulation and boxes', () => {
  it('opens only the first reader in rank order, everyone at once otherwise', () => {
    expect([0, 1, 2].map((i) => initialReadStatus('rank', i))).toEqual(['toread', 'waiting', 'waiting']);
    expect([0, 1, 2].map((i) => initialReadStatus('parallel', i))).toEqual(['toread', 'toread', 'toread']);
    expect(duplicates(['a', 'b', 'a', 'c', 'b', 'a'])).toEqual(['a', 'b']);
    expect(nameList(Array.from({ length: 12 }, (_, i) => `u${i}`))).toBe('u0、u1、u2、u3、u4、u5、u6、u7、u8、u9 等 12 人');
    expect(['todo', 'toread', 'read', 'done', 'tracking', 'TODO', '__proto__', ''].map(isBox)).toEqual([true, true, true, true, true, false, false, false]);
  });
});
