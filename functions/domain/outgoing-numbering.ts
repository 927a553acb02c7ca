/**
 * 发文字号 (GB/T 9704): the branch's issuing codes (代字), the 发文登记簿 of each, and the rules of
 * numbering and voiding (作废). Storage is in adapters/outgoing.ts; nothing here knows AWS.
 *
 * One series per code and year: 管司发〔2026〕1号, 2号 … A number is given once a document is signed
 * (签发), never reused and never skipped; a number voided stays in its register marked void.
 */
import type { BranchConfig } from './branch-config.js';
import { formatDocumentNumber, normalizeDocumentNumber, parseDocumentNumber } from './numbering.js';
import { Refusal } from './refusal.js';

export type IssuingCode = BranchConfig['issuingCodes'][number];
export type Direction = IssuingCode['direction'];

export const DIRECTION_NAMES: Record<Direction, string> = {
  upward: '上行文',
  parallel: '平行文',
  downward: '下行文',
  office: '办公室文件',
  minutes: '会议纪要',
};

const PREFIX = 'outgoing-';
/** The 发文登记簿 of a code: one register (and one number series a year) per 代字. */
export const outgoingRegister = (code: Pick<IssuingCode, 'id'>) => `${PREFIX}${code.id}`;
export const isOutgoingRegister = (register: string) => register.startsWith(PREFIX);

const codeList = (config: BranchConfig) => config.issuingCodes.map((c) => `${c.code}（${c.id}，${DIRECTION_NAMES[c.direction]}）`).join('、');

/** A code of the branch, by its id (company) or its 代字 (管司发); a 400 naming the branch's codes otherwise. */
export function issuingCodeOf(config: BranchConfig, idOrCode: string): IssuingCode {
  const found = config.issuingCodes.find((c) => c.id === idOrCode || c.code === idOrCode);
  if (found) return found;
  if (config.issuingCodes.length === 0) throw new Refusal(400, '本单位尚未配置发文代字，请联系管理员在单位配置中添加 issuingCodes');
  throw new Refusal(400, `没有发文代字“${String(idOrCode).slice(0, 20)}”，可选：${codeList(config)}`);
}

/** 发文登记簿（管司发）, or undefined when `register` is not one of the branch's outgoing registers. */
export function outgoingRegisterName(config: BranchConfig, register: string): string | undefined {
  const code = config.issuingCodes.find((c) => outgoingRegister(c) === register);
  return code ? `发文登记簿（${code.code}）` : undefined;
}

export const outgoingNumber = (code: IssuingCode, year: number, serial: number) => formatDocumentNumber({ code: code.code, year, serial });

/** Where a typed-in 发文字号 lives: its code, register, year and serial (a 400/404 in Chinese otherwise). */
export function locateOutgoingNumber(config: BranchConfig, typed: string): { code: IssuingCode; register: string; year: number; serial: number; number: string } {
  let number: string;
  try {
    number = normalizeDocumentNumber(String(typed ?? ''));
  } catch {
    throw new Refusal(400, `“${String(typed ?? '').slice(0, 40)}”不是有效的发文字号，应如 管司发〔2026〕7号`);
  }
  const { code: printed, year, serial } = parseDocumentNumber(number);
  const code = config.issuingCodes.find((c) => c.code === printed);
  if (!code) throw new Refusal(404, `发文字号 ${number} 的代字“${printed}”不是本单位的发文代字，可选：${codeList(config)}`);
  return { code, register: outgoingRegister(code), year, serial, number };
}

/** What numbering needs to know of the document: it must have been signed (签发) first. */
export interface SignedFacts {
  docId: string;
  title: string;
  /** 文种: 通知, 请示, 报告, 函, 纪要, 决定 … */
  docType: string;
  secrecy: string;
  /** The signer's username and name (签发人), and when they signed. */
  signer?: string;
  signerName?: string;
  signedAt?: string;
  /** 份数 printed. */
  copies?: number;
  /** 主送 and 抄送. */
  mainRecipients?: string[];
  copyRecipients?: string[];
}

/** Nothing is numbered before it is signed (seed 003 §二(一)2: 未经签发的公文不得缮印、用印). */
export function checkNumberable(doc: SignedFacts): void {
  if (!doc.docId) throw new Refusal(400, '缺少文件编号（docId），无法编发文字号');
  if (!doc.signedAt || !doc.signer) throw new Refusal(409, `《${doc.title}》尚未签发，不能编发文字号；请先由领导签发`);
  if (!doc.title?.trim()) throw new Refusal(400, '文件标题为空，不能编发文字号');
  if (doc.copies !== undefined && !(Number.isSafeInteger(doc.copies) && doc.copies >= 1)) throw new Refusal(400, '份数应为正整数');
}

/** A void needs a reason a reader of the register understands later; it is kept with the number. */
export function checkVoidReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text.length === 0) throw new Refusal(400, '作废文号须填写作废原因');
  if (text.length > 500) throw new Refusal(400, '作废原因不超过 500 字');
  return text;
}

/** The register entry of a number as the 发文登记簿 prints it: number, title, 文种, signer, 签发 date, seal time, copies, recipients. */
export function outgoingEntryFields(number: string, code: IssuingCode, doc: SignedFacts, numberedBy: string, numberedAt: string): Record<string, unknown> {
  return {
    number,
    code: code.code,
    direction: code.direction,
    docId: doc.docId,
    title: doc.title,
    docType: doc.docType,
    secrecy: doc.secrecy,
    signer: doc.signer,
    signerName: doc.signerName ?? doc.signer,
    signedAt: doc.signedAt,
    ...(doc.copies === undefined ? {} : { copies: doc.copies }),
    mainRecipients: doc.mainRecipients ?? [],
    copyRecipients: doc.copyRecipients ?? [],
    numberedBy,
    numberedAt,
  };
}
