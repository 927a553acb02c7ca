/**
 * The people table (人员目录): one partition per person — META (the record), DEPT and one ROLE#<role>
 * item per role, each listed in the `by-list` index (everyone, a department, a role; a role per
 * department) — and every change written in one transaction with its event on the admin audit
 * chain, so no change goes unrecorded.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit-chain.js';
import type { BranchConfig } from '../domain/branch-config.js';
import type { Role } from '../domain/identity.js';
import type { Person, PersonRecord } from '../domain/people.js';
import { Refusal } from '../domain/refusal.js';
import { transactWithAudit } from './audit.js';
import { documentClient } from './clients.js';
import { batchGetInOrder, decodeCursor, encodeCursor, queryAll, TransactionConflict, type Page, type TransactItem } from './dynamo.js';
import { env } from './env.js';

/** The admin audit trail: every change to the directory, one chain (the audit admin reads it). */
export const ADMIN_CHAIN = 'ADMIN#people';
const LIST_INDEX = 'by-list';
const EVERYONE = 'PEOPLE';
const NO_DEPARTMENT = '-';

const personPk = (username: string) => `PERSON#${username}`;
const metaKey = (username: string) => ({ pk: personPk(username), sk: 'META' });

function recordOf(item: Record<string, unknown>): PersonRecord {
  return {
    username: String(item.username),
    name: String(item.name),
    ...(item.department ? { department: String(item.department) } : {}),
    roles: ((item.roles as string[] | undefined) ?? []) as Role[],
    clearance: item.clearance as PersonRecord['clearance'],
    ...(item.email ? { email: String(item.email) } : {}),
    active: item.active !== false,
    version: Number(item.version),
    createdAt: String(item.createdAt),
    createdBy: String(item.createdBy),
    updatedAt: String(item.updatedAt),
    updatedBy: String(item.updatedBy),
  };
}

/** The person's record as stored; the caller's own look-up reads it strongly consistent. */
export async function getPerson(username: string, consistent = true): Promise<PersonRecord | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: env.peopleTable, Key: metaKey(username), ConsistentRead: consistent }));
  return res.Item ? recordOf(res.Item) : undefined;
}

/** The person only, without the record's bookkeeping (what the audit trail shows of them). */
export const personOf = (r: Person): Person => ({
  username: r.username,
  name: r.name,
  ...(r.department ? { department: r.department } : {}),
  roles: [...r.roles],
  clearance: r.clearance,
  ...(r.email ? { email: r.email } : {}),
  active: r.active,
});

/** META, DEPT and ROLE# items of `after`, and the deletes of what `before` had that `after` has not. */
function writeItems(after: PersonRecord, before: PersonRecord | undefined): TransactItem[] {
  const TableName = env.peopleTable;
  const pk = personPk(after.username);
  const meta: TransactItem = {
    Put: {
      TableName,
      Item: { ...metaKey(after.username), lpk: EVERYONE, lsk: after.username, ...after },
      ...(before
        ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
  const items: TransactItem[] = [meta];
  for (const role of after.roles) {
    items.push({ Put: { TableName, Item: { pk, sk: `ROLE#${role}`, lpk: `ROLE#${role}`, lsk: `${after.department ?? NO_DEPARTMENT}#${after.username}` } } });
  }
  for (const role of before?.roles ?? []) if (!after.roles.includes(role)) items.push({ Delete: { TableName, Key: { pk, sk: `ROLE#${role}` } } });
  if (after.department) items.push({ Put: { TableName, Item: { pk, sk: 'DEPT', lpk: `DEPT#${after.department}`, lsk: after.username } } });
  else if (before?.department) items.push({ Delete: { TableName, Key: { pk, sk: 'DEPT' } } });
  return items;
}

export interface Change {
  at: string;
  /** Who makes it: a username, or `system:<what>` for seeding. */
  by: string;
  action: string;
  details?: Record<string, unknown>;
}

/** Adds a person; 409 when the username is taken. */
export async function createPerson(person: Person, change: Change): Promise<PersonRecord> {
  const record: PersonRecord = { ...personOf(person), version: 1, createdAt: change.at, createdBy: change.by, updatedAt: change.at, updatedBy: change.by };
  try {
    await transactWithAudit(ADMIN_CHAIN, { at: change.at, actor: change.by, action: change.action, details: { username: person.username, after: personOf(person), ...change.details } }, writeItems(record, undefined));
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new Refusal(409, `用户名 ${person.username} 已在人员目录中，请改为修改该人员`);
    throw err;
  }
  return record;
}

/** Writes `after` over `before` (as read); 409 when someone changed the person in between. */
export async function updatePerson(before: PersonRecord, after: Person, change: Change): Promise<PersonRecord> {
  const record: PersonRecord = { ...personOf(after), version: before.version + 1, createdAt: before.createdAt, createdBy: before.createdBy, updatedAt: change.at, updatedBy: change.by };
  try {
    await transactWithAudit(
      ADMIN_CHAIN,
      { at: change.at, actor: change.by, action: change.action, details: { username: before.username, before: personOf(before), after: personOf(after), ...change.details } },
      writeItems(record, before),
    );
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new Refusal(409, `人员 ${before.username} 刚被他人修改，请刷新后重试`);
    throw err;
  }
  return record;
}

/** A list's partition: everyone, a department, or a role (optionally within one department). */
function listOf(filter: { role?: Role; department?: string }): { lpk: string; prefix?: string } {
  if (filter.role) return { lpk: `ROLE#${filter.role}`, ...(filter.department ? { prefix: `${filter.department}#` } : {}) };
  if (filter.department) return { lpk: `DEPT#${filter.department}` };
  return { lpk: EVERYONE };
}

const KEY_NAMES = ['pk', 'sk', 'lpk', 'lsk'] as const;

/** One page of a list, by username (a Query on the list index, the records read back). */
export async function listPeople(filter: { role?: Role; department?: string; limit: number; cursor?: string }): Promise<Page<PersonRecord>> {
  const { lpk, prefix } = listOf(filter);
  const startKey = decodeCursor(filter.cursor, KEY_NAMES, { lpk }, prefix ? { lsk: prefix } : {});
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.peopleTable,
      IndexName: LIST_INDEX,
      KeyConditionExpression: prefix ? 'lpk = :lpk AND begins_with(lsk, :prefix)' : 'lpk = :lpk',
      ExpressionAttributeValues: { ':lpk': lpk, ...(prefix ? { ':prefix': prefix } : {}) },
      Limit: filter.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const entries = (res.Items ?? []).map((e) => ({ pk: e.pk, sk: 'META' }));
  const items = (await batchGetInOrder(env.peopleTable, entries)).map(recordOf);
  const cursor = encodeCursor(res.LastEvaluatedKey);
  return { items, ...(cursor ? { cursor } : {}) };
}

/** Everyone holding a role (active or not), every page. */
export async function holdersOfRole(role: Role): Promise<PersonRecord[]> {
  const entries = await queryAll({
    TableName: env.peopleTable,
    IndexName: LIST_INDEX,
    KeyConditionExpression: 'lpk = :lpk',
    ExpressionAttributeValues: { ':lpk': `ROLE#${role}` },
  });
  return (await batchGetInOrder(env.peopleTable, entries.map((e) => ({ pk: e.pk, sk: 'META' })))).map(recordOf);
}

/** A transaction holds 100 items; the audit event takes 2, a person 2 + one per role. */
const SEED_ITEMS_PER_TRANSACTION = 90;

/**
 * Adds the people not in the directory yet (seeding: local mode's users, a deploy's first admin)
 * and leaves those already there as they are, so seeding again changes nothing. One audit event
 * per transaction names whom it added. Returns the usernames added.
 */
export async function seedPeople(people: Person[], change: Change): Promise<string[]> {
  const added: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const existing = new Set((await batchGetInOrder(env.peopleTable, people.map((p) => metaKey(p.username)))).map((i) => String(i.username)));
    const missing = people.filter((p) => !existing.has(p.username) && !added.includes(p.username));
    if (missing.length === 0) return added;
    try {
      let batch: { items: TransactItem[]; usernames: string[] } = { items: [], usernames: [] };
      const flush = async () => {
        if (batch.usernames.length === 0) return;
        await transactWithAudit(ADMIN_CHAIN, { at: change.at, actor: change.by, action: change.action, details: { usernames: batch.usernames, ...change.details } }, batch.items);
        added.push(...batch.usernames);
        batch = { items: [], usernames: [] };
      };
      for (const p of missing) {
        const record: PersonRecord = { ...personOf(p), version: 1, createdAt: change.at, createdBy: change.by, updatedAt: change.at, updatedBy: change.by };
        const items = writeItems(record, undefined);
        if (batch.items.length + items.length > SEED_ITEMS_PER_TRANSACTION) await flush();
        batch.items.push(...items);
        batch.usernames.push(p.username);
      }
      await flush();
      return added;
    } catch (err) {
      // Someone added one of them meanwhile: read again and add the rest.
      if (!(err instanceof TransactionConflict) || attempt >= 3) throw err;
    }
  }
}

/**
 * The branch's first system admin (config `firstAdmin`), added when no record of that username
 * exists — the first reconcile round after a deploy, or local mode's start. A record that exists
 * (even deactivated, or with other roles by now) is left alone. Returns the username if added.
 */
export async function ensureFirstAdmin(config: Pick<BranchConfig, 'firstAdmin'>, at: string): Promise<string | undefined> {
  const first = config.firstAdmin;
  if (!first || (await getPerson(first.username, false))) return undefined;
  const added = await seedPeople([{ username: first.username, name: first.name, roles: ['system-admin'], clearance: '非密', active: true }], {
    at,
    by: 'system:deploy',
    action: 'person.first-admin',
  });
  return added[0];
}

/** The admin audit trail, newest first, a page at a time. */
export async function listAdminAudit(options: { limit: number; cursor?: string }): Promise<Page<ChainedAuditEvent>> {
  const startKey = decodeCursor(options.cursor, ['pk', 'sk'], { pk: ADMIN_CHAIN }, { sk: 'SEQ#' });
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.auditTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seq)',
      ExpressionAttributeValues: { ':pk': ADMIN_CHAIN, ':seq': 'SEQ#' },
      ScanIndexForward: false,
      Limit: options.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const items = (res.Items ?? []).map(({ pk: _pk, sk: _sk, ...event }) => event as unknown as ChainedAuditEvent);
  const cursor = encodeCursor(res.LastEvaluatedKey);
  return { items, ...(cursor ? { cursor } : {}) };
}
