/**
 * Notifications: each person's in-app item (pk NOTE#<username>, adapters/task-operations.ts) and
 * the delivery outside the console, by the outbox pattern (as OUTBOX#answers):
 *   pk OUTBOX#notifications, sk <notBefore>#<id>   one mark per event: what, to whom, from when
 * The event commits `notificationItems(…)` in its own transaction (the items and one mark, so a
 * chase to 90 people costs 91 items, not 180). The notify function (handlers/notify.ts, every
 * minute and at local start-up) sends each mark that is due — an email per person through SES
 * (local mode's SES endpoint files it in the local outbox) and one text to the branch's group
 * robot — recording each as sent, and then removes the mark. A crash in between leaves the mark,
 * and it is sent again: at least once, the local outbox file named by the notification.
 */
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mayGoOutAt, robotMessage, type NotificationKind, type OfficeHours } from '../domain/notifications.js';
import { mayTake, ROLE_NAMES, type Secrecy } from '../domain/identity.js';
import type { Assignment } from '../domain/route-platform.js';
import { documentClient } from './clients.js';
import { findUser, holdersOf, type DirectoryUser } from './directory.js';
import { decodeCursor, encodeCursor, type Page, type TransactItem } from './dynamo.js';
import { env } from './env.js';
import { logger } from './logger.js';
import type { TaskRecord } from './tasks.js';

const table = () => env.tasksTable;
const OUTBOX = 'OUTBOX#notifications';

/** A person's in-app notification (pk NOTE#<to>, sk <at>#<id>: newest first). */
export interface Notification {
  id: string;
  to: string;
  kind: NotificationKind;
  at: string;
  docId: string;
  title: string;
  secrecy: Secrecy;
  registerNumber: string;
  taskId?: string;
  stepName?: string;
  circId?: string;
  note: string;
  from: string;
  fromName: string;
  dueAt?: string;
  holder?: string;
}

export function putNotificationItem(n: Notification): TransactItem {
  return { Put: { TableName: table(), Item: { pk: `NOTE#${n.to}`, sk: `${n.at}#${n.id}`, ...n } } };
}

/** A transaction holds 100 items: an event notifies at most this many people (others find it in their lists). */
export const MAX_RECIPIENTS = 90;

export type NotificationEvent = Omit<Notification, 'to'>;

export interface PendingNotification extends NotificationEvent {
  /** The mark's sort key: `<notBefore>#<id>`. */
  sk: string;
  notBefore: string;
  recipients: string[];
  /** Recipients already emailed (a resend skips them). */
  sentTo: string[];
  robotSent: boolean;
}

/** The branch's office hours on its calendar: reminders go out within them. */
export function officeHours(): OfficeHours {
  const c = env.branchConfig;
  return { calendar: env.deadlineOptions.calendar, timeZone: c.timeZone, officeDayStart: c.officeDayStart, officeDayEnd: c.officeDayEnd };
}

/**
 * What an event commits to notify `recipients`: an in-app item for each and, when the branch
 * delivers outside the console, one "to send" mark that may go out from `mayGoOutAt`.
 */
export function notificationItems(event: NotificationEvent, recipients: string[]): TransactItem[] {
  const people = [...new Set(recipients)].slice(0, MAX_RECIPIENTS);
  return [...people.map((to) => putNotificationItem({ ...event, to })), ...deliveryMarkItems(event, people)];
}

/**
 * The "to send" mark alone (none when the branch delivers nothing outside the console), for an
 * event whose in-app items are written apart (a circulation's, beside its read items).
 */
export function deliveryMarkItems(event: NotificationEvent, recipients: string[]): TransactItem[] {
  const people = [...new Set(recipients)];
  if (!people.length || !env.branchConfig.notifications) return [];
  const notBefore = mayGoOutAt(event.kind, new Date(event.at), officeHours()).toISOString();
  return [{ Put: { TableName: table(), Item: { pk: OUTBOX, sk: `${notBefore}#${event.id}`, ...event, notBefore, recipients: people } } }];
}

/** What a notification about a task says of it. */
export function aboutTask(t: Pick<TaskRecord, 'docId' | 'title' | 'secrecy' | 'registerNumber' | 'taskId' | 'stepName' | 'dueAt'>) {
  return { docId: t.docId, title: t.title, secrecy: t.secrecy, registerNumber: t.registerNumber, taskId: t.taskId, stepName: t.stepName, dueAt: t.dueAt };
}

/** Who holds an assignment, as people read it: 吴军（wujun）, or 生产技术科科室负责人. */
export function holderText(a: Assignment, name?: string): string {
  if (a.username) return name ? `${name}（${a.username}）` : a.username;
  const dept = a.department ? env.branchConfig.departments.find((d) => d.code === a.department)?.name ?? a.department : '';
  return `${dept}${ROLE_NAMES[a.role]}`;
}

/** Who may take an assignment: the named person, or every enabled, cleared holder of the role (and department). */
export async function peopleTaking(a: Assignment, secrecy: Secrecy): Promise<DirectoryUser[]> {
  const candidates = a.username ? [await findUser(a.username)].filter((u) => u !== undefined) : await holdersOf(a.role);
  return candidates.filter((p) => mayTake(p, a, secrecy));
}

/** Whom a new task notifies: its named person as named (no look-up), else the role's cleared holders. */
export async function recipientsOf(a: Assignment, secrecy: Secrecy): Promise<string[]> {
  return a.username ? [a.username] : (await peopleTaking(a, secrecy)).map((p) => p.username);
}

/**
 * 待办 for new tasks, written with them: each task's people are told (within `room` items, what
 * the task's transaction has left), at once and by mail.
 */
export async function newTaskNotificationItems(tasks: TaskRecord[], room: number): Promise<TransactItem[]> {
  const items: TransactItem[] = [];
  for (const t of tasks) {
    const left = room - items.length - 1; // one for the mark
    if (left <= 0) break;
    // The task comes first: a directory that cannot answer now costs this 待办 notice, never the
    // route (the person still finds the task in 待办, and chases and reminders notify again).
    let recipients: string[];
    try {
      recipients = (await recipientsOf(t.assignment, t.secrecy)).slice(0, left);
    } catch (err) {
      logger.warn('new task created without its 待办 notification: the directory did not answer', { taskId: t.taskId, error: err as Error });
      continue;
    }
    items.push(...notificationItems({ id: `task-${t.taskId}`, kind: '待办', at: t.createdAt, ...aboutTask(t), note: t.ask, from: 'system:route', fromName: '流程' }, recipients));
  }
  return items;
}

/**
 * 待办 for a task that opens for one named person after its step began — a signer whose turn comes
 * (依次, after 前加签), a signer added (加签), the new holder after 转办 — written with the change.
 */
export function openedTaskNotificationItems(
  t: Pick<TaskRecord, 'docId' | 'title' | 'secrecy' | 'registerNumber' | 'taskId' | 'stepName' | 'dueAt'>,
  to: string,
  at: string,
  note: string,
  from: { username: string; name: string } = { username: 'system:route', name: '流程' },
): TransactItem[] {
  return notificationItems({ id: `task-${t.taskId}-${at}`, kind: '待办', at, ...aboutTask(t), note, from: from.username, fromName: from.name }, [to]);
}

/** Marks whose time has come, earliest first, a page at a time. */
export async function dueNotifications(now: string, cursor?: string, limit = 100): Promise<Page<PendingNotification>> {
  const res = await documentClient().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND sk <= :now',
      ExpressionAttributeValues: { ':pk': OUTBOX, ':now': `${now}#~` },
      ConsistentRead: true,
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, ['pk', 'sk'], { pk: OUTBOX }),
    }),
  );
  const items = (res.Items ?? []).map(({ pk: _pk, sentTo, robotSent, ...rest }) => ({
    ...(rest as Omit<PendingNotification, 'sentTo' | 'robotSent'>),
    sentTo: sentTo instanceof Set ? [...(sentTo as Set<string>)] : [],
    robotSent: robotSent === true,
  }));
  return { items, ...(res.LastEvaluatedKey ? { cursor: encodeCursor(res.LastEvaluatedKey) } : {}) };
}

const markKey = (sk: string) => ({ pk: OUTBOX, sk });

/** One recipient emailed: a resend of this mark skips them. Only while the mark is there. */
export async function recordSentTo(sk: string, username: string): Promise<void> {
  await documentClient().send(
    new UpdateCommand({ TableName: table(), Key: markKey(sk), UpdateExpression: 'ADD sentTo :u', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':u': new Set([username]) } }),
  );
}

export async function recordRobotSent(sk: string): Promise<void> {
  await documentClient().send(
    new UpdateCommand({ TableName: table(), Key: markKey(sk), UpdateExpression: 'SET robotSent = :t', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':t': true } }),
  );
}

export async function clearNotificationMark(sk: string): Promise<void> {
  await documentClient().send(new DeleteCommand({ TableName: table(), Key: markKey(sk) }));
}

// ---- sending -----------------------------------------------------------------------------------

let ses: SESv2Client | undefined;
const sesClient = () => (ses ??= new SESv2Client({}));

/** An SES message tag value: letters, digits, _ and - only. */
const tagValue = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
/** A display name in a From header (RFC 2047 encoded-word, as SES wants non-ASCII names). */
const encodedName = (name: string) => (/^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '')}"` : `=?UTF-8?B?${Buffer.from(name).toString('base64')}?=`);

/**
 * One email through SES v2. `messageId` (the notification and recipient) and `date` travel as
 * message tags: SES records them with the send, and local mode files the message under them.
 */
export async function sendEmail(m: { from: string; fromName: string; to: string; subject: string; text: string; messageId: string; date: string }): Promise<string | undefined> {
  const res = await sesClient().send(
    new SendEmailCommand({
      FromEmailAddress: `${encodedName(m.fromName)} <${m.from}>`,
      Destination: { ToAddresses: [m.to] },
      Content: { Simple: { Subject: { Data: m.subject, Charset: 'UTF-8' }, Body: { Text: { Data: m.text, Charset: 'UTF-8' } } } },
      EmailTags: [
        { Name: 'notification', Value: tagValue(m.messageId) },
        { Name: 'date', Value: tagValue(m.date) },
      ],
    }),
  );
  return res.MessageId;
}

/** A slow robot must not hold the run: it is tried again next minute. */
const ROBOT_TIMEOUT_MS = 5000;

/** Posts a text to a group robot (企业微信 / 钉钉); both answer errcode 0 when they took it. */
export async function postToRobot(url: string, text: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(robotMessage(text)), signal: AbortSignal.timeout(ROBOT_TIMEOUT_MS) });
  const answer = await res.text();
  if (!res.ok) throw new Error(`group robot answered ${res.status}: ${answer.slice(0, 200)}`);
  let errcode: unknown;
  try {
    errcode = (JSON.parse(answer) as { errcode?: unknown }).errcode;
  } catch {
    errcode = undefined;
  }
  if (errcode !== undefined && errcode !== 0) throw new Error(`group robot refused the message: ${answer.slice(0, 200)}`);
}
