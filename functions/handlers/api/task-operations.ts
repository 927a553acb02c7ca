/**
 * API: the task-service operations inside a step (served by the api-tasks function).
 *   POST   /tasks/{taskId}/transfer      转办 {"to": "wujun", "reason": "…"}
 *   POST   /tasks/{taskId}/chase         催办 {"note": "…"}: chasing register + a notification
 *   GET    /me/notifications             my notifications, newest first (?limit, ?cursor)
 *   GET    /me/delegation                my delegation, and those naming me
 *   PUT    /me/delegation                委托 {"to": "sunwei", "from": "2026-12-01", "until": "2026-12-10"}
 *   DELETE /me/delegation                withdraw it
 *   POST   /documents/{docId}/circulate  传阅 {"readers": […], "order": "parallel"|"rank", "note": "…"}
 *   POST   /documents/{docId}/read       已阅 {"opinion": "…"}
 *   GET    /documents?box=todo|toread|read|done|tracking   my boxes (?limit, ?cursor)
 * Rules live in domain/task-operations.ts; items in adapters/task-operations.ts. No route is named.
 */
import { computeDeadline, localDate } from '../../domain/calendar.js';
import { mayRead, ROLE_NAMES, type Actor, type Secrecy } from '../../domain/identity.js';
import { isDocId, isTaskId } from '../../domain/ids.js';
import { formatSlipTime, slipLineBy } from '../../domain/processing-slip.js';
import { mayDecide, operationRefusal, type Assignment } from '../../domain/route-platform.js';
import { redactFor } from '../../domain/secrecy.js';
import {
  actingFor,
  BOX_NAMES,
  BOXES,
  chaseBody,
  CHASE_UNREAD_AFTER_WORKING_DAYS,
  circulateBody,
  delegateRefusal,
  delegationBody,
  delegationRangeRefusal,
  delegatorAsActor,
  delegatorRefusal,
  duplicates,
  inForce,
  isBox,
  mayChase,
  mayCirculate,
  mayTransfer,
  nameList,
  parseBody,
  readBody,
  transferBody,
  type Delegation,
} from '../../domain/task-operations.js';
import { documentChain, transactWithAudit } from '../../adapters/audit.js';
import { now as clock } from '../../adapters/clock.js';
import { findUser, type DirectoryUser } from '../../adapters/directory.js';
import { getDocument, putSlipLineItem } from '../../adapters/documents.js';
import { TransactionConflict, type TransactItem } from '../../adapters/dynamo.js';
import { env } from '../../adapters/env.js';
import { appendRegisterEntry, chasingEntryOf } from '../../adapters/registers.js';
import { aboutTask, holderText, MAX_RECIPIENTS, notificationItems, openedTaskNotificationItems, peopleTaking } from '../../adapters/notifications.js';
import {
  chaseTaskItem,
  delegationsTo,
  deleteDelegationItems,
  getCirculation,
  getDelegation,
  getDocumentsById,
  listBox,
  listNotifications,
  markReadItem,
  openReadItem,
  putDelegationItems,
  readItemsOf,
  transferTaskItem,
  newCirculation,
  circulationNotice,
} from '../../adapters/task-operations.js';
import { getTask, listOpenTasksFor, listTasksOfDocument, partitionsFor, strip, type TaskRecord } from '../../adapters/tasks.js';
import { HttpError, pageLimit, type Request, type RouteHandler } from './http.js';
import { refuseStepWithSigners, requireOperation, routeStepOf } from './task-lookup.js';

const today = () => localDate(clock(), env.branchConfig.timeZone);

export { holderText };

/** Is a directory person cleared for this 密级? */
const clearedFor = (p: DirectoryUser, secrecy: Secrecy) => mayRead(p, secrecy);

function refuse(status: number, message: string): never {
  throw new HttpError(status, message);
}

async function loadOpenTask(taskId: string, verb: string) {
  if (!isTaskId(taskId)) refuse(404, '找不到该待办：待办号应为 24 位十六进制字符，请从待办列表中打开');
  const task = await getTask(taskId);
  if (!task) refuse(404, `找不到待办 ${taskId}`);
  if (task.status === 'decided') refuse(409, `该待办已由 ${task.decidedByName ?? task.decidedBy} 于 ${formatSlipTime(task.decidedAt ?? '')} 办理，无需${verb}`);
  if (task.status === 'expired') refuse(409, `该待办已失效（流程不再等待此步骤），无需${verb}`);
  if (task.status === 'skipped') refuse(409, `该待办已超时跳过，流程已转下一步，无需${verb}`);
  if (task.status !== 'open') refuse(409, `该待办尚未轮到或已关闭（减签、签署结果已定），无需${verb}`);
  // A step with several signers is chased and handed on signer by signer (加签/减签 change who signs).
  refuseStepWithSigners(task);
  return task;
}

// ---- delegation (委托/代理) ----------------------------------------------------------------------

/** Delegations to `actor` in force today. */
export async function delegationsInForce(actor: Actor): Promise<Delegation[]> {
  const day = today();
  return (await delegationsTo(actor.username)).filter((d) => inForce(d, day));
}

/** Whom `actor` acts for on this assignment (a delegation in force), or undefined: his own task, or not his. */
export async function actingForTask(actor: Actor, assignment: Assignment): Promise<Delegation | undefined> {
  if (mayDecide(actor, assignment)) return undefined;
  return actingFor(actor, assignment, await delegationsInForce(actor), today());
}

/** The task lists a delegate sees besides his own: the partitions of those he stands in for. */
export async function standInPartitions(actor: Actor): Promise<{ partitions: string[]; delegations: Delegation[] }> {
  const delegations = await delegationsInForce(actor);
  return { partitions: delegations.flatMap((d) => partitionsFor(delegatorAsActor(d))), delegations };
}

/** A listed task, marked with whom the actor would act for. */
export function onBehalfMark(actor: Actor, task: Pick<TaskRecord, 'assignment'>, delegations: Delegation[]) {
  const d = actingFor(actor, task.assignment, delegations, today());
  return d ? { onBehalfOf: d.delegator, onBehalfOfName: d.delegatorName } : {};
}

const delegationView = (d: Delegation) => ({ ...d, inForce: inForce(d, today()) });

async function setDelegation({ actor, body }: Request) {
  const refused = delegatorRefusal(actor);
  if (refused) refuse(403, refused);
  const parsed = parseBody(delegationBody, body);
  if (!parsed.ok) refuse(400, parsed.message);
  const { to, from, until } = parsed.value;
  const rangeRefused = delegationRangeRefusal(from, until, today());
  if (rangeRefused) refuse(400, rangeRefused);
  const delegate = await findUser(to);
  if (!delegate?.enabled) refuse(400, `找不到代理人 ${to}，或其账号已停用：请填写代理人的用户名`);
  const unfit = delegateRefusal(actor, delegate);
  if (unfit) refuse(400, unfit);
  const at = clock().toISOString();
  const delegation: Delegation = {
    delegator: actor.username,
    delegatorName: actor.name,
    delegatorRoles: actor.roles,
    ...(actor.department ? { delegatorDepartment: actor.department } : {}),
    delegate: delegate.username,
    delegateName: delegate.name,
    from,
    until,
    setAt: at,
  };
  const previous = await getDelegation(actor.username);
  await transactWithAudit(
    `DELEGATION#${actor.username}`,
    { at, actor: actor.username, action: 'delegation.set', details: { ...delegation, ...(previous ? { replaces: previous } : {}) } },
    putDelegationItems(delegation, previous),
  );
  return { ...delegationView(delegation), message: `已委托 ${delegate.name} 于 ${from} 至 ${until} 代为办理` };
}

async function clearDelegation({ actor }: Request) {
  const current = await getDelegation(actor.username);
  if (!current) refuse(404, '您没有设置委托');
  const at = clock().toISOString();
  try {
    await transactWithAudit(`DELEGATION#${actor.username}`, { at, actor: actor.username, action: 'delegation.cleared', details: { ...current } }, deleteDelegationItems(current));
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) refuse(404, '您没有设置委托');
    throw err;
  }
  return { cleared: true, delegation: current };
}

async function showDelegation({ actor }: Request) {
  const [mine, toMe] = await Promise.all([getDelegation(actor.username), delegationsTo(actor.username)]);
  return { delegation: mine ? delegationView(mine) : null, actingFor: toMe.map(delegationView) };
}

// ---- 转办 ------------------------------------------------------------------------------------------

async function transfer({ actor, params, body }: Request) {
  const task = await loadOpenTask(params.taskId, '转办');
  requireOperation(task, 'transfer');
  const a = task.assignment;
  if (task.signOf) refuse(409, '会签待办不能转办；调整签署人员请用加签、减签');
  if (!mayTransfer(actor, a)) refuse(403, `该待办应由 ${holderText(a)} 办理，您（${actor.name}）无权转办；如需转交请联系办公室主任`);
  if (!mayRead(actor, task.secrecy)) refuse(403, `该文件密级为${task.secrecy}，您的密级（${actor.clearance}）不足，不能转办`);
  const parsed = parseBody(transferBody, body);
  if (!parsed.ok) refuse(400, parsed.message);
  const { to, reason } = parsed.value;
  if (a.username === to) refuse(400, `该待办已由 ${to} 办理，无需转办`);
  const person = await findUser(to);
  if (!person?.enabled) refuse(400, `找不到用户 ${to}，或其账号已停用：请填写接办人的用户名`);
  if (!person.roles.includes(a.role)) refuse(400, `${person.name}（${to}）不是${ROLE_NAMES[a.role]}，不能接办此待办；转办只能交给同一岗位的人员`);
  if (a.department && person.department !== a.department) refuse(400, `${person.name}（${to}）不在${holderText({ role: a.role, department: a.department }).replace(ROLE_NAMES[a.role], '')}，不能接办此待办`);
  if (!clearedFor(person, task.secrecy)) refuse(400, `${person.name}（${to}）的密级（${person.clearance}）不足以办理该${task.secrecy}文件，不能转办给他/她`);

  const at = clock().toISOString();
  const next: Assignment = { role: a.role, username: person.username, ...(a.department ? { department: a.department } : {}) };
  const line = slipLineBy({ step: 'transfer', stepName: '转办' }, actor, at, reason, [
    { label: '转办事项', value: task.stepName },
    { label: '原办理人', value: holderText(a) },
    { label: '接办人', value: `${person.name}（${person.username}）` },
  ]);
  try {
    await transactWithAudit(
      documentChain(task.docId),
      { at, actor: actor.username, action: 'task.transferred', details: { taskId: task.taskId, step: task.step, from: a, to: next, toName: person.name, reason } },
      [
        transferTaskItem(task.taskId, a, next, at),
        putSlipLineItem(task.docId, line, `${task.taskId}-transfer`),
        ...openedTaskNotificationItems(task, person.username, at, `${actor.name}转办给您：${reason}`, actor),
      ],
    );
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) refuse(409, '该待办刚被办理或转办，请刷新后再试');
    throw err;
  }
  return { taskId: task.taskId, status: 'open', assignment: next, assignee: holderText(next, person.name), transferredAt: at };
}

// ---- 催办 by hand ------------------------------------------------------------------------------------

async function chaseTask({ actor, params, body }: Request) {
  const task = await loadOpenTask(params.taskId, '催办');
  requireOperation(task, 'chase');
  if (!mayChase(actor)) refuse(403, `催办由文书或办公室主任进行，您（${actor.name}）无权催办`);
  const parsed = parseBody(chaseBody, body);
  if (!parsed.ok) refuse(400, parsed.message);
  const note = parsed.value.note || '请抓紧办理';
  // Who is told: the named person, or every cleared holder of the role (at most MAX_RECIPIENTS).
  const people = (await peopleTaking(task.assignment, task.secrecy)).slice(0, MAX_RECIPIENTS);
  const at = clock().toISOString();
  const notified = people.map((p) => p.username);
  let serial: number;
  try {
    serial = await appendRegisterEntry({
      register: 'chasing',
      year: Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4)),
      entry: () => chasingEntryOf(task, '人工催办', at, { chasedBy: actor.username, chasedByName: actor.name, note, notified }),
      extra: (n) => [
        chaseTaskItem(task.taskId, at),
        ...notificationItems(
          { id: `chasing-${n}`, kind: '催办', at, ...aboutTask(task), note, from: actor.username, fromName: actor.name },
          notified,
        ),
      ],
      auditChain: documentChain(task.docId),
      audit: (n) => ({ at, actor: actor.username, action: 'task.chased', details: { taskId: task.taskId, step: task.step, note, chasingSerial: n, notified } }),
    });
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) refuse(409, '该待办刚被办理，无需催办');
    throw err;
  }
  return { taskId: task.taskId, chasingSerial: serial, chaseCount: (task.chaseCount ?? 0) + 1, notified, chasedAt: at };
}

async function notifications({ actor, query }: Request) {
  const page = await listNotifications(actor.username, { cursor: query.cursor, limit: pageLimit(query) });
  return { items: page.items.map((n) => redactFor(actor, { ...n })), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

// ---- 传阅 ------------------------------------------------------------------------------------------

/** Directory look-ups a few at a time: 200 readers must not open 400 connections at once. */
async function lookUp(usernames: string[], concurrency = 8): Promise<(DirectoryUser | undefined)[]> {
  const found: (DirectoryUser | undefined)[] = new Array(usernames.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, usernames.length) }, async () => {
      while (next < usernames.length) {
        const i = next++;
        found[i] = await findUser(usernames[i]);
      }
    }),
  );
  return found;
}

async function loadDocument(docId: string) {
  if (!isDocId(docId)) refuse(404, '找不到该文件：文件号应为 20 位十六进制字符，请从待办或登记簿中打开');
  const doc = await getDocument(docId);
  if (!doc) refuse(404, `找不到文件 ${docId}`);
  return doc;
}

/**
 * 传阅 is allowed per step like any operation: while the document waits on steps, one of them
 * must allow it (refused at 立卷归档, say). A document on no step (between two, or done) is not held.
 */
async function requireCirculationStep(docId: string): Promise<void> {
  const open = (await listTasksOfDocument(docId)).filter((t) => t.status === 'open');
  if (open.length === 0) return;
  const refusals = open.map((t) => operationRefusal(routeStepOf(t).step, 'circulate'));
  if (refusals.every(Boolean)) refuse(409, refusals[0]!);
}

async function circulate({ actor, params, body }: Request) {
  const doc = await loadDocument(params.docId);
  if (!mayCirculate(actor)) refuse(403, `传阅由办公室人员或领导发起，您（${actor.name}）无权传阅`);
  if (!mayRead(actor, doc.secrecy)) refuse(403, `该文件密级为${doc.secrecy}，您的密级不足，不能传阅`);
  await requireCirculationStep(doc.docId);
  const parsed = parseBody(circulateBody, body);
  if (!parsed.ok) refuse(400, parsed.message);
  const { readers, order, note } = parsed.value;
  const repeated = duplicates(readers);
  if (repeated.length) refuse(400, `阅件人重复：${nameList(repeated)}`);

  const people = await lookUp(readers);
  const unknown = readers.filter((_, i) => !people[i]?.enabled);
  if (unknown.length) refuse(400, `找不到以下阅件人，或其账号已停用：${nameList(unknown)}`);
  const found = people as DirectoryUser[];
  const uncleared = found.filter((p) => !clearedFor(p, doc.secrecy));
  if (uncleared.length) refuse(400, `以下阅件人的密级不足以阅读该${doc.secrecy}文件：${nameList(uncleared.map((p) => `${p.name}（${p.username}，${p.clearance}）`))}`);

  const now = clock();
  const at = now.toISOString();
  const { circulation, items, finish } = newCirculation(doc, found.map((p) => ({ username: p.username, name: p.name })), { order, note, by: actor, now });
  const line = slipLineBy({ step: 'circulate', stepName: '传阅' }, actor, at, note || '请阅', [
    { label: '阅件人', value: nameList(found.map((p) => p.name), 20) },
    { label: '传阅方式', value: order === 'rank' ? '按顺序依次传阅' : '同时传阅' },
  ]);
  // The circulation and its audit event (summarizing all readers) commit together; the read items
  // (up to 500, beyond one transaction) follow as idempotent puts of what the circulation says.
  await transactWithAudit(
    documentChain(doc.docId),
    { at, actor: actor.username, action: 'document.circulated', details: { circId: circulation.circId, order, note, readerCount: readers.length, readers } },
    [...items, putSlipLineItem(doc.docId, line, `circulate-${circulation.circId}`)],
  );
  await finish();
  return { circId: circulation.circId, docId: doc.docId, order, readers: readers.length, circulatedAt: at };
}

async function read({ actor, params, body }: Request) {
  const docId = params.docId;
  if (!isDocId(docId)) refuse(404, '找不到该文件：文件号应为 20 位十六进制字符');
  const parsed = parseBody(readBody, body);
  if (!parsed.ok) refuse(400, parsed.message);
  const mine = await readItemsOf(docId, actor.username);
  if (!mine.length) refuse(404, '该文件没有传阅给您');
  const item = mine.find((i) => i.status === 'toread');
  if (!item) {
    const waiting = mine.find((i) => i.status === 'waiting');
    if (waiting) {
      const c = await getCirculation(waiting.circId);
      const before = c?.readers[waiting.seq - 1];
      refuse(409, `该文件按顺序传阅，尚未轮到您${before ? `：请待 ${before.name} 阅后再阅` : ''}`);
    }
    const last = mine.at(-1)!;
    refuse(409, `您已于 ${formatSlipTime(last.readAt ?? '')} 阅过该文件`);
  }
  if (!mayRead(actor, item.secrecy)) refuse(403, `该文件密级为${item.secrecy}，您的密级（${actor.clearance}）不足，不能阅读`);

  const now = clock();
  const at = now.toISOString();
  const opinion = parsed.value.opinion;
  const items: TransactItem[] = [markReadItem(item, at, opinion)];
  let nextReader: string | undefined;
  if (item.order === 'rank') {
    const c = await getCirculation(item.circId);
    const next = c?.readers[item.seq + 1];
    if (next) {
      nextReader = next.username;
      const chaseAt = computeDeadline(now, { workingDays: CHASE_UNREAD_AFTER_WORKING_DAYS }, env.deadlineOptions).dueAt;
      items.push(openReadItem(docId, next.username, item.circId, at, chaseAt));
      // Their turn: the next reader is told.
      items.push(...notificationItems(circulationNotice({ ...item, by: item.circulatedBy, byName: item.circulatedByName }, at, item.seq + 1), [next.username]));
    }
  }
  const line = slipLineBy({ step: 'read', stepName: '阅' }, actor, at, opinion || '已阅', [], '阅件人');
  items.push(putSlipLineItem(docId, line, `read-${item.circId}-${actor.username}`));
  try {
    await transactWithAudit(documentChain(docId), { at, actor: actor.username, action: 'document.read', details: { circId: item.circId, opinion, ...(nextReader ? { nextReader } : {}) } }, items);
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) refuse(409, '您已阅过该文件');
    throw err;
  }
  return { docId, circId: item.circId, status: 'read', readAt: at, ...(nextReader ? { nextReader } : {}) };
}

// ---- boxes -----------------------------------------------------------------------------------------

const boxItem = ({ pk: _pk, sk: _sk, gsi2pk: _a, gsi2sk: _b, gsi4pk: _c, gsi4sk: _d, ...rest }: Record<string, unknown>) => rest;

/** 在办跟踪: of the documents I acted on (newest first), those still in progress, with who holds them now. */
async function tracking(actor: Actor, items: Record<string, unknown>[]) {
  const docs = await getDocumentsById(items.map((i) => String(i.docId)));
  const inProgress = items.filter((i) => {
    const status = docs.get(String(i.docId))?.status;
    return status === 'registered' || status === 'in-progress';
  });
  return Promise.all(
    inProgress.map(async (i) => {
      const doc = docs.get(String(i.docId))!;
      // A step with several signers is held by its signers whose turn it is, not by its step task.
      const open = (await listTasksOfDocument(String(i.docId))).filter((t) => t.status === 'open' && !t.signing);
      return redactFor(actor, {
        docId: doc.docId,
        title: doc.title,
        registerNumber: doc.registerNumber,
        secrecy: doc.secrecy,
        urgency: doc.urgency,
        status: doc.status,
        lastActedAt: i.lastActedAt,
        currentSteps: open.map((t) => ({ taskId: t.taskId, step: t.step, stepName: t.stepName, holder: holderText(t.assignment), dueAt: t.dueAt, overdue: Boolean(t.overdue) })),
      });
    }),
  );
}

async function box({ actor, query }: Request) {
  const which = query.box;
  if (!isBox(which)) refuse(400, `请指定文件夹 box：${BOXES.map((b) => `${b}（${BOX_NAMES[b]}）`).join('、')}`);
  const limit = pageLimit(query);
  if (which === 'todo') {
    // Earliest due first: the overdue ones (due earliest) come first.
    const { partitions, delegations } = await standInPartitions(actor);
    const page = await listOpenTasksFor(actor, { cursor: query.cursor, limit, extraPartitions: partitions });
    const items = page.items.map((t) => redactFor(actor, { ...t, assignee: holderText(t.assignment), ...onBehalfMark(actor, t, delegations) }));
    return { box: which, name: BOX_NAMES[which], items, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }
  const page = await listBox(which, actor.username, { cursor: query.cursor, limit });
  let items: unknown[];
  if (which === 'done') items = page.items.map((i) => redactFor(actor, { ...strip(i), assignee: holderText(strip(i).assignment) }));
  else if (which === 'tracking') items = await tracking(actor, page.items);
  else items = page.items.map((i) => redactFor(actor, boxItem(i)));
  return { box: which, name: BOX_NAMES[which], items, ...(page.cursor ? { cursor: page.cursor } : {}) };
}

export const operationRoutes: Record<string, RouteHandler> = {
  'POST /tasks/{taskId}/transfer': transfer,
  'POST /tasks/{taskId}/chase': chaseTask,
  'GET /me/notifications': notifications,
  'GET /me/delegation': showDelegation,
  'PUT /me/delegation': setDelegation,
  'DELETE /me/delegation': clearDelegation,
  'POST /documents/{docId}/circulate': circulate,
  'POST /documents/{docId}/read': read,
  'GET /documents': box,
};
