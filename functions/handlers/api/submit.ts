/**
 * POST /documents: a department submits an internal document (内部来文: 请示 or 报告). It is numbered
 * in the internal-document register (内部来文登记簿, 内〔2026〕N号) in the same transaction that writes
 * the document, its audit event and the route-start mark; then its route starts.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { localDate } from '../../domain/calendar.js';
import { mayRead } from '../../domain/identity.js';
import { formatRegisterNumber } from '../../domain/numbering.js';
import { URGENCIES } from '../../domain/route-platform.js';
import { parseSecrecy } from '../../domain/secrecy.js';
import { cleanText } from '../../domain/text.js';
import { documentChain } from '../../adapters/audit.js';
import { now as clock } from '../../adapters/clock.js';
import { putDocumentItem, type DocumentRecord } from '../../adapters/documents.js';
import { env } from '../../adapters/env.js';
import { appendRegisterEntry, routeStartMarkItem } from '../../adapters/registers.js';
import { ensureRouteStarted } from '../../adapters/route-starts.js';
import { ROUTES, routeById } from '../../routes/index.js';
import { HttpError, parseWith, type Request } from './http.js';

const INTERNAL = () => Object.values(ROUTES).filter((r) => r.kind === 'internal');

const submission = z.strictObject(
  {
    route: z.string({ error: '请选择流程（route），如 request-general（一般性请示）' }).max(64, '流程（route）不存在'),
    title: z.string({ error: '请填写标题（title）' }).trim().min(1, '请填写标题（title）').max(200, '标题不超过 200 字'),
    content: z.string({ error: '请填写正文（content）' }).trim().min(1, '请填写正文（content）').max(20_000, '正文不超过 20000 字；更长的内容请作为附件上传'),
    urgency: z.enum(URGENCIES as [string, ...string[]], { error: '紧急程度（urgency）应为 特急、加急 或 平件' }).optional(),
    secrecy: z.string({ error: '密级（secrecy）应为文字，如 非密' }).max(32).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段；可填写：route、title、content、urgency、secrecy` : '请求内容应为 JSON 对象') },
);

export async function submitInternalDocument({ actor, body }: Request) {
  const input = parseWith(submission, body);
  const route = routeById(input.route);
  if (!route || route.kind !== 'internal') {
    throw new HttpError(400, `没有内部来文流程 ${input.route.slice(0, 40)}，可选：${INTERNAL().map((r) => `${r.id}（${r.name}）`).join('、')}`);
  }
  const secrecy = parseSecrecy(input.secrecy);
  if (!secrecy.ok) throw new HttpError(400, secrecy.reason);
  // Nobody files what they could not read back: the level is at most the submitter's clearance.
  if (!mayRead(actor, secrecy.secrecy)) throw new HttpError(403, `您的密级（${actor.clearance}）低于${secrecy.secrecy}，不能提交该密级的文件`);
  if (!actor.department) throw new HttpError(403, '您的账号没有所属科室，不能提交内部来文；请联系管理员');

  const config = env.branchConfig;
  const now = clock();
  const at = now.toISOString();
  const year = Number(localDate(now, config.timeZone).slice(0, 4));
  const docId = randomBytes(10).toString('hex');
  const title = cleanText(input.title, 200);
  const requester = { username: actor.username, name: actor.name, department: actor.department, role: actor.roles[0] ?? 'staff' };
  const docFor = (serial: number): DocumentRecord => ({
    docId,
    route: route.id,
    title,
    sender: config.departments.find((d) => d.code === actor.department)?.name ?? actor.department ?? '',
    sourceNumber: '',
    urgency: (input.urgency ?? '平件') as DocumentRecord['urgency'],
    secrecy: secrecy.secrecy,
    register: 'internal',
    registerYear: year,
    registerSerial: serial,
    registerNumber: formatRegisterNumber({ register: '内', year, serial }),
    receivedAt: at,
    registeredAt: at,
    status: 'registered',
    content: input.content,
    requester,
  });
  const serial = await appendRegisterEntry({
    register: 'internal',
    year,
    entry: (n) => {
      const doc = docFor(n);
      return { number: doc.registerNumber, docId, title, sender: doc.sender, route: route.id, routeName: route.name, urgency: doc.urgency, secrecy: doc.secrecy, requester: actor.username, requesterName: actor.name, receivedAt: at, registeredAt: at };
    },
    extra: (n) => [putDocumentItem(docFor(n)), routeStartMarkItem(docId, at)],
    auditChain: documentChain(docId),
    audit: (n) => ({ at, actor: actor.username, action: 'document.submitted', details: { registerNumber: docFor(n).registerNumber, route: route.id } }),
  });
  await ensureRouteStarted(docId);
  return { docId, registerNumber: docFor(serial).registerNumber, route: route.id, routeName: route.name, status: 'in-progress' };
}
