/**
 * Outgoing drafts (拟稿) as the drafts API answers them (functions/handlers/api/drafts.ts), the
 * drafting form's choices (GET /drafting-options, read once), and the heading numbers of the body
 * as GB/T 9704 prints them.
 */
import { api } from './api';

export type BodyBlock = { kind: 'paragraph'; text: string } | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string };

export interface DraftBodyFile {
  kind: 'file';
  uploadId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface DraftContent {
  docType: string;
  title: string;
  mainRecipients: string[];
  copyRecipients: string[];
  secrecy: { level: string; period?: string };
  copies?: number;
  urgency: string;
  issuingCode: string;
  direction: string;
  signers: string[];
  attachments: string[];
  note?: string;
  body: { kind: 'structured'; blocks: BodyBlock[] } | DraftBodyFile;
}

export interface Person {
  username: string;
  name: string;
}

export interface DraftView {
  draftId: string;
  state: string;
  stateName: string;
  frozen: boolean;
  version: number;
  revision: number;
  drafter: Person;
  department: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: Person;
  submittedAt?: string;
  signed?: { by: string; byName: string; at: string; version: number };
  consent?: { by: string; byName: string; at: string; note: string; version: number };
  content: DraftContent;
  changedFields?: string[];
  /** The answer to 送审: the route started. */
  routeName?: string;
}

export interface DraftListItem {
  draftId: string;
  title: string;
  titleHidden?: true;
  docType: string;
  state: string;
  stateName: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  drafter: Person;
  department: string;
  secrecy: string;
  urgency: string;
}

export interface VersionSummary {
  version: number;
  by: string;
  byName: string;
  at: string;
  note?: string;
  changedFields: string[];
  consented?: boolean;
}

export interface TextRun {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface DraftDiff {
  from: { version: number; byName: string; at: string };
  to: { version: number; byName: string; at: string; note?: string };
  fields: { field: string; label: string; before: unknown; after: unknown; runs?: TextRun[] }[];
  body?: { op: 'equal' | 'changed' | 'added' | 'removed'; kind: 'paragraph' | 'heading'; level?: 1 | 2 | 3 | 4; runs: TextRun[] }[];
}

export interface DraftingOptions {
  docTypes: string[];
  directions: { id: string; name: string }[];
  /** `direction` absent: an office or minutes code, for any direction. */
  issuingCodes: { code: string; name: string; direction?: string }[];
}

let optionsOnce: Promise<DraftingOptions> | undefined;
export const loadDraftingOptions = () =>
  (optionsOnce ??= api<DraftingOptions>('GET', '/drafting-options').catch((err: unknown) => {
    optionsOnce = undefined;
    throw err;
  }));

/** The tag colour of each state (the API names them: 拟稿中 … 已用印). */
export const STATE_COLORS: Record<string, string | undefined> = {
  drafting: undefined,
  'in-review': 'processing',
  'awaiting-signature': 'orange',
  signed: 'green',
  numbered: 'cyan',
  sealed: 'geekblue',
};

/**
 * The outgoing routes a submission (送审) may start, shown until GET /routes has answered (it lists
 * them as kind 'outgoing'); `reviewers` marks the one with 会审 by related departments' heads.
 */
export const OUTGOING_ROUTES: { id: string; name: string; reviewers: boolean }[] = [
  { id: 'outgoing-main', name: '党政公文', reviewers: true },
  { id: 'outgoing-committee', name: '专业委员会公文', reviewers: false },
  { id: 'outgoing-dept', name: '科室公文', reviewers: false },
];

const DIGITS = '〇一二三四五六七八九';
/** 1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (as functions/domain/gbt9704.ts chineseNumber). */
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n];
  const tens = Math.floor(n / 10) % 10;
  const ones = n % 10;
  return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
}

/** GB/T 9704 §7.3.3 level markers: 一、 （一） 1. （1）. */
export function headingNumber(level: 1 | 2 | 3 | 4, n: number): string {
  if (level === 1) return `${chineseNumber(n)}、`;
  if (level === 2) return `（${chineseNumber(n)}）`;
  if (level === 3) return `${n}.`;
  return `（${n}）`;
}

/** Each block's printed number ('' for a paragraph), counted per parent as the layout counts them. */
export function blockNumbers(blocks: BodyBlock[]): string[] {
  const counters = [0, 0, 0, 0];
  return blocks.map((b) => {
    if (b.kind === 'paragraph') return '';
    counters[b.level - 1] += 1;
    for (let k = b.level; k < 4; k++) counters[k] = 0;
    return headingNumber(b.level, counters[b.level - 1]);
  });
}
