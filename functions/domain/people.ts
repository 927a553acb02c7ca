/**
 * Chancery's own people directory and the three admins (三员), as plain rules: who a person is to
 * Chancery (roles, department, clearance, active), and who may change what.
 *
 * The identity provider (Cognito, Keycloak, Authing …) only says who signs in; everything that
 * authorizes lives here, so any IdP works and every change is audited. The three admin roles are
 * kept apart: the system admin (系统管理员) manages people and roles, the security admin
 * (安全保密管理员) alone sets clearances, the audit admin (安全审计员) alone reads the admin audit
 * trail. None approves documents (an admin holds no document role), none changes their own roles or
 * clearance, and nobody holds two admin roles. Each rule throws a Refusal with a Chinese message.
 */
import { ROLE_NAMES, ROLES, SECRECY_LEVELS, type Actor, type Role, type Secrecy } from './identity.js';
import { Refusal } from './refusal.js';

export const ADMIN_ROLES = ['system-admin', 'security-admin', 'audit-admin'] as const satisfies readonly Role[];
export type AdminRole = (typeof ADMIN_ROLES)[number];
export const isAdminRole = (role: string): role is AdminRole => (ADMIN_ROLES as readonly string[]).includes(role);

/**
 * Roles that take part in documents (every role but the three admins'): 三员 are posts of their
 * own (专岗专用), so an admin holds none of these — which is what keeps them from approving.
 */
export const DOCUMENT_ROLES: readonly Role[] = ROLES.filter((r) => !isAdminRole(r));

/** A person as the directory keeps them. */
export interface Person {
  /** As the identity provider's token names them (cognito:username, preferred_username …). */
  username: string;
  name: string;
  /** 科室 code from the branch configuration. */
  department?: string;
  roles: Role[];
  clearance: Secrecy;
  /** Where notifications are mailed. */
  email?: string;
  /** A deactivated person signs in to nothing and takes no task; their record and history stay. */
  active: boolean;
}

/** A stored record: the person, with its optimistic-lock version and who last changed it. */
export interface PersonRecord extends Person {
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** Usernames go into keys (PERSON#<username>): no '#', no spaces, at most 128 characters. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

const names = (roles: readonly Role[]) => roles.map((r) => ROLE_NAMES[r]).join('、');
const holds = (actor: Pick<Actor, 'roles'>, role: Role) => actor.roles.includes(role);

/** A set of roles one person may hold: no repeats, at most one admin role, and an admin role alone. */
export function checkRoleSet(roles: readonly Role[]): void {
  const repeated = roles.filter((r, i) => roles.indexOf(r) !== i);
  if (repeated.length > 0) throw new Refusal(400, `角色重复：${names([...new Set(repeated)])}`);
  const admin = roles.filter(isAdminRole);
  if (admin.length > 1) throw new Refusal(422, `三员不得兼任：${names(admin)}只能由不同的人担任`);
  if (admin.length === 1 && roles.length > 1) {
    const others = roles.filter((r) => !isAdminRole(r));
    throw new Refusal(422, `${ROLE_NAMES[admin[0]]}不得兼任公文处理岗位（${names(others)}）：三员不审批、不办理公文，请只保留一个角色`);
  }
}

/** Reading the directory: the system admin (who manages it) and the security admin (who sets clearances). */
export function checkMayReadPeople(actor: Pick<Actor, 'roles'>): void {
  if (!holds(actor, 'system-admin') && !holds(actor, 'security-admin')) {
    throw new Refusal(403, '人员目录仅供系统管理员和安全保密管理员查阅');
  }
}

const changed = (before: Person, after: Person) => {
  const fields: (keyof Person)[] = [];
  if (before.name !== after.name) fields.push('name');
  if ((before.department ?? '') !== (after.department ?? '')) fields.push('department');
  if ([...before.roles].sort().join() !== [...after.roles].sort().join()) fields.push('roles');
  if (before.clearance !== after.clearance) fields.push('clearance');
  if ((before.email ?? '') !== (after.email ?? '')) fields.push('email');
  if (before.active !== after.active) fields.push('active');
  return fields;
};

/** What an update changes, field by field (the audit event's list). */
export const changedFields = changed;

/**
 * Adding a person (`before` undefined) or changing one: the system admin alone, never a clearance
 * (a new person starts 非密), never their own roles, never themselves deactivated.
 */
export function checkPersonChange(actor: Pick<Actor, 'username' | 'roles'>, before: Person | undefined, after: Person): void {
  if (!holds(actor, 'system-admin')) {
    throw new Refusal(403, before ? '只有系统管理员可以修改或停用人员' : '只有系统管理员可以增加人员');
  }
  if (before ? after.clearance !== before.clearance : after.clearance !== '非密') {
    throw new Refusal(403, '密级只能由安全保密管理员设置：新增人员一律为非密，请另请安全保密管理员设置密级');
  }
  if (before && actor.username === before.username) {
    if (changed(before, after).includes('roles')) throw new Refusal(403, '不能修改自己的角色，请由另一位系统管理员办理');
    if (!after.active) throw new Refusal(403, '不能停用自己的账号，请由另一位系统管理员办理');
  }
  checkRoleSet(after.roles);
}

/** Setting a clearance (密级): the security admin alone, and never their own. */
export function checkClearanceChange(actor: Pick<Actor, 'username' | 'roles'>, target: Pick<Person, 'username'>, clearance: Secrecy): void {
  if (!holds(actor, 'security-admin')) throw new Refusal(403, '只有安全保密管理员可以设置密级');
  if (actor.username === target.username) throw new Refusal(403, '不能设置自己的密级，请由另一位安全保密管理员办理');
  if (!(SECRECY_LEVELS as readonly string[]).includes(clearance)) throw new Refusal(400, `密级应为 ${SECRECY_LEVELS.join('、')} 之一`);
}

/** The admin audit trail (who changed whom): the audit admin alone. */
export function checkMayReadAdminAudit(actor: Pick<Actor, 'roles'>): void {
  if (!holds(actor, 'audit-admin')) throw new Refusal(403, '管理审计日志只有安全审计员可以查阅');
}

/** A department the branch has, or a 400 naming the ones it has. */
export function checkDepartment(department: string | undefined, departments: readonly { code: string; name: string }[]): void {
  if (department === undefined) return;
  if (!departments.some((d) => d.code === department)) {
    throw new Refusal(400, `没有这个科室：${department}。可选：${departments.map((d) => `${d.code}（${d.name}）`).join('、')}`);
  }
}
