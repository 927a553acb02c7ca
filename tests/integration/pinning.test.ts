/**
 * A document is its exact bytes for life, its archive is written once and kept in compliance
 * mode, and a decision the route cannot hear right away (a throttled Step Functions) is kept and
 * delivered by the reconciler — against the real local services.
 */
import { createHash } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client, sfnClient } from '../../functions/adapters/clients.js';
import { archiveBucket, archivePackage, decideNext, inboxBucket, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
async function registered(): Promise<any[]> {
  return (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items;
}

async function driveToArchive(docId: string, retention: string) {
  await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
  await decideNext(h, 'zhaomin', docId, { opinion: '同意' });
  await decideNext(h, 'sunwei', docId, { opinion: '请办理' });
  await decideNext(h, 'zhoujie', docId, { opinion: '已办理' });
  await decideNext(h, 'wangfang', docId, { opinion: '已立卷', retention });
}

describe('a scanner reusing a file name', () => {
  let first: Uint8Array;
  let firstDoc: string;

  it('gives the new bytes a new entry and leaves the earlier document its own scan', async () => {
    first = await makePdf('the first letter');
    const second = await makePdf('a different letter under the same name');
    await h.upload('扫描001.pdf', first);
    await h.local.settle();
    await h.upload('扫描001.pdf', second);
    await h.local.settle();

    const entries = (await registered()).filter((e) => e.scanKey === 'scans/扫描001.pdf');
    expect(entries).toHaveLength(2);
    firstDoc = entries[0].docId;
    const [a, b] = await Promise.all(entries.map(async (e) => (await h.api('wangfang', 'GET', `/documents/${e.docId}`)).body.document));
    expect(a.scan.sha256).toBe(sha256(first));
    expect(b.scan.sha256).toBe(sha256(second));
    expect(a.scan.key).not.toBe(b.scan.key);
    // The earlier document's link serves the earlier bytes, as a PDF, never sniffed into anything else.
    const link = (await h.api('wangfang', 'GET', `/documents/${firstDoc}/scan`)).body;
    const res = await fetch(link.url);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(first));
    // Both left the inbox queue.
    expect((await h.local.s3.send(new ListObjectsV2Command({ Bucket: inboxBucket(h.local), Prefix: 'scans/' }))).KeyCount ?? 0).toBe(0);
  });

  it('archives the earlier bytes, checked by hash, written once, permanent records in compliance mode', async () => {
    // Watch the archive function's real S3 requests (it runs in this process, as in Lambda).
    const puts: PutObjectCommandInput[] = [];
    s3Client().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') {
          const input = args.input as PutObjectCommandInput;
          if (input.Bucket === archiveBucket(h.local)) puts.push(input);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordArchivePuts' },
    );
    try {
      await driveToArchive(firstDoc, 'Y');
      const doc = (await h.api('wangfang', 'GET', `/documents/${firstDoc}`)).body.document;
      expect(doc.status).toBe('filed');
      expect(sha256((await archivePackage(h.local.s3, archiveBucket(h.local), doc.archive.prefix)).get('original.pdf')!)).toBe(sha256(first));
      expect(puts).toHaveLength(1);
      const hundredYears = Date.now() + 99 * 365 * 86_400_000;
      for (const put of puts) {
        expect(put.ObjectLockMode).toBe('COMPLIANCE');
        expect(put.ObjectLockLegalHoldStatus).toBeUndefined();
        expect(new Date(put.ObjectLockRetainUntilDate as Date).getTime()).toBeGreaterThan(hundredYears);
      }

      // The archive step retried (a Lambda retry after a timeout): nothing is written again.
      puts.length = 0;
      const before = await h.local.s3.send(new ListObjectsV2Command({ Bucket: archiveBucket(h.local), Prefix: doc.archive.prefix }));
      const again = (await h.local.invoke('archive', { docId: firstDoc, route: 'superior-key', executionArn: doc.executionArn, decisions: { file: { retention: 'Y' } } })) as { files: string[] };
      expect(again.files).toHaveLength(6);
      expect(puts).toHaveLength(0);
      const after = await h.local.s3.send(new ListObjectsV2Command({ Bucket: archiveBucket(h.local), Prefix: doc.archive.prefix }));
      expect(after.Contents!.map((o) => [o.Key, o.ETag, o.LastModified?.getTime()])).toEqual(before.Contents!.map((o) => [o.Key, o.ETag, o.LastModified?.getTime()]));
    } finally {
      s3Client().middlewareStack.remove('recordArchivePuts');
    }
  });

  it('refuses to file a document whose pinned scan was changed behind its back', async () => {
    await h.upload('被篡改的来文.pdf', await makePdf('original content'));
    await h.local.settle();
    const entry = (await registered()).find((e) => e.scanKey === 'scans/被篡改的来文.pdf');
    const doc = (await h.api('wangfang', 'GET', `/documents/${entry.docId}`)).body.document;
    // Someone with write access to the bucket replaces the copy (in AWS the bucket policy and the
    // version id stop this; the hash check is the last line).
    await h.local.s3.send(new PutObjectCommand({ Bucket: doc.scan.bucket, Key: doc.scan.key, Body: await makePdf('forged content') }));
    await expect(h.local.invoke('archive', { docId: entry.docId, route: 'superior-key', executionArn: doc.executionArn, decisions: { file: { retention: 'D10' } } })).rejects.toThrow(/SHA-256/);
  });
});

describe('a decision the route cannot hear right away', () => {
  it('is recorded and answered 200, then delivered by the reconciler', async () => {
    await h.upload('关于节前安全检查的通知.pdf', await makePdf('throttled'));
    await h.local.settle();
    const entry = (await registered()).find((e) => e.scanKey === 'scans/关于节前安全检查的通知.pdf');
    const task = (await h.api('liqiang', 'GET', '/tasks?limit=200')).body.items.find((t: any) => t.docId === entry.docId);

    // Step Functions throttles (in AWS a 400 ThrottlingException, or a 500): the one thing here that cannot run locally.
    sfnClient().middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
      },
      { step: 'initialize', name: 'throttle', priority: 'high' },
    );
    let res;
    try {
      res = await h.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请财务科办理', department: 'CWK' });
    } finally {
      sfnClient().middlewareStack.remove('throttle');
    }
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'decided', routeNotified: false });
    await h.local.settle();
    expect((await h.api('zhaomin', 'GET', '/tasks?limit=200')).body.items.some((t: any) => t.docId === entry.docId)).toBe(false);

    const round = (await h.local.invoke('reconcile', { answerGraceMs: 0 })) as { decisionsDelivered: number };
    expect(round.decisionsDelivered).toBe(1);
    await h.local.settle();
    expect((await h.api('zhaomin', 'GET', '/tasks?limit=200')).body.items.some((t: any) => t.docId === entry.docId)).toBe(true);
    // Nothing left to resend: a second round delivers nothing twice.
    expect(((await h.local.invoke('reconcile', { answerGraceMs: 0 })) as { decisionsDelivered: number }).decisionsDelivered).toBe(0);
    const doc = (await h.api('liqiang', 'GET', `/documents/${entry.docId}`)).body;
    expect(doc.slip.filter((l: any) => l.step === 'propose')).toHaveLength(1);
    expect(doc.audit.verification.ok).toBe(true);
  });
});
