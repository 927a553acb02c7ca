/**
 * Steps several routes share, as the seeds describe them once for all: 拟办 by the office
 * director, 阅办 by the handling department, 立卷归档, a leader's decision that may go to a meeting,
 * a reading, the requester's execution. A route module composes these with its own.
 */
import * as z from 'zod';
import type { Role } from '../domain/identity.js';
import { RETENTION_LABELS, type RetentionCode } from '../domain/numbering.js';
import {
  DEFAULT_STEP_OPERATIONS,
  departmentCode,
  departmentName,
  filingOpinion,
  form,
  isoDate,
  opinion,
  retention,
  unknownDepartment,
  type Assignment,
  type AfterDeadline,
  type Decisions,
  type SlipDetail,
  type StepOperation,
  type StepContext,
  type StepDefinition,
  type Urgency,
} from '../domain/route-platform.js';
import type { DeadlineRule } from '../domain/calendar.js';

export const dueDetail = (decision: Record<string, unknown>): SlipDetail[] => (decision.dueDate ? [{ label: '办理期限', value: String(decision.dueDate) }] : []);

/** 拟办 3 wd, 1 wd when 加急, at once (10 min) when 特急 (seed 003 §四). */
export const proposeDeadline = (u: Urgency): DeadlineRule => (u === '特急' ? { minutes: 10 } : u === '加急' ? { workingDays: 1 } : { workingDays: 3 });
/** A leader reads within 2 wd (加急 1; 特急 2 hours). */
export const leaderDeadline = (u: Urgency): DeadlineRule => (u === '特急' ? { minutes: 120 } : u === '加急' ? { workingDays: 1 } : { workingDays: 2 });
/** Handling 4 wd (加急 2; 特急 2 hours). */
export const handlingDeadline = (u: Urgency): DeadlineRule => (u === '特急' ? { minutes: 120 } : u === '加急' ? { workingDays: 2 } : { workingDays: 4 });
/** Reports on people, money or property reach the main leader the same working day (seed 000 §2(4)). */
export const sameDay = (): DeadlineRule => ({ workingDays: 0 });

/**
 * Only the leader can read or decide what waits for him, so a late leader is not skipped but
 * reminded: every working day, three more times after the first 催办, then escalated.
 */
export const remindLeader: AfterDeadline = { remind: { times: 3, everyWorkingDays: 1 } };

/** A handling step (阅办, 答复执行) also takes 办理反馈 and 延期申请: it has a handling deadline to report on. */
export const HANDLING_OPERATIONS: StepOperation[] = ['return', 'transfer', 'progress', 'extension', 'circulate', 'chase', 'recall'];
/**
 * Filing ends the route: nothing to circulate or take back. It may 退回 only to the step that
 * handled the document, when the handling record is incomplete — never re-run the whole route.
 */
export const FILING_OPERATIONS: StepOperation[] = ['return', 'transfer', 'chase'];
const FILING_RETURNS_TO = ['departmentHandle', 'execute', 'departmentNote', 'distribute'];

/** 拟办: the office director proposes the handling department (牵头科室) and a date. */
export function proposeStep(deadline: (u: Urgency) => DeadlineRule = proposeDeadline): StepDefinition {
  return {
    id: 'propose',
    name: '拟办',
    ask: '请提出拟办意见，指定承办科室和办理期限',
    comment: '拟办: the office director proposes the handling department and date',
    form: form({
      opinion,
      department: departmentCode('承办科室（牵头科室，department）'),
      coDepartments: z.array(departmentCode('协办科室（coDepartments）'), { error: '协办科室（coDepartments）应为科室代码的列表，如 ["CWK"]' }).max(10, '协办科室不超过 10 个').optional(),
      dueDate: isoDate.optional(),
    }),
    deadline,
    assign: () => ({ role: 'office-director' }),
    check: (d, config) => {
      const co = (d.coDepartments as string[] | undefined) ?? [];
      if (co.includes(String(d.department))) return '协办科室不能与牵头科室相同';
      if (new Set(co).size !== co.length) return '协办科室重复';
      return [d.department, ...co].map((code) => unknownDepartment(code, config)).find(Boolean);
    },
    details: (d, config) => [
      { label: '承办科室', value: departmentName(d.department, config) },
      ...(Array.isArray(d.coDepartments) && d.coDepartments.length ? [{ label: '协办科室', value: d.coDepartments.map((c) => departmentName(c, config)).join('、') }] : []),
      ...dueDetail(d),
    ],
    registerFields: (d, config) => ({ department: departmentName(d.department, config) }),
  };
}

/** A date set by the proposal or an instruction overrides the handling deadline. */
export function setHandlingDate(decisions: Decisions): string | undefined {
  for (const step of ['instruct', 'deputyInstruct', 'propose']) {
    const set = decisions[step]?.dueDate;
    if (typeof set === 'string') return set;
  }
  return undefined;
}

/** The department the proposal (or a leader's reading) named. */
export const handlingDepartment = (d: Decisions): string => String(d.propose?.department ?? d.deputyRead?.department ?? '');

/** 阅办: the head of the handling department records the process and the result. */
export function departmentHandleStep(deadline: (u: Urgency) => DeadlineRule = handlingDeadline): StepDefinition {
  return {
    id: 'departmentHandle',
    name: '阅办',
    ask: '请办理，并填写办理过程和结果',
    comment: '阅办: the department head records how it was handled and the result',
    form: form({ opinion }),
    deadline,
    assign: (d) => ({ role: 'dept-head', department: handlingDepartment(d) }),
    coHandlers: (d) => ((d.propose?.coDepartments as string[] | undefined) ?? []).map((code) => ({ role: 'dept-head' as const, department: code })),
    dueDateFrom: setHandlingDate,
    operations: HANDLING_OPERATIONS,
    // The department's account of how it was handled is the register's 办理结果.
    registerFields: (d) => ({ result: String(d.opinion ?? '') }),
  };
}

const retentionDetail = (d: Record<string, unknown>): SlipDetail[] => (d.retention ? [{ label: '保管期限', value: RETENTION_LABELS[d.retention as RetentionCode] }] : []);
const fileForm = form({ opinion: filingOpinion, retention });

/** 立卷归档 by the office: the clerk, or the confidential clerk for a classified document. */
export function officeFileStep(): StepDefinition {
  return {
    id: 'file',
    name: '立卷归档',
    ask: '请立卷归档，并确定保管期限',
    comment: '立卷归档: the clerk files the document and sets its retention period (保管期限)',
    form: fileForm,
    deadline: () => ({ workingDays: 3 }),
    // A classified document is filed by the confidential clerk (机要员), as it was kept apart.
    assign: (_d, context) => (context && context.secrecy !== '非密' ? { role: 'confidential-clerk' } : { role: 'clerk' }),
    operations: FILING_OPERATIONS,
    returnTo: FILING_RETURNS_TO,
    details: retentionDetail,
  };
}

/** 立卷归档 by the handling department itself (superior-dept, publicity). */
export function departmentFileStep(): StepDefinition {
  return {
    id: 'departmentFile',
    name: '科室归档',
    ask: '请将本件立卷归档，并确定保管期限',
    comment: '科室归档: the handling department files the document and sets its retention period',
    form: fileForm,
    deadline: () => ({ workingDays: 3 }),
    assign: (d) => ({ role: 'dept-head', department: handlingDepartment(d) }),
    operations: FILING_OPERATIONS,
    returnTo: FILING_RETURNS_TO,
    details: retentionDetail,
  };
}

/** The person who submitted an internal document: replies and execution come back to them. */
export function requesterOf(context: StepContext | undefined): Assignment {
  const r = context?.requester;
  if (!r) throw new Error('this step needs the requester of an internal document');
  return { role: (r.role ?? 'staff') as Role, username: r.username, ...(r.department ? { department: r.department } : {}) };
}

export const OUTCOMES = { approve: '同意', reject: '不同意', meeting: '提交会议研究' } as const;
const outcome = (allowMeeting: string) =>
  z.enum(['approve', 'reject', 'meeting'], { error: `请选择办理结论（outcome）：approve（同意）、reject（不同意）或 meeting（${allowMeeting}）` });
const outcomeDetail = (d: Record<string, unknown>): SlipDetail[] =>
  d.outcome ? [{ label: '结论', value: OUTCOMES[d.outcome as keyof typeof OUTCOMES] ?? String(d.outcome) }] : [];

/** A leader decides a request: 同意, 不同意, or sends it to a meeting (the flow's detour). */
export function leaderDecisionStep(options: { id: string; name: string; role: Role; meeting: string; comment: string; deadline?: (u: Urgency) => DeadlineRule }): StepDefinition {
  return {
    id: options.id,
    name: options.name,
    ask: `请批示：同意、不同意，或提交${options.meeting}研究`,
    comment: options.comment,
    form: form({ opinion, outcome: outcome(`提交${options.meeting}`) }),
    deadline: options.deadline ?? leaderDeadline,
    assign: () => ({ role: options.role }),
    afterDeadline: remindLeader,
    details: outcomeDetail,
  };
}

/** The meeting's decision, recorded by the office (会议纪要 comes with the meetings routes). */
export function meetingStep(options: { id: string; name: string; meeting: string }): StepDefinition {
  return {
    id: options.id,
    name: options.name,
    ask: `请记录${options.meeting}的研究结论（同意或不同意）和会议日期`,
    comment: `${options.name}: the office records what the ${options.meeting} decided`,
    form: form({
      opinion,
      outcome: z.enum(['approve', 'reject'], { error: '请填写会议结论（outcome）：approve（同意）或 reject（不同意）' }),
      meetingDate: isoDate.optional(),
    }),
    // A meeting sits when it sits: the office records it within 10 working days of the referral.
    deadline: () => ({ workingDays: 10 }),
    assign: () => ({ role: 'office-director' }),
    details: (d) => [...outcomeDetail(d), ...(d.meetingDate ? [{ label: '会议日期', value: String(d.meetingDate) }] : [])],
  };
}

/** A reading by a leader (阅示); `important` sends it on to the main leader too. */
export function readStep(options: { id: string; name: string; role: Role; comment: string; deadline?: (u: Urgency) => DeadlineRule; mayMarkImportant?: boolean; namesDepartment?: boolean }): StepDefinition {
  const shape = {
    opinion,
    ...(options.mayMarkImportant ? { important: z.boolean({ error: '重要（important）应为 true 或 false' }).optional() } : {}),
    ...(options.namesDepartment ? { department: departmentCode('业务科室（department）') } : {}),
  };
  return {
    id: options.id,
    name: options.name,
    ask: options.mayMarkImportant ? '请阅示；重要的请标明，将呈主要领导阅' : '请阅示',
    comment: options.comment,
    form: form(shape),
    deadline: options.deadline ?? leaderDeadline,
    assign: () => ({ role: options.role }),
    afterDeadline: remindLeader,
    // A leader reading may bring in another leader (加签) where the reading is an opinion alone.
    operations: [...DEFAULT_STEP_OPERATIONS, 'addSigner', 'removeSigner'],
    ...(options.namesDepartment ? { check: (d, config) => unknownDepartment(d.department, config) } : {}),
    details: (d, config) => [
      ...(d.important ? [{ label: '重要', value: '是（呈主要领导阅）' }] : []),
      ...(d.department ? [{ label: '业务科室', value: departmentName(d.department, config) }] : []),
    ],
  };
}

/** The requester is told the answer and carries it out (答复请示单位，承办执行). */
export function requesterExecuteStep(): StepDefinition {
  return {
    id: 'execute',
    name: '答复执行',
    ask: '领导已批示，请按批示办理并填写执行情况',
    comment: 'execute: the requester reads the answer and reports what was done',
    form: form({ opinion }),
    deadline: handlingDeadline,
    assign: (_d, context) => requesterOf(context),
    // The requester carries out his own request: handling, but not handed to anyone else (转办).
    operations: HANDLING_OPERATIONS.filter((op) => op !== 'transfer'),
  };
}

/** The requester's department files its own request (承办人归档). */
export function requesterFileStep(): StepDefinition {
  return {
    id: 'requesterFile',
    name: '承办人归档',
    ask: '请将本件立卷归档，并确定保管期限',
    comment: 'requesterFile: the handler files the request and sets its retention period',
    form: fileForm,
    deadline: () => ({ workingDays: 3 }),
    assign: (_d, context) => requesterOf(context),
    // The requester files his own request: no one to hand it to (转办).
    operations: FILING_OPERATIONS.filter((op) => op !== 'transfer'),
    returnTo: FILING_RETURNS_TO,
    details: retentionDetail,
  };
}

/** 保管期限 from whichever step filed it; 机构代码 from the handling or requesting department. */
export function archiveClassOf(d: Decisions, config: { departments: { code: string }[] }, requesterDepartment?: string): { retention: string; orgCode: string } {
  const filed = Object.values(d).find((x) => typeof x?.retention === 'string');
  const dept = handlingDepartment(d) || requesterDepartment || config.departments[0].code;
  return { retention: String(filed?.retention ?? 'Y'), orgCode: dept };
}
