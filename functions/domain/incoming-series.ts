/**
 * Which serial series an incoming document is numbered in (seed 002 范文4), from what is known on
 * arrival: its 密级 and its sender. Numbers are given on arrival and never change afterwards, so a
 * sender corrected at registration keeps the arrival number.
 */
import type { BranchConfig } from './branch-config.js';
import type { Secrecy } from './identity.js';

export interface IncomingSeries {
  /** The register the document is entered in. */
  register: string;
  /** The number's prefix: 收〔2026〕7号, 机收〔2026〕2号 … */
  prefix: string;
  name: string;
}

export const MAIN_INCOMING: IncomingSeries = { register: 'incoming', prefix: '收', name: '收文登记簿' };

export function incomingSeriesFor(config: BranchConfig, document: { secrecy: Secrecy; sender: string }): IncomingSeries {
  const series = config.incomingSeries.find(
    (s) => (s.classified && document.secrecy !== '非密') || (document.sender !== '' && s.senders.some((name) => document.sender.includes(name))),
  );
  return series ? { register: `incoming-${series.id}`, prefix: series.prefix, name: series.name } : MAIN_INCOMING;
}

/** The printed name of an incoming register, or undefined when the branch has no such series. */
export function incomingRegisterName(config: BranchConfig, register: string): string | undefined {
  if (register === MAIN_INCOMING.register) return MAIN_INCOMING.name;
  return config.incomingSeries.find((s) => `incoming-${s.id}` === register)?.name;
}

export const isIncomingRegister = (register: string) => register === MAIN_INCOMING.register || register.startsWith(`${MAIN_INCOMING.register}-`);
