/**
 * API: my tasks (待办) and deciding them.
 *   GET  /me                       who am I (roles, department, clearance)
 *   GET  /tasks                    my open tasks, earliest due first (?limit, ?cursor)
 *   GET  /tasks/{taskId}           one task
 *   POST /tasks/{taskId}/decision  decide with an opinion: {"opinion": "...", ...step fields}
 */
import { mayRead, ROLE_NAMES, type Actor } from '../../domain/identity.js';
import { redactFor } from '../../domain/secrecy.js';
import { slipLineFor, type SlipLine } from '../../domain/processing-slip.js';
import { runDecisionAction } from '../../adapters/step-actions.js';
import { decisionDetails, describeRoute, mayDecide, parseDecision, type StepDefinition } from '../../domain/route-platform.js';
import { ROUTES } from '../../routes/index.js';
import { documentChain, readHeadAhead, transactWithAudit } from '../../adapters/audit.js';
import { getDocument, putSlipLineItem } from '../../adapters/documents.js';
import { setEntryFieldsItem } from '../../adapters/registers.js';
import { TransactionConflict } from '../../adapters/dynamo.js';
import { now as clock } from '../../adapters/clock.js';
import { env } from '../../adapters/env.js';
import { answerMarkItem, coReportedItem, decideTaskItem, toConfirmItem, listOpenTasksFor, type TaskRecord } from '../../adapters/tasks.js';
import { failpoint } from '../../adapters/failpoint.js';
import { deliverDecision } from '../../adapters/route-answers.js';
import { holdsRole } from '../../adapters/directory.js';
import { trackItem } from '../../adapters/task-operations.js';
import { countBusiness } from '../../adapters/metrics.js';
import { apiHandler, HttpError, pageLimit, type Request } from './http.js';
import { recallTask, returnTask } from './route-moves.js';
import { alreadyDecided, decidedReply, refuseStepWithSigners, routeStepOf, taskOr404 } from './task-lookup.js';
import { addSignerOperation, removeSignerOperation, signForStep, splitVote } from './countersign.js';
import { informing } from './inform.js';
import { confirmDecision, myConfirmations, proxyDecision } from './proxy.js';
import { decideExtension, noteProgress, requestExtension } from './handling.js';
import { actingForTask, onBehalfMark, operationRoutes, standInPartitions } from './task-operations.js';

function assigneeText(task: Pick<TaskRecord, 'assignment'>): string {
  const a = task.assignment;
  if (a.username) return a.username;
  const dept = a.department ? env.branchConfig.departments.find((d) => d.code === a.department)?.name ?? a.department : '';
  return `${dept}${ROLE_NAMES[a.role]}`;
}

const loadTask = taskOr404;

const stepOfTask = (task: Pick<TaskRecord, 'route' | 'step'>): StepDefinition => routeStepOf(task).step;

/** A co-handling department's report: its task decided, its slip line, the lead no longer waiting for it. */
async function reportCoHandling(task: TaskRecord & { coOf?: string }, actor: Actor, decision: Record<string, unknown>, line: SlipLine) {
  const department = task.assignment.department ?? '';
  const deptName = env.branchConfig.departments.find((d) => d.code === department)?.name ?? department;
  try {
    await transactWithAudit(
      documentChain(task.docId),
      { at: line.at, actor: actor.username, action: 'task.co-reported', details: { taskId: task.taskId, leadTaskId: task.coOf, department, decision } },
      [decideTaskItem(task.taskId, actor, line.at, decision), putSlipLineItem(task.docId, { ...line, details: [{ label: '协办科室', value: deptName }, ...line.details] }, task.taskId), coReportedItem(task.coOf!, department)],
    );
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw alreadyDecided(await loadTask(task.taskId));
    throw err;
  }
  return { taskId: task.taskId, status: 'decided', decidedBy: actor.username, decidedAt: line.at, step: task.step, stepName: task.stepName, reportedTo: task.coOf };
}

/**
 * A step taken again after a 退回 may say how the document goes on: `resume` 'rewalk' (重走, the
 * steps again, the default) or 'direct' (直送, straight back to the step that returned it). The
 * rest of the body is the step's own form.
 */
function splitResume(task: TaskRecord, body: unknown): { resume?: 'rewalk' | 'direct'; form: unknown } {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.hasOwn(body, 'resume')) return { form: body };
  const { resume, ...form } = body as Record<string, unknown>;
  if (!task.returnedFrom) throw new HttpError(400, '本待办不是退回件，不能选择重走或直送（resume）');
  if (resume !== 'rewalk' && resume !== 'direct') throw new HttpError(400, 'resume 应为 rewalk（重走）或 direct（直送）');
  return { resume, form };
}

/** What a list or a task shows: never the task token; a classified one's title only to the cleared. */
const view = (actor: Actor, task: Omit<TaskRecord, 'taskToken'>) => redactFor(actor, { ...task, assignee: assigneeText(task) });

export async function decide({ actor, params, body }: Request) {
  const task = await loadTask(params.taskId);
  if (task.status === 'decided' || task.status === 'skipped') throw alreadyDecided(task);
  if (task.status === 'expired') throw new HttpError(409, '该待办已失效（流程不再等待此步骤），无需办理');
  if (task.status === 'waiting') throw new HttpError(409, '还未轮到您签署，请等待前面的人员签署');
  if (task.status !== 'open') throw new HttpError(409, '该待办已关闭（已减签，或签署结果已定），无需办理');
  refuseStepWithSigners(task);
  // Acting for someone under a standing delegation in force (委托): "孙伟 代 赵敏".
  const onBehalf = await actingForTask(actor, task.assignment);
  if (!mayDecide(actor, task.assignment) && !onBehalf) {
    throw new HttpError(403, `该待办应由 ${assigneeText(task)} 办理，您（${actor.name}）无权办理`);
  }
  if (!mayRead(actor, task.secrecy)) {
    throw new HttpError(403, `该文件密级为${task.secrecy}，您的密级（${actor.clearance}）不足，请交机要人员或有权限的领导办理`);
  }
  const answer = await decideTask(task, actor, body, { onBehalf });
  countBusiness('decided');
  return answer;
}

/**
 * The decision itself, once who decides is settled: parsed against the step's form, committed
 * with its slip line, audit event, outbox mark and register fields, then answered to the route.
 * `recordedBy` is 补签: a clerk recording the instruction a leader gave by phone; the leader
 * confirms it later (a "to confirm" item commits with the decision).
 */
export async function decideTask(
  task: TaskRecord & { taskToken: string },
  actor: Actor,
  body: unknown,
  options: { onBehalf?: Awaited<ReturnType<typeof actingForTask>>; recordedBy?: { actor: Actor; via: string } } = {},
) {
  const { onBehalf, recordedBy } = options;
  const config = env.branchConfig;
  const step = stepOfTask(task);
  const waitingFor = task.coPending ?? [];
  if (waitingFor.length) {
    throw new HttpError(409, `请等待协办科室反馈后再办理：${waitingFor.map((code) => config.departments.find((d) => d.code === code)?.name ?? code).join('、')}`);
  }
  // A signer of a step with several (会签 …) adds a vote to the step's form.
  const vote = task.signOf ? splitVote(body) : { agree: true, form: body };
  const { resume, form } = splitResume(task, vote.form);
  // The signers' joint decision goes on by the flow; 直送 would be one signer's choice for all.
  if (resume && task.signOf) throw new HttpError(400, '会签、依次审批中不能选择重走或直送（resume）：签署结果确定后按流程继续');
  const parsed = parseDecision(step, form, config, clock());
  if (!parsed.ok) throw new HttpError(400, parsed.message);
  // The chain head, read while the decision's own lookups (named person, 阅知, register entry) run.
  const head = readHeadAhead(documentChain(task.docId));

  const decision: Record<string, unknown> = { ...parsed.decision };
  const named = step.namesPerson;
  if (named && typeof decision[named.field] === 'string') {
    // A named person must exist and hold the role, or the next step would wait for nobody.
    const person = await holdsRole(String(decision[named.field]), named.role);
    if (!person) throw new HttpError(400, `找不到${named.label} ${String(decision[named.field])}：请填写${named.label}的用户名`);
    decision[`${named.field}Name`] = person.name;
  }
  const signers = step.namesSigners && (decision[step.namesSigners.field] as { signers: string[] } | undefined);
  if (signers) {
    // Each named signer must exist, hold the role and be cleared for the document: the step waits for them.
    const { role, label } = step.namesSigners!;
    const people = await Promise.all(signers.signers.map((u) => holdsRole(u, role)));
    const missing = signers.signers.filter((_, i) => !people[i]);
    if (missing.length) throw new HttpError(400, `找不到${label} ${missing.join('、')}：会签人员应填写${label}的用户名`);
    const uncleared = people.filter((p) => !mayRead(p!, task.secrecy));
    if (uncleared.length) throw new HttpError(400, `${uncleared.map((p) => p!.name).join('、')} 的密级低于本文件的${task.secrecy}，不能会签`);
    decision[step.namesSigners!.field] = { ...signers, names: people.map((p) => p!.name) };
  }
  const at = clock().toISOString();
  const behalf = onBehalf ? { onBehalfOf: onBehalf.delegator, onBehalfOfName: onBehalf.delegatorName } : {};
  const recorded = recordedBy ? { recordedBy: recordedBy.actor.username, recordedByName: recordedBy.actor.name, recordedVia: recordedBy.via } : {};
  Object.assign(decision, { by: actor.username, byName: actor.name, at, ...behalf, ...recorded });
  // What the step does with the decision (签发, 用印, 分发 of an outgoing document); a refusal refuses the decision.
  const acted = step.onDecide && !task.coOf && !task.signOf ? await runDecisionAction(step.onDecide, { task, actor, decision, at }) : undefined;
  Object.assign(decision, acted?.decision ?? {});
  // Done, not yet recorded: the crash test kills here, and the decision taken again finds the act done.
  if (acted) await failpoint('step-action.done');
  const line: SlipLine = {
    ...slipLineFor({ ...task, stepName: step.name }, actor, at, String(decision.opinion ?? ''), []),
    details: [
      ...decisionDetails(step, decision, config),
      ...(task.returnedFrom ? [{ label: resume === 'direct' ? '直送' : '重走', value: resume === 'direct' ? `直接送回${task.returnedFrom.stepName}` : '按流程重新办理' }] : []),
      ...(recordedBy ? [{ label: '补签', value: `${recordedBy.actor.name}${recordedBy.via}记录，待${actor.name}确认` }] : []),
    ],
    ...behalf,
  };
  if (resume) decision.resume = resume;
  // 直送: straight back to the step that returned the document, not through the steps between.
  const answer = resume === 'direct' && task.returnedFrom ? { goto: task.returnedFrom.step } : undefined;
  // 协办: a co-handler reports to the lead department; the route hears nothing of it.
  if (task.coOf) return reportCoHandling(task, actor, decision, line);
  // 会签/或签/票签/依次: the signature counts toward the step; the route hears once the rule settles it.
  if (task.signOf) return signForStep(task, actor, decision, line, vote.agree, recordedBy ? [toConfirmItem(actor.username, task, at)] : []);
  // 阅知: the decision makes the document known to someone, without holding the route.
  const inform = await informing(step, decision, task, actor, new Date(at));
  if (inform) line.details.push(inform.detail);
  // What the route says this decision writes into the document's register entry (承办科室, 办理结果 …).
  const registerFields = step.registerFields?.(decision, config) ?? {};
  const doc = Object.keys(registerFields).length ? await getDocument(task.docId) : undefined;
  try {
    // The decision, its slip line, its audit event, the "to send" mark and the register entry commit together.
    await transactWithAudit(
      documentChain(task.docId),
      { at, actor: recordedBy?.actor.username ?? actor.username, action: recordedBy ? 'task.decided-recorded' : 'task.decided', details: { taskId: task.taskId, step: task.step, decision } },
      [
        decideTaskItem(task.taskId, actor, at, decision, answer),
        putSlipLineItem(task.docId, line, task.taskId),
        answerMarkItem(task, at),
        trackItem(actor.username, task.docId, at),
        ...(doc && typeof doc.registerSerial === 'number' ? [setEntryFieldsItem(doc.register, doc.registerYear, doc.registerSerial, registerFields)] : []),
        ...(inform?.items ?? []),
        ...(acted?.items ?? []),
        ...(recordedBy ? [toConfirmItem(actor.username, task, at)] : []),
      ],
      head,
    );
  } catch (err) {
    // Someone else decided between our read and our write.
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw alreadyDecided(await loadTask(task.taskId));
    throw err;
  }
  await inform?.finish();
  await acted?.finish?.();
  await failpoint('decision.committed');
  const delivery = await deliverDecision({ ...task, decision, ...(answer ? { answer } : {}) });
  if (delivery === 'expired') {
    throw new HttpError(409, '意见已记录，但流程已不再等待此步骤（已超时或已终止），请联系办公室');
  }
  return {
    ...decidedReply(task, actor, at, line.stepName),
    // Committed either way; "pending" means the route hears of it within one reconcile round.
    routeNotified: delivery === 'delivered',
    ...(delivery === 'pending' ? { message: '意见已记录；流程稍后自动继续，无需重复办理' } : {}),
  };
}

export const handler = apiHandler({
  'GET /me': async ({ actor }) => ({ ...actor, roleNames: actor.roles.map((r) => ROLE_NAMES[r]) }),
  // Every route with its steps and each step's form as JSON Schema: any client renders any route.
  // The branch's departments come along: forms name them by code (department, coDepartments).
  'GET /routes': async () => ({ items: Object.values(ROUTES).map(describeRoute), departments: env.branchConfig.departments }),
  'GET /tasks': async ({ actor, query }) => {
    const limit = pageLimit(query);
    // The first page of my own tasks is read alongside the delegations in force (委托); only when
    // someone's tasks are delegated to me are the pages read again with theirs merged in.
    const [{ partitions, delegations }, own] = await Promise.all([
      standInPartitions(actor),
      query.cursor ? undefined : listOpenTasksFor(actor, { limit }),
    ]);
    const page = own && partitions.length === 0 ? own : await listOpenTasksFor(actor, { cursor: query.cursor, limit, extraPartitions: partitions });
    return { items: page.items.map((task) => ({ ...view(actor, task), ...onBehalfMark(actor, task, delegations) })), ...(page.cursor ? { cursor: page.cursor } : {}) };
  },
  'GET /tasks/{taskId}': async ({ actor, params }) => {
    const { taskToken: _hidden, ...task } = await loadTask(params.taskId);
    if (!mayDecide(actor, task.assignment) && task.decidedBy !== actor.username && !(await actingForTask(actor, task.assignment))) {
      throw new HttpError(403, '您无权查看此待办');
    }
    return view(actor, task);
  },
  'POST /tasks/{taskId}/decision': decide,
  'POST /tasks/{taskId}/return': returnTask,
  'POST /tasks/{taskId}/proxy-decision': proxyDecision,
  'POST /tasks/{taskId}/confirm': confirmDecision,
  'GET /me/confirmations': myConfirmations,
  'POST /tasks/{taskId}/progress': noteProgress,
  'POST /tasks/{taskId}/extension': requestExtension,
  'POST /tasks/{taskId}/extension/decision': decideExtension,
  'POST /tasks/{taskId}/recall': recallTask,
  'POST /tasks/{taskId}/signers': addSignerOperation,
  'POST /tasks/{taskId}/signers/remove': removeSignerOperation,
  ...operationRoutes,
});
