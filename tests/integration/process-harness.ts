/**
 * Local mode as its own process, exactly as `npm start` runs it, so a test can kill -9 it at any
 * moment and start it again on the same data directory and ports. Requests go over HTTP and S3,
 * as the CLI, a scanner or the AWS CLI would send them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../infra/local/local-mode.js';
import { LOCAL_PASSWORD } from '../../infra/local/users.js';
import { LOCAL_ACCESS_KEY, LOCAL_REGION, repoRoot } from '../../infra/local/wiring.js';

const PORT_NAMES = ['API', 'S3', 'SFN', 'DYNAMODB', 'COGNITO', 'KMS', 'SES'] as const;
const STARTED = '本地模式已启动';

export interface LocalProcess {
  dataDir: string;
  endpoints: { api: string; s3: string };
  /** Everything the current process printed. */
  output(): string;
  start(env?: Record<string, string>): Promise<void>;
  /** SIGKILL to local mode and every process it started (its process group). */
  kill9(): Promise<void>;
  /** Resolves once the process printed `text` (since its start). */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  api<T = any>(user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  upload(name: string, body: Uint8Array): Promise<void>;
  scansLeft(): Promise<number>;
  close(): Promise<void>;
}

export async function startLocalProcess(options: { env?: Record<string, string> } = {}): Promise<LocalProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chancery-proc-'));
  const ports = Object.fromEntries(await Promise.all(PORT_NAMES.map(async (n) => [n, await freePort()] as const))) as Record<(typeof PORT_NAMES)[number], number>;
  const endpoints = { api: `http://127.0.0.1:${ports.API}`, s3: `http://127.0.0.1:${ports.S3}` };
  const s3 = new S3Client({ endpoint: endpoints.s3, region: LOCAL_REGION, forcePathStyle: true, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
  const tokens = new Map<string, string>();
  let child: ChildProcess | undefined;
  let out = '';

  const waitForOutput = (text: string, timeoutMs = 120_000) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        if (out.includes(text)) return resolve();
        if (!child || child.exitCode !== null) return reject(new Error(`local mode exited before printing "${text}":\n${out.slice(-3000)}`));
        if (Date.now() - started > timeoutMs) return reject(new Error(`local mode did not print "${text}" within ${timeoutMs} ms:\n${out.slice(-3000)}`));
        setTimeout(check, 100);
      };
      check();
    });

  const proc: LocalProcess = {
    dataDir,
    endpoints,
    output: () => out,
    async start(env = {}) {
      out = '';
      child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'infra', 'local', 'main.ts')], {
        cwd: repoRoot,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...options.env,
          ...env,
          CHANCERY_DATA_DIR: dataDir,
          ...Object.fromEntries(PORT_NAMES.map((n) => [`CHANCERY_PORT_${n}`, String(ports[n])])),
        },
      });
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await waitForOutput(STARTED);
      // The start-up reconcile round has run once this line is out.
      await waitForOutput('启动补偿');
    },
    async kill9() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      process.kill(-c.pid!, 'SIGKILL');
      await exited;
      // The group's other members (DynamoDB Local's JVM) need a moment to be reaped and free their ports.
      for (let i = 0; i < 100 && (await portsBusy(ports)); i++) await new Promise((r) => setTimeout(r, 100));
    },
    waitForOutput,
    async api(user, method, path, body) {
      let token = tokens.get(user);
      if (!token) {
        const res = await fetch(`${endpoints.api}/local-auth/login`, { method: 'POST', body: JSON.stringify({ username: user, password: LOCAL_PASSWORD }) });
        token = ((await res.json()) as { idToken: string }).idToken;
        tokens.set(user, token);
      }
      const res = await fetch(`${endpoints.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async upload(name, body) {
      await s3.send(new PutObjectCommand({ Bucket: 'chancery-hq-inbox', Key: `scans/${name}`, Body: body }));
    },
    async scansLeft() {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: 'chancery-hq-inbox', Prefix: 'scans/' }));
      return res.KeyCount ?? 0;
    },
    async close() {
      await proc.kill9();
      s3.destroy();
      if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return proc;
}

async function portsBusy(ports: Record<string, number>): Promise<boolean> {
  const { createServer } = await import('node:net');
  for (const port of Object.values(ports)) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) return true;
  }
  return false;
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
