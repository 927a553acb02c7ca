/**
 * Handling a step (承办): the holder notes how it goes (办理反馈) and, before the deadline, may ask
 * for more time with a reason (延期申请); the office director decides. Each is audited; the
 * request and the answer are on the processing slip, and the directors are notified.
 *   POST /tasks/{taskId}/progress            {"note": "…", "attachments": ["<uploadId>", …]}
 *   POST /tasks/{taskId}/extension           {"until": "2026-12-31", "reason": "…"}
 *   POST /tasks/{taskId}/extension/decision  {"approve": true, "opinion": "…"}   (office director)
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { localDate, zonedInstant } from '../../domain/calendar.js';
import { mayRead, type Actor } from '../../domain/identity.js';
import { slipLineBy, type SlipLine } from '../../domain/processing-slip.js';
import { isCalendarDate, mayDecide } from '../../domain/route-platform.js';
import { documentChain, transactWithAudit } from '../../adapters/audit.js';
import { now as clock } from '../../adapters/clock.js';
import { holdersOf } from '../../adapters/directory.js';
import { addAttachmentsItem, getDocument, putSlipLineItem, type Attachment } from '../../adapters/documents.js';
import { TransactionConflict, type TransactItem } from '../../adapters/dynamo.js';
import { env } from '../../adapters/env.js';
import { putNotificationItem } from '../../adapters/task-operations.js';
import { addProgressItem, decideExtensionItem, requestExtensionItem, type ExtensionRequest, type TaskRecord } from '../../adapters/tasks.js';
import { attachmentsField, MAX_ATTACHMENTS, uploadRaceOr } from './attachment-fields.js';
import { HttpError, parseWith, type Request } from './http.js';
import { refuseStepWithSigners, requireOperation, taskOr404 } from './task-lookup.js';

/** A task item carries at most this many progress notes (items stay well under DynamoDB's 400 KB). */
export const MAX_PROGRESS_NOTES = 50;
const strict = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? `不认识的字段；可填写：${Object.keys(shape).join('、')}` : '请求内容应为 JSON 对象') });
const text = (label: string, field: string) => z.string({ error: `请填写${label}（${field}）` }).trim().min(1, `请填写${label}（${field}）`).max(2000, `${label}不超过 2000 字`);

async function openTaskOf(actor: Actor, taskId: string, who: 'holder' | 'director'): Promise<TaskRecord> {
  const task = await taskOr404(taskId);
  if (task.status !== 'open') throw new HttpError(409, '该待办已办理或已失效');
  refuseStepWithSigners(task);
  if (who === 'holder' && !mayDecide(actor, task.assignment)) throw new HttpError(403, `该待办不由您（${actor.name}）办理`);
  if (who === 'director' && !actor.roles.includes('office-director')) throw new HttpError(403, '延期申请由办公室主任审批');
  if (!mayRead(actor, task.secrecy)) throw new HttpError(403, `该文件密级为${task.secrecy}，您的密级不足`);
  return task;
}

const line = (task: TaskRecord, actor: Actor, at: string, opinion: string, details: SlipLine['details'], suffix: string): TransactItem =>
  putSlipLineItem(task.docId, slipLineBy(task, actor, at, opinion, details), `${task.taskId}-${suffix}`);

export async function noteProgress({ actor, params, body }: Request) {
  const { note, attachments: ids = [] } = parseWith(strict({ note: text('办理进展', 'note'), attachments: attachmentsField.optional() }), body);
  const task = await openTaskOf(actor, params.taskId, 'holder');
  requireOperation(task, 'progress');
  const at = clock().toISOString();
  let files: Attachment[] = [];
  let uses: TransactItem[] = [];
  if (ids.length) {
    const doc = await getDocument(task.docId);
    const held = doc?.attachments?.length ?? 0;
    if (held + ids.length > MAX_ATTACHMENTS) throw new HttpError(400, `本文件已有 ${held} 个附件，最多 ${MAX_ATTACHMENTS} 个；本次最多还能附 ${MAX_ATTACHMENTS - held} 个`);
    // Loaded on first use: most requests to this function carry no file to parse.
    const { attachmentOf, takeUploads } = await import('./attachments.js');
    const taken = await takeUploads(actor, task.docId, ids, { origin: { taskId: task.taskId, stepName: task.stepName } });
    files = taken.pinned.map(attachmentOf);
    uses = taken.items;
  }
  const names = files.map((f) => ({ uploadId: f.uploadId, name: f.name }));
  const progress = { note, by: actor.username, byName: actor.name, at, ...(names.length ? { attachments: names } : {}) };
  try {
    await transactWithAudit(documentChain(task.docId), { at, actor: actor.username, action: 'task.progress', details: { taskId: task.taskId, step: task.step, note, ...(files.length ? { files: files.map((f) => ({ name: f.name, sha256: f.sha256 })) } : {}) } }, [
      addProgressItem(task.taskId, progress, MAX_PROGRESS_NOTES),
      ...(files.length
        ? [
            addAttachmentsItem(task.docId, files, MAX_ATTACHMENTS),
            ...uses,
            // The slip names what was reported with files, so the archived slip lists every attachment.
            line(task, actor, at, `办理反馈：${note}`, [{ label: '附件', value: files.map((f) => f.name).join('、') }], `progress-${at}`),
          ]
        : []),
    ]);
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new HttpError(409, `该待办已办理，或办理进展已满 ${MAX_PROGRESS_NOTES} 条`);
    if (err instanceof TransactionConflict && err.failedIndexes.includes(1)) throw new HttpError(409, `本文件附件已达 ${MAX_ATTACHMENTS} 个上限`);
    throw uploadRaceOr(err, 2, uses.length);
  }
  return { taskId: task.taskId, note, at, ...(names.length ? { attachments: names } : {}) };
}

export async function requestExtension({ actor, params, body }: Request) {
  const input = parseWith(strict({ until: z.string({ error: '请填写延期至（until），格式 YYYY-MM-DD' }).refine(isCalendarDate, '延期至（until）不是真实的日期，格式 YYYY-MM-DD'), reason: text('延期理由', 'reason') }), body);
  const task = await openTaskOf(actor, params.taskId, 'holder');
  requireOperation(task, 'extension');
  const now = clock();
  const at = now.toISOString();
  if (Date.parse(task.dueAt) <= now.getTime()) throw new HttpError(409, '已超过办理期限，不能再申请延期；请尽快办理或说明情况');
  const config = env.branchConfig;
  const until = zonedInstant(input.until, config.officeDayEnd, config.timeZone).toISOString();
  if (until <= task.dueAt) throw new HttpError(400, `延期至（${input.until}）应晚于现在的期限（${localDate(new Date(task.dueAt), config.timeZone)}）`);
  const request: ExtensionRequest = { status: 'requested', until: input.until, reason: input.reason, by: actor.username, byName: actor.name, at };
  const directors = (await holdersOf('office-director')).filter((p) => p.enabled);
  try {
    await transactWithAudit(documentChain(task.docId), { at, actor: actor.username, action: 'task.extension-requested', details: { taskId: task.taskId, step: task.step, until: input.until, reason: input.reason } }, [
      requestExtensionItem(task.taskId, request),
      line(task, actor, at, input.reason, [{ label: '申请延期至', value: input.until }], `ext-${at}`),
      // The directors hear of it; at most a handful hold the role.
      ...directors.slice(0, 20).map((d) =>
        putNotificationItem({ id: randomBytes(6).toString('hex'), to: d.username, kind: '延期申请', at, docId: task.docId, title: task.title, secrecy: task.secrecy, registerNumber: task.registerNumber, taskId: task.taskId, stepName: task.stepName, note: `申请延期至 ${input.until}：${input.reason}`, from: actor.username, fromName: actor.name }),
      ),
    ]);
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new HttpError(409, '已有待审批的延期申请，或该待办已办理');
    throw err;
  }
  return { taskId: task.taskId, extension: request };
}

export async function decideExtension({ actor, params, body }: Request) {
  const input = parseWith(strict({ approve: z.boolean({ error: '请选择是否同意延期（approve: true 或 false）' }), opinion: text('审批意见', 'opinion') }), body);
  const task = await openTaskOf(actor, params.taskId, 'director');
  if (task.extension?.status !== 'requested') throw new HttpError(409, '该待办没有待审批的延期申请');
  const config = env.branchConfig;
  const at = clock().toISOString();
  const decided: ExtensionRequest = { ...task.extension, status: input.approve ? 'approved' : 'refused', decidedBy: actor.username, decidedByName: actor.name, decidedAt: at, opinion: input.opinion };
  const dueAt = input.approve ? zonedInstant(task.extension.until, config.officeDayEnd, config.timeZone).toISOString() : undefined;
  try {
    await transactWithAudit(documentChain(task.docId), { at, actor: actor.username, action: input.approve ? 'task.extension-approved' : 'task.extension-refused', details: { taskId: task.taskId, until: task.extension.until, opinion: input.opinion } }, [
      decideExtensionItem(task, decided, dueAt),
      line(task, actor, at, input.opinion, [{ label: input.approve ? '同意延期至' : '不同意延期', value: task.extension.until }], `ext-${at}`),
    ]);
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new HttpError(409, '该延期申请刚刚已审批，或该待办已办理');
    throw err;
  }
  return { taskId: task.taskId, extension: decided, ...(dueAt ? { dueAt } : {}) };
}
