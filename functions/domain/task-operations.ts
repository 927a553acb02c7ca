/**
 * Rules of the task-service operations that work inside a step (DESIGN.md "Routes and the
 * human-task service"): 转办 (transfer), 催办 by hand (chase), 委托/代理 (standing delegation),
 * 传阅 (circulation for reading) and the personal boxes (待办/待阅/已阅/已办/在办跟踪).
 * Request bodies are checked here with messages for the clerk (zh-CN); nothing here knows AWS.
 */
import * as z from 'zod';
// The one locale, not z.locales (which would bundle every language zod speaks).
import zhCNLocale from 'zod/v4/locales/zh-CN.js';
import { isCalendarDate, mayDecide, type Assignment } from './route-platform.js';
import type { Actor, Role } from './identity.js';

// ---- who may ---------------------------------------------------------------------------------------

/** 办公室 roles: they chase and circulate, and may hand any task on. */
export const OFFICE_ROLES: readonly Role[] = ['clerk', 'confidential-clerk', 'office-director', 'secretary'];
export const LEADER_ROLES: readonly Role[] = ['main-leader', 'deputy-leader'];

const holdsAny = (actor: Pick<Actor, 'roles'>, roles: readonly Role[]) => actor.roles.some((r) => roles.includes(r));

/** 催办 by hand: the clerks and the office director (the office keeps the chasing register). */
export const mayChase = (actor: Actor) => holdsAny(actor, ['clerk', 'confidential-clerk', 'office-director']);
/** 转办: the holder of the task, or the office director for any task. */
export const mayTransfer = (actor: Actor, assignment: Assignment) => mayDecide(actor, assignment) || actor.roles.includes('office-director');
/** 传阅/抄送: office roles and leaders. */
export const mayCirculate = (actor: Actor) => holdsAny(actor, [...OFFICE_ROLES, ...LEADER_ROLES]);

/**
 * 委托 groups: a leader's work goes to another leader, an office role's to another office role.
 * Staff and department heads work through their department (their tasks go to the role in the
 * department, which any holder may take), so they do not delegate.
 */
const DELEGATION_GROUPS: { name: string; roles: readonly Role[] }[] = [
  { name: '领导', roles: LEADER_ROLES },
  { name: '办公室人员', roles: OFFICE_ROLES },
];

/** A message when `actor` may not delegate at all. */
export function delegatorRefusal(actor: Pick<Actor, 'roles'>): string | undefined {
  return DELEGATION_GROUPS.some((g) => holdsAny(actor, g.roles)) ? undefined : '只有领导和办公室人员可以设置委托（代理）；科室的待办由科室负责人办理';
}

/** A message when `delegate` cannot stand in for `delegator`: he must be in every group she delegates from. */
export function delegateRefusal(delegator: Pick<Actor, 'roles' | 'username'>, delegate: { username: string; name: string; roles: string[] }): string | undefined {
  if (delegate.username === delegator.username) return '不能委托给自己';
  for (const group of DELEGATION_GROUPS) {
    if (!holdsAny(delegator, group.roles)) continue;
    if (!delegate.roles.some((r) => (group.roles as readonly string[]).includes(r))) {
      return `${delegate.name}（${delegate.username}）不是${group.name}，不能代理您的${group.name}职责；请委托给${group.name}`;
    }
  }
  return undefined;
}

// ---- delegation -------------------------------------------------------------------------------------

/** The longest standing delegation: beyond this it is a role change, not an absence. */
export const MAX_DELEGATION_DAYS = 366;

export interface Delegation {
  delegator: string;
  delegatorName: string;
  /** The delegator's roles and department when the delegation was set: what the delegate acts as. */
  delegatorRoles: Role[];
  delegatorDepartment?: string;
  delegate: string;
  delegateName: string;
  /** First and last day in force (YYYY-MM-DD, branch time zone), both included. */
  from: string;
  until: string;
  setAt: string;
}

/** In force on `today` (YYYY-MM-DD in the branch time zone)? Outside its range it has no effect. */
export const inForce = (d: Pick<Delegation, 'from' | 'until'>, today: string) => d.from <= today && today <= d.until;

/** The delegator as an actor: what the delegate may take on her behalf. */
export const delegatorAsActor = (d: Delegation): Actor => ({
  username: d.delegator,
  name: d.delegatorName,
  roles: d.delegatorRoles,
  ...(d.delegatorDepartment ? { department: d.delegatorDepartment } : {}),
  clearance: '非密',
});

/**
 * Whom `actor` acts for on a task with this assignment: undefined when the task is his own (or not
 * his at all, see `mayAct`), else the first delegation in force whose delegator may take it.
 */
export function actingFor(actor: Actor, assignment: Assignment, delegations: Delegation[], today: string): Delegation | undefined {
  if (mayDecide(actor, assignment)) return undefined;
  return delegations.find((d) => d.delegate === actor.username && inForce(d, today) && mayDecide(delegatorAsActor(d), assignment));
}

export const mayAct = (actor: Actor, assignment: Assignment, delegations: Delegation[], today: string) =>
  mayDecide(actor, assignment) || actingFor(actor, assignment, delegations, today) !== undefined;

/** How a person acting for another is printed: 孙伟 代 赵敏. */
export const actingName = (actorName: string, onBehalfOfName?: string) => (onBehalfOfName ? `${actorName} 代 ${onBehalfOfName}` : actorName);

// ---- request bodies ---------------------------------------------------------------------------------

const NOT_AN_OBJECT = '请求内容应为 JSON 对象';
const strict = <T extends z.ZodRawShape>(shape: T, example: string) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `不认识的字段：${((issue as { keys?: string[] }).keys ?? []).slice(0, 5).map((k) => k.slice(0, 30)).join('、')}；可填写：${Object.keys(shape).join('、')}`
        : `${NOT_AN_OBJECT}，如 ${example}`,
  });
const user = (label: string) =>
  z.string({ error: `${label}应为用户名文字，如 sunwei` }).regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, `${label}应为用户名（1–128 个字符，不含空格），如 sunwei`);
const text = (label: string, field: string, max: number) =>
  z.string({ error: `${label}（${field}）应为文字` }).trim().max(max, `${label}（${field}）不超过 ${max} 字`);
const day = (label: string, field: string) =>
  z
    .string({ error: `${label}（${field}）应为日期文字，格式 YYYY-MM-DD` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: `${label}（${field}）格式应为 YYYY-MM-DD，如 2026-12-01`, abort: true })
    .refine(isCalendarDate, `${label}（${field}）不是真实的日期`);

export const transferBody = strict(
  { to: user('转办对象（to）'), reason: text('转办理由', 'reason', 500).min(1, '请填写转办理由（reason）') },
  '{"to": "wujun", "reason": "出差，请吴军办理"}',
);
export const chaseBody = strict({ note: text('催办说明', 'note', 500).default('请抓紧办理') }, '{"note": "请于今日内办理"}');
export const delegationBody = strict({ to: user('代理人（to）'), from: day('起始日期', 'from'), until: day('截止日期', 'until') }, '{"to": "sunwei", "from": "2026-12-01", "until": "2026-12-10"}');
/** A circulation names at most this many readers: the whole branch, not a mailing list. */
export const MAX_READERS = 500;
export const circulateBody = strict(
  {
    readers: z
      .array(user('阅件人'), { error: '阅件人（readers）应为用户名列表，如 ["zhaomin", "sunwei"]' })
      .min(1, '请至少指定一位阅件人（readers）')
      .max(MAX_READERS, `一次传阅最多 ${MAX_READERS} 人`),
    order: z.enum(['parallel', 'rank'], { error: '传阅方式（order）应为 parallel（同时传阅）或 rank（按顺序依次传阅）' }).default('parallel'),
    note: text('传阅说明', 'note', 500).default(''),
  },
  '{"readers": ["zhaomin", "sunwei"], "order": "parallel"}',
);
export const readBody = strict({ opinion: text('阅件意见', 'opinion', 2000).default('') }, '{"opinion": "已阅"}');

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };
const zhCN = zhCNLocale().localeError;

/** No body reads as an empty form; null, [], "x" or 1 are not a form. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): ParseResult<z.output<S>> {
  const parsed = schema.safeParse(body === undefined ? {} : body, { error: zhCN });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: parsed.error.issues.map((i) => i.message).join('；') };
}

/** Checks the range of a delegation against today; a message when refused. */
export function delegationRangeRefusal(from: string, until: string, today: string): string | undefined {
  if (until < from) return `截止日期 ${until} 早于起始日期 ${from}`;
  if (until < today) return `截止日期 ${until} 已过（今天是 ${today}）`;
  const days = (Date.parse(`${until}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_DELEGATION_DAYS) return `委托期限最长 ${MAX_DELEGATION_DAYS} 天，现为 ${days} 天`;
  return undefined;
}

/** Duplicate names in a list of readers, in order of first repeat. */
export function duplicates(names: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const n of names) (seen.has(n) ? repeated : seen).add(n);
  return [...repeated];
}

/** A list of names for a message: the first `shown`, then 等 N 人. */
export function nameList(names: string[], shown = 10): string {
  return names.length > shown ? `${names.slice(0, shown).join('、')} 等 ${names.length} 人` : names.join('、');
}

// ---- circulation ------------------------------------------------------------------------------------

/** Unread readers are chased by the deadline sweep this many working days after their item opened. */
export const CHASE_UNREAD_AFTER_WORKING_DAYS = 2;

export type ReadStatus = 'waiting' | 'toread' | 'read';

/** In rank order only the first reader's item is open; in parallel, everyone's. */
export const initialReadStatus = (order: 'parallel' | 'rank', index: number): ReadStatus => (order === 'parallel' || index === 0 ? 'toread' : 'waiting');

// ---- boxes ------------------------------------------------------------------------------------------

export const BOXES = ['todo', 'toread', 'read', 'done', 'tracking'] as const;
export type Box = (typeof BOXES)[number];
export const isBox = (value: unknown): value is Box => (BOXES as readonly unknown[]).includes(value);
export const BOX_NAMES: Record<Box, string> = { todo: '待办', toread: '待阅', read: '已阅', done: '已办', tracking: '在办跟踪' };
