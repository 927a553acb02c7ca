/**
 * Items of the task-service operations, in the tasks table (a Query or Get each, never a Scan):
 *   pk DELEGATION#<delegator>, sk DELEGATION         a person's standing delegation (委托)
 *   pk DELEGATE#<delegate>,    sk <delegator>        the same, found from the delegate's side
 *   pk NOTE#<username>,        sk <at>#<id>          a notification (待办, 催办 …), newest first (delivery: adapters/notifications.ts)
 *   pk CIRC#<circId>,          sk CIRC               a circulation (传阅): readers in order, note
 *   pk READ#<docId>#<reader>,  sk CIRC#<circId>      one reader's item (待阅 → 已阅)
 *        gsi4pk BOX#toread#<reader> | BOX#read#<reader>, gsi4sk <openedAt|readAt>#<circId>
 *        gsi2pk UNREAD, gsi2sk <chaseAt>#<circId>#<reader>  (open-by-due: the sweep chases it once)
 *   pk TRACK#<username>,       sk DOC#<docId>        a document I decided on (在办跟踪)
 *        gsi4pk BOX#tracking#<username>, gsi4sk <lastActedAt>#<docId>
 * Decided tasks carry gsi4pk BOX#done#<decider> (已办), set by decideTaskItem.
 */
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { computeDeadline } from '../domain/calendar.js';
import { CHASE_UNREAD_AFTER_WORKING_DAYS, initialReadStatus, type Delegation, type ReadStatus } from '../domain/task-operations.js';
import type { Secrecy } from '../domain/identity.js';
import type { Assignment } from '../domain/route-platform.js';
import { documentClient } from './clients.js';
import { backoff, batchGetInOrder, decodeCursor, encodeCursor, queryAll, type Page, type TransactItem } from './dynamo.js';
import { env } from './env.js';
import { assignmentPartition, taskKey } from './tasks.js';
import { deliveryMarkItems, putNotificationItem, type Notification } from './notifications.js';

const table = () => env.tasksTable;

// ---- transfer and chase on a task ------------------------------------------------------------------

/** The task goes to `to`: its assignment and its by-assignee key move, only while it is open and still where we read it. */
export function transferTaskItem(taskId: string, from: Assignment, to: Assignment, at: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: taskKey(taskId),
      UpdateExpression: 'SET assignment = :to, gsi1pk = :partition, transferredAt = :at, transferCount = if_not_exists(transferCount, :zero) + :one',
      ConditionExpression: '#status = :open AND gsi1pk = :fromPartition',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':to': to, ':partition': assignmentPartition(to), ':fromPartition': assignmentPartition(from), ':at': at, ':open': 'open', ':zero': 0, ':one': 1 },
    },
  };
}

export function chaseTaskItem(taskId: string, at: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: taskKey(taskId),
      UpdateExpression: 'SET chaseCount = if_not_exists(chaseCount, :zero) + :one, chasedAt = :at',
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':at': at, ':open': 'open' },
    },
  };
}

// ---- notifications ---------------------------------------------------------------------------------

// The items themselves and their delivery: adapters/notifications.ts.
export { putNotificationItem, type Notification };

const stripKeys = ({ pk: _pk, sk: _sk, gsi2pk: _a, gsi2sk: _b, gsi4pk: _c, gsi4sk: _d, ...rest }: Record<string, unknown>) => rest;

export async function listNotifications(username: string, options: { cursor?: string; limit: number }): Promise<Page<Notification>> {
  const pk = `NOTE#${username}`;
  const res = await documentClient().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: options.limit,
      ExclusiveStartKey: decodeCursor(options.cursor, ['pk', 'sk'], { pk }),
    }),
  );
  return { items: (res.Items ?? []).map((i) => stripKeys(i) as unknown as Notification), ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}) };
}

// ---- delegation ------------------------------------------------------------------------------------

const delegationKey = (delegator: string) => ({ pk: `DELEGATION#${delegator}`, sk: 'DELEGATION' });
const delegateKey = (delegate: string, delegator: string) => ({ pk: `DELEGATE#${delegate}`, sk: delegator });

export async function getDelegation(delegator: string): Promise<Delegation | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: table(), Key: delegationKey(delegator), ConsistentRead: true }));
  return res.Item ? (stripKeys(res.Item) as unknown as Delegation) : undefined;
}

/** Delegations naming `delegate` (in force or not; the caller checks the date). */
export async function delegationsTo(delegate: string): Promise<Delegation[]> {
  const items = await queryAll({ TableName: table(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `DELEGATE#${delegate}` } });
  return items.map((i) => stripKeys(i) as unknown as Delegation);
}

/** Sets (or replaces) a delegation: both items, and the previous delegate's item goes. */
export function putDelegationItems(d: Delegation, previous?: Delegation): TransactItem[] {
  return [
    { Put: { TableName: table(), Item: { ...delegationKey(d.delegator), ...d } } },
    { Put: { TableName: table(), Item: { ...delegateKey(d.delegate, d.delegator), ...d } } },
    ...(previous && previous.delegate !== d.delegate ? [{ Delete: { TableName: table(), Key: delegateKey(previous.delegate, previous.delegator) } }] : []),
  ];
}

export function deleteDelegationItems(d: Delegation): TransactItem[] {
  return [
    { Delete: { TableName: table(), Key: delegationKey(d.delegator), ConditionExpression: 'attribute_exists(pk)' } },
    { Delete: { TableName: table(), Key: delegateKey(d.delegate, d.delegator) } },
  ];
}

// ---- circulation -----------------------------------------------------------------------------------

/** What a circulation and each of its read items show of the document (a list never reads the document). */
interface CirculatedDocument {
  circId: string;
  docId: string;
  title: string;
  secrecy: Secrecy;
  registerNumber: string;
  urgency: string;
  order: 'parallel' | 'rank';
  note: string;
}

export interface Circulation extends CirculatedDocument {
  readers: { username: string; name: string }[];
  by: string;
  byName: string;
  at: string;
  /** When an unread item is chased (the sweep), counted from when it opened. */
  chaseAfterWorkingDays: number;
}

export interface ReadItem extends CirculatedDocument {
  reader: string;
  readerName: string;
  seq: number;
  circulatedBy: string;
  circulatedByName: string;
  circulatedAt: string;
  status: ReadStatus;
  openedAt?: string;
  chaseAt?: string;
  readAt?: string;
  opinion?: string;
  chasedAt?: string;
}

const readKey = (docId: string, reader: string, circId: string) => ({ pk: `READ#${docId}#${reader}`, sk: `CIRC#${circId}` });
const circKey = (circId: string) => ({ pk: `CIRC#${circId}`, sk: 'CIRC' });

/** The circulation itself, written with its audit event; its read items follow in batches. */
export function putCirculationItem(c: Circulation): TransactItem {
  return { Put: { TableName: table(), Item: { ...circKey(c.circId), ...c }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

const openKeys = (item: Pick<ReadItem, 'reader' | 'circId'>, openedAt: string, chaseAt: string) => ({
  gsi4pk: `BOX#toread#${item.reader}`,
  gsi4sk: `${openedAt}#${item.circId}`,
  gsi2pk: 'UNREAD',
  gsi2sk: `${chaseAt}#${item.circId}#${item.reader}`,
});

/** The notification of a circulation (传阅) to a reader whose item opens: `seq` for one opened later in rank order. */
export function circulationNotice(c: CirculatedDocument & { by: string; byName: string }, at: string, seq?: number): Omit<Notification, 'to'> {
  return {
    id: seq === undefined ? `circ-${c.circId}` : `circ-${c.circId}-${seq}`,
    kind: '传阅',
    at,
    docId: c.docId,
    title: c.title,
    secrecy: c.secrecy,
    registerNumber: c.registerNumber,
    circId: c.circId,
    stepName: '传阅',
    note: c.note,
    from: c.by,
    fromName: c.byName,
  };
}

/** A reader's in-app notification of the circulation, beside their open read item (待阅). */
const noteOfOpenItem = (item: ReadItem) =>
  putNotificationItem({ ...circulationNotice({ ...item, by: item.circulatedBy, byName: item.circulatedByName }, item.circulatedAt), to: item.reader }).Put!.Item!;

/**
 * Writes the read items (25 a batch, the unprocessed retried), and beside each one open now its
 * reader's notification. Each is a plain Put of what the circulation determines, so writing them
 * again (a retry) changes nothing.
 */
export async function writeReadItems(items: ReadItem[]): Promise<void> {
  const requests = items.flatMap((item) => [
    { PutRequest: { Item: { ...readKey(item.docId, item.reader, item.circId), ...item, ...(item.status === 'toread' ? openKeys(item, item.openedAt!, item.chaseAt!) : {}) } } },
    ...(item.status === 'toread' ? [{ PutRequest: { Item: noteOfOpenItem(item) } }] : []),
  ]);
  for (let i = 0; i < requests.length; i += 25) {
    let batch: typeof requests | undefined = requests.slice(i, i + 25);
    for (let attempt = 0; batch?.length; attempt++) {
      const res = await documentClient().send(new BatchWriteCommand({ RequestItems: { [table()]: batch } }));
      batch = res.UnprocessedItems?.[table()] as typeof requests | undefined;
      if (batch?.length) await backoff(attempt);
    }
  }
}

/** The read items a circulation determines: in rank order only the first is open. */
export function readItemsFor(c: Circulation, chaseAt: string): ReadItem[] {
  return c.readers.map((r, seq) => {
    const status = initialReadStatus(c.order, seq);
    return {
      circId: c.circId,
      docId: c.docId,
      title: c.title,
      secrecy: c.secrecy,
      registerNumber: c.registerNumber,
      urgency: c.urgency,
      reader: r.username,
      readerName: r.name,
      seq,
      order: c.order,
      note: c.note,
      circulatedBy: c.by,
      circulatedByName: c.byName,
      circulatedAt: c.at,
      status,
      ...(status === 'toread' ? { openedAt: c.at, chaseAt } : {}),
    };
  });
}

// A circulation commits with a "to write" mark; its read items follow and the mark goes. A crash in
// between leaves the mark for the reconciler (finishCirculations), which writes what is missing.
const CIRCULATION_OUTBOX = 'OUTBOX#circulations';

export function circulationMarkItem(circId: string, chaseAt: string, at: string): TransactItem {
  return { Put: { TableName: table(), Item: { pk: CIRCULATION_OUTBOX, sk: circId, circId, chaseAt, at } } };
}

export async function clearCirculationMark(circId: string): Promise<void> {
  await documentClient().send(new DeleteCommand({ TableName: table(), Key: { pk: CIRCULATION_OUTBOX, sk: circId } }));
}

/** Writes the read items of circulations a crash left half written (never overwriting one already there). */
export async function finishCirculations(olderThan: string): Promise<number> {
  const all = await queryAll({ TableName: table(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': CIRCULATION_OUTBOX } });
  // Younger marks belong to a request still writing its items.
  const marks = all.filter((m) => String(m.at) <= olderThan);
  for (const mark of marks) {
    const c = await getCirculation(String(mark.circId));
    for (const item of c ? readItemsFor(c, String(mark.chaseAt)) : []) {
      try {
        await documentClient().send(
          new PutCommand({
            TableName: table(),
            Item: { ...readKey(item.docId, item.reader, item.circId), ...item, ...(item.status === 'toread' ? openKeys(item, item.openedAt!, item.chaseAt!) : {}) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
      if (item.status === 'toread') await documentClient().send(new PutCommand({ TableName: table(), Item: noteOfOpenItem(item) }));
    }
    await clearCirculationMark(String(mark.circId));
  }
  return marks.length;
}

/** My items for one document (usually one), oldest circulation first. */
export async function readItemsOf(docId: string, reader: string): Promise<ReadItem[]> {
  const items = await queryAll({ TableName: table(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `READ#${docId}#${reader}` }, ConsistentRead: true });
  return items.map((i) => stripKeys(i) as unknown as ReadItem).sort((a, b) => a.circulatedAt.localeCompare(b.circulatedAt));
}

export async function getCirculation(circId: string): Promise<Circulation | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: table(), Key: circKey(circId), ConsistentRead: true }));
  return res.Item ? (stripKeys(res.Item) as unknown as Circulation) : undefined;
}

/** toread → read: leaves the 待阅 box and the sweep's list, enters 已阅. */
export function markReadItem(item: ReadItem, at: string, opinion: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: readKey(item.docId, item.reader, item.circId),
      UpdateExpression: 'SET #status = :read, readAt = :at, opinion = :opinion, gsi4pk = :box, gsi4sk = :boxAt REMOVE gsi2pk, gsi2sk',
      ConditionExpression: '#status = :toread',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':read': 'read', ':toread': 'toread', ':at': at, ':opinion': opinion, ':box': `BOX#read#${item.reader}`, ':boxAt': `${at}#${item.circId}` },
    },
  };
}

/** waiting → toread (rank order: the previous reader has read). */
export function openReadItem(docId: string, reader: string, circId: string, openedAt: string, chaseAt: string): TransactItem {
  const keys = openKeys({ reader, circId }, openedAt, chaseAt);
  return {
    Update: {
      TableName: table(),
      Key: readKey(docId, reader, circId),
      UpdateExpression: 'SET #status = :toread, openedAt = :at, chaseAt = :chaseAt, gsi4pk = :g4pk, gsi4sk = :g4sk, gsi2pk = :g2pk, gsi2sk = :g2sk',
      ConditionExpression: '#status = :waiting',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':toread': 'toread', ':waiting': 'waiting', ':at': openedAt, ':chaseAt': chaseAt, ':g4pk': keys.gsi4pk, ':g4sk': keys.gsi4sk, ':g2pk': keys.gsi2pk, ':g2sk': keys.gsi2sk },
    },
  };
}

/** Unread items whose chase time has come, oldest first, a page at a time. */
export async function listUnreadDueBy(now: string, cursor?: string, limit = 100): Promise<Page<ReadItem>> {
  const res = await documentClient().send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'open-by-due',
      KeyConditionExpression: 'gsi2pk = :unread AND gsi2sk <= :now',
      ExpressionAttributeValues: { ':unread': 'UNREAD', ':now': `${now}#~` },
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, ['pk', 'sk', 'gsi2pk', 'gsi2sk'], { gsi2pk: 'UNREAD' }),
    }),
  );
  // The index copies only what open-task lists show: the read items themselves come from the table.
  const items = await batchGetInOrder(table(), res.Items ?? []);
  return { items: items.map((i) => stripKeys(i) as unknown as ReadItem), ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}) };
}

/** Chased once: off the sweep's list (still 待阅). Fails once read or already chased. */
export function chaseReadItem(item: ReadItem, at: string): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: readKey(item.docId, item.reader, item.circId),
      UpdateExpression: 'SET chasedAt = :at REMOVE gsi2pk, gsi2sk',
      ConditionExpression: '#status = :toread AND attribute_exists(gsi2pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':at': at, ':toread': 'toread' },
    },
  };
}

// ---- tracking and boxes ----------------------------------------------------------------------------

/** I acted on this document: it is in my 在办跟踪 box, the latest act first. */
export function trackItem(username: string, docId: string, at: string): TransactItem {
  return {
    Put: {
      TableName: table(),
      Item: { pk: `TRACK#${username}`, sk: `DOC#${docId}`, docId, username, lastActedAt: at, gsi4pk: `BOX#tracking#${username}`, gsi4sk: `${at}#${docId}` },
    },
  };
}

/** One page of a person's box (by-box index), newest first. */
export async function listBox(box: 'done' | 'toread' | 'read' | 'tracking', username: string, options: { cursor?: string; limit: number }): Promise<Page<Record<string, unknown>>> {
  const partition = `BOX#${box}#${username}`;
  const res = await documentClient().send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'by-box',
      KeyConditionExpression: 'gsi4pk = :p',
      ExpressionAttributeValues: { ':p': partition },
      ScanIndexForward: false,
      Limit: options.limit,
      ExclusiveStartKey: decodeCursor(options.cursor, ['pk', 'sk', 'gsi4pk', 'gsi4sk'], { gsi4pk: partition }),
    }),
  );
  // The index keeps keys only (a decided task holds its token): the items come from the table.
  const items = await batchGetInOrder(table(), res.Items ?? []);
  return { items, ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}) };
}

/** Document META items by id (BatchGet; ≤ 100 ids). */
export async function getDocumentsById(docIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let keys: Record<string, unknown>[] | undefined = [...new Set(docIds)].map((id) => ({ pk: `DOC#${id}`, sk: 'META' }));
  for (let attempt = 0; keys?.length; attempt++) {
    const res: BatchGetCommandOutput = await documentClient().send(new BatchGetCommand({ RequestItems: { [env.documentsTable]: { Keys: keys } } }));
    for (const item of res.Responses?.[env.documentsTable] ?? []) found.set(String(item.docId), item);
    keys = res.UnprocessedKeys?.[env.documentsTable]?.Keys;
    if (keys?.length) await backoff(attempt);
  }
  return found;
}


/**
 * A new circulation of a document to its readers (传阅, or 阅知 from a decision), chased after
 * CHASE_UNREAD_AFTER_WORKING_DAYS; the readers whose item opens are notified. Commit `items` with
 * the act's own record; then `finish()` writes the read items (up to 500, beyond one transaction)
 * and clears the mark the reconciler would otherwise finish from.
 */
export function newCirculation(
  doc: Pick<Circulation, 'docId' | 'title' | 'secrecy' | 'registerNumber' | 'urgency'>,
  readers: { username: string; name: string }[],
  options: { order: Circulation['order']; note: string; by: { username: string; name: string }; now: Date },
): { circulation: Circulation; items: TransactItem[]; finish(): Promise<void> } {
  const at = options.now.toISOString();
  const chaseAt = computeDeadline(options.now, { workingDays: CHASE_UNREAD_AFTER_WORKING_DAYS }, env.deadlineOptions).dueAt;
  const circulation: Circulation = {
    circId: randomBytes(8).toString('hex'),
    docId: doc.docId,
    title: doc.title,
    secrecy: doc.secrecy,
    registerNumber: doc.registerNumber,
    urgency: doc.urgency,
    readers,
    order: options.order,
    note: options.note,
    by: options.by.username,
    byName: options.by.name,
    at,
    chaseAfterWorkingDays: CHASE_UNREAD_AFTER_WORKING_DAYS,
  };
  // Readers whose item opens now are told: all of them, or in rank order the first. Their in-app
  // notifications ride with the read items; the mail's mark commits with the circulation.
  const told = circulation.order === 'rank' ? readers.slice(0, 1) : readers;
  return {
    circulation,
    items: [
      putCirculationItem(circulation),
      circulationMarkItem(circulation.circId, chaseAt, at),
      ...deliveryMarkItems(circulationNotice(circulation, at), told.map((r) => r.username)),
    ],
    finish: async () => {
      await writeReadItems(readItemsFor(circulation, chaseAt));
      await clearCirculationMark(circulation.circId);
    },
  };
}
