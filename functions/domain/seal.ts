/**
 * 用印 (seal): the rules of applying a branch's seal to a signed, numbered document, the stamp on
 * the frozen PDF, and the check that a sealed copy is what was signed. Nothing here knows AWS
 * (adapters/seals.ts keeps the seal's state and the 用印登记簿).
 *
 * The sealed PDF is the signed PDF byte for byte, followed by one incremental update (PDF 32000-1
 * §7.5.6) that adds only the seal: a "q" stream before the page's own content, a stream after it
 * that draws the seal image into the seal box, the image, its graphics state, and the metadata
 * (document information and XMP) naming the signed version's SHA-256 and length. So anyone holding
 * the signed version's hash can check a sealed copy with no other record: the bytes before the
 * update hash to it, and the update adds nothing but the seal (verifySealed).
 */
import { createHash } from 'node:crypto';
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import type { BranchConfig } from './branch-config.js';
import { ROLE_NAMES, type Actor } from './identity.js';
import { Refusal } from './refusal.js';
import { formatTime } from './calendar.js';

export type SealConfig = BranchConfig['seals'][number];

/** Where the seal goes: a box in PDF points on a page (0-based), origin at the page's lower left — the layout's box over 成文日期. */
export interface SealBox {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// ---- rules -------------------------------------------------------------------------------------

export type SealAnomaly = 'lost' | 'damaged';
export const ANOMALY_NAMES: Record<SealAnomaly, string> = { lost: '遗失', damaged: '损坏' };

/** A seal's standing: in use, or suspended after an anomaly (seed 004 §三(三)4: 暂停使用印章). */
export type SealState =
  | { status: 'active'; since?: string }
  | { status: 'suspended'; anomaly: SealAnomaly; reason: string; by: string; byName: string; at: string };

/** The seal of the branch, by id; a 404 naming the branch's seals otherwise. */
export function sealOf(config: BranchConfig, sealId: string): SealConfig {
  const seal = config.seals.find((s) => s.id === sealId);
  if (seal) return seal;
  if (config.seals.length === 0) throw new Refusal(404, '本单位尚未配置印章，请联系管理员在单位配置中添加 seals');
  throw new Refusal(404, `没有印章“${String(sealId).slice(0, 20)}”，可选：${config.seals.map((s) => `${s.name}（${s.id}）`).join('、')}`);
}

/** Only the seal's keeper (监印人) applies it. */
export function checkKeeper(actor: Actor, seal: SealConfig): void {
  if (!actor.roles.some((r) => seal.keeperRoles.includes(r))) {
    throw new Refusal(403, `“${seal.name}”由${seal.keeperRoles.map((r) => ROLE_NAMES[r]).join('或')}用印，您无权加盖`);
  }
}

/** Who may report an anomaly and suspend a seal, or put it back in use: its keepers, the office director, the administrator. */
export function checkSealCustodian(actor: Actor, seal: SealConfig): void {
  if (!actor.roles.some((r) => seal.keeperRoles.includes(r) || r === 'office-director' || r === 'admin')) {
    throw new Refusal(403, `只有${[...seal.keeperRoles.map((r) => ROLE_NAMES[r]), '办公室主任'].join('、')}可以停用或恢复“${seal.name}”`);
  }
}

export function checkUsable(seal: SealConfig, state: SealState): void {
  if (state.status === 'suspended') {
    throw new Refusal(409, `“${seal.name}”已于 ${state.at.slice(0, 10)} 因${ANOMALY_NAMES[state.anomaly]}停用（${state.byName}登记：${state.reason}），不能用印；请改用其他印章或待印章恢复启用`);
  }
}

/** A reason written by a person: trimmed, not empty, not a novel. */
export function checkReason(reason: unknown, what: string): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) throw new Refusal(400, `${what}须说明理由`);
  if (text.length > 500) throw new Refusal(400, `${what}的理由不超过 500 字`);
  return text;
}

export function checkAnomaly(anomaly: unknown): SealAnomaly {
  if (anomaly === 'lost' || anomaly === 'damaged') return anomaly;
  throw new Refusal(400, '印章异常类型应为 lost（遗失）或 damaged（损坏）');
}

export interface Person {
  username: string;
  name: string;
}

/** A 用印申请 as the keeper sees it: the document it is for and the register's fields. */
export interface SealApplication {
  /** Keeps one application from being sealed twice (e.g. the 用印 task's id). */
  applicationId: string;
  docId: string;
  title: string;
  secrecy: string;
  /** 签发: who and when; nothing is sealed before it is signed. */
  signer?: string;
  signedAt?: string;
  /** 发文字号 in force. */
  number?: string;
  /** 用印内容, e.g. the title or "关于…的通知（正式文件）". */
  content: string;
  copies: number;
  approver?: Person;
  applicant?: Person;
}

/** What an application lacks, in the keeper's words (seed 000 §(五)1: 批准手续不完备的，监印人员有权拒绝盖章). */
export function applicationProblems(app: SealApplication): string[] {
  const problems: string[] = [];
  if (!app.signedAt || !app.signer) problems.push('文件尚未签发');
  if (!app.number) problems.push('尚未编发文字号');
  if (!app.content?.trim()) problems.push('未填写用印内容');
  if (!(Number.isSafeInteger(app.copies) && app.copies >= 1)) problems.push('份数应为正整数');
  if (!app.approver?.username) problems.push('缺少批准人');
  if (!app.applicant?.username) problems.push('缺少经办人');
  return problems;
}

/** All rules before a seal is applied: the keeper, the seal in use, a complete application. */
export function checkSealApplication(actor: Actor, seal: SealConfig, state: SealState, app: SealApplication): void {
  checkKeeper(actor, seal);
  checkUsable(seal, state);
  const problems = applicationProblems(app);
  if (problems.length) throw new Refusal(409, `用印申请不完整，不能用印：${problems.join('；')}`, { problems });
}

// ---- the stamp ---------------------------------------------------------------------------------

/** Document information keys the stamp writes (values are text). */
export const SEAL_INFO = {
  signedSha256: 'ChancerySignedSha256',
  signedLength: 'ChancerySignedLength',
  number: 'ChanceryDocumentNumber',
  seal: 'ChancerySeal',
  sealedAt: 'ChancerySealedAt',
  page: 'ChancerySealPage',
} as const;

export interface StampInput {
  /** The frozen PDF of the signed version, exactly as signed. */
  signedPdf: Uint8Array;
  box: SealBox;
  /** The seal image (PNG, transparent around the seal). */
  sealImage: Uint8Array;
  sealName: string;
  number: string;
  sealedAt: string;
  /** Ink opacity: a seal is slightly see-through, multiplied onto the date beneath it. */
  opacity?: number;
}

export interface StampResult {
  pdf: Uint8Array;
  signedSha256: string;
  sealedSha256: string;
}

const enc = new TextEncoder();
const num = (n: number) => String(Math.round(n * 1000) / 1000);

function bytesOf(obj: PDFObject): Uint8Array {
  const buf = new Uint8Array(obj.sizeInBytes());
  obj.copyBytesInto(buf, 0);
  return buf;
}
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameObject = (a: PDFObject | undefined, b: PDFObject | undefined) => (a === undefined || b === undefined ? a === b : sameBytes(bytesOf(a), bytesOf(b)));

/** The refs of a page's content streams, in order (Contents may be a stream ref, an array, or a ref to one). */
function contentRefs(doc: PDFDocument, leaf: PDFDict): PDFRef[] {
  const raw = leaf.get(PDFName.of('Contents'));
  if (raw === undefined) return [];
  if (raw instanceof PDFRef) {
    const target = doc.context.lookup(raw);
    if (target instanceof PDFArray) return target.asArray().filter((r): r is PDFRef => r instanceof PDFRef);
    return [raw];
  }
  if (raw instanceof PDFArray) return raw.asArray().filter((r): r is PDFRef => r instanceof PDFRef);
  return [];
}

/** The page's resources as its drawing sees them (its own or inherited from the page tree). */
function effectiveResources(doc: PDFDocument, leaf: PDFDict): PDFDict | undefined {
  let node: PDFDict | undefined = leaf;
  for (let depth = 0; node && depth < 64; depth++) {
    const res = node.get(PDFName.of('Resources'));
    if (res !== undefined) return doc.context.lookupMaybe(res, PDFDict);
    node = doc.context.lookupMaybe(node.get(PDFName.of('Parent')), PDFDict);
  }
  return undefined;
}

function freshName(taken: PDFDict | undefined, base: string): string {
  for (let i = 1; ; i++) if (!taken?.has(PDFName.of(`${base}${i}`))) return `${base}${i}`;
}

const text = (value: string) => PDFHexString.fromText(value);
function infoText(info: PDFDict | undefined, key: string): string | undefined {
  const v = info?.get(PDFName.of(key));
  return v instanceof PDFString || v instanceof PDFHexString ? v.decodeText() : undefined;
}

const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
function xmp(fields: Record<string, string>): string {
  const props = Object.entries(fields)
    .map(([k, v]) => `   <chancery:${k}>${xmlEscape(v)}</chancery:${k}>`)
    .join('\n');
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:chancery="https://chancery.example/ns/seal/1.0/">
${props}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/** The last `startxref` offset of a PDF, and whether it points at a classic xref table. */
function lastXref(pdf: Uint8Array): { offset: number; classic: boolean } {
  const tail = Buffer.from(pdf.subarray(Math.max(0, pdf.length - 2048))).toString('latin1');
  const all = [...tail.matchAll(/startxref\s+(\d+)/g)];
  if (all.length === 0) throw new Refusal(422, '签发版本的 PDF 结构不完整（找不到交叉引用表），无法用印');
  const offset = Number(all.at(-1)![1]);
  return { offset, classic: Buffer.from(pdf.subarray(offset, offset + 4)).toString('latin1') === 'xref' };
}

/** The /Size of the file's last trailer (or cross-reference stream): one more than its highest object number. */
function trailerSize(pdf: Uint8Array): number {
  const { offset } = lastXref(pdf);
  const section = Buffer.from(pdf.subarray(offset, pdf.length)).toString('latin1');
  const size = /\/Size\s+(\d+)/.exec(section);
  if (!size) throw new Refusal(422, '签发版本的 PDF 结构不完整（交叉引用表缺少 Size），无法用印');
  return Number(size[1]);
}

/**
 * Appends `objects` to `base` as one incremental update, with a cross-reference section of the
 * kind the base file uses (a table, or a cross-reference stream for PDF 1.5 files).
 */
function appendUpdate(base: Uint8Array, doc: PDFDocument, objects: PDFRef[]): Uint8Array {
  const prev = lastXref(base);
  const chunks: Uint8Array[] = [];
  let length = base.length;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    length += b.length;
  };
  if (base[base.length - 1] !== 0x0a) push(enc.encode('\n'));
  const offsets = new Map<number, number>();
  const sorted = [...objects].sort((a, b) => a.objectNumber - b.objectNumber);
  for (const ref of sorted) {
    offsets.set(ref.objectNumber, length);
    push(enc.encode(`${ref.objectNumber} ${ref.generationNumber} obj\n`));
    push(bytesOf(doc.context.lookup(ref)!));
    push(enc.encode('\nendobj\n'));
  }
  const { Root, Info, ID } = doc.context.trailerInfo;
  const largest = Math.max(doc.context.largestObjectNumber, ...sorted.map((r) => r.objectNumber));
  const trailerEntries = `/Root ${Root!.toString()}${Info ? ` /Info ${Info.toString()}` : ''}${ID ? ` /ID ${ID.toString()}` : ''} /Prev ${prev.offset}`;
  const xrefAt = length;
  if (prev.classic) {
    const lines = sorted.map((r) => `${r.objectNumber} 1\n${String(offsets.get(r.objectNumber)).padStart(10, '0')} ${String(r.generationNumber).padStart(5, '0')} n\r\n`).join('');
    push(enc.encode(`xref\n${lines}trailer\n<< /Size ${largest + 1} ${trailerEntries} >>\nstartxref\n${xrefAt}\n%%EOF\n`));
  } else {
    const self = largest + 1;
    offsets.set(self, xrefAt);
    const numbers = [...sorted.map((r) => r.objectNumber), self];
    const rows = new Uint8Array(numbers.length * 7);
    numbers.forEach((n, i) => {
      const at = offsets.get(n)!;
      rows.set([1, (at >>> 24) & 255, (at >>> 16) & 255, (at >>> 8) & 255, at & 255, 0, 0], i * 7);
    });
    push(enc.encode(`${self} 0 obj\n<< /Type /XRef /Size ${self + 1} /W [1 4 2] /Index [${numbers.map((n) => `${n} 1`).join(' ')}] ${trailerEntries} /Length ${rows.length} >>\nstream\n`));
    push(rows);
    push(enc.encode(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`));
  }
  const out = new Uint8Array(length);
  out.set(base, 0);
  let at = base.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Draws the seal image into `box` on the signed PDF and records the signed version's hash, as an
 * incremental update: the signed bytes stay as they are. A PDF already sealed is refused.
 */
export async function stampSeal(input: StampInput): Promise<StampResult> {
  const signedSha256 = sha256Hex(input.signedPdf);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(input.signedPdf, { updateMetadata: false });
  } catch {
    throw new Refusal(422, '签发版本不是有效的 PDF 文件，无法用印');
  }
  const ctx = doc.context;
  const existingInfo = ctx.trailerInfo.Info instanceof PDFRef ? ctx.lookupMaybe(ctx.trailerInfo.Info, PDFDict) : undefined;
  if (infoText(existingInfo, SEAL_INFO.signedSha256)) throw new Refusal(409, '该文件已加盖印章，不能重复用印');
  const { box } = input;
  const pages = doc.getPages();
  if (!Number.isInteger(box.page) || box.page < 0 || box.page >= pages.length) throw new Refusal(400, `用印位置的页码超出范围：文件共 ${pages.length} 页`);
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite) || box.width <= 0 || box.height <= 0) throw new Refusal(400, '用印位置无效：宽和高应为正数');
  const opacity = input.opacity ?? 0.9;
  if (!(opacity > 0 && opacity <= 1)) throw new Refusal(400, '印章不透明度应在 0 到 1 之间');
  const page = pages[box.page];
  const leaf = page.node;
  // New objects take numbers above the file's /Size: pdf-lib does not count the object streams and
  // cross-reference streams it parsed, and reusing one of their numbers would break the file.
  ctx.largestObjectNumber = Math.max(ctx.largestObjectNumber, trailerSize(input.signedPdf) - 1);
  const firstNew = ctx.largestObjectNumber + 1;

  const image = await doc.embedPng(input.sealImage).catch(() => {
    throw new Refusal(422, '印章图片不是有效的 PNG 文件，请联系管理员更换印章图片');
  });
  await image.embed();
  const gs = ctx.register(ctx.obj({ Type: 'ExtGState', ca: opacity, CA: opacity, BM: 'Multiply' }));

  // Resources: a new dict for this page (the old one may be shared with other pages), every old
  // entry kept, the image and its graphics state added under names not taken.
  const oldRes = effectiveResources(doc, leaf);
  const res = ctx.obj({});
  for (const [k, v] of oldRes?.entries() ?? []) res.set(k, v);
  const grown = (key: string, base: string, value: PDFRef) => {
    const old = oldRes ? ctx.lookupMaybe(oldRes.get(PDFName.of(key)), PDFDict) : undefined;
    const sub = ctx.obj({});
    for (const [k, v] of old?.entries() ?? []) sub.set(k, v);
    const name = freshName(old, base);
    sub.set(PDFName.of(name), value);
    res.set(PDFName.of(key), sub);
    return name;
  };
  const imageName = grown('XObject', 'ChancerySeal', image.ref);
  const gsName = grown('ExtGState', 'ChancerySealGS', gs);
  leaf.set(PDFName.of('Resources'), res);

  // The page's own content runs inside q … Q, so whatever state it leaves, the seal is drawn in page space.
  const open = ctx.register(ctx.stream('q\n'));
  const draw = ctx.register(ctx.stream(`Q\nq\n/${gsName} gs\n${num(box.width)} 0 0 ${num(box.height)} ${num(box.x)} ${num(box.y)} cm\n/${imageName} Do\nQ\n`));
  leaf.set(PDFName.of('Contents'), ctx.obj([open, ...contentRefs(doc, leaf), draw]));

  const info = existingInfo ?? ctx.obj({});
  const facts = { signedSha256, signedLength: String(input.signedPdf.length), number: input.number, seal: input.sealName, sealedAt: input.sealedAt, page: String(box.page + 1) };
  for (const [field, key] of Object.entries(SEAL_INFO)) info.set(PDFName.of(key), text(facts[field as keyof typeof facts]));
  const changed: PDFRef[] = [page.ref];
  if (existingInfo) changed.push(ctx.trailerInfo.Info as PDFRef);
  else ctx.trailerInfo.Info = ctx.register(info);

  const metadata = ctx.register(ctx.stream(enc.encode(xmp(facts)), { Type: 'Metadata', Subtype: 'XML' }));
  doc.catalog.set(PDFName.of('Metadata'), metadata);
  changed.push(ctx.trailerInfo.Root as PDFRef);

  const added = ctx.enumerateIndirectObjects().filter(([ref]) => ref.objectNumber >= firstNew).map(([ref]) => ref);
  const pdf = appendUpdate(input.signedPdf, doc, [...new Set([...changed, ...added])]);
  return { pdf, signedSha256, sealedSha256: sha256Hex(pdf) };
}

// ---- verification ------------------------------------------------------------------------------

export type SealMismatch = 'not-sealed' | 'hash' | 'content' | 'changed-after-seal';

export type SealVerification =
  | { ok: true; number: string; seal: string; sealedAt: string; page: number; explanation: string }
  | { ok: false; mismatch: SealMismatch; page?: number; explanation: string };

const short = (hash: string) => `${hash.slice(0, 12)}…`;
const fail = (mismatch: SealMismatch, explanation: string, page?: number): SealVerification => ({ ok: false, mismatch, explanation, ...(page === undefined ? {} : { page }) });

function decoded(doc: PDFDocument, ref: PDFObject | undefined): string | undefined {
  const stream = ref instanceof PDFRef ? doc.context.lookup(ref) : undefined;
  if (!(stream instanceof PDFRawStream)) return undefined;
  try {
    return Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
  } catch {
    return undefined;
  }
}

const SEAL_DRAWING = /^\s*Q\s+q\s+\/(\S+)\s+gs\s+(?:-?[\d.]+\s+){6}cm\s+\/(\S+)\s+Do\s+Q\s*$/;

/**
 * What the seal's update did to one page, or why it is more than a seal: the page's content runs
 * unchanged between a new "q" and a new stream that only draws a new image, and its resources
 * only gained that image and its graphics state.
 */
function checkSealedPage(signed: PDFDocument, sealed: PDFDocument, ref: PDFRef, isNew: (r: PDFObject | undefined) => boolean): string | undefined {
  const before = signed.context.lookupMaybe(ref, PDFDict);
  const after = sealed.context.lookupMaybe(ref, PDFDict);
  if (!before || !after) return '页面对象被替换';
  const skip = new Set(['/Contents', '/Resources']);
  const keys = (d: PDFDict) => d.keys().map(String).filter((k) => !skip.has(k)).sort();
  if (keys(before).join() !== keys(after).join() || keys(before).some((k) => !sameObject(before.get(PDFName.of(k.slice(1))), after.get(PDFName.of(k.slice(1)))))) return '页面属性被改动';
  const oldContents = contentRefs(signed, before);
  const raw = after.get(PDFName.of('Contents'));
  const newContents = raw instanceof PDFArray ? raw.asArray() : [];
  const middle = newContents.slice(1, -1);
  if (newContents.length !== oldContents.length + 2 || middle.some((r, i) => r !== oldContents[i] && String(r) !== String(oldContents[i]))) return '页面内容被改动';
  const [first, last] = [newContents[0], newContents.at(-1)];
  if (!isNew(first) || !isNew(last) || decoded(sealed, first)?.trim() !== 'q') return '页面内容被改动';
  const drawing = SEAL_DRAWING.exec(decoded(sealed, last) ?? '');
  if (!drawing) return '页面上加入了印章以外的内容';
  const [, gsName, imageName] = drawing;
  const oldRes = effectiveResources(signed, before);
  const newRes = sealed.context.lookupMaybe(after.get(PDFName.of('Resources')), PDFDict);
  if (!newRes) return '页面资源被改动';
  const allowed: Record<string, string> = { '/XObject': imageName, '/ExtGState': gsName };
  for (const key of new Set([...(oldRes?.keys() ?? []), ...newRes.keys()].map(String))) {
    const name = PDFName.of(key.slice(1));
    if (!(key in allowed)) {
      if (!sameObject(oldRes?.get(name), newRes.get(name))) return '页面资源被改动';
      continue;
    }
    const oldSub = oldRes ? signed.context.lookupMaybe(oldRes.get(name), PDFDict) : undefined;
    const newSub = sealed.context.lookupMaybe(newRes.get(name), PDFDict);
    if (!newSub) return '页面资源被改动';
    for (const k of new Set([...(oldSub?.keys() ?? []), ...newSub.keys()].map(String))) {
      const entry = PDFName.of(k.slice(1));
      if (oldSub?.has(entry)) {
        if (!sameObject(oldSub.get(entry), newSub.get(entry))) return '页面资源被改动';
      } else if (k !== `/${allowed[key]}` || !isNew(newSub.get(entry))) return '页面资源被改动';
    }
    const added = newSub.get(PDFName.of(allowed[key]));
    if (key === '/XObject' && String(sealed.context.lookupMaybe(added, PDFStream)?.dict.get(PDFName.of('Subtype'))) !== '/Image') return '印章不是图片';
  }
  return undefined;
}

/** The 发文字号 a PDF sealed by Chancery says it bears, or undefined for any other file. */
export async function sealedNumberOf(pdf: Uint8Array): Promise<string | undefined> {
  try {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const infoRef = doc.context.trailerInfo.Info;
    const info = infoRef instanceof PDFRef ? doc.context.lookupMaybe(infoRef, PDFDict) : undefined;
    return infoText(info, SEAL_INFO.number) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a sealed PDF against the SHA-256 of the signed version it should come from: the hash it
 * carries, the signed bytes it starts with, and that what follows them adds the seal and nothing
 * else. The answer says in Chinese what matched or which part did not.
 */
export async function verifySealed(sealedPdf: Uint8Array, signedSha256: string, opts: { timeZone?: string } = {}): Promise<SealVerification> {
  const expected = signedSha256.trim().toLowerCase();
  let sealed: PDFDocument;
  try {
    sealed = await PDFDocument.load(sealedPdf, { updateMetadata: false });
  } catch {
    return fail('not-sealed', '该文件不是有效的 PDF，无法核验。');
  }
  const infoRef = sealed.context.trailerInfo.Info;
  const info = infoRef instanceof PDFRef ? sealed.context.lookupMaybe(infoRef, PDFDict) : undefined;
  const carried = infoText(info, SEAL_INFO.signedSha256);
  const length = Number(infoText(info, SEAL_INFO.signedLength));
  if (!carried || !Number.isSafeInteger(length) || length <= 0 || length >= sealedPdf.length) {
    return fail('not-sealed', '未找到用印信息：该文件不是经本系统用印的文件，或用印信息已被删除。');
  }
  if (carried !== expected) {
    return fail('hash', `用印文件注明的签发版本（SHA-256 ${short(carried)}）与所核对的签发版本（${short(expected)}）不是同一版本。`);
  }
  const prefix = sealedPdf.subarray(0, length);
  if (sha256Hex(prefix) !== expected) {
    return fail('content', '文件内容与签发版本不一致：用印文件中签发版本部分的内容已被改动（例如页面被修改或文件被重新保存）。');
  }
  const tail = Buffer.from(sealedPdf.subarray(length)).toString('latin1');
  if ((tail.match(/%%EOF/g) ?? []).length !== 1 || !/%%EOF\s*$/.test(tail)) {
    return fail('changed-after-seal', '用印后文件又被追加修改：印章之后还有其他更新。');
  }
  const signed = await PDFDocument.load(prefix, { updateMetadata: false });
  const existed = new Set(signed.context.enumerateIndirectObjects().map(([ref]) => ref.tag));
  const isNew = (r: PDFObject | undefined) => r instanceof PDFRef && !existed.has(r.tag);
  const pageIndex = new Map(sealed.getPages().map((p, i) => [p.ref.tag, i]));
  const sealPage = Number(infoText(info, SEAL_INFO.page)) - 1;
  const rootRef = sealed.context.trailerInfo.Root as PDFRef;
  for (const [ref, obj] of sealed.context.enumerateIndirectObjects()) {
    if (!existed.has(ref.tag)) continue;
    const before = signed.context.lookup(ref);
    if (sameObject(before, obj)) continue;
    if (infoRef instanceof PDFRef && ref.tag === infoRef.tag) continue; // metadata only
    if (ref.tag === rootRef.tag && before instanceof PDFDict && obj instanceof PDFDict) {
      const keys = (d: PDFDict) => d.keys().map(String).filter((k) => k !== '/Metadata').sort();
      if (keys(before).join() === keys(obj).join() && keys(before).every((k) => sameObject(before.get(PDFName.of(k.slice(1))), obj.get(PDFName.of(k.slice(1)))))) continue;
      return fail('changed-after-seal', '用印后文件的文档结构被改动（不只是加盖印章）。');
    }
    const page = pageIndex.get(ref.tag);
    if (page === undefined) return fail('changed-after-seal', '用印后文件中签发版本的内容对象被替换，与签发版本不符。');
    const problem = page === sealPage ? checkSealedPage(signed, sealed, ref, isNew) : '该页不是用印页，却被改动';
    if (problem) return fail('changed-after-seal', `第 ${page + 1} 页在用印时或用印后被改动：${problem}。`, page + 1);
  }
  const number = infoText(info, SEAL_INFO.number) ?? '';
  const seal = infoText(info, SEAL_INFO.seal) ?? '';
  const sealedAt = infoText(info, SEAL_INFO.sealedAt) ?? '';
  return {
    ok: true,
    number,
    seal,
    sealedAt,
    page: sealPage + 1,
    explanation: `核验通过：本件是签发版本（SHA-256 ${short(expected)}）原样加盖“${seal}”所得，发文字号 ${number}，用印时间 ${opts.timeZone && sealedAt ? formatTime(sealedAt, opts.timeZone) : sealedAt}；除第 ${sealPage + 1} 页加盖的印章外，内容与签发版本完全一致。`,
  };
}
