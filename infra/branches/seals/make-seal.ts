/**
 * Draws a branch's electronic seal image (电子印章 stand-in for tests and demos): a red ring, a
 * five-pointed star and the organisation's name along the upper arc, the seal's name across the
 * bottom — vector in pdf-lib, rasterised to a transparent PNG by poppler's pdftocairo.
 *   npx tsx infra/branches/seals/make-seal.ts <out.png> <arc text> [<bottom text>]
 * A real branch puts a scan of its registered seal here instead.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { degrees, PDFDocument, rgb } from 'pdf-lib';
import { embedCjkFont } from '../../../functions/domain/slip-pdf.js';

const SEAL_RED = rgb(0.86, 0.08, 0.1);
/** 42 mm, the diameter of a company seal. */
const SIZE = (42 / 25.4) * 72;

export async function sealPdf(arcText: string, bottomText: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await embedCjkFont(doc);
  const page = doc.addPage([SIZE, SIZE]);
  const c = SIZE / 2;
  page.drawCircle({ x: c, y: c, size: c - 3, borderColor: SEAL_RED, borderWidth: 3.2 });
  // Five-pointed star, point up, in the middle.
  const outer = SIZE * 0.17;
  const inner = outer * 0.382;
  const points = Array.from({ length: 10 }, (_, i) => {
    const r = i % 2 ? inner : outer;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    return `${(r * Math.cos(a)).toFixed(2)} ${(r * Math.sin(a)).toFixed(2)}`;
  });
  page.drawSvgPath(`M ${points.join(' L ')} Z`, { x: c, y: c, color: SEAL_RED });
  // The name along the upper arc, each character upright towards the rim, spread over 240°.
  const size = SIZE * 0.105;
  const radius = c - 6 - size * 0.95;
  const chars = [...arcText];
  const span = Math.min(240, chars.length * 24);
  chars.forEach((ch, i) => {
    const theta = ((90 + span / 2 - (chars.length === 1 ? span / 2 : (i * span) / (chars.length - 1))) * Math.PI) / 180;
    const w = font.widthOfTextAtSize(ch, size);
    const rot = theta - Math.PI / 2;
    // Start of the glyph: half its width back along the tangent from its place on the arc.
    const px = c + radius * Math.cos(theta) - (w / 2) * Math.cos(rot);
    const py = c + radius * Math.sin(theta) - (w / 2) * Math.sin(rot);
    page.drawText(ch, { x: px, y: py, size, font, color: SEAL_RED, rotate: degrees((rot * 180) / Math.PI) });
  });
  if (bottomText) {
    const bs = SIZE * 0.085;
    page.drawText(bottomText, { x: c - font.widthOfTextAtSize(bottomText, bs) / 2, y: c - SIZE * 0.3, size: bs, font, color: SEAL_RED });
  }
  return doc.save();
}

/** The seal as a transparent PNG at `dpi`. */
export async function sealPng(arcText: string, bottomText: string, dpi = 300): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'seal-'));
  try {
    writeFileSync(join(dir, 'seal.pdf'), await sealPdf(arcText, bottomText));
    execFileSync('pdftocairo', ['-png', '-transp', '-singlefile', '-r', String(dpi), join(dir, 'seal.pdf'), join(dir, 'seal')]);
    const { readFileSync } = await import('node:fs');
    return readFileSync(join(dir, 'seal.png'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [out, arc, bottom = ''] = process.argv.slice(2);
  if (!out || !arc) throw new Error('usage: make-seal.ts <out.png> <arc text> [<bottom text>]');
  writeFileSync(out, await sealPng(arc, bottom));
}
