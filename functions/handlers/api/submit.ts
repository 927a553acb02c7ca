/**
 * POST /documents: a department submits an internal document (内部来文: 请示 or 报告). It is numbered
 * in the internal-document register (内部来文登记簿, 内〔2026〕N号) in the same transaction that writes
 * the document, its audit event and the route-start mark; then its route starts.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
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
import { countBusiness } from '../../adapters/metrics.js';
import { ROUTES, routeById } from '../../routes/index.js';
import { attachmentsField, uploadIdField, uploadRaceOr } from './attachment-fields.js';
import { attachmentOf, takeUploads } from './attachments.js';
import { HttpError, parseWith, type Request } from './http.js';

const INTERNAL = () => Object.values(ROUTES).filter((r) => r.kind === 'internal');

const submission = z.strictObject(
  {
    route: z.string({ error: '请选择流程（route），如 request-general（一般性请示）' }).max(64, '流程（route）不存在'),
    title: z.string({ error: '请填写标题（title）' }).trim().min(1, '请填写标题（title）').max(200, '标题不超过 200 字'),
    content: z.string({ error: '正文（content）应为文字' }).trim().min(1, '请填写正文（content）').max(20_000, '正文不超过 20000 字；更长的内容请作为正文文件（file）上传').optional(),
    // The request itself as an uploaded file (PDF, Word …) instead of typed text.
    file: uploadIdField('正文文件', 'file').optional(),
    attachments: attachmentsField.optional(),
    urgency: z.enum(URGENCIES as [string, ...string[]], { error: '紧急程度（urgency）应为 特急、加急 或 平件' }).optional(),
    secrecy: z.string({ error: '密级（secrecy）应为文字，如 非密' }).max(32).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段；可填写：route、title、content、file、attachments、urgency、secrecy` : '请求内容应为 JSON 对象') },
).refine((s) => (s.content === undefined) !== (s.file === undefined), '请填写正文（content），或上传正文文件（file），二者选一');

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
  const attachmentIds = input.attachments ?? [];
  if (input.file && attachmentIds.includes(input.file)) throw new HttpError(400, '正文文件（file）不能同时作为附件（attachments）');
  // Each upload is checked and pinned under originals/<docId>/ before the document is written.
  const uploads = await takeUploads(actor, docId, [...(input.file ? [input.file] : []), ...attachmentIds], input.file ? { fileId: input.file } : {});
  const file = uploads.pinned.find((p) => p.uploadId === input.file);
  const attachments = uploads.pinned.filter((p) => p !== file).map(attachmentOf);
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
    ...(input.content !== undefined ? { content: input.content } : {}),
    // A request submitted as a file is kept and served as a scan is: pinned, its SHA-256 checked when filed.
    ...(file ? { scan: { bucket: file.bucket, key: file.key, ...(file.versionId ? { versionId: file.versionId } : {}), sourceKey: file.sourceKey, etag: file.etag, sha256: file.sha256, size: file.size, contentType: file.contentType, fileName: file.name } } : {}),
    ...(attachments.length ? { attachments } : {}),
    requester,
  });
  const files = uploads.pinned.map((p) => ({ name: p.name, sha256: p.sha256, ...(p === file ? { file: true } : {}) }));
  let serial: number;
  try {
    serial = await appendRegisterEntry({
      register: 'internal',
      year,
      entry: (n) => {
        const doc = docFor(n);
        return { number: doc.registerNumber, docId, title, sender: doc.sender, route: route.id, routeName: route.name, urgency: doc.urgency, secrecy: doc.secrecy, requester: actor.username, requesterName: actor.name, receivedAt: at, registeredAt: at };
      },
      // Counter, entry, document, route-start mark, then the uploads marked used (index 4 on).
      extra: (n) => [putDocumentItem(docFor(n)), routeStartMarkItem(docId, at), ...uploads.items],
      auditChain: documentChain(docId),
      audit: (n) => ({ at, actor: actor.username, action: 'document.submitted', details: { registerNumber: docFor(n).registerNumber, route: route.id, ...(files.length ? { files } : {}) } }),
    });
  } catch (err) {
    throw uploadRaceOr(err, 4, uploads.items.length);
  }
  await ensureRouteStarted(docId);
  countBusiness('registered');
  return { docId, registerNumber: docFor(serial).registerNumber, route: route.id, routeName: route.name, status: 'in-progress' };
}
