/**
 * The audit trail against someone who can write the tables but has no audit key: documents are
 * driven a few steps through the real local services, then their stored trail is tampered with
 * through a raw DynamoDB client. Every kind of tampering must show as a broken trail in
 * GET /documents/{docId} and in the archive package; the untouched document verifies.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainEvent, GENESIS_HASH, headMessage, type ChainedAuditEvent } from '../../functions/domain/audit-chain.js';
import { LOCAL_ACCESS_KEY, LOCAL_REGION } from '../../infra/local/wiring.js';
import { archiveBucket, archivePackage, decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let ddb: DynamoDBDocumentClient;
const NAMES = ['untouched', 'edited', 'truncated', 'recomputed', 'slip'] as const;
const docs = {} as Record<(typeof NAMES)[number], string>;
const table = (id: string) => h.local.wiring.tables.find((t) => t.id === id)!.tableName;

beforeAll(async () => {
  h = await startHarness();
  ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: h.local.endpoints.dynamodb, region: LOCAL_REGION, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } }),
  );
  for (const name of NAMES) await h.upload(`审计-${name}.pdf`, await makePdf(name));
  await h.local.settle();
  const entries = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items as any[];
  for (const name of NAMES) {
    const docId = entries.find((e) => e.scanKey === `scans/审计-${name}.pdf`).docId as string;
    docs[name] = docId;
    // Two decisions each: two slip lines, and events after them.
    await decideNext(h, 'liqiang', docId, { opinion: `拟办意见 ${name}`, department: 'SCJSK' });
    await decideNext(h, 'zhaomin', docId, { opinion: `阅批意见 ${name}`, deputy: 'sunwei' });
  }
});
afterAll(async () => {
  ddb?.destroy();
  await h?.close();
});

async function events(docId: string): Promise<(ChainedAuditEvent & { pk: string; sk: string })[]> {
  const res = await ddb.send(
    new QueryCommand({ TableName: table('audit'), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seq)', ExpressionAttributeValues: { ':pk': `DOC#${docId}`, ':seq': 'SEQ#' } }),
  );
  return res.Items as any[];
}
async function verification(docId: string) {
  const res = await h.api('zhaomin', 'GET', `/documents/${docId}`);
  expect(res.status).toBe(200);
  return res.body.audit.verification as { ok: boolean; reason?: string; brokenAtSeq?: number };
}
async function auditJson(docId: string) {
  const { prefix } = (await h.api('zhaomin', 'GET', `/documents/${docId}`)).body.document.archive;
  return JSON.parse((await archivePackage(h.local.s3, archiveBucket(h.local), prefix)).get('audit.json')!.toString('utf8')) as { verification: { ok: boolean; reason?: string }; head: { seq: number; hash: string; mac: string }; events: unknown[] };
}
async function finish(docId: string) {
  await decideNext(h, 'sunwei', docId, { opinion: '请办理' });
  await decideNext(h, 'zhoujie', docId, { opinion: '已办理' });
  await decideNext(h, 'wangfang', docId, { opinion: '已立卷', retention: 'D10' });
}

describe('before any tampering', () => {
  it('every document verifies, and the audit key lives in its own owner-only file', async () => {
    for (const docId of Object.values(docs)) expect(await verification(docId)).toEqual({ ok: true });
    const keyFile = statSync(join(h.dataDir, 'keys', 'audit-mac.key'));
    expect(keyFile.mode & 0o777).toBe(0o600);
    expect((await events(docs.untouched)).length).toBeGreaterThanOrEqual(6);
  });
});

describe('tampering by a table writer without the key', () => {
  it('(a) an edited middle event', async () => {
    const chain = await events(docs.edited);
    const middle = chain[Math.floor(chain.length / 2)];
    await ddb.send(new UpdateCommand({ TableName: table('audit'), Key: { pk: middle.pk, sk: middle.sk }, UpdateExpression: 'SET actor = :a', ExpressionAttributeValues: { ':a': 'mallory' } }));
    const v = await verification(docs.edited);
    expect(v).toMatchObject({ ok: false, brokenAtSeq: middle.seq });
    expect(v.reason).toBeTruthy();
  });

  it('(b) the last event deleted', async () => {
    const chain = await events(docs.truncated);
    const last = chain.at(-1)!;
    await ddb.send(new DeleteCommand({ TableName: table('audit'), Key: { pk: last.pk, sk: last.sk } }));
    const v = await verification(docs.truncated);
    expect(v).toMatchObject({ ok: false, brokenAtSeq: last.seq });
    expect(v.reason).toContain('removed');
  });

  it('(c) an edited event with every later hash and the head recomputed: plain SHA-256, then a wrong HMAC key', async () => {
    const chain = await events(docs.recomputed);
    const decided = chain.findIndex((e) => e.action === 'task.decided');
    // Rewrite the director's opinion in the event, and relink everything after it, as the code does.
    const rewritten: ChainedAuditEvent[] = [];
    for (const [i, e] of chain.entries()) {
      const prev = i === 0 ? GENESIS_HASH : rewritten[i - 1].hash;
      const changed = i === decided ? { ...e, details: { ...e.details, decision: { ...(e.details.decision as object), opinion: '不予办理' } } } : e;
      rewritten.push(i < decided ? e : chainEvent(changed, prev));
    }
    for (const e of rewritten.slice(decided)) {
      await ddb.send(new PutCommand({ TableName: table('audit'), Item: { pk: `DOC#${docs.recomputed}`, sk: `SEQ#${String(e.seq).padStart(8, '0')}`, ...e } }));
    }
    const last = rewritten.at(-1)!;
    const setHead = (mac: string) =>
      ddb.send(
        new UpdateCommand({
          TableName: table('audit'),
          Key: { pk: `DOC#${docs.recomputed}`, sk: 'HEAD' },
          UpdateExpression: 'SET seq = :s, #h = :h, mac = :m',
          ExpressionAttributeNames: { '#h': 'hash' },
          ExpressionAttributeValues: { ':s': last.seq, ':h': last.hash, ':m': mac },
        }),
      );
    const message = headMessage(`DOC#${docs.recomputed}`, last.seq, last.hash);
    const original = (await ddb.send(new GetCommand({ TableName: table('audit'), Key: { pk: `DOC#${docs.recomputed}`, sk: 'HEAD' } }))).Item!;
    const attempts = {
      'the old MAC kept': String(original.mac),
      'a plain SHA-256 in place of the MAC': createHash('sha256').update(message).digest('base64'),
      'an HMAC under a key of the writer’s own': createHmac('sha256', randomBytes(32)).update(message).digest('base64'),
      'no MAC at all': '',
    };
    for (const [label, mac] of Object.entries(attempts)) {
      await setHead(mac);
      const v = await verification(docs.recomputed);
      expect(v.ok, label).toBe(false);
      expect(v.reason, label).toMatch(/MAC|sealed/);
    }
  });

  it('(d) an edited processing-slip line, in GET /documents and in the archive package', async () => {
    const lines = await ddb.send(
      new QueryCommand({ TableName: table('documents'), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)', ExpressionAttributeValues: { ':pk': `DOC#${docs.slip}`, ':s': 'SLIP#' } }),
    );
    expect(lines.Items).toHaveLength(2);
    const first = lines.Items![0];
    await ddb.send(new UpdateCommand({ TableName: table('documents'), Key: { pk: first.pk, sk: first.sk }, UpdateExpression: 'SET opinion = :o', ExpressionAttributeValues: { ':o': '不同意' } }));
    const v = await verification(docs.slip);
    expect(v.ok).toBe(false);
    expect(v.reason).toContain('altered');
    // Filed afterwards: the archive package records the broken trail too.
    await finish(docs.slip);
    const audit = await auditJson(docs.slip);
    expect(audit.verification.ok).toBe(false);
    expect(audit.verification.reason).toContain('altered');
  });

  it('the untouched document verifies, to its archive package, with a sealed head', async () => {
    expect(await verification(docs.untouched)).toEqual({ ok: true });
    await finish(docs.untouched);
    const audit = await auditJson(docs.untouched);
    expect(audit.verification).toEqual({ ok: true });
    expect(audit.head.mac).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(audit.head.seq).toBe(audit.events.length);
    expect(await verification(docs.untouched)).toEqual({ ok: true });
  });
});
