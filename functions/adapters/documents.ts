/**
 * Documents (公文) and their processing-slip lines, in the documents table:
 *   pk DOC#<docId>, sk META          the document
 *   pk DOC#<docId>, sk SLIP#<at>#<n> one line of the processing slip (文件处理笺)
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SlipLine } from '../domain/processing-slip.js';
import type { Secrecy } from '../domain/identity.js';
import type { Decisions, Urgency } from '../domain/route-platform.js';
import type { Role } from '../domain/identity.js';
import { documentClient } from './clients.js';
import { queryAll, type TransactItem } from './dynamo.js';
import { env } from './env.js';

export type DocumentStatus = 'registered' | 'in-progress' | 'filed' | 'failed' | 'withdrawn' | 'returned-to-sender';

export interface DocumentRecord {
  docId: string;
  route: string;
  title: string;
  sender: string;
  sourceNumber: string;
  urgency: Urgency;
  secrecy: Secrecy;
  register: string;
  registerYear: number;
  registerSerial: number;
  registerNumber: string;
  receivedAt: string;
  registeredAt: string;
  /**
   * The scan this document is (or the file an internal document was submitted as, through
   * POST /uploads): `key` is its immutable per-document copy (originals/<docId>/),
   * `sha256` the hash of the bytes checked at intake, verified again when filed; `sourceKey` is
   * where the scanner put it; `versionId` (versioned buckets) is read on every access.
   */
  scan?: { bucket: string; key: string; versionId?: string; sourceKey: string; etag: string; sha256: string; size: number; contentType: string; fileName: string };
  /** 附件: files uploaded with the document or with a 办理反馈, each pinned under originals/<docId>/attachments/. */
  attachments?: Attachment[];
  status: DocumentStatus;
  /**
   * 登记: numbered on arrival; the clerk completes the entry (份数, 页数, 收文方式 …) by `dueAt`
   * (half a working day). Until then the document waits on the registration desk.
   */
  registration?: { dueAt: string; completedAt?: string; completedBy?: string; copies?: number; pages?: number; receiptMethod?: string };
  /** Set once the document has left a step other than forward (退回, 直送, 撤回): new tasks then read its history. */
  moved?: boolean;
  /** Bumped when registration changes the route: each route run has its own execution name. */
  routeRun?: number;
  /** An internal document's text, as the department submitted it (内部来文: no scan). */
  content?: string;
  /** Who submitted an internal document: replies and execution go back to them. */
  requester?: { username: string; name: string; department?: string; role: Role };
  /** What the route starts with besides the document (an outgoing draft's 送审: its 会审 reviewers). */
  startDecisions?: Decisions;
  /** Written by earlier versions on each new task; where a document is now comes from its open tasks. */
  currentStep?: string;
  executionArn?: string;
  archive?: { archiveCode: string; prefix: string; bucket: string; filedAt: string };
}

/**
 * One attached file: `key` its immutable copy (a conditional write, never deleted), `sha256` the
 * hash of the bytes checked when it was attached, verified again when filed.
 */
export interface Attachment {
  uploadId: string;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  bucket: string;
  key: string;
  versionId?: string;
  uploadedBy: string;
  uploadedByName: string;
  attachedAt: string;
  /** Attached with a 办理反馈 on this task (else with the document itself). */
  taskId?: string;
  stepName?: string;
}

export const docKey = (docId: string) => ({ pk: `DOC#${docId}`, sk: 'META' });

export async function getDocument(docId: string): Promise<DocumentRecord | undefined> {
  const res = await documentClient().send(
    new GetCommand({ TableName: env.documentsTable, Key: docKey(docId), ConsistentRead: true }),
  );
  if (!res.Item) return undefined;
  const { pk: _pk, sk: _sk, ...doc } = res.Item;
  return doc as DocumentRecord;
}

export function putDocumentItem(doc: DocumentRecord): TransactItem {
  return {
    Put: {
      TableName: env.documentsTable,
      Item: { ...docKey(doc.docId), ...doc },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** A transaction item that sets fields of the document (which must exist). */
export function updateDocumentItem(docId: string, fields: Partial<DocumentRecord>, condition?: string): TransactItem {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  const names = Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k]));
  const values = Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v]));
  return {
    Update: {
      TableName: env.documentsTable,
      Key: docKey(docId),
      UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: ['attribute_exists(pk)', condition].filter(Boolean).join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

export function putSlipLineItem(docId: string, line: SlipLine, uniqueSuffix: string): TransactItem {
  return {
    Put: {
      TableName: env.documentsTable,
      Item: { pk: `DOC#${docId}`, sk: `SLIP#${line.at}#${uniqueSuffix}`, ...line },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

const SLIP_PREFIX = 'SLIP#';

/** The slip lines of a document with their item keys (what the audit trail covers), in order. */
export async function listSlipLineRecords(docId: string): Promise<{ key: string; record: Record<string, unknown> }[]> {
  const items = await queryAll({
    TableName: env.documentsTable,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :slip)',
    ExpressionAttributeValues: { ':pk': `DOC#${docId}`, ':slip': SLIP_PREFIX },
  });
  return items.map(({ pk, sk, ...line }) => ({ key: `${String(pk)}|${String(sk)}`, record: line }));
}

/** The slip lines of a document, in the order they were written. */
export async function listSlipLines(docId: string): Promise<SlipLine[]> {
  return (await listSlipLineRecords(docId)).map((r) => r.record as unknown as SlipLine);
}

/**
 * The slip lines a transaction writes, keyed as listSlipLineRecords keys them: the audit event of
 * the same transaction records their digests, so a line edited later in the table shows.
 */
export function slipLinesWritten(items: TransactItem[]): { key: string; record: Record<string, unknown> }[] {
  return items.flatMap((item) => {
    const put = item.Put;
    if (!put || put.TableName !== env.documentsTable || !String(put.Item?.sk ?? '').startsWith(SLIP_PREFIX)) return [];
    const { pk, sk, ...line } = put.Item as Record<string, unknown>;
    return [{ key: `${String(pk)}|${String(sk)}`, record: line }];
  });
}

/** Records the route's execution; fails (condition) once it is recorded (duplicate events). */
export function routeStartedItem(docId: string, executionArn: string): TransactItem {
  return {
    Update: {
      TableName: env.documentsTable,
      Key: docKey(docId),
      UpdateExpression: 'SET executionArn = :arn, #status = :started',
      ConditionExpression: '#status = :registered',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':arn': executionArn, ':started': 'in-progress', ':registered': 'registered' },
    },
  };
}

/** The document is filed: status `filed`, no current step. Fails (condition) if already filed. */
export function markFiledItem(docId: string): TransactItem {
  return {
    Update: {
      TableName: env.documentsTable,
      Key: docKey(docId),
      UpdateExpression: 'SET #status = :filed REMOVE currentStep',
      ConditionExpression: 'attribute_exists(pk) AND #status <> :filed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':filed': 'filed' },
    },
  };
}

/** Gives the document its archive location once; fails (condition) if it already has one. */
export function setArchiveItem(docId: string, archive: NonNullable<DocumentRecord['archive']>): TransactItem {
  return {
    Update: {
      TableName: env.documentsTable,
      Key: docKey(docId),
      UpdateExpression: 'SET #archive = :archive',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#archive)',
      ExpressionAttributeNames: { '#archive': 'archive' },
      ExpressionAttributeValues: { ':archive': archive },
    },
  };
}

/** Adds attachments to the document, as long as it then holds at most `max`. */
export function addAttachmentsItem(docId: string, attachments: Attachment[], max: number): TransactItem {
  return {
    Update: {
      TableName: env.documentsTable,
      Key: docKey(docId),
      UpdateExpression: 'SET attachments = list_append(if_not_exists(attachments, :empty), :new)',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(attachments) OR size(attachments) <= :room)',
      ExpressionAttributeValues: { ':empty': [], ':new': attachments, ':room': max - attachments.length },
    },
  };
}
