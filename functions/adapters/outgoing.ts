/**
 * 发文字号 and the 发文登记簿 in the registers table (domain/outgoing-numbering.ts has the rules).
 *   pk REG#outgoing-<code id>#<year>, sk NO#…   one number: the register entry (appendRegisterEntry)
 *   pk OUTNO#<docId>, sk #                      the document's current number (idempotent numbering)
 * The counter bump, the entry, the document's number item and the audit event commit in one
 * TransactWriteItems, retried when another signing took the number first: no number is given
 * twice or skipped, however many documents are signed at once. A voided number keeps its entry
 * (marked void, who, why) and frees the document to be numbered again; the number is never reused.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../domain/identity.js';
import { localDate } from '../domain/calendar.js';
import { checkNumberable, checkVoidReason, issuingCodeOf, locateOutgoingNumber, outgoingEntryFields, outgoingNumber, outgoingRegister, type SignedFacts } from '../domain/outgoing-numbering.js';
import { Refusal } from '../domain/refusal.js';
import { documentChain, transactWithAudit } from './audit.js';
import { documentClient } from './clients.js';
import { now as clock } from './clock.js';
import { TransactionConflict, type TransactItem } from './dynamo.js';
import { env } from './env.js';
import { appendRegisterEntry, registerPartition } from './registers.js';

export interface OutgoingNumber {
  docId: string;
  /** 管司发〔2026〕7号 */
  number: string;
  /** 代字 and its id. */
  code: string;
  codeId: string;
  register: string;
  year: number;
  serial: number;
  numberedAt: string;
}

const docKey = (docId: string) => ({ pk: `OUTNO#${docId}`, sk: '#' });
const entryKey = (register: string, year: number, serial: number) => ({ pk: registerPartition(register, year), sk: `NO#${String(serial).padStart(6, '0')}` });

/** The document's number in force (not voided), if it has one. */
export async function outgoingNumberOf(docId: string): Promise<OutgoingNumber | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: env.registersTable, Key: docKey(docId), ConsistentRead: true }));
  if (!res.Item) return undefined;
  const { pk: _pk, sk: _sk, ...item } = res.Item;
  return item as OutgoingNumber;
}

/**
 * Gives a signed document the next number of `code`'s series for the year (the branch-local year
 * of `at`), writing its 发文登记簿 entry and an `outgoing.numbered` audit event on the document.
 * Numbering a document that already has a number in force returns that number (`existing: true`),
 * whichever code is asked, so a retried or doubled request never takes a second number.
 */
export async function numberOutgoing(input: { code: string; document: SignedFacts; actor: Actor; at?: string }): Promise<OutgoingNumber & { existing: boolean }> {
  const config = env.branchConfig;
  const code = issuingCodeOf(config, input.code);
  checkNumberable(input.document);
  const docId = input.document.docId;
  const existing = await outgoingNumberOf(docId);
  if (existing) return { ...existing, existing: true };

  const at = input.at ?? clock().toISOString();
  const year = Number(localDate(new Date(at), config.timeZone).slice(0, 4));
  const register = outgoingRegister(code);
  const given = (serial: number): OutgoingNumber => ({ docId, number: outgoingNumber(code, year, serial), code: code.code, codeId: code.id, register, year, serial, numberedAt: at });
  try {
    const serial = await appendRegisterEntry({
      register,
      year,
      at,
      entry: (serial) => outgoingEntryFields(given(serial).number, code, input.document, input.actor.username, at),
      // Index 2: the document's number item, so a second numbering of the same document loses here.
      extra: (serial) => [{ Put: { TableName: env.registersTable, Item: { ...docKey(docId), ...given(serial) }, ConditionExpression: 'attribute_not_exists(pk)' } }],
      auditChain: documentChain(docId),
      audit: (serial) => ({ at, actor: input.actor.username, action: 'outgoing.numbered', details: { number: given(serial).number, register, code: code.code } }),
    });
    return { ...given(serial), existing: false };
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) {
      const now = await outgoingNumberOf(docId);
      if (now) return { ...now, existing: true };
    }
    throw err;
  }
}

/** One entry of a 发文登记簿, or undefined. */
export async function getOutgoingEntry(register: string, year: number, serial: number): Promise<Record<string, unknown> | undefined> {
  const res = await documentClient().send(new GetCommand({ TableName: env.registersTable, Key: entryKey(register, year, serial), ConsistentRead: true }));
  return res.Item;
}

/**
 * 作废: marks a number void in its register with who, when and why, in one transaction with the
 * audit event on its document; the document may then be numbered again (the next number — a
 * voided one is never given out again). A number already void, or never given, is refused.
 */
export async function voidOutgoingNumber(input: {
  number: string;
  reason: string;
  actor: Actor;
  at?: string;
  /** Written in the same transaction (the draft back to 已签发, the route back to 编号); index 2 on. */
  items?: (docId: string) => TransactItem[];
}): Promise<{ number: string; docId: string }> {
  const reason = checkVoidReason(input.reason);
  const { register, year, serial, number } = locateOutgoingNumber(env.branchConfig, input.number);
  const entry = await getOutgoingEntry(register, year, serial);
  if (!entry) throw new Refusal(404, `发文字号 ${number} 尚未编发，无需作废`);
  if (entry.voidedAt) throw new Refusal(409, `发文字号 ${number} 已于 ${String(entry.voidedAt).slice(0, 10)} 由 ${String(entry.voidedByName ?? entry.voidedBy)} 作废`);
  const docId = String(entry.docId);
  const at = input.at ?? clock().toISOString();
  const items: TransactItem[] = [
    {
      Update: {
        TableName: env.registersTable,
        Key: entryKey(register, year, serial),
        UpdateExpression: 'SET voided = :true, voidedAt = :at, voidedBy = :by, voidedByName = :name, voidReason = :reason',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(voidedAt)',
        ExpressionAttributeValues: { ':true': true, ':at': at, ':by': input.actor.username, ':name': input.actor.name, ':reason': reason },
      },
    },
    // The document no longer holds this number (only if it still does: it may hold none).
    { Delete: { TableName: env.registersTable, Key: docKey(docId), ConditionExpression: 'attribute_not_exists(pk) OR #n = :number', ExpressionAttributeNames: { '#n': 'number' }, ExpressionAttributeValues: { ':number': number } } },
    ...(input.items?.(docId) ?? []),
  ];
  try {
    await transactWithAudit(documentChain(docId), { at, actor: input.actor.username, action: 'outgoing.voided', details: { number, register, reason } }, items);
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new Refusal(409, `发文字号 ${number} 已被他人作废，请刷新后查看`);
    throw err;
  }
  return { number, docId };
}

/**
 * For the seal's transaction: records the seal time on the number's entry, only while the number
 * is in force (not voided), so a number voided meanwhile makes the sealing fail instead of
 * sealing a dead number.
 */
export function sealedOnEntryItem(numbered: Pick<OutgoingNumber, 'register' | 'year' | 'serial'>, sealedAt: string, sealName: string, copies?: number): TransactItem {
  return {
    Update: {
      TableName: env.registersTable,
      Key: entryKey(numbered.register, numbered.year, numbered.serial),
      // 印制份数 as sealed: the 发文登记簿's 份数 column.
      UpdateExpression: `SET sealedAt = :at, sealName = :seal${copies === undefined ? '' : ', copies = :copies'}`,
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(voidedAt)',
      ExpressionAttributeValues: { ':at': sealedAt, ':seal': sealName, ...(copies === undefined ? {} : { ':copies': copies }) },
    },
  };
}
