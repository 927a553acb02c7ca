/**
 * Text taken from outside (file names, scan metadata) before it becomes a title or a sender shown
 * to clerks and printed on slips: invisible characters that could disguise it are removed.
 */

/**
 * Bidi controls (LRE…RLO, LRI…PDI, LRM, RLM, ALM) would let "发票\u202Efdp.exe" show as
 * "发票exe.pdf"; zero-width characters and the BOM hide inside words; C0/C1 controls break lines
 * and terminals. Line/paragraph separators count as whitespace and are collapsed below.
 */
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B-\u200D\u2060\uFEFF\u00AD\u180E\u0000-\u0008\u000E-\u001F\u007F-\u009F]/gu;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes invisible and control characters, collapses whitespace, trims, and keeps at most `maxLength` code points. */
export function cleanText(s: string, maxLength?: number): string {
  if (maxLength !== undefined && !(Number.isSafeInteger(maxLength) && maxLength >= 0)) {
    throw new RangeError(`cleanText: maxLength must be a non-negative integer, got ${maxLength}`);
  }
  // Lone surrogates are not text: U+FFFD instead, as String.prototype.toWellFormed (ES2024) would.
  const cleaned = s.replace(LONE_SURROGATE, '\uFFFD').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim();
  if (maxLength === undefined) return cleaned;
  const points = Array.from(cleaned);
  return points.length <= maxLength ? cleaned : points.slice(0, maxLength).join('').trimEnd();
}
