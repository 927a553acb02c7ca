/**
 * The route platform: what every approval route (审批流程) is made of, and the rules that hold for
 * all of them. A route is one module in functions/routes/ (its steps: who acts, by when, what a
 * decision says, what it adds to the processing slip) plus its flow, from which
 * statemachines/<route>.asl.json is generated. Handlers look a route up by its id and never name
 * one; nothing here knows AWS.
 *
 * Upgrades: a running execution keeps the graph it started with, and the new code serves it. So
 * never rename or remove a step id, a form field a Choice reads or a value it compares to; add new
 * ones. A step dropped from the flow stays in `steps`, marked `retired`, until no execution can
 * still reach it.
 * tests/stepfunctions/upgrade-compat.test.ts checks the released graphs (statemachines/released/);
 * infra/DEPLOY.md, "Upgrading a branch".
 */
import * as z from 'zod';
// The one locale, not z.locales (which would bundle every language zod speaks).
import zhCNLocale from 'zod/v4/locales/zh-CN.js';
import type { BranchConfig } from './branch-config.js';
import { localDate, type DeadlineRule } from './calendar.js';
import type { Actor, Role, Secrecy } from './identity.js';
import { SIGN_MODE_NAMES, type CountersignRequest } from './countersign.js';

/** The signers an earlier decision named, with their names as the directory gave them then. */
export type NamedSigners = CountersignRequest & { names?: string[] };

export type Urgency = '特急' | '加急' | '平件';
export const URGENCIES: Urgency[] = ['特急', '加急', '平件'];

/** Who a task is for: a named person, or anyone holding the role (in the department, if given). */
export interface Assignment {
  role: Role;
  username?: string;
  department?: string;
}

/** Added to every decision sent back to the state machine: who decided and when. */
export interface DecisionStamp {
  by: string;
  byName: string;
  at: string;
}

export type Decision = Record<string, unknown> & DecisionStamp;
/** The decisions of a route so far, by step id: what later steps and Choice states read. */
export type Decisions = Partial<Record<string, Decision>>;

/** What a step's assignment may depend on besides earlier decisions. */
export interface StepContext {
  /** The document's 密级: classified documents go to the confidential clerk, not the clerk. */
  secrecy: Secrecy;
  /** Who submitted an internal document (内部来文): replies and execution go back to them. */
  requester?: { username: string; department?: string; role?: Role };
}

export interface SlipDetail {
  label: string;
  value: string;
}

export interface StepDefinition {
  id: string;
  /** 拟办, 阅批 … as printed on the processing slip. */
  name: string;
  /** What the assignee is asked to do, shown in the task list. */
  ask: string;
  /** The ASL state's comment: what happens here, for whoever reads the graph. */
  comment: string;
  /** The decision form: served as JSON Schema by GET /routes, checked on every decision. */
  form: z.ZodType;
  deadline(urgency: Urgency): DeadlineRule;
  assign(decisions: Decisions, context?: StepContext): Assignment;
  /** A date an earlier decision set for this step, overriding its deadline rule. */
  dueDateFrom?(decisions: Decisions): string | undefined;
  /**
   * What the deadline sweep does after the first 催办 and before (or instead of) escalation; none:
   * chased once, escalated once. See AfterDeadline.
   */
  afterDeadline?: AfterDeadline;
  /** What the step's holder may do besides deciding (办理 is always allowed); DEFAULT_STEP_OPERATIONS when unsaid. */
  operations?: StepOperation[];
  /** The steps 退回 may go to from here (those already taken); unsaid: any earlier step. */
  returnTo?: string[];
  /** What a decision adds to the processing slip besides its opinion. */
  details?(decision: Record<string, unknown>, config: BranchConfig): SlipDetail[];
  /**
   * What a decision writes into the document's register entry (收文登记簿: 承办科室 `department`,
   * 办理结果 `result` …), in the decision's own transaction. Values are as printed.
   */
  registerFields?(decision: Record<string, unknown>, config: BranchConfig): Record<string, string>;
  /** Checks that need the branch (a department code that exists); a message when refused. */
  check?(decision: Record<string, unknown>, config: BranchConfig): string | undefined;
  /** A decision field naming a person who must exist and hold a role (the named deputy). */
  namesPerson?: { field: string; role: Role; label: string };
  /**
   * Co-handling (协办): departments that handle beside the lead (主办) and report before it can
   * finish. Each gets its own task on this step, not backed by the route: the route waits for
   * the lead only, and the lead's decision waits for every co-handler's report.
   */
  coHandlers?(decisions: Decisions): Assignment[];
  /**
   * Several signers on this step (会签/或签/票签/依次) when an earlier decision named them: the route
   * still waits on one task; each signer gets their own and the step is decided by the plan's rule.
   * A Choice may read only its `passed` (its decision is the signers' outcome; routeProblems checks).
   */
  countersign?(decisions: Decisions): NamedSigners | undefined;
  /** A decision field naming the signers of a later step: each must exist and hold the role. */
  namesSigners?: { field: string; role: Role; label: string };
  /** Whom a decision makes the document known to (阅知) without holding the route: a circulation. */
  informs?(decision: Record<string, unknown>): { role: Role; reason: string } | undefined;
  /**
   * What else happens, by name, when the step's task is created (`onCreate`) or decided
   * (`onDecide`): the outgoing document's 签发, 编号, 用印, 分发 — each done by
   * adapters/step-actions.ts, so a handler runs them without knowing the route.
   */
  onCreate?: StepAction;
  onDecide?: StepAction;
  /**
   * Taken out of the flow, and kept only for executions started on an earlier graph that may
   * still be waiting in it or reach it (their tasks are created, decided and shown as before):
   * since when and why, e.g. '2026-12-01: 阅处 merged into 阅办'. Delete the step once no running
   * execution's graph can reach it (infra/DEPLOY.md, "Upgrading a branch").
   */
  retired?: string;
}

/**
 * Step actions the task service runs (adapters/step-actions.ts):
 *   await-signature: the draft waits for 签发 (task created)
 *   sign-draft: 签发 freezes the current version (decided)
 *   number-draft: the next 发文字号 and the laid-out PDF it prints on (decided)
 *   seal-draft: the keeper's 用印 or refusal with a reason (decided)
 *   distribute-draft: 分发 — receipts for internal departments, the record of external ones (decided)
 */
export const STEP_ACTIONS = ['await-signature', 'sign-draft', 'number-draft', 'seal-draft', 'distribute-draft'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/**
 * What happens to a late step after its first 催办, per route step (the deadline sweep runs it):
 *   remind: 催办 again every `everyWorkingDays` working days, `times` more times, then escalate
 *     (`escalateAfterWorkingDays` after the last reminder is due) — for steps only their holder
 *     can take, such as a leader's reading;
 *   skip: `afterWorkingDays` working days past the deadline the step is closed as 超时跳过 and the
 *     route goes on without it — for steps the route can do without (a department's 阅知). Its
 *     decision is `{ skipped: true }` and no opinion, so no later step or Choice may read it
 *     (routeProblems checks).
 * Escalation as usual (`escalateAfterWorkingDays` after the deadline) still comes before a skip.
 */
export type AfterDeadline = { remind: { times: number; everyWorkingDays: number } } | { skip: { afterWorkingDays: number } };

export type LateAct = { act: 'remind'; n: number; of: number } | { act: 'skip'; afterWorkingDays: number } | { act: 'escalate' };

/**
 * What the sweep owes an overdue task (already chased once) `late` working days past its deadline.
 * Reminders fall due every `everyWorkingDays`; a sweep that missed some sends the latest one only
 * (numbered as due), never a burst. Escalation waits for the last reminder; a skip comes after
 * escalation as usual. A co-handler's (协办) or a signer's (会签 …) task answers no route, so it is never skipped.
 */
export function lateAct(
  task: { escalatedAt?: string; reminders?: number; coOf?: string; signOf?: string },
  late: number,
  policy: AfterDeadline | undefined,
  escalateAfterWorkingDays: number,
): LateAct | undefined {
  let escalateAt = escalateAfterWorkingDays;
  if (policy && 'remind' in policy) {
    const { times, everyWorkingDays } = policy.remind;
    const due = Math.min(times, Math.floor(late / everyWorkingDays));
    if (due > (task.reminders ?? 0)) return { act: 'remind', n: due, of: times };
    escalateAt += times * everyWorkingDays;
  }
  if (policy && 'skip' in policy && !task.coOf && !task.signOf && late >= policy.skip.afterWorkingDays) return { act: 'skip', afterWorkingDays: policy.skip.afterWorkingDays };
  if (!task.escalatedAt && late >= escalateAt) return { act: 'escalate' };
  return undefined;
}

/**
 * A detour of the flow: when an earlier decision's field has this value, these steps come next,
 * then the flow goes on (a leader sends a request to a meeting; an important report also goes to
 * the main leader). Generated as one Choice state: a detour not taken costs one transition.
 */
export interface FlowDetour {
  when: { step: string; field: string; equals: string | boolean };
  then: string[];
  /**
   * Where the flow goes after `then`, when not on: an earlier step to take again (会审 not agreed
   * → the drafter revises → 会审 again). Unsaid: the flow goes on after the detour.
   */
  back?: string;
}
/** A step id, `archive` (the archive package, always last), or a detour. */
export type FlowNode = string | FlowDetour;

export interface RouteDefinition {
  id: string;
  /** As the office calls it: 上级主管机关来文 … */
  name: string;
  /**
   * incoming: a scan registered at intake; internal: submitted by a department (POST /documents);
   * outgoing: a draft submitted for review (POST /drafts/{draftId}/submit), the document being the draft.
   */
  kind: 'incoming' | 'internal' | 'outgoing';
  /** The human steps, in the order of the happy path. */
  steps: StepDefinition[];
  /** The flow the ASL is generated from: the steps in order, detours, then the archive. */
  flow: FlowNode[];
  /** How the archive package is classed: 保管期限 and the 机构代码 of its 档号. */
  archiveClass(decisions: Decisions, config: BranchConfig, context?: StepContext): { retention: string; orgCode: string };
}

/**
 * The error a task is answered with to leave its step other than forward (退回 to an earlier step,
 * 直送 back to the step that returned it, 撤回 by the previous decider); the cause names the step.
 * Each Task state catches it and a Choice goes to that step (infra/asl.ts).
 */
export const GOTO_ERROR = 'Chancery.Goto';
/**
 * The error a step's task creation fails with when trying again may work (a throttled or briefly
 * unreachable table): each Task state retries it with backoff, unlike Chancery.Goto.
 */
export const RETRYABLE_ERROR = 'Chancery.Retryable';
export class RetryableError extends Error {
  override name = RETRYABLE_ERROR;
}

/** The cause that ends the route instead: the requester withdrew the document (撤销). */
export const GOTO_WITHDRAWN = 'withdrawn';

export function stepOf(route: RouteDefinition, stepId: string): StepDefinition | undefined {
  return route.steps.find((s) => s.id === stepId);
}

/** The step ids of a flow in the order they can happen (a detour's steps where it stands). */
export function flowSteps(flow: FlowNode[]): string[] {
  return flow.flatMap((node) => (typeof node === 'string' ? (node === 'archive' ? [] : [node]) : node.then));
}

/** The steps of the happy path: every detour not taken. */
export function happyPath(flow: FlowNode[]): string[] {
  return flow.flatMap((node) => (typeof node === 'string' && node !== 'archive' ? [node] : []));
}

// ---- decision forms ------------------------------------------------------------------------------

/** Is `YYYY-MM-DD` a day that exists (no 2026-13-45, 2026-02-30, 0000-00-00)? */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one.
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const NOT_AN_OBJECT = '请求内容应为 JSON 对象，如 {"opinion": "同意"}';
/** A step's form. Unknown fields are refused, not dropped: a misspelt field would otherwise vanish unseen. */
export const form = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return NOT_AN_OBJECT;
      const keys = ((issue as { keys?: string[] }).keys ?? []).map((k) => (k.length > 30 ? `${k.slice(0, 30)}…` : k));
      const shown = keys.length > 5 ? `${keys.slice(0, 5).join('、')} 等 ${keys.length} 个` : keys.join('、');
      return `不认识的字段：${shown}；本步骤可填写：${Object.keys(shape).join('、')}`;
    },
  });

export const isoDate = z
  .string({ error: '办理期限（dueDate）应为日期文字，格式 YYYY-MM-DD，如 2026-12-31' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: '办理期限（dueDate）格式应为 YYYY-MM-DD，如 2026-12-31', abort: true })
  .refine(isCalendarDate, '办理期限（dueDate）不是真实的日期，请检查月份（01–12）和日期（不超过当月天数）');
export const opinion = z.string({ error: '请填写意见（opinion），应为文字' }).trim().min(1, '请填写意见（opinion）').max(2000, '意见不超过 2000 字');
/** Cognito's user-name rule (1–128 letters, marks, symbols, digits, punctuation). */
export const username = (label: string) =>
  z.string({ error: `${label}应为用户名文字，如 sunwei` }).regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, `${label}应为用户名，如 sunwei`);
export const departmentCode = (label: string) =>
  z.string({ error: `请指定${label}，填科室代码，如 SCJSK` }).min(1, `请指定${label}`).max(32, `${label}应为科室代码，如 SCJSK`);
export const retention = z.enum(['Y', 'D30', 'D10'], { error: '请确定保管期限（retention）：Y（永久）、D30（30年）或 D10（10年）' });
export const filingOpinion = z.string({ error: '意见（opinion）应为文字' }).trim().max(2000, '意见不超过 2000 字').default('已立卷归档');

/** A department code that the branch has; the message lists the ones it has. */
export function unknownDepartment(code: unknown, config: BranchConfig): string | undefined {
  if (config.departments.some((d) => d.code === code)) return undefined;
  const known = config.departments.map((d) => `${d.code}（${d.name}）`).join('、');
  return `没有科室代码 ${String(code)}，可选：${known}`;
}

export const departmentName = (code: unknown, config: BranchConfig) => config.departments.find((d) => d.code === code)?.name ?? String(code);

export type DecisionResult = { ok: true; decision: Record<string, unknown> } | { ok: false; message: string };

/** How far ahead a handling date may be set: beyond this it is a typo, not a plan. */
export const MAX_DUE_YEARS_AHEAD = 2;
/** Any message zod has not been given here, in Chinese rather than zod's English default. */
const zhCN = zhCNLocale().localeError;

/**
 * Checks a decision body against the step's form; messages are for the clerk (zh-CN). A handling
 * date lies from today (in the branch's time zone, as of `now`) to two years ahead.
 */
export function parseDecision(step: StepDefinition, body: unknown, config: BranchConfig, now: Date = new Date()): DecisionResult {
  // No body at all is an empty form; a body of null, [], "x" or 1 is not a form.
  const parsed = step.form.safeParse(body === undefined ? {} : body, { error: zhCN });
  if (!parsed.success) {
    return { ok: false, message: parsed.error.issues.map((i) => i.message).join('；') };
  }
  const decision = parsed.data as Record<string, unknown>;
  const refused = step.check?.(decision, config);
  if (refused) return { ok: false, message: refused };
  if (typeof decision.dueDate === 'string') {
    const today = localDate(now, config.timeZone);
    const [y, m, d] = today.split('-').map(Number);
    const latest = new Date(Date.UTC(y + MAX_DUE_YEARS_AHEAD, m - 1, d)).toISOString().slice(0, 10);
    if (decision.dueDate < today) return { ok: false, message: `办理期限（dueDate）${decision.dueDate} 已过，应不早于今天（${today}）` };
    if (decision.dueDate > latest) return { ok: false, message: `办理期限（dueDate）${decision.dueDate} 太远，应不晚于 ${latest}（两年内）` };
  }
  return { ok: true, decision };
}

/** May this person act on a task with this assignment? The assignee, or a holder of the role. */
export function mayDecide(actor: Actor, assignment: Assignment): boolean {
  if (assignment.username) return actor.username === assignment.username;
  if (!actor.roles.includes(assignment.role)) return false;
  return !assignment.department || actor.department === assignment.department;
}

/** The label/value pairs a decision adds to the processing slip (a set date, then the step's own). */
export function decisionDetails(step: StepDefinition, decision: Record<string, unknown>, config: BranchConfig): SlipDetail[] {
  const own = step.details?.(decision, config) ?? [];
  return decision.dueDate && !own.some((d) => d.label === '办理期限') ? [...own, { label: '办理期限', value: String(decision.dueDate) }] : own;
}

/** What a step's holder may do besides deciding, with the call that does it (the console's buttons). */
export const STEP_OPERATIONS = {
  decide: { name: '办理', call: 'POST /tasks/{taskId}/decision' },
  return: { name: '退回', call: 'POST /tasks/{taskId}/return' },
  transfer: { name: '转办', call: 'POST /tasks/{taskId}/transfer' },
  progress: { name: '办理反馈', call: 'POST /tasks/{taskId}/progress' },
  extension: { name: '延期申请', call: 'POST /tasks/{taskId}/extension' },
  circulate: { name: '传阅', call: 'POST /documents/{docId}/circulate' },
  chase: { name: '催办', call: 'POST /tasks/{taskId}/chase' },
  recall: { name: '撤回', call: 'POST /tasks/{taskId}/recall' },
  addSigner: { name: '加签', call: 'POST /tasks/{taskId}/signers' },
  removeSigner: { name: '减签', call: 'POST /tasks/{taskId}/signers/remove' },
} as const;

/** Operations only a step that may have several signers (会签 …) has. */
const SIGNING_OPERATIONS = new Set<string>(['addSigner', 'removeSigner']);

/**
 * May this step have several signers? One an earlier decision gives signers, or one whose form is
 * an opinion alone: then the signers' joint decision (their opinions, `passed`) is all later
 * steps could read of it, so a 加签 can turn its holder's task into a 依次 plan.
 */
export function maySign(step: StepDefinition): boolean {
  if (step.countersign) return true;
  const shape = (step.form as unknown as { shape?: Record<string, unknown> }).shape;
  return Boolean(shape) && Object.keys(shape!).every((key) => key === 'opinion') && !step.coHandlers;
}

/** An operation a step may allow besides deciding (办理, always allowed). */
export type StepOperation = Exclude<keyof typeof STEP_OPERATIONS, 'decide'>;

/**
 * What a step allows when its module does not say: what a reading or a decision needs (退回, 转办,
 * 传阅, 催办, 撤回). 办理反馈 and 延期申请 belong to handling steps (阅办, 答复执行), which say so.
 */
export const DEFAULT_STEP_OPERATIONS: readonly StepOperation[] = ['return', 'transfer', 'circulate', 'chase', 'recall'];

/**
 * The operations a step's module allows (whether one applies to a given task is the endpoint's
 * business). 加签/减签: on a step an earlier decision gives signers, and where the module allows
 * them on a step that may have several signers (maySign) — never elsewhere.
 */
export const stepOperations = (step: StepDefinition): readonly StepOperation[] => {
  const own = (step.operations ?? DEFAULT_STEP_OPERATIONS).filter((op) => !SIGNING_OPERATIONS.has(op) || maySign(step));
  return step.countersign ? [...new Set([...own, 'addSigner', 'removeSigner'] as StepOperation[])] : own;
};

/** Why an operation is refused on this step, or undefined when the route module allows it. */
export function operationRefusal(step: StepDefinition, op: StepOperation): string | undefined {
  return stepOperations(step).includes(op) ? undefined : `「${step.name}」步骤不能${STEP_OPERATIONS[op].name}`;
}

/** The earlier steps 退回 may go to from this step, in flow order (the endpoint keeps those already taken). */
export function returnTargets(route: RouteDefinition, step: StepDefinition): string[] {
  const order = flowSteps(route.flow);
  const at = order.indexOf(step.id);
  // A retired step (not in the current flow) has no earlier steps the module can vouch for.
  const earlier = at < 0 ? [] : order.slice(0, at);
  return step.returnTo ? earlier.filter((id) => step.returnTo!.includes(id)) : earlier;
}

/** The operations a step offers, in STEP_OPERATIONS order: 办理, then what the module allows and can apply here. */
export function operationsOf(route: RouteDefinition, step: StepDefinition): (keyof typeof STEP_OPERATIONS)[] {
  const order = flowSteps(route.flow);
  const allowed = new Set<string>(['decide', ...stepOperations(step)]);
  // 退回 needs a step to go to; 撤回 a next step to take back from (the last step leads to the archive).
  if (returnTargets(route, step).length === 0) allowed.delete('return');
  if (order.indexOf(step.id) === order.length - 1) allowed.delete('recall');
  return (Object.keys(STEP_OPERATIONS) as (keyof typeof STEP_OPERATIONS)[]).filter((op) => allowed.has(op));
}

/** The policy after the deadline, as the console shows it. */
export function afterDeadlineText(policy: AfterDeadline): string {
  return 'remind' in policy
    ? `逾期后每 ${policy.remind.everyWorkingDays} 个工作日再催办一次，共 ${policy.remind.times} 次，仍未办理则升级`
    : `逾期 ${policy.skip.afterWorkingDays} 个工作日仍未办理则超时跳过，流程转下一步`;
}

/**
 * What is wrong with a route, if anything (routes/index.ts refuses to load one with problems). A
 * step that may be skipped (超时跳过) decides nothing anyone reads: no Choice, no later step's
 * assignment or date, no named person, no co-handling, and not the last step (the archive takes
 * its 保管期限 from the filing decision). Later steps' reads are found by probing them.
 */
export function routeProblems(route: RouteDefinition): string[] {
  const problems: string[] = [];
  const order = flowSteps(route.flow);
  const readByChoice = new Set(route.flow.flatMap((n) => (typeof n === 'string' ? [] : [n.when.step])));
  // A step that may have several signers (会签 …) is decided by their outcome: a Choice may read its `passed` only.
  for (const node of route.flow) {
    if (typeof node === 'string' || node.when.field === 'passed') continue;
    const read = stepOf(route, node.when.step);
    if (read && stepOperations(read).includes('addSigner')) problems.push(`${route.id}.${read.id}: a Choice reads ${node.when.field} of a step that may have several signers (only passed)`);
  }
  for (const node of route.flow) {
    if (typeof node === 'string' || node.back === undefined) continue;
    const earlier = order.slice(0, order.indexOf(node.then[0]));
    if (!earlier.includes(node.back)) problems.push(`${route.id}: a detour goes back to ${node.back}, which is not an earlier step`);
  }
  for (const step of route.steps) {
    const at = `${route.id}.${step.id}`;
    // Out of the flow only as retired (kept for running executions of earlier graphs), never by accident.
    if (step.retired !== undefined && order.includes(step.id)) problems.push(`${at}: a retired step is still in the flow`);
    if (step.retired === undefined && !order.includes(step.id)) problems.push(`${at}: not in the flow; put it there, or mark it retired while running executions may reach it`);
    // A shared step lists the handling steps of several routes; it must name one of this route's.
    if (step.returnTo && !step.returnTo.some((id) => order.includes(id))) problems.push(`${at}: returnTo names no step of the route`);
    const policy = step.afterDeadline;
    if (!policy) continue;
    if ('remind' in policy) {
      const { times, everyWorkingDays } = policy.remind;
      if (!(Number.isInteger(times) && times >= 1 && Number.isInteger(everyWorkingDays) && everyWorkingDays >= 1)) problems.push(`${at}: remind needs whole times ≥ 1 and everyWorkingDays ≥ 1`);
      continue;
    }
    if (!(Number.isInteger(policy.skip.afterWorkingDays) && policy.skip.afterWorkingDays >= 1)) problems.push(`${at}: skip needs whole afterWorkingDays ≥ 1`);
    if (readByChoice.has(step.id)) problems.push(`${at}: a Choice reads this step's decision, so it cannot be skipped`);
    if (step.namesPerson || step.coHandlers) problems.push(`${at}: a step naming a person or with co-handlers cannot be skipped`);
    if (order.at(-1) === step.id) problems.push(`${at}: the last step (filing) cannot be skipped`);
    const later = order.slice(order.indexOf(step.id) + 1).map((id) => stepOf(route, id)!);
    if (later.some((s) => readsOf(s).has(step.id))) problems.push(`${at}: a later step reads this step's decision, so it cannot be skipped`);
  }
  return problems;
}

/** The step ids a step's assignment, date and co-handlers read from the decisions (a recording proxy). */
function readsOf(step: StepDefinition): Set<string> {
  const read = new Set<string>();
  const decisions = new Proxy({} as Decisions, {
    get: (_t, key) => {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  const context: StepContext = { secrecy: '非密', requester: { username: 'probe' } };
  step.assign(decisions, context);
  step.dueDateFrom?.(decisions);
  step.coHandlers?.(decisions);
  return read;
}

/**
 * Each step's form as JSON Schema, the operations it allows and what happens when it is late, for
 * the console and the CLI to render any route without knowing it. 退回 goes to an earlier step
 * already taken (`returnTo` lists the candidates); 撤回 is the decider's, on the task just
 * decided, while the next has not acted.
 */
export function describeRoute(route: RouteDefinition) {
  return {
    id: route.id,
    name: route.name,
    kind: route.kind,
    flow: route.flow,
    steps: route.steps.map((s) => {
      const returnTo = returnTargets(route, s);
      return {
        id: s.id,
        name: s.name,
        ask: s.ask,
        form: z.toJSONSchema(s.form, { io: 'input', unrepresentable: 'any' }),
        operations: operationsOf(route, s).map((op) => ({ id: op, ...STEP_OPERATIONS[op] })),
        ...(returnTo.length ? { returnTo } : {}),
        ...(s.afterDeadline ? { afterDeadline: { ...s.afterDeadline, text: afterDeadlineText(s.afterDeadline) } } : {}),
        ...(s.namesPerson ? { namesPerson: s.namesPerson } : {}),
        ...(s.namesSigners ? { namesSigners: s.namesSigners } : {}),
        // Where a step may have signers, a signer adds their vote to the step's form: {"agree": false, "opinion": "…"}.
        ...(stepOperations(s).includes('addSigner') ? { countersign: { modes: SIGN_MODE_NAMES, vote: { agree: { type: 'boolean', default: true, description: '同意（true）或不同意（false）' } } } } : {}),
      };
    }),
  };
}
