/**
 * Internal requests and reports (内部来文, ROUTES.md; seed 000 §一(一)2), submitted by a department
 * through POST /documents and numbered in the internal-document register (内部来文登记簿):
 *   request-general (一般性请示/呈批件): deputy instructs (or a topic meeting decides) → reply to the
 *     requester, who executes → the handler files
 *   request-important (重要请示): register → director proposes → deputy instructs → main leader
 *     instructs (or the executive meeting decides) → reply → file
 *   report-general (一般性报告): deputy reads (important: the main leader too) → the business
 *     department notes → file
 *   report-key (人财物重要报告): register → director proposes → deputy reads → main leader reads,
 *     the same working day → department handles → office files
 *
 * Late (催办): leaders' readings and decisions (阅示, 批示) are reminded every working day, three
 * more times, before escalation — nobody else can give them. report-general's 业务科室阅知 only
 * tells the department of a report the leaders have read: three working days past its deadline
 * it is skipped (超时跳过) and the report goes to filing, so a busy department never holds it.
 * The requester's own steps (答复执行, 承办人归档) cannot be handed on (转办); filing 退回 only
 * to the step that handled the document.
 */
import { countersignRequest, signersDetail } from '../domain/countersign.js';
import { form, opinion, type NamedSigners, type RouteDefinition, type StepDefinition } from '../domain/route-platform.js';
import {
  archiveClassOf,
  departmentHandleStep,
  leaderDecisionStep,
  meetingStep,
  officeFileStep,
  proposeDeadline,
  proposeStep,
  readStep,
  requesterExecuteStep,
  requesterFileStep,
  sameDay,
} from './steps.js';

const internalArchive: RouteDefinition['archiveClass'] = (d, config, context) => archiveClassOf(d, config, context?.requester?.department);

export const requestGeneral: RouteDefinition = {
  id: 'request-general',
  name: '一般性请示（呈批件）',
  kind: 'internal',
  steps: [
    leaderDecisionStep({ id: 'deputyDecide', name: '分管领导批示', role: 'deputy-leader', meeting: '专题会议', comment: 'deputyDecide: the deputy leader approves, refuses or sends the request to a topic meeting' }),
    meetingStep({ id: 'topicMeeting', name: '专题会议', meeting: '专题会议' }),
    requesterExecuteStep(),
    requesterFileStep(),
  ],
  flow: ['deputyDecide', { when: { step: 'deputyDecide', field: 'outcome', equals: 'meeting' }, then: ['topicMeeting'] }, 'execute', 'requesterFile', 'archive'],
  archiveClass: internalArchive,
};

/**
 * 拟办 for an internal request: the director's proposal; a department only where handling follows.
 * A request spanning several leaders' areas goes to each of them (会签, 或签, 票签 or 依次审批).
 */
const proposeRequest: StepDefinition = {
  id: 'propose',
  name: '拟办',
  ask: '请提出拟办意见，呈分管领导；涉及多位分管领导的，可指定会签',
  comment: '拟办: the office director proposes how the request should be decided, and who of the deputies signs',
  form: form({ opinion, countersign: countersignRequest('会签').optional() }),
  deadline: proposeDeadline,
  assign: () => ({ role: 'office-director' }),
  namesSigners: { field: 'countersign', role: 'deputy-leader', label: '分管领导' },
  details: (d) => signersDetail(d.countersign as NamedSigners | undefined),
};

export const requestImportant: RouteDefinition = {
  id: 'request-important',
  name: '重要请示',
  kind: 'internal',
  steps: [
    proposeRequest,
    {
      ...readStep({ id: 'deputyInstruct', name: '分管领导阅示', role: 'deputy-leader', comment: 'deputyInstruct: the deputy leader (or the deputies the proposal named, by its rule) gives a view before the main leader decides' }),
      countersign: (d) => d.propose?.countersign as NamedSigners | undefined,
    },
    leaderDecisionStep({ id: 'leaderDecide', name: '主要领导批示', role: 'main-leader', meeting: '总经理办公会', comment: 'leaderDecide: the main leader approves, refuses or sends the request to the executive meeting' }),
    meetingStep({ id: 'executiveMeeting', name: '总经理办公会', meeting: '总经理办公会' }),
    requesterExecuteStep(),
    officeFileStep(),
  ],
  flow: ['propose', 'deputyInstruct', 'leaderDecide', { when: { step: 'leaderDecide', field: 'outcome', equals: 'meeting' }, then: ['executiveMeeting'] }, 'execute', 'file', 'archive'],
  archiveClass: internalArchive,
};

export const reportGeneral: RouteDefinition = {
  id: 'report-general',
  name: '一般性报告',
  kind: 'internal',
  steps: [
    readStep({ id: 'deputyRead', name: '分管领导阅示', role: 'deputy-leader', mayMarkImportant: true, namesDepartment: true, comment: 'deputyRead: the deputy leader reads, names the business department and may mark the report important' }),
    readStep({ id: 'leaderRead', name: '主要领导阅示', role: 'main-leader', comment: 'leaderRead: an important report is read by the main leader too' }),
    {
      id: 'departmentNote',
      name: '业务科室阅知',
      ask: '请阅知本报告并填写意见',
      comment: 'departmentNote: the business department notes the report',
      form: form({ opinion }),
      deadline: () => ({ workingDays: 2 }),
      assign: (d) => ({ role: 'dept-head', department: String(d.deputyRead?.department ?? '') }),
      afterDeadline: { skip: { afterWorkingDays: 3 } },
      // Noting is not handling (no 办理反馈 or 延期申请), and the office circulates, not the department.
      operations: ['return', 'transfer', 'chase', 'recall'],
    },
    officeFileStep(),
  ],
  flow: ['deputyRead', { when: { step: 'deputyRead', field: 'important', equals: true }, then: ['leaderRead'] }, 'departmentNote', 'file', 'archive'],
  archiveClass: internalArchive,
};

export const reportKey: RouteDefinition = {
  id: 'report-key',
  name: '人财物重要报告',
  kind: 'internal',
  steps: [
    proposeStep(sameDay),
    readStep({ id: 'deputyRead', name: '分管领导阅示', role: 'deputy-leader', deadline: sameDay, comment: 'deputyRead: the deputy leader reads, the same working day' }),
    readStep({ id: 'leaderRead', name: '主要领导阅示', role: 'main-leader', deadline: sameDay, comment: 'leaderRead: the main leader reads, the same working day (seed 000 §2(4))' }),
    departmentHandleStep(),
    officeFileStep(),
  ],
  flow: ['propose', 'deputyRead', 'leaderRead', 'departmentHandle', 'file', 'archive'],
  archiveClass: internalArchive,
};
