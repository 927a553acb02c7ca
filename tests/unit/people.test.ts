/**
 * The people directory's 三员 rules (functions/domain/people.ts): each admin is refused what is not
 * theirs, nobody changes their own roles or clearance, and the role sets an admin may not hold.
 */
import { describe, expect, it } from 'vitest';
import type { Actor, Role } from '../../functions/domain/identity.js';
import {
  ADMIN_ROLES,
  checkClearanceChange,
  checkDepartment,
  checkMayReadAdminAudit,
  checkMayReadPeople,
  checkPersonChange,
  checkRoleSet,
  DOCUMENT_ROLES,
  type Person,
} from '../../functions/domain/people.js';
import { Refusal } from '../../functions/domain/refusal.js';

const actor = (username: string, roles: Role[]): Actor => ({ username, name: username, roles, clearance: '非密' });
const sys = actor('sysadmin', ['system-admin']);
const sys2 = actor('sysadmin2', ['system-admin']);
const sec = actor('secadmin', ['security-admin']);
const aud = actor('auditadmin', ['audit-admin']);
const clerk = actor('wangfang', ['clerk']);
const director = actor('liqiang', ['office-director']);

const person = (over: Partial<Person> = {}): Person => ({ username: 'liuyang', name: '刘洋', department: 'SCJSK', roles: ['staff'], clearance: '非密', active: true, ...over });
const asPerson = (a: Actor): Person => ({ username: a.username, name: a.name, roles: a.roles, clearance: '非密', active: true });

/** The Refusal `run` throws (or fails the test when it throws none). */
function refusal(run: () => void): Refusal {
  try {
    run();
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('adding and changing people: the system admin alone', () => {
  it('lets the system admin add a person (非密) and change name, department, roles and active', () => {
    expect(() => checkPersonChange(sys, undefined, person())).not.toThrow();
    const before = person();
    expect(() => checkPersonChange(sys, before, { ...before, name: '刘阳', department: 'CWK', roles: ['staff', 'archivist'] })).not.toThrow();
    expect(() => checkPersonChange(sys, before, { ...before, active: false })).not.toThrow();
    // Another admin's roles and another system admin too: not their own.
    expect(() => checkPersonChange(sys, asPerson(sys2), { ...asPerson(sys2), roles: ['audit-admin'] })).not.toThrow();
  });

  it.each([
    ['the security admin', sec],
    ['the audit admin', aud],
    ['a clerk', clerk],
    ['the office director', director],
  ])('refuses %s adding or changing a person (403)', (_, who) => {
    const add = refusal(() => checkPersonChange(who, undefined, person()));
    expect(add.status).toBe(403);
    expect(add.message).toContain('只有系统管理员可以增加人员');
    const change = refusal(() => checkPersonChange(who, person(), { ...person(), roles: ['dept-head'] }));
    expect(change.status).toBe(403);
    expect(change.message).toContain('只有系统管理员');
  });

  it('refuses the system admin any clearance: a new person starts 非密, a change keeps it', () => {
    const add = refusal(() => checkPersonChange(sys, undefined, person({ clearance: '秘密' })));
    expect([add.status, add.message]).toEqual([403, expect.stringContaining('密级只能由安全保密管理员设置')]);
    const raise = refusal(() => checkPersonChange(sys, person(), person({ clearance: '机密' })));
    expect(raise.message).toContain('密级只能由安全保密管理员设置');
  });

  it('refuses the system admin their own roles (no admin role added to themselves) and deactivating themselves', () => {
    const self = asPerson(sys);
    for (const roles of [['system-admin', 'security-admin'], ['audit-admin'], [], ['main-leader']] as Role[][]) {
      const r = refusal(() => checkPersonChange(sys, self, { ...self, roles }));
      expect([r.status, r.message]).toEqual([403, expect.stringContaining('不能修改自己的角色')]);
    }
    const off = refusal(() => checkPersonChange(sys, self, { ...self, active: false }));
    expect(off.message).toContain('不能停用自己');
    // Their own name is theirs to correct.
    expect(() => checkPersonChange(sys, self, { ...self, name: '韩冰冰' })).not.toThrow();
  });
});

describe('clearance (密级): the security admin alone, never their own', () => {
  it('lets the security admin set anyone else’s clearance', () => {
    expect(() => checkClearanceChange(sec, person(), '机密')).not.toThrow();
    expect(() => checkClearanceChange(sec, asPerson(sys), '秘密')).not.toThrow();
  });

  it.each([
    ['the system admin', sys],
    ['the audit admin', aud],
    ['the main leader', actor('zhaomin', ['main-leader'])],
  ])('refuses %s (403)', (_, who) => {
    const r = refusal(() => checkClearanceChange(who, person(), '秘密'));
    expect([r.status, r.message]).toEqual([403, '只有安全保密管理员可以设置密级']);
  });

  it('refuses the security admin their own clearance', () => {
    const r = refusal(() => checkClearanceChange(sec, asPerson(sec), '绝密'));
    expect([r.status, r.message]).toEqual([403, expect.stringContaining('不能设置自己的密级')]);
  });
});

describe('the admin audit trail: the audit admin alone', () => {
  it('lets the audit admin read it and refuses the other two admins and everyone else', () => {
    expect(() => checkMayReadAdminAudit(aud)).not.toThrow();
    for (const who of [sys, sec, clerk, actor('zhaomin', ['main-leader'])]) {
      const r = refusal(() => checkMayReadAdminAudit(who));
      expect([r.status, r.message], who.username).toEqual([403, '管理审计日志只有安全审计员可以查阅']);
    }
  });

  it('the directory itself is read by the system and security admins, not the audit admin or staff', () => {
    expect(() => checkMayReadPeople(sys)).not.toThrow();
    expect(() => checkMayReadPeople(sec)).not.toThrow();
    for (const who of [aud, clerk, director]) expect(refusal(() => checkMayReadPeople(who)).status).toBe(403);
  });
});

describe('role sets one person may hold', () => {
  it('takes any set of document roles, or one admin role alone', () => {
    expect(() => checkRoleSet(['office-director', 'clerk'])).not.toThrow();
    expect(() => checkRoleSet([])).not.toThrow();
    for (const admin of ADMIN_ROLES) expect(() => checkRoleSet([admin])).not.toThrow();
  });

  it('refuses two admin roles on one person (422)', () => {
    for (const pair of [['system-admin', 'security-admin'], ['security-admin', 'audit-admin'], ['system-admin', 'audit-admin']] as Role[][]) {
      const r = refusal(() => checkRoleSet(pair));
      expect([r.status, r.message]).toEqual([422, expect.stringContaining('三员不得兼任')]);
    }
  });

  it('refuses an admin role with any document role, the approving ones above all (422)', () => {
    for (const admin of ADMIN_ROLES) {
      for (const role of ['main-leader', 'deputy-leader', 'office-director', 'dept-head', 'clerk', 'confidential-clerk', 'seal-keeper', 'staff'] as Role[]) {
        const r = refusal(() => checkRoleSet([admin, role]));
        expect(r.status, `${admin}+${role}`).toBe(422);
        expect(r.message).toContain('不得兼任公文处理岗位');
      }
    }
    expect(DOCUMENT_ROLES).not.toContain('system-admin');
    expect(DOCUMENT_ROLES).toContain('main-leader');
  });

  it('refuses the combination through a person change too, and a repeated role', () => {
    const r = refusal(() => checkPersonChange(sys, person(), { ...person(), roles: ['security-admin', 'deputy-leader'] }));
    expect(r.status).toBe(422);
    expect(refusal(() => checkRoleSet(['clerk', 'clerk'])).message).toContain('角色重复');
  });
});

describe('departments', () => {
  it('takes the branch’s departments only', () => {
    const departments = [{ code: 'BGS', name: '办公室' }];
    expect(() => checkDepartment('BGS', departments)).not.toThrow();
    expect(() => checkDepartment(undefined, departments)).not.toThrow();
    const r = refusal(() => checkDepartment('XYZ', departments));
    expect([r.status, r.message]).toEqual([400, expect.stringContaining('BGS（办公室）')]);
  });
});
