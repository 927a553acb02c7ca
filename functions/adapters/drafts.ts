/**
 * Outgoing drafts (拟稿) and their versions, in the documents table:
 *   pk DRAFT#<draftId>, sk META     the draft: state, current version, revision, current content, 签发
 *   pk DRAFT#<draftId>, sk V#0001 … one version each: the content then, who, when, note, fields changed
 *   pk DRAFTS#BY#<username>, sk <createdAt>#<draftId>     我的拟稿: one small item per draft, its id only
 *   pk DRAFTS#DEPT#<department>, sk <createdAt>#<draftId> 本科室拟稿: the same per department
 * The list items are written in the transaction that creates the draft (the table has no index to
 * list by); a list Queries one of them newest first and reads the drafts' META items by key.
 * Every write is conditional on the META item's `revision` (the loser of a race learns who won),
 * a version's item on not existing yet, and each is appended in the same transaction to the
 * draft's audit chain (documentChain(draftId)). Reads are key reads and Queries, never a Scan.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  checkAwaitSignature,
  checkConsent,
  checkSignable,
  contentHash,
  diffContent,
  draftListItem,
  draftListKey,
  DraftRefusal,
  reopenForSigning,
  staleRefusal,
  STATE_NAMES,
  type Draft,
  type DraftBox,
  type DraftContent,
  type DraftListItem,
  type DraftListSource,
  type DraftState,
  type DraftVersion,
} from '../domain/drafts.js';
import type { Actor } from '../domain/identity.js';
import { documentChain, transactWithAudit, type AuditInput } from './audit.js';
import { documentClient } from './clients.js';
import { backoff, batchGetInOrder, decodeCursor, encodeCursor, TransactionConflict, type Page, type TransactItem } from './dynamo.js';
import { env } from './env.js';

const pkOf = (draftId: string) => `DRAFT#${draftId}`;
const META = 'META';
const VERSION_PREFIX = 'V#';
export const versionKey = (n: number) => `${VERSION_PREFIX}${String(n).padStart(4, '0')}`;

const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
};

export async function getDraft(draftId: string): Promise<Draft | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: env.documentsTable, Key: { pk: pkOf(draftId), sk: META }, ConsistentRead: true }));
  return res.Item ? strip<Draft>(res.Item) : undefined;
}

export async function getVersion(draftId: string, version: number): Promise<DraftVersion | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: env.documentsTable, Key: { pk: pkOf(draftId), sk: versionKey(version) }, ConsistentRead: true }));
  return res.Item ? strip<DraftVersion>(res.Item) : undefined;
}

/** What a version list shows of each (the content stays with GET …/versions/{n}). */
export type VersionSummary = Pick<DraftVersion, 'version' | 'by' | 'byName' | 'at' | 'note' | 'changedFields' | 'contentHash'> & { consented?: boolean };

/** Versions oldest first, a page at a time; `cursor` from the previous page. */
export async function listVersions(draftId: string, limit: number, cursor?: string): Promise<Page<VersionSummary>> {
  const pk = pkOf(draftId);
  const start = decodeCursor(cursor, ['pk', 'sk'], { pk }, { sk: VERSION_PREFIX });
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.documentsTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': pk, ':v': VERSION_PREFIX },
      ProjectionExpression: '#version, #by, byName, #at, note, changedFields, contentHash, consent.#by',
      ExpressionAttributeNames: { '#version': 'version', '#by': 'by', '#at': 'at' },
      Limit: limit,
      ConsistentRead: true,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const items = (res.Items ?? []).map((item) => {
    const { consent, ...rest } = item as VersionSummary & { consent?: unknown };
    return { ...rest, ...(consent ? { consented: true } : {}) };
  });
  const next = res.LastEvaluatedKey ? encodeCursor({ pk: res.LastEvaluatedKey.pk, sk: res.LastEvaluatedKey.sk }) : undefined;
  return { items, ...(next ? { cursor: next } : {}) };
}

const metaPut = (draft: Draft, previous?: Pick<Draft, 'revision'>): TransactItem => ({
  Put: {
    TableName: env.documentsTable,
    Item: { pk: pkOf(draft.draftId), sk: META, ...draft },
    ...(previous
      ? { ConditionExpression: 'revision = :rev', ExpressionAttributeValues: { ':rev': previous.revision } }
      : { ConditionExpression: 'attribute_not_exists(pk)' }),
  },
});

/**
 * Writes the META item (conditional on the revision read) with `items` and the audit event; a
 * lost race becomes a 409 naming who changed the draft first and when.
 */
async function commit(next: Draft, previous: Draft | undefined, audit: AuditInput, items: TransactItem[] = []): Promise<void> {
  const all = [metaPut(next, previous), ...items];
  for (let attempt = 0; ; attempt++) {
    try {
      await transactWithAudit(documentChain(next.draftId), audit, all);
      return;
    } catch (err) {
      if (!(err instanceof TransactionConflict) || !err.failedIndexes.some((i) => i < all.length)) throw err;
      if (!previous) throw new DraftRefusal(409, `稿件 ${next.draftId} 已存在，请重新提交`);
      const current = await getDraft(next.draftId);
      if (!current) throw new DraftRefusal(404, `找不到稿件 ${next.draftId}`);
      // Two writers colliding may both be cancelled (TransactionConflict): if nobody won, try again.
      if (current.revision !== previous.revision || attempt >= 5) throw staleRefusal(current, env.branchConfig.timeZone);
      await backoff(attempt);
    }
  }
}

const person = (actor: Actor) => ({ username: actor.username, name: actor.name });

/** The draft's rows in 我的拟稿 (its drafter's) and 本科室拟稿 (its department's). */
function listItems(draft: Draft): TransactItem[] {
  const sk = `${draft.createdAt}#${draft.draftId}`;
  return [draftListKey('mine', { username: draft.drafter.username }), draftListKey('department', { username: draft.drafter.username, department: draft.department })].map((pk) => ({
    Put: { TableName: env.documentsTable, Item: { pk, sk, draftId: draft.draftId }, ConditionExpression: 'attribute_not_exists(pk)' },
  }));
}

export async function createDraft(draft: Draft, items: TransactItem[] = []): Promise<void> {
  await commit(draft, undefined, { at: draft.createdAt, actor: draft.drafter.username, action: 'draft.created', details: { title: draft.content.title, docType: draft.content.docType, secrecy: draft.content.secrecy.level } }, [...listItems(draft), ...items]);
}

/** What a list row reads of a META item: not the content's body, which may be 300 KB. */
const LIST_PROJECTION = {
  expression: '#draftId, #state, #version, #createdAt, #updatedAt, #drafter, #department, #content.#title, #content.#docType, #content.#secrecy, #content.#urgency',
  names: Object.fromEntries(['draftId', 'state', 'version', 'createdAt', 'updatedAt', 'drafter', 'department', 'content', 'title', 'docType', 'secrecy', 'urgency'].map((n) => [`#${n}`, n])),
};

/**
 * 我的拟稿 or 本科室拟稿, newest first, a page at a time: a Query of the list's partition, then the
 * drafts' META items by key (BatchGet). Each row hides the title of a draft `actor` is not cleared for.
 */
export async function listDrafts(actor: Actor, box: DraftBox, limit: number, cursor?: string): Promise<Page<DraftListItem>> {
  const pk = draftListKey(box, actor);
  const start = decodeCursor(cursor, ['pk', 'sk'], { pk });
  const res = await documentClient().send(
    new QueryCommand({
      TableName: env.documentsTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const entries = (res.Items ?? []).flatMap((i) => (typeof i.draftId === 'string' ? [{ pk: pkOf(i.draftId), sk: META }] : []));
  const drafts = await batchGetInOrder(env.documentsTable, entries, LIST_PROJECTION);
  const items = drafts.map((d) => draftListItem(actor, strip<DraftListSource>(d)));
  const next = res.LastEvaluatedKey ? encodeCursor({ pk: res.LastEvaluatedKey.pk, sk: res.LastEvaluatedKey.sk }) : undefined;
  return { items, ...(next ? { cursor: next } : {}) };
}

/** While drafting: the content replaced in place, no version. */
export async function updateInPlace(previous: Draft, content: DraftContent, actor: Actor, at: string, items: TransactItem[] = []): Promise<Draft> {
  const diff = diffContent(previous.content, content);
  const next: Draft = { ...previous, content, revision: previous.revision + 1, updatedAt: at, updatedBy: person(actor) };
  await commit(next, previous, { at, actor: actor.username, action: 'draft.edited', details: { fields: diff.fields.map((f) => f.field) } }, items);
  return next;
}

function versionItem(draftId: string, v: DraftVersion): TransactItem {
  return { Put: { TableName: env.documentsTable, Item: { pk: pkOf(draftId), sk: versionKey(v.version), ...v }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** 送审: version 1, the draft in review. */
export async function submitDraft(previous: Draft, actor: Actor, at: string, note?: string, items: TransactItem[] = [], details: Record<string, unknown> = {}): Promise<Draft> {
  const version: DraftVersion = { draftId: previous.draftId, version: 1, content: previous.content, by: actor.username, byName: actor.name, at, ...(note ? { note } : {}), changedFields: [], contentHash: contentHash(previous.content) };
  const next: Draft = { ...previous, state: 'in-review', version: 1, revision: previous.revision + 1, submittedAt: at, updatedAt: at, updatedBy: person(actor) };
  await commit(next, previous, { at, actor: actor.username, action: 'draft.submitted', details: { version: 1, contentHash: version.contentHash, ...details } }, [versionItem(previous.draftId, version), ...items]);
  return next;
}

/**
 * A change after submission: version n+1 with what changed. On a signed draft (the plan says
 * `reopen`) it uses the signer's consent and sends the draft back to 签发 (reopenForSigning).
 */
export async function addVersion(previous: Draft, content: DraftContent, actor: Actor, at: string, opts: { note?: string; reopen: boolean; items?: TransactItem[] }): Promise<{ draft: Draft; version: DraftVersion }> {
  const n = previous.version + 1;
  const diff = diffContent(previous.content, content);
  if (diff.fields.length === 0) throw new DraftRefusal(400, '内容没有变化，无需保存新版本');
  const base = opts.reopen ? reopenForSigning(previous) : previous;
  const version: DraftVersion = {
    draftId: previous.draftId,
    version: n,
    content,
    by: actor.username,
    byName: actor.name,
    at,
    ...(opts.note ? { note: opts.note } : {}),
    changedFields: diff.fields.map((f) => f.label),
    ...(opts.reopen && previous.consent ? { consent: previous.consent } : {}),
    contentHash: contentHash(content),
  };
  const next: Draft = { ...base, content, version: n, revision: previous.revision + 1, updatedAt: at, updatedBy: person(actor) };
  await commit(
    next,
    previous,
    {
      at,
      actor: actor.username,
      action: opts.reopen ? 'draft.reopened' : 'draft.versioned',
      details: { version: n, fields: diff.fields.map((f) => f.field), contentHash: version.contentHash, ...(opts.reopen ? { consentBy: previous.consent?.by, previousSigning: previous.signed?.contentHash } : {}) },
    },
    [versionItem(previous.draftId, version), ...(opts.items ?? [])],
  );
  return { draft: next, version };
}

async function load(draftId: string): Promise<Draft> {
  const draft = await getDraft(draftId);
  if (!draft) throw new DraftRefusal(404, `找不到稿件 ${draftId}`);
  return draft;
}

/** The route reached 签发: the draft waits for the signer (in-review → awaiting-signature). */
export async function markAwaitingSignature(draftId: string, actor: Actor, at: string): Promise<Draft> {
  const previous = await load(draftId);
  checkAwaitSignature(previous);
  const next: Draft = { ...previous, state: 'awaiting-signature', revision: previous.revision + 1, updatedAt: at, updatedBy: person(actor) };
  await commit(next, previous, { at, actor: actor.username, action: 'draft.awaiting-signature', details: { version: previous.version } });
  return next;
}

/**
 * 签发: the signer fixes the current version. Its content hash is recorded, so numbering and the
 * seal can check they print what was signed; `revision`, when given, makes the signing refuse a
 * draft changed since the signer read it.
 */
export async function signDraft(draftId: string, signer: Actor, at: string, opts: { opinion?: string; revision?: number } = {}): Promise<Draft> {
  const previous = await load(draftId);
  if (opts.revision !== undefined && opts.revision !== previous.revision) throw staleRefusal(previous, env.branchConfig.timeZone);
  checkSignable(signer, previous);
  const signed = { by: signer.username, byName: signer.name, at, version: previous.version, contentHash: contentHash(previous.content), ...(opts.opinion ? { opinion: opts.opinion } : {}) };
  const { consent: _c, ...rest } = previous;
  const next: Draft = { ...rest, state: 'signed', signed, revision: previous.revision + 1, updatedAt: at, updatedBy: person(signer) };
  await commit(next, previous, { at, actor: signer.username, action: 'draft.signed', details: { version: signed.version, contentHash: signed.contentHash } });
  return next;
}

/** 同意修改: the signer allows the next edit of the signed version (which then goes back to 签发). */
export async function recordConsent(draftId: string, signer: Actor, at: string, note: string): Promise<Draft> {
  const previous = await load(draftId);
  checkConsent(signer, previous);
  const next: Draft = { ...previous, consent: { by: signer.username, byName: signer.name, at, note, version: previous.version }, revision: previous.revision + 1, updatedAt: at, updatedBy: person(signer) };
  await commit(next, previous, { at, actor: signer.username, action: 'draft.consent', details: { version: previous.version, note } });
  return next;
}

/** Numbering and the seal move a signed draft on; each checks first that the version signed is the current one. */
export async function advanceDraft(
  draftId: string,
  to: Extract<DraftState, 'numbered' | 'sealed'>,
  actor: Actor,
  at: string,
  details: Record<string, unknown> = {},
  set: Pick<Partial<Draft>, 'printed' | 'sealed'> = {},
): Promise<Draft> {
  const previous = await load(draftId);
  const from: DraftState = to === 'numbered' ? 'signed' : 'numbered';
  if (previous.state !== from) throw new DraftRefusal(409, `稿件${STATE_NAMES[previous.state]}，只有${STATE_NAMES[from]}的稿件才能${to === 'numbered' ? '编号' : '用印'}`);
  if (!previous.signed || previous.signed.contentHash !== contentHash(previous.content)) throw new DraftRefusal(409, '稿件内容与签发时不一致，不能继续；请重新签发');
  const next: Draft = { ...previous, ...set, state: to, revision: previous.revision + 1, updatedAt: at, updatedBy: person(actor) };
  await commit(next, previous, { at, actor: actor.username, action: `draft.${to}`, details: { version: previous.version, ...details } });
  return next;
}

/**
 * 作废文号: the draft's number (and seal, if sealed) no longer stands — back to 已签发, the signing
 * kept, the voided number remembered; the item commits with the register's void (adapters/outgoing.ts).
 */
export function voidedNumberItem(previous: Draft, actor: Actor, at: string, reason: string): TransactItem {
  if ((previous.state !== 'numbered' && previous.state !== 'sealed') || !previous.printed) throw new DraftRefusal(409, `稿件${STATE_NAMES[previous.state]}，没有可作废的文号`);
  const { printed, sealed: _s, ...rest } = previous;
  const next: Draft = {
    ...rest,
    state: 'signed',
    voidedNumbers: [...(previous.voidedNumbers ?? []), { number: printed.number, at, by: actor.username, byName: actor.name, reason }],
    revision: previous.revision + 1,
    updatedAt: at,
    updatedBy: person(actor),
  };
  return metaPut(next, previous);
}
