import { describe, expect, it } from 'vitest';
import { branchCalendar } from '../../functions/domain/calendar.js';
import { consoleLink, documentLabel, mayGoOutAt, messageOf, monthDayTime, robotMessage, type OfficeHours } from '../../functions/domain/notifications.js';

const hours: OfficeHours = { calendar: branchCalendar({ extraHolidays: [], extraWorkdays: [] }), timeZone: 'Asia/Shanghai', officeDayStart: '08:30', officeDayEnd: '17:30' };
/** An instant given as Beijing wall-clock time. */
const bj = (local: string): Date => new Date(`${local}+08:00`);
const iso = (local: string) => bj(local).toISOString();

describe('mayGoOutAt: reminders in office hours of the branch calendar', () => {
  it('sends a reminder raised in office hours of a working day at once', () => {
    expect(mayGoOutAt('催办', bj('2026-11-24T10:00:00'), hours).toISOString()).toBe(iso('2026-11-24T10:00:00'));
    expect(mayGoOutAt('超期升级', bj('2026-11-24T08:30:00'), hours).toISOString()).toBe(iso('2026-11-24T08:30:00'));
  });

  it('holds one raised before office hours until they start that day', () => {
    expect(mayGoOutAt('催办', bj('2026-11-24T06:15:00'), hours).toISOString()).toBe(iso('2026-11-24T08:30:00'));
  });

  it('holds one raised after office hours until the next working day starts', () => {
    expect(mayGoOutAt('催阅', bj('2026-11-24T17:30:00'), hours).toISOString()).toBe(iso('2026-11-25T08:30:00'));
    // Friday evening: Monday morning.
    expect(mayGoOutAt('超期升级', bj('2026-11-27T19:00:00'), hours).toISOString()).toBe(iso('2026-11-30T08:30:00'));
  });

  it('skips the National Day holiday and works the adjusted Saturday (调休)', () => {
    // 30 Sep 2026 evening → 1–7 Oct off → Thu 8 Oct.
    expect(mayGoOutAt('催办', bj('2026-09-30T20:00:00'), hours).toISOString()).toBe(iso('2026-10-08T08:30:00'));
    expect(mayGoOutAt('催办', bj('2026-10-03T10:00:00'), hours).toISOString()).toBe(iso('2026-10-08T08:30:00'));
    // Friday 9 Oct evening → Saturday 10 Oct is a working day.
    expect(mayGoOutAt('催办', bj('2026-10-09T18:00:00'), hours).toISOString()).toBe(iso('2026-10-10T08:30:00'));
  });

  it('follows the branch’s own office hours and days off', () => {
    const branch: OfficeHours = { ...hours, calendar: branchCalendar({ extraHolidays: ['2026-11-25'], extraWorkdays: [] }), officeDayStart: '09:00' };
    expect(mayGoOutAt('催办', bj('2026-11-24T18:00:00'), branch).toISOString()).toBe(iso('2026-11-26T09:00:00'));
  });

  it('lets new work (待办, 传阅) go out at any hour', () => {
    const night = bj('2026-10-03T23:40:00');
    expect(mayGoOutAt('待办', night, hours)).toEqual(night);
    expect(mayGoOutAt('传阅', night, hours)).toEqual(night);
  });
});

describe('messages', () => {
  const link = consoleLink('https://gongwen.hq.example.cn/', '0123456789abcdef0123');
  const doc = { docId: '0123456789abcdef0123', title: '关于开展安全生产大检查的通知', secrecy: '非密' as const, registerNumber: '收〔2026〕1号' };

  it('links to the document page only', () => {
    expect(link).toBe('https://gongwen.hq.example.cn/documents/0123456789abcdef0123');
  });

  it('says what, which step, and by when, in Chinese', () => {
    const { subject, text } = messageOf({ ...doc, kind: '待办', stepName: '拟办', dueAt: iso('2026-11-26T17:30:00') }, link, 'Asia/Shanghai');
    expect(subject).toBe('【待办】关于开展安全生产大检查的通知（收〔2026〕1号）');
    expect(text).toBe(`【待办】关于开展安全生产大检查的通知（收〔2026〕1号）待您拟办，办理期限 11月26日 17:30。请登录公文处理系统办理：${link}`);
  });

  it('never puts a classified title in a message, not even inside a note', () => {
    const secret = { ...doc, title: '关于某项目的机密报告', secrecy: '机密' as const, registerNumber: '机收〔2026〕3号' };
    expect(documentLabel(secret)).toBe('一份机密文件（机收〔2026〕3号）');
    const chased = messageOf({ ...secret, kind: '催办', stepName: '阅批', note: '《关于某项目的机密报告》请今日阅批。' }, link, 'Asia/Shanghai');
    for (const part of [chased.subject, chased.text]) expect(part).not.toContain('机密报告');
    expect(chased.text).toContain('一份机密文件（机收〔2026〕3号）待您阅批。《（标题略）》请今日阅批。');
  });

  it('words escalations and circulations for their reader', () => {
    expect(messageOf({ ...doc, kind: '超期升级', stepName: '拟办', dueAt: iso('2026-10-08T17:30:00'), holder: '办公室主任' }, link, 'Asia/Shanghai').text).toBe(
      `【超期升级】关于开展安全生产大检查的通知（收〔2026〕1号）的拟办已超过办理期限 10月8日 17:30，仍由 办公室主任 办理，请您督办。请登录公文处理系统查看：${link}`,
    );
    expect(messageOf({ ...doc, kind: '传阅', fromName: '王芳', note: '请各位领导阅知' }, link, 'Asia/Shanghai').text).toBe(
      `【传阅】王芳 传阅关于开展安全生产大检查的通知（收〔2026〕1号），请您阅文。附言：请各位领导阅知。请登录公文处理系统阅文：${link}`,
    );
  });

  it('formats times on the branch clock', () => {
    expect(monthDayTime('2026-11-26T09:30:00.000Z', 'Asia/Shanghai')).toBe('11月26日 17:30');
    expect(monthDayTime('2026-01-02T00:05:00.000Z', 'Asia/Shanghai')).toBe('1月2日 08:05');
  });

  it('posts the robots’ text message shape', () => {
    expect(robotMessage('你好')).toEqual({ msgtype: 'text', text: { content: '你好' } });
  });
});
