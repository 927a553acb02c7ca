/**
 * kill -9, not a polite stop: local mode runs as its own process (npm start) and is killed with
 * SIGKILL mid-intake and between a decision's commit and its answer to the route. After a restart
 * nothing is lost: every acknowledged scan is registered, numbers stay gap-free, and the route
 * continues by itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makePdf } from './harness.js';
import { eventually, startLocalProcess, type LocalProcess } from './process-harness.js';

let p: LocalProcess | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

async function registerEntries(proc: LocalProcess): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await proc.api('wangfang', 'GET', `/registers/incoming?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.cursor;
  } while (cursor);
  return items;
}

describe('kill -9 during intake', () => {
  it('registers every acknowledged scan after a restart, gap-free and each once', async () => {
    p = await startLocalProcess();
    await p.start();
    const pdfs = await Promise.all(Array.from({ length: 80 }, (_, i) => makePdf(`crash scan ${i}`)));
    // 20 into the watched folder, written completely before the kill.
    for (let i = 0; i < 20; i++) writeFileSync(join(p.dataDir, 'inbox', `文件夹来文-${i}.pdf`), pdfs[i]);
    // 60 through S3, ten at a time; only those S3 acknowledged must survive.
    const acknowledged: string[] = [];
    const uploads = (async () => {
      for (let i = 20; i < 80; i += 10) {
        await Promise.all(
          pdfs.slice(i, i + 10).map(async (pdf, j) => {
            const name = `接口来文-${i + j}.pdf`;
            await p!.upload(name, pdf);
            acknowledged.push(`scans/${name}`);
          }),
        );
      }
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    await p.kill9();
    await uploads;
    const registeredBeforeRestart = acknowledged.length;

    await p.start();
    const entries = await eventually(async () => {
      const all = await registerEntries(p!);
      return all.length >= 20 + registeredBeforeRestart && (await p!.scansLeft()) === 0 ? all : undefined;
    }, 'every scan registered after the restart');
    console.log(`crash: ${acknowledged.length} of 60 S3 uploads acknowledged before the kill; after the restart ${p.output().split('\n').find((l) => l.includes('启动补偿'))}`);
    const keys = entries.map((e) => e.scanKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (let i = 0; i < 20; i++) expect(keys).toContain(`scans/文件夹来文-${i}.pdf`);
    for (const key of acknowledged) expect(keys).toContain(key);
    expect(entries.map((e) => e.serial)).toEqual(entries.map((_, i) => i + 1));
    // Each has its route: one open 拟办 task per document for the office director.
    const tasks = await eventually(async () => {
      const list = await p!.api('liqiang', 'GET', '/tasks?limit=200');
      return list.body.items.length === entries.length ? list.body.items : undefined;
    }, 'one proposal task per registered document');
    expect(new Set(tasks.map((t: any) => t.docId)).size).toBe(entries.length);
  }, 240_000);
});

describe('kill -9 between a decision and its answer to the route', () => {
  it('the route continues by itself after the restart, with one slip line and an intact audit chain', async () => {
    p = await startLocalProcess();
    await p.start({ CHANCERY_FAILPOINTS: 'decision.committed' });
    await p.upload('关于做好冬季防火工作的通知.pdf', await makePdf('fire safety'));
    const task = await eventually(async () => (await p!.api('liqiang', 'GET', '/tasks')).body.items[0], 'the proposal task');

    // The decision commits, then the process stops right there and is killed.
    const pending = p.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请生产技术科办理', department: 'SCJSK' }).catch((err: unknown) => err);
    await p.waitForOutput('failpoint decision.committed reached');
    await p.kill9();
    expect(await pending).toBeInstanceOf(Error);

    await p.start();
    const next = await eventually(async () => (await p!.api('zhaomin', 'GET', '/tasks')).body.items.find((t: any) => t.docId === task.docId), 'the leader’s task after the restart');
    expect(next.step).toBe('instruct');
    // Retrying the request as the user would: told it is already decided, not a 500.
    const retry = await p.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请生产技术科办理', department: 'SCJSK' });
    expect(retry.status).toBe(409);
    const doc = await p.api('liqiang', 'GET', `/documents/${task.docId}`);
    expect(doc.body.slip.filter((l: any) => l.step === 'propose')).toHaveLength(1);
    expect(doc.body.tasks.filter((t: any) => t.step === 'instruct')).toHaveLength(1);
    expect(doc.body.audit.verification.ok).toBe(true);
  }, 240_000);

  it('the signature that settles a 会签 still moves the route after a kill -9 between its commit and its answer', async () => {
    p = await startLocalProcess();
    await p.start();
    const submitted = await p.api('liuyang', 'POST', '/documents', { route: 'request-important', title: '关于会签中断的请示', content: '请审定。' });
    expect(submitted.status).toBe(200);
    const docId = submitted.body.docId;
    const taskOf = (user: string) => eventually(async () => (await p!.api(user, 'GET', '/tasks')).body.items.find((t: any) => t.docId === docId), `${user}'s task`);
    const proposal = await taskOf('liqiang');
    expect((await p.api('liqiang', 'POST', `/tasks/${proposal.taskId}/decision`, { opinion: '请会签', countersign: { mode: 'all', signers: ['sunwei', 'gaofeng'] } })).status).toBe(200);
    const first = await taskOf('sunwei');
    expect((await p.api('sunwei', 'POST', `/tasks/${first.taskId}/decision`, { opinion: '同意' })).status).toBe(200);
    // Only the signature that settles the step answers the route: the failpoint fires there.
    await p.kill9();
    await p.start({ CHANCERY_FAILPOINTS: 'decision.committed' });
    const second = await taskOf('gaofeng');
    const pending = p.api('gaofeng', 'POST', `/tasks/${second.taskId}/decision`, { opinion: '同意' }).catch((err: unknown) => err);
    await p.waitForOutput('failpoint decision.committed reached');
    await p.kill9();
    expect(await pending).toBeInstanceOf(Error);

    await p.start();
    expect((await taskOf('zhaomin')).step).toBe('leaderDecide');
    const retry = await p.api('gaofeng', 'POST', `/tasks/${second.taskId}/decision`, { opinion: '同意' });
    expect(retry.status).toBe(409);
    const doc = await p.api('liqiang', 'GET', `/documents/${docId}`);
    expect(doc.body.tasks.filter((t: any) => t.step === 'leaderDecide')).toHaveLength(1);
    expect(doc.body.slip.filter((l: any) => l.step === 'deputyInstruct')).toHaveLength(2);
    expect(doc.body.audit.verification.ok).toBe(true);
  }, 240_000);
});

describe('kill -9 between an outgoing step’s act and its decision (编号, 用印)', () => {
  it('the same decision taken again finds the number taken and the seal applied once: no second number, no second seal', async () => {
    p = await startLocalProcess();
    await p.start();
    const created = await p.api('liuyang', 'POST', '/drafts', {
      docType: '通知',
      title: '关于中断后续办的通知',
      mainRecipients: ['各科室'],
      copyRecipients: [],
      issuingCode: '管办发',
      direction: 'downward',
      body: { kind: 'structured', blocks: [{ kind: 'paragraph', text: '请各科室知悉。' }] },
    });
    expect(created.status).toBe(200);
    const docId = created.body.draftId as string;
    expect((await p.api('liuyang', 'POST', `/drafts/${docId}/submit`, { route: 'outgoing-dept' })).status).toBe(200);
    const decide = async (user: string, body: Record<string, unknown>) => {
      const task = await eventually(async () => (await p!.api(user, 'GET', '/tasks')).body.items.find((t: any) => t.docId === docId), `${user}'s task`);
      return { task, res: await p!.api(user, 'POST', `/tasks/${task.taskId}/decision`, body) };
    };
    expect((await decide('zhoujie', { opinion: '同意' })).res.status).toBe(200);
    expect((await decide('liqiang', { opinion: '已核' })).res.status).toBe(200);
    expect((await decide('sunwei', { opinion: '同意' })).res.status).toBe(200);

    // 编号: the number is taken and the PDF kept, then the process dies before the decision is recorded.
    await p.kill9();
    await p.start({ CHANCERY_FAILPOINTS: 'step-action.done' });
    const numbering = await eventually(async () => (await p!.api('wangfang', 'GET', '/tasks')).body.items.find((t: any) => t.docId === docId), 'the 编号 task');
    const pendingNumber = p.api('wangfang', 'POST', `/tasks/${numbering.taskId}/decision`, {}).catch((err: unknown) => err);
    await p.waitForOutput('failpoint step-action.done reached');
    await p.kill9();
    expect(await pendingNumber).toBeInstanceOf(Error);
    await p.start();
    expect((await p.api('wangfang', 'POST', `/tasks/${numbering.taskId}/decision`, {})).status).toBe(200);
    const numbered = (await p.api('liuyang', 'GET', `/drafts/${docId}`)).body;
    expect(numbered.printed.number).toMatch(/^管办发〔\d{4}〕1号$/);

    // 用印: the seal applied and registered, then killed before the decision is recorded.
    await p.kill9();
    await p.start({ CHANCERY_FAILPOINTS: 'step-action.done' });
    const sealing = await eventually(async () => (await p!.api('majun', 'GET', '/tasks')).body.items.find((t: any) => t.docId === docId), 'the 用印 task');
    const pendingSeal = p.api('majun', 'POST', `/tasks/${sealing.taskId}/decision`, { seal: 'company', copies: 3 }).catch((err: unknown) => err);
    await p.waitForOutput('failpoint step-action.done reached');
    await p.kill9();
    expect(await pendingSeal).toBeInstanceOf(Error);
    await p.start();
    const again = await p.api('majun', 'POST', `/tasks/${sealing.taskId}/decision`, { seal: 'company', copies: 3 });
    expect(again.status, JSON.stringify(again.body)).toBe(200);

    const draft = (await p.api('liuyang', 'GET', `/drafts/${docId}`)).body;
    expect(draft).toMatchObject({ state: 'sealed', sealed: { sealName: '公司印章', copies: 3 } });
    const outgoing = (await p.api('liqiang', 'GET', '/registers/outgoing-office')).body.items as any[];
    expect(outgoing.map((e) => e.number)).toEqual([numbered.printed.number]);
    const seals = ((await p.api('liqiang', 'GET', '/registers/seal')).body.items as any[]).filter((e) => e.docId === docId);
    expect(seals).toHaveLength(1);
    expect((await eventually(async () => (await p!.api('wangfang', 'GET', '/tasks')).body.items.find((t: any) => t.docId === docId), 'the 分发 task')).step).toBe('distribute');
    const doc = await p.api('liqiang', 'GET', `/documents/${docId}`);
    expect(doc.body.slip.filter((l: any) => l.step === 'seal')).toHaveLength(1);
    expect(doc.body.audit.verification.ok).toBe(true);
  }, 300_000);
});
