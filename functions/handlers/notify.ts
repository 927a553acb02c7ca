/**
 * 通知投递, every minute and once at local start-up: sends every notification whose time has come
 * (adapters/notifications.ts) — an email to each person with an address in the directory, from
 * the branch's sender, and one text to the branch's group robot — then removes its mark. A person
 * already emailed is skipped on a resend; a mark that fails stays for the next run. The event
 * paths (a new task, a chase, the sweep, a circulation) only commit the mark, so none of them
 * waits on a mail server or a robot, and this is the only function allowed to send mail.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { localDate } from '../domain/calendar.js';
import { consoleLink, messageOf } from '../domain/notifications.js';
import { findUser } from '../adapters/directory.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { failpoint } from '../adapters/failpoint.js';
import { logger } from '../adapters/logger.js';
import { clearNotificationMark, dueNotifications, postToRobot, recordRobotSent, recordSentTo, sendEmail, type PendingNotification } from '../adapters/notifications.js';

export interface NotifyResult {
  due: number;
  delivered: number;
  emailed: number;
  robotPosted: number;
  /** Recipients with no enabled account or no address: they have the in-app item only. */
  unreachable: number;
  failed: number;
}

async function deliver(mark: PendingNotification, result: NotifyResult): Promise<void> {
  await failpoint('notification.due');
  const settings = env.branchConfig.notifications;
  if (settings) {
    const { subject, text } = messageOf(mark, consoleLink(settings.consoleUrl, mark.docId), env.branchConfig.timeZone);
    const date = localDate(new Date(mark.at), env.branchConfig.timeZone);
    const names: string[] = [];
    for (const username of mark.recipients) {
      const person = await findUser(username);
      if (person?.enabled) names.push(person.name);
      if (mark.sentTo.includes(username)) continue;
      if (!person?.enabled || !person.email) {
        result.unreachable++;
        continue;
      }
      await sendEmail({ from: settings.sender, fromName: settings.senderName, to: person.email, subject, text, messageId: `${mark.id}-${username}`, date });
      await recordSentTo(mark.sk, username);
      result.emailed++;
    }
    if (settings.webhook && !mark.robotSent && names.length) {
      // A group sees the message: it says whom it is for.
      await postToRobot(settings.webhook, `${names.join('、')}：${text}`);
      await recordRobotSent(mark.sk);
      result.robotPosted++;
    }
  }
  await failpoint('notification.sent');
  await clearNotificationMark(mark.sk);
  result.delivered++;
}

export async function deliverNotifications(now: Date): Promise<NotifyResult> {
  const result: NotifyResult = { due: 0, delivered: 0, emailed: 0, robotPosted: 0, unreachable: 0, failed: 0 };
  let cursor: string | undefined;
  do {
    const page = await dueNotifications(now.toISOString(), cursor);
    result.due += page.items.length;
    for (const mark of page.items) {
      try {
        await deliver(mark, result);
      } catch (err) {
        // The mark stays: the next run sends what is still unsent (one that keeps failing never holds up the rest).
        result.failed++;
        logger.warn('notification not delivered yet; the next run retries it', { id: mark.id, kind: mark.kind, error: err as Error });
      }
    }
    cursor = page.cursor;
  } while (cursor);
  if (result.due) logger.info('notifications delivered', { ...result });
  return result;
}

/** The schedule's own `time` is the clock (as the deadline sweep's); the start-up round has none. */
export const handler = middy(async (event: { time?: string } | null) => deliverNotifications(event?.time ? new Date(event.time) : clock())).use(injectLambdaContext(logger));
