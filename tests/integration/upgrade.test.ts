/**
 * The upgrade path in local mode: a branch runs superior-key on its first released definition
 * (statemachines/released/2026-11-22: no Chancery.Goto, a 90-day backstop), a scan is taken two
 * steps along, then the branch is "deployed" again with the current definitions (local mode
 * stopped and started on the same data, as `cdk deploy` updates the state machine in place). The
 * document mid-route keeps its old graph and finishes on it with the new code — decisions,
 * archive package, filing — while a document registered after the deploy runs on the new graph.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, DescribeStateMachineCommand, DescribeStateMachineForExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/local/wiring.js';
import { archiveBucket, archivePackage, decideNext, makePdf, startHarness, type Harness } from './harness.js';

const RELEASE_2026_11_22 = readFileSync(join(repoRoot, 'statemachines/released/2026-11-22/superior-key.asl.json'), 'utf8');
const OLD_BACKSTOP = 90 * 86_400;
const year = new Date().getFullYear();

let h: Harness;
let sfn: SFNClient;
let machineArn: string;
/** The definitions as local mode registered them (placeholders filled), before and after the deploy. */
let oldDefinition: string;
let newDefinition: string;
let oldDoc: string;
let oldExecution: string;

const superiorKeyMachine = () => h.local.wiring.stateMachines.find((m) => m.id === 'superior-key')!;
const definitionOf = async (executionArn: string) => (await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }))).definition!;
/** The human steps the execution scheduled, with the backstop each Task state set. */
async function scheduled(executionArn: string): Promise<{ state: string; timeout?: number }[]> {
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  const out: { state: string; timeout?: number }[] = [];
  let state = '';
  for (const e of events!) {
    if (e.type === 'TaskStateEntered') state = e.stateEnteredEventDetails!.name!;
    if (e.type === 'TaskScheduled' && e.taskScheduledEventDetails!.resource === 'invoke.waitForTaskToken') out.push({ state, timeout: e.taskScheduledEventDetails!.timeoutInSeconds });
  }
  return out;
}
async function openTask(user: string, docId: string) {
  const task = ((await h.api(user, 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId);
  expect(task, `${user} has an open task for ${docId}`).toBeDefined();
  return task;
}

beforeAll(async () => {
  h = await startHarness({ definitions: { 'superior-key': RELEASE_2026_11_22 } });
  sfn = new SFNClient({ endpoint: h.local.endpoints.stepfunctions });
  machineArn = superiorKeyMachine().arn;
  oldDefinition = superiorKeyMachine().definition;
});
afterAll(async () => {
  sfn?.destroy();
  await h?.close();
});

describe('a document mid-route across a deploy', () => {
  it('before: a scan starts superior-key on the released definition and is taken two steps', async () => {
    expect(JSON.parse(oldDefinition).States.Goto).toBeUndefined();
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }))).definition).toBe(oldDefinition);
    await h.upload('关于升级前来文的通知.pdf', await makePdf('before the deploy'));
    await h.local.settle();
    oldDoc = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items[0].docId;
    await decideNext(h, 'liqiang', oldDoc, { opinion: '请生产技术科办理', department: 'SCJSK', dueDate: `${year + 1}-01-31` });
    await decideNext(h, 'zhaomin', oldDoc, { opinion: '同意，请孙伟同志负责', deputy: 'sunwei' });
    oldExecution = (await h.api('wangfang', 'GET', `/documents/${oldDoc}`)).body.document.executionArn;
    expect(await definitionOf(oldExecution)).toBe(oldDefinition);
    expect(await openTask('sunwei', oldDoc)).toMatchObject({ step: 'deputyHandle', stepName: '阅处' });
  });

  it('the deploy updates the state machine in place; the running execution keeps the definition it started with', async () => {
    await h.restart({ definitions: undefined });
    newDefinition = superiorKeyMachine().definition;
    expect(newDefinition).not.toBe(oldDefinition);
    expect(JSON.parse(newDefinition).States.Goto).toBeDefined();
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }))).definition).toBe(newDefinition);
    expect(await definitionOf(oldExecution)).toBe(oldDefinition);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: oldExecution }))).status).toBe('RUNNING');
  });

  it('a 退回 or 撤回 the old graph cannot take is refused, and the document stays where it is', async () => {
    const waiting = await openTask('sunwei', oldDoc);
    const back = await h.api('sunwei', 'POST', `/tasks/${waiting.taskId}/return`, { to: 'instruct', reason: '请重新明确办理期限' });
    expect(back.status).toBe(409);
    expect(back.body.message).toContain('升级前的流程');
    expect(back.body.message).toContain('退回到「阅批」');
    const instructed = ((await h.api('zhaomin', 'GET', `/documents/${oldDoc}`)).body.tasks as any[]).find((t) => t.step === 'instruct');
    const recall = await h.api('zhaomin', 'POST', `/tasks/${instructed.taskId}/recall`, { reason: '再看一下' });
    expect(recall.status).toBe(409);
    expect(recall.body.message).toContain('撤回到「阅批」');
    await h.local.settle();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: oldExecution }))).status).toBe('RUNNING');
    expect((await openTask('sunwei', oldDoc)).taskId).toBe(waiting.taskId);
  });

  it('after: the new code takes the rest of the old route — decisions, archive package, filing', async () => {
    await decideNext(h, 'sunwei', oldDoc, { opinion: '请生产技术科抓紧办理' });
    await decideNext(h, 'zhoujie', oldDoc, { opinion: '已按要求办结' });
    await decideNext(h, 'wangfang', oldDoc, { opinion: '已立卷', retention: 'D30' });

    const done = await sfn.send(new DescribeExecutionCommand({ executionArn: oldExecution }));
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    // Every step, those after the deploy too, ran on the old graph (its 90-day backstop).
    expect(await scheduled(oldExecution)).toEqual(['Propose', 'Instruct', 'DeputyHandle', 'DepartmentHandle', 'File'].map((state) => ({ state, timeout: OLD_BACKSTOP })));
    expect(await definitionOf(oldExecution)).toBe(oldDefinition);

    const shown = await h.api('wangfang', 'GET', `/documents/${oldDoc}`);
    expect(shown.body.document.status).toBe('filed');
    expect(shown.body.slip.map((l: any) => [l.stepName, l.actorName])).toEqual([
      ['拟办', '李强'],
      ['阅批', '赵敏'],
      ['阅处', '孙伟'],
      ['阅办', '周杰'],
      ['立卷归档', '王芳'],
    ]);
    expect(shown.body.audit.verification).toEqual({ ok: true });
    const code = `Z001-WS·${year}-D30-SCJSK-0001`;
    expect(shown.body.document.archive).toMatchObject({ archiveCode: code });
    expect(JSON.parse(done.output!).archive.archiveCode).toBe(code);
    const files = await archivePackage(h.local.s3, archiveBucket(h.local), shown.body.document.archive.prefix);
    expect([...files.keys()].sort()).toEqual(['audit.json', 'manifest-sha256.txt', 'metadata.json', 'original.pdf', 'slip.json', 'slip.pdf']);
    const slip = JSON.parse(files.get('slip.json')!.toString('utf8'));
    expect(slip.lines.map((l: any) => l.opinion)).toEqual(['请生产技术科办理', '同意，请孙伟同志负责', '请生产技术科抓紧办理', '已按要求办结', '已立卷']);
    expect((await h.api('wangfang', 'GET', '/registers/archive')).body.items).toEqual([expect.objectContaining({ archiveCode: code, docId: oldDoc })]);
  });

  it('a document registered after the deploy runs on the new definition, 退回 included', async () => {
    await h.upload('关于升级后来文的通知.pdf', await makePdf('after the deploy'));
    await h.local.settle();
    const entry = ((await h.api('wangfang', 'GET', '/registers/incoming')).body.items as any[]).find((e) => e.docId !== oldDoc);
    const docId: string = entry.docId;
    const executionArn: string = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body.document.executionArn;
    expect(await definitionOf(executionArn)).toBe(newDefinition);

    await decideNext(h, 'liqiang', docId, { opinion: '请财务科办理', department: 'CWK' });
    const instruct = await openTask('zhaomin', docId);
    const back = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/return`, { to: 'propose', reason: '应由生产技术科办理' });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    await h.local.settle();
    await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
    await decideNext(h, 'zhaomin', docId, { opinion: '同意' });
    await decideNext(h, 'sunwei', docId, { opinion: '请抓紧' });
    await decideNext(h, 'zhoujie', docId, { opinion: '已办结' });
    await decideNext(h, 'wangfang', docId, { opinion: '已立卷', retention: 'D10' });

    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED');
    const newBackstop = JSON.parse(newDefinition).States.Propose.TimeoutSeconds as number;
    expect(newBackstop).toBeLessThan(OLD_BACKSTOP);
    expect((await scheduled(executionArn)).map((s) => s.state)).toEqual(['Propose', 'Instruct', 'Propose', 'Instruct', 'DeputyHandle', 'DepartmentHandle', 'File']);
    for (const s of await scheduled(executionArn)) expect(s.timeout).toBe(newBackstop);
    const shown = await h.api('wangfang', 'GET', `/documents/${docId}`);
    expect(shown.body.document.status).toBe('filed');
    expect(shown.body.document.archive.archiveCode).toBe(`Z001-WS·${year}-D10-SCJSK-0001`);
    const listed = await h.local.s3.send(new ListObjectsV2Command({ Bucket: archiveBucket(h.local), Prefix: shown.body.document.archive.prefix }));
    expect(listed.Contents!.map((o) => o.Key!.slice(shown.body.document.archive.prefix.length))).toEqual(['package.tar']);
  });
});
