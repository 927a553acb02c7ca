/**
 * GB/T 9704-2012 layout: the rendered PDF read back with pdf.js (text in reading order, positions
 * from each item's transform) and rasterised with poppler's pdftoppm (colours, the page looked at:
 * test-artifacts/layout/).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PDFDict, PDFDocument, PDFName } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHAR_PITCH,
  MM,
  PAGE_H,
  breakTitle,
  chineseNumber,
  formatDocumentDate,
  headingNumber,
  parseOutgoingLayout,
  type Measure,
  type OutgoingLayoutInput,
} from '../../functions/domain/gbt9704.js';
import { renderOutgoingPdf, type RenderedOutgoing } from '../../functions/domain/gbt9704-pdf.js';
import { longReport, notice } from './gbt9704-samples.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'layout');

interface Item {
  str: string;
  /** mm from the page's left / top. */
  x: number;
  right: number;
  /** Top of the em box (from the baseline and the font size) and baseline, mm from the page's top. */
  top: number;
  bottom: number;
  baseline: number;
  size: number;
}

async function extract(pdf: Uint8Array): Promise<Item[][]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: pdf.slice(), useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
  const pages: Item[][] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    const items: Item[] = [];
    for (const it of content.items) {
      if (!('str' in it) || !it.str.trim()) continue;
      const size = Math.hypot(it.transform[0], it.transform[1]);
      const baseline = (PAGE_H - it.transform[5]) / MM;
      items.push({ str: it.str, x: it.transform[4] / MM, right: (it.transform[4] + it.width) / MM, baseline, top: baseline - (0.88 * size) / MM, bottom: baseline + (0.12 * size) / MM, size });
    }
    pages.push(items);
  }
  await doc.destroy();
  return pages;
}

/** Items joined into lines (same baseline), in drawing order. */
function lines(items: Item[]): { text: string; x: number; right: number; top: number; bottom: number; size: number }[] {
  const out: { text: string; x: number; right: number; top: number; bottom: number; size: number; baseline: number }[] = [];
  for (const it of items) {
    const last = out[out.length - 1];
    if (last && Math.abs(last.baseline - it.baseline) < 0.5) {
      last.text += it.str;
      last.right = Math.max(last.right, it.right);
      last.x = Math.min(last.x, it.x);
    } else out.push({ text: it.str, x: it.x, right: it.right, top: it.top, bottom: it.bottom, size: it.size, baseline: it.baseline });
  }
  return out.map((l) => ({ ...l, text: l.text.replace(/\s+/g, '') }));
}

const squash = (s: string): string => s.replace(/\s+/g, '');

/** Rasterises a page with pdftoppm; returns the PPM pixels and writes a PNG for people to look at. */
function rasterise(pdf: Uint8Array, page: number, name: string, dpi = 100): { width: number; height: number; px: Buffer } {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), '-png', '-singlefile', file, join(ARTIFACTS, `${name}-page-${page}`)]);
  const ppm = execFileSync('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), file], { maxBuffer: 64 * 1024 * 1024 });
  // P6 header: "P6\n<w> <h>\n255\n"
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString('latin1'))!;
  return { width: Number(header[1]), height: Number(header[2]), px: ppm.subarray(header[0].length) };
}

const near = (actual: number, expected: number, tol = 1): void => {
  expect(Math.abs(actual - expected), `${actual.toFixed(2)} mm, expected ${expected.toFixed(2)} ± ${tol} mm`).toBeLessThanOrEqual(tol);
};

const LEFT = 28;
const RIGHT = 28 + 156;
const CENTRE = 28 + 78;
const TOP = 37;
const BOTTOM = 37 + 225;
const CHAR = CHAR_PITCH / MM;

describe('GB/T 9704 forms', () => {
  it('writes 成文日期 in Arabic numerals, heading numbers in the four levels', () => {
    expect(formatDocumentDate('2026-11-04')).toBe('2026年11月4日');
    expect([1, 10, 12, 20, 99].map(chineseNumber)).toEqual(['一', '十', '十二', '二十', '九十九']);
    expect([headingNumber(1, 3), headingNumber(2, 11), headingNumber(3, 2), headingNumber(4, 5)]).toEqual(['三、', '（十一）', '2.', '（5）']);
  });

  it('refuses what cannot be printed, saying what to fix in Chinese', () => {
    expect(() => parseOutgoingLayout({ ...notice, copyNumber: '12' })).toThrow('份号应为6位阿拉伯数字');
    expect(() => parseOutgoingLayout({ ...notice, date: '2026-02-30' })).toThrow('成文日期不是有效日期');
    expect(() => parseOutgoingLayout({ ...notice, body: [] })).toThrow('正文不能为空');
    expect(() => parseOutgoingLayout({ ...notice, printedOn: '2026-05-01' })).toThrow('印发日期不能早于成文日期');
    expect(() => parseOutgoingLayout({ ...notice, secrecy: { level: '内部' } })).toThrow('密级应为');
  });

  it('breaks a long title at a word boundary into balanced lines, never one character alone', () => {
    const em: Measure = (_face, text, size) => [...text].length * size;
    const title = '××公司关于2026年上半年公文处理和档案管理工作情况及下半年工作安排的报告';
    const broken = breakTitle(title, em, 'xbs', 22, 156 * MM);
    expect(broken.join('')).toBe(title);
    expect(broken).toHaveLength(2);
    expect(broken[0].endsWith('和') || broken[0].endsWith('的') || broken[0].endsWith('及')).toBe(true);
    for (const l of breakTitle('关于印发某某办法的通知书甲乙丙丁戊己庚辛壬癸子', em, 'xbs', 22, 156 * MM)) expect([...l].length).toBeGreaterThan(1);
  });
});

describe('GB/T 9704 layout of a two-page notice', () => {
  let out: RenderedOutgoing;
  let pages: Item[][];
  beforeAll(async () => {
    out = await renderOutgoingPdf(notice);
    pages = await extract(out.pdf);
  });

  it('prints every element in reading order, 版记 on the even page after the text', () => {
    expect(out.pageCount).toBe(2);
    const text = squash(pages.flat().map((i) => i.str).join(''));
    const expected = [
      '000012',
      '秘密★1年',
      '特急',
      '××公司文件',
      '管司发〔2026〕7号',
      '关于开展2026年安全生产大检查的通知',
      '各科室、各基层单位：',
      ...notice.body.map((b, i) => (b.kind === 'heading' ? (b.level === 1 ? `${chineseNumber(notice.body.slice(0, i + 1).filter((x) => x.kind === 'heading' && x.level === 1).length)}、` : '（一）') : '') + b.text),
      '—1—',
      '附件：1.安全生产大检查自查表',
      '2.安全隐患整改台账',
      '××公司',
      '2026年5月20日',
      '（联系人：王芳，电话：12345678）',
      '抄送：公司领导，工会。',
      '××公司综合办公室',
      '2026年5月21日印发',
      '—2—',
    ].join('');
    expect(text).toBe(squash(expected));
    // Page 1 is full: the 附件说明 goes on with the signature (never alone) and the 版记 under them.
    expect(squash(pages[1].map((i) => i.str).join(''))).toMatch(/^附件：.*抄送：公司领导，工会。××公司综合办公室2026年5月21日印发—2—$/);
  });

  it('places the 版头 in the 版心: 份号/密级/紧急程度 top left, mark and number centred', () => {
    const l = lines(pages[0]);
    const [copy, secrecy, urgency, mark, number, title, recipients, firstPara] = l;
    expect([copy.text, secrecy.text, urgency.text]).toEqual(['000012', '秘密★1年', '特急']);
    near(copy.x, LEFT);
    near(copy.top, TOP);
    near(secrecy.x, LEFT);
    near(urgency.x, LEFT);
    expect(mark.text).toBe('××公司文件');
    near(mark.top, TOP + 35);
    near((mark.x + mark.right) / 2, CENTRE); // the 版心's centre: 28 + 78 mm (the right margin is 26 mm)
    near((number.x + number.right) / 2, CENTRE);
    near((title.x + title.right) / 2, CENTRE);
    expect(title.size).toBeCloseTo(22, 1);
    expect(recipients.text).toBe('各科室、各基层单位：');
    near(recipients.x, LEFT);
    near(firstPara.x, LEFT + 2 * CHAR);
    expect(firstPara.size).toBeCloseTo(16, 1);
    // Lines under the separator sit on the 22-line grid of the 版心.
    const pitch = (225 - 16 / MM) / 21;
    for (const line of [title, recipients, firstPara]) {
      const k = (line.top + (line.size - 16) / 2 / MM - TOP) / pitch;
      expect(Math.abs(k - Math.round(k))).toBeLessThan(0.02);
    }
  });

  it('signs at the right with 成文日期 four characters from the edge and returns the seal box over both', () => {
    const l = lines(pages[1]);
    const name = l.find((x) => x.text === '××公司')!;
    const date = l.find((x) => x.text === '2026年5月20日')!;
    near(date.right, RIGHT - 4 * CHAR);
    near((name.x + name.right) / 2, (date.x + date.right) / 2);
    const seal = out.sealBox;
    expect(seal.page).toBe(1);
    near(seal.width / MM, 42, 0.01);
    // PDF box (origin bottom-left) → mm from the top: 署名 and 成文日期 inside the seal, under its centre.
    const sealTop = (PAGE_H - seal.y - seal.height) / MM;
    const sealCentreY = sealTop + 21;
    const sealCentreX = (seal.x + seal.width / 2) / MM;
    near(sealCentreX, (date.x + date.right) / 2, 0.5);
    for (const t of [name, date]) {
      expect(t.top).toBeGreaterThan(sealCentreY - 16 / MM);
      expect(t.bottom).toBeLessThan(sealTop + 42);
    }
    // Its top within a line of the text above (附件说明).
    const above = l[l.indexOf(name) - 1];
    expect(sealTop - above.bottom).toBeLessThan(pitchMm());
    expect(sealTop).toBeGreaterThan(above.bottom - 0.01);
  });

  it('numbers pages "— N —" 7 mm under the 版心: odd at the right, even at the left, one character in', () => {
    const one = lines(pages[0]).at(-1)!;
    const two = lines(pages[1]).at(-1)!;
    expect(one.text).toBe('—1—');
    expect(two.text).toBe('—2—');
    near(one.top, BOTTOM + 7);
    near(two.top, BOTTOM + 7);
    near(one.right, RIGHT - 14 / MM);
    near(two.x, LEFT + 14 / MM);
    expect(one.size).toBeCloseTo(14, 1);
  });

  it('draws the 版记 against the 版心 bottom: 抄送 and 印发 in 4号, 一字 from the edges, thick and thin rules', () => {
    const l = lines(pages[1]);
    const copyTo = l.find((x) => x.text.startsWith('抄送：'))!;
    const printed = l.find((x) => x.text.startsWith('××公司综合办公室'))!;
    expect(copyTo.size).toBeCloseTo(14, 1);
    near(copyTo.x, LEFT + 14 / MM);
    near(printed.x, LEFT + 14 / MM);
    near(printed.right, RIGHT - 14 / MM);
    expect(printed.bottom).toBeLessThan(BOTTOM);
    const rules = out.layout.pages[1].items.filter((i) => i.kind === 'rule');
    expect(rules.map((r) => (r.kind === 'rule' ? [r.role, +(r.thickness / MM).toFixed(2), +(r.width / MM).toFixed(1)] : []))).toEqual([
      ['colophon-thick', 0.35, 156],
      ['colophon-thin', 0.25, 156],
      ['colophon-thick', 0.35, 156],
    ]);
    const last = rules[2];
    if (last.kind === 'rule') near((last.y + last.thickness / 2) / MM, BOTTOM, 0.01);
  });

  it('renders page 1 with the red separator as wide as the 版心, 4 mm under the number', () => {
    const dpi = 100;
    const { width, height, px } = rasterise(out.pdf, 1, 'notice', dpi);
    const red = (x: number, y: number): boolean => {
      const o = (y * width + x) * 3;
      return px[o] > 200 && px[o + 1] < 90 && px[o + 2] < 90;
    };
    // The separator is the row with the longest run of red pixels.
    let best = { y: -1, from: 0, to: 0 };
    for (let y = 0; y < height; y++) {
      let from = -1;
      for (let x = 0; x <= width; x++) {
        if (x < width && red(x, y)) {
          if (from < 0) from = x;
        } else if (from >= 0) {
          if (x - from > best.to - best.from) best = { y, from, to: x };
          from = -1;
        }
      }
    }
    const toMm = (p: number): number => (p * 25.4) / dpi;
    near(toMm(best.to - best.from), 156);
    near(toMm(best.from), LEFT);
    const number = lines(pages[0])[4];
    near(toMm(best.y) - number.bottom, 4);
    // The page image is there for people to look at.
    expect(readFileSync(join(ARTIFACTS, 'notice-page-1.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});

/** BaseFont names of the fonts a PDF embeds. */
async function fontNames(pdf: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(pdf);
  const out: string[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (obj instanceof PDFDict && obj.get(PDFName.of('Type')) === PDFName.of('Font')) out.push(String(obj.get(PDFName.of('BaseFont'))));
  }
  return out;
}

function pitchMm(): number {
  return (225 - 16 / MM) / 21;
}

describe('GB/T 9704 layout of a long upward report', () => {
  let out: RenderedOutgoing;
  let pages: Item[][];
  beforeAll(async () => {
    out = await renderOutgoingPdf(longReport());
    pages = await extract(out.pdf);
  });

  it('puts the number at the left and 签发人 at the right on one line', () => {
    const l = lines(pages[0]);
    const line = l.find((x) => x.text.startsWith('管报字'))!;
    expect(line.text).toBe('管报字〔2026〕12号签发人：赵敏孙伟');
    near(line.x, LEFT + CHAR);
    near(line.right, RIGHT - CHAR);
  });

  it('fills a middle page with 22 lines of 28 characters between the 版心 edges', () => {
    expect(out.pageCount).toBeGreaterThanOrEqual(3);
    const body = lines(pages[1]).filter((x) => !/^—\d+—$/.test(x.text));
    expect(body).toHaveLength(22);
    near(body[0].top, TOP);
    near(body[21].bottom, BOTTOM);
    const full = body.filter((x) => x.x < LEFT + 0.5 && !/[0-9A-Za-z]/.test(x.text) && x.right > RIGHT - 2);
    expect(full.length).toBeGreaterThan(5);
    for (const x of full) {
      expect([...x.text]).toHaveLength(28);
      near(x.right, RIGHT);
    }
  });

  it('ends on an even page with the 版记, every text page numbered odd right / even left', () => {
    expect(out.pageCount % 2).toBe(0);
    const last = out.layout.pages.at(-1)!;
    expect(last.items.some((i) => i.kind === 'text' && i.role === 'printed-on')).toBe(true);
    out.layout.pages.forEach((p, i) => {
      expect(p.number).toBe(i + 1);
      const n = lines(pages[i]).at(-1)!;
      expect(n.text).toBe(`—${i + 1}—`);
      if ((i + 1) % 2) near(n.right, RIGHT - 14 / MM);
      else near(n.x, LEFT + 14 / MM);
    });
    // The signature shares its page with text (never alone), and the seal box is on that page.
    const sealPage = lines(pages[out.sealBox.page]);
    const nameAt = sealPage.findIndex((x) => x.text === '××公司');
    expect(nameAt).toBeGreaterThan(0);
  });

  it('adds a blank page when the text fills an even page: blank and 版记 pages carry no number', async () => {
    let found: RenderedOutgoing | undefined;
    for (let n = 8; n <= 40 && !found; n++) {
      const r = await renderOutgoingPdf({ ...longReport(n), copyTo: undefined });
      if (r.layout.pages.some((p) => p.number === null)) found = r;
    }
    expect(found, 'some body length needs the blank page').toBeDefined();
    const r = found!;
    const read = await extract(r.pdf);
    const n = r.pageCount;
    expect(n % 2).toBe(0);
    expect(r.layout.pages.slice(-2).map((p) => p.number)).toEqual([null, null]);
    expect(read[n - 2]).toHaveLength(0);
    expect(squash(read[n - 1].map((i) => i.str).join(''))).toBe('××公司综合办公室2026年7月3日印发');
    expect(lines(read[n - 3]).at(-1)!.text).toBe(`—${n - 2}—`);
  });

  it('uses a branch font file in place of a default face', async () => {
    const require = createRequire(import.meta.url);
    const sans = require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');
    const input: OutgoingLayoutInput = { ...notice, copyNumber: undefined, secrecy: undefined, urgency: undefined, body: [{ kind: 'paragraph', text: '正文。' }] };
    const mine = await renderOutgoingPdf(input, { fonts: { fangsong: sans, xbs: sans } });
    const own = await fontNames(mine.pdf);
    expect(own.some((n) => n.includes('NotoSerifSC-Light'))).toBe(false);
    expect(own.some((n) => n.includes('NotoSerifSC-Bold'))).toBe(false);
    expect(own.some((n) => n.includes('NotoSansSC'))).toBe(true);
    expect((await fontNames((await renderOutgoingPdf(input)).pdf)).some((n) => n.includes('NotoSerifSC-Light'))).toBe(true);
    expect(mine.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(mine.canonicalInput).toContain('"documentNumber":"管司发〔2026〕7号"');
  });
});
