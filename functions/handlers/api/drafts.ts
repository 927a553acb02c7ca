/**
 * API: outgoing drafts (拟稿) and their versions.
 *   GET  /drafts                              ?box=mine|department&limit=&cursor= 我的拟稿 / 本科室拟稿, newest first
 *   GET  /drafting-options                    what a draft may say: 文种, 行文方向, the branch's 发文代字
 *   POST /drafts                              a new draft (拟稿中), the body structured or an uploaded .docx/PDF
 *   PUT  /drafts/{draftId}                    {revision, changeNote?, …fields}: in place while 拟稿中, else a new version
 *   POST /drafts/{draftId}/submit             送审 {route, reviewers?, note?}: version 1, and its outgoing route starts (draft-submission.ts)
 *   POST /drafts/{draftId}/consent            {note}: the signer allows a change of the signed content (同意修改)
 *   GET  /drafts/{draftId}                    the draft: state, current version and revision, content
 *   GET  /drafts/{draftId}/versions           ?limit=&cursor= versions, oldest first (who, when, note, fields changed)
 *   GET  /drafts/{draftId}/versions/{version} one version's content
 *   GET  /drafts/{draftId}/diff               ?from=&to= what changed (default: the current version against the one before)
 *   GET  /drafts/{draftId}/preview            the draft laid out per GB/T 9704 as a PDF, the number left blank
 *   GET  /drafts/{draftId}/pdf                ?which=sealed|numbered the issued PDF: after 编号, and after 用印 with the seal
 *   GET  /drafts/{draftId}/slip               the 发文稿纸 (drafting slip) as a PDF: who reviewed, checked, countersigned and signed
 *   GET  /drafts/{draftId}/distribution       分发: departments and their receipts (签收), outside recipients, 份号
 *   POST /drafts/{draftId}/void-number        {reason}: 作废文号 before 分发 — void in the register, back to 已签发 and to 编号
 * Readers: the drafter's department, the office and leaders, each cleared for the draft's 密级.
 * 签发 and the later steps are the outgoing routes' (adapters/drafts.ts signDraft, advanceDraft).
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { localDate } from '../../domain/calendar.js';
import {
  applyChange,
  checkClearedFor,
  checkContent,
  checkEditable,
  checkReadable,
  diffContent,
  DIRECTION_NAMES,
  DIRECTIONS,
  DOC_TYPES,
  DraftRefusal,
  draftChangeSchema,
  draftRequestSchema,
  isDraftId,
  newDraft,
  parseDraftBox,
  parseRequest,
  parseVersionNumber,
  planEdit,
  staleRefusal,
  STATE_NAMES,
  type Draft,
  type DraftBody,
  type DraftContent,
  type DraftRequest,
  type PinnedBodyFile,
} from '../../domain/drafts.js';
import { LayoutInputError } from '../../domain/gbt9704.js';
import type { Actor } from '../../domain/identity.js';
import { layoutFacts, renderDraft } from '../../adapters/outgoing-layout.js';
import { now as clock } from '../../adapters/clock.js';
import { addVersion, createDraft, getDraft, getVersion, listDrafts, listVersions, recordConsent, updateInPlace } from '../../adapters/drafts.js';
import type { TransactItem } from '../../adapters/dynamo.js';
import { env } from '../../adapters/env.js';
import { getUpload } from '../../adapters/uploads.js';
import { getObject } from '../../adapters/storage.js';
import { listSlipLines } from '../../adapters/documents.js';
import { distributionRecord, draftingSlipFacts } from '../../adapters/outgoing-archive.js';
import { getTask, listTasksOfDocument } from '../../adapters/tasks.js';
import { takeUploads } from './attachments.js';
import { backToSigning, submitForReview, voidNumber } from './draft-submission.js';
import { apiHandler, FileAnswer, HttpError, pageLimit, parseWith, type Request, type RouteHandler } from './http.js';

/** Layout problems as the 400 they are (domain refusals are answered by apiHandler). */
const answering =
  (route: RouteHandler): RouteHandler =>
  async (request) => {
    try {
      return await route(request);
    } catch (err) {
      if (err instanceof LayoutInputError) throw new HttpError(400, `稿件无法排版：${err.message}`);
      throw err;
    }
  };

async function loadReadable(actor: Actor, draftId: string | undefined): Promise<Draft> {
  if (!draftId || !isDraftId(draftId)) throw new DraftRefusal(404, '找不到该稿件：稿件号应为 20 位十六进制字符，请从稿件列表中打开');
  const draft = await getDraft(draftId);
  if (!draft) throw new DraftRefusal(404, `找不到稿件 ${draftId}`);
  checkReadable(actor, draft);
  return draft;
}

/** An uploaded body: only .docx or PDF; read whole, checked and pinned with its SHA-256 (attachments.ts). */
async function pinBody(actor: Actor, draftId: string, uploadId: string): Promise<{ body: PinnedBodyFile; items: TransactItem[] }> {
  const upload = await getUpload(uploadId);
  if (upload && upload.extension !== 'docx' && upload.extension !== 'pdf') throw new DraftRefusal(400, `正文文件只接受 Word（.docx）或 PDF，${upload.fileName} 不是；请另存为其中一种后重新上传`);
  const { pinned, items } = await takeUploads(actor, draftId, [uploadId]);
  const [p] = pinned;
  return { body: { kind: 'file', uploadId, fileName: p.name, contentType: p.contentType, size: p.size, sha256: p.sha256, bucket: p.bucket, key: p.key, ...(p.versionId ? { versionId: p.versionId } : {}) }, items };
}

/** The body of a request as stored: structured as given, an upload pinned. */
async function bodyOf(actor: Actor, draftId: string, body: DraftRequest['body'] | undefined): Promise<{ body?: DraftBody; items: TransactItem[] }> {
  if (!body) return { items: [] };
  if (body.kind === 'structured') return { body, items: [] };
  return pinBody(actor, draftId, body.uploadId);
}

/** A pinned file as clients see it: name, type, size and hash, not where it is kept. */
function publicContent(content: DraftContent) {
  if (content.body.kind !== 'file') return content;
  const { bucket: _b, key: _k, versionId: _v, ...file } = content.body;
  return { ...content, body: file };
}

function view(draft: Draft) {
  return {
    draftId: draft.draftId,
    state: draft.state,
    stateName: STATE_NAMES[draft.state],
    frozen: draft.state === 'signed' || draft.state === 'numbered' || draft.state === 'sealed',
    version: draft.version,
    revision: draft.revision,
    drafter: draft.drafter,
    department: draft.department,
    createdAt: draft.createdAt,
    updatedAt: draft.updatedAt,
    updatedBy: draft.updatedBy,
    ...(draft.submittedAt ? { submittedAt: draft.submittedAt } : {}),
    ...(draft.signed ? { signed: draft.signed } : {}),
    ...(draft.consent ? { consent: draft.consent } : {}),
    ...(draft.signings?.length ? { signings: draft.signings } : {}),
    ...(draft.voidedNumbers?.length ? { voidedNumbers: draft.voidedNumbers } : {}),
    // 编号 and 用印: the number, and the hashes anyone can check a printed or sealed copy against.
    ...(draft.printed ? { printed: { number: draft.printed.number, version: draft.printed.version, date: draft.printed.date, sha256: draft.printed.sha256, pages: draft.printed.pages } } : {}),
    ...(draft.sealed ? { sealed: { sealId: draft.sealed.sealId, sealName: draft.sealed.sealName, at: draft.sealed.at, copies: draft.sealed.copies, sha256: draft.sealed.sha256, registerSerial: draft.sealed.registerSerial, by: draft.sealed.by, byName: draft.sealed.byName } } : {}),
    content: publicContent(draft.content),
  };
}

async function list({ actor, query }: Request) {
  const box = parseDraftBox(query.box);
  return { box, ...(await listDrafts(actor, box, pageLimit(query, 100), query.cursor)) };
}

/**
 * The choices of the drafting form: 文种 and 行文方向 as the request schema takes them, and the
 * branch's 发文代字 with the direction each is for (office and minutes codes go any direction).
 */
async function options() {
  return {
    docTypes: DOC_TYPES,
    directions: DIRECTIONS.map((id) => ({ id, name: DIRECTION_NAMES[id] })),
    issuingCodes: env.branchConfig.issuingCodes.map(({ code, name, direction }) => ({ code, name, ...((DIRECTIONS as readonly string[]).includes(direction) ? { direction } : {}) })),
  };
}

async function create({ actor, body }: Request) {
  const request = parseRequest(draftRequestSchema, body);
  const draftId = randomBytes(10).toString('hex');
  // Every rule before an upload is pinned: a refused draft leaves the upload unused.
  const provisional = (request.body.kind === 'structured' ? request : { ...request, body: { kind: 'structured', blocks: [] } }) as DraftContent;
  checkContent(provisional, env.branchConfig);
  const pinned = await bodyOf(actor, draftId, request.body);
  const content = { ...request, body: pinned.body! } as DraftContent;
  const draft = newDraft(draftId, actor, content, clock().toISOString());
  await createDraft(draft, pinned.items);
  return view(draft);
}

async function change({ actor, params, body }: Request) {
  const request = parseRequest(draftChangeSchema, body);
  const draft = await loadReadable(actor, params.draftId);
  checkEditable(actor, draft);
  const plan = planEdit(draft);
  // The revision read by the editor: a later write by anyone else is theirs to see first.
  if (request.revision !== draft.revision) throw staleRefusal(draft, env.branchConfig.timeZone);
  const planned = applyChange(draft.content, request, request.body?.kind === 'structured' ? request.body : undefined);
  checkContent(planned, env.branchConfig);
  checkClearedFor(actor, planned);
  const pinned = await bodyOf(actor, draft.draftId, request.body);
  const content = applyChange(draft.content, request, pinned.body);
  const at = clock().toISOString();
  if (plan.kind === 'in-place') return view(await updateInPlace(draft, content, actor, at, pinned.items));
  // A consented change of the signed text sends the route back to 签发, in the same transaction.
  const resign = plan.reopen ? await backToSigning(draft.draftId, actor, at) : undefined;
  const { draft: next, version } = await addVersion(draft, content, actor, at, { ...(request.changeNote ? { note: request.changeNote } : {}), reopen: plan.reopen, items: [...pinned.items, ...(resign?.items ?? [])] });
  await resign?.deliver();
  return { ...view(next), changedFields: version.changedFields };
}

const noteForm = (required: boolean) =>
  z.strictObject(
    {
      note: required
        ? z.string({ error: '请填写同意修改的说明（note）' }).trim().min(1, '请填写同意修改的说明（note）').max(500, '说明（note）最多500字')
        : z.string({ error: '送审说明（note）应为文字' }).trim().max(500, '送审说明（note）最多500字').optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：note' : '请求内容应为 JSON 对象') },
  );

async function submit({ actor, params, body }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  const submitted = await submitForReview(actor, draft, body);
  return { ...view(submitted.draft), docId: submitted.docId, route: submitted.route, routeName: submitted.routeName };
}

async function consent({ actor, params, body }: Request) {
  const { note } = parseWith(noteForm(true), body);
  const draft = await loadReadable(actor, params.draftId);
  return view(await recordConsent(draft.draftId, actor, clock().toISOString(), note!));
}

async function versionOf(draft: Draft, n: number) {
  if (n > draft.version) throw new DraftRefusal(404, draft.version === 0 ? '稿件尚未送审，还没有版本' : `没有第${n}版：稿件现为第${draft.version}版`);
  const version = await getVersion(draft.draftId, n);
  if (!version) throw new DraftRefusal(404, `找不到稿件的第${n}版`);
  return version;
}

async function showVersion({ actor, params }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  const version = await versionOf(draft, parseVersionNumber(params.version));
  return { ...version, content: publicContent(version.content) };
}

async function versions({ actor, params, query }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  return listVersions(draft.draftId, pageLimit(query, 100), query.cursor);
}

async function diff({ actor, params, query }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  if (draft.version === 0) throw new DraftRefusal(404, '稿件尚未送审，还没有版本可比较');
  const to = query.to === undefined ? draft.version : parseVersionNumber(query.to, '比较的新版本号（to）');
  const from = query.from === undefined ? Math.max(1, to - 1) : parseVersionNumber(query.from, '比较的旧版本号（from）');
  const [a, b] = await Promise.all([versionOf(draft, from), versionOf(draft, to)]);
  return { draftId: draft.draftId, from: { version: a.version, by: a.by, byName: a.byName, at: a.at }, to: { version: b.version, by: b.by, byName: b.byName, at: b.at, ...(b.note ? { note: b.note } : {}) }, ...diffContent(a.content, b.content) };
}

/** GET /drafts/{draftId}/pdf?which=sealed|numbered: the issued document (default: sealed if sealed, else numbered). */
async function issuedPdf({ actor, params, query }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  const which = query.which ?? (draft.sealed ? 'sealed' : 'numbered');
  if (which !== 'sealed' && which !== 'numbered') throw new DraftRefusal(400, '文件种类（which）应为 sealed（用印件）或 numbered（编号后的签发稿）');
  const file = which === 'sealed' ? draft.sealed : draft.printed;
  if (!file) throw new DraftRefusal(404, which === 'sealed' ? '稿件尚未用印' : '稿件尚未编号');
  const stored = await getObject(file.bucket, file.key);
  if (!stored) throw new Error(`${file.key} is missing`);
  const number = draft.printed?.number ?? '';
  return new FileAnswer(stored.bytes, 'application/pdf', `${number}${draft.content.title.slice(0, 60)}${which === 'sealed' ? '（用印件）' : ''}.pdf`);
}

/** GET /drafts/{draftId}/distribution: 分发 — departments with their receipts (签收), outside recipients, 份号. */
async function distribution({ actor, params }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  const done = (await listTasksOfDocument(draft.draftId)).filter((t) => t.step === 'distribute' && t.status === 'decided').at(-1);
  const task = done && (await getTask(done.taskId));
  if (!task?.decision) throw new DraftRefusal(404, '该公文尚未分发');
  const record = await distributionRecord(draft.draftId, task.decision);
  const names = new Map(env.branchConfig.departments.map((d) => [d.code, d.name]));
  return { ...record, departmentNames: record.departments.map((code) => names.get(code) ?? code) };
}

/** GET /drafts/{draftId}/slip: the 发文稿纸 as it stands (blank boxes for steps still to come). */
async function draftingSlip({ actor, params }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  const lines = await listSlipLines(draft.draftId);
  const { renderDraftingSlipPdf } = await import('../../domain/drafting-slip-pdf.js');
  const pdf = await renderDraftingSlipPdf(draftingSlipFacts(draft, lines));
  return new FileAnswer(pdf, 'application/pdf', `${draft.content.title.slice(0, 60)}（发文稿纸）.pdf`);
}

async function preview({ actor, params }: Request) {
  const draft = await loadReadable(actor, params.draftId);
  const rendered = await renderDraft(draft.content, layoutFacts(clock()));
  return new FileAnswer(rendered.pdf, 'application/pdf', `${draft.content.title.slice(0, 60)}（预览）.pdf`);
}

export const handler = apiHandler(
  Object.fromEntries(
    Object.entries({
      'GET /drafts': list,
      'GET /drafting-options': options,
      'POST /drafts': create,
      'PUT /drafts/{draftId}': change,
      'POST /drafts/{draftId}/submit': submit,
      'POST /drafts/{draftId}/consent': consent,
      'GET /drafts/{draftId}': async ({ actor, params }: Request) => view(await loadReadable(actor, params.draftId)),
      'GET /drafts/{draftId}/versions': versions,
      'GET /drafts/{draftId}/versions/{version}': showVersion,
      'GET /drafts/{draftId}/diff': diff,
      'GET /drafts/{draftId}/preview': preview,
      'GET /drafts/{draftId}/pdf': issuedPdf,
      'GET /drafts/{draftId}/slip': draftingSlip,
      'GET /drafts/{draftId}/distribution': distribution,
      'POST /drafts/{draftId}/void-number': async ({ actor, params, body }: Request) => {
        const draft = await loadReadable(actor, params.draftId);
        return { draftId: draft.draftId, ...(await voidNumber(actor, draft, body)) };
      },
    }).map(([key, route]) => [key, answering(route)]),
  ),
);
