/**
 * API: the branch's seals (印章) and their standing, for the seal-keeper (监印人) and the office.
 *   GET  /seals                      each seal with its state (在用, or 停用 with why, who and when)
 *   POST /seals/{sealId}/suspend     {anomaly: lost|damaged, reason}: 印章异常 — no seal is applied until reinstated
 *   POST /seals/{sealId}/reinstate   {reason}: 恢复启用
 *   POST /seals/verify               {uploadId}: does this sealed copy match what was signed? (anyone)
 * 用印 itself is the outgoing routes' 用印 step (adapters/step-actions.ts).
 */
import * as z from 'zod';
import { mayRead } from '../../domain/identity.js';
import { locateOutgoingNumber } from '../../domain/outgoing-numbering.js';
import { ANOMALY_NAMES, sealedNumberOf, verifySealed } from '../../domain/seal.js';
import { getDraft } from '../../adapters/drafts.js';
import { env } from '../../adapters/env.js';
import { getOutgoingEntry } from '../../adapters/outgoing.js';
import { listSeals, reinstateSeal, suspendSeal } from '../../adapters/seals.js';
import { getObject } from '../../adapters/storage.js';
import { getUpload } from '../../adapters/uploads.js';
import { uploadIdField } from './attachment-fields.js';
import { apiHandler, HttpError, parseWith, type Request } from './http.js';

const SEAL_READERS = new Set(['seal-keeper', 'clerk', 'confidential-clerk', 'office-director', 'secretary', 'main-leader', 'deputy-leader', 'admin']);

const reason = (what: string) => z.string({ error: `请填写${what}（reason）` }).trim().min(1, `请填写${what}（reason）`).max(500, `${what}最多500字`);
const suspension = z.strictObject(
  { anomaly: z.enum(['lost', 'damaged'], { error: '异常情况（anomaly）应为 lost（遗失）或 damaged（损坏）' }), reason: reason('停用理由') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：anomaly、reason' : '请求内容应为 JSON 对象，如 {"anomaly": "lost", "reason": "…"}') },
);
const reinstatement = z.strictObject({ reason: reason('恢复理由') }, { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：reason' : '请求内容应为 JSON 对象，如 {"reason": "…"}') });

async function seals({ actor }: Request) {
  if (!actor.roles.some((r) => SEAL_READERS.has(r))) throw new HttpError(403, '印章信息仅供监印人、办公室人员和领导查阅');
  const items = await listSeals();
  return {
    items: items.map((s) => ({
      id: s.id,
      name: s.name,
      keeperRoles: s.keeperRoles,
      state: s.state,
      stateName: s.state.status === 'suspended' ? `停用（${ANOMALY_NAMES[s.state.anomaly]}）` : '在用',
    })),
  };
}

const verification = z.strictObject(
  { uploadId: uploadIdField('要核验的文件', 'uploadId') },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不认识的字段；可填写：uploadId' : '请求内容应为 JSON 对象，如 {"uploadId": "…"}') },
);

/**
 * POST /seals/verify {uploadId}: anyone may check that a sealed copy (a PDF uploaded through
 * POST /uploads) is what was signed — the number it bears looked up in its 发文登记簿, the signed
 * PDF's SHA-256 recorded at 编号 compared with the one it carries, and nothing changed after the
 * seal. Someone not cleared for the document learns whether it matches, not its title.
 */
async function verify({ actor, body }: Request) {
  const { uploadId } = parseWith(verification, body);
  const upload = await getUpload(uploadId);
  if (!upload || upload.owner !== actor.username) throw new HttpError(404, '找不到该上传文件，请重新上传要核验的 PDF');
  const file = await getObject(upload.bucket, upload.key);
  if (!file) throw new HttpError(404, '上传的文件已不在，请重新上传');
  const number = await sealedNumberOf(file.bytes);
  if (!number) return { ok: false, explanation: '该文件没有本系统的用印信息：不是经本系统用印的公文，或用印信息已被删除。' };
  const located = locateOutgoingNumber(env.branchConfig, number);
  const entry = await getOutgoingEntry(located.register, located.year, located.serial);
  if (!entry) return { ok: false, number, explanation: `发文登记簿中没有 ${number}：该文件不是本单位印发的公文。` };
  const draft = await getDraft(String(entry.docId));
  const signedSha256 = draft?.printed?.number === number ? draft.printed.sha256 : String(entry.signedSha256 ?? '');
  const checked = draft?.voidedNumbers?.some((v) => v.number === number)
    ? { ok: false as const, explanation: `文号 ${number} 已作废（${draft.voidedNumbers.find((v) => v.number === number)!.reason}），该文件不再有效。` }
    : await verifySealed(file.bytes, signedSha256 || '0'.repeat(64), { timeZone: env.branchConfig.timeZone });
  const cleared = draft ? mayRead(actor, draft.content.secrecy.level) : false;
  return { ...checked, number, ...(cleared && draft ? { title: draft.content.title, signedBy: draft.signed?.byName, signedAt: draft.signed?.at } : {}) };
}

export const handler = apiHandler({
  'POST /seals/verify': verify,
  'GET /seals': seals,
  'POST /seals/{sealId}/suspend': async ({ actor, params, body }: Request) => {
    const input = parseWith(suspension, body);
    return { sealId: params.sealId, state: await suspendSeal({ sealId: params.sealId!, anomaly: input.anomaly, reason: input.reason, actor }) };
  },
  'POST /seals/{sealId}/reinstate': async ({ actor, params, body }: Request) => {
    const input = parseWith(reinstatement, body);
    await reinstateSeal({ sealId: params.sealId!, reason: input.reason, actor });
    return { sealId: params.sealId, state: { status: 'active' } };
  },
});
