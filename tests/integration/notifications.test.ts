/**
 * Notifications against the real local services, the handlers' clock pinned to Wednesday
 * 30 September 2026, 20:00 Beijing time (after office hours, the eve of the National Day holiday):
 * a new task (待办) is in the console and in the local outbox at once; a chase (催办) and the
 * sweep's escalation (超期升级) wait until office hours start on Thursday 8 October; a classified
 * document's mail never carries its title; a circulation (传阅) tells each reader; the branch's
 * group robot (a local HTTP receiver here) gets each message. Mail links to the console only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let robot: Server;
const robotMessages: any[] = [];
const docs: Record<string, any> = {};
const SECRET_TITLE = '关于某重点项目的机密报告';

/** Fires the notify schedule as of a Beijing wall-clock time. */
const notifyAt = (beijing: string) => h.local.fireSchedule('notify', new Date(`${beijing}+08:00`)) as Promise<{ due: number; delivered: number; emailed: number; robotPosted: number; failed: number }>;
/** Every message local mode filed, by file name (<notification id>-<username>), with its folder. */
function filed(): Map<string, any> {
  const dir = h.local.outboxDir;
  const all = new Map<string, any>();
  if (!existsSync(dir)) return all;
  for (const date of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, date))) all.set(name.replace(/\.json$/, ''), { folder: date, ...JSON.parse(readFileSync(join(dir, date, name), 'utf8')) });
  }
  return all;
}
const urlsIn = (text: string) => text.match(/https?:\/\/\S+/g) ?? [];

beforeAll(async () => {
  robot = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      robotMessages.push({ url: req.url, contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => robot.listen(0, '127.0.0.1', resolve));
  const hq = loadBranchConfig('hq');
  const webhook = `http://127.0.0.1:${(robot.address() as AddressInfo).port}/cgi-bin/webhook/send?key=test-robot`;

  process.env.CHANCERY_FIXED_TIME = '2026-09-30T12:00:00Z'; // Wed 30 Sep 2026 20:00 Beijing
  h = await startHarness({ watchInbox: false, config: { ...hq, notifications: { ...hq.notifications!, webhook } } });
  // The start-up notify round first: it must not take this test's notifications.
  await h.local.startupReconciled;
  await h.upload('关于报送年度工作总结的通知.pdf', await makePdf('ordinary'));
  await h.upload('【特急】关于防汛应急值守的紧急通知.pdf', await makePdf('extra urgent'));
  await h.upload(`${SECRET_TITLE}.pdf`, await makePdf('secret'), { secrecy: 'secret' });
  await h.local.settle();
  for (const t of (await h.api('liqiang', 'GET', '/tasks')).body.items) docs[t.secrecy === '机密' ? 'secret' : t.urgency] = t;
}, 180_000);
afterAll(async () => {
  await h?.close();
  robot?.close();
  delete process.env.CHANCERY_FIXED_TIME;
});

describe('a new task (待办)', () => {
  it('is in the assignee’s notifications at once, newest first, paged', async () => {
    const mine = await h.api('liqiang', 'GET', '/me/notifications');
    expect(mine.status).toBe(200);
    const plain = mine.body.items.find((n: any) => n.docId === docs['平件'].docId);
    expect(plain).toMatchObject({ kind: '待办', stepName: '拟办', taskId: docs['平件'].taskId, title: '关于报送年度工作总结的通知', dueAt: docs['平件'].dueAt });
    const first = await h.api('liqiang', 'GET', '/me/notifications?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await h.api('liqiang', 'GET', `/me/notifications?limit=1&cursor=${first.body.cursor}`);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect((await h.api('liqiang', 'GET', '/me/notifications?cursor=abc')).status).toBe(400);
    // Nobody else's work: the main leader has no task yet.
    expect((await h.api('zhaomin', 'GET', '/me/notifications')).body.items).toEqual([]);
  });

  it('is mailed at once, even at 20:00, with a link to the console page and nothing to act on', async () => {
    expect(filed().size).toBe(0); // nothing goes out before the notify run
    const run = await notifyAt('2026-09-30T20:00:30');
    expect(run).toMatchObject({ due: 3, delivered: 3, emailed: 3, robotPosted: 3, failed: 0 });
    const mail = filed().get(`task-${docs['平件'].taskId}-liqiang`);
    const no = docs['平件'].registerNumber;
    expect(mail).toMatchObject({ folder: '2026-09-30', to: ['liqiang@chancery.local'], from: '公文处理系统 <gongwen@hq.example.cn>', subject: `【待办】关于报送年度工作总结的通知（${no}）` });
    const link = `${h.local.endpoints.api}/documents/${docs['平件'].docId}`;
    expect(mail.text).toBe(`【待办】关于报送年度工作总结的通知（${no}）待您拟办，办理期限 10月10日 17:30。请登录公文处理系统办理：${link}`);
    // The only address in it is the document's page: no action, no token, no query.
    expect(urlsIn(mail.text)).toEqual([link]);
    // A second run finds nothing left to send.
    expect(await notifyAt('2026-09-30T20:01:30')).toMatchObject({ due: 0 });
  });

  it('lists the mail local mode filed in the caller’s own 本地发件箱 only', async () => {
    const mine = await h.api('liqiang', 'GET', '/api/local-outbox');
    expect(mine.status).toBe(200);
    expect(mine.body.address).toBe('liqiang@chancery.local');
    expect(mine.body.items.map((m: any) => m.subject).sort()).toEqual(
      [`【待办】关于报送年度工作总结的通知（${docs['平件'].registerNumber}）`, `【待办】关于防汛应急值守的紧急通知（${docs['特急'].registerNumber}）`, `【待办】一份机密文件（${docs.secret.registerNumber}）`].sort(),
    );
    const page = await h.api('liqiang', 'GET', '/local-outbox?limit=2');
    expect(page.body.items).toHaveLength(2);
    expect((await h.api('liqiang', 'GET', `/local-outbox?limit=2&cursor=${page.body.cursor}`)).body.items).toHaveLength(1);
    expect((await h.api('liqiang', 'GET', '/local-outbox?cursor=xyz')).status).toBe(400);
    expect((await h.api('zhaomin', 'GET', '/local-outbox')).body.items).toEqual([]);
    expect((await fetch(`${h.local.endpoints.api}/local-outbox`)).status).toBe(401);
  });
});

describe('a classified document (机密)', () => {
  it('is named by its level and number in mail and in the group, never by its title', async () => {
    const mail = filed().get(`task-${docs.secret.taskId}-liqiang`);
    expect(mail.subject).toBe(`【待办】一份机密文件（${docs.secret.registerNumber}）`);
    expect(mail.text).toContain(`一份机密文件（${docs.secret.registerNumber}）待您拟办`);
    const everything = JSON.stringify([...filed().values(), ...robotMessages]);
    expect(everything).not.toContain(SECRET_TITLE);
    // The console, behind the login, shows it to the cleared director.
    const inApp = (await h.api('liqiang', 'GET', '/me/notifications')).body.items.find((n: any) => n.docId === docs.secret.docId);
    expect(inApp).toMatchObject({ title: SECRET_TITLE, secrecy: '机密' });
  });
});

describe('the group robot (企业微信 / 钉钉)', () => {
  it('gets each message as the robots’ JSON text message, saying whom it is for', async () => {
    expect(robotMessages).toHaveLength(3);
    for (const m of robotMessages) {
      expect(m.url).toBe('/cgi-bin/webhook/send?key=test-robot');
      expect(m.contentType).toBe('application/json');
      expect(Object.keys(m.body).sort()).toEqual(['msgtype', 'text']);
      expect(m.body.msgtype).toBe('text');
      expect(m.body.text.content).toMatch(/^李强：【待办】/);
    }
  });
});

describe('reminders wait for office hours', () => {
  it('a chase at 20:00 is in the console at once and mailed when the next working day starts, after the holiday', async () => {
    const chased = await h.api('wangfang', 'POST', `/tasks/${docs['平件'].taskId}/chase`, { note: '请节后第一天上午拟办' });
    expect(chased.status, JSON.stringify(chased.body)).toBe(200);
    const id = `chasing-${chased.body.chasingSerial}`;
    const inApp = (await h.api('liqiang', 'GET', '/me/notifications')).body.items.find((n: any) => n.id === id);
    expect(inApp).toMatchObject({ id, kind: '催办', note: '请节后第一天上午拟办', fromName: '王芳' });

    expect(await notifyAt('2026-09-30T20:05:00')).toMatchObject({ due: 0 });
    expect(await notifyAt('2026-10-05T10:00:00')).toMatchObject({ due: 0 }); // National Day
    expect(await notifyAt('2026-10-08T08:29:00')).toMatchObject({ due: 0 });
    expect(filed().has(`${id}-liqiang`)).toBe(false);
    expect(await notifyAt('2026-10-08T08:30:00')).toMatchObject({ due: 1, delivered: 1, emailed: 1 });
    const mail = filed().get(`${id}-liqiang`);
    expect(mail.subject).toBe(`【催办】关于报送年度工作总结的通知（${docs['平件'].registerNumber}）`);
    expect(mail.text).toContain('待您拟办，办理期限 10月10日 17:30。请节后第一天上午拟办。请登录公文处理系统办理：');
  });

  it('the sweep’s 催办 and escalation (超期升级) of the late 特急 task go out at 08:30 on the first working day', async () => {
    const urgent = docs['特急'];
    // 20:15 on 30 September: the 特急 proposal (due 20:10) is late; its 催办 waits for 8 October.
    expect(await h.local.fireSchedule('deadline-sweep', new Date('2026-09-30T12:15:00Z'))).toMatchObject({ markedOverdue: 1 });
    // 08:00 on 8 October, a working day after the deadline: escalated to the main leader.
    expect(await h.local.fireSchedule('deadline-sweep', new Date('2026-10-08T00:00:00Z'))).toMatchObject({ escalated: 1 });
    const escalation = (await h.api('zhaomin', 'GET', '/me/notifications')).body.items.find((n: any) => n.kind === '超期升级');
    expect(escalation).toMatchObject({ docId: urgent.docId, stepName: '拟办', holder: '办公室主任' });

    expect(await notifyAt('2026-10-08T08:10:00')).toMatchObject({ due: 0 });
    expect(await notifyAt('2026-10-08T08:30:00')).toMatchObject({ due: 2, delivered: 2, emailed: 2 });
    const mails = [...filed().values()];
    const chase = mails.find((m) => m.subject === `【催办】关于防汛应急值守的紧急通知（${urgent.registerNumber}）`);
    expect(chase).toMatchObject({ to: ['liqiang@chancery.local'], folder: '2026-09-30' });
    expect(chase.text).toContain('已超过办理期限，请尽快办理');
    const escalated = mails.find((m) => m.subject === `【超期升级】关于防汛应急值守的紧急通知（${urgent.registerNumber}）`);
    expect(escalated).toMatchObject({ to: ['zhaomin@chancery.local'], folder: '2026-10-08' });
    expect(escalated.text).toBe(
      `【超期升级】关于防汛应急值守的紧急通知（${urgent.registerNumber}）的拟办已超过办理期限 9月30日 20:10，仍由 办公室主任 办理，请您督办。请登录公文处理系统查看：${h.local.endpoints.api}/documents/${urgent.docId}`,
    );
  });
});

describe('a circulation (传阅)', () => {
  it('tells every reader at once; in rank order the next reader when their turn comes', async () => {
    process.env.CHANCERY_FIXED_TIME = '2026-10-08T02:00:00Z'; // 10:00
    const plain = docs['平件'];
    const res = await h.api('wangfang', 'POST', `/documents/${plain.docId}/circulate`, { readers: ['sunwei', 'zhoujie'], order: 'rank', note: '请阅知' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sunwei = (await h.api('sunwei', 'GET', '/me/notifications')).body.items[0];
    expect(sunwei).toMatchObject({ kind: '传阅', docId: plain.docId, fromName: '王芳', note: '请阅知' });
    expect((await h.api('zhoujie', 'GET', '/me/notifications')).body.items).toEqual([]);
    expect(await notifyAt('2026-10-08T10:00:30')).toMatchObject({ delivered: 1, emailed: 1 });
    const mail = [...filed().values()].find((m) => m.to[0] === 'sunwei@chancery.local');
    expect(mail.text).toBe(`【传阅】王芳 传阅关于报送年度工作总结的通知（${plain.registerNumber}），请您阅文。附言：请阅知。请登录公文处理系统阅文：${h.local.endpoints.api}/documents/${plain.docId}`);

    expect((await h.api('sunwei', 'POST', `/documents/${plain.docId}/read`, { opinion: '已阅' })).status).toBe(200);
    expect((await h.api('zhoujie', 'GET', '/me/notifications')).body.items[0]).toMatchObject({ kind: '传阅', docId: plain.docId });
    expect(await notifyAt('2026-10-08T10:01:00')).toMatchObject({ delivered: 1, emailed: 1 });
    expect([...filed().values()].some((m) => m.to[0] === 'zhoujie@chancery.local' && m.subject.startsWith('【传阅】'))).toBe(true);
  });
});
