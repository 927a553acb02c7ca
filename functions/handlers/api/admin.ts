/**
 * API: the people directory (人员目录) and the three admins (三员), rules in functions/domain/people.ts.
 *   GET  /admin/people                       ?role=&department=&limit=&cursor=  (system admin, security admin)
 *   POST /admin/people                       add a person (system admin; starts 非密)
 *   GET  /admin/people/{username}            one person (system admin, security admin)
 *   PUT  /admin/people/{username}            name, department, roles, email, active (system admin)
 *   PUT  /admin/people/{username}/clearance  密级 (security admin, never their own)
 *   GET  /admin/audit                        the admin audit trail, newest first (audit admin)
 * Every change is written with its event on the admin audit chain, in one transaction.
 */
import * as z from 'zod';
import { ROLE_NAMES, ROLES, SECRECY_LEVELS, type Actor, type Role } from '../../domain/identity.js';
import {
  changedFields,
  checkClearanceChange,
  checkDepartment,
  checkMayReadAdminAudit,
  checkMayReadPeople,
  checkPersonChange,
  isAdminRole,
  USERNAME_PATTERN,
  type Person,
  type PersonRecord,
} from '../../domain/people.js';
import { Refusal } from '../../domain/refusal.js';
import { now } from '../../adapters/clock.js';
import { env } from '../../adapters/env.js';
import { createPerson, getPerson, listAdminAudit, listPeople, personOf, updatePerson } from '../../adapters/people.js';
import { apiHandler, HttpError, pageLimit, parseWith } from './http.js';

const strict = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段；可填写：${Object.keys(shape).join('、')}` : '请求内容应为 JSON 对象') });

const roleList = z.array(z.enum(ROLES, { error: () => `角色应为以下之一：${ROLES.map((r) => `${r}（${ROLE_NAMES[r]}）`).join('、')}` }), { error: '角色（roles）应为角色列表' }).max(10, '角色最多 10 个');
const name = z.string({ error: '姓名（name）应为文字' }).trim().min(1, '请填写姓名（name）').max(40, '姓名最多 40 个字');
const department = z.string({ error: '科室（department）应为科室代码，如 BGS' }).min(1, '科室（department）应为科室代码，如 BGS').max(10, '科室代码最多 10 个字符');
const email = z.email({ error: '电子邮箱（email）格式不正确' }).max(254);
const clearance = z.enum(SECRECY_LEVELS, { error: `密级（clearance）应为 ${SECRECY_LEVELS.join('、')} 之一` });

const createBody = strict({
  username: z.string({ error: '请填写用户名（username）' }).regex(USERNAME_PATTERN, '用户名（username）应为登录时用的用户名：字母或数字开头，可含 . _ @ + -，不超过 128 个字符'),
  name,
  department: department.optional(),
  roles: roleList.default([]),
  email: email.optional(),
  // Accepted only to be refused with the rule's message: a new person starts 非密.
  clearance: clearance.optional(),
});

const updateBody = strict({
  name: name.optional(),
  // null clears it.
  department: department.nullable().optional(),
  roles: roleList.optional(),
  email: email.nullable().optional(),
  active: z.boolean({ error: '是否在用（active）应为 true 或 false' }).optional(),
  clearance: clearance.optional(),
  /** The version the form was filled from: a change made meanwhile is not overwritten unseen. */
  version: z.number({ error: '版本（version）应为整数' }).int().positive().optional(),
});

const clearanceBody = strict({ clearance, version: z.number({ error: '版本（version）应为整数' }).int().positive().optional() });

/** A person's page is theirs by username; a malformed one cannot be anyone's. */
async function personAt(params: Record<string, string>): Promise<PersonRecord> {
  const username = params.username ?? '';
  const person = USERNAME_PATTERN.test(username) ? await getPerson(username) : undefined;
  if (!person) throw new HttpError(404, `人员目录中没有用户 ${username.slice(0, 128)}`);
  return person;
}

function checkVersion(person: PersonRecord, version: number | undefined) {
  if (version !== undefined && version !== person.version) throw new Refusal(409, `人员 ${person.username} 已被他人修改（现为第 ${person.version} 版），请刷新后重试`);
}

const view = (p: PersonRecord) => ({ ...p, roleNames: p.roles.map((r) => ROLE_NAMES[r]) });

function listFilter(query: Record<string, string>): { role?: Role; department?: string } {
  if (query.role !== undefined && !(ROLES as readonly string[]).includes(query.role)) {
    throw new HttpError(400, `没有这个角色：${query.role.slice(0, 40)}。可选：${ROLES.map((r) => `${r}（${ROLE_NAMES[r]}）`).join('、')}`);
  }
  checkDepartment(query.department, env.branchConfig.departments);
  return { ...(query.role ? { role: query.role as Role } : {}), ...(query.department ? { department: query.department } : {}) };
}

const at = () => now().toISOString();

export const handler = apiHandler({
  'GET /admin/people': async ({ actor, query }) => {
    checkMayReadPeople(actor);
    const page = await listPeople({ ...listFilter(query), limit: pageLimit(query), ...(query.cursor ? { cursor: query.cursor } : {}) });
    return {
      items: page.items.map(view),
      ...(page.cursor ? { cursor: page.cursor } : {}),
      // What a form offers: every role named in Chinese (admin roles marked) and the branch's departments.
      roles: ROLES.map((id) => ({ id, name: ROLE_NAMES[id], admin: isAdminRole(id) })),
      departments: env.branchConfig.departments,
      clearances: SECRECY_LEVELS,
    };
  },
  'GET /admin/people/{username}': async ({ actor, params }) => {
    checkMayReadPeople(actor);
    return view(await personAt(params));
  },
  'POST /admin/people': async ({ actor, body }) => {
    const input = parseWith(createBody, body);
    const person: Person = {
      username: input.username,
      name: input.name,
      ...(input.department ? { department: input.department } : {}),
      roles: input.roles,
      clearance: input.clearance ?? '非密',
      ...(input.email ? { email: input.email } : {}),
      active: true,
    };
    checkPersonChange(actor, undefined, person);
    checkDepartment(person.department, env.branchConfig.departments);
    return view(await createPerson(person, { at: at(), by: actor.username, action: 'person.created' }));
  },
  'PUT /admin/people/{username}': async ({ actor, params, body }) => {
    const input = parseWith(updateBody, body);
    // Whose change it is comes first: a clerk learns they may not, not that the person is missing.
    requireSystemAdmin(actor);
    const before = await personAt(params);
    checkVersion(before, input.version);
    const after: Person = {
      ...personOf(before),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.roles !== undefined ? { roles: input.roles } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(input.clearance !== undefined ? { clearance: input.clearance } : {}),
    };
    if (input.department === null) delete after.department;
    else if (input.department !== undefined) after.department = input.department;
    if (input.email === null) delete after.email;
    else if (input.email !== undefined) after.email = input.email;
    checkPersonChange(actor, before, after);
    checkDepartment(after.department, env.branchConfig.departments);
    const fields = changedFields(before, after);
    if (fields.length === 0) return view(before);
    const action = fields.length === 1 && fields[0] === 'active' ? (after.active ? 'person.reactivated' : 'person.deactivated') : fields.includes('roles') ? 'person.roles-changed' : 'person.updated';
    return view(await updatePerson(before, after, { at: at(), by: actor.username, action, details: { changed: fields } }));
  },
  'PUT /admin/people/{username}/clearance': async ({ actor, params, body }) => {
    const input = parseWith(clearanceBody, body);
    if (!actor.roles.includes('security-admin')) checkClearanceChange(actor, { username: params.username ?? '' }, input.clearance);
    const before = await personAt(params);
    checkVersion(before, input.version);
    checkClearanceChange(actor, before, input.clearance);
    if (before.clearance === input.clearance) return view(before);
    return view(await updatePerson(before, { ...personOf(before), clearance: input.clearance }, { at: at(), by: actor.username, action: 'person.clearance-set', details: { changed: ['clearance'] } }));
  },
  'GET /admin/audit': async ({ actor, query }) => {
    checkMayReadAdminAudit(actor);
    return listAdminAudit({ limit: pageLimit(query), ...(query.cursor ? { cursor: query.cursor } : {}) });
  },
});

/** Changing people is the system admin's; anyone else is told so before anything is looked up. */
function requireSystemAdmin(actor: Actor) {
  if (!actor.roles.includes('system-admin')) throw new Refusal(403, '只有系统管理员可以修改或停用人员');
}
