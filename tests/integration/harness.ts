/**
 * Starts local mode for a test file (its own data directory, free ports), signs in the seeded
 * users, and calls the HTTP API the way the CLI and the console do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { startLocalMode, type LocalMode, type LocalModeOptions } from '../../infra/local/local-mode.js';
import { untar } from '../../functions/domain/tar.js';

export interface Harness {
  local: LocalMode;
  dataDir: string;
  api<T = any>(user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  upload(name: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<void>;
  /** Stops local mode and starts it again on the same data and ports; `changes` as a deploy would (new definitions). */
  restart(changes?: Partial<LocalModeOptions>): Promise<void>;
  close(): Promise<void>;
}

export const inboxBucket = (local: LocalMode) => local.wiring.buckets.find((b) => b.id === 'inbox')!.bucketName;
export const archiveBucket = (local: LocalMode) => local.wiring.buckets.find((b) => b.id === 'archive')!.bucketName;

/** The files of a document's archive package (one package.tar under its 档号 prefix), by name. */
export async function archivePackage(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, Buffer>> {
  const tar = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}package.tar` }))).Body!.transformToByteArray();
  return new Map(untar(tar).map((f) => [f.name, Buffer.from(f.bytes)]));
}

/** An A4 PDF of `pages` pages (the viewer pages through them), `text` on the first, `Page N` on the others. */
export async function makePdf(text = 'Chancery test scan', pages = 1): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= pages; n++) doc.addPage([595, 842]).drawText(n === 1 ? text : `Page ${n}`, { x: 50, y: 780, size: 14, font });
  return doc.save();
}

/**
 * Ports for one local mode, below the system's ephemeral range and in a block of this vitest
 * worker's own: two test files running side by side never probe the same port, and no port an OS
 * hands out to some outgoing connection is picked (a port "free" a moment ago, taken by the other
 * worker first, made local mode talk to the other file's DynamoDB: "Cannot create preexisting table").
 */
const WORKER = Math.max(1, Number(process.env.VITEST_POOL_ID ?? 1) || 1);
const BLOCK = 2_500;
const FIRST_PORT = 20_000;

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

async function workerPorts(): Promise<NonNullable<LocalModeOptions['ports']>> {
  const base = FIRST_PORT + ((WORKER - 1) % 4) * BLOCK;
  let port = base + Math.floor(Math.random() * (BLOCK - 100));
  const taken: number[] = [];
  while (taken.length < 7) {
    if (port >= base + BLOCK) port = base;
    if (await portIsFree(port)) taken.push(port);
    port += 1;
  }
  const [dynamodb, s3, stepfunctions, api, cognito, kms, ses] = taken as [number, number, number, number, number, number, number];
  return { dynamodb, s3, stepfunctions, api, cognito, kms, ses };
}

/**
 * Starts local mode on this worker's ports; should one be taken anyway between the probe and the
 * start (EADDRINUSE, or DynamoDB Local's "already in use"), again on other ports. Ports the
 * caller fixed are never moved.
 */
async function startOnFreePorts(options: LocalModeOptions): Promise<LocalMode> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLocalMode(options.ports ? options : { ...options, ports: await workerPorts() });
    } catch (err) {
      if (attempt >= 3 || options.ports !== undefined || !/EADDRINUSE|already in use/i.test(String(err))) throw err;
    }
  }
}

export async function startHarness(options: LocalModeOptions = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chancery-test-'));
  let base: LocalModeOptions = { runSchedules: false, ...options, dataDir };
  let local = await startOnFreePorts(base);
  const tokens = new Map<string, string>();

  const token = async (username: string) => {
    let t = tokens.get(username);
    if (!t) {
      const user = local.identity.listUsers().find((u) => u.username === username);
      if (!user) throw new Error(`no seeded user ${username}`);
      t = await local.identity.issue(user);
      tokens.set(username, t);
    }
    return t;
  };

  const harness: Harness = {
    get local() {
      return local;
    },
    dataDir,
    async api(user, method, path, body) {
      const res = await fetch(`${local.endpoints.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${await token(user)}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async upload(name, body, metadata) {
      await local.s3.send(new PutObjectCommand({ Bucket: inboxBucket(local), Key: `scans/${name}`, Body: body, Metadata: metadata }));
    },
    async restart(changes = {}) {
      await local.stop();
      // Same data directory and the same ports: handlers keep their SDK clients and endpoints.
      // What a restart changes stays for the next one, as a deploy does.
      base = { ...base, ...changes, dataDir };
      local = await startLocalMode({ ...base, ports: local.ports });
    },
    async close() {
      await local.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Drives one open task of a document: finds it in the user's list and decides it. */
export async function decideNext(h: Harness, user: string, docId: string, body: Record<string, unknown>) {
  const list = await h.api(user, 'GET', '/tasks');
  const task = (list.body.items as any[]).find((t) => t.docId === docId);
  if (!task) throw new Error(`${user} has no open task for ${docId}: ${JSON.stringify(list.body)}`);
  const res = await h.api(user, 'POST', `/tasks/${task.taskId}/decision`, body);
  if (res.status !== 200) throw new Error(`decision by ${user} failed: ${res.status} ${JSON.stringify(res.body)}`);
  await h.local.settle();
  return { task, result: res.body };
}
