/**
 * 附件 against the real local services: a file is uploaded by a presigned PUT (POST /uploads),
 * then named by POST /documents (attachments, or the request itself as `file`) and by 办理反馈;
 * each is parsed, pinned under originals/<docId>/, listed with download links, and archived with
 * its SHA-256 checked. A bad file is refused with its name and set aside; nobody uses another's upload.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realDocx, realPdf, realPng, realXlsx } from '../fixtures/scans.js';
import { repoRoot } from '../../infra/local/wiring.js';
import { archiveBucket, archivePackage, decideNext, inboxBucket, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  txt: 'text/plain',
};

/** What a client does: ask for a link, PUT the bytes to it. */
async function upload(user: string, fileName: string, bytes: Uint8Array): Promise<string> {
  const asked = await h.api(user, 'POST', '/uploads', { fileName, contentType: TYPES[fileName.split('.').pop()!], size: bytes.length });
  expect(asked.status, JSON.stringify(asked.body)).toBe(200);
  expect(asked.body).toMatchObject({ method: 'PUT', uploadId: expect.stringMatching(/^[0-9a-f]{22}$/) });
  expect(new URL(asked.body.url).pathname).toContain(`/uploads/${user}/${asked.body.uploadId}`);
  const put = await fetch(asked.body.url, { method: 'PUT', headers: asked.body.headers, body: bytes });
  expect(put.status, await put.clone().text()).toBe(200);
  return asked.body.uploadId;
}

async function download(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { bytes: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') ?? '' };
}

const bytesOf = async (bucket: string, key: string) => new Uint8Array(await (await h.local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());

describe('the local S3', () => {
  it('takes a presigned PUT and refuses to replace an object written with If-None-Match: *', async () => {
    const bucket = inboxBucket(h.local);
    await h.local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'originals/test/once.txt', Body: 'first', IfNoneMatch: '*' }));
    const second = h.local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'originals/test/once.txt', Body: 'second', IfNoneMatch: '*' }));
    await expect(second).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect(Buffer.from(await bytesOf(bucket, 'originals/test/once.txt')).toString()).toBe('first');
  });
});

describe('POST /uploads', () => {
  it('refuses what cannot be an attachment, in Chinese', async () => {
    const ask = (body: unknown) => h.api('liuyang', 'POST', '/uploads', body);
    expect((await ask({ fileName: 'a.exe', contentType: 'application/pdf', size: 10 })).body.message).toContain('只接受');
    expect((await ask({ fileName: 'a.pdf', contentType: 'text/html', size: 10 })).body.message).toContain('application/pdf');
    const big = await ask({ fileName: 'a.pdf', contentType: 'application/pdf', size: 60 * 1024 * 1024 });
    expect(big.status).toBe(413);
    expect(big.body.message).toContain('超过上限 50 MB');
    expect((await ask({ fileName: 'a.pdf', contentType: 'application/pdf', size: -1 })).status).toBe(400);
    expect((await ask({ fileName: 'a.pdf', contentType: 'application/pdf', size: 1, extra: 1 })).body.message).toContain('不认识的字段');
  });
});

describe('POST /documents with uploads', () => {
  let docId: string;
  const body = { pdf: undefined as unknown as Uint8Array, docx: realDocx('关于购置测量仪器的请示正文'), xlsx: realXlsx() };

  it('submits a request as a file with two attachments; the links give back the very bytes', async () => {
    body.pdf = await realPdf('attachment', 2);
    const file = await upload('liuyang', '请示正文.docx', body.docx);
    const quote = await upload('liuyang', '报价单.pdf', body.pdf);
    const budget = await upload('liuyang', '预算表.xlsx', body.xlsx);
    const res = await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: '关于购置测量仪器的请示', file, attachments: [quote, budget] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    docId = res.body.docId;
    await h.local.settle();

    const view = (await h.api('liuyang', 'GET', `/documents/${docId}`)).body;
    expect(view.document.content).toBeUndefined();
    expect(view.document.scan).toMatchObject({ key: `originals/${docId}/original.docx`, fileName: '请示正文.docx', contentType: TYPES.docx });
    expect(view.attachments.map((a: any) => a.name)).toEqual(['报价单.pdf', '预算表.xlsx']);
    expect(view.attachments[0]).toMatchObject({ contentType: 'application/pdf', size: body.pdf.length, uploadedBy: 'liuyang', uploadedByName: '刘洋' });
    for (const [a, bytes] of [[view.attachments[0], body.pdf], [view.attachments[1], body.xlsx]] as const) {
      const got = await download(a.url);
      expect(Buffer.from(got.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(got.type).toBe(a.contentType);
      expect(got.disposition).toBe(`attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`);
    }
    const scan = (await h.api('liuyang', 'GET', `/documents/${docId}/scan`)).body;
    expect(Buffer.from((await download(scan.url)).bytes).equals(Buffer.from(body.docx))).toBe(true);
    expect(view.timeline.find((e: any) => e.action === 'document.submitted').details.files).toHaveLength(3);
    expect(view.audit.verification.ok).toBe(true);

    // Pinned under the document's own keys; the same upload cannot be used twice.
    const keys = ((await h.local.s3.send(new ListObjectsV2Command({ Bucket: inboxBucket(h.local), Prefix: `originals/${docId}/` }))).Contents ?? []).map((o) => o.Key);
    expect(keys).toEqual([`originals/${docId}/attachments/${quote}.pdf`, `originals/${docId}/attachments/${budget}.xlsx`, `originals/${docId}/original.docx`].sort());
    const again = await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: 'x', content: 'x', attachments: [quote] });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('报价单.pdf');
  });

  it('refuses a truncated PDF naming it, and keeps it aside with its reason', async () => {
    const pdf = await realPdf('cut');
    const cut = await upload('liuyang', '现场照片说明.pdf', pdf.subarray(0, pdf.length - 60));
    const good = await upload('liuyang', '照片.png', realPng());
    const res = await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: '关于维修的请示', content: '见附件', attachments: [good, cut] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^附件 现场照片说明\.pdf 不是完整的 PDF 文件：/);
    const rejected = (await h.api('wangfang', 'GET', '/rejected-uploads')).body.items.find((r: any) => r.fileName === '现场照片说明.pdf');
    expect(rejected).toMatchObject({ code: 'corrupt', uploadedBy: 'liuyang', objectKey: `uploads/liuyang/${cut}` });
    expect(rejected.rejectedKey).toMatch(/^rejected\//);
    expect((await bytesOf(rejected.bucket, rejected.rejectedKey)).length).toBe(pdf.length - 60);
    // Refused for good; the sound upload of the same request is still there to use.
    expect((await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: 'x', content: 'x', attachments: [cut] })).body.message).toContain('不是完整的 PDF 文件');
    const retry = await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: '关于维修的请示', content: '见附件', attachments: [good] });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
  });

  it("refuses someone else's upload (403), unknown ones and malformed fields", async () => {
    const mine = await upload('liuyang', '说明.txt', Buffer.from('说明文字\n', 'utf8'));
    const res = await h.api('zhoujie', 'POST', '/documents', { route: 'request-general', title: 'x', content: 'x', attachments: [mine] });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('不是您上传的文件');
    expect((await h.api('zhoujie', 'POST', '/documents', { route: 'request-general', title: 'x', file: mine })).status).toBe(403);
    expect((await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: 'x', content: 'x', attachments: ['0'.repeat(22)] })).status).toBe(404);
    const bad = await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: 'x', content: 'x', attachments: ['../x'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('上传号');
    expect((await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: 'x', content: 'x', file: mine })).body.message).toContain('二者选一');
    expect((await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: 'x' })).body.message).toContain('二者选一');
    expect((await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: 'x', content: 'x', attachments: Array.from({ length: 21 }, (_, i) => i.toString(16).padStart(22, '0')) })).body.message).toContain('最多 20 个');
  });

  it('the requester reports with an attachment (办理反馈) while executing; the filed package holds every attachment', async () => {
    await decideNext(h, 'sunwei', docId, { opinion: '同意购置', outcome: 'approve' });
    // 办理反馈 belongs to a handling step: here the requester's 答复执行.
    const task = ((await h.api('liuyang', 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId);
    expect(task.step).toBe('execute');
    const minutes = Buffer.from('专题研究纪要：同意购置。\n', 'utf8');
    const note = await upload('liuyang', '研究纪要.txt', minutes);
    const res = await h.api('liuyang', 'POST', `/tasks/${task.taskId}/progress`, { note: '已与财务科核对预算', attachments: [note] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await h.api('liuyang', 'GET', `/tasks/${task.taskId}`)).body.progress[0]).toMatchObject({ note: '已与财务科核对预算', attachments: [{ uploadId: note, name: '研究纪要.txt' }] });
    const view = (await h.api('liuyang', 'GET', `/documents/${docId}`)).body;
    expect(view.attachments[2]).toMatchObject({ name: '研究纪要.txt', taskId: task.taskId, stepName: task.stepName, contentType: 'text/plain; charset=utf-8' });
    expect(Buffer.from((await download(view.attachments[2].url)).bytes).equals(minutes)).toBe(true);
    expect(view.slip.find((l: any) => l.opinion === '办理反馈：已与财务科核对预算').details).toEqual([{ label: '附件', value: '研究纪要.txt' }]);
    // Someone else's upload is refused on a 办理反馈 too.
    const foreign = await upload('sunwei', '别人的.txt', Buffer.from('x', 'utf8'));
    expect((await h.api('liuyang', 'POST', `/tasks/${task.taskId}/progress`, { note: 'x', attachments: [foreign] })).status).toBe(403);

    await decideNext(h, 'liuyang', docId, { opinion: '已购置并验收' });
    await decideNext(h, 'liuyang', docId, { retention: 'D10' });
    const filed = (await h.api('liuyang', 'GET', `/documents/${docId}`)).body.document;
    expect(filed.status).toBe('filed');
    const listed = ((await h.local.s3.send(new ListObjectsV2Command({ Bucket: archiveBucket(h.local), Prefix: filed.archive.prefix }))).Contents ?? []).map((o) => o.Key!.slice(filed.archive.prefix.length));
    // The package holds the small files; the attachments lie beside it, each its own object.
    expect(listed.sort()).toEqual(['attachments/01-报价单.pdf', 'attachments/02-预算表.xlsx', 'attachments/03-研究纪要.txt', 'package.tar']);
    const pkg = await archivePackage(h.local.s3, archiveBucket(h.local), filed.archive.prefix);
    expect([...pkg.keys()]).toEqual(expect.arrayContaining(['original.docx', 'manifest-sha256.txt']));
    const manifest = pkg.get('manifest-sha256.txt')!.toString('utf8');
    expect(manifest).toContain(`${filed.attachments[0].sha256}  attachments/01-报价单.pdf\n`);
    expect(manifest).toContain(`${filed.scan.sha256}  original.docx\n`);
    expect(Buffer.from(await bytesOf(archiveBucket(h.local), `${filed.archive.prefix}attachments/01-报价单.pdf`)).equals(Buffer.from(body.pdf))).toBe(true);
  });
});

describe('classified documents', () => {
  it('show their attachments only to people cleared for the 密级', async () => {
    const sheet = await upload('zhoujie', '人员名单.xlsx', realXlsx());
    const res = await h.api('zhoujie', 'POST', '/documents', { route: 'report-key', title: '关于人员调整的报告', content: '见附件', secrecy: '秘密', attachments: [sheet] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const refused = await h.api('liuyang', 'GET', `/documents/${res.body.docId}`);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain('人员名单');
    const seen = (await h.api('wangfang', 'GET', `/documents/${res.body.docId}`)).body;
    expect(Buffer.from((await download(seen.attachments[0].url)).bytes).equals(Buffer.from(realXlsx()))).toBe(true);
  });
});

describe('the command-line client', () => {
  it('submits a file with attachments (--file, --attach) and reports progress with one', async () => {
    mkdirSync(h.local.dataDir, { recursive: true });
    writeFileSync(join(h.local.dataDir, 'endpoints.json'), JSON.stringify(h.local.endpoints));
    const dir = join(h.dataDir, 'files');
    mkdirSync(dir, { recursive: true });
    const files = { body: join(dir, '请示.pdf'), sheet: join(dir, '清单.xlsx'), note: join(dir, '说明.txt'), photo: join(dir, '现场.png') };
    writeFileSync(files.body, await realPdf('cli body'));
    writeFileSync(files.sheet, realXlsx());
    writeFileSync(files.note, '说明\n');
    writeFileSync(files.photo, realPng());
    const chancery = async (...args: string[]) =>
      (await promisify(execFile)(join(repoRoot, 'bin', 'chancery'), args, { env: { ...process.env, CHANCERY_DATA_DIR: h.local.dataDir }, cwd: repoRoot })).stdout;

    const submitted = JSON.parse(await chancery('submit', 'request-general', '--as', 'liuyang', '--title', '关于更换劳保用品的请示', '--file', files.body, '--attach', files.sheet, '--attach', files.note, '--json'));
    await h.local.settle();
    const shown = await chancery('show', submitted.docId, '--as', 'liuyang');
    expect(shown).toContain('正文文件 请示.pdf');
    expect(shown).toContain('附件 清单.xlsx');
    expect(shown).toContain('附件 说明.txt');
    await decideNext(h, 'sunwei', submitted.docId, { opinion: '同意', outcome: 'approve' });
    const task = JSON.parse(await chancery('tasks', '--as', 'liuyang', '--json')).items.find((t: any) => t.docId === submitted.docId);
    expect(await chancery('progress', task.taskId, '--as', 'liuyang', '--note', '已到现场查看', '--attach', files.photo)).toContain('附件：现场.png');
    expect(await chancery('show', submitted.docId, '--as', 'liuyang')).toContain('附件 现场.png');
  });
});
