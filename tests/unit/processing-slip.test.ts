import { readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, decodePDFRawStream, type PDFObject } from 'pdf-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSlipTime, processingSlipSchema, slipToJson, type ProcessingSlip, type SlipLine } from '../../functions/domain/processing-slip.js';
import { defaultSlipFontPath, renderSlipPdf } from '../../functions/domain/slip-pdf.js';

const OPINION =
  '同意。请办公室牵头，会同财务科、人事科于2026年11月30日前提出具体落实意见，报分管领导审定后执行；涉及经费部分按《财务管理办法》（管司发〔2026〕7号）规定办理。';

function line(i: number, opinion: string): SlipLine {
  const steps = [
    ['propose', '拟办', '王主任', 'wangzr', 'office-director'],
    ['instruct', '批示', '李总', 'lizong', 'main-leader'],
    ['handle', '阅处', '赵副总', 'zhaofz', 'deputy-leader'],
    ['execute', '承办', '钱科长', 'qiankz', 'dept-head'],
  ] as const;
  const [step, stepName, actorName, actorUsername, role] = steps[i % 4];
  return {
    step,
    stepName,
    actorName,
    actorUsername,
    role,
    at: `2026-11-22T0${i % 10}:05:00.000Z`,
    opinion,
    details: [
      { label: '承办科室', value: '办公室（牵头）、财务科' },
      { label: '办理期限', value: '2026年11月30日' },
    ],
  };
}

const slip: ProcessingSlip = {
  branchName: '管道工具公司',
  title: '关于开展2026年度安全生产大检查的通知',
  registerNumber: '收〔2026〕12号',
  receivedAt: '2026-11-20T01:30:00.000Z',
  sender: '市应急管理局',
  sourceNumber: '应急发〔2026〕31号',
  urgency: '加急',
  secrecy: '非密',
  archiveCode: 'Z001-WS·2026-Y-BGS-0001',
  lines: Array.from({ length: 8 }, (_, i) => line(i, `第${i + 1}条意见：${OPINION.repeat(3)}`)),
};

// --- a small text extractor for pdf-lib output (Identity-H font, <hex> Tj, ToUnicode bfchar) ---

interface Extracted {
  pages: string[];
  /** subset glyph id → the character it was drawn for */
  glyphChars: Map<number, string>;
  fontFile: Uint8Array;
}

function streamBytes(doc: PDFDocument, obj: PDFObject | undefined): Uint8Array {
  const s = obj instanceof PDFRef ? doc.context.lookup(obj) : obj;
  if (!(s instanceof PDFRawStream)) throw new Error('expected a stream');
  return decodePDFRawStream(s).decode();
}

function extract(doc: PDFDocument): Extracted {
  const page0 = doc.getPages()[0];
  const fonts = page0.node.Resources()!.lookup(PDFName.of('Font'), PDFDict);
  const [fontObj] = fonts.values();
  const type0 = doc.context.lookup(fontObj, PDFDict);
  const cmap = Buffer.from(streamBytes(doc, type0.get(PDFName.of('ToUnicode')))).toString('latin1');
  const glyphChars = new Map<number, string>();
  const bf = cmap.slice(cmap.indexOf('beginbfchar'), cmap.indexOf('endbfchar'));
  for (const m of bf.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
    glyphChars.set(parseInt(m[1], 16), Buffer.from(m[2], 'hex').swap16().toString('utf16le'));
  }
  const cid = doc.context.lookup(type0.lookup(PDFName.of('DescendantFonts'), PDFArray).get(0), PDFDict);
  const descriptor = cid.lookup(PDFName.of('FontDescriptor'), PDFDict);
  const fontFile = streamBytes(doc, descriptor.get(PDFName.of('FontFile2')));

  const pages = doc.getPages().map((p) => {
    const contents = p.node.get(PDFName.of('Contents'));
    const parts = contents instanceof PDFArray ? contents.asArray() : [contents!];
    const ops = parts.map((ref) => Buffer.from(streamBytes(doc, ref)).toString('latin1')).join('\n');
    let text = '';
    for (const m of ops.matchAll(/<([0-9a-fA-F]*)>\s*Tj/g)) {
      for (let i = 0; i < m[1].length; i += 4) text += glyphChars.get(parseInt(m[1].slice(i, i + 4), 16)) ?? '\uFFFD';
      text += '\n';
    }
    return text;
  });
  return { pages, glyphChars, fontFile };
}

/** fontkit's Path has `commands` at runtime; its typings omit it. */
const commandCount = (path: object): number => (path as { commands: unknown[] }).commands.length;

/** Joins the drawn text without line breaks and without what a page break inserts (labels, footers, running header). */
function body(pages: string[]): string {
  return pages
    .join('')
    .replace(/\n/g, '')
    .replace(/(拟办|批示|阅处|承办)(（续）)?|第 \d+ 页 共 \d+ 页|管道工具公司 文件处理笺（续） 收文编号：收〔2026〕12号/g, '');
}

describe('slipToJson', () => {
  it('writes pretty JSON with a fixed key order whatever the input order', () => {
    const shuffled = {
      lines: slip.lines.map((l) => ({ details: l.details.map((d) => ({ value: d.value, label: d.label })), opinion: l.opinion, at: l.at, role: l.role, actorUsername: l.actorUsername, actorName: l.actorName, stepName: l.stepName, step: l.step })),
      archiveCode: slip.archiveCode,
      secrecy: slip.secrecy,
      urgency: slip.urgency,
      sourceNumber: slip.sourceNumber,
      sender: slip.sender,
      receivedAt: slip.receivedAt,
      registerNumber: slip.registerNumber,
      title: slip.title,
      branchName: slip.branchName,
    } as ProcessingSlip;
    const json = slipToJson(shuffled);
    expect(json).toBe(slipToJson(slip));
    expect(Object.keys(JSON.parse(json))).toEqual(['branchName', 'title', 'registerNumber', 'receivedAt', 'sender', 'sourceNumber', 'urgency', 'secrecy', 'archiveCode', 'lines']);
    expect(Object.keys(JSON.parse(json).lines[0])).toEqual(['step', 'stepName', 'actorName', 'actorUsername', 'role', 'at', 'opinion', 'details']);
    expect(json.split('\n')[1]).toBe('  "branchName": "管道工具公司",');
    expect(processingSlipSchema.parse(JSON.parse(json))).toEqual(slip);
  });

  it('leaves archiveCode out until the document is filed, and drops unknown fields', () => {
    const { archiveCode: _omit, ...unfiled } = slip;
    const parsed = JSON.parse(slipToJson({ ...unfiled, secret: 'x' } as ProcessingSlip));
    expect(parsed).not.toHaveProperty('archiveCode');
    expect(parsed).not.toHaveProperty('secret');
  });
});

describe('formatSlipTime', () => {
  it('prints Beijing time the Chinese way', () => {
    expect(formatSlipTime('2026-11-22T06:05:00.000Z')).toBe('2026年11月22日 14:05');
    expect(formatSlipTime('2026-01-02T16:00:00Z')).toBe('2026年1月3日 00:00');
    expect(formatSlipTime('not a time')).toBe('not a time');
  });
});

describe('a line acted under a delegation (委托)', () => {
  const delegated: ProcessingSlip = {
    ...slip,
    lines: [{ ...line(1, '同意，请孙伟同志负责'), actorName: '孙伟', actorUsername: 'sunwei', onBehalfOf: 'zhaomin', onBehalfOfName: '赵敏' }, line(2, '请抓紧办理')],
  };

  it('keeps both names in slip.json, and only on that line', () => {
    const json = JSON.parse(slipToJson(delegated));
    expect(json.lines[0]).toMatchObject({ actorName: '孙伟', onBehalfOf: 'zhaomin', onBehalfOfName: '赵敏' });
    expect(json.lines[1]).not.toHaveProperty('onBehalfOf');
    expect(processingSlipSchema.parse(json).lines[0].onBehalfOfName).toBe('赵敏');
  });

  it('prints "孙伟 代 赵敏" on the slip PDF', async () => {
    const doc = await PDFDocument.load(await renderSlipPdf(delegated), { updateMetadata: false });
    const all = extract(doc).pages.join('');
    expect(all).toContain(`孙伟 代 赵敏　${formatSlipTime(delegated.lines[0].at)}`);
    expect(all).toContain(`${delegated.lines[1].actorName}　${formatSlipTime(delegated.lines[1].at)}`);
  });
});

describe('renderSlipPdf', () => {
  const savedEnv = process.env.SLIP_FONT_PATH;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.SLIP_FONT_PATH;
    else process.env.SLIP_FONT_PATH = savedEnv;
  });

  it('renders an A4 slip with metadata, every opinion, page breaks and a small subset font', async () => {
    const bytes = await renderSlipPdf(slip);
    expect(bytes.length).toBeLessThan(150_000); // the full font is ~10 MB
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(3);
    for (const p of doc.getPages()) {
      expect(p.getWidth()).toBeCloseTo(595.28, 1);
      expect(p.getHeight()).toBeCloseTo(841.89, 1);
    }
    expect(doc.getTitle()).toBe('文件处理笺：关于开展2026年度安全生产大检查的通知');
    expect(doc.getSubject()).toBe('Z001-WS·2026-Y-BGS-0001');
    expect(doc.getProducer()).toBe('Chancery');
    expect(doc.getCreator()).toBe('Chancery');
    expect(doc.getAuthor()).toBe('管道工具公司');

    const { pages } = extract(doc);
    const all = pages.join('');
    const flat = body(pages);
    for (const s of ['文件处理笺', '来文单位', '市应急管理局', '来文字号', '应急发〔2026〕31号', '收文编号', '收〔2026〕12号', '收文日期', '2026年11月20日 09:30', '紧急程度', '加急', '密级', '非密', '标题', '档号', 'Z001-WS·2026-Y-BGS-0001']) {
      expect(all, s).toContain(s);
    }
    for (const l of slip.lines) {
      expect(flat).toContain(l.opinion); // wrapped over several lines, nothing lost
      expect(all).toContain(`${l.actorName}　${formatSlipTime(l.at)}`);
    }
    expect(all).toContain('承办科室：办公室（牵头）、财务科');
    expect(all).toContain('2026年11月22日 14:05'); // line 1: 06:05Z
    expect(pages[0]).toContain('第 1 页 共 3 页');
    expect(pages[2]).toContain('第 3 页 共 3 页');
    expect(pages[1]).toContain('文件处理笺（续）');
    expect(all).not.toContain('\uFFFD');
    // Wrapping is by measured width: no drawn line is wider than the opinion column (399.28 pt at
    // 11 pt, plus one hanging punctuation mark), and the long opinions do fill it.
    const font = fontkit.create(readFileSync(defaultSlipFontPath()));
    const widthAt11 = (t: string): number => ([...t].reduce((w, c) => w + font.glyphForCodePoint(c.codePointAt(0)!).advanceWidth, 0) * 11) / font.unitsPerEm;
    const widths = all.split('\n').map(widthAt11);
    expect(Math.max(...widths)).toBeLessThanOrEqual(399.28 + 11);
    expect(Math.max(...widths)).toBeGreaterThan(380);
  });

  it('embeds intact glyph outlines (the subset loca table is not corrupted)', async () => {
    const doc = await PDFDocument.load(await renderSlipPdf(slip), { updateMetadata: false });
    const { glyphChars, fontFile } = extract(doc);
    const original = fontkit.create(readFileSync(defaultSlipFontPath()));
    const subset = fontkit.create(fontFile);
    expect(glyphChars.size).toBeGreaterThan(80);
    let identical = 0;
    for (const [gid, ch] of glyphChars) {
      const want = original.glyphForCodePoint(ch.codePointAt(0)!);
      const got = subset.getGlyph(gid);
      // Same outline structure as the font's glyph for that character…
      expect(commandCount(got.path), `glyph for ${ch}`).toBe(commandCount(want.path));
      // …and, except where shaping picked a variant (e.g. a digit in context), the very same outline.
      if (got.path.toSVG() === want.path.toSVG()) identical++;
    }
    expect(identical / glyphChars.size).toBeGreaterThan(0.95);
  });

  it('splits a very long opinion across pages and marks the continuation', async () => {
    const long: ProcessingSlip = { ...slip, archiveCode: undefined, lines: [line(0, OPINION.repeat(40))] };
    const doc = await PDFDocument.load(await renderSlipPdf(long), { updateMetadata: false });
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(2);
    expect(doc.getSubject()).toBeUndefined();
    const { pages } = extract(doc);
    expect(body(pages)).toContain(OPINION.repeat(40));
    expect(pages[1]).toContain('拟办（续）');
    expect(pages[0]).toContain('（未归档）');
  });

  it('renders a slip without lines or optional values on one page', async () => {
    const bare: ProcessingSlip = { ...slip, sourceNumber: '', archiveCode: undefined, lines: [] };
    const doc = await PDFDocument.load(await renderSlipPdf(bare), { updateMetadata: false });
    expect(doc.getPageCount()).toBe(1);
    expect(extract(doc).pages[0]).toContain('（尚无处理意见）');
  });

  it('uses SLIP_FONT_PATH / fontPath and fails clearly on a missing font', async () => {
    const real = defaultSlipFontPath();
    expect(real).toMatch(/NotoSansSC_400Regular\.ttf$/);
    process.env.SLIP_FONT_PATH = '/nonexistent/font.ttf';
    expect(defaultSlipFontPath()).toBe('/nonexistent/font.ttf');
    await expect(renderSlipPdf(slip)).rejects.toThrow(/ENOENT/);
    await expect(renderSlipPdf(slip)).rejects.toThrow(/ENOENT/); // a failed load is not cached
    const bytes = await renderSlipPdf(slip, { fontPath: real });
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(3);
  });
});
