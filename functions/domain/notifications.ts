/**
 * Notifications (通知): what a person is told when a task is created (待办), chased (催办),
 * escalated (超期升级) or a document is circulated to them (传阅, 催阅), as text for email and a
 * group robot, and when it may go out. Pure: no AWS, no clock.
 *
 * A message names the document and links to its console page only, never to an action and with
 * no token in the address: a mail scanner following the link acts on nothing, and the person must
 * log in and press a button. A classified document's title never leaves the system this way.
 */
import { localDate, nextWorkday, zonedInstant, type WorkCalendar } from './calendar.js';
import type { Secrecy } from './identity.js';

export type NotificationKind = '待办' | '催办' | '超期升级' | '传阅' | '催阅' | '延期申请';

/**
 * Reminders wait for office hours on a working day: nobody is chased at night or on a holiday.
 * New work (待办, 传阅) goes out at once: it may be urgent (特急 falls due in minutes), and the
 * person decides whether to look.
 */
export const REMINDER_KINDS: ReadonlySet<NotificationKind> = new Set(['催办', '超期升级', '催阅']);

/** What a notification says about its event (the in-app item carries the same fields). */
export interface NotificationContent {
  kind: NotificationKind;
  docId: string;
  title: string;
  secrecy: Secrecy;
  registerNumber: string;
  stepName?: string;
  dueAt?: string;
  note?: string;
  fromName?: string;
  /** 超期升级: who still holds the late step. */
  holder?: string;
}

export interface OfficeHours {
  calendar: WorkCalendar;
  timeZone: string;
  officeDayStart: string;
  officeDayEnd: string;
}

/** The document as a message may name it: its title, or for a classified one only its 密级. */
export function documentLabel(n: Pick<NotificationContent, 'title' | 'secrecy' | 'registerNumber'>): string {
  const what = n.secrecy === '非密' ? n.title : `一份${n.secrecy}文件`;
  return n.registerNumber ? `${what}（${n.registerNumber}）` : what;
}

/** The console page of a document: an address, nothing more (no action, no token). */
export function consoleLink(consoleUrl: string, docId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/documents/${encodeURIComponent(docId)}`;
}

const monthDayFormat = new Map<string, Intl.DateTimeFormat>();
/** 11月26日 17:30 in the branch's time zone. */
export function monthDayTime(iso: string, timeZone: string): string {
  let f = monthDayFormat.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    monthDayFormat.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(iso));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${Number(get('month'))}月${Number(get('day'))}日 ${String(Number(get('hour')) % 24).padStart(2, '0')}:${get('minute')}`;
}

/** A free-text note as a sentence, with a classified document's title taken out (a clerk may have typed it). */
function noteText(n: NotificationContent): string {
  let note = (n.note ?? '').trim().replace(/[。．.！!；;，,\s]+$/u, '');
  if (n.secrecy !== '非密' && n.title) note = note.split(n.title).join('（标题略）');
  return note;
}

/** Subject and body of the message: Chinese, who/what/step/deadline, then the link. */
export function messageOf(n: NotificationContent, link: string, timeZone: string): { subject: string; text: string } {
  const doc = documentLabel(n);
  const due = n.dueAt ? monthDayTime(n.dueAt, timeZone) : '';
  const note = noteText(n);
  const step = n.stepName ?? '办理';
  let text: string;
  switch (n.kind) {
    case '待办':
      text = `【待办】${doc}待您${step}${due ? `，办理期限 ${due}` : ''}。请登录公文处理系统办理：${link}`;
      break;
    case '催办':
      text = `【催办】${doc}待您${step}${due ? `，办理期限 ${due}` : ''}${note ? `。${note}` : ''}。请登录公文处理系统办理：${link}`;
      break;
    case '超期升级':
      text = `【超期升级】${doc}的${step}${due ? `已超过办理期限 ${due}` : '已逾期'}${n.holder ? `，仍由 ${n.holder} 办理` : ''}，请您督办。请登录公文处理系统查看：${link}`;
      break;
    case '传阅':
      text = `【传阅】${n.fromName ? `${n.fromName} ` : ''}传阅${doc}，请您阅文${note ? `。附言：${note}` : ''}。请登录公文处理系统阅文：${link}`;
      break;
    case '催阅':
      text = `【催阅】${doc}已传阅给您，尚未阅文，请抓紧阅文。请登录公文处理系统阅文：${link}`;
      break;
    case '延期申请':
      text = `【延期申请】${doc}的${step}申请延期${note ? `：${note}` : ''}。请登录公文处理系统审批：${link}`;
      break;
  }
  return { subject: `【${n.kind}】${doc}`, text };
}

/**
 * When a notification of `kind` raised at `at` may go out: at once, or — for a reminder outside
 * office hours of a working day — when the next working period starts (officeDayStart of today
 * when it is a working day not begun yet, else of the next working day).
 */
export function mayGoOutAt(kind: NotificationKind, at: Date, hours: OfficeHours): Date {
  if (!REMINDER_KINDS.has(kind)) return at;
  const { calendar, timeZone, officeDayStart, officeDayEnd } = hours;
  const day = localDate(at, timeZone);
  if (calendar.isWorkday(day)) {
    const start = zonedInstant(day, officeDayStart, timeZone);
    if (at.getTime() < start.getTime()) return start;
    if (at.getTime() < zonedInstant(day, officeDayEnd, timeZone).getTime()) return at;
  }
  return zonedInstant(nextWorkday(day, calendar), officeDayStart, timeZone);
}

/** The robots' text message (企业微信 and 钉钉 group robots take the same shape). */
export function robotMessage(text: string): { msgtype: 'text'; text: { content: string } } {
  return { msgtype: 'text', text: { content: text } };
}
