/**
 * Renders the 文件处理笺 as an A4 PDF with pdf-lib, embedding a subset of Noto Sans SC (only the
 * glyphs used, so a slip is tens of KB instead of the font's 10 MB).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import { formatSlipTime, slipActorName, type ProcessingSlip } from './processing-slip.js';

export type { ProcessingSlip, SlipLine } from './processing-slip.js';

const FONT_MODULE_PATH = '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf';

/** process.env.SLIP_FONT_PATH if set, else the Noto Sans SC Regular TTF shipped by @expo-google-fonts/noto-sans-sc. */
export function defaultSlipFontPath(): string {
  const fromEnv = process.env.SLIP_FONT_PATH;
  if (fromEnv) return fromEnv;
  return createRequire(import.meta.url).resolve(FONT_MODULE_PATH);
}

/** Font bytes per path, loaded once per process (the TTF is 10 MB). */
const fontCache = new Map<string, Promise<Uint8Array>>();

function loadFont(path: string): Promise<Uint8Array> {
  let p = fontCache.get(path);
  if (!p) {
    p = readFile(path).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    p.catch(() => fontCache.delete(path));
    fontCache.set(path, p);
  }
  return p;
}

/**
 * @pdf-lib/fontkit 1.1.1 (a stale fork of fontkit 1.7) writes TrueType subsets with a short `loca`
 * table without padding glyph records to even length, so after the first odd-length glyph every
 * later glyph is read from the wrong offset and renders blank (Hopding/pdf-lib#1232, fixed upstream in
 * foliojs/fontkit#191). Noto Sans SC hits this for most characters. This wrapper pads each glyph
 * record of a TrueType subset to an even length, which keeps short offsets exact; it changes nothing
 * else and leaves CFF fonts alone.
 */
interface SubsetLike {
  glyf: Uint8Array[];
  offset: number;
  _addGlyph(gid: number): number;
}
type FontkitFont = ReturnType<typeof fontkit.create>;

/** Parsed fonts per font-bytes object (parsing the 10 MB TTF costs more than laying out a slip). */
const parsedFonts = new WeakMap<Uint8Array, FontkitFont>();

const paddedFontkit = {
  create(buffer: Uint8Array, postscriptName?: string): FontkitFont {
    const cached = postscriptName === undefined ? parsedFonts.get(buffer) : undefined;
    if (cached) return cached;
    const font = fontkit.create(buffer, postscriptName);
    if (postscriptName === undefined) parsedFonts.set(buffer, font);
    const createSubset = font.createSubset.bind(font);
    font.createSubset = () => {
      const subset = createSubset() as unknown as SubsetLike;
      if (typeof subset._addGlyph === 'function' && 'glyphEncoder' in subset) {
        const addGlyph = subset._addGlyph.bind(subset);
        subset._addGlyph = (gid: number): number => {
          const index = addGlyph(gid);
          const buf = subset.glyf[index];
          if (buf.length % 2 === 1) {
            const Ctor = buf.constructor as { alloc?: (n: number) => Uint8Array; new (n: number): Uint8Array };
            const padded = typeof Ctor.alloc === 'function' ? Ctor.alloc(buf.length + 1) : new Ctor(buf.length + 1);
            padded.set(buf, 0);
            padded[buf.length] = 0;
            subset.glyf[index] = padded;
            subset.offset += 1;
          }
          return index;
        };
      }
      return subset as unknown as ReturnType<FontkitFont['createSubset']>;
    };
    return font;
  },
};

// Layout (PDF points; A4 = 595.28 × 841.89).
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MARGIN_X = 56;
const MARGIN_TOP = 56;
const MARGIN_BOTTOM = 60;
const CONTENT_W = PAGE_W - 2 * MARGIN_X;
const LABEL_W = 72;
const PAD_X = 6;
const PAD_Y = 5;
const BORDER = 0.75;
const BLACK = rgb(0, 0, 0);
const GREY = rgb(0.35, 0.35, 0.35);
const LABEL_FILL = rgb(0.94, 0.94, 0.94);

/** Characters that must not start a line (hung at the end of the previous line instead). */
const NO_LINE_START = new Set([...'，。、；：！？）》〕】」』”’…—·%,.;:!?)]}']);
/** Characters that must not end a line (moved to the next line). */
const NO_LINE_END = new Set([...'（《〔【「『“‘([{']);

interface TextLine {
  text: string;
  size: number;
  lineHeight: number;
  color: RGB;
  align: 'left' | 'right';
}

/** Embeds the CJK font (a subset: only the glyphs drawn) in a new PDF; shared by every printed form. */
export async function embedCjkFont(doc: PDFDocument, fontPath?: string): Promise<PDFFont> {
  return embedFontBytes(doc, await loadFont(fontPath ?? defaultSlipFontPath()));
}

/** Font file bytes, read once per process and path (CJK fonts are 10–15 MB). */
export function loadFontFile(path: string): Promise<Uint8Array> {
  return loadFont(path);
}

/**
 * Embeds TrueType/OpenType bytes as a subset through the padded fontkit. Pass the same Uint8Array
 * each time (as loadFontFile gives): its parse is cached on the object.
 */
export function embedFontBytes(doc: PDFDocument, fontBytes: Uint8Array): Promise<PDFFont> {
  doc.registerFontkit(paddedFontkit);
  return doc.embedFont(fontBytes, { subset: true });
}

/** Measures and wraps text in one font, the way Chinese is set: any two characters may break. */
export class TextFitter {
  private readonly widthCache = new Map<string, number>();

  constructor(readonly font: PDFFont) {}

  width(text: string, size: number): number {
    let total = 0;
    for (const ch of text) {
      let w = this.widthCache.get(ch);
      if (w === undefined) {
        w = this.font.widthOfTextAtSize(ch, 1000);
        this.widthCache.set(ch, w);
      }
      total += w;
    }
    return (total * size) / 1000;
  }

  /** Wraps by measured width; Chinese breaks between any two characters, Latin words and numbers stay whole. */
  wrap(text: string, size: number, maxWidth: number): string[] {
    const out: string[] = [];
    for (const paragraph of text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ').split('\n')) {
      const tokens = paragraph.match(/[A-Za-z0-9][A-Za-z0-9.,:%/_+\-@#'&]*|\s+|[^]/gu) ?? [];
      let line = '';
      let lineW = 0;
      const push = (): void => {
        out.push(line.trimEnd());
        line = '';
        lineW = 0;
      };
      for (const token of tokens) {
        const w = this.width(token, size);
        if (lineW + w <= maxWidth) {
          line += token;
          lineW += w;
          continue;
        }
        if (/^\s+$/.test(token)) {
          push();
          continue;
        }
        if (line && NO_LINE_START.has(token)) {
          line += token; // hanging punctuation: the cell padding takes it
          push();
          continue;
        }
        if (w > maxWidth) {
          // A token longer than a whole line (a long number or URL): break it by character.
          for (const ch of token) {
            const cw = this.width(ch, size);
            if (lineW + cw > maxWidth && line) push();
            line += ch;
            lineW += cw;
          }
          continue;
        }
        let carry = '';
        const chars = [...line];
        if (chars.length > 1 && NO_LINE_END.has(chars[chars.length - 1])) {
          carry = chars.pop()!;
          line = chars.join('');
        }
        push();
        line = (carry + token).trimStart();
        lineW = this.width(line, size);
      }
      if (line || out.length === 0 || paragraph === '') push();
    }
    return out;
  }
}

/** 第 n 页 共 m 页, centred under each page. */
export function stampPageNumbers(pages: PDFPage[], fitter: TextFitter, bottom: number, size = 9): void {
  pages.forEach((page, i) => {
    const footer = `第 ${i + 1} 页 共 ${pages.length} 页`;
    page.drawText(footer, { x: (page.getWidth() - fitter.width(footer, size)) / 2, y: bottom, size, font: fitter.font, color: GREY });
  });
}

/** Where a form's pages put their text: A4 margins, and the continuation header's place on page 2 on. */
export interface PageGeometry {
  marginX: number;
  marginTop: number;
  /** Below the top margin: the continuation header's baseline, and how far the content starts under it. */
  headerBaseline: number;
  headerDrop: number;
  headerColor: RGB;
}

/** A4 pages of a printed form (文件处理笺, 发文稿纸): a new page repeats the continuation header. */
export class PagedLayout extends TextFitter {
  readonly pages: PDFPage[] = [];
  page!: PDFPage;
  y = 0;

  constructor(
    protected readonly doc: PDFDocument,
    font: PDFFont,
    private readonly continuationHeader: string,
    private readonly geometry: PageGeometry,
  ) {
    super(font);
  }

  newPage(): void {
    const g = this.geometry;
    this.page = this.doc.addPage([PAGE_W, PAGE_H]);
    this.pages.push(this.page);
    this.y = PAGE_H - g.marginTop;
    if (this.pages.length > 1) {
      this.text(this.continuationHeader, g.marginX, this.y - g.headerBaseline, 9, g.headerColor);
      this.y -= g.headerDrop;
    }
  }

  text(s: string, x: number, baseline: number, size: number, color: RGB = BLACK): void {
    if (s) this.page.drawText(s, { x, y: baseline, size, font: this.font, color });
  }

  /** Baseline for text of `size` vertically centred in a line box whose top is `top`. */
  static baseline(top: number, lineHeight: number, size: number): number {
    return top - lineHeight / 2 - size * 0.36;
  }
}

class Layout extends PagedLayout {
  constructor(doc: PDFDocument, font: PDFFont, continuationHeader: string) {
    super(doc, font, continuationHeader, { marginX: MARGIN_X, marginTop: MARGIN_TOP, headerBaseline: 10, headerDrop: 20, headerColor: GREY });
  }

  box(x: number, top: number, w: number, h: number, fill?: RGB): void {
    this.page.drawRectangle({ x, y: top - h, width: w, height: h, borderColor: BLACK, borderWidth: BORDER, ...(fill ? { color: fill } : {}) });
  }

  ensure(height: number): void {
    if (this.y - height < MARGIN_BOTTOM) this.newPage();
  }

  /** A header row of label/value pairs on one line, each cell wrapped; the row never splits. */
  pairRow(pairs: [string, string][], size = 10.5, lineHeight = 16): void {
    const cellW = CONTENT_W / pairs.length;
    const valueW = cellW - LABEL_W;
    const wrapped = pairs.map(([label, value]) => [this.wrap(label, size, LABEL_W - 2 * PAD_X), this.wrap(value, size, valueW - 2 * PAD_X)] as const);
    const lines = Math.max(...wrapped.flatMap(([l, v]) => [l.length, v.length]));
    const h = lines * lineHeight + 2 * PAD_Y;
    this.ensure(h);
    wrapped.forEach(([labelLines, valueLines], i) => {
      const x = MARGIN_X + i * cellW;
      this.box(x, this.y, LABEL_W, h, LABEL_FILL);
      this.box(x + LABEL_W, this.y, valueW, h);
      labelLines.forEach((t, j) => this.text(t, x + PAD_X, Layout.baseline(this.y - PAD_Y - j * lineHeight, lineHeight, size), size));
      valueLines.forEach((t, j) => this.text(t, x + LABEL_W + PAD_X, Layout.baseline(this.y - PAD_Y - j * lineHeight, lineHeight, size), size));
    });
    this.y -= h;
  }

  /** A full-width row: label cell on the left, lines on the right; splits across pages when full. */
  flowRow(label: string, items: TextLine[], labelSize = 11, labelLineHeight = 17): void {
    const labelLines = this.wrap(label, labelSize, LABEL_W - 2 * PAD_X);
    const minContent = labelLines.length * labelLineHeight;
    let segTop = this.y;
    let continued = false;
    // Start on a new page unless the label and the first line fit here.
    if (this.y - Math.max(minContent, items[0]?.lineHeight ?? 0) - 2 * PAD_Y < MARGIN_BOTTOM) {
      this.newPage();
      segTop = this.y;
    }
    let cursor = segTop - PAD_Y;
    const close = (bottom: number): void => {
      const h = segTop - bottom;
      this.box(MARGIN_X, segTop, LABEL_W, h, LABEL_FILL);
      this.box(MARGIN_X + LABEL_W, segTop, CONTENT_W - LABEL_W, h);
      const lines = continued ? this.wrap(`${label}（续）`, labelSize, LABEL_W - 2 * PAD_X) : labelLines;
      lines.forEach((t, j) => this.text(t, MARGIN_X + PAD_X, Layout.baseline(segTop - PAD_Y - j * labelLineHeight, labelLineHeight, labelSize), labelSize));
    };
    for (const item of items) {
      if (cursor - item.lineHeight < MARGIN_BOTTOM + PAD_Y) {
        close(cursor - PAD_Y);
        this.newPage();
        continued = true;
        segTop = this.y;
        cursor = segTop - PAD_Y;
      }
      const baseline = Layout.baseline(cursor, item.lineHeight, item.size);
      const x =
        item.align === 'right' ? MARGIN_X + CONTENT_W - PAD_X - this.width(item.text, item.size) : MARGIN_X + LABEL_W + PAD_X;
      this.text(item.text, x, baseline, item.size, item.color);
      cursor -= item.lineHeight;
    }
    if (!continued && segTop - cursor < minContent) cursor = segTop - PAD_Y - minContent;
    const bottom = cursor - PAD_Y;
    close(bottom);
    this.y = bottom;
  }

  lines(text: string, size: number, lineHeight: number, color: RGB = BLACK, align: 'left' | 'right' = 'left'): TextLine[] {
    return this.wrap(text, size, CONTENT_W - LABEL_W - 2 * PAD_X).map((t) => ({ text: t, size, lineHeight, color, align }));
  }
}

/**
 * A4 PDF of the slip: centred title, a header table (来文单位, 来文字号, 收文编号, 收文日期, 紧急程度,
 * 密级, 标题, 档号), then one block per line (step name, opinion, details, actor and Beijing time),
 * breaking pages when full, with 第 n 页 共 m 页 footers. Metadata: title, subject = 档号, producer Chancery.
 */
export async function renderSlipPdf(slip: ProcessingSlip, opts?: { fontPath?: string }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await embedCjkFont(doc, opts?.fontPath);

  doc.setTitle(`文件处理笺：${slip.title}`);
  if (slip.archiveCode) doc.setSubject(slip.archiveCode);
  doc.setAuthor(slip.branchName);
  doc.setKeywords([slip.registerNumber, ...(slip.archiveCode ? [slip.archiveCode] : [])]);
  doc.setCreator('Chancery');
  doc.setProducer('Chancery');
  doc.setLanguage('zh-CN');

  const L = new Layout(doc, font, `${slip.branchName} 文件处理笺（续） 收文编号：${slip.registerNumber}`);
  L.newPage();

  if (slip.branchName) {
    const bs = 12;
    L.text(slip.branchName, (PAGE_W - L.width(slip.branchName, bs)) / 2, L.y - bs, bs, GREY);
    L.y -= bs + 10;
  }
  const ts = 22;
  const title = '文件处理笺';
  L.text(title, (PAGE_W - L.width(title, ts)) / 2, L.y - ts, ts);
  L.y -= ts + 18;

  const dash = (s: string | undefined): string => (s && s.trim() ? s : '—');
  L.pairRow([
    ['来文单位', dash(slip.sender)],
    ['来文字号', dash(slip.sourceNumber)],
  ]);
  L.pairRow([
    ['收文编号', dash(slip.registerNumber)],
    ['收文日期', dash(formatSlipTime(slip.receivedAt))],
  ]);
  L.pairRow([
    ['紧急程度', slip.urgency],
    ['密级', slip.secrecy],
  ]);
  L.flowRow('标题', L.lines(dash(slip.title), 10.5, 16), 10.5, 16);
  L.pairRow([['档号', slip.archiveCode ? slip.archiveCode : '（未归档）']]);
  L.y -= 14;

  for (const line of slip.lines) {
    const items: TextLine[] = [];
    items.push(...L.lines(line.opinion.trim() ? line.opinion : '（未填写意见）', 11, 17, line.opinion.trim() ? BLACK : GREY));
    if (line.details.length > 0) {
      items.push({ text: '', size: 4, lineHeight: 4, color: BLACK, align: 'left' });
      for (const d of line.details) items.push(...L.lines(`${d.label}：${d.value}`, 10, 15, GREY));
    }
    items.push({ text: '', size: 4, lineHeight: 4, color: BLACK, align: 'left' });
    items.push({ text: `${slipActorName(line)}　${formatSlipTime(line.at)}`, size: 10, lineHeight: 15, color: BLACK, align: 'right' });
    L.flowRow(line.stepName, items);
  }
  if (slip.lines.length === 0) L.flowRow('处理意见', L.lines('（尚无处理意见）', 11, 17, GREY));

  stampPageNumbers(L.pages, L, MARGIN_BOTTOM - 28);

  return doc.save();
}
