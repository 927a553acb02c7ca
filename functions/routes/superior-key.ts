/**
 * The route `superior-key` (上级主管机关/政府重要来文), step by step, as the office runs it:
 * 登记 register → 拟办 propose → 阅批 instruct → 阅处 deputy handles → 阅办 department handles →
 * 立卷归档 file → archive. statemachines/superior-key.asl.json is generated from `flow`.
 *
 * Deadlines (ROUTES.md, seeds 002 范文4 and 003 §四): 拟办 3 wd, 1 wd when 加急, at once (10 min)
 * when 特急; the leader reads within 2 wd; handed to the department within 1 wd; handling 4 wd
 * (or by the date the proposal or instruction set); 特急 steps report every 2 hours.
 */
import { RETENTION_LABELS, type RetentionCode } from '../domain/numbering.js';
import {
  departmentCode,
  departmentName,
  filingOpinion,
  form,
  isoDate,
  opinion,
  retention,
  unknownDepartment,
  username,
  type Decisions,
  type RouteDefinition,
  type SlipDetail,
  type StepDefinition,
} from '../domain/route-platform.js';

export const ROUTE_ID = 'superior-key';

const dueDetail = (decision: Record<string, unknown>): SlipDetail[] => (decision.dueDate ? [{ label: '办理期限', value: String(decision.dueDate) }] : []);

export const propose: StepDefinition = {
  id: 'propose',
  name: '拟办',
  ask: '请提出拟办意见，指定承办科室和办理期限',
  comment: '拟办: the office director proposes the handling department and date',
  form: form({ opinion, department: departmentCode('承办科室（牵头科室，department）'), dueDate: isoDate.optional() }),
  deadline: (u) => (u === '特急' ? { minutes: 10 } : u === '加急' ? { workingDays: 1 } : { workingDays: 3 }),
  assign: () => ({ role: 'office-director' }),
  check: (d, config) => unknownDepartment(d.department, config),
  details: (d, config) => [{ label: '承办科室', value: departmentName(d.department, config) }, ...dueDetail(d)],
  registerFields: (d, config) => ({ department: departmentName(d.department, config) }),
};

export const instruct: StepDefinition = {
  id: 'instruct',
  name: '阅批',
  ask: '请阅批，并指定分管领导和办理期限',
  comment: '阅批: the main leader reads, instructs and names the responsible deputy',
  form: form({ opinion, deputy: username('分管领导（deputy）').optional(), dueDate: isoDate.optional() }),
  deadline: (u) => (u === '特急' ? { minutes: 120 } : u === '加急' ? { workingDays: 1 } : { workingDays: 2 }),
  assign: () => ({ role: 'main-leader' }),
  namesPerson: { field: 'deputy', role: 'deputy-leader', label: '分管领导' },
  details: (d) => [
    ...dueDetail(d),
    ...(d.deputy ? [{ label: '责任领导', value: d.deputyName ? `${String(d.deputyName)}（${String(d.deputy)}）` : String(d.deputy) }] : []),
  ],
};

export const deputyHandle: StepDefinition = {
  id: 'deputyHandle',
  name: '阅处',
  ask: '请阅处，并交承办科室办理',
  comment: '阅处: the deputy leader handles in his area and hands to the department',
  form: form({ opinion }),
  deadline: (u) => (u === '特急' ? { minutes: 120 } : { workingDays: 1 }),
  assign: (d) => (typeof d.instruct?.deputy === 'string' ? { role: 'deputy-leader', username: d.instruct.deputy } : { role: 'deputy-leader' }),
};

/** A date set by the proposal or the instruction overrides the handling deadline. */
export function handlingDueDate(decisions: Decisions): string | undefined {
  const set = decisions.instruct?.dueDate ?? decisions.propose?.dueDate;
  return typeof set === 'string' ? set : undefined;
}

export const departmentHandle: StepDefinition = {
  id: 'departmentHandle',
  name: '阅办',
  ask: '请办理，并填写办理过程和结果',
  comment: '阅办: the department head records how it was handled and the result',
  form: form({ opinion }),
  deadline: (u) => (u === '特急' ? { minutes: 120 } : u === '加急' ? { workingDays: 2 } : { workingDays: 4 }),
  assign: (d) => ({ role: 'dept-head', department: String(d.propose?.department ?? '') }),
  dueDateFrom: handlingDueDate,
  // The department's account of how it was handled is the register's 办理结果.
  registerFields: (d) => ({ result: String(d.opinion ?? '') }),
};

export const file: StepDefinition = {
  id: 'file',
  name: '立卷归档',
  ask: '请立卷归档，并确定保管期限',
  comment: '立卷归档: the clerk files the document and sets its retention period (保管期限)',
  form: form({ opinion: filingOpinion, retention }),
  deadline: () => ({ workingDays: 3 }),
  // A classified document is filed by the confidential clerk (机要员), as it was kept apart.
  assign: (_d, context) => (context && context.secrecy !== '非密' ? { role: 'confidential-clerk' } : { role: 'clerk' }),
  details: (d) => (d.retention ? [{ label: '保管期限', value: RETENTION_LABELS[d.retention as RetentionCode] }] : []),
};

export const superiorKey: RouteDefinition = {
  id: ROUTE_ID,
  name: '上级主管机关/政府重要来文',
  kind: 'incoming',
  steps: [propose, instruct, deputyHandle, departmentHandle, file],
  flow: ['propose', 'instruct', 'deputyHandle', 'departmentHandle', 'file', 'archive'],
  archiveClass: (d, config) => ({ retention: String(d.file?.retention ?? 'Y'), orgCode: String(d.propose?.department ?? config.departments[0].code) }),
};

/** The steps by id. */
export const STEPS = { propose, instruct, deputyHandle, departmentHandle, file };
