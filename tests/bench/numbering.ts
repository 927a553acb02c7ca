/**
 * Bench: 发文字号 throughput — N documents numbered at once in one code's series (the counter bump,
 * the entry, the document's number item and the audit event in one transaction, retried on
 * conflict) beside the same number of conditional PutItems on fresh keys at the same concurrency,
 * against the same DynamoDB Local in the same run.
 */
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Actor } from '../../functions/domain/identity.js';
import { numberOutgoing } from '../../functions/adapters/outgoing.js';
import { LOCAL_ACCESS_KEY, LOCAL_REGION } from '../../infra/local/wiring.js';

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

export async function benchNumbering(dynamodbEndpoint: string, concurrency = 200) {
  const clerk: Actor = { username: 'wangfang', name: '王芳', roles: ['clerk'], department: 'BGS', clearance: '机密' };
  const run = `${Date.now()}`;
  const t0 = performance.now();
  const given = await Promise.all(
    Array.from({ length: concurrency }, (_, i) =>
      numberOutgoing({ code: 'company', actor: clerk, document: { docId: `bench-${run}-${i}`, title: '关于基准测试的通知', docType: '通知', secrecy: '非密', signer: 'zhaomin', signedAt: new Date().toISOString() } }),
    ),
  );
  const numberingMs = performance.now() - t0;
  const serials = given.map((g) => g.serial).sort((a, b) => a - b);
  const gapFree = serials.every((s, i) => i === 0 || s === serials[i - 1] + 1) && new Set(serials).size === concurrency;

  const ddb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
  const table = `bench-cond-${run}`;
  await ddb.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
  try {
    const t1 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, (_, i) => ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `k-${i}` }, n: { N: String(i) } }, ConditionExpression: 'attribute_not_exists(pk)' }))));
    const rawMs = performance.now() - t1;
    const numbersPerSecond = round(concurrency / (numberingMs / 1000));
    const rawWritesPerSecond = round(concurrency / (rawMs / 1000));
    return {
      concurrency,
      numbersPerSecond,
      totalMs: round(numberingMs),
      gapFree,
      rawConditionalPutsPerSecond: rawWritesPerSecond,
      rawTotalMs: round(rawMs),
      ratioToRaw: round(numbersPerSecond / rawWritesPerSecond, 4),
      note: 'one series (one counter) vs. independent fresh keys: numbering is serial by design (no reuse, no gap)',
    };
  } finally {
    await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    ddb.destroy();
  }
}
