/**
 * Bounded chaos: 30 scans and 30 decisions in flight, local mode killed with SIGKILL at three
 * random moments, restarted each time, then every document driven to the archive. Nothing may
 * be lost or doubled: 30 registered and filed, one task and one slip line per step, every audit
 * chain intact, every archive package whole. The moments are printed, to replay a failure.
 */
import { createHash } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, expect, it } from 'vitest';
import { LOCAL_ACCESS_KEY, LOCAL_REGION } from '../../infra/local/wiring.js';
import { archivePackage, makePdf } from './harness.js';
import { eventually, startLocalProcess, type LocalProcess } from './process-harness.js';

const DOCUMENTS = 30;
const STEPS: [user: string, step: string, body: Record<string, unknown>][] = [
  ['liqiang', 'propose', { opinion: '请生产技术科办理', department: 'SCJSK' }],
  ['zhaomin', 'instruct', { opinion: '同意', deputy: 'sunwei' }],
  ['sunwei', 'deputyHandle', { opinion: '请抓紧办理' }],
  ['zhoujie', 'departmentHandle', { opinion: '已办理完毕' }],
  ['wangfang', 'file', { opinion: '已立卷', retention: 'D10' }],
];

let p: LocalProcess | undefined;
afterAll(async () => p?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const serverErrors: string[] = [];

/** Every user decides every open task of theirs, all at once; refusals (409) are fine, 5xx never. */
async function decideAllOpen(proc: LocalProcess): Promise<number> {
  let sent = 0;
  await Promise.all(
    STEPS.map(async ([user, step, body]) => {
      const list = await proc.api(user, 'GET', '/tasks?limit=200');
      if (list.status >= 500) serverErrors.push(`GET /tasks ${user}: ${list.status}`);
      const mine = ((list.body?.items ?? []) as any[]).filter((t) => t.step === step);
      await Promise.all(
        mine.map(async (t) => {
          sent++;
          const res = await proc.api(user, 'POST', `/tasks/${t.taskId}/decision`, body);
          if (res.status >= 500) serverErrors.push(`decide ${t.taskId} by ${user}: ${res.status} ${JSON.stringify(res.body)}`);
        }),
      );
    }),
  );
  return sent;
}

async function killAtRandom(proc: LocalProcess, label: string, work: Promise<unknown>, maxMs: number) {
  // Requests cut off by the kill fail; that is expected, and the client (a person) retries later.
  const settled = work.catch(() => undefined);
  const after = Math.round(200 + Math.random() * maxMs);
  await sleep(after);
  console.log(`chaos: kill -9 during ${label} after ${after} ms`);
  await proc.kill9();
  await settled;
  await proc.start();
}

it('kill -9 three times with scans and decisions in flight: 0 lost, 0 doubled, every chain verifies', async () => {
  p = await startLocalProcess();
  await p.start();
  const proc = p;
  const pdfs = await Promise.all(Array.from({ length: DOCUMENTS }, (_, i) => makePdf(`chaos scan ${i}`)));
  const names = pdfs.map((_, i) => `混沌来文-${i}.pdf`);

  // 1. Thirty scans arrive; local mode dies during intake. A scanner resends what was not acknowledged.
  const acknowledged = new Set<number>();
  const uploads = Promise.all(pdfs.map(async (pdf, i) => proc.upload(names[i], pdf).then(() => acknowledged.add(i), () => undefined)));
  await killAtRandom(proc, 'intake', uploads, 1500);
  for (const [i, pdf] of pdfs.entries()) if (!acknowledged.has(i)) await proc.upload(names[i], pdf);
  await eventually(async () => {
    const tasks = (await proc.api('liqiang', 'GET', '/tasks?limit=200')).body.items;
    return tasks.length === DOCUMENTS ? tasks : undefined;
  }, 'thirty proposal tasks');

  // 2. Thirty decisions in flight; killed.
  await killAtRandom(proc, 'thirty proposals', decideAllOpen(proc), 1200);
  // 3. Whatever is open next, all at once; killed again.
  await killAtRandom(proc, 'the following steps', decideAllOpen(proc).then(() => sleep(300)).then(() => decideAllOpen(proc)), 2500);

  // 4. No more kills: drive every document to the archive.
  await eventually(
    async () => {
      const archive = (await proc.api('wangfang', 'GET', '/registers/archive?limit=200')).body.items as any[];
      if (archive.length === DOCUMENTS) return archive;
      await decideAllOpen(proc);
      return undefined;
    },
    'every document filed',
    180_000,
  ).catch(async (err: Error) => {
    // Say where each unfiled document stands, so a failure here can be read, not only rerun.
    const register = (await proc.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items as any[];
    const stuck: string[] = [];
    for (const entry of register) {
      const shown = (await proc.api('wangfang', 'GET', `/documents/${entry.docId}`)).body;
      if (shown?.document?.status === 'filed') continue;
      stuck.push(`${entry.docId} ${shown?.document?.status}: ${(shown?.tasks ?? []).map((t: any) => `${t.step}=${t.status}`).join(', ')}`);
    }
    throw new Error(`${err.message}; not filed:\n${stuck.join('\n')}`);
  });

  expect(serverErrors).toEqual([]);
  const register = (await proc.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items as any[];
  expect(register.map((e) => e.serial)).toEqual(Array.from({ length: DOCUMENTS }, (_, i) => i + 1));
  expect(new Set(register.map((e) => e.scanKey))).toEqual(new Set(names.map((n) => `scans/${n}`)));
  const archive = (await proc.api('wangfang', 'GET', '/registers/archive?limit=200')).body.items as any[];
  expect(new Set(archive.map((e) => e.docId)).size).toBe(DOCUMENTS);

  for (const entry of register) {
    // The archive number is taken before the package is written and the document marked filed:
    // the last one may still be on its way when the register shows thirty.
    const doc = await eventually(async () => {
      const shown = (await proc.api('wangfang', 'GET', `/documents/${entry.docId}`)).body;
      return shown.document.status === 'filed' ? shown : undefined;
    }, `document ${entry.docId} filed`);
    expect(doc.document.status).toBe('filed');
    expect(doc.tasks.map((t: any) => t.step).sort()).toEqual(STEPS.map(([, step]) => step).sort());
    expect(doc.tasks.every((t: any) => t.status === 'decided')).toBe(true);
    expect(doc.slip.map((l: any) => l.step).sort()).toEqual(STEPS.map(([, step]) => step).sort());
    expect(doc.audit.verification).toEqual({ ok: true });
  }

  // Every package whole: one object holding six files, each matching the manifest.
  const s3 = new S3Client({ endpoint: proc.endpoints.s3, region: LOCAL_REGION, forcePathStyle: true, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
  for (const { prefix } of archive) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'chancery-hq-archive', Prefix: prefix }));
    expect(listed.KeyCount).toBe(1);
    const files = await archivePackage(s3, 'chancery-hq-archive', prefix);
    expect(files.size).toBe(6);
    const manifest = files.get('manifest-sha256.txt')!.toString('utf8').trim().split('\n');
    expect(manifest).toHaveLength(5);
    for (const line of manifest) {
      const [hash, name] = line.split(/\s+/);
      expect(createHash('sha256').update(files.get(name)!).digest('hex'), `${prefix}${name}`).toBe(hash);
    }
  }
  s3.destroy();
}, 600_000);
