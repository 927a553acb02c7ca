/**
 * Several signers on one step (DESIGN.md "One wait per step"): 会签 (all must agree), 或签 (any
 * one decides), 票签 (a vote passing at a ratio) and 依次 (one after another, in order). The route
 * waits on one task; the signers are the task service's business and cost no state transitions.
 * 加签 adds a signer before or after the current one; 减签 takes one off (never someone who has
 * signed, never the last one still to sign). Pure rules here; the task items live in
 * adapters/tasks.ts and the API in handlers/api/countersign.ts.
 */
import * as z from 'zod';
import { username } from './route-platform.js';

export type SignMode = 'all' | 'any' | 'ratio' | 'sequence';
export const SIGN_MODE_NAMES: Record<SignMode, string> = { all: '会签', any: '或签', ratio: '票签', sequence: '依次审批' };

/**
 * waiting: in a 依次 plan, not yet their turn (or held by a 前加签 until the added signer signs);
 * pending: may sign now; signed; removed (减签); closed: the outcome was settled without them.
 */
export type SignerStatus = 'waiting' | 'pending' | 'signed' | 'removed' | 'closed';

export interface Signer {
  username: string;
  name: string;
  /** The signer's own task (待办), keyed apart from the step's task that the route waits on. */
  taskId: string;
  status: SignerStatus;
  agree?: boolean;
  opinion?: string;
  at?: string;
  /** 加签: who added this signer, and whether before or after themselves. */
  addedBy?: string;
  addedPosition?: 'before' | 'after';
  /** 前加签: this signer waits for the one added before them. */
  heldFor?: string;
}

export interface SigningPlan {
  mode: SignMode;
  /** 票签: the share of signers who must agree, 0 < ratio ≤ 1. */
  ratio?: number;
  signers: Signer[];
  /** Bumped on every change: concurrent signatures retry instead of overwriting each other. */
  version: number;
}

/** What an earlier decision asks for: the mode, the people, and for 票签 the ratio. */
export const countersignRequest = (label: string) =>
  z
    .strictObject(
      {
        mode: z.enum(['all', 'any', 'ratio', 'sequence'], { error: `${label}方式（mode）应为 all（会签）、any（或签）、ratio（票签）或 sequence（依次审批）` }),
        signers: z
          .array(username(`${label}人（signers）`), { error: `${label}人（signers）应为用户名的列表，如 ["sunwei", "wujun"]` })
          .min(2, `${label}至少需要 2 人`)
          .max(20, `${label}不超过 20 人`)
          .refine((list) => new Set(list).size === list.length, `${label}人重复`),
        ratio: z.number({ error: `通过比例（ratio）应为 0 到 1 之间的数，如 0.6` }).gt(0, '通过比例（ratio）应大于 0').lte(1, '通过比例（ratio）不超过 1').optional(),
      },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? `${label}（countersign）可填写：mode、signers、ratio` : `${label}（countersign）应为对象，如 {"mode": "all", "signers": ["sunwei", "wujun"]}`) },
    )
    .refine((r) => (r.mode === 'ratio') === (r.ratio !== undefined), { error: '票签（ratio）须填写通过比例 ratio；其他方式不填' });
export type CountersignRequest = z.infer<ReturnType<typeof countersignRequest>>;

export function newPlan(request: CountersignRequest, people: { username: string; name: string; taskId: string }[]): SigningPlan {
  return {
    mode: request.mode,
    ...(request.ratio !== undefined ? { ratio: request.ratio } : {}),
    signers: people.map((p, i) => ({ ...p, status: request.mode === 'sequence' && i > 0 ? 'waiting' : 'pending' })),
    version: 0,
  };
}

const counted = (plan: SigningPlan) => plan.signers.filter((s) => s.status !== 'removed');

/** How many must agree for a 票签 to pass. */
export function votesNeeded(plan: SigningPlan): number {
  return Math.max(1, Math.ceil((plan.ratio ?? 1) * counted(plan).length - 1e-9));
}

export type Outcome = { done: false } | { done: true; passed: boolean; agreed: number; disagreed: number; of: number };

/**
 * Is the step settled? 会签 and 依次: one disagreement settles it as not passed, else all must
 * sign. 或签: the first signature settles it. 票签: as soon as the vote can no longer change.
 */
export function outcomeOf(plan: SigningPlan): Outcome {
  const signers = counted(plan);
  const signed = signers.filter((s) => s.status === 'signed');
  const agreed = signed.filter((s) => s.agree !== false).length;
  const disagreed = signed.length - agreed;
  const settled = (passed: boolean): Outcome => ({ done: true, passed, agreed, disagreed, of: signers.length });
  switch (plan.mode) {
    case 'any':
      return signed.length ? settled(agreed > 0) : { done: false };
    case 'ratio': {
      const needed = votesNeeded(plan);
      if (agreed >= needed) return settled(true);
      if (disagreed > signers.length - needed) return settled(false);
      return { done: false };
    }
    default:
      if (disagreed) return settled(false);
      return signed.length === signers.length ? settled(true) : { done: false };
  }
}

/** The outcome as printed on the slip: 通过（同意 2 / 共 3 人）. */
export function outcomeText(plan: SigningPlan, outcome: Extract<Outcome, { done: true }>): string {
  const tally = `同意 ${outcome.agreed}、不同意 ${outcome.disagreed} / 共 ${outcome.of} 人`;
  const rule = plan.mode === 'ratio' ? `，须 ${votesNeeded(plan)} 人同意` : '';
  return `${outcome.passed ? '通过' : '未通过'}（${tally}${rule}）`;
}

export type PlanChange = { ok: true; plan: SigningPlan; activated: Signer[]; closed: Signer[] } | { ok: false; message: string };

/** In a 依次 plan, the next one waiting (not held by a 前加签) comes up once nobody is pending. */
function advance(plan: SigningPlan): Signer[] {
  if (plan.mode !== 'sequence' || plan.signers.some((s) => s.status === 'pending')) return [];
  const next = plan.signers.find((s) => s.status === 'waiting');
  if (!next) return [];
  next.status = 'pending';
  return [next];
}

/** When the step is settled, everyone still to sign is closed: their tasks leave the lists. */
function closeRest(plan: SigningPlan): Signer[] {
  if (!outcomeOf(plan).done) return [];
  const rest = plan.signers.filter((s) => s.status === 'pending' || s.status === 'waiting');
  for (const s of rest) s.status = 'closed';
  return rest;
}

/** Whoever a 前加签 held for this signer need wait no longer once they signed or were removed. */
function release(plan: SigningPlan, who: string): Signer[] {
  const released = plan.signers.filter((s) => s.heldFor === who && s.status === 'waiting');
  for (const s of released) {
    s.status = 'pending';
    delete s.heldFor;
  }
  return released;
}

/** After a signature or a 减签: settled, everyone left is closed; else the next in order comes up. */
function settleOrAdvance(plan: SigningPlan, activated: Signer[]): PlanChange {
  const closed = closeRest(plan);
  if (!outcomeOf(plan).done) activated.push(...advance(plan));
  return { ok: true, plan, activated: activated.filter((s) => s.status === 'pending'), closed };
}

const copy = (plan: SigningPlan): SigningPlan => ({ ...plan, signers: plan.signers.map((s) => ({ ...s })), version: plan.version + 1 });

/** A signer signs: agree (or not) with an opinion. Then whoever a 前加签 held, or the next in order, comes up. */
export function sign(plan: SigningPlan, who: string, vote: { agree: boolean; opinion: string; at: string }): PlanChange {
  const next = copy(plan);
  const signer = next.signers.find((s) => s.username === who);
  if (!signer || signer.status !== 'pending') {
    const why = { waiting: '还未轮到您签署，请等待前面的人员签署', signed: '您已签署，不能重复签署', removed: '您已被减签，无需签署', closed: '签署结果已定，无需再签署' };
    return { ok: false, message: signer && signer.status !== 'pending' ? why[signer.status] : '您不是本步骤待签署的人员' };
  }
  Object.assign(signer, { status: 'signed', agree: vote.agree, opinion: vote.opinion, at: vote.at });
  return settleOrAdvance(next, release(next, who));
}

/**
 * 加签 by a signer who may sign now. In a 依次 plan the new signer goes right before or after them
 * in the order; in a parallel plan 'after' signs beside them and 'before' signs first while they wait.
 */
export function addSigner(plan: SigningPlan, by: string, person: { username: string; name: string; taskId: string }, position: 'before' | 'after'): PlanChange {
  const next = copy(plan);
  const at = next.signers.findIndex((s) => s.username === by);
  const current = next.signers[at];
  if (!current || current.status !== 'pending') return { ok: false, message: '只有当前待签署的人员可以加签' };
  const existing = next.signers.find((s) => s.username === person.username);
  if (existing && existing.status !== 'removed') return { ok: false, message: `${person.name} 已在签署人员中` };
  if (counted(next).length >= 20) return { ok: false, message: '签署人员不超过 20 人' };
  if (existing) next.signers.splice(next.signers.indexOf(existing), 1);
  const added: Signer = { ...person, status: 'pending', addedBy: by, addedPosition: position };
  const index = next.signers.findIndex((s) => s.username === by);
  if (position === 'before') {
    current.status = 'waiting';
    if (next.mode !== 'sequence') current.heldFor = person.username;
    next.signers.splice(index, 0, added);
  } else {
    if (next.mode === 'sequence') added.status = 'waiting';
    next.signers.splice(index + 1, 0, added);
  }
  return { ok: true, plan: next, activated: added.status === 'pending' ? [added] : [], closed: [] };
}

/** 减签: never someone who has signed, never the last one still to sign. */
export function removeSigner(plan: SigningPlan, who: string): PlanChange {
  const next = copy(plan);
  const signer = next.signers.find((s) => s.username === who);
  if (!signer || signer.status === 'removed' || signer.status === 'closed') return { ok: false, message: `${who} 不在待签署人员中` };
  if (signer.status === 'signed') return { ok: false, message: `${signer.name} 已签署，不能减签` };
  const toSign = next.signers.filter((s) => s.status === 'pending' || s.status === 'waiting');
  if (toSign.length <= 1) return { ok: false, message: `${signer.name} 是最后一位待签署人员，不能减签；如不需要会签，请由其签署意见` };
  signer.status = 'removed';
  // Fewer voters can settle a 票签 or finish a 会签 (every remaining signer has signed).
  return settleOrAdvance(next, release(next, who));
}

/** What a decision naming signers adds to the slip: 会签：孙伟、吴军（须全部同意）. */
export function signersDetail(named: { mode: SignMode; signers: string[]; names?: string[]; ratio?: number } | undefined): { label: string; value: string }[] {
  if (!named) return [];
  const rule = { all: '须全部同意', any: '一人签署即可', ratio: `同意达 ${Math.round((named.ratio ?? 1) * 100)}% 即通过`, sequence: '按顺序依次签署' }[named.mode];
  return [{ label: SIGN_MODE_NAMES[named.mode], value: `${(named.names ?? named.signers).join('、')}（${rule}）` }];
}
