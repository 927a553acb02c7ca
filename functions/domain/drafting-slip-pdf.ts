/**
 * Renders the 发文稿纸 as an A4 PDF: the ruled table of the paper form, rows as draftingSlipRows
 * gives them (签发 in a large box at the top), long opinions wrapped in their cell and rows
 * continued on the next page when full, 第 n 页 共 m 页 on every page. Text goes through the
 * processing slip's CJK font embedding and line breaking (slip-pdf.ts), so both forms look alike.
 */
import { PDFDocument, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import { cleanText } from './text.js';
import { draftingSlipHeading, draftingSlipRows, type DraftingSlipFacts, type DraftingSlipRow, type OpinionBlock } from './drafting-slip.js';
import { embedCjkFont, PagedLayout, stampPageNumbers } from './slip-pdf.js';

export type { DraftingSlipFacts, DraftingSlipRow } from './drafting-slip.js';

// Layout (PDF points; A4 = 595.28 × 841.89).
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MARGIN_X = 50;
const MARGIN_TOP = 42;
const MARGIN_BOTTOM = 52;
const CONTENT_W = PAGE_W - 2 * MARGIN_X;
const LABEL_W = 64;
const VALUE_X = MARGIN_X + LABEL_W;
const VALUE_W = CONTENT_W - LABEL_W;
const PAD_X = 7;
const PAD_Y = 6;
const TEXT_W = VALUE_W - 2 * PAD_X;
const BORDER = 0.75;
const OUTER_BORDER = 1.5;
const BLACK = rgb(0, 0, 0);
const GREY = rgb(0.4, 0.4, 0.4);
const RULE_GREY = rgb(0.75, 0.75, 0.75);
const RED = rgb(0.8, 0, 0);
const LABEL_FILL = rgb(0.95, 0.95, 0.95);

/** The 签发 box is the largest on the form, as on paper, whether or not it is signed yet. */
const SIGN_MIN_H = 150;
/** An opinion box nobody has written in yet still leaves room for a pen. */
const OPINION_MIN_H = 56;
const FIELD_MIN_H = 26;

const OPINION_SIZE = 11;
const OPINION_LH = 17;
const SIGN_SIZE = 12;
const SIGN_LH = 19;
const SIGNATURE_SIZE = 10;
const SIGNATURE_LH = 16;
const FIELD_SIZE = 10.5;
const FIELD_LH = 16;

interface Run {
  text: string;
  color: RGB;
  /** Framed like a stamp (不同意), so it cannot be missed. */
  framed?: boolean;
}

/** One printed line of a cell, or a gap (no runs), or a thin rule between opinions. */
interface Item {
  runs: Run[];
  size: number;
  lineHeight: number;
  align: 'left' | 'right';
  rule?: boolean;
}

/** Lines kept on one page when they fit there (an opinion with its signature). */
type Block = Item[];

const gap = (h: number): Item => ({ runs: [], size: 1, lineHeight: h, align: 'left' });
const height = (items: Item[]): number => items.reduce((h, it) => h + it.lineHeight, 0);

class SlipLayout extends PagedLayout {
  /** How far the table reaches on each page, for its outer rule. */
  private readonly extents = new Map<PDFPage, { top: number; bottom: number }>();

  constructor(doc: PDFDocument, font: PDFFont, continuationHeader: string) {
    super(doc, font, continuationHeader, { marginX: MARGIN_X, marginTop: MARGIN_TOP, headerBaseline: 9, headerDrop: 18, headerColor: GREY });
  }

  box(x: number, top: number, w: number, h: number, fill?: RGB): void {
    const e = this.extents.get(this.page);
    this.extents.set(this.page, { top: Math.max(top, e?.top ?? top), bottom: Math.min(top - h, e?.bottom ?? top - h) });
    this.page.drawRectangle({ x, y: top - h, width: w, height: h, borderColor: BLACK, borderWidth: BORDER, ...(fill ? { color: fill } : {}) });
  }

  /** A heavier rule around the table on each page, as printed forms have. */
  frameTables(): void {
    for (const [page, e] of this.extents) {
      page.drawRectangle({ x: MARGIN_X, y: e.bottom, width: CONTENT_W, height: e.top - e.bottom, borderColor: BLACK, borderWidth: OUTER_BORDER });
    }
  }

  /** Lines of wrapped text at one size and colour. */
  lines(text: string, size: number, lineHeight: number, color: RGB = BLACK, width = TEXT_W): Item[] {
    return this.wrap(text, size, width).map((t) => ({ runs: [{ text: t, color }], size, lineHeight, align: 'left' as const }));
  }

  /** Draws one item whose line box starts at `top`. */
  item(it: Item, top: number): void {
    if (it.rule) {
      const y = top - it.lineHeight / 2;
      this.page.drawLine({ start: { x: VALUE_X + PAD_X, y }, end: { x: VALUE_X + VALUE_W - PAD_X, y }, thickness: 0.5, color: RULE_GREY, dashArray: [2, 2] });
      return;
    }
    if (it.runs.length === 0) return;
    const widths = it.runs.map((r) => this.width(r.text, it.size) + (r.framed ? 6 : 0));
    const total = widths.reduce((a, b) => a + b, 0) + (it.runs.length - 1) * 4;
    let x = it.align === 'right' ? VALUE_X + VALUE_W - PAD_X - total : VALUE_X + PAD_X;
    const baseline = SlipLayout.baseline(top, it.lineHeight, it.size);
    it.runs.forEach((r, i) => {
      if (r.framed) {
        this.page.drawRectangle({ x, y: baseline - it.size * 0.3, width: widths[i], height: it.size * 1.35, borderColor: r.color, borderWidth: 1 });
        this.text(r.text, x + 3, baseline, it.size, r.color);
      } else this.text(r.text, x, baseline, it.size, r.color);
      x += widths[i] + 4;
    });
  }

  /**
   * The row label, centred in its cell: an opinion row's stacked one character a line when its box
   * is tall enough (as the paper form writes 签发 down the side), across otherwise; 续 under it on a continued part.
   */
  label(label: string, top: number, h: number, continued: boolean, size: number, stack: boolean): void {
    const chars = [...label];
    const pitch = size * 1.6;
    const extra = continued ? 14 : 0;
    if (stack && chars.length > 1 && chars.length * pitch + extra + 2 * PAD_Y <= h && h >= 2.5 * pitch) {
      const stackTop = top - (h - chars.length * pitch - extra) / 2;
      chars.forEach((ch, i) => this.text(ch, MARGIN_X + (LABEL_W - this.width(ch, size)) / 2, SlipLayout.baseline(stackTop - i * pitch, pitch, size), size));
      if (continued) this.text('（续）', MARGIN_X + (LABEL_W - this.width('（续）', 8)) / 2, SlipLayout.baseline(stackTop - chars.length * pitch, 14, 8), 8, GREY);
      return;
    }
    const lines = this.wrap(continued ? `${label}（续）` : label, size, LABEL_W - 2 * PAD_X);
    const lh = size * 1.5;
    const linesTop = top - Math.max(PAD_Y, (h - lines.length * lh) / 2);
    lines.forEach((t, i) => this.text(t, MARGIN_X + (LABEL_W - this.width(t, size)) / 2, SlipLayout.baseline(linesTop - i * lh, lh, size), size));
  }

  /**
   * A full-width row: the label cell, then blocks of lines in the value cell; continues on the next
   * page when full (a block moves whole when it fits on a page, else it splits between lines).
   * Each part is drawn box, label, lines, so text reads in print order.
   */
  flowRow(label: string, blocks: Block[], minHeight: number, labelSize: number, stack = false): void {
    const bottomLimit = MARGIN_BOTTOM;
    const content = blocks.reduce((h, b) => h + height(b), 0);
    const rowH = Math.max(minHeight, content + 2 * PAD_Y);
    // Start here if the row fits, or at least a few lines of it (a long opinion splits anyway).
    const firstNeed = Math.min(rowH, Math.max(Math.min(blocks.length ? height(blocks[0]) : 0, 4 * OPINION_LH) + 2 * PAD_Y, Math.min(minHeight, 60)));
    if (this.y - firstNeed < bottomLimit) this.newPage();
    const pageRoom = (): number => PAGE_H - MARGIN_TOP - 18 - bottomLimit - 2 * PAD_Y;

    let segTop = this.y;
    let cursor = segTop - PAD_Y;
    let placed: { item: Item; top: number }[] = [];
    let part = 0;
    const close = (h: number): void => {
      this.box(MARGIN_X, segTop, LABEL_W, h, LABEL_FILL);
      this.box(VALUE_X, segTop, VALUE_W, h);
      this.label(label, segTop, h, part > 0, labelSize, stack);
      for (const p of placed) this.item(p.item, p.top);
      this.y = segTop - h;
    };
    const breakPage = (): void => {
      close(segTop - (cursor - PAD_Y));
      this.newPage();
      part += 1;
      segTop = this.y;
      cursor = segTop - PAD_Y;
      placed = [];
    };
    for (const block of blocks) {
      const bh = height(block);
      if (placed.length > 0 && cursor - bh < bottomLimit + PAD_Y && bh <= pageRoom()) breakPage();
      for (const it of block) {
        // A gap or rule would only push the next part's first line down.
        if (placed.length === 0 && part > 0 && (it.rule || it.runs.length === 0)) continue;
        if (cursor - it.lineHeight < bottomLimit + PAD_Y && placed.length > 0) breakPage();
        placed.push({ item: it, top: cursor });
        cursor -= it.lineHeight;
      }
    }
    const wanted = part === 0 ? rowH : Math.max(segTop - cursor + PAD_Y, FIELD_MIN_H);
    close(Math.min(wanted, segTop - bottomLimit));
  }

  /** A row of label/value cells side by side, wrapped; short, so it never splits. */
  cellsRow(cells: { label: string; value: string }[]): void {
    const cellW = CONTENT_W / cells.length;
    const valueW = cellW - LABEL_W;
    const wrapped = cells.map((c) => ({ label: c.label, lines: this.wrap(c.value, FIELD_SIZE, valueW - 2 * PAD_X) }));
    const h = Math.max(FIELD_MIN_H, Math.max(...wrapped.map((c) => c.lines.length)) * FIELD_LH + 2 * PAD_Y);
    if (this.y - h < MARGIN_BOTTOM) this.newPage();
    wrapped.forEach((c, i) => {
      const x = MARGIN_X + i * cellW;
      this.box(x, this.y, LABEL_W, h, LABEL_FILL);
      this.box(x + LABEL_W, this.y, valueW, h);
      const lt = this.wrap(c.label, FIELD_SIZE, LABEL_W - 2 * PAD_X);
      const labelTop = this.y - (h - lt.length * FIELD_LH) / 2;
      lt.forEach((t, j) => this.text(t, x + (LABEL_W - this.width(t, FIELD_SIZE)) / 2, SlipLayout.baseline(labelTop - j * FIELD_LH, FIELD_LH, FIELD_SIZE), FIELD_SIZE));
      const valueTop = this.y - Math.max(PAD_Y, (h - c.lines.length * FIELD_LH) / 2);
      c.lines.forEach((t, j) => this.text(t, x + LABEL_W + PAD_X, SlipLayout.baseline(valueTop - j * FIELD_LH, FIELD_LH, FIELD_SIZE), FIELD_SIZE));
    });
    this.y -= h;
  }

  /** The opinions of one row as blocks: heading and verdict, the opinion, the signature right-aligned. */
  opinionBlocks(blocks: OpinionBlock[], sign: boolean): Block[] {
    const size = sign ? SIGN_SIZE : OPINION_SIZE;
    const lh = sign ? SIGN_LH : OPINION_LH;
    return blocks.map((b, i) => {
      const items: Item[] = [];
      if (i > 0) items.push({ runs: [], size: 1, lineHeight: 9, align: 'left', rule: true });
      const opinion = b.verdict === '同意' && !b.opinion ? '同意' : b.opinion;
      const lead: Run[] = [];
      if (b.heading) lead.push({ text: b.heading, color: BLACK });
      if (b.verdict === '不同意') lead.push({ text: '不同意', color: RED, framed: true });
      if (lead.length > 0) {
        // The department and 不同意 lead the opinion's first line, which is shortened to make room.
        const leadW = lead.reduce((w, r) => w + this.width(r.text, size) + (r.framed ? 6 : 0) + 4, 0);
        const first = opinion ? this.wrap(opinion, size, TEXT_W - leadW)[0] : '';
        items.push({ runs: first ? [...lead, { text: first, color: BLACK }] : lead, size, lineHeight: lh + 2, align: 'left' });
        const rest = opinion.slice(first.length).replace(/^[ \n]+/, '');
        if (rest) items.push(...this.lines(rest, size, lh));
      } else if (opinion) items.push(...this.lines(opinion, size, lh));
      const signature: Item = { runs: [{ text: b.signature, color: BLACK }], size: SIGNATURE_SIZE, lineHeight: SIGNATURE_LH, align: 'right' };
      if (sign) {
        // The signature sits at the foot of the large box, as a leader signs on paper.
        const room = SIGN_MIN_H - 2 * PAD_Y - height(items) - SIGNATURE_LH;
        items.push(gap(Math.max(4, room)));
      } else items.push(gap(2));
      items.push(signature);
      return items;
    });
  }
}

/** The rows in order, top to bottom, page after page. */
function drawRows(L: SlipLayout, rows: DraftingSlipRow[]): void {
  for (const row of rows) {
    if (row.kind === 'opinions') {
      const sign = row.key === 'sign';
      L.flowRow(row.label, L.opinionBlocks(row.blocks, sign), sign ? SIGN_MIN_H : OPINION_MIN_H, sign ? 13 : 11, true);
    } else if (row.kind === 'fields' && row.cells.length === 1) {
      const [cell] = row.cells;
      // One block per paragraph (an attachment each), so a long list splits between items.
      const blocks = cell.value === '' ? [] : cell.value.split('\n').map((p) => L.lines(p, FIELD_SIZE, FIELD_LH));
      L.flowRow(cell.label, blocks, FIELD_MIN_H, FIELD_SIZE);
    } else if (row.kind === 'fields') {
      L.cellsRow(row.cells);
    } else {
      const size = 7;
      const lines = L.wrap(row.text, size, CONTENT_W);
      const h = 6 + lines.length * 10;
      if (L.y - h < MARGIN_BOTTOM) L.newPage();
      lines.forEach((t, i) => L.text(t, MARGIN_X, L.y - 6 - size - i * 10, size, GREY));
      L.y -= h;
    }
  }
}

/**
 * The 发文稿纸 as a PDF (A4 portrait, Noto Sans SC subset-embedded): heading "<机关>发文稿纸",
 * then draftingSlipRows(facts) as a ruled table, page numbers on every page. opts.fontPath
 * overrides the font (default as for the processing slip: SLIP_FONT_PATH or Noto Sans SC).
 */
export async function renderDraftingSlipPdf(facts: DraftingSlipFacts, opts?: { fontPath?: string }): Promise<Uint8Array> {
  const rows = draftingSlipRows(facts);
  const doc = await PDFDocument.create();
  const font = await embedCjkFont(doc, opts?.fontPath);
  const heading = draftingSlipHeading(facts);
  const number = cleanText(facts.outgoingNumber ?? '');

  doc.setTitle(`发文稿纸：${cleanText(facts.title)}`);
  if (number) doc.setSubject(number);
  doc.setAuthor(cleanText(facts.organization));
  doc.setCreator('Chancery');
  doc.setProducer('Chancery');
  doc.setLanguage('zh-CN');

  const L = new SlipLayout(doc, font, `${heading}（续）${number ? `　${number}` : ''}`);
  L.newPage();

  // The heading shrinks to fit one line, down to 14 pt; a longer name wraps.
  const natural = L.width(heading, 1);
  const size = Math.max(14, Math.min(22, (CONTENT_W - 10) / natural));
  for (const t of L.wrap(heading, size, CONTENT_W)) {
    L.text(t, (PAGE_W - L.width(t, size)) / 2, L.y - size, size);
    L.y -= size * 1.4;
  }
  L.y -= 12;

  drawRows(L, rows);
  L.frameTables();

  stampPageNumbers(L.pages, L, MARGIN_BOTTOM - 28);
  return doc.save();
}
