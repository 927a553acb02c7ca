/**
 * The route `superior-key` (上级主管机关/政府重要来文), step by step, as the office runs it:
 * 登记 register → 拟办 propose → 阅批 instruct → 阅处 deputy handles → 阅办 department handles →
 * 立卷归档 file. statemachines/superior-key.asl.json holds the flow; this module holds who acts,
 * by when, and what a valid decision says.
 */
import { z } from 'zod';
import type { BranchConfig } from './branch-config.js';
import { localDate, type DeadlineRule } from './calendar.js';
import type { Actor, Role, Secrecy } from './identity.js';
import { RETENTION_LABELS, type RetentionCode } from './numbering.js';

export const ROUTE_ID = 'superior-key';

export type Urgency = '特急' | '加急' | '平件';
export const URGENCIES: Urgency[] = ['特急', '加急', '平件'];

export type StepId = 'propose' | 'instruct' | 'deputyHandle' | 'departmentHandle' | 'file';

/** Who a task is for: a named person, or anyone holding the role (in the department, if given). */
export interface Assignment {
  role: Role;
  username?: string;
  department?: string;
}

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
/** Unknown fields are refused, not dropped: a misspelt field would otherwise vanish unseen. */
const form = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return NOT_AN_OBJECT;
      const keys = ((issue as { keys?: string[] }).keys ?? []).map((k) => (k.length > 30 ? `${k.slice(0, 30)}…` : k));
      const shown = keys.length > 5 ? `${keys.slice(0, 5).join('、')} 等 ${keys.length} 个` : keys.join('、');
      return `不认识的字段：${shown}；本步骤可填写：${Object.keys(shape).join('、')}`;
    },
  });

const isoDate = z
  .string({ error: '办理期限（dueDate）应为日期文字，格式 YYYY-MM-DD，如 2026-12-31' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: '办理期限（dueDate）格式应为 YYYY-MM-DD，如 2026-12-31', abort: true })
  .refine(isCalendarDate, '办理期限（dueDate）不是真实的日期，请检查月份（01–12）和日期（不超过当月天数）');
const opinion = z.string({ error: '请填写意见（opinion），应为文字' }).trim().min(1, '请填写意见（opinion）').max(2000, '意见不超过 2000 字');
/** Cognito's user-name rule (1–128 letters, marks, symbols, digits, punctuation). */
const username = z
  .string({ error: '分管领导（deputy）应为用户名文字，如 sunwei' })
  .regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, '分管领导（deputy）应为用户名，如 sunwei');

const decisionSchemas = {
  propose: form({
    opinion,
    department: z
      .string({ error: '请指定承办科室（牵头科室，department），填科室代码，如 SCJSK' })
      .min(1, '请指定承办科室（牵头科室，department）')
      .max(32, '承办科室（department）应为科室代码，如 SCJSK'),
    dueDate: isoDate.optional(),
  }),
  instruct: form({ opinion, deputy: username.optional(), dueDate: isoDate.optional() }),
  deputyHandle: form({ opinion }),
  departmentHandle: form({ opinion }),
  file: form({
    opinion: z.string({ error: '意见（opinion）应为文字' }).trim().max(2000, '意见不超过 2000 字').default('已立卷归档'),
    retention: z.enum(['Y', 'D30', 'D10'], { error: '请确定保管期限（retention）：Y（永久）、D30（30年）或 D10（10年）' }),
  }),
} satisfies Record<StepId, z.ZodType>;

export type Decisions = {
  propose?: z.infer<(typeof decisionSchemas)['propose']> & DecisionStamp;
  instruct?: z.infer<(typeof decisionSchemas)['instruct']> & DecisionStamp;
  deputyHandle?: z.infer<(typeof decisionSchemas)['deputyHandle']> & DecisionStamp;
  departmentHandle?: z.infer<(typeof decisionSchemas)['departmentHandle']> & DecisionStamp;
  file?: z.infer<(typeof decisionSchemas)['file']> & DecisionStamp;
};

/** Added to every decision sent back to the state machine: who decided and when. */
export interface DecisionStamp {
  by: string;
  byName: string;
  at: string;
}

/** What a step's assignment may depend on besides earlier decisions. */
export interface StepContext {
  /** The document's 密级: classified documents go to the confidential clerk, not the clerk. */
  secrecy: Secrecy;
}

export interface StepDefinition {
  id: StepId;
  /** 拟办, 阅批 … as printed on the processing slip. */
  name: string;
  /** What the assignee is asked to do, shown in the task list. */
  ask: string;
  deadline(urgency: Urgency): DeadlineRule;
  assign(decisions: Decisions, context?: StepContext): Assignment;
}

/**
 * Deadlines (ROUTES.md, seeds 002 范文4 and 003 §四): 拟办 3 wd, 1 wd when 加急, at once (10 min)
 * when 特急; the leader reads within 2 wd; handed to the department within 1 wd; handling 4 wd
 * (or by the date the proposal or instruction set); 特急 steps report every 2 hours.
 */
export const STEPS: Record<StepId, StepDefinition> = {
  propose: {
    id: 'propose',
    name: '拟办',
    ask: '请提出拟办意见，指定承办科室和办理期限',
    deadline: (u) => (u === '特急' ? { minutes: 10 } : u === '加急' ? { workingDays: 1 } : { workingDays: 3 }),
    assign: () => ({ role: 'office-director' }),
  },
  instruct: {
    id: 'instruct',
    name: '阅批',
    ask: '请阅批，并指定分管领导和办理期限',
    deadline: (u) => (u === '特急' ? { minutes: 120 } : u === '加急' ? { workingDays: 1 } : { workingDays: 2 }),
    assign: () => ({ role: 'main-leader' }),
  },
  deputyHandle: {
    id: 'deputyHandle',
    name: '阅处',
    ask: '请阅处，并交承办科室办理',
    deadline: (u) => (u === '特急' ? { minutes: 120 } : { workingDays: 1 }),
    assign: (d) => (d.instruct?.deputy ? { role: 'deputy-leader', username: d.instruct.deputy } : { role: 'deputy-leader' }),
  },
  departmentHandle: {
    id: 'departmentHandle',
    name: '阅办',
    ask: '请办理，并填写办理过程和结果',
    deadline: (u) => (u === '特急' ? { minutes: 120 } : u === '加急' ? { workingDays: 2 } : { workingDays: 4 }),
    assign: (d) => ({ role: 'dept-head', department: d.propose?.department }),
  },
  file: {
    id: 'file',
    name: '立卷归档',
    ask: '请立卷归档，并确定保管期限',
    deadline: () => ({ workingDays: 3 }),
    // A classified document is filed by the confidential clerk (机要员), as it was kept apart.
    assign: (_d, context) => (context && context.secrecy !== '非密' ? { role: 'confidential-clerk' } : { role: 'clerk' }),
  },
};

export const STEP_ORDER: StepId[] = ['propose', 'instruct', 'deputyHandle', 'departmentHandle', 'file'];

export function isStepId(value: string): value is StepId {
  return (STEP_ORDER as string[]).includes(value);
}

/** A date set by the proposal or the instruction overrides the handling deadline. */
export function handlingDueDate(decisions: Decisions): string | undefined {
  return decisions.instruct?.dueDate ?? decisions.propose?.dueDate;
}

export type DecisionResult<S extends StepId = StepId> =
  | { ok: true; decision: z.infer<(typeof decisionSchemas)[S]> }
  | { ok: false; message: string };

/** How far ahead a handling date may be set: beyond this it is a typo, not a plan. */
export const MAX_DUE_YEARS_AHEAD = 2;
/** Any message zod has not been given here, in Chinese rather than zod's English default. */
const zhCN = z.locales.zhCN().localeError;

/**
 * Checks a decision body against the step; messages are for the clerk (zh-CN). A handling date
 * lies from today (in the branch's time zone, as of `now`) to two years ahead.
 */
export function parseDecision(step: StepId, body: unknown, config: BranchConfig, now: Date = new Date()): DecisionResult {
  // No body at all is an empty form; a body of null, [], "x" or 1 is not a form.
  const parsed = decisionSchemas[step].safeParse(body === undefined ? {} : body, { error: zhCN });
  if (!parsed.success) {
    return { ok: false, message: parsed.error.issues.map((i) => i.message).join('；') };
  }
  const decision = parsed.data as Record<string, unknown>;
  if (step === 'propose') {
    const code = String(decision.department);
    if (!config.departments.some((d) => d.code === code)) {
      const known = config.departments.map((d) => `${d.code}（${d.name}）`).join('、');
      return { ok: false, message: `没有科室代码 ${code}，可选：${known}` };
    }
  }
  if (typeof decision.dueDate === 'string') {
    const today = localDate(now, config.timeZone);
    const [y, m, d] = today.split('-').map(Number);
    const latest = new Date(Date.UTC(y + MAX_DUE_YEARS_AHEAD, m - 1, d)).toISOString().slice(0, 10);
    if (decision.dueDate < today) return { ok: false, message: `办理期限（dueDate）${decision.dueDate} 已过，应不早于今天（${today}）` };
    if (decision.dueDate > latest) return { ok: false, message: `办理期限（dueDate）${decision.dueDate} 太远，应不晚于 ${latest}（两年内）` };
  }
  return { ok: true, decision: parsed.data };
}

/** May this person act on a task with this assignment? The assignee, or a holder of the role. */
export function mayDecide(actor: Actor, assignment: Assignment): boolean {
  if (assignment.username) return actor.username === assignment.username;
  if (!actor.roles.includes(assignment.role)) return false;
  return !assignment.department || actor.department === assignment.department;
}

/** The label/value pairs a decision adds to the processing slip. */
export function decisionDetails(step: StepId, decision: Record<string, unknown>, config: BranchConfig): { label: string; value: string }[] {
  const details: { label: string; value: string }[] = [];
  const deptName = (code: unknown) => config.departments.find((d) => d.code === code)?.name ?? String(code);
  if (step === 'propose' && decision.department) details.push({ label: '承办科室', value: deptName(decision.department) });
  if (decision.dueDate) details.push({ label: '办理期限', value: String(decision.dueDate) });
  if (step === 'instruct' && decision.deputy) {
    details.push({ label: '责任领导', value: decision.deputyName ? `${String(decision.deputyName)}（${String(decision.deputy)}）` : String(decision.deputy) });
  }
  if (step === 'file' && decision.retention) {
    details.push({ label: '保管期限', value: RETENTION_LABELS[decision.retention as RetentionCode] });
  }
  return details;
}

/** Reads urgency from the scan's name: 【特急】/【加急】 (or 特急/加急 anywhere in the name). */
export function urgencyFromName(fileName: string): Urgency {
  if (fileName.includes('特急')) return '特急';
  if (fileName.includes('加急')) return '加急';
  return '平件';
}

/** Title from the scan's file name: no folder, no extension, no urgency marker. */
export function titleFromName(fileName: string): string {
  const base = fileName.split('/').pop() ?? fileName;
  const title = base
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[【\[]\s*(特急|加急)\s*[】\]]/g, '')
    .trim();
  return title || base;
}
