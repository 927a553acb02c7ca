/**
 * 发文稿纸 (outgoing drafting slip): the paper form kept with a signed outgoing document, recording
 * who drafted, reviewed, checked, countersigned and signed it, with their opinions and dates.
 *
 * This module is the facts and the rows as printed, in print order (draftingSlipRows); the PDF
 * (drafting-slip-pdf.ts) only lays those rows out, so what is printed and in which order is tested
 * here without a PDF. As on the paper form, the last step (签发) is at the top and 拟稿 below the
 * opinions: a leader signs in the big box first seen.
 */
import { cleanText } from './text.js';

/** The opinion rows of the form besides 签发, each printed with its own box. */
export const DRAFTING_STAGES = ['countersign', 'check', 'joint-review', 'review'] as const;
export type DraftingStage = (typeof DRAFTING_STAGES)[number];

/** Row labels as printed (the order of DRAFTING_STAGES is the print order, under 签发). */
export const STAGE_NAMES: Record<DraftingStage, string> = {
  countersign: '会签',
  check: '核稿',
  'joint-review': '会审',
  review: '审核',
};

/** One opinion written on the slip before 签发. */
export interface DraftingSlipEntry {
  /** Which row it is printed in: 审核 (科室负责人), 会审 (each related department), 核稿 (office), 会签 (deputies). */
  stage: DraftingStage;
  /** The step or role as written beside the name, e.g. 科室负责人审核, 分管领导; optional. */
  role?: string;
  name: string;
  /** 会审: the department that reviewed, printed before its opinion (【财务科】). */
  department?: string;
  opinion?: string;
  /** ISO instant; printed as a date in the slip's time zone. */
  at: string;
  /** false is printed 不同意 (before the opinion); true with no opinion is printed 同意. */
  agreed?: boolean;
  /** Acting under a standing delegation (委托) for this person: printed 孙伟 代 赵敏. */
  onBehalfOfName?: string;
}

export interface DraftingSlipFacts {
  /** 发文机关: the heading reads "<organization>发文稿纸". */
  organization: string;
  /** 发文字号, e.g. 管司发〔2026〕7号; absent (printed blank) before numbering. */
  outgoingNumber?: string;
  /** 文种: 通知, 请示, 函 … */
  docType: string;
  title: string;
  /** 密级: 非密, 秘密, 机密, 绝密. */
  secrecy: string;
  /** 保密期限, e.g. 10年. */
  secrecyTerm?: string;
  /** 紧急程度: 特急, 加急, or 普通/平件. */
  urgency: string;
  mainRecipients: string[];
  copyRecipients: string[];
  /** 印制份数. */
  copies?: number;
  /** 附件 names, in order. */
  attachments: string[];
  /** 拟稿: the drafting department (name, as printed), the drafter and when the draft was submitted. */
  drafter: { name: string; department: string; at: string };
  /** Every opinion before 签发, in the order given (the time order within each row). */
  entries: DraftingSlipEntry[];
  /** 签发; absent while the draft awaits it (the box is printed empty). */
  signer?: { name: string; opinion: string; at: string; onBehalfOfName?: string };
  /** SHA-256 (hex) of the signed version's content, printed small at the foot. */
  contentHash?: string;
  /** IANA zone the dates are printed in, the branch's (Asia/Shanghai). */
  timeZone: string;
}

/** One opinion as printed: an optional heading, the verdict, the text, then the signature line. */
export interface OpinionBlock {
  /** 会审 department: 【财务科】. */
  heading?: string;
  /** 不同意 is printed prominently (red) before the opinion; 同意 stands in for an empty opinion. */
  verdict?: '同意' | '不同意';
  /** May be empty (a signature alone, as a leader 圈阅 on paper). */
  opinion: string;
  /** Who and when, right-aligned under the opinion: 李强（办公室主任）　2026年11月24日. */
  signature: string;
}

/** A row of the ruled table. */
export type DraftingSlipRow =
  | { kind: 'opinions'; key: 'sign' | DraftingStage; label: string; blocks: OpinionBlock[] }
  | { kind: 'fields'; cells: { label: string; value: string }[] }
  | { kind: 'note'; text: string };

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An ISO instant as the date printed on the form in `timeZone`: 2026年11月25日 (GB/T 9704 style,
 * Arabic numerals, no padding). Unparseable input is returned as is, so a bad record shows rather
 * than hides; an unknown zone throws (it is branch configuration, not data).
 */
export function formatSlipDate(iso: string, timeZone: string): string {
  const t = new Date(iso);
  if (!iso || Number.isNaN(t.getTime())) return iso;
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    dateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(t);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return `${get('year')}年${get('month')}月${get('day')}日`;
}

/** A single-line field as printed: invisible characters removed, whitespace collapsed. */
const line = (s: string | undefined): string => cleanText(s ?? '');

/** An opinion keeps its paragraphs; each is cleaned like a line, blank ones dropped. */
const paragraphs = (s: string | undefined): string =>
  (s ?? '')
    .split(/\r\n?|\n|\u2028|\u2029/)
    .map((p) => cleanText(p))
    .filter((p) => p !== '')
    .join('\n');

const actor = (name: string, onBehalfOfName: string | undefined): string => {
  const who = line(name);
  const behalf = line(onBehalfOfName);
  return behalf ? `${who} 代 ${behalf}` : who;
};

function entryBlock(e: DraftingSlipEntry, timeZone: string): OpinionBlock {
  const opinion = paragraphs(e.opinion);
  const role = line(e.role);
  const department = line(e.department);
  const verdict = e.agreed === false ? '不同意' : e.agreed === true && !opinion ? '同意' : undefined;
  return {
    ...(department ? { heading: `【${department}】` } : {}),
    ...(verdict ? { verdict } : {}),
    opinion,
    signature: `${actor(e.name, e.onBehalfOfName)}${role ? `（${role}）` : ''}　${formatSlipDate(e.at, timeZone)}`,
  };
}

/** The form's heading: 管道工具公司发文稿纸. */
export const draftingSlipHeading = (facts: Pick<DraftingSlipFacts, 'organization'>): string => `${line(facts.organization)}发文稿纸`;

/**
 * The rows of the form in print order: 签发, 会签, 核稿, 会审, 审核 (each always present, empty
 * when nobody wrote there yet, as the paper form has its boxes), 拟稿, 标题, 主送, 抄送, 发文字号 and
 * 文种, 密级 / 保密期限 / 紧急程度 / 印制份数, 附件, and the signed version's SHA-256 as a note.
 */
export function draftingSlipRows(facts: DraftingSlipFacts): DraftingSlipRow[] {
  const tz = facts.timeZone;
  const rows: DraftingSlipRow[] = [];
  const signer = facts.signer;
  rows.push({
    kind: 'opinions',
    key: 'sign',
    label: '签发',
    blocks: signer ? [{ opinion: paragraphs(signer.opinion), signature: `${actor(signer.name, signer.onBehalfOfName)}　${formatSlipDate(signer.at, tz)}` }] : [],
  });
  for (const stage of DRAFTING_STAGES) {
    rows.push({
      kind: 'opinions',
      key: stage,
      label: STAGE_NAMES[stage],
      blocks: facts.entries.filter((e) => e.stage === stage).map((e) => entryBlock(e, tz)),
    });
  }
  const list = (xs: string[]): string => xs.map(line).filter(Boolean).join('、');
  rows.push({
    kind: 'fields',
    cells: [
      { label: '拟稿单位', value: line(facts.drafter.department) },
      { label: '拟稿人', value: line(facts.drafter.name) },
      { label: '拟稿日期', value: formatSlipDate(facts.drafter.at, tz) },
    ],
  });
  rows.push({ kind: 'fields', cells: [{ label: '标题', value: line(facts.title) }] });
  rows.push({ kind: 'fields', cells: [{ label: '主送', value: list(facts.mainRecipients) }] });
  rows.push({ kind: 'fields', cells: [{ label: '抄送', value: list(facts.copyRecipients) }] });
  rows.push({
    kind: 'fields',
    cells: [
      { label: '发文字号', value: line(facts.outgoingNumber) },
      { label: '文种', value: line(facts.docType) },
    ],
  });
  rows.push({
    kind: 'fields',
    cells: [
      { label: '密级', value: line(facts.secrecy) },
      { label: '保密期限', value: line(facts.secrecyTerm) },
      { label: '紧急程度', value: line(facts.urgency) },
      { label: '印制份数', value: facts.copies === undefined ? '' : `${facts.copies}份` },
    ],
  });
  const attachments = facts.attachments.map(line).filter(Boolean);
  rows.push({
    kind: 'fields',
    cells: [{ label: '附件', value: attachments.length === 0 ? '无' : attachments.length === 1 ? attachments[0] : attachments.map((a, i) => `${i + 1}. ${a}`).join('\n') }],
  });
  if (facts.contentHash) rows.push({ kind: 'note', text: `签发稿 SHA-256：${line(facts.contentHash)}` });
  return rows;
}
