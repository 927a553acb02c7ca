/**
 * The registration desk (登记台): 签收 → 登记 → 初审. A scan is numbered on arrival (intake); the
 * clerk then completes its register entry within half a working day, and at 初审 may return it to
 * its sender (退文) instead.
 *   GET  /registration-desk                     scans waiting for their entry, oldest due first
 *   PUT  /documents/{docId}/registration        complete the entry: 来文单位, 来文字号, 标题, 密级,
 *                                               紧急程度, 份数, 页数, 收文方式, the route (confirm or change)
 *   POST /documents/{docId}/return-to-sender    退文 with a reason: recorded in the 退文登记簿; the route ends
 * Both changes are allowed while no step has been decided: after that, the document is the route's.
 */
import * as z from 'zod';
import { localDate } from '../../domain/calendar.js';
import { mayRead, type Actor } from '../../domain/identity.js';
import { isDocId } from '../../domain/ids.js';
import { GOTO_WITHDRAWN, URGENCIES } from '../../domain/route-platform.js';
import { parseSecrecy, redactFor } from '../../domain/secrecy.js';
import { cleanText } from '../../domain/text.js';
import { isIncomingRegister } from '../../domain/incoming-series.js';
import { documentChain, transactWithAudit } from '../../adapters/audit.js';
import { now as clock } from '../../adapters/clock.js';
import { getDocument, updateDocumentItem, type DocumentRecord } from '../../adapters/documents.js';
import { TransactionConflict, type TransactItem } from '../../adapters/dynamo.js';
import { env } from '../../adapters/env.js';
import { appendRegisterEntry, listDesk, removeDeskItem, routeStartMarkItem, setEntryFieldsItem } from '../../adapters/registers.js';
import { deliverDecision } from '../../adapters/route-answers.js';
import { ensureRouteStarted } from '../../adapters/route-starts.js';
import { closeOpenTaskItem, getTask, listTasksOfDocument, updateOpenTaskItem, type TaskRecord } from '../../adapters/tasks.js';
import { ROUTES, routeById } from '../../routes/index.js';
import { HttpError, pageLimit, parseWith, type Request } from './http.js';

const DESK_ROLES = new Set(['clerk', 'confidential-clerk', 'office-director']);
export const RECEIPT_METHODS = ['邮寄', '机要交通', '专人送达', '传真', '电子邮件', '其他'] as const;

function requireDesk(actor: Actor) {
  if (!actor.roles.some((r) => DESK_ROLES.has(r))) throw new HttpError(403, '登记台仅供文书、机要员和办公室主任使用');
}

const registration = z.strictObject(
  {
    sender: z.string({ error: '来文单位（sender）应为文字' }).trim().min(1, '请填写来文单位（sender）').max(100, '来文单位不超过 100 字'),
    sourceNumber: z.string({ error: '来文字号（sourceNumber）应为文字' }).trim().max(60, '来文字号不超过 60 字').default(''),
    title: z.string({ error: '标题（title）应为文字' }).trim().min(1, '请填写标题（title）').max(200, '标题不超过 200 字'),
    secrecy: z.string({ error: '密级（secrecy）应为文字，如 非密' }).max(32),
    urgency: z.enum(URGENCIES as [string, ...string[]], { error: '紧急程度（urgency）应为 特急、加急 或 平件' }),
    copies: z.number({ error: '份数（copies）应为整数' }).int('份数（copies）应为整数').min(1, '份数至少 1').max(9999, '份数不超过 9999'),
    pages: z.number({ error: '页数（pages）应为整数' }).int('页数（pages）应为整数').min(1, '页数至少 1').max(99999, '页数不超过 99999'),
    receiptMethod: z.enum(RECEIPT_METHODS, { error: `收文方式（receiptMethod）应为：${RECEIPT_METHODS.join('、')}` }),
    route: z.string({ error: '请确认流程（route）' }).max(64),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：sender、sourceNumber、title、secrecy、urgency、copies、pages、receiptMethod、route' : '请求内容应为 JSON 对象') },
);
const returnToSender = z.strictObject(
  { reason: z.string({ error: '请填写退文理由（reason）' }).trim().min(1, '请填写退文理由（reason）').max(2000, '理由不超过 2000 字') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：reason' : '请求内容应为 JSON 对象') },
);

/** The incoming document, visible to this desk user, with nothing decided on it yet. */
async function undecided(actor: Actor, docId: string): Promise<{ doc: DocumentRecord; tasks: TaskRecord[] }> {
  requireDesk(actor);
  if (!isDocId(docId)) throw new HttpError(404, '找不到该文件：文件号应为 20 位十六进制字符');
  const doc = await getDocument(docId);
  if (!doc || !isIncomingRegister(doc.register)) throw new HttpError(404, `找不到收文 ${docId}`);
  if (!mayRead(actor, doc.secrecy)) throw new HttpError(403, `该文件密级为${doc.secrecy}，请交机要员登记`);
  const tasks = await listTasksOfDocument(docId);
  if (doc.status === 'returned-to-sender') throw new HttpError(409, '该文件已退文');
  if (tasks.some((t) => t.status === 'decided') || doc.status === 'filed') throw new HttpError(409, '该文件已有办理意见，登记信息不能再改；如需更正请在处理笺中说明');
  return { doc, tasks };
}

/** A route that has started but not yet opened its first step cannot be stopped by answering it. */
function requireSettled(doc: DocumentRecord, open: TaskRecord[]) {
  if (doc.status === 'in-progress' && open.length === 0) throw new HttpError(409, '流程正在启动，请稍候几秒再试');
}

export async function listRegistrationDesk({ actor, query }: Request) {
  requireDesk(actor);
  const page = await listDesk({ cursor: query.cursor, limit: pageLimit(query) });
  return { items: page.items.map((item) => redactFor(actor, { ...item })), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

export async function completeRegistration({ actor, params, body }: Request) {
  const input = parseWith(registration, body);
  const { doc, tasks } = await undecided(actor, params.docId);
  const secrecy = parseSecrecy(input.secrecy);
  if (!secrecy.ok) throw new HttpError(400, secrecy.reason);
  if (!mayRead(actor, secrecy.secrecy)) throw new HttpError(403, `您的密级（${actor.clearance}）低于${secrecy.secrecy}，请交机要员登记`);
  const route = routeById(input.route);
  if (!route || route.kind !== 'incoming') {
    const known = Object.values(ROUTES).filter((r) => r.kind === 'incoming').map((r) => `${r.id}（${r.name}）`).join('、');
    throw new HttpError(400, `没有来文流程 ${input.route.slice(0, 40)}，可选：${known}`);
  }
  const at = clock().toISOString();
  const title = cleanText(input.title, 200);
  const shown = { title, secrecy: secrecy.secrecy, urgency: input.urgency as DocumentRecord['urgency'] };
  const changesRoute = route.id !== doc.route;
  const open = tasks.filter((t) => t.status === 'open');
  if (changesRoute) requireSettled(doc, open);
  const items: TransactItem[] = [
    updateDocumentItem(doc.docId, {
      ...shown,
      sender: cleanText(input.sender, 100),
      sourceNumber: cleanText(input.sourceNumber, 60),
      registration: { ...doc.registration!, completedAt: at, completedBy: actor.username, copies: input.copies, pages: input.pages, receiptMethod: input.receiptMethod },
      ...(changesRoute ? { route: route.id, status: 'registered' as const, routeRun: (doc.routeRun ?? 0) + 1 } : {}),
    }),
    setEntryFieldsItem(doc.register, doc.registerYear, doc.registerSerial, {
      ...shown,
      sender: cleanText(input.sender, 100),
      sourceNumber: cleanText(input.sourceNumber, 60),
      copies: String(input.copies),
      pages: String(input.pages),
      receiptMethod: input.receiptMethod,
      route: route.id,
    }),
    ...(doc.registration && !doc.registration.completedAt ? [removeDeskItem(doc.registration.dueAt, doc.docId)] : []),
    // A changed route: the first route's waiting step ends it (Withdrawn), the chosen route starts.
    ...(changesRoute ? [...open.map((t) => closeOpenTaskItem(t.taskId, 'withdrawn', actor, at, GOTO_WITHDRAWN)), routeStartMarkItem(doc.docId, at)] : open.map((t) => updateOpenTaskItem(t.taskId, shown))),
  ];
  try {
    await transactWithAudit(
      documentChain(doc.docId),
      { at, actor: actor.username, action: 'document.registration-completed', details: { ...shown, sender: input.sender, sourceNumber: input.sourceNumber, copies: input.copies, pages: input.pages, receiptMethod: input.receiptMethod, route: route.id, routeChangedFrom: changesRoute ? doc.route : undefined } },
      items,
    );
  } catch (err) {
    if (err instanceof TransactionConflict) throw new HttpError(409, '该文件刚刚已被办理或登记，请刷新后再试');
    throw err;
  }
  if (changesRoute) {
    for (const t of open) await deliverDecision({ ...(await getTask(t.taskId))!, answer: { goto: GOTO_WITHDRAWN } });
    await ensureRouteStarted(doc.docId);
  }
  return { docId: doc.docId, registerNumber: doc.registerNumber, route: route.id, routeName: route.name, registeredAt: at };
}

export async function returnDocumentToSender({ actor, params, body }: Request) {
  const { reason } = parseWith(returnToSender, body);
  const { doc, tasks } = await undecided(actor, params.docId);
  const at = clock().toISOString();
  const open = tasks.filter((t) => t.status === 'open');
  requireSettled(doc, open);
  const year = Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4));
  try {
    await appendRegisterEntry({
      register: 'returns',
      year,
      entry: () => ({ docId: doc.docId, registerNumber: doc.registerNumber, title: doc.title, sender: doc.sender, sourceNumber: doc.sourceNumber, secrecy: doc.secrecy, reason, returnedAt: at, returnedBy: actor.username, returnedByName: actor.name }),
      extra: () => [
        updateDocumentItem(doc.docId, { status: 'returned-to-sender' }),
        // Its own register entry says so too (办理结果 退文, the status filter's 退文).
        setEntryFieldsItem(doc.register, doc.registerYear, doc.registerSerial, { returnedAt: at, returnReason: reason }),
        ...(doc.registration && !doc.registration.completedAt ? [removeDeskItem(doc.registration.dueAt, doc.docId)] : []),
        ...open.map((t) => closeOpenTaskItem(t.taskId, 'withdrawn', actor, at, GOTO_WITHDRAWN)),
      ],
      auditChain: documentChain(doc.docId),
      audit: (serial) => ({ at, actor: actor.username, action: 'document.returned-to-sender', details: { reason, returnsSerial: serial } }),
    });
  } catch (err) {
    if (err instanceof TransactionConflict) throw new HttpError(409, '该文件刚刚已被办理，不能退文');
    throw err;
  }
  for (const t of open) await deliverDecision({ ...(await getTask(t.taskId))!, answer: { goto: GOTO_WITHDRAWN } });
  return { docId: doc.docId, status: 'returned-to-sender', reason };
}
