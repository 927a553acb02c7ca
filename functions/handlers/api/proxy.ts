/**
 * 补签 (seed 000: a leader away is asked by phone the same day and signs afterwards): the office
 * records the leader's instruction on the leader's behalf, the route goes on, and the leader
 * confirms it later; the processing slip shows both.
 *   POST /tasks/{taskId}/proxy-decision   {"leader":"zhaomin","via":"电话", …the step's form}  (clerk, secretary, office director)
 *   GET  /me/confirmations                 decisions recorded for me, waiting for my confirmation
 *   POST /tasks/{taskId}/confirm           {"opinion":"…"?}  the leader confirms what was recorded
 */
import * as z from 'zod';
import { mayRead, ROLE_NAMES, type Actor, type Role } from '../../domain/identity.js';
import { mayDecide } from '../../domain/route-platform.js';
import { slipLineFor } from '../../domain/processing-slip.js';
import { redactFor } from '../../domain/secrecy.js';
import { documentChain, transactWithAudit } from '../../adapters/audit.js';
import { now as clock } from '../../adapters/clock.js';
import { findUser } from '../../adapters/directory.js';
import { putSlipLineItem } from '../../adapters/documents.js';
import { TransactionConflict } from '../../adapters/dynamo.js';
import { confirmDecisionItem, confirmedItem, listToConfirm } from '../../adapters/tasks.js';
import { HttpError, pageLimit, parseWith, type Request } from './http.js';
import { refuseStepWithSigners, taskOr404 } from './task-lookup.js';
import { decideTask } from './tasks.js';

/** Who records for a leader: the office (文书, 秘书, 办公室主任). */
const RECORDERS = new Set<Role>(['clerk', 'secretary', 'office-director']);
/** Whose instruction may be recorded: leaders, who are the ones away between meetings. */
const LEADERS = new Set<Role>(['main-leader', 'deputy-leader', 'committee-director']);
export const VIA = ['电话', '短信', '当面'] as const;

export async function proxyDecision({ actor, params, body }: Request) {
  if (!actor.roles.some((r) => RECORDERS.has(r))) throw new HttpError(403, '补签由文书、秘书或办公室主任代为记录');
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, '请求内容应为 JSON 对象，如 {"leader":"zhaomin","via":"电话","opinion":"同意"}');
  const { leader, via, ...form } = body as Record<string, unknown>;
  if (typeof leader !== 'string' || leader.length === 0 || leader.length > 128) throw new HttpError(400, '请填写领导的用户名（leader）');
  if (!(VIA as readonly unknown[]).includes(via)) throw new HttpError(400, `请填写领导指示的方式（via）：${VIA.join('、')}`);
  const task = await taskOr404(params.taskId);
  if (task.status !== 'open') throw new HttpError(409, '该待办已办理或已失效');
  refuseStepWithSigners(task);
  if (!LEADERS.has(task.assignment.role)) throw new HttpError(400, '只有领导的待办可以补签');
  const person = await findUser(leader);
  if (!person?.enabled) throw new HttpError(400, `找不到领导 ${leader}`);
  const asLeader: Actor = { username: person.username, name: person.name, roles: person.roles.filter((r): r is Role => r in ROLE_NAMES), clearance: person.clearance, ...(person.department ? { department: person.department } : {}) };
  if (!mayDecide(asLeader, task.assignment)) throw new HttpError(400, `该待办应由 ${ROLE_NAMES[task.assignment.role]} 办理，${person.name} 不能办理`);
  if (!mayRead(actor, task.secrecy) || !mayRead(asLeader, task.secrecy)) throw new HttpError(403, `该文件密级为${task.secrecy}，记录人或领导的密级不足`);
  return decideTask(task, asLeader, form, { recordedBy: { actor, via: String(via) } });
}

export async function myConfirmations({ actor, query }: Request) {
  const page = await listToConfirm(actor.username, { cursor: query.cursor, limit: pageLimit(query) });
  return { items: page.items.map((i) => redactFor(actor, { ...i })), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

const confirmBody = z.strictObject(
  { opinion: z.string({ error: '意见（opinion）应为文字' }).trim().max(2000, '意见不超过 2000 字').optional() },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：opinion' : '请求内容应为 JSON 对象') },
);

export async function confirmDecision({ actor, params, body }: Request) {
  const input = parseWith(confirmBody, body);
  const task = await taskOr404(params.taskId);
  const decision = task.decision ?? {};
  if (!decision.recordedBy || task.decidedBy !== actor.username) throw new HttpError(403, '没有为您补签的记录需要确认');
  if (decision.confirmedAt) throw new HttpError(409, '该补签已确认');
  const at = clock().toISOString();
  const opinion = input.opinion || '确认';
  try {
    await transactWithAudit(documentChain(task.docId), { at, actor: actor.username, action: 'task.decision-confirmed', details: { taskId: task.taskId, recordedBy: decision.recordedBy, opinion } }, [
      confirmDecisionItem(task.taskId, at),
      confirmedItem(actor.username, String(task.decidedAt), task.taskId),
      putSlipLineItem(
        task.docId,
        slipLineFor(task, actor, at, opinion, [{ label: '补签确认', value: `确认${String(decision.recordedByName)}${String(decision.recordedVia)}记录的意见` }]),
        `${task.taskId}-confirm`,
      ),
    ]);
  } catch (err) {
    if (err instanceof TransactionConflict) throw new HttpError(409, '该补签已确认');
    throw err;
  }
  return { taskId: task.taskId, confirmedAt: at };
}
