/**
 * 送审: POST /drafts/{draftId}/submit {route, reviewers?, note?}. The draft becomes version 1 and an
 * outgoing document (发文) under the same id, whose route starts: the document, version 1, its
 * audit event and the route-start mark in one transaction (adapters/route-starts.ts then starts it).
 * 会审 (outgoing-main): the drafting department's heads and the heads of the related departments
 * the drafter names review together; all must agree.
 */
import * as z from 'zod';
import { localDate } from '../../domain/calendar.js';
import { checkSubmittable, DraftRefusal, placeholderNumber, type Draft } from '../../domain/drafts.js';
import { mayRead, mayTake, type Actor } from '../../domain/identity.js';
import { username, type Urgency } from '../../domain/route-platform.js';
import type { Submission } from '../../routes/outgoing.js';
import { ROUTES, routeById } from '../../routes/index.js';
import { now as clock } from '../../adapters/clock.js';
import { holdersOf, holdsRole } from '../../adapters/directory.js';
import { putDocumentItem, putSlipLineItem, updateDocumentItem, type DocumentRecord } from '../../adapters/documents.js';
import { TransactionConflict, type TransactItem } from '../../adapters/dynamo.js';
import { deliverDecision } from '../../adapters/route-answers.js';
import { answerMarkItem, closeOpenTaskItem, getTask, listTasksOfDocument } from '../../adapters/tasks.js';
import { slipLineFor } from '../../domain/processing-slip.js';
import { submitDraft, voidedNumberItem } from '../../adapters/drafts.js';
import { voidOutgoingNumber } from '../../adapters/outgoing.js';
import { env } from '../../adapters/env.js';
import { routeStartMarkItem } from '../../adapters/registers.js';
import { ensureRouteStarted } from '../../adapters/route-starts.js';
import { parseWith } from './http.js';

const OUTGOING = () => Object.values(ROUTES).filter((r) => r.kind === 'outgoing');
const routeChoices = () => OUTGOING().map((r) => `${r.id}（${r.name}）`).join('、');

export const submissionForm = z.strictObject(
  {
    route: z.string({ error: () => `请选择发文流程（route）：${routeChoices()}` }).max(64, '发文流程（route）不存在'),
    reviewers: z
      .array(username('会审人（reviewers）'), { error: '会审人（reviewers）应为相关科室负责人的用户名列表，如 ["chenjing"]' })
      .max(20, '会审人不超过 20 人')
      .refine((list) => new Set(list).size === list.length, '会审人重复')
      .optional(),
    note: z.string({ error: '送审说明（note）应为文字' }).trim().max(500, '送审说明（note）最多500字').optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：route、reviewers、note' : '请求内容应为 JSON 对象，如 {"route": "outgoing-dept"}') },
);

/** The draft's 紧急程度 as the route counts deadlines (普通 is 平件). */
const urgencyOf = (draft: Draft): Urgency => (draft.content.urgency === '普通' ? '平件' : draft.content.urgency);

/**
 * 会审 signers: the drafting department's heads first, then the named heads of related
 * departments; each must hold dept-head, be enabled and cleared for the draft.
 */
async function reviewersOf(draft: Draft, named: string[]): Promise<NonNullable<Submission['reviewers']>> {
  const secrecy = draft.content.secrecy.level;
  const own = (await holdersOf('dept-head')).filter((p) => mayTake(p, { role: 'dept-head', department: draft.department }, secrecy));
  const others = await Promise.all(named.map((u) => holdsRole(u, 'dept-head')));
  const missing = named.filter((_, i) => !others[i]);
  if (missing.length) throw new DraftRefusal(400, `找不到科室负责人 ${missing.join('、')}：会审人（reviewers）应填写相关科室负责人的用户名`);
  const uncleared = others.filter((p) => !mayRead(p!, secrecy));
  if (uncleared.length) throw new DraftRefusal(400, `${uncleared.map((p) => p!.name).join('、')} 的密级低于稿件的${secrecy}，不能会审`);
  const people = [...own, ...others.map((p) => p!)].filter((p, i, all) => all.findIndex((q) => q.username === p.username) === i);
  if (people.length === 0) throw new DraftRefusal(400, '本科室没有可审核的科室负责人，请在会审人（reviewers）中指定相关科室负责人');
  return { mode: 'all', signers: people.map((p) => p.username), names: people.map((p) => p.name) };
}

export async function submitForReview(actor: Actor, draft: Draft, body: unknown): Promise<{ draft: Draft; docId: string; route: string; routeName: string }> {
  const input = parseWith(submissionForm, body);
  const route = routeById(input.route);
  if (!route || route.kind !== 'outgoing') throw new DraftRefusal(400, `没有发文流程 ${input.route.slice(0, 40)}，可选：${routeChoices()}`);
  checkSubmittable(actor, draft);
  const reviews = route.steps.some((s) => s.id === 'jointReview');
  if (input.reviewers?.length && !reviews) throw new DraftRefusal(400, `${route.name}由科室负责人审核，不经会审；会审人（reviewers）只用于需要会审的流程`);
  const submission: Submission = reviews ? { reviewers: await reviewersOf(draft, input.reviewers ?? []) } : {};

  const config = env.branchConfig;
  const now = clock();
  const at = now.toISOString();
  const year = Number(localDate(now, config.timeZone).slice(0, 4));
  const doc: DocumentRecord = {
    docId: draft.draftId,
    route: route.id,
    title: draft.content.title,
    sender: config.departments.find((d) => d.code === draft.department)?.name ?? draft.department,
    sourceNumber: '',
    urgency: urgencyOf(draft),
    secrecy: draft.content.secrecy.level,
    register: 'outgoing',
    registerYear: year,
    registerSerial: 0,
    // The number comes after 签发 (编号); until then the series and year, the serial blank.
    registerNumber: placeholderNumber(draft.content.issuingCode, String(year)),
    receivedAt: at,
    registeredAt: at,
    status: 'registered',
    requester: { username: actor.username, name: actor.name, department: draft.department, role: actor.roles[0] ?? 'staff' },
    startDecisions: { submit: { ...submission, by: actor.username, byName: actor.name, at } },
  };
  const next = await submitDraft(draft, actor, at, input.note || undefined, [putDocumentItem(doc), routeStartMarkItem(draft.draftId, at)], { route: route.id });
  await ensureRouteStarted(draft.draftId);
  return { draft: next, docId: draft.draftId, route: route.id, routeName: route.name };
}

/**
 * A signed draft changed with its signer's consent goes back to 签发: the route's open task (编号,
 * the only step between 签发 and the number) is closed in the change's own transaction, and the
 * route is answered with Chancery.Goto to `sign` once it commits (the reconciler resends a lost
 * answer). A draft whose route has not reached a later step (no open task) only changes state.
 */
export async function backToSigning(draftId: string, actor: Actor, at: string): Promise<{ items: TransactItem[]; deliver(): Promise<void> }> {
  const open = (await listTasksOfDocument(draftId)).filter((t) => t.status === 'open' && !t.coOf && !t.signOf);
  if (open.length === 0) return { items: [], deliver: async () => undefined };
  const tasks = await Promise.all(open.map((t) => getTask(t.taskId)));
  const items = tasks.flatMap((task) => [
    closeOpenTaskItem(task!.taskId, 'recalled', actor, at, 'sign'),
    putSlipLineItem(draftId, slipLineFor(task!, actor, at, '签发后经签发人同意修改稿件，重新签发', [{ label: '退回至', value: '签发' }]), `${task!.taskId}-resign`),
    answerMarkItem(task!, at),
  ]);
  return {
    items: [updateDocumentItem(draftId, { moved: true }), ...items],
    deliver: async () => {
      for (const task of tasks) await deliverDecision({ ...task!, answer: { goto: 'sign' } });
    },
  };
}

/** Who may void a number (作废文号): those who give numbers and the office's head. */
const VOIDERS = new Set(['clerk', 'confidential-clerk', 'office-director']);
/** Steps after 编号 from which a number may still be voided: not once the document has gone out (分发). */
const VOIDABLE_AT = new Set(['seal', 'amendSeal', 'recheck', 'distribute']);

export const voidForm = z.strictObject(
  { reason: z.string({ error: '请填写作废原因（reason）' }).trim().min(1, '请填写作废原因（reason）').max(500, '作废原因不超过 500 字') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：reason' : '请求内容应为 JSON 对象，如 {"reason": "主送机关写错"}') },
);

/**
 * POST /drafts/{draftId}/void-number {reason}: 作废文号 before the document goes out. The number is
 * marked void in its 发文登记簿 (never given again), the draft is 已签发 again (the seal, if any, no
 * longer stands), and the route goes back to 编号 — all in one transaction with the audit event;
 * a change of the text then needs the signer's consent as usual.
 */
export async function voidNumber(actor: Actor, draft: Draft, body: unknown): Promise<{ number: string; state: string }> {
  const { reason } = parseWith(voidForm, body);
  if (!actor.roles.some((r) => VOIDERS.has(r))) throw new DraftRefusal(403, '只有文书、机要员或办公室主任可以作废文号');
  if (!draft.printed) throw new DraftRefusal(409, '稿件尚未编号，没有可作废的文号');
  const open = (await listTasksOfDocument(draft.draftId)).filter((t) => t.status === 'open' && !t.coOf && !t.signOf);
  const waiting = open.find((t) => VOIDABLE_AT.has(t.step));
  if (!waiting) throw new DraftRefusal(409, `《${draft.content.title}》已分发（或已办结），文号 ${draft.printed.number} 不能再作废`);
  const task = (await getTask(waiting.taskId))!;
  const at = clock().toISOString();
  const number = draft.printed.number;
  const year = Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4));
  const voiding = voidOutgoingNumber({
    number,
    reason,
    actor,
    at,
    items: () => [
      voidedNumberItem(draft, actor, at, reason),
      closeOpenTaskItem(task.taskId, 'recalled', actor, at, 'number'),
      putSlipLineItem(draft.draftId, slipLineFor(task, actor, at, reason, [{ label: '作废文号', value: number }, { label: '退回至', value: '编号' }]), `${task.taskId}-void`),
      answerMarkItem(task, at),
      updateDocumentItem(draft.draftId, { moved: true, registerNumber: placeholderNumber(draft.content.issuingCode, String(year)) }),
    ],
  });
  try {
    await voiding;
  } catch (err) {
    // The draft or the task changed between our read and the write (another edit, the step decided).
    if (err instanceof TransactionConflict) throw new DraftRefusal(409, '稿件或待办刚刚有了变化，请刷新后再作废');
    throw err;
  }
  await deliverDecision({ ...task, answer: { goto: 'number' } });
  return { number, state: 'signed' };
}
