/**
 * 用印 on the PDF (functions/domain/seal.ts): the seal image drawn into the box over 成文日期, the
 * signed version's hash carried in the metadata, and verification that catches a sealed copy
 * changed in any way but the seal. The sealed page is rendered to test-artifacts/seal/ to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, rgb, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { loadBranchConfig } from '../../infra/branch-config.js';
import type { Actor } from '../../functions/domain/identity.js';
import { embedCjkFont } from '../../functions/domain/slip-pdf.js';
import { renderOutgoingPdf } from '../../functions/domain/gbt9704-pdf.js';
import { notice } from './gbt9704-samples.js';
import { Refusal } from '../../functions/domain/refusal.js';
import { checkReason, checkSealApplication, sealOf, sha256Hex, stampSeal, verifySealed, type SealApplication, type SealBox } from '../../functions/domain/seal.js';

const sealImage = readFileSync('infra/branches/seals/hq-company.png');
// The box over 成文日期 as the layout returns it: a 42 mm seal centred on the date, the date a little below its centre.
const box: SealBox = { page: 1, x: 376, y: 262, width: 119, height: 119 };

/** A two-page signed document: body text, then 署名 and 成文日期 on the second page. */
async function signedPdf(useObjectStreams: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await embedCjkFont(doc);
  const p1 = doc.addPage([595.28, 841.89]);
  p1.drawText('关于做好2026年安全生产工作的通知', { x: 100, y: 700, size: 22, font });
  p1.drawText('各科室：请认真贯彻落实。', { x: 80, y: 640, size: 16, font });
  const p2 = doc.addPage([595.28, 841.89]);
  p2.drawText('中管实业有限公司', { x: 360, y: 330, size: 16, font });
  p2.drawText('2026年11月24日', { x: 380, y: 300, size: 16, font });
  return doc.save({ useObjectStreams });
}

const lastStream = (doc: PDFDocument, page: number) => {
  const contents = doc.getPage(page).node.get(PDFName.of('Contents')) as PDFArray;
  const ref = contents.get(contents.size() - 1) as PDFRef;
  return Buffer.from(decodePDFRawStream(doc.context.lookup(ref) as PDFRawStream).decode()).toString('latin1');
};

describe.each([
  ['a cross-reference stream (PDF 1.5, pdf-lib default)', true],
  ['a classic cross-reference table', false],
])('stamping a signed PDF with %s', (_label, useObjectStreams) => {
  it('draws the seal image at the box, keeps the signed bytes, carries the hash, and verifies', async () => {
    const signed = await signedPdf(useObjectStreams);
    const { pdf, signedSha256, sealedSha256 } = await stampSeal({ signedPdf: signed, box, sealImage, sealName: '公司印章', number: '管司发〔2026〕7号', sealedAt: '2026-11-24T03:00:00.000Z' });
    expect(signedSha256).toBe(sha256Hex(signed));
    expect(sealedSha256).toBe(sha256Hex(pdf));
    // The signed version, byte for byte, then one update.
    expect(Buffer.from(pdf.subarray(0, signed.length)).equals(Buffer.from(signed))).toBe(true);

    const doc = await PDFDocument.load(pdf);
    const res = doc.getPage(1).node.get(PDFName.of('Resources')) as PDFDict;
    const xobjects = doc.context.lookup(res.get(PDFName.of('XObject')), PDFDict);
    const image = doc.context.lookup(xobjects.get(PDFName.of('ChancerySeal1'))) as PDFRawStream;
    expect(String(image.dict.get(PDFName.of('Subtype')))).toBe('/Image');
    // The image's matrix puts it exactly into the box: w 0 0 h x y cm.
    const drawing = lastStream(doc, 1);
    const m = /([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm\s+\/ChancerySeal1 Do/.exec(drawing)!;
    expect(m.slice(1).map(Number)).toEqual([box.width, box.height, box.x, box.y].map((v) => Math.round(v * 1000) / 1000));
    expect(drawing).toMatch(/\/ChancerySealGS1 gs/);
    const gs = doc.context.lookup(doc.context.lookup(res.get(PDFName.of('ExtGState')), PDFDict).get(PDFName.of('ChancerySealGS1')), PDFDict);
    expect(String(gs.get(PDFName.of('BM')))).toBe('/Multiply');
    // The first page is untouched.
    expect(doc.getPage(0).node.get(PDFName.of('Resources'))).toBeDefined();
    expect((doc.getPage(0).node.get(PDFName.of('Contents')) as any).size?.() ?? 1).toBe(1);
    // Metadata: document information and XMP.
    const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
    expect((info.get(PDFName.of('ChancerySignedSha256')) as any).decodeText()).toBe(signedSha256);
    const xmp = Buffer.from((doc.context.lookup(doc.catalog.get(PDFName.of('Metadata'))) as PDFRawStream).contents).toString('utf8');
    expect(xmp).toContain(`<chancery:signedSha256>${signedSha256}</chancery:signedSha256>`);
    expect(xmp).toContain('<chancery:number>管司发〔2026〕7号</chancery:number>');

    const verdict = await verifySealed(pdf, signedSha256);
    expect(verdict).toMatchObject({ ok: true, number: '管司发〔2026〕7号', seal: '公司印章', page: 2 });
    expect(verdict.explanation).toContain('核验通过');

    // Poppler reads the update as any viewer would: the sealed page, for a person to look at.
    const dir = 'test-artifacts/seal';
    mkdirSync(dir, { recursive: true });
    const name = useObjectStreams ? 'sealed-xref-stream' : 'sealed-xref-table';
    writeFileSync(join(dir, `${name}.pdf`), pdf);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '2', '-l', '2', '-singlefile', join(dir, `${name}.pdf`), join(dir, name)]);
    const png = readFileSync(join(dir, `${name}.png`));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});

it('seals the GB/T 9704 layout’s own PDF at the box it returns over 成文日期', async () => {
  const rendered = await renderOutgoingPdf(notice);
  const { pdf, signedSha256 } = await stampSeal({ signedPdf: rendered.pdf, box: rendered.sealBox, sealImage, sealName: '公司印章', number: notice.documentNumber!, sealedAt: '2026-05-20T03:00:00.000Z' });
  expect(await verifySealed(pdf, signedSha256)).toMatchObject({ ok: true, page: rendered.sealBox.page + 1 });
  const dir = 'test-artifacts/seal';
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'layout-notice-sealed.pdf'), pdf);
  const page = String(rendered.sealBox.page + 1);
  execFileSync('pdftoppm', ['-png', '-r', '72', '-f', page, '-l', page, '-singlefile', join(dir, 'layout-notice-sealed.pdf'), join(dir, 'layout-notice-sealed')]);
  expect(readFileSync(join(dir, 'layout-notice-sealed.png')).subarray(1, 4).toString()).toBe('PNG');
}, 60_000);

describe('verifying a sealed copy', () => {
  const sealedOf = async (useObjectStreams = false) => {
    const signed = await signedPdf(useObjectStreams);
    return { signed, ...(await stampSeal({ signedPdf: signed, box, sealImage, sealName: '公司印章', number: '管司发〔2026〕7号', sealedAt: '2026-11-24T03:00:00.000Z' })) };
  };

  it('names a different signed version', async () => {
    const { pdf } = await sealedOf();
    const other = sha256Hex(await signedPdf(true));
    expect(await verifySealed(pdf, other)).toMatchObject({ ok: false, mismatch: 'hash', explanation: expect.stringContaining('不是同一版本') });
  });

  it('catches a page changed and the file saved again', async () => {
    const { pdf, signedSha256 } = await sealedOf();
    const doc = await PDFDocument.load(pdf);
    doc.getPage(0).drawText('ADDED', { x: 80, y: 600, size: 16, font: await doc.embedFont(StandardFonts.Helvetica), color: rgb(0, 0, 0) });
    expect(await verifySealed(await doc.save(), signedSha256)).toMatchObject({ ok: false, mismatch: 'content' });
  });

  /** An update appended after the seal that replaces page 1's content stream with other text. */
  function replacePageContent(pdf: Uint8Array, signed: Uint8Array, merge: boolean): Uint8Array {
    const text = Buffer.from(pdf).toString('latin1');
    const contentRef = /\/Contents \[ (\d+) 0 R \]/.exec(Buffer.from(signed).toString('latin1'))![1];
    const root = /\/Root (\d+ \d+ R)/.exec(text)![1];
    const info = [...text.matchAll(/\/Info (\d+ \d+ R)/g)].at(-1)![1];
    const prev = Number([...text.matchAll(/startxref\s+(\d+)/g)].at(-1)![1]);
    const size = Number([...text.matchAll(/\/Size (\d+)/g)].at(-1)![1]);
    // Merged: the seal's own end marker is dropped, so the file still ends in a single update.
    let base = merge ? text.replace(/startxref\s+\d+\s+%%EOF\s*$/, '') : text;
    const stream = 'BT /F1 16 Tf 80 640 Td (forged) Tj ET';
    const at = base.length;
    base += `${contentRef} 0 obj\n<< /Length ${stream.length} >>\nstream\n${stream}\nendstream\nendobj\n`;
    const xref = base.length;
    base += `xref\n${contentRef} 1\n${String(at).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size ${size} /Root ${root} /Info ${info} /Prev ${prev} >>\nstartxref\n${xref}\n%%EOF\n`;
    return new Uint8Array(Buffer.from(base, 'latin1'));
  }

  it('catches a page changed by an update appended after the seal', async () => {
    const { pdf, signed, signedSha256 } = await sealedOf(false);
    expect(await verifySealed(replacePageContent(pdf, signed, false), signedSha256)).toMatchObject({ ok: false, mismatch: 'changed-after-seal' });
    const merged = await verifySealed(replacePageContent(pdf, signed, true), signedSha256);
    expect(merged).toMatchObject({ ok: false, mismatch: 'changed-after-seal' });
    expect(merged.explanation).toContain('内容对象被替换');
  });

  it('says an unsealed file carries no seal, and refuses to seal twice', async () => {
    const signed = await signedPdf(true);
    expect(await verifySealed(signed, sha256Hex(signed))).toMatchObject({ ok: false, mismatch: 'not-sealed' });
    const { pdf } = await stampSeal({ signedPdf: signed, box, sealImage, sealName: '公司印章', number: '管司发〔2026〕7号', sealedAt: '2026-11-24T03:00:00.000Z' });
    await expect(stampSeal({ signedPdf: pdf, box, sealImage, sealName: '公司印章', number: '管司发〔2026〕7号', sealedAt: '2026-11-24T03:00:00.000Z' })).rejects.toMatchObject({ status: 409, message: '该文件已加盖印章，不能重复用印' });
    await expect(stampSeal({ signedPdf: signed, box: { ...box, page: 5 }, sealImage, sealName: '公司印章', number: 'x', sealedAt: 'x' })).rejects.toMatchObject({ status: 400, message: '用印位置的页码超出范围：文件共 2 页' });
  });
});

describe('the rules of 用印', () => {
  const config = loadBranchConfig('hq');
  const seal = sealOf(config, 'company');
  const keeper: Actor = { username: 'wangfang', name: '王芳', roles: ['clerk'], department: 'BGS', clearance: '机密' };
  const app: SealApplication = {
    applicationId: 'a1',
    docId: 'd1',
    title: '关于做好2026年安全生产工作的通知',
    secrecy: '非密',
    signer: 'zhaomin',
    signedAt: '2026-11-23T08:00:00.000Z',
    number: '管司发〔2026〕7号',
    content: '关于做好2026年安全生产工作的通知',
    copies: 30,
    approver: { username: 'zhaomin', name: '赵敏' },
    applicant: { username: 'zhoujie', name: '周杰' },
  };
  const refusal = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return e as Refusal;
    }
    throw new Error('not refused');
  };

  it('lets the keeper seal a complete application of a signed, numbered document', () => {
    expect(() => checkSealApplication(keeper, seal, { status: 'active' }, app)).not.toThrow();
  });

  it('refuses a suspended seal, naming why and who reported it', () => {
    const r = refusal(() => checkSealApplication(keeper, seal, { status: 'suspended', anomaly: 'lost', reason: '印章盒失窃', by: 'liqiang', byName: '李强', at: '2026-11-20T01:00:00.000Z' }, app));
    expect(r).toBeInstanceOf(Refusal);
    expect(r).toMatchObject({ status: 409, message: '“公司印章”已于 2026-11-20 因遗失停用（李强登记：印章盒失窃），不能用印；请改用其他印章或待印章恢复启用' });
  });

  it('refuses what is not signed or numbered, or lacks the register’s fields, all at once', () => {
    const r = refusal(() => checkSealApplication(keeper, seal, { status: 'active' }, { ...app, signedAt: undefined, number: undefined, approver: undefined, copies: 0 }));
    expect(r).toMatchObject({ status: 409, message: '用印申请不完整，不能用印：文件尚未签发；尚未编发文字号；份数应为正整数；缺少批准人' });
  });

  it('lets only a keeper seal, and a refusal needs a reason', () => {
    expect(refusal(() => checkSealApplication({ ...keeper, roles: ['staff'] }, seal, { status: 'active' }, app))).toMatchObject({ status: 403, message: '“公司印章”由监印人或文书用印，您无权加盖' });
    expect(refusal(() => checkReason('  ', '拒绝用印'))).toMatchObject({ status: 400, message: '拒绝用印须说明理由' });
    expect(checkReason(' 缺少领导签批 ', '拒绝用印')).toBe('缺少领导签批');
    expect(refusal(() => sealOf(config, 'finance'))).toMatchObject({ status: 404, message: '没有印章“finance”，可选：公司印章（company）、党委印章（party）' });
  });
});
