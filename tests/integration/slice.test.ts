/**
 * The whole superior-key slice against the real local services: a scan dropped into the inbox
 * folder is registered, driven by five people through every step, and filed as an archive
 * package under its 档号; the decision rules (wrong person, second decision, bad input) hold.
 */
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveBucket, archivePackage, decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let docId: string;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('superior-key, scan to archive', () => {
  it('registers a scan dropped into the inbox folder and starts its route', async () => {
    writeFileSync(join(h.local.inboxDir, '【加急】关于开展安全生产大检查的通知.pdf'), await makePdf('notice'));
    await h.local.settle();

    expect(readdirSync(join(h.local.inboxDir, 'uploaded'))).toContain('【加急】关于开展安全生产大检查的通知.pdf');
    const register = await h.api('wangfang', 'GET', '/registers/incoming');
    expect(register.status).toBe(200);
    expect(register.body.items).toHaveLength(1);
    const entry = register.body.items[0];
    const year = new Date().getFullYear();
    expect(entry).toMatchObject({ serial: 1, number: `收〔${year}〕1号`, title: '关于开展安全生产大检查的通知', urgency: '加急' });
    docId = entry.docId;

    const tasks = await h.api('liqiang', 'GET', '/tasks');
    expect(tasks.body.items).toHaveLength(1);
    expect(tasks.body.items[0]).toMatchObject({ docId, step: 'propose', stepName: '拟办', urgency: '加急' });
    expect(JSON.stringify(tasks.body)).not.toMatch(/taskToken/);
  });

  it('gives the next serial number to a scan uploaded with the S3 API', async () => {
    await h.upload('关于调整差旅费标准的通知.pdf', await makePdf('second'), { sender: encodeURIComponent('市财政局'), 'source-number': encodeURIComponent('财发〔2026〕3号') });
    await h.local.settle();
    const register = await h.api('wangfang', 'GET', '/registers/incoming');
    expect(register.body.items.map((e: any) => e.serial)).toEqual([1, 2]);
    expect(register.body.items[1]).toMatchObject({ sender: '市财政局', sourceNumber: '财发〔2026〕3号' });
  });

  it('refuses a decision from someone who does not hold the step', async () => {
    const [task] = (await h.api('liqiang', 'GET', '/tasks')).body.items.filter((t: any) => t.docId === docId);
    const wrong = await h.api('zhoujie', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '我来拟办', department: 'SCJSK' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.message).toContain('办公室主任');
    expect((await h.api('zhoujie', 'GET', '/tasks')).body.items).toHaveLength(0);
  });

  it('answers a bad decision with a message the clerk understands', async () => {
    const [task] = (await h.api('liqiang', 'GET', '/tasks')).body.items.filter((t: any) => t.docId === docId);
    const missing = await h.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请办理' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('承办科室');
    const unknownDept = await h.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请办理', department: 'XYZ' });
    expect(unknownDept.status).toBe(400);
    expect(unknownDept.body.message).toContain('SCJSK');
    const notJson = await h.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, '{not json');
    expect(notJson.status).toBe(400);
    const unauthenticated = await fetch(`${h.local.endpoints.api}/tasks`);
    expect(unauthenticated.status).toBe(401);
  });

  it('takes each step from the right person and refuses a second decision', async () => {
    const { task } = await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科于月底前落实检查', department: 'SCJSK', dueDate: `${new Date().getFullYear() + 1}-01-31` });
    const again = await h.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '再批一次', department: 'SCJSK' });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('李强');
    expect(again.body).toMatchObject({ decidedBy: 'liqiang' });
    expect(again.body.decidedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const [instruct] = (await h.api('zhaomin', 'GET', '/tasks')).body.items;
    const nobody = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/decision`, { opinion: '同意', deputy: 'sunwie' });
    expect(nobody.status).toBe(400);
    expect(nobody.body.message).toContain('找不到分管领导 sunwie');
    const notDeputy = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/decision`, { opinion: '同意', deputy: 'zhoujie' });
    expect(notDeputy.status).toBe(400);
    await decideNext(h, 'zhaomin', docId, { opinion: '同意，请孙伟同志负责', deputy: 'sunwei' });
    await decideNext(h, 'sunwei', docId, { opinion: '请生产技术科抓紧办理' });
    // The department named in the proposal, and no other, gets the handling task.
    expect((await h.api('chenjing', 'GET', '/tasks')).body.items).toHaveLength(0);
    await decideNext(h, 'zhoujie', docId, { opinion: '已组织全科检查，整改三项，报告已上报' });
    await decideNext(h, 'wangfang', docId, { opinion: '已立卷', retention: 'D30' });
  });

  it('finishes the execution and shows every opinion on the slip', async () => {
    const sfn = new SFNClient({ endpoint: h.local.endpoints.stepfunctions });
    const machine = h.local.wiring.stateMachines[0].arn;
    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    const execution = list.executions!.find((e) => e.name === `superior-key-${docId}`)!;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    expect(described.status, `${described.error}: ${described.cause}`).toBe('SUCCEEDED');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 }));
    const entered = history.events!.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name);
    expect(entered).toEqual(['Propose', 'Instruct', 'DeputyHandle', 'DepartmentHandle', 'File', 'Archive', 'Filed']);

    const shown = await h.api('wangfang', 'GET', `/documents/${docId}`);
    expect(shown.status).toBe(200);
    expect(shown.body.document.status).toBe('filed');
    expect(shown.body.slip.map((l: any) => [l.stepName, l.actorName])).toEqual([
      ['拟办', '李强'],
      ['阅批', '赵敏'],
      ['阅处', '孙伟'],
      ['阅办', '周杰'],
      ['立卷归档', '王芳'],
    ]);
    expect(shown.body.slip[1].details).toEqual([{ label: '责任领导', value: '孙伟（sunwei）' }]);
    expect(shown.body.audit.verification).toEqual({ ok: true });
    expect((await h.api('liuyang', 'GET', `/documents/${docId}`)).status).toBe(403);
  });

  it('writes the archive package under the 档号 with a SHA-256 manifest', async () => {
    const year = new Date().getFullYear();
    const code = `Z001-WS·${year}-D30-SCJSK-0001`;
    const prefix = `Z001/WS·${year}/D30/SCJSK/${code}/`;
    const shown = await h.api('wangfang', 'GET', `/documents/${docId}`);
    expect(shown.body.document.archive).toMatchObject({ archiveCode: code, prefix });

    const bucket = archiveBucket(h.local);
    const listed = await h.local.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const names = listed.Contents!.map((o) => o.Key!.slice(prefix.length)).sort();
    expect(names).toEqual(['package.tar']);
    const files = await archivePackage(h.local.s3, bucket, prefix);
    expect([...files.keys()].sort()).toEqual(['audit.json', 'manifest-sha256.txt', 'metadata.json', 'original.pdf', 'slip.json', 'slip.pdf']);

    const manifest = files.get('manifest-sha256.txt')!.toString('utf8');
    const lines = manifest.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      const [hash, name] = line.split(/\s+/);
      const body = files.get(name)!;
      expect(createHash('sha256').update(body).digest('hex'), name).toBe(hash);
    }
    const slip = JSON.parse(files.get('slip.json')!.toString('utf8'));
    expect(slip.archiveCode).toBe(code);
    expect(slip.lines.map((l: any) => l.opinion)).toContain('同意，请孙伟同志负责');
    const pdf = await PDFDocument.load(files.get('slip.pdf')!);
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1);
    const archive = await h.api('wangfang', 'GET', `/registers/archive`);
    expect(archive.body.items).toEqual([expect.objectContaining({ archiveCode: code, docId })]);
  });

  it('tells the director when the route no longer waits for a task, and takes it off the list', async () => {
    // Document 2 still waits for 拟办; an administrator stops its execution.
    const [task] = (await h.api('liqiang', 'GET', '/tasks')).body.items;
    const doc = await h.api('liqiang', 'GET', `/documents/${task.docId}`);
    const sfn = new SFNClient({ endpoint: h.local.endpoints.stepfunctions });
    await sfn.send(new StopExecutionCommand({ executionArn: doc.body.document.executionArn, error: 'Admin.Stopped', cause: 'registered twice' }));
    const late = await h.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请财务科办理', department: 'CWK' });
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('流程已不再等待');
    expect((await h.api('liqiang', 'GET', '/tasks')).body.items).toHaveLength(0);
    const after = await h.api('liqiang', 'GET', `/documents/${task.docId}`);
    expect(after.body.tasks[0].status).toBe('expired');
    expect(after.body.audit.verification).toEqual({ ok: true });
  });

  it('shows a classified document only to people cleared for its level', async () => {
    await h.upload('绝密来文.pdf', await makePdf('top secret'), { secrecy: 'top-secret' });
    await h.local.settle();
    const [entry] = (await h.api('zhaomin', 'GET', '/registers/incoming?order=desc&limit=1')).body.items;
    expect(entry.secrecy).toBe('绝密');
    const denied = await h.api('wangfang', 'GET', `/documents/${entry.docId}`);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('绝密');
    expect((await h.api('wangfang', 'GET', `/documents/${entry.docId}/scan`)).status).toBe(403);
    expect((await h.api('zhaomin', 'GET', `/documents/${entry.docId}`)).status).toBe(200);
    // The director (机密) holds the 拟办 role but not the clearance: he may not decide it.
    const [task] = (await h.api('liqiang', 'GET', '/tasks')).body.items.filter((t: any) => t.docId === entry.docId);
    const refused = await h.api('liqiang', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请办理', department: 'BGS' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('密级');
  });

  it('serves the original scan by a short-lived link', async () => {
    const link = await h.api('sunwei', 'GET', `/documents/${docId}/scan`);
    expect(link.status).toBe(200);
    expect(link.body.url).toContain('X-Amz-Expires=300');
    const res = await fetch(link.body.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });
});

