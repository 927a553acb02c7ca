/**
 * Draws a GB/T 9704-2012 layout (gbt9704.ts) into an A4 PDF with pdf-lib, embedding only the glyphs
 * used of each face.
 *
 * Faces (npm packages, all SIL OFL): 小标宋 → Noto Serif SC Bold, 宋 → Noto Serif SC Regular,
 * 仿宋 → Noto Serif SC Light (no free 仿宋 face is on npm; a light Song keeps its even, thin strokes),
 * 楷 → LXGW WenKai (霞鹜文楷, shipped as WOFF2 pieces by unicode range: only the pieces holding the
 * characters used are decompressed), 黑 → Noto Sans SC Regular. A branch replaces any of them with its
 * licensed files (branch config `fonts`, e.g. {"fangsong": "/opt/fonts/FZFSK.ttf"}). Font files are
 * read once per container and only when a document uses the face.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PDFDocument, popGraphicsState, pushGraphicsState, rgb, setCharacterSpacing, type PDFFont, type PDFPage } from 'pdf-lib';
import {
  FACE_NAMES,
  PAGE_H,
  PAGE_W,
  canonicalLayoutInput,
  layoutDocument,
  layoutInputHash,
  parseOutgoingLayout,
  type DocumentLayout,
  type FaceName,
  type Measure,
  type OutgoingLayout,
  type PdfBox,
} from './gbt9704.js';
import { embedFontBytes, loadFontFile } from './slip-pdf.js';

export type FontPaths = Partial<Record<FaceName, string>>;

const require = createRequire(import.meta.url);
/** Module paths of the default faces; a `.css` names a WOFF2 set split by unicode-range. */
const DEFAULT_FONT_MODULES: Record<FaceName, string> = {
  xbs: '@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf',
  song: '@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf',
  fangsong: '@expo-google-fonts/noto-serif-sc/300Light/NotoSerifSC_300Light.ttf',
  kai: 'lxgw-wenkai-webfont/lxgwwenkai-regular.css',
  hei: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
};

/** Where each face's file is: the branch's own files first, else the npm packages'. */
export function resolveFontPaths(overrides?: FontPaths): Record<FaceName, string> {
  const out = {} as Record<FaceName, string>;
  for (const face of FACE_NAMES) out[face] = overrides?.[face] ?? require.resolve(DEFAULT_FONT_MODULES[face]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Split WOFF2 faces (a CSS file of @font-face rules, each one file and its unicode-range)

interface SplitFont {
  dir: string;
  fileOf: Map<number, string>;
}
const splitFonts = new Map<string, Promise<SplitFont>>();
const woff2Files = new Map<string, Promise<Uint8Array>>();

function loadSplitFont(cssPath: string): Promise<SplitFont> {
  let p = splitFonts.get(cssPath);
  if (!p) {
    p = readFile(cssPath, 'utf8').then((css) => {
      const fileOf = new Map<number, string>();
      for (const rule of css.split('@font-face').slice(1)) {
        const src = /url\(['"]?([^'")]+\.woff2)['"]?\)/.exec(rule)?.[1];
        const ranges = /unicode-range:\s*([^;}]+)/.exec(rule)?.[1];
        if (!src || !ranges) continue;
        for (const r of ranges.split(',')) {
          const [a, b] = r.trim().replace(/^U\+/i, '').split('-').map((h) => parseInt(h, 16));
          for (let cp = a; cp <= (b ?? a); cp++) if (!fileOf.has(cp)) fileOf.set(cp, src);
        }
      }
      if (fileOf.size === 0) throw new Error(`${cssPath}: no @font-face rule with a .woff2 src and a unicode-range`);
      return { dir: dirname(cssPath), fileOf };
    });
    p.catch(() => splitFonts.delete(cssPath));
    splitFonts.set(cssPath, p);
  }
  return p;
}

/**
 * wawoff2 answers a view into its WebAssembly heap, which the next call overwrites: calls go one at
 * a time and each result is copied before the next starts.
 */
let decompressQueue: Promise<unknown> = Promise.resolve();

/** A WOFF2 piece as TrueType bytes, decompressed once per process. */
function loadWoff2(path: string): Promise<Uint8Array> {
  let p = woff2Files.get(path);
  if (!p) {
    p = readFile(path).then((woff2) => {
      const next = decompressQueue.then(async () => {
        const { default: decompress } = await import('wawoff2/decompress.js');
        return (await decompress(woff2)).slice();
      });
      decompressQueue = next.catch(() => undefined);
      return next;
    });
    p.catch(() => woff2Files.delete(path));
    woff2Files.set(path, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Faces embedded in one document

/** One face in one PDF: measures characters and splits text into runs of one embedded font. */
class EmbeddedFace {
  private readonly widths = new Map<string, number>();

  constructor(
    /** The font for a character; undefined → the fallback face's. */
    private readonly fontFor: (ch: string) => PDFFont | undefined,
    private readonly fallback?: EmbeddedFace,
  ) {}

  private font(ch: string): PDFFont {
    const f = this.fontFor(ch) ?? this.fallback?.font(ch);
    if (!f) throw new Error(`no font for ${JSON.stringify(ch)}`);
    return f;
  }

  /** Width at 1000 units, per character: CJK text has no kerning, so widths add. */
  charWidth(ch: string): number {
    let w = this.widths.get(ch);
    if (w === undefined) {
      w = this.font(ch).widthOfTextAtSize(ch, 1000);
      this.widths.set(ch, w);
    }
    return w;
  }

  width(text: string, size: number): number {
    let w = 0;
    for (const ch of text) w += this.charWidth(ch);
    return (w * size) / 1000;
  }

  runs(text: string): { font: PDFFont; text: string }[] {
    const out: { font: PDFFont; text: string }[] = [];
    for (const ch of text) {
      const font = this.font(ch);
      const last = out[out.length - 1];
      if (last && last.font === font) last.text += ch;
      else out.push({ font, text: ch });
    }
    return out;
  }
}

async function embedFaces(doc: PDFDocument, paths: Record<FaceName, string>, chars: Map<FaceName, Set<string>>): Promise<Record<FaceName, EmbeddedFace>> {
  const embedded = new Map<string, Promise<PDFFont>>();
  const embedFile = (path: string, bytes: () => Promise<Uint8Array>): Promise<PDFFont> => {
    let p = embedded.get(path);
    if (!p) {
      p = bytes().then((b) => embedFontBytes(doc, b));
      embedded.set(path, p);
    }
    return p;
  };
  const single = async (face: FaceName): Promise<EmbeddedFace> => {
    const path = paths[face];
    const font = await embedFile(path, () => (path.endsWith('.woff2') ? loadWoff2(path) : loadFontFile(path)));
    return new EmbeddedFace(() => font);
  };
  const faces = {} as Record<FaceName, EmbeddedFace>;
  // 宋 is every other face's fallback (a character a split face lacks), so it is always embedded.
  faces.song = await single('song');
  for (const face of FACE_NAMES) {
    if (face === 'song') continue;
    const used = chars.get(face);
    const path = paths[face];
    if (!used || used.size === 0) {
      faces[face] = faces.song; // never drawn; keeps measuring total
      continue;
    }
    if (!path.endsWith('.css')) {
      faces[face] = await single(face);
      continue;
    }
    const split = await loadSplitFont(path);
    const fontOfFile = new Map<string, PDFFont>();
    const files = new Set<string>();
    for (const ch of used) {
      const f = split.fileOf.get(ch.codePointAt(0)!);
      if (f) files.add(f);
    }
    await Promise.all(
      [...files].map(async (f) => {
        const full = join(split.dir, f);
        fontOfFile.set(f, await embedFile(full, () => loadWoff2(full)));
      }),
    );
    faces[face] = new EmbeddedFace((ch) => {
      const f = split.fileOf.get(ch.codePointAt(0)!);
      return f ? fontOfFile.get(f) : undefined;
    }, faces.song);
  }
  return faces;
}

// ---------------------------------------------------------------------------------------------
// Rendering

export interface RenderOptions {
  /** The branch's font files per face (config `fonts`); missing faces use the npm defaults. */
  fonts?: FontPaths;
}

export interface RenderedOutgoing {
  pdf: Uint8Array;
  /** Pages in the PDF, blank page included. */
  pageCount: number;
  /** Where the seal step puts the seal image: 0-based page index and a box in PDF points (origin bottom-left). */
  sealBox: PdfBox;
  /** SHA-256 (hex) of `canonicalInput`: what the sealed copy carries to prove which signed version it shows. */
  inputHash: string;
  /** The canonical JSON of the signed content the hash was taken over. */
  canonicalInput: string;
  /** Every element's position (points from the page's top-left), for previews and checks. */
  layout: DocumentLayout;
}

function drawLayout(page: PDFPage, items: DocumentLayout['pages'][number]['items'], faces: Record<FaceName, EmbeddedFace>): void {
  for (const it of items) {
    if (it.kind === 'rule') {
      page.drawRectangle({ x: it.x, y: PAGE_H - it.y - it.thickness / 2, width: it.width, height: it.thickness, color: rgb(...it.color) });
      continue;
    }
    const face = faces[it.face];
    let x = it.x;
    const y = PAGE_H - it.baseline;
    // Tracking (Tc) lives in the graphics state: set it inside q … Q so it stays with this line.
    page.pushOperators(pushGraphicsState(), setCharacterSpacing(it.tracking));
    for (const run of face.runs(it.text)) {
      page.drawText(run.text, { x, y, size: it.size, font: run.font, color: rgb(...it.color) });
      x += face.width(run.text, it.size) + it.tracking * [...run.text].length;
    }
    page.pushOperators(popGraphicsState());
  }
}

/**
 * Lays out and renders a signed outgoing document per GB/T 9704-2012. `input` is validated
 * (parseOutgoingLayout: a LayoutInputError carries a Chinese message for a 400). Same input, same
 * layout and hash; the PDF bytes differ only in the random tags pdf-lib gives font subsets.
 */
export async function renderOutgoingPdf(input: unknown, opts: RenderOptions = {}): Promise<RenderedOutgoing> {
  const model: OutgoingLayout = parseOutgoingLayout(input);
  const paths = resolveFontPaths(opts.fonts);

  // First pass with rough widths only to learn which characters each face sets (line breaks may
  // differ from the real pass, the characters cannot), so split faces decompress just those pieces.
  const chars = new Map<FaceName, Set<string>>();
  const record: Measure = (face, text, size) => {
    let set = chars.get(face);
    if (!set) chars.set(face, (set = new Set()));
    let n = 0;
    for (const ch of text) {
      set.add(ch);
      n += 1;
    }
    return n * size;
  };
  layoutDocument(model, record);

  const doc = await PDFDocument.create();
  const faces = await embedFaces(doc, paths, chars);
  const measure: Measure = (face, text, size) => faces[face].width(text, size);
  const layout = layoutDocument(model, measure);

  const inputHash = layoutInputHash(model);
  const signedAt = new Date(`${model.date}T00:00:00+08:00`);
  doc.setTitle(model.title);
  doc.setAuthor(model.issuerName);
  doc.setSubject(model.documentNumber);
  doc.setKeywords([model.documentNumber, `sha256:${inputHash}`]);
  doc.setCreator('Chancery');
  doc.setProducer('Chancery');
  doc.setLanguage('zh-CN');
  doc.setCreationDate(signedAt);
  doc.setModificationDate(signedAt);

  for (const p of layout.pages) drawLayout(doc.addPage([PAGE_W, PAGE_H]), p.items, faces);
  const pdf = await doc.save();
  return { pdf, pageCount: layout.pages.length, sealBox: layout.sealBox, inputHash, canonicalInput: canonicalLayoutInput(model), layout };
}
