/**
 * API: the branch's seals (印章) and their standing, for the seal-keeper (监印人) and the office.
 *   GET  /seals                      each seal with its state (在用, or 停用 with why, who and when)
 *   POST /seals/{sealId}/suspend     {anomaly: lost|damaged, reason}: 印章异常 — no seal is applied until reinstated
 *   POST /seals/{sealId}/reinstate   {reason}: 恢复启用
 * 用印 itself is the outgoing routes' 用印 step (adapters/step-actions.ts).
 */
import { z } from 'zod';
import { ANOMALY_NAMES } from '../../domain/seal.js';
import { listSeals, reinstateSeal, suspendSeal } from '../../adapters/seals.js';
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

export const handler = apiHandler({
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
