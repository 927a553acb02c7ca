/**
 * Any file name or key is either taken in or set aside with a reason, nothing escapes the data
 * directory, local mode keeps answering, and listings of many non-ASCII keys page completely.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchInboxFolder } from '../../infra/local/inbox-folder.js';
import { startLocalS3 } from '../../infra/local/s3-local.js';
import type { LocalWiring } from '../../infra/local/wiring.js';
import { pdfOfSize, realPdf } from '../fixtures/scans.js';
import { archiveBucket, inboxBucket, startHarness, type Harness } from './harness.js';

let h: Harness;
// The data directory sits three levels down, so a key with ../../.. that escaped would land
// inside `base`, where the test can see it.
const base = mkdtempSync(join(tmpdir(), 'chancery-names-'));
const dataDir = join(base, 'a', 'b', 'data');
beforeAll(async () => {
  h = await startHarness({ dataDir });
});
afterAll(async () => {
  await h?.close();
  rmSync(base, { recursive: true, force: true });
});

const register = async () => (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items as any[];
const rejections = async () => (await h.api('wangfang', 'GET', '/rejected-uploads')).body.items as any[];

/** Registered, or set aside with a reason; and the API still answers. */
async function takenInOrSetAside(key: string): Promise<'registered' | 'rejected'> {
  const entry = (await register()).find((e) => e.scanKey === key);
  if (entry) return 'registered';
  const rejected = (await rejections()).find((r) => r.objectKey === key);
  expect(rejected?.reason, `${key} neither registered nor set aside`).toBeTruthy();
  return 'rejected';
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => join(d.parentPath, d.name));
}

async function bytesOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe('long and odd names', () => {
  it('registers a scan with an 81-character Chinese name dropped into the folder, and keeps answering', async () => {
    const name = `${'关于开展安全生产大检查的通知'.repeat(6).slice(0, 81)}.pdf`;
    expect([...name.slice(0, -4)]).toHaveLength(81);
    writeFileSync(join(h.local.inboxDir, name), await realPdf('long chinese name'));
    await h.local.settle();
    expect(await takenInOrSetAside(`scans/${name}`)).toBe('registered');
    expect(existsSync(join(h.local.inboxDir, 'uploaded', name))).toBe(true);
    expect((await h.api('wangfang', 'GET', '/me')).status).toBe(200);
  });

  it('registers a 245-character ASCII key uploaded through S3', async () => {
    const name = `${'a'.repeat(241)}.pdf`;
    await h.upload(name, await realPdf('long ascii key'));
    await h.local.settle();
    expect(await takenInOrSetAside(`scans/${name}`)).toBe('registered');
  });

  it('shortens a path whose key would exceed 1024 bytes, keeping the extension, and registers it', async () => {
    // Sub-folders of 200-byte names: the whole path is over S3's limit, each name within the filesystem's.
    const deep = join(h.local.inboxDir, ...Array.from({ length: 6 }, (_, i) => `${i}${'文'.repeat(66)}`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, '深层文件.pdf'), await realPdf('deep'));
    await h.local.settle();
    const entry = (await register()).find((e) => e.scanKey.startsWith('scans/0文') && e.scanKey.endsWith('.pdf'));
    expect(entry).toBeDefined();
    expect(Buffer.byteLength(entry.scanKey)).toBeLessThanOrEqual(1024);
    expect(entry.scanKey).toMatch(/~[0-9a-f]{12}\.pdf$/);
  });

  it('takes in a file from a sub-folder under scans/<sub>/<name>', async () => {
    mkdirSync(join(h.local.inboxDir, '办公室'), { recursive: true });
    writeFileSync(join(h.local.inboxDir, '办公室', '子目录来文.pdf'), await realPdf('sub-folder'));
    await h.local.settle();
    expect(await takenInOrSetAside('scans/办公室/子目录来文.pdf')).toBe('registered');
    expect(existsSync(join(h.local.inboxDir, 'uploaded', '办公室', '子目录来文.pdf'))).toBe(true);
  });
});

describe('nothing escapes the data directory', () => {
  it('keeps ../ keys inside the bucket directory and reads them back byte-identical under their exact keys', async () => {
    const bucket = inboxBucket(h.local);
    const before = new Set(filesUnder(base));
    const keys = ['../../escape.pdf', 'scans/../../../../../escape.pdf', 'scans//double//slash/', 'scans/./dot/../escape2.pdf'];
    const bodies = await Promise.all(keys.map((k) => realPdf(k)));
    for (const [i, key] of keys.entries()) await h.local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bodies[i] }));
    await h.local.settle();
    for (const [i, key] of keys.entries()) {
      // Intake may have moved a scans/ object aside or copied it; the original key reads back if it is still there.
      const listed = await h.local.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
      if (listed.Contents?.some((o) => o.Key === key)) expect((await bytesOf(h.local.s3, bucket, key)).equals(Buffer.from(bodies[i]))).toBe(true);
    }
    expect((await bytesOf(h.local.s3, bucket, '../../escape.pdf')).equals(Buffer.from(bodies[0]))).toBe(true);
    const added = filesUnder(base).filter((f) => !before.has(f));
    expect(added.length).toBeGreaterThan(0);
    for (const file of added) expect(relative(dataDir, file)).not.toMatch(/^\.\./);
    expect(filesUnder(base).filter((f) => f.includes('escape'))).toEqual([]);
    for (const key of keys.filter((k) => k.startsWith('scans/'))) await takenInOrSetAside(key);
  });

  it('serves stored objects with X-Content-Type-Options: nosniff, so a browser never renders them as a page', async () => {
    const key = 'test/页面.html';
    await h.local.s3.send(new PutObjectCommand({ Bucket: archiveBucket(h.local), Key: key, Body: '<html><script>alert(1)</script></html>', ContentType: 'text/html' }));
    const res = await fetch(`${h.local.endpoints.s3}/${archiveBucket(h.local)}/${encodeURIComponent(key)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sets a symlink and a FIFO in the folder aside with a reason, without reading them', async () => {
    const outside = join(base, 'outside-secret.pdf');
    writeFileSync(outside, await realPdf('secret'));
    symlinkSync(outside, join(h.local.inboxDir, '链接.pdf'));
    execFileSync('mkfifo', [join(h.local.inboxDir, '管道.pdf')]);
    await h.local.settle();
    for (const name of ['链接.pdf', '管道.pdf']) {
      expect(existsSync(join(h.local.inboxDir, name))).toBe(false);
      const reason = readFileSync(join(h.local.inboxDir, 'rejected', `${name}.reason.txt`), 'utf8');
      expect(reason).toContain('不是普通文件');
      const listed = await h.local.s3.send(new ListObjectsV2Command({ Bucket: inboxBucket(h.local), Prefix: `scans/${name}` }));
      expect(listed.KeyCount ?? 0).toBe(0);
    }
    expect((await register()).some((e) => e.scanKey.includes('链接'))).toBe(false);
    expect(readFileSync(outside).length).toBeGreaterThan(0); // the target is untouched
  });
});

describe('the watched folder takes a file only when complete', () => {
  it('waits while a PDF is half-written, takes it when complete, and uploads one that stays broken after the long quiet period', async () => {
    const dir = join(base, 'folder');
    mkdirSync(dir);
    const bucket = archiveBucket(h.local);
    const uploaded: string[] = [];
    const waiting: string[] = [];
    const errors: unknown[] = [];
    const folder = watchInboxFolder({ dir, bucket, s3: h.local.s3, quietMs: 100, giveUpMs: 1500, onUploaded: (_n, key) => uploaded.push(key), onWaiting: (n) => waiting.push(n), onError: (err) => errors.push(err) });
    try {
      const pdf = Buffer.from(await pdfOfSize(10_423));
      writeFileSync(join(dir, '半截.pdf'), pdf.subarray(0, 5000));
      await folder.poll();
      await folder.poll();
      expect(uploaded).toEqual([]);
      expect(waiting).toEqual(['半截.pdf']);
      appendFileSync(join(dir, '半截.pdf'), pdf.subarray(5000));
      await folder.poll();
      expect(uploaded).toEqual(['scans/半截.pdf']);
      expect((await bytesOf(h.local.s3, bucket, 'scans/半截.pdf')).equals(pdf)).toBe(true);

      // Never completed: uploaded anyway once unchanged for giveUpMs, so intake can say why.
      writeFileSync(join(dir, '永远不完整.pdf'), pdf.subarray(0, 3000));
      for (let i = 0; i < 100 && !uploaded.includes('scans/永远不完整.pdf'); i++) {
        await folder.poll();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(uploaded).toContain('scans/永远不完整.pdf');
      expect(existsSync(join(dir, 'uploaded', '永远不完整.pdf'))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      folder.stop();
    }
  }, 30_000);
});

describe('listing many non-ASCII keys', () => {
  const packages = 210; // 1,260 keys: more than one page of 1,000
  const files = ['original.pdf', 'slip.json', 'slip.pdf', 'metadata.json', 'audit.json', 'manifest-sha256.txt'];
  const utf8Order = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let expected: string[];

  beforeAll(async () => {
    const bucket = archiveBucket(h.local);
    const keys: string[] = [];
    for (let n = 1; n <= packages; n++) {
      const id = `Z001-WS·2026-D30-SCJSK-${String(n).padStart(4, '0')}`;
      for (const f of files) keys.push(`Z001/WS·2026/D30/SCJSK/${id}/${f}`);
    }
    // Keys where UTF-16 order and UTF-8 order disagree (beyond the BMP vs. U+E000–U+FFFF).
    keys.push('Z001/𠀀档案.pdf', 'Z001/\uE000私用.pdf', 'Z001/\uFF21全角.pdf', 'Z001/a+b %.pdf');
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => h.local.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))));
    }
    expected = utf8Order(keys);
  }, 120_000);

  it('pages completely, in UTF-8 byte order, with ListObjectsV2 continuation tokens', async () => {
    for (const maxKeys of [1000, 333]) {
      const got: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await h.local.s3.send(new ListObjectsV2Command({ Bucket: archiveBucket(h.local), Prefix: 'Z001/', ContinuationToken: token, MaxKeys: maxKeys }));
        got.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.NextContinuationToken;
        expect(page.IsTruncated).toBe(token !== undefined);
        pages++;
      } while (token);
      expect(pages).toBe(Math.ceil(expected.length / maxKeys));
      expect(got).toEqual(expected);
    }
  });

  it('pages completely with ListObjects v1 markers, as the AWS CLI does (URL-encoded keys)', async () => {
    const got: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await h.local.s3.send(new ListObjectsCommand({ Bucket: archiveBucket(h.local), Prefix: 'Z001/', Marker: marker, EncodingType: 'url' }));
      const keys = (page.Contents ?? []).map((o) => decodeURIComponent(o.Key!));
      got.push(...keys);
      if (!page.IsTruncated) break;
      marker = page.NextMarker ? decodeURIComponent(page.NextMarker) : keys.at(-1);
    }
    expect(got).toEqual(expected);
  });

  it('pages common prefixes with a delimiter (v2 tokens and v1 NextMarker), each prefix once', async () => {
    const prefix = 'Z001/WS·2026/D30/SCJSK/';
    const want = Array.from({ length: packages }, (_, i) => `${prefix}Z001-WS·2026-D30-SCJSK-${String(i + 1).padStart(4, '0')}/`);
    const v2: string[] = [];
    let token: string | undefined;
    do {
      const page = await h.local.s3.send(new ListObjectsV2Command({ Bucket: archiveBucket(h.local), Prefix: prefix, Delimiter: '/', MaxKeys: 64, ContinuationToken: token }));
      v2.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      token = page.NextContinuationToken;
    } while (token);
    expect(v2).toEqual(want);
    const v1: string[] = [];
    let marker: string | undefined;
    do {
      const page = await h.local.s3.send(new ListObjectsCommand({ Bucket: archiveBucket(h.local), Prefix: prefix, Delimiter: '/', MaxKeys: 64, Marker: marker }));
      v1.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    expect(v1).toEqual(want);
  });
});

describe('the local S3 server on hostile requests and old data', () => {
  it('answers malformed and escaping requests with S3-style errors and keeps serving', async () => {
    const s3 = h.local.endpoints.s3;
    const bucket = inboxBucket(h.local);
    const cases: [method: string, path: string, code: string][] = [
      ['GET', `/${bucket}/%E4%zz`, 'InvalidURI'],
      ['PUT', `/${bucket}/${'%E4%B8%AD'.repeat(400)}`, 'KeyTooLongError'],
      ['GET', `/..%2F..%2Fetc/hostname`, 'InvalidBucketName'],
      ['PUT', `/${bucket}/scans/x.pdf?partNumber=1&uploadId=..%2F..%2F..%2Fescape`, 'NoSuchUpload'],
      ['GET', `/${bucket}?list-type=2&continuation-token=bm90LWEtdG9rZW4=`, 'InvalidArgument'],
    ];
    for (const [method, path, code] of cases) {
      const res = await fetch(`${s3}${path}`, { method, body: method === 'PUT' ? 'x' : undefined });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(await res.text()).toContain(`<Code>${code}</Code>`);
    }
    expect(filesUnder(base).filter((f) => f.includes('escape'))).toEqual([]);
    expect((await h.local.s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }))).$metadata.httpStatusCode).toBe(200);
  });

  it('refuses to start on a port something else holds (EADDRINUSE), instead of hanging with an uncaught error', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const port = (squatter.address() as AddressInfo).port;
    const dir = mkdtempSync(join(base, 'taken-'));
    const wiring = { buckets: [{ bucketName: 'taken-bucket' }], bucketNotifications: [] } as unknown as LocalWiring;
    try {
      await expect(startLocalS3({ dataDir: dir, host: '127.0.0.1', port, wiring, deliver: async () => undefined, onDeliveryError: () => undefined })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      squatter.close();
    }
  });

  it('reads objects stored by the earlier key-as-path layout, under their keys', async () => {
    const dir = mkdtempSync(join(base, 'old-'));
    const old = join(dir, 's3', 'old-bucket', 'Z001', 'WS·2026');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, '原件.pdf._S3rver_object'), 'old bytes');
    writeFileSync(join(old, '原件.pdf._S3rver_metadata.json'), JSON.stringify({ 'content-type': 'application/pdf' }));
    const wiring = { buckets: [{ bucketName: 'old-bucket' }], bucketNotifications: [] } as unknown as LocalWiring;
    const server = await startLocalS3({ dataDir: dir, host: '127.0.0.1', port: 0, wiring, deliver: async () => undefined, onDeliveryError: () => undefined });
    try {
      const res = await fetch(`${server.endpoint}/old-bucket/${encodeURIComponent('Z001/WS·2026/原件.pdf')}`);
      expect(await res.text()).toBe('old bytes');
      expect(res.headers.get('content-type')).toBe('application/pdf');
      const list = await (await fetch(`${server.endpoint}/old-bucket?list-type=2`)).text();
      expect(list).toContain('<Key>Z001/WS·2026/原件.pdf</Key>');
      expect(existsSync(join(old, '原件.pdf._S3rver_object'))).toBe(false);
    } finally {
      await server.close();
    }
  });
});
