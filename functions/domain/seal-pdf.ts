/**
 * The stamp and the check of 用印 (see seal.ts, which loads this module on first use): the seal
 * drawn onto the signed PDF as one incremental update, and a sealed copy checked against the
 * signed version's hash.
 */
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import { formatTime } from './calendar.js';
import { Refusal } from './refusal.js';
import { SEAL_INFO, sha256Hex, type SealMismatch, type SealVerification, type StampInput, type StampResult } from './seal.js';

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

// ---- verification ------------------------------------------------------------------------------

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
