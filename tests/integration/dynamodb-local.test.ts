/**
 * DynamoDB Local never outlives local mode, and a start never talks to one it did not start:
 * a real child process is killed with SIGKILL and the Java process it started must go too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { freePort } from '../../infra/local/local-mode.js';
import { localWiring } from '../../infra/local/wiring.js';

const wiring = localWiring(loadBranchConfig('hq'));
const dataDir = mkdtempSync(join(tmpdir(), 'chancery-ddb-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Starts DynamoDB Local in a separate Node process (one process: node --import tsx), resolves with the Java pid. */
async function startInChild(port: number): Promise<{ child: ChildProcess; javaPid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'start-dynamodb.ts'), dataDir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const javaPid = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line).pid);
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
  });
  return { child, javaPid };
}

const listTables = async (port: number) => {
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
};

describe('DynamoDB Local lifetime', () => {
  it('goes away when local mode is killed with SIGKILL, and the same data directory starts again', async () => {
    const port = await freePort();
    const { child, javaPid } = await startInChild(port);
    expect(alive(javaPid)).toBe(true);
    expect(await listTables(port)).toContain(wiring.tables[0].tableName);

    child.kill('SIGKILL');
    expect(await gone(javaPid, 8000)).toBe(true);

    const again = await startDynamoDbLocal({ dataDir, host: '127.0.0.1', port, wiring });
    try {
      expect(await listTables(port)).toContain(wiring.tables[0].tableName);
    } finally {
      await again.close();
    }
    expect(alive(again.pid)).toBe(false);
  }, 90_000);

  it('stops a DynamoDB Local of the same data directory left orphaned, and says so', async () => {
    const port = await freePort();
    const { child, javaPid } = await startInChild(port);
    // Kill local mode and the watchdog too, so Java really is orphaned.
    const [, wrapperPid, watchdogPid] = readFileSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'), 'utf8').trim().split(/\s+/).map(Number);
    for (const pid of [watchdogPid, wrapperPid]) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(javaPid)).toBe(true);

    const logged: string[] = [];
    const next = await startDynamoDbLocal({ dataDir, host: '127.0.0.1', port, wiring, log: (m) => logged.push(m) });
    try {
      expect(alive(javaPid)).toBe(false);
      expect(logged.join('\n')).toContain(`pid ${javaPid}`);
      expect(next.pid).not.toBe(javaPid);
      expect(await listTables(port)).toContain(wiring.tables[0].tableName);
    } finally {
      await next.close();
    }
  }, 90_000);

  it('refuses to start on a port something else holds, naming the port and the variable to move it', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    try {
      const start = startDynamoDbLocal({ dataDir, host: '127.0.0.1', port, wiring });
      await expect(start).rejects.toThrow(new RegExp(`端口 ${port} 已被其他程序占用[\\s\\S]*CHANCERY_PORT_DYNAMODB[\\s\\S]*Port ${port}`));
    } finally {
      squatter.close();
    }
  });
});
