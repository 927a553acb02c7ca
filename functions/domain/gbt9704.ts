/**
 * GB/T 9704-2012 《党政机关公文格式》: the model of a signed outgoing document (发文) and its layout on
 * the page, as plain data — positions in PDF points measured from the page's top-left corner, so the
 * renderer (gbt9704-pdf.ts) only draws and tests can check every measure against the standard.
 *
 * Measures (standard §5, §7): A4 210 × 297 mm; 版心 156 × 225 mm, 37 mm from the top and 28 mm from
 * the left; 22 lines of 28 characters in 3号 (16 pt). 28 characters of 16 pt are 158 mm wide, so the
 * characters are set 156/28 mm apart (a uniform −0.21 pt tracking, as the Word templates do); the
 * line pitch puts the first line's top on the 版心's top edge and the 22nd line's bottom on its
 * bottom edge. Everything under the red separator sits on that grid, so every page has the same 22
 * lines.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';

export const MM = 72 / 25.4;
export const PAGE_W = 210 * MM;
export const PAGE_H = 297 * MM;
/** 版心 (type area). */
export const BODY_TOP = 37 * MM;
export const BODY_LEFT = 28 * MM;
export const BODY_W = 156 * MM;
export const BODY_H = 225 * MM;
export const BODY_BOTTOM = BODY_TOP + BODY_H;
export const BODY_RIGHT = BODY_LEFT + BODY_W;
/** 字号 in points: 2号 22, 3号 16, 4号 14. */
export const SIZE_2 = 22;
export const SIZE_3 = 16;
export const SIZE_4 = 14;
export const LINES_PER_PAGE = 22;
export const CHARS_PER_LINE = 28;
/** Distance between the starts of two characters of a full 3号 line. */
export const CHAR_PITCH = BODY_W / CHARS_PER_LINE;
/** Distance between two lines' tops: 22 lines of 16 pt fill the 225 mm exactly. */
export const LINE_PITCH = (BODY_H - SIZE_3) / (LINES_PER_PAGE - 1);
/** Tracking that turns a 16 pt character's advance into CHAR_PITCH (applied in proportion to other sizes set on the grid). */
export const GRID_TRACKING = CHAR_PITCH / SIZE_3 - 1;
/** A CJK font's ideographic em box reaches 0.88 em above the baseline and 0.12 em below (Noto, Source Han, SimSun alike). */
export const ASCENT = 0.88;
/** 发文机关标志: top edge 35 mm under the 版心's top (§7.2.4). */
export const MARK_OFFSET = 35 * MM;
/** Largest 发文机关标志 size; a longer name is set smaller so it stays within the 版心. */
export const MARK_MAX_SIZE = 52;
/** Red separator 4 mm under the 发文字号 (§7.2.7). */
export const SEPARATOR_GAP = 4 * MM;
export const SEPARATOR_THICKNESS = 0.35 * MM;
/** 版记 lines (§7.4.1): first and last thick 0.35 mm, those between thin 0.25 mm. */
export const THICK_RULE = 0.35 * MM;
export const THIN_RULE = 0.25 * MM;
/** Height of one 版记 row (4号 text centred in it). */
export const COLOPHON_ROW = 8 * MM;
/** Page number: its top 7 mm under the 版心 (§7.5). */
export const PAGE_NUMBER_GAP = 7 * MM;
/** Default seal diameter (a 公章 is commonly 42 mm; a branch may give its own). */
export const SEAL_DIAMETER = 42 * MM;
/** Standard red for 版头 (发文机关标志, separator). */
export const RED: Rgb = [1, 0, 0];
export const BLACK: Rgb = [0, 0, 0];

export type Rgb = [number, number, number];
/** Type faces of the standard: 小标宋 (标志, 标题), 宋 (page numbers), 仿宋 (text), 楷 (level 2, names), 黑 (level 1, 密级, 紧急程度). */
export type FaceName = 'xbs' | 'song' | 'fangsong' | 'kai' | 'hei';
export const FACE_NAMES: readonly FaceName[] = ['xbs', 'song', 'fangsong', 'kai', 'hei'];

// ---------------------------------------------------------------------------------------------
// The model

const nonEmpty = (what: string) => z.string().trim().min(1, `请填写${what}`);
const isoDate = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what}应写作 年-月-日，如 2026-11-24`)
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
    }, `${what}不是有效日期`);

export const bodyBlockSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('paragraph'), text: nonEmpty('段落文字') }),
  /** A heading at GB/T 9704 level 1–4; its number (一、 （一） 1. （1）) is added on layout, counted per parent. */
  z.object({ kind: z.literal('heading'), level: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]), text: nonEmpty('标题层次文字') }),
]);
export type BodyBlock = z.infer<typeof bodyBlockSchema>;

export const outgoingLayoutSchema = z.object({
  /** 份号: 6 Arabic digits, only on classified copies. */
  copyNumber: z.string().regex(/^\d{6}$/, '份号应为6位阿拉伯数字，如 000001').optional(),
  /** 密级和保密期限, printed e.g. 机密★1年. */
  secrecy: z
    .object({
      level: z.enum(['秘密', '机密', '绝密'], { error: '密级应为 秘密、机密 或 绝密' }),
      /** 保密期限 with Arabic numerals, e.g. "1年", "6个月"; printed after ★. */
      period: z.string().trim().regex(/^\d+(年|个月)$/, '保密期限应写作阿拉伯数字加"年"或"个月"，如 10年').optional(),
    })
    .optional(),
  urgency: z.enum(['特急', '加急'], { error: '紧急程度应为 特急 或 加急' }).optional(),
  /** 发文机关标志, e.g. ××公司文件. */
  issuerMark: nonEmpty('发文机关标志').max(24, '发文机关标志过长（最多24字）'),
  /** 发文字号, e.g. 管司发〔2026〕7号 (formatted by numbering.ts). */
  documentNumber: nonEmpty('发文字号').max(30, '发文字号过长'),
  /** 签发人 (上行文 only): their presence makes the document upward — 发文字号 at the left, 签发人 at the right. */
  signers: z.array(nonEmpty('签发人姓名').max(8, '签发人姓名过长')).max(8, '签发人最多8位').optional(),
  title: nonEmpty('标题').max(200, '标题过长（最多200字）'),
  /** 主送机关 as printed (several separated by 、 or ，); the colon is added. */
  mainRecipients: z.string().trim().max(300, '主送机关过长').optional(),
  body: z.array(bodyBlockSchema).min(1, '正文不能为空'),
  /** 附件说明: attachment names, in order; no final punctuation. */
  attachments: z.array(nonEmpty('附件名称').max(200, '附件名称过长')).optional(),
  /** 发文机关署名. */
  issuerName: nonEmpty('发文机关署名').max(40, '发文机关署名过长'),
  /** 成文日期 (YYYY-MM-DD), printed 2026年11月24日. */
  date: isoDate('成文日期'),
  /** 附注, printed in parentheses under the date. */
  note: z.string().trim().max(300, '附注过长').optional(),
  /** 抄送机关, printed after 抄送： and ended with 。. */
  copyTo: z.array(nonEmpty('抄送机关').max(60, '抄送机关名称过长')).optional(),
  /** 印发机关. */
  printedBy: nonEmpty('印发机关').max(40, '印发机关名称过长'),
  /** 印发日期 (YYYY-MM-DD), printed 2026年11月24日印发. */
  printedOn: isoDate('印发日期'),
});
export type OutgoingLayoutInput = z.input<typeof outgoingLayoutSchema>;
export type OutgoingLayout = z.output<typeof outgoingLayoutSchema>;

/** A refusal a clerk can act on (the handler answers it as a 400 with `message`). */
export class LayoutInputError extends Error {
  override readonly name = 'LayoutInputError';
}

/** Validates a document for layout; throws LayoutInputError with the first problem in Chinese. */
export function parseOutgoingLayout(raw: unknown): OutgoingLayout {
  const parsed = outgoingLayoutSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `（${issue.path.join('.')}）` : '';
    throw new LayoutInputError(`${issue.message}${where}`);
  }
  const doc = parsed.data;
  if (doc.printedOn < doc.date) throw new LayoutInputError('印发日期不能早于成文日期');
  return doc;
}

/**
 * The canonical text of what was signed: keys sorted, the parsed (trimmed) values. Its SHA-256 is
 * what a sealed copy carries, so anyone can check a print against the signed version.
 */
export function canonicalLayoutInput(doc: OutgoingLayout): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(doc));
}

export function layoutInputHash(doc: OutgoingLayout): string {
  return createHash('sha256').update(canonicalLayoutInput(doc)).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Printed forms

const DIGITS = '〇一二三四五六七八九';

/** 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (heading numbers never reach 100 in practice). */
export function chineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 99) throw new RangeError(`heading number out of range: ${n}`);
  if (n < 10) return DIGITS[n];
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
}

/** GB/T 9704 §7.3.3 level markers: 一、 （一） 1. （1）. */
export function headingNumber(level: 1 | 2 | 3 | 4, n: number): string {
  switch (level) {
    case 1:
      return `${chineseNumber(n)}、`;
    case 2:
      return `（${chineseNumber(n)}）`;
    case 3:
      return `${n}.`;
    case 4:
      return `（${n}）`;
  }
}

/**
 * 成文日期 and 印发日期: GB/T 9704-2012 §7.3.5.1 and §7.4.3 set them in Arabic numerals, the year in
 * full, no padding zeros (2026年11月24日). The 1999 edition wrote 成文日期 in Chinese numerals
 * (二〇二六年十一月二十四日); the 2012 edition replaced that, so this follows 2012.
 */
export function formatDocumentDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/** 密级和保密期限 as printed: 机密★1年, or the level alone. */
export function secrecyLine(s: NonNullable<OutgoingLayout['secrecy']>): string {
  return s.period ? `${s.level}★${s.period}` : s.level;
}

// ---------------------------------------------------------------------------------------------
// Measuring and breaking lines

/** Width in points of `text` in `face` at `size`, without tracking. Supplied by the renderer (real font metrics). */
export type Measure = (face: FaceName, text: string, size: number) => number;

/** Characters that must not start a line (GB/T 15834 禁则). */
const NO_LINE_START = new Set([...'，。、；：！？）》〕】」』”’…—·%,.;:!?)]}']);
/** Characters that must not end a line. */
const NO_LINE_END = new Set([...'（《〔【「『“‘([{']);

/** Latin words and numbers stay whole; every other character is its own token. */
function tokens(text: string): string[] {
  return text.match(/[A-Za-z0-9][A-Za-z0-9.,:%/_+\-@#'&]*|[^]/gu) ?? [];
}

export interface SetLine {
  text: string;
  /** Extra space after every character (the grid tracking, plus justification on broken lines). */
  tracking: number;
  /** x offset of the line from its column's left edge. */
  indent: number;
}

/**
 * Breaks a paragraph into lines of `width` points, the first `firstIndent` points in, later lines at
 * `restIndent`. A character that may not start a line pulls the previous character down with it
 * (推出) and that line is spaced out to the full width, so every line but the last ends on the edge.
 */
export function breakParagraph(
  text: string,
  measure: Measure,
  face: FaceName,
  size: number,
  width: number,
  firstIndent: number,
  restIndent: number,
): SetLine[] {
  const base = size * GRID_TRACKING;
  const adv = (t: string): number => measure(face, t, size) + base * [...t].length;
  const lines: { toks: string[]; indent: number; broken: boolean }[] = [];
  let cur: string[] = [];
  let curW = 0;
  let indent = firstIndent;
  const flush = (broken: boolean): void => {
    lines.push({ toks: cur, indent, broken });
    cur = [];
    curW = 0;
    indent = restIndent;
  };
  for (const tok of tokens(text.replace(/\s+/g, ' ').trim())) {
    const w = adv(tok);
    if (curW + w <= width - indent + 0.01 || cur.length === 0) {
      if (w > width - indent && cur.length === 0 && [...tok].length > 1) {
        // A token longer than the line (a URL, a long number): break it by character.
        for (const ch of tok) {
          const cw = adv(ch);
          if (curW + cw > width - indent + 0.01 && cur.length) flush(true);
          cur.push(ch);
          curW += cw;
        }
        continue;
      }
      cur.push(tok);
      curW += w;
      continue;
    }
    let carry: string[] = [];
    if (NO_LINE_START.has(tok) && cur.length > 1) carry = [cur.pop()!];
    while (cur.length > 1 && NO_LINE_END.has(cur[cur.length - 1])) carry.unshift(cur.pop()!);
    flush(true);
    cur = [...carry, tok];
    curW = cur.reduce((s, t) => s + adv(t), 0);
  }
  if (cur.length || lines.length === 0) flush(false);
  return lines.map(({ toks, indent: ind, broken }) => {
    const t = toks.join('');
    const n = [...t].length;
    let tracking = base;
    if (broken && n > 1) {
      // Space the line out to the edge (撑满版心) unless that would open gaps wider than half a character.
      const natural = measure(face, t, size) + base * (n - 1);
      const extra = (width - ind - natural) / (n - 1);
      if (extra > 0 && extra < size / 2) tracking = base + extra;
    }
    return { text: t, tracking, indent: ind };
  });
}

/**
 * Breaks a title of 2号 characters into balanced lines (§7.3.1: 词意完整，排列对称，长短适宜 — a trapezoid or
 * diamond, never a single character alone): all splits into the fewest lines that fit are scored
 * by how unequal they are, breaking after 关于, 的, 和, 及, 与 or a pause mark is preferred, and a break
 * inside a Latin word or number, before closing punctuation or after opening punctuation is not allowed.
 */
export function breakTitle(title: string, measure: Measure, face: FaceName, size: number, width: number): string[] {
  const toks = tokens(title.replace(/\s+/g, ' ').trim());
  const w = toks.map((t) => measure(face, t, size));
  const total = w.reduce((a, b) => a + b, 0);
  if (total <= width) return [toks.join('')];
  const prefix = [0];
  for (const x of w) prefix.push(prefix[prefix.length - 1] + x);
  const canBreak = (i: number): boolean =>
    i > 0 && i < toks.length && !NO_LINE_START.has(toks[i]) && !NO_LINE_END.has(toks[i - 1]);
  // Word boundaries a title can be broken at without a dictionary: after 关于, a conjunction, 的 or a
  // pause mark. Worth about three characters of imbalance.
  const bonus = (i: number): number => {
    const before = toks.slice(Math.max(0, i - 2), i).join('');
    if (before === '关于' || /^[的和及与、，]$/.test(toks[i - 1])) return -9;
    return 0;
  };
  const minLines = Math.ceil(total / width);
  for (let k = minLines; k <= toks.length; k++) {
    let best: { cost: number; breaks: number[] } | undefined;
    const mean = total / k;
    // Depth-first over break positions; titles are short, k is 2–4.
    const search = (start: number, left: number, breaks: number[], cost: number): void => {
      if (best && cost - 9 * (left - 1) >= best.cost) return; // later breaks can still earn their bonus
      if (left === 1) {
        const lw = prefix[toks.length] - prefix[start];
        if (lw > width || toks.length - start < 2) return;
        const c = cost + ((lw - mean) / size) ** 2;
        // Trapezoid: the last line not shorter than the first (a diamond for three lines is still allowed).
        const first = prefix[breaks[0] ?? toks.length] - prefix[0];
        const shape = k === 2 && lw < first - size ? 0.5 : 0;
        if (!best || c + shape < best.cost) best = { cost: c + shape, breaks: [...breaks] };
        return;
      }
      for (let i = start + 2; i <= toks.length - 2; i++) {
        const lw = prefix[i] - prefix[start];
        if (lw > width) break;
        if (!canBreak(i)) continue;
        search(i, left - 1, [...breaks, i], cost + ((lw - mean) / size) ** 2 + bonus(i));
      }
    };
    search(0, k, [], 0);
    if (best) {
      const cuts = [0, ...best.breaks, toks.length];
      return cuts.slice(1).map((end, j) => toks.slice(cuts[j], end).join(''));
    }
  }
  return [toks.join('')];
}

// ---------------------------------------------------------------------------------------------
// Layout

export interface TextItem {
  kind: 'text';
  /** What the element is, for tests and later steps. */
  role: string;
  text: string;
  face: FaceName;
  size: number;
  /** Left edge of the first character and the baseline, in points from the page's top-left. */
  x: number;
  baseline: number;
  /** Extra space after each character. */
  tracking: number;
  color: Rgb;
}
export interface RuleItem {
  kind: 'rule';
  role: 'separator' | 'colophon-thick' | 'colophon-thin';
  x: number;
  /** Centre line of the rule, from the page's top. */
  y: number;
  width: number;
  thickness: number;
  color: Rgb;
}
export type LayoutItem = TextItem | RuleItem;

export interface LaidOutPage {
  /** 1-based page number as printed, or null on a page that carries none (the blank page and the 版记 page after it). */
  number: number | null;
  items: LayoutItem[];
}

/** A box in PDF points with PDF's origin (bottom-left), ready for pdf-lib. */
export interface PdfBox {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DocumentLayout {
  pages: LaidOutPage[];
  /** Where the seal goes: a square around the seal circle over 署名 and 成文日期 (0-based page index). */
  sealBox: PdfBox;
}

/** Top of grid line i (0–21) of a page: the top of a 16 pt character's em box on that line. */
export function lineTop(i: number): number {
  return BODY_TOP + i * LINE_PITCH;
}

/** Baseline for text of `size` centred on grid line i. */
function gridBaseline(i: number, size: number): number {
  const centre = lineTop(i) + SIZE_3 / 2;
  return centre - size / 2 + size * ASCENT;
}

/** A line of body flow before it is given a page. */
interface FlowLine {
  role: string;
  text: string;
  face: FaceName;
  size: number;
  x: number;
  tracking: number;
  color: Rgb;
  /** Blank grid lines to leave before this line (空一行 …). */
  gapBefore: number;
}

/** The grid line that follows y with `blank` empty lines between (空一行, 空二行). */
function gridLineAfter(y: number, blank: number): number {
  return Math.max(0, Math.ceil((y - BODY_TOP + blank * LINE_PITCH) / LINE_PITCH - 0.35));
}

/**
 * Lays a document out on the pages. `measure` gives real font widths (the renderer's fonts), so
 * lines break where the printed characters end.
 */
export function layoutDocument(doc: OutgoingLayout, measure: Measure): DocumentLayout {
  const first: LaidOutPage = { number: 1, items: [] };
  const text = (page: LaidOutPage, t: Omit<TextItem, 'kind'>): void => {
    page.items.push({ kind: 'text', ...t });
  };
  const gridText = (page: LaidOutPage, line: number, role: string, s: string, face: FaceName, x: number, size = SIZE_3, tracking = size * GRID_TRACKING, color: Rgb = BLACK): void =>
    text(page, { role, text: s, face, size, x, baseline: gridBaseline(line, size), tracking, color });
  const tracked = (face: FaceName, s: string, size: number, tracking: number): number =>
    measure(face, s, size) + tracking * Math.max(0, [...s].length - 1);

  // 版头: 份号, 密级和保密期限, 紧急程度 one under the other at the top left (§7.2.1–7.2.3).
  let row = 0;
  if (doc.copyNumber) gridText(first, row++, 'copy-number', doc.copyNumber, 'hei', BODY_LEFT);
  if (doc.secrecy) gridText(first, row++, 'secrecy', secrecyLine(doc.secrecy), 'hei', BODY_LEFT);
  if (doc.urgency) gridText(first, row++, 'urgency', doc.urgency, 'hei', BODY_LEFT);

  // 发文机关标志: red, centred, its top 35 mm under the 版心's top, never wider than the 版心.
  const markTop = BODY_TOP + MARK_OFFSET;
  const markSize = Math.min(MARK_MAX_SIZE, (BODY_W / measure('xbs', doc.issuerMark, 1000)) * 1000);
  const markW = measure('xbs', doc.issuerMark, markSize);
  text(first, { role: 'issuer-mark', text: doc.issuerMark, face: 'xbs', size: markSize, x: BODY_LEFT + (BODY_W - markW) / 2, baseline: markTop + markSize * ASCENT, tracking: 0, color: RED });
  const markBottom = markTop + markSize;

  // 发文字号 two lines under the mark: centred, or for an upward document at the left (空一字) on the
  // line of the last 签发人 (at the right, 空一字; two names a line, §7.2.6).
  let numberTop = markBottom + 2 * LINE_PITCH;
  const numberTrack = SIZE_3 * GRID_TRACKING;
  if (doc.signers && doc.signers.length) {
    const label = '签发人：';
    const pairs: string[][] = [];
    for (let i = 0; i < doc.signers.length; i += 2) pairs.push(doc.signers.slice(i, i + 2));
    const nameGap = CHAR_PITCH;
    const namesW = Math.max(...pairs.map((p) => p.reduce((s, n) => s + tracked('kai', n, SIZE_3, numberTrack), 0) + (p.length - 1) * nameGap));
    const labelW = tracked('fangsong', label, SIZE_3, numberTrack) + numberTrack;
    const labelX = BODY_RIGHT - CHAR_PITCH - namesW - labelW;
    pairs.forEach((p, j) => {
      const top = numberTop + j * LINE_PITCH;
      const baseline = top + SIZE_3 * ASCENT;
      if (j === 0) text(first, { role: 'signer-label', text: label, face: 'fangsong', size: SIZE_3, x: labelX, baseline, tracking: numberTrack, color: BLACK });
      let x = labelX + labelW;
      for (const name of p) {
        text(first, { role: 'signer', text: name, face: 'kai', size: SIZE_3, x, baseline, tracking: numberTrack, color: BLACK });
        x += tracked('kai', name, SIZE_3, numberTrack) + nameGap;
      }
    });
    numberTop += (pairs.length - 1) * LINE_PITCH;
    // The number goes before the signers in reading order, so draw it first among them.
    const numberItem: TextItem = { kind: 'text', role: 'document-number', text: doc.documentNumber, face: 'fangsong', size: SIZE_3, x: BODY_LEFT + CHAR_PITCH, baseline: numberTop + SIZE_3 * ASCENT, tracking: numberTrack, color: BLACK };
    const firstSigner = first.items.findIndex((it) => it.kind === 'text' && it.role === 'signer-label');
    first.items.splice(firstSigner, 0, numberItem);
  } else {
    const w = tracked('fangsong', doc.documentNumber, SIZE_3, numberTrack);
    text(first, { role: 'document-number', text: doc.documentNumber, face: 'fangsong', size: SIZE_3, x: BODY_LEFT + (BODY_W - w) / 2, baseline: numberTop + SIZE_3 * ASCENT, tracking: numberTrack, color: BLACK });
  }
  const separatorY = numberTop + SIZE_3 + SEPARATOR_GAP;
  first.items.push({ kind: 'rule', role: 'separator', x: BODY_LEFT, y: separatorY, width: BODY_W, thickness: SEPARATOR_THICKNESS, color: RED });

  // From here on everything sits on the grid. 标题 two lines under the separator (§7.3.1).
  const flow: FlowLine[] = [];
  const titleLines = breakTitle(doc.title, measure, 'xbs', SIZE_2, BODY_W);
  titleLines.forEach((t) => {
    const w = measure('xbs', t, SIZE_2);
    flow.push({ role: 'title', text: t, face: 'xbs', size: SIZE_2, x: BODY_LEFT + (BODY_W - w) / 2, tracking: 0, color: BLACK, gapBefore: 0 });
  });
  const para = (role: string, s: string, face: FaceName, firstIndent: number, rest: number, gapBefore: number, size = SIZE_3, left = BODY_LEFT, width = BODY_W): void => {
    breakParagraph(s, measure, face, size, width, firstIndent, rest).forEach((l, j) =>
      flow.push({ role, text: l.text, face, size, x: left + l.indent, tracking: l.tracking, color: BLACK, gapBefore: j === 0 ? gapBefore : 0 }),
    );
  };
  // 主送机关 one line under the title, flush left, 回行顶格 (§7.3.2).
  if (doc.mainRecipients) {
    const r = doc.mainRecipients.replace(/[：:]$/, '');
    para('main-recipients', `${r}：`, 'fangsong', 0, 0, 1);
  }
  // 正文: paragraphs indented two characters, 回行顶格; level 1 黑体, level 2 楷体, 3/4 仿宋 (§7.3.3).
  const counters = [0, 0, 0, 0];
  const headingFace: Record<1 | 2 | 3 | 4, FaceName> = { 1: 'hei', 2: 'kai', 3: 'fangsong', 4: 'fangsong' };
  doc.body.forEach((b, j) => {
    const gap = j === 0 && !doc.mainRecipients ? 1 : 0;
    if (b.kind === 'paragraph') {
      para('body', b.text, 'fangsong', 2 * CHAR_PITCH, 0, gap);
      return;
    }
    counters[b.level - 1] += 1;
    for (let k = b.level; k < 4; k++) counters[k] = 0;
    para(`heading-${b.level}`, headingNumber(b.level, counters[b.level - 1]) + b.text, headingFace[b.level], 2 * CHAR_PITCH, 0, gap);
  });
  // 附件说明 one line under the body: 附件：1.名称, later names aligned under the first (§7.3.4).
  if (doc.attachments && doc.attachments.length) {
    const label = '附件：';
    const track = SIZE_3 * GRID_TRACKING;
    const labelW = tracked('fangsong', label, SIZE_3, track) + track;
    const many = doc.attachments.length > 1;
    doc.attachments.forEach((name, j) => {
      const numbered = many ? `${j + 1}.` : '';
      const numW = numbered ? tracked('fangsong', numbered, SIZE_3, track) + track : 0;
      const left = BODY_LEFT + 2 * CHAR_PITCH + labelW;
      const lines = breakParagraph(name.replace(/[。．.]$/, ''), measure, 'fangsong', SIZE_3, BODY_RIGHT - left - numW, 0, 0);
      lines.forEach((l, k) => {
        const prefix = k === 0 ? (j === 0 ? label : '') + numbered : '';
        const x = k === 0 ? (j === 0 ? BODY_LEFT + 2 * CHAR_PITCH : left) : left + numW;
        flow.push({ role: 'attachments', text: prefix + l.text, face: 'fangsong', size: SIZE_3, x, tracking: track, color: BLACK, gapBefore: j === 0 && k === 0 ? 1 : 0 });
      });
    });
  }

  // Give the flow its pages. The 署名 block (two blank lines, 署名, 成文日期, the seal over both) must
  // share its page with text (§7.3.5.4: never a page with the signature alone), so when it does not
  // fit under the last line the last two lines of text go to a new page with it.
  const SIGN_LINES = 4;
  const titleLine = gridLineAfter(separatorY, 2);
  const paginate = (breakBefore: number): { pages: LaidOutPage[]; lastLine: number } => {
    const out: LaidOutPage[] = [{ number: 1, items: [...first.items] }];
    let line = titleLine;
    flow.forEach((l, i) => {
      if (i > 0) line += l.gapBefore;
      if (line >= LINES_PER_PAGE || i === breakBefore) {
        out.push({ number: out.length + 1, items: [] });
        line = 0;
      }
      gridText(out[out.length - 1], line, l.role, l.text, l.face, l.x, l.size, l.tracking, l.color);
      line += 1;
    });
    return { pages: out, lastLine: line - 1 };
  };
  let { pages, lastLine } = paginate(-1);
  if (lastLine + SIGN_LINES >= LINES_PER_PAGE) ({ pages, lastLine } = paginate(Math.max(1, flow.length - 2)));
  const newPage = (): void => {
    pages.push({ number: pages.length + 1, items: [] });
  };
  const cur = { line: 0 };
  const page = pages[pages.length - 1];
  const signTrack = SIZE_3 * GRID_TRACKING;
  const dateText = formatDocumentDate(doc.date);
  const dateW = tracked('fangsong', dateText, SIZE_3, signTrack);
  const dateRight = BODY_RIGHT - 4 * CHAR_PITCH; // 成文日期右空四字 (§7.3.5.1)
  const dateX = dateRight - dateW;
  const dateCentre = dateX + dateW / 2;
  const nameW = tracked('fangsong', doc.issuerName, SIZE_3, signTrack);
  // 署名 centred on the date; a name wider than the room left of the date's right edge ends on the edge instead.
  const nameX = Math.max(BODY_LEFT, Math.min(dateCentre - nameW / 2, BODY_RIGHT - nameW));
  const nameLine = lastLine + 3;
  gridText(page, nameLine, 'issuer-name', doc.issuerName, 'fangsong', nameX);
  gridText(page, nameLine + 1, 'date', dateText, 'fangsong', dateX);
  if (doc.note) {
    // 附注 under the date, 居左空二字, in parentheses (§7.3.6); a long one runs on.
    const noteLines = breakParagraph(`（${doc.note.replace(/^[（(]|[）)]$/g, '')}）`, measure, 'fangsong', SIZE_3, BODY_W, 2 * CHAR_PITCH, 0);
    let line = nameLine + 2;
    for (const l of noteLines) {
      if (line >= LINES_PER_PAGE) {
        newPage();
        line = 0;
      }
      gridText(pages[pages.length - 1], line++, 'note', l.text, 'fangsong', BODY_LEFT + l.indent, SIZE_3, l.tracking);
    }
    cur.line = line;
  } else {
    cur.line = nameLine + 2;
  }
  // The seal: its top within a line under the text above, 署名 and 成文日期 under its centre.
  const sealTop = lineTop(lastLine) + SIZE_3 + 0.5 * MM;
  const sealPageIndex = pages.indexOf(page);
  const sealBox: PdfBox = { page: sealPageIndex, x: dateCentre - SEAL_DIAMETER / 2, y: PAGE_H - (sealTop + SEAL_DIAMETER), width: SEAL_DIAMETER, height: SEAL_DIAMETER };
  const textBottom = lineTop(cur.line - 1) + SIZE_3;
  const usedBottom = pages.length - 1 === sealPageIndex ? Math.max(textBottom, sealTop + SEAL_DIAMETER) : textBottom;

  // 版记 at the foot of the last even page (§7.4): rows bottom-up — 印发 on the last thick rule
  // (which lies on the 版心's bottom edge), a thin rule, 抄送 rows, the first thick rule.
  const colophon = layoutColophon(doc, measure);
  const colophonTop = BODY_BOTTOM - colophon.height;
  let last = pages[pages.length - 1];
  const lastIsEven = pages.length % 2 === 0;
  if (lastIsEven && usedBottom <= colophonTop - LINE_PITCH / 2) {
    last.items.push(...colophon.items);
  } else if (!lastIsEven) {
    // Odd last page: the 版记 goes on the next (even) page, which carries it alone and its number.
    pages.push({ number: pages.length + 1, items: colophon.items });
  } else {
    // Even and full: a blank page and the 版记 page, neither numbered (§7.5).
    pages.push({ number: null, items: [] });
    pages.push({ number: null, items: colophon.items });
  }
  last = pages[pages.length - 1];

  // Page numbers "— N —", 4号 宋体, 7 mm under the 版心: odd pages right, even left, 空一字 (§7.5).
  for (const p of pages) {
    if (p.number === null) continue;
    const label = `— ${p.number} —`;
    const w = measure('song', label, SIZE_4);
    const x = p.number % 2 === 1 ? BODY_RIGHT - SIZE_4 - w : BODY_LEFT + SIZE_4;
    p.items.push({ kind: 'text', role: 'page-number', text: label, face: 'song', size: SIZE_4, x, baseline: BODY_BOTTOM + PAGE_NUMBER_GAP + SIZE_4 * ASCENT, tracking: 0, color: BLACK });
  }
  return { pages, sealBox };
}

/** The 版记 block, positioned against the 版心's bottom edge. */
function layoutColophon(doc: OutgoingLayout, measure: Measure): { items: LayoutItem[]; height: number } {
  const items: LayoutItem[] = [];
  const rows: { role: string; lines: { text: string; x: number }[] }[] = [];
  const inset = SIZE_4; // 左右各空一字
  if (doc.copyTo && doc.copyTo.length) {
    const label = '抄送：';
    const labelW = measure('fangsong', label, SIZE_4);
    const names = `${doc.copyTo.join('，').replace(/[。，、；]$/, '')}。`;
    // 回行时与冒号后的首字对齐 (§7.4.2).
    const lines = breakParagraph(names, measure, 'fangsong', SIZE_4, BODY_W - 2 * inset - labelW, 0, 0);
    rows.push({ role: 'copy-to', lines: lines.map((l, j) => ({ text: (j === 0 ? label : '') + l.text, x: BODY_LEFT + inset + (j === 0 ? 0 : labelW) })) });
  }
  const printedOn = `${formatDocumentDate(doc.printedOn)}印发`;
  rows.push({ role: 'printed', lines: [{ text: doc.printedBy, x: BODY_LEFT + inset }] });
  const rowLines = rows.reduce((s, r) => s + r.lines.length, 0);
  const height = rowLines * COLOPHON_ROW;
  let y = BODY_BOTTOM - height;
  items.push({ kind: 'rule', role: 'colophon-thick', x: BODY_LEFT, y: y + THICK_RULE / 2, width: BODY_W, thickness: THICK_RULE, color: BLACK });
  rows.forEach((r, j) => {
    if (j > 0) items.push({ kind: 'rule', role: 'colophon-thin', x: BODY_LEFT, y, width: BODY_W, thickness: THIN_RULE, color: BLACK });
    for (const l of r.lines) {
      const baseline = y + COLOPHON_ROW / 2 - SIZE_4 / 2 + SIZE_4 * ASCENT;
      items.push({ kind: 'text', role: r.role, text: l.text, face: 'fangsong', size: SIZE_4, x: l.x, baseline, tracking: 0, color: BLACK });
      if (r.role === 'printed') {
        const w = measure('fangsong', printedOn, SIZE_4);
        items.push({ kind: 'text', role: 'printed-on', text: printedOn, face: 'fangsong', size: SIZE_4, x: BODY_RIGHT - inset - w, baseline, tracking: 0, color: BLACK });
      }
      y += COLOPHON_ROW;
    }
  });
  items.push({ kind: 'rule', role: 'colophon-thick', x: BODY_LEFT, y: BODY_BOTTOM - THICK_RULE / 2, width: BODY_W, thickness: THICK_RULE, color: BLACK });
  return { items, height };
}
