/**
 * 催阅: the deadline sweep's part for circulations (传阅). A reader whose item has stayed unread
 * CHASE_UNREAD_AFTER_WORKING_DAYS working days after it opened is chased once: a chasing-register
 * entry (催阅), a notification to the reader (mailed in office hours) and an audit event on the
 * document, in one transaction. The item leaves the sweep's list then (it stays 待阅 until read).
 */
import { localDate } from '../domain/calendar.js';
import { documentChain } from '../adapters/audit.js';
import { TransactionConflict } from '../adapters/dynamo.js';
import { env } from '../adapters/env.js';
import { appendRegisterEntry } from '../adapters/registers.js';
import { notificationItems } from '../adapters/notifications.js';
import { chaseReadItem, listUnreadDueBy, type ReadItem } from '../adapters/task-operations.js';

async function chaseReader(item: ReadItem, at: string): Promise<boolean> {
  try {
    await appendRegisterEntry({
      register: 'chasing',
      year: Number(localDate(new Date(at), env.branchConfig.timeZone).slice(0, 4)),
      entry: () => ({
        kind: '催阅',
        docId: item.docId,
        circId: item.circId,
        title: item.title,
        secrecy: item.secrecy,
        registerNumber: item.registerNumber,
        stepName: '传阅',
        reader: item.reader,
        readerName: item.readerName,
        openedAt: item.openedAt,
        chasedAt: at,
      }),
      extra: (serial) => [
        chaseReadItem(item, at),
        // In the console at once; by mail in office hours.
        ...notificationItems(
          {
            id: `chasing-${serial}`,
            kind: '催阅',
            at,
            docId: item.docId,
            title: item.title,
            secrecy: item.secrecy,
            registerNumber: item.registerNumber,
            circId: item.circId,
            stepName: '传阅',
            note: `请阅文件（${item.circulatedByName} 于 ${item.circulatedAt.slice(0, 10)} 传阅）`,
            from: 'system:sweep',
            fromName: '催办',
          },
          [item.reader],
        ),
      ],
      auditChain: documentChain(item.docId),
      audit: (serial) => ({ at, actor: 'system:sweep', action: 'read.chased', details: { circId: item.circId, reader: item.reader, chasingSerial: serial } }),
    });
  } catch (err) {
    // Read, or chased by an overlapping sweep, since we listed it.
    if (err instanceof TransactionConflict && err.failedIndexes.includes(2)) return false;
    throw err;
  }
  return true;
}

/** Chases every unread reader whose time has come; returns how many were chased. */
export async function chaseUnreadReaders(now: Date): Promise<number> {
  const at = now.toISOString();
  let chased = 0;
  let cursor: string | undefined;
  do {
    const page = await listUnreadDueBy(at, cursor);
    for (const item of page.items) if (await chaseReader(item, at)) chased++;
    cursor = page.cursor;
  } while (cursor);
  return chased;
}
