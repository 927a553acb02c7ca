/**
 * Intake is idempotent under S3's at-least-once, any-order delivery, and a bad upload is set
 * aside with its reason where the clerk can list it: nothing is lost.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { encodeEventKey } from '../../infra/local/s3-local.js';
import { inboxBucket, makePdf, startHarness, type Harness } from './harness.js';
import { pdfOfSize, realJpeg, realPng, realTiff } from '../fixtures/scans.js';

let h: Harness;
const MAX_BYTES = 64 * 1024;
beforeAll(async () => {
  // A small upload limit, so "too large" needs no big file.
  h = await startHarness({ config: { ...loadBranchConfig('hq'), maxUploadBytes: MAX_BYTES } });
});
afterAll(async () => h?.close());

/** The event S3 sends for an upload (its ETag as the PUT answered it: the scan itself has left scans/ by now). */
function eventFor(key: string, eTag: string, size: number): S3Event {
  const bucket = inboxBucket(h.local);
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeEventKey(key), eTag, size } },
      },
    ],
  } as unknown as S3Event;
}

describe('duplicate and out-of-order events', () => {
  it('gives one register entry and one execution per object, however often its event comes', async () => {
    const bucket = inboxBucket(h.local);
    const keys = ['scans/来文 甲.pdf', 'scans/来文+乙.pdf', 'scans/来文%丙.pdf'];
    const events: S3Event[] = [];
    for (const [i, key] of keys.entries()) {
      const body = await makePdf(`scan ${i}`);
      const put = await h.local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      events.push(eventFor(key, put.ETag!.replaceAll('"', ''), body.length));
    }
    await h.local.settle();
    // Taken in: each scan has left the inbox queue (scans/) for its document's pinned copy.
    expect((await h.local.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'scans/来文' }))).KeyCount ?? 0).toBe(0);
    // Ten more deliveries of each, interleaved and reversed, half of them at the same time.
    const deliveries = Array.from({ length: 10 }, (_, i) => (i % 2 ? [...events].reverse() : events)).flat();
    await Promise.all(deliveries.slice(0, 15).map((e) => h.local.invoke('intake', e)));
    for (const e of deliveries.slice(15)) await h.local.invoke('intake', e);
    await h.local.settle();

    const register = await h.api('wangfang', 'GET', '/registers/incoming');
    expect(register.body.items.map((e: any) => e.serial)).toEqual([1, 2, 3]);
    expect(register.body.items.map((e: any) => e.scanKey).sort()).toEqual([...keys].sort());
    const sfn = new SFNClient({ endpoint: h.local.endpoints.stepfunctions });
    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: h.local.wiring.stateMachines[0].arn }));
    expect(executions.executions).toHaveLength(3);
    expect((await h.api('liqiang', 'GET', '/tasks')).body.items).toHaveLength(3);
  });
});

describe('many scans at once', () => {
  it('registers every one, with gap-free serial numbers, when they all race for the next number', async () => {
    const before = (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items.length;
    const pdf = await makePdf('burst');
    // Same content, different keys: fifty documents whose intakes all run at the same time.
    await Promise.all(Array.from({ length: 50 }, (_, i) => h.upload(`同时到达-${i}.pdf`, pdf)));
    await h.local.settle();
    const entries = (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items as any[];
    expect(entries.filter((e) => e.scanKey.startsWith('scans/同时到达-'))).toHaveLength(50);
    expect(entries.map((e) => e.serial)).toEqual(Array.from({ length: before + 50 }, (_, i) => i + 1));
  });
});

describe('bad uploads', () => {
  const cases: [name: string, body: () => Promise<Uint8Array | string>, code: string, words: string][] = [
    ['空文件.pdf', async () => new Uint8Array(), 'empty', '为空'],
    ['其实是文本.pdf', async () => 'this is not a PDF at all, just text pretending', 'unsupported-type', '不是 PDF'],
    ['太大的扫描件.pdf', async () => {
      const pdf = await makePdf('big');
      const big = new Uint8Array(MAX_BYTES + 1024);
      big.set(pdf);
      return big;
    }, 'too-large', '超过上限'],
    ['截断300字节.pdf', async () => (await pdfOfSize(10_423)).subarray(0, 300), 'corrupt', '不完整'],
    ['截断1000字节.pdf', async () => (await pdfOfSize(10_423)).subarray(0, 1000), 'corrupt', '不完整'],
    ['写了一半.pdf', async () => (await pdfOfSize(10_423)).subarray(0, 5000), 'corrupt', '不完整'],
    ['伪装成PDF的网页.pdf', async () => '<html><!-- %PDF-1.4 --><script>alert(document.cookie)</script></html>', 'unsupported-type', 'HTML'],
    ['未知密级.pdf', async () => makePdf('classified?'), 'bad-secrecy', '密级'],
  ];

  it.each(cases)('sets %s aside with its reason, registers nothing', async (name, body, code, words) => {
    const bucket = inboxBucket(h.local);
    const content = await body();
    await h.upload(name, content, name === '未知密级.pdf' ? { secrecy: 'ultra' } : undefined);
    await h.local.settle();

    const rejected = await h.api('wangfang', 'GET', '/rejected-uploads');
    const entry = rejected.body.items.find((r: any) => r.objectKey === `scans/${name}`);
    expect(entry).toMatchObject({ code });
    expect(entry.reason).toContain(words);
    // Kept whole, with the reason, under rejected/; gone from scans/.
    const kept = await h.local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: entry.rejectedKey }));
    expect(Buffer.from(await kept.Body!.transformToByteArray()).equals(Buffer.from(content))).toBe(true);
    expect(decodeURIComponent(kept.Metadata!['rejected-reason'])).toBe(entry.reason);
    const left = await h.local.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `scans/${name}` }));
    expect(left.KeyCount ?? 0).toBe(0);
    const register = await h.api('wangfang', 'GET', '/registers/incoming');
    expect(register.body.items.some((e: any) => e.scanKey === `scans/${name}`)).toBe(false);
  });

  it('accepts PNG, JPEG and TIFF scans by their content', async () => {
    await h.upload('扫描件.png', realPng());
    await h.upload('扫描件.jpg', realJpeg());
    await h.upload('扫描件.tif', realTiff());
    await h.local.settle();
    const register = await h.api('wangfang', 'GET', '/registers/incoming?limit=200');
    const keys = register.body.items.map((e: any) => e.scanKey);
    expect(keys).toEqual(expect.arrayContaining(['scans/扫描件.png', 'scans/扫描件.jpg', 'scans/扫描件.tif']));
  });

  it('refuses register queries a clerk would get wrong, clearly', async () => {
    expect((await h.api('wangfang', 'GET', '/registers/nonsense')).body.message).toContain('incoming');
    expect((await h.api('wangfang', 'GET', '/registers/incoming?year=abc')).status).toBe(400);
    expect((await h.api('wangfang', 'GET', '/registers/incoming?cursor=%%%')).status).toBe(400);
    expect((await h.api('zhoujie', 'GET', '/registers/incoming')).status).toBe(403);
  });

  it('pages my task list with a cursor: every task once, earliest due first', async () => {
    const all = (await h.api('liqiang', 'GET', '/tasks?limit=200')).body;
    expect(all.cursor).toBeUndefined();
    expect(all.items.length).toBeGreaterThan(20);
    const paged: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.api('liqiang', 'GET', `/tasks?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(7);
      paged.push(...page.body.items);
      cursor = page.body.cursor;
    } while (cursor);
    expect(paged.map((t) => t.taskId)).toEqual(all.items.map((t: any) => t.taskId));
    const due = paged.map((t) => t.dueAt);
    expect(due).toEqual([...due].sort());
    expect((await h.api('liqiang', 'GET', '/tasks?limit=0')).status).toBe(400);
  });

  it('merges the tasks named to me with those of my role, across pages', async () => {
    // Six documents to the deputy step: three name 孙伟, three go to any deputy leader.
    const proposals = (await h.api('liqiang', 'GET', '/tasks?limit=6')).body.items as any[];
    for (const [i, t] of proposals.entries()) {
      expect((await h.api('liqiang', 'POST', `/tasks/${t.taskId}/decision`, { opinion: '请办理', department: 'SCJSK' })).status).toBe(200);
      await h.local.settle();
      const [instruct] = ((await h.api('zhaomin', 'GET', '/tasks?limit=200')).body.items as any[]).filter((x) => x.docId === t.docId);
      const body = i % 2 ? { opinion: '同意' } : { opinion: '同意', deputy: 'sunwei' };
      expect((await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/decision`, body)).status).toBe(200);
    }
    await h.local.settle();
    const all = (await h.api('sunwei', 'GET', '/tasks?limit=200')).body.items as any[];
    expect(all).toHaveLength(6);
    expect(all.filter((t) => t.assignment.username === 'sunwei')).toHaveLength(3);
    const paged: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.api('sunwei', 'GET', `/tasks?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      paged.push(...page.body.items);
      cursor = page.body.cursor;
    } while (cursor);
    expect(paged.map((t) => t.taskId)).toEqual(all.map((t) => t.taskId));
  });

  it('pages the register with a cursor', async () => {
    const first = await h.api('wangfang', 'GET', '/registers/incoming?limit=2');
    expect(first.body.items.map((e: any) => e.serial)).toEqual([1, 2]);
    const second = await h.api('wangfang', 'GET', `/registers/incoming?limit=2&cursor=${encodeURIComponent(first.body.cursor)}`);
    expect(second.body.items.map((e: any) => e.serial)).toEqual([3, 4]);
  });
});
