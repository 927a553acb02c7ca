/**
 * The other incoming routes (收文, ROUTES.md "Incoming"; seeds 000 §一(一)1, 002 范文4):
 *   superior-dept (上级部门来文): register → director proposes → deputy instructs (important: the
 *     main leader is informed, 阅知, without holding the route) → department handles → department files
 *   publicity (有偿宣传函件、传真): register → director proposes → department handles and files
 * Late: the deputy's 阅批 is reminded every working day, three more times, before escalation (only
 * he can instruct); the department's steps are chased and escalated. 科室归档 退回 only to 阅办.
 */
import { form, isoDate, opinion, type RouteDefinition, type StepDefinition } from '../domain/route-platform.js';
import * as z from 'zod';
import { archiveClassOf, departmentFileStep, departmentHandleStep, dueDetail, leaderDeadline, proposeStep, remindLeader } from './steps.js';

const deputyInstruct: StepDefinition = {
  id: 'deputyInstruct',
  name: '阅批',
  ask: '请阅批并明确办理要求；重要的请标明，将告知主要领导（阅知）',
  comment: '阅批: the deputy leader instructs; an important document is made known to the main leader (阅知)',
  form: form({ opinion, important: z.boolean({ error: '重要（important）应为 true 或 false' }).optional(), dueDate: isoDate.optional() }),
  deadline: leaderDeadline,
  assign: () => ({ role: 'deputy-leader' }),
  afterDeadline: remindLeader,
  informs: (d) => (d.important === true ? { role: 'main-leader', reason: '重要文件，请主要领导阅知' } : undefined),
  details: (d) => [...dueDetail(d), ...(d.important ? [{ label: '重要', value: '是' }] : [])],
};

export const superiorDept: RouteDefinition = {
  id: 'superior-dept',
  name: '上级部门来文',
  kind: 'incoming',
  steps: [proposeStep(), deputyInstruct, departmentHandleStep(), departmentFileStep()],
  flow: ['propose', 'deputyInstruct', 'departmentHandle', 'departmentFile', 'archive'],
  archiveClass: (d, config) => archiveClassOf(d, config),
};

export const publicity: RouteDefinition = {
  id: 'publicity',
  name: '有偿宣传函件、传真',
  kind: 'incoming',
  steps: [proposeStep(), departmentHandleStep(), departmentFileStep()],
  flow: ['propose', 'departmentHandle', 'departmentFile', 'archive'],
  archiveClass: (d, config) => archiveClassOf(d, config),
};
