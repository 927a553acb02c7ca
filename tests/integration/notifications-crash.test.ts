/**
 * kill -9 around a notification's delivery (local mode as its own process, as `npm start` runs
 * it): killed after the new task and its notification committed but before the mail went out,
 * the start-up round mails it; killed after the mail was filed but before its mark was cleared,
 * the start-up round finishes the mark without filing it twice.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makePdf } from './harness.js';
import { eventually, startLocalProcess, type LocalProcess } from './process-harness.js';

let p: LocalProcess | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

/** Names of the filed messages (<notification id>-<username>.json), every day's folder. */
function filedMail(proc: LocalProcess): string[] {
  const dir = join(proc.dataDir, 'outbox');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((date) => readdirSync(join(dir, date)).filter((n) => n.endsWith('.json')));
}

/** The start-up notify round's result, as local mode logs it. */
async function startupNotify(proc: LocalProcess): Promise<Record<string, number>> {
  await proc.waitForOutput('启动补偿 start-up notify:');
  const line = proc.output().split('\n').find((l) => l.includes('启动补偿 start-up notify:'))!;
  return JSON.parse(line.slice(line.indexOf('{')));
}

/** A scan arrives and its 拟办 task is created; the notify schedule (every 2 s) reaches `failpoint`. */
async function taskNotifiedUntil(failpoint: string) {
  p = await startLocalProcess();
  await p.start({ CHANCERY_FAILPOINTS: failpoint, CHANCERY_SWEEP_EVERY_SECONDS: '2' });
  await p.upload('关于做好冬季防火工作的通知.pdf', await makePdf('fire safety'));
  const task = await eventually(async () => (await p!.api('liqiang', 'GET', '/tasks')).body.items[0], 'the proposal task');
  await p.waitForOutput(`failpoint ${failpoint} reached`);
  await p.kill9();
  return task;
}

describe('kill -9 between a notification’s commit and its delivery', () => {
  it('the start-up round mails what was committed but never sent', async () => {
    const task = await taskNotifiedUntil('notification.due');
    expect(filedMail(p!)).toEqual([]);

    await p!.start();
    expect(await startupNotify(p!)).toMatchObject({ due: 1, delivered: 1, emailed: 1, failed: 0 });
    expect(filedMail(p!)).toEqual([`task-${task.taskId}-liqiang.json`]);
    const outbox = await p!.api('liqiang', 'GET', '/api/local-outbox');
    expect(outbox.body.items[0].text).toContain(`/documents/${task.docId}`);
  }, 240_000);

  it('a mail filed before the kill is not filed again; its mark is finished', async () => {
    const task = await taskNotifiedUntil('notification.sent');
    expect(filedMail(p!)).toEqual([`task-${task.taskId}-liqiang.json`]);

    await p!.start();
    // Due again (the mark survived), but liqiang was already mailed: nothing sent twice.
    expect(await startupNotify(p!)).toMatchObject({ due: 1, delivered: 1, emailed: 0, failed: 0 });
    expect(filedMail(p!)).toEqual([`task-${task.taskId}-liqiang.json`]);
  }, 240_000);
});
