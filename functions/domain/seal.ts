/**
 * 用印 (seal): the rules of applying a branch's seal to a signed, numbered document, the stamp on
 * the frozen PDF, and the check that a sealed copy is what was signed. Nothing here knows AWS
 * (adapters/seals.ts keeps the seal's state and the 用印登记簿).
 *
 * The sealed PDF is the signed PDF byte for byte, followed by one incremental update (PDF 32000-1
 * §7.5.6) that adds only the seal: a "q" stream before the page's own content, a stream after it
 * that draws the seal image into the seal box, the image, its graphics state, and the metadata
 * (document information and XMP) naming the signed version's SHA-256 and length. So anyone holding
 * the signed version's hash can check a sealed copy with no other record: the bytes before the
 * update hash to it, and the update adds nothing but the seal (verifySealed).
 *
 * The stamp and the check live in seal-pdf.ts and load (with pdf-lib) on first use: the functions
 * importing the rules here (every step action, the seals API) mostly never touch a PDF.
 */
import { createHash } from 'node:crypto';
import type { BranchConfig } from './branch-config.js';
import { ROLE_NAMES, type Actor } from './identity.js';
import { Refusal } from './refusal.js';

export type SealConfig = BranchConfig['seals'][number];

/** Where the seal goes: a box in PDF points on a page (0-based), origin at the page's lower left — the layout's box over 成文日期. */
export interface SealBox {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// ---- rules -------------------------------------------------------------------------------------

export type SealAnomaly = 'lost' | 'damaged';
export const ANOMALY_NAMES: Record<SealAnomaly, string> = { lost: '遗失', damaged: '损坏' };

/** A seal's standing: in use, or suspended after an anomaly (seed 004 §三(三)4: 暂停使用印章). */
export type SealState =
  | { status: 'active'; since?: string }
  | { status: 'suspended'; anomaly: SealAnomaly; reason: string; by: string; byName: string; at: string };

/** The seal of the branch, by id; a 404 naming the branch's seals otherwise. */
export function sealOf(config: BranchConfig, sealId: string): SealConfig {
  const seal = config.seals.find((s) => s.id === sealId);
  if (seal) return seal;
  if (config.seals.length === 0) throw new Refusal(404, '本单位尚未配置印章，请联系管理员在单位配置中添加 seals');
  throw new Refusal(404, `没有印章“${String(sealId).slice(0, 20)}”，可选：${config.seals.map((s) => `${s.name}（${s.id}）`).join('、')}`);
}

/** Only the seal's keeper (监印人) applies it. */
export function checkKeeper(actor: Actor, seal: SealConfig): void {
  if (!actor.roles.some((r) => seal.keeperRoles.includes(r))) {
    throw new Refusal(403, `“${seal.name}”由${seal.keeperRoles.map((r) => ROLE_NAMES[r]).join('或')}用印，您无权加盖`);
  }
}

/** Who may report an anomaly and suspend a seal, or put it back in use: its keepers, the office director, the administrator. */
export function checkSealCustodian(actor: Actor, seal: SealConfig): void {
  if (!actor.roles.some((r) => seal.keeperRoles.includes(r) || r === 'office-director' || r === 'admin')) {
    throw new Refusal(403, `只有${[...seal.keeperRoles.map((r) => ROLE_NAMES[r]), '办公室主任'].join('、')}可以停用或恢复“${seal.name}”`);
  }
}

export function checkUsable(seal: SealConfig, state: SealState): void {
  if (state.status === 'suspended') {
    throw new Refusal(409, `“${seal.name}”已于 ${state.at.slice(0, 10)} 因${ANOMALY_NAMES[state.anomaly]}停用（${state.byName}登记：${state.reason}），不能用印；请改用其他印章或待印章恢复启用`);
  }
}

/** A reason written by a person: trimmed, not empty, not a novel. */
export function checkReason(reason: unknown, what: string): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) throw new Refusal(400, `${what}须说明理由`);
  if (text.length > 500) throw new Refusal(400, `${what}的理由不超过 500 字`);
  return text;
}

export function checkAnomaly(anomaly: unknown): SealAnomaly {
  if (anomaly === 'lost' || anomaly === 'damaged') return anomaly;
  throw new Refusal(400, '印章异常类型应为 lost（遗失）或 damaged（损坏）');
}

export interface Person {
  username: string;
  name: string;
}

/** A 用印申请 as the keeper sees it: the document it is for and the register's fields. */
export interface SealApplication {
  /** Keeps one application from being sealed twice (e.g. the 用印 task's id). */
  applicationId: string;
  docId: string;
  title: string;
  secrecy: string;
  /** 签发: who and when; nothing is sealed before it is signed. */
  signer?: string;
  signedAt?: string;
  /** 发文字号 in force. */
  number?: string;
  /** 用印内容, e.g. the title or "关于…的通知（正式文件）". */
  content: string;
  copies: number;
  approver?: Person;
  applicant?: Person;
}

/** What an application lacks, in the keeper's words (seed 000 §(五)1: 批准手续不完备的，监印人员有权拒绝盖章). */
export function applicationProblems(app: SealApplication): string[] {
  const problems: string[] = [];
  if (!app.signedAt || !app.signer) problems.push('文件尚未签发');
  if (!app.number) problems.push('尚未编发文字号');
  if (!app.content?.trim()) problems.push('未填写用印内容');
  if (!(Number.isSafeInteger(app.copies) && app.copies >= 1)) problems.push('份数应为正整数');
  if (!app.approver?.username) problems.push('缺少批准人');
  if (!app.applicant?.username) problems.push('缺少经办人');
  return problems;
}

/** All rules before a seal is applied: the keeper, the seal in use, a complete application. */
export function checkSealApplication(actor: Actor, seal: SealConfig, state: SealState, app: SealApplication): void {
  checkKeeper(actor, seal);
  checkUsable(seal, state);
  const problems = applicationProblems(app);
  if (problems.length) throw new Refusal(409, `用印申请不完整，不能用印：${problems.join('；')}`, { problems });
}

// ---- the stamp ---------------------------------------------------------------------------------

/** Document information keys the stamp writes (values are text). */
export const SEAL_INFO = {
  signedSha256: 'ChancerySignedSha256',
  signedLength: 'ChancerySignedLength',
  number: 'ChanceryDocumentNumber',
  seal: 'ChancerySeal',
  sealedAt: 'ChancerySealedAt',
  page: 'ChancerySealPage',
} as const;

export interface StampInput {
  /** The frozen PDF of the signed version, exactly as signed. */
  signedPdf: Uint8Array;
  box: SealBox;
  /** The seal image (PNG, transparent around the seal). */
  sealImage: Uint8Array;
  sealName: string;
  number: string;
  sealedAt: string;
  /** Ink opacity: a seal is slightly see-through, multiplied onto the date beneath it. */
  opacity?: number;
}

export interface StampResult {
  pdf: Uint8Array;
  signedSha256: string;
  sealedSha256: string;
}

export type SealMismatch = 'not-sealed' | 'hash' | 'content' | 'changed-after-seal';

export type SealVerification =
  | { ok: true; number: string; seal: string; sealedAt: string; page: number; explanation: string }
  | { ok: false; mismatch: SealMismatch; page?: number; explanation: string };

/**
 * Draws the seal image into `box` on the signed PDF and records the signed version's hash, as an
 * incremental update: the signed bytes stay as they are. A PDF already sealed is refused.
 */
export async function stampSeal(input: StampInput): Promise<StampResult> {
  return (await import('./seal-pdf.js')).stampSeal(input);
}

/** The 发文字号 a PDF sealed by Chancery says it bears, or undefined for any other file. */
export async function sealedNumberOf(pdf: Uint8Array): Promise<string | undefined> {
  return (await import('./seal-pdf.js')).sealedNumberOf(pdf);
}

/**
 * Checks a sealed PDF against the SHA-256 of the signed version it should come from: the hash it
 * carries, the signed bytes it starts with, and that what follows them adds the seal and nothing
 * else. The answer says in Chinese what matched or which part did not.
 */
export async function verifySealed(sealedPdf: Uint8Array, signedSha256: string, opts: { timeZone?: string } = {}): Promise<SealVerification> {
  return (await import('./seal-pdf.js')).verifySealed(sealedPdf, signedSha256, opts);
}
