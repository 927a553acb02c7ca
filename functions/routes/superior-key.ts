/**
 * The route `superior-key` (上级主管机关/政府重要来文), step by step, as the office runs it:
 * 登记 register → 拟办 propose → 阅批 instruct → 阅处 deputy handles → 阅办 department handles →
 * 立卷归档 file → archive. statemachines/superior-key.asl.json is generated from `flow`.
 *
 * Deadlines (ROUTES.md, seeds 002 范文4 and 003 §四): 拟办 3 wd, 1 wd when 加急, at once (10 min)
 * when 特急; the leader reads within 2 wd; handed to the department within 1 wd; handling 4 wd
 * (or by the date the proposal or instruction set); 特急 steps report every 2 hours.
 *
 * Late (催办): every step is chased once and escalated as the branch says; the leaders' steps
 * (阅批, 阅处) are reminded every working day, three more times, before escalation — only the
 * leader can take them, so none is skipped. 阅处 cannot be handed on (转办): the leader named the
 * responsible deputy at 阅批, and a change is his (退回 to 阅批). Filing 退回 only to 阅办.
 */
import { form, isoDate, opinion, username, type RouteDefinition, type StepDefinition } from '../domain/route-platform.js';
import { archiveClassOf, departmentHandleStep, dueDetail, leaderDeadline, officeFileStep, proposeStep, remindLeader } from './steps.js';

export const ROUTE_ID = 'superior-key';

export const propose = proposeStep();

export const instruct: StepDefinition = {
  id: 'instruct',
  name: '阅批',
  ask: '请阅批，并指定分管领导和办理期限',
  comment: '阅批: the main leader reads, instructs and names the responsible deputy',
  form: form({ opinion, deputy: username('分管领导（deputy）').optional(), dueDate: isoDate.optional() }),
  deadline: leaderDeadline,
  assign: () => ({ role: 'main-leader' }),
  afterDeadline: remindLeader,
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
  afterDeadline: remindLeader,
  operations: ['return', 'circulate', 'chase', 'recall'],
};

/** A date set by the proposal or the instruction overrides the handling deadline. */
export { setHandlingDate as handlingDueDate } from './steps.js';

export const departmentHandle = departmentHandleStep();
export const file = officeFileStep();

export const superiorKey: RouteDefinition = {
  id: ROUTE_ID,
  name: '上级主管机关/政府重要来文',
  kind: 'incoming',
  steps: [propose, instruct, deputyHandle, departmentHandle, file],
  flow: ['propose', 'instruct', 'deputyHandle', 'departmentHandle', 'file', 'archive'],
  archiveClass: (d, config) => archiveClassOf(d, config),
};

/** The steps by id. */
export const STEPS = { propose, instruct, deputyHandle, departmentHandle, file };
