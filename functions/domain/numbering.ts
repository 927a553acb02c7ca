/**
 * Formatters for the numbers printed on documents:
 * - 档号 (archive code) per DA/T 22-2015 《归档文件整理规则》: 全宗号-门类代码·年度-保管期限代码-机构(问题)代码-件号;
 * - 发文字号 per GB/T 9704-2012 《党政机关公文格式》: 代字〔年份〕序号号;
 * - 收文编号 shown to clerks, written the same way: 收〔2026〕12号.
 */

export type RetentionCode = 'Y' | 'D30' | 'D10'; // 永久 / 定期30年 / 定期10年 (DA/T 22-2015)

export const RETENTION_LABELS: Record<RetentionCode, string> = { Y: '永久', D30: '30年', D10: '10年' };
export const RETENTION_YEARS: Record<RetentionCode, number | null> = { Y: null, D30: 30, D10: 10 }; // null = permanent

export interface ArchiveCodeParts {
  fondsCode: string;
  category?: string /* default 'WS' 文书 */;
  year: number;
  retention: RetentionCode;
  orgCode: string;
  itemNumber: number;
}

const MIDDLE_DOT = '\u00B7';
const FONDS_RE = /^[A-Z0-9]{1,8}$/; // same rule as branch-config fondsCode
const CATEGORY_RE = /^[A-Z]{1,4}$/; // 门类代码: WS 文书, KJ 科技, ZP 照片, …
const ORG_RE = /^[A-Z0-9]{1,10}$/; // same rule as branch-config department code
const RETENTION_CODES = Object.keys(RETENTION_LABELS) as RetentionCode[];

function isRetentionCode(v: string): v is RetentionCode {
  return (RETENTION_CODES as string[]).includes(v);
}

function checkYear(year: number, what: string): void {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`${what}: year must be a four-digit integer, got ${year}`);
}

/**
 * DA/T 22-2015 档号: 全宗号-门类代码·年度-保管期限代码-机构(问题)代码-件号, e.g. Z001-WS·2026-Y-BGS-0001
 * (件号 zero-padded to 4; the separator before the year is the middle dot U+00B7). Throws RangeError
 * when a part is invalid.
 */
export function formatArchiveCode(p: ArchiveCodeParts): string {
  const category = p.category ?? 'WS';
  if (!FONDS_RE.test(p.fondsCode)) throw new RangeError(`档号: fondsCode (全宗号) must be 1–8 upper-case letters or digits, got ${JSON.stringify(p.fondsCode)}`);
  if (!CATEGORY_RE.test(category)) throw new RangeError(`档号: category (门类代码) must be 1–4 upper-case letters, got ${JSON.stringify(category)}`);
  checkYear(p.year, '档号');
  if (!isRetentionCode(p.retention)) throw new RangeError(`档号: retention (保管期限代码) must be one of ${RETENTION_CODES.join(', ')}, got ${JSON.stringify(p.retention)}`);
  if (!ORG_RE.test(p.orgCode)) throw new RangeError(`档号: orgCode (机构代码) must be 1–10 upper-case letters or digits, got ${JSON.stringify(p.orgCode)}`);
  if (!Number.isSafeInteger(p.itemNumber) || p.itemNumber < 1) throw new RangeError(`档号: itemNumber (件号) must be a positive integer, got ${p.itemNumber}`);
  return `${p.fondsCode}-${category}${MIDDLE_DOT}${p.year}-${p.retention}-${p.orgCode}-${String(p.itemNumber).padStart(4, '0')}`;
}

const ARCHIVE_CODE_RE = /^([A-Z0-9]{1,8})-([A-Z]{1,4})\u00B7(\d{4})-(Y|D30|D10)-([A-Z0-9]{1,10})-(\d{4,})$/;

/** Inverse of formatArchiveCode (category always filled in); throws RangeError on anything not canonical. */
export function parseArchiveCode(code: string): ArchiveCodeParts {
  const m = ARCHIVE_CODE_RE.exec(code);
  if (!m) throw new RangeError(`not a valid 档号 (expected e.g. Z001-WS${MIDDLE_DOT}2026-Y-BGS-0001): ${JSON.stringify(code)}`);
  const parts: ArchiveCodeParts = {
    fondsCode: m[1],
    category: m[2],
    year: Number(m[3]),
    retention: m[4] as RetentionCode,
    orgCode: m[5],
    itemNumber: Number(m[6]),
  };
  // Rejects non-canonical forms such as 件号 00001 or 0000.
  if (formatArchiveCodeSafe(parts) !== code) throw new RangeError(`not a canonical 档号: ${JSON.stringify(code)}`);
  return parts;
}

function formatArchiveCodeSafe(p: ArchiveCodeParts): string | undefined {
  try {
    return formatArchiveCode(p);
  } catch {
    return undefined;
  }
}

/** S3 key prefix for an archive package built from the 档号: `<fonds>/<category>·<year>/<retention>/<org>/<full 档号>/` */
export function archiveKeyPrefix(code: string): string {
  const p = parseArchiveCode(code);
  return `${p.fondsCode}/${p.category}${MIDDLE_DOT}${p.year}/${p.retention}/${p.orgCode}/${code}/`;
}

/** Characters a 代字 / register name may not contain (brackets, whitespace, 号/第 would make parsing ambiguous). */
const BAD_CODE_RE = /[\s〔〕[\]()（）【】［］{}<>《》〈〉]/u;

function checkCode(code: string, what: string): void {
  if (typeof code !== 'string' || code.length === 0) throw new RangeError(`${what} must not be empty`);
  if (BAD_CODE_RE.test(code)) throw new RangeError(`${what} must not contain brackets or spaces: ${JSON.stringify(code)}`);
  if (/\d$/.test(code)) throw new RangeError(`${what} must not end with a digit: ${JSON.stringify(code)}`);
}

function checkSerial(serial: number, what: string): void {
  if (!Number.isSafeInteger(serial) || serial < 1) throw new RangeError(`${what}: serial must be a positive integer, got ${serial}`);
}

/** GB/T 9704 发文字号: 代字〔年〕序号号, e.g. 管司发〔2026〕7号 — hexagonal brackets U+3014/U+3015, no leading zeros, no 第. */
export function formatDocumentNumber(p: { code: string; year: number; serial: number }): string {
  checkCode(p.code, '发文字号 code (代字)');
  checkYear(p.year, '发文字号');
  checkSerial(p.serial, '发文字号');
  return `${p.code}\u3014${p.year}\u3015${p.serial}号`;
}

const DOCUMENT_NUMBER_RE = /^(.+?)\u3014(\d{4})\u3015([1-9]\d*)号$/u;

/** Strict inverse of formatDocumentNumber; use normalizeDocumentNumber first for typed-in numbers. */
export function parseDocumentNumber(s: string): { code: string; year: number; serial: number } {
  const m = DOCUMENT_NUMBER_RE.exec(s);
  if (!m) throw new RangeError(`not a valid 发文字号 (expected e.g. 管司发〔2026〕7号): ${JSON.stringify(s)}`);
  const out = { code: m[1], year: Number(m[2]), serial: Number(m[3]) };
  try {
    checkCode(out.code, '发文字号 code (代字)');
    checkSerial(out.serial, '发文字号');
  } catch (e) {
    throw new RangeError(`not a valid 发文字号: ${JSON.stringify(s)} (${(e as Error).message})`);
  }
  return out;
}

/**
 * Fixes the common ways a 发文字号 is mistyped and returns the GB/T 9704 form: brackets [2026] (2026)
 * （2026） 【2026】 ［2026］ ﹝2026﹞ → 〔2026〕, 第7号 → 7号, leading zeros 007号 → 7号, full-width digits,
 * spaces, and a missing final 号. Throws RangeError when the result still is not a valid number.
 */
export function normalizeDocumentNumber(s: string): string {
  let t = s.normalize('NFKC'); // full-width digits/brackets → ASCII; 〔〕 are left alone by NFKC
  t = t.replace(/\s+/gu, '');
  t = t.replace(/[[(【﹝〖{]\s*(\d{4})\s*[\])】﹞〗}]/u, '\u3014$1\u3015');
  t = t.replace(/\u3014(\d{4})\u3015第?0*(\d+)号?$/u, '\u3014$1\u3015$2号');
  const parsed = parseDocumentNumber(t); // throws with the offending input
  return formatDocumentNumber(parsed);
}

/** Incoming register number (收文编号) shown to clerks: 收〔2026〕12号 */
export function formatRegisterNumber(p: { register: string /* e.g. '收' */; year: number; serial: number }): string {
  checkCode(p.register, '收文编号 register');
  checkYear(p.year, '收文编号');
  checkSerial(p.serial, '收文编号');
  return `${p.register}\u3014${p.year}\u3015${p.serial}号`;
}
