/**
 * Several signers on one step (会签/或签/票签/依次): each signs on their own task; the step task the
 * route waits on is decided, and answered, once the plan's rule settles it. 加签 and 减签 edit the
 * signers while the step is open. Each change commits the plan (versioned: concurrent signers
 * retry, never overwrite), the signers' tasks, a slip line and an audit event in one transaction.
 *   POST /tasks/{taskId}/decision        a signer signs: the step's form plus "agree": true|false
 *   POST /tasks/{taskId}/signers         加签 {"username": "wujun", "position": "before"|"after", "reason": "…"}
 *   POST /tasks/{taskId}/signers/remove  减签 {"username": "wujun", "reason": "…"} (the office director, or whoever added them)
 */
import * as z from 'zod';
import { computeDeadline } from '../../domain/calendar.js';
import { addSigner, newPlan, outcomeOf, outcomeText, removeSigner, sign, SIGN_MODE_NAMES, type PlanChange, type SigningPlan } from '../../domain/countersign.js';
import { mayRead, type Actor } from '../../domain/identity.js';
import { slipLineFor, type SlipLine } from '../../domain/processing-slip.js';
import { mayDecide, maySign, username as usernameField } from '../../domain/route-platform.js';
import { documentChain, transactWithAudit } from '../../adapters/audit.js';
import { now as clock } from '../../adapters/clock.js';
import { findUser } from '../../adapters/directory.js';
import { putSlipLineItem } from '../../adapters/documents.js';
import { TransactionConflict, type TransactItem } from '../../adapters/dynamo.js';
import { env } from '../../adapters/env.js';
import { deliverDecision } from '../../adapters/route-answers.js';
import { failpoint } from '../../adapters/failpoint.js';
import { openedTaskNotificationItems } from '../../adapters/notifications.js';
import { trackItem } from '../../adapters/task-operations.js';
import {
  answerMarkItem,
  closeSignerItem,
  decideTaskItem,
  getTask,
  holdSignerItem,
  openSignerItem,
  putTaskItem,
  signerTaskId,
  startPlanItem,
  updatePlanItem,
  type TaskRecord,
} from '../../adapters/tasks.js';
import { HttpError, parseWith, type Request } from './http.js';
import { actingForTask } from './task-operations.js';
import { alreadyDecided, decidedReply, refuseStepWithSigners, requireOperation, routeStepOf, taskOr404 } from './task-lookup.js';

type StepTask = TaskRecord & { taskToken: string; signing: SigningPlan };
/** Concurrent signers each retry on a newer plan; beyond this many tries the caller is asked to retry. */
const MAX_TRIES = 8;

async function stepTaskOf(signerTask: Pick<TaskRecord, 'signOf' | 'taskId'>): Promise<StepTask> {
  const stepTask = await getTask(signerTask.signOf ?? signerTask.taskId);
  if (!stepTask?.signing) throw new HttpError(409, '本步骤没有会签人员');
  if (stepTask.status !== 'open') throw new HttpError(409, '本步骤已办结（签署结果已定），无需再签署或调整人员');
  return stepTask as StepTask;
}

/** A signer's vote rides beside the step's form: {"agree": false, "opinion": "…"} (default: agree). */
export function splitVote(body: unknown): { agree: boolean; form: unknown } {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.hasOwn(body, 'agree')) return { agree: true, form: body };
  const { agree, ...form } = body as Record<string, unknown>;
  if (typeof agree !== 'boolean') throw new HttpError(400, '是否同意（agree）应为 true（同意）或 false（不同意）');
  return { agree, form };
}

/** The step's decision once the plan settles it: every signature, the outcome, and `passed` for later steps. */
function settledDecision(plan: SigningPlan, actor: Actor, at: string) {
  const outcome = outcomeOf(plan);
  if (!outcome.done) return undefined;
  const signed = plan.signers.filter((s) => s.status === 'signed');
  const decision = {
    opinion: signed.map((s) => `${s.name}：${s.agree === false ? '不同意' : '同意'}${s.opinion ? `，${s.opinion}` : ''}`).join('；'),
    passed: outcome.passed,
    countersign: {
      mode: plan.mode,
      ...(plan.ratio !== undefined ? { ratio: plan.ratio } : {}),
      result: outcomeText(plan, outcome),
      signers: signed.map((s) => ({ username: s.username, name: s.name, agree: s.agree !== false, opinion: s.opinion ?? '', at: s.at })),
    },
    by: actor.username,
    byName: actor.name,
    at,
  };
  return { by: actor.username, byName: actor.name, at, decision, result: outcomeText(plan, outcome) };
}

/** The signers' tasks that open (their turn came) or close (settled without them) with a change. */
function signerEffects(stepTask: StepTask, change: Extract<PlanChange, { ok: true }>, at: string, skip: string[] = []): TransactItem[] {
  const { step } = routeStepOf(stepTask);
  const dueAt = computeDeadline(new Date(at), step.deadline(stepTask.urgency), env.deadlineOptions).dueAt;
  const activated = change.activated.filter((s) => !skip.includes(s.taskId));
  return [
    ...activated.map((s) => openSignerItem({ taskId: s.taskId, assignment: { role: stepTask.assignment.role, username: s.username } }, dueAt)),
    ...change.closed.filter((s) => !skip.includes(s.taskId)).map((s) => closeSignerItem(s.taskId, 'closed', at)),
    // Whose turn has come is told (待办), as the first signers were when the step began.
    ...activated.flatMap((s) => openedTaskNotificationItems({ ...stepTask, taskId: s.taskId, stepName: `${step.name}（${SIGN_MODE_NAMES[change.plan.mode]}）`, dueAt }, s.username, at, step.ask ?? '请签署')),
  ];
}

/**
 * Commits a change of the plan with what comes with it, retrying on a newer plan when someone
 * else changed it first; once settled, answers the route. `items(stepTask, change)` are the
 * caller's own items; index 0 of the transaction is always the plan's update.
 */
async function commitChange(
  first: StepTask,
  actor: Actor,
  at: string,
  change: (plan: SigningPlan, stepTask: StepTask) => PlanChange,
  own: (stepTask: StepTask, change: Extract<PlanChange, { ok: true }>, settled: ReturnType<typeof settledDecision>) => { items: TransactItem[]; skip?: string[]; audit: { action: string; details: Record<string, unknown> } },
  onOwnConflict: () => Promise<never>,
) {
  let stepTask = first;
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const changed = change(stepTask.signing, stepTask);
    if (!changed.ok) throw new HttpError(409, changed.message);
    const settled = settledDecision(changed.plan, actor, at);
    const mine = own(stepTask, changed, settled);
    try {
      await transactWithAudit(
        documentChain(stepTask.docId),
        { at, actor: actor.username, action: mine.audit.action, details: { stepTaskId: stepTask.taskId, ...mine.audit.details, ...(settled ? { settled: settled.decision.countersign.result, passed: settled.decision.passed } : {}) } },
        [
          updatePlanItem(stepTask.taskId, changed.plan, stepTask.signing.version, settled),
          ...mine.items,
          ...signerEffects(stepTask, changed, at, mine.skip),
          ...(settled ? [answerMarkItem(stepTask, at)] : []),
        ],
      );
    } catch (err) {
      if (!(err instanceof TransactionConflict)) throw err;
      if (err.failedIndexes.includes(0)) {
        // Someone changed the plan first (or settled the step): try again on the newer plan,
        // after a short random pause so a crowd of signers does not collide again in step.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 15 * (attempt + 1)));
        stepTask = await stepTaskOf(stepTask);
        continue;
      }
      return onOwnConflict();
    }
    if (settled) await failpoint('decision.committed');
    const delivery = settled ? await deliverDecision({ ...stepTask, decision: settled.decision }) : undefined;
    return { settled, delivery };
  }
  throw new HttpError(409, '多人正在同时签署，请稍后重试');
}

/**
 * A signer signs on their own task: their opinion and vote. The slip shows each signature; the
 * one that settles the step also shows the result (通过（同意 2、不同意 0 / 共 2 人）).
 */
export async function signForStep(task: TaskRecord, actor: Actor, decision: Record<string, unknown>, line: SlipLine, agree: boolean, extra: TransactItem[] = []) {
  const first = await stepTaskOf(task);
  const signerName = task.assignment.username!;
  const at = String(decision.at);
  const outcome = await commitChange(
    first,
    actor,
    at,
    (plan) => sign(plan, signerName, { agree, opinion: String(decision.opinion ?? ''), at }),
    (stepTask, _change, settled) => ({
      items: [
        decideTaskItem(task.taskId, actor, at, { ...decision, agree }),
        putSlipLineItem(
          task.docId,
          {
            ...line,
            stepName: task.stepName,
            details: [...line.details, { label: SIGN_MODE_NAMES[stepTask.signing.mode], value: agree ? '同意' : '不同意' }, ...(settled ? [{ label: `${SIGN_MODE_NAMES[stepTask.signing.mode]}结果`, value: settled.result }] : [])],
          },
          task.taskId,
        ),
        trackItem(actor.username, task.docId, at),
        // 补签: the leader's confirmation item, when a clerk recorded this signature for them.
        ...extra,
      ],
      skip: [task.taskId],
      audit: { action: decision.recordedBy ? 'task.signed-recorded' : 'task.signed', details: { taskId: task.taskId, step: task.step, signer: signerName, agree, decision } },
    }),
    async () => {
      throw alreadyDecided(await taskOr404(task.taskId));
    },
  );
  return {
    ...decidedReply(task, actor, at, task.stepName),
    agree,
    stepSettled: Boolean(outcome.settled),
    ...(outcome.settled ? { result: outcome.settled.result, passed: outcome.settled.decision.passed, routeNotified: outcome.delivery === 'delivered' } : {}),
  };
}

const strict = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段；可填写：${Object.keys(shape).join('、')}` : '请求内容应为 JSON 对象') });
const reason = z.string({ error: '理由（reason）应为文字' }).trim().max(2000, '理由不超过 2000 字').optional();
const addForm = strict({
  username: usernameField('加签人员（username）'),
  position: z.enum(['before', 'after'], { error: '加签位置（position）应为 before（在本人之前签署）或 after（在本人之后签署）' }).default('after'),
  reason,
});
const removeForm = strict({ username: usernameField('减签人员（username）'), reason });

/** Whose signer task this is, and may this person act on it (themselves, or standing in under 委托). */
async function ownSignerTask(actor: Actor, taskId: string, what: string) {
  const task = await taskOr404(taskId);
  if (!task.signOf) throw new HttpError(409, `本待办不是会签待办，不能${what}；会签人员由拟办指定`);
  if (task.status !== 'open') throw new HttpError(409, `您的会签待办已签署或尚未轮到，不能${what}`);
  if (!mayDecide(actor, task.assignment) && !(await actingForTask(actor, task.assignment))) throw new HttpError(403, `该会签待办不由您（${actor.name}）签署，不能${what}`);
  return task;
}

async function personToAdd(username: string, secrecy: TaskRecord['secrecy']) {
  const person = await findUser(username);
  if (!person?.enabled) throw new HttpError(400, `找不到用户 ${username}，请填写加签人员的用户名`);
  if (!mayRead(person, secrecy)) throw new HttpError(400, `${person.name} 的密级（${person.clearance}）低于本文件的${secrecy}，不能加签`);
  return person;
}

const addedDetail = (name: string, before: boolean) => ({ label: '加签', value: `${name}（${before ? '先于本人签署' : '在本人之后签署'}）` });

/**
 * 加签 on a step with one holder: their task becomes a 依次 plan of two — the added person before
 * or after them — and each signs on their own task (the holder's new task id is returned).
 */
async function startSigning(actor: Actor, task: TaskRecord & { taskToken: string }, input: z.infer<typeof addForm>) {
  refuseStepWithSigners(task);
  if (task.status !== 'open') throw new HttpError(409, '该待办已办理或已失效，不能加签');
  if (task.coOf || task.coPending?.length) throw new HttpError(409, '协办的待办不能加签；需要其他科室参与请在拟办时指定协办科室');
  const { step } = routeStepOf(task);
  if (!maySign(step)) throw new HttpError(409, `「${step.name}」步骤不能加签：其办理结果（如承办科室、结论）须由一人确定`);
  requireOperation(task, 'addSigner');
  const onBehalf = await actingForTask(actor, task.assignment);
  if (!mayDecide(actor, task.assignment) && !onBehalf) throw new HttpError(403, `该待办不由您（${actor.name}）办理，不能加签`);
  if (!mayRead(actor, task.secrecy)) throw new HttpError(403, `该文件密级为${task.secrecy}，您的密级不足`);
  const holder = task.assignment.username ? { username: task.assignment.username, name: onBehalf?.delegatorName ?? actor.name } : { username: actor.username, name: actor.name };
  if (input.username === holder.username) throw new HttpError(400, '不能加签本人');
  const person = await personToAdd(input.username, task.secrecy);
  const before = input.position === 'before';
  const at = clock().toISOString();
  const people = [
    { ...holder, taskId: signerTaskId(task.taskId, holder.username, 0) },
    { username: person.username, name: person.name, taskId: signerTaskId(task.taskId, person.username, 0) },
  ];
  const ordered = before ? [people[1], people[0]] : people;
  const plan = newPlan({ mode: 'sequence', signers: ordered.map((p) => p.username) }, ordered);
  const added = plan.signers.find((s) => s.username === person.username)!;
  Object.assign(added, { addedBy: actor.username, addedPosition: input.position });
  const { taskToken: _token, ...base } = task;
  const dueAt = computeDeadline(new Date(at), step.deadline(task.urgency), env.deadlineOptions).dueAt;
  const signerTasks: TaskRecord[] = plan.signers.map((s) => ({
    ...base,
    taskId: s.taskId,
    stepName: `${step.name}（${SIGN_MODE_NAMES.sequence}）`,
    assignment: { role: task.assignment.role, username: s.username },
    status: s.status === 'pending' ? 'open' : 'waiting',
    ...(s.username === person.username ? { createdAt: at, dueAt } : {}),
    signOf: task.taskId,
  }));
  try {
    await transactWithAudit(
      documentChain(task.docId),
      { at, actor: actor.username, action: 'task.signer-added', details: { taskId: task.taskId, step: task.step, added: person.username, position: input.position, reason: input.reason, signers: plan.signers.map((s) => s.username) } },
      [
        startPlanItem(task.taskId, plan),
        ...signerTasks.map((t) => putTaskItem(t, '')),
        putSlipLineItem(task.docId, slipLineFor(task, actor, at, input.reason ?? '', [addedDetail(person.name, before)]), `${added.taskId}-added`),
      ],
    );
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new HttpError(409, '该待办刚刚已办理或已加签，请刷新后再试');
    throw err;
  }
  const own = plan.signers.find((s) => s.username === holder.username)!;
  return { taskId: task.taskId, added: person.username, addedName: person.name, addedTaskId: added.taskId, position: input.position, signerTaskId: own.taskId };
}

/** 加签: the signer whose turn it is adds someone, to sign before them (they wait) or after them. */
export async function addSignerOperation({ actor, params, body }: Request) {
  const input = parseWith(addForm, body);
  const task = await taskOr404(params.taskId);
  if (!task.signOf) return startSigning(actor, task, input);
  const mine = await ownSignerTask(actor, params.taskId, '加签');
  const person = await personToAdd(input.username, mine.secrecy);
  const at = clock().toISOString();
  const before = input.position === 'before';
  let addedTaskId = '';
  await commitChange(
    await stepTaskOf(mine),
    actor,
    at,
    (plan, stepTask) => {
      addedTaskId = signerTaskId(stepTask.taskId, person.username, plan.version + 1);
      return addSigner(plan, mine.assignment.username!, { username: person.username, name: person.name, taskId: addedTaskId }, input.position);
    },
    (stepTask, change) => {
      const added = change.plan.signers.find((s) => s.taskId === addedTaskId)!;
      const { taskToken: _token, signing: _plan, ...base } = stepTask;
      const { step } = routeStepOf(stepTask);
      const addedTask: TaskRecord = {
        ...base,
        taskId: addedTaskId,
        stepName: mine.stepName,
        assignment: { role: stepTask.assignment.role, username: person.username },
        status: added.status === 'pending' ? 'open' : 'waiting',
        createdAt: at,
        dueAt: computeDeadline(new Date(at), step.deadline(stepTask.urgency), env.deadlineOptions).dueAt,
        signOf: stepTask.taskId,
      };
      const detail = addedDetail(person.name, before);
      return {
        items: [
          putTaskItem(addedTask, ''),
          ...(before ? [holdSignerItem(mine.taskId)] : []),
          putSlipLineItem(mine.docId, { ...slipLineFor(mine, actor, at, input.reason ?? '', [detail]) }, `${addedTaskId}-added`),
          ...(addedTask.status === 'open' ? openedTaskNotificationItems(addedTask, person.username, at, `${actor.name}加签，请签署${input.reason ? `：${input.reason}` : ''}`, actor) : []),
        ],
        skip: [addedTaskId, mine.taskId],
        audit: { action: 'task.signer-added', details: { taskId: mine.taskId, added: person.username, addedTaskId, position: input.position, reason: input.reason } },
      };
    },
    async () => {
      throw new HttpError(409, '您的会签待办刚刚已签署或已关闭，不能加签');
    },
  );
  return { taskId: mine.taskId, added: person.username, addedName: person.name, addedTaskId, position: input.position };
}

/**
 * 减签: the office director, or the signer who added them, takes a signer off — never one who has
 * signed, never the last still to sign. The task may be any signer's task of the step, or the step's.
 */
export async function removeSignerOperation({ actor, params, body }: Request) {
  const input = parseWith(removeForm, body);
  const task = await taskOr404(params.taskId);
  if (!task.signOf && !task.signing) throw new HttpError(409, '本步骤没有会签人员，不能减签');
  const first = await stepTaskOf(task);
  const target = first.signing.signers.find((s) => s.username === input.username && s.status !== 'removed');
  if (!target) throw new HttpError(400, `${input.username} 不在本步骤的签署人员中`);
  if (!actor.roles.includes('office-director') && target.addedBy !== actor.username) throw new HttpError(403, '减签由办公室主任办理，或由加签的人员撤回自己所加的人员');
  if (!mayRead(actor, first.secrecy)) throw new HttpError(403, `该文件密级为${first.secrecy}，您的密级不足`);
  const at = clock().toISOString();
  const outcome = await commitChange(
    first,
    actor,
    at,
    (plan) => removeSigner(plan, input.username),
    (stepTask) => ({
      items: [
        closeSignerItem(target.taskId, 'removed', at),
        putSlipLineItem(stepTask.docId, { ...slipLineFor(stepTask, actor, at, input.reason ?? '', [{ label: '减签', value: target.name }]) }, `${target.taskId}-removed`),
      ],
      skip: [target.taskId],
      audit: { action: 'task.signer-removed', details: { removed: input.username, removedTaskId: target.taskId, reason: input.reason } },
    }),
    async () => {
      throw new HttpError(409, `${target.name} 刚刚已签署，不能减签`);
    },
  );
  return {
    stepTaskId: first.taskId,
    removed: input.username,
    stepSettled: Boolean(outcome.settled),
    ...(outcome.settled ? { result: outcome.settled.result, passed: outcome.settled.decision.passed } : {}),
  };
}
