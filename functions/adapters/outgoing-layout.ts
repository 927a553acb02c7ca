/**
 * The outgoing document laid out per GB/T 9704 with the faces this function has: the branch's
 * licensed files, else those shipped with the function (OUTGOING_FONT_*), else npm's. Used by the
 * preview (number left blank) and by numbering (the PDF the seal goes on).
 */
import { localDate } from '../domain/calendar.js';
import { layoutInputOf, type DraftContent, type LayoutFacts } from '../domain/drafts.js';
import { FACE_NAMES } from '../domain/gbt9704.js';
import type { FontPaths, RenderedOutgoing } from '../domain/gbt9704-pdf.js';
import { OUTGOING_FONTS } from '../../infra/manifest.js';
import { env } from './env.js';

export function outgoingFontPaths(): FontPaths {
  const shipped = Object.fromEntries(
    FACE_NAMES.flatMap((face) => {
      const file = OUTGOING_FONTS.find((f) => f.env === `OUTGOING_FONT_${face.toUpperCase()}`);
      const path = file ? process.env[file.env] : undefined;
      return path ? [[face, path]] : [];
    }),
  ) as FontPaths;
  return { ...shipped, ...(env.branchConfig.fonts ?? {}) };
}

/** The printed facts besides the draft: the branch's names and the date (成文日期) of `at`. */
export function layoutFacts(at: Date, extra: Partial<LayoutFacts> = {}): LayoutFacts {
  const config = env.branchConfig;
  return { issuerMark: `${config.displayName}文件`, issuerName: config.displayName, printedBy: `${config.displayName}办公室`, date: localDate(at, config.timeZone), ...extra };
}

/** Lays out a version's content; the PDF code loads on first use, not with the function. */
export async function renderDraft(content: DraftContent, facts: LayoutFacts): Promise<RenderedOutgoing> {
  const { renderOutgoingPdf } = await import('../domain/gbt9704-pdf.js');
  return renderOutgoingPdf(layoutInputOf(content, facts), { fonts: outgoingFontPaths() });
}
