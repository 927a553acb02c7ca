/**
 * Local mode stops while a task waits for a decision; after a restart on the same data
 * directory the decision is taken, and the route runs on to the archive.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

it('keeps a waiting task, its token and the register across a restart', async () => {
  await h.upload('关于做好年终安全检查的通知.pdf', await makePdf('restart'));
  await h.local.settle();
  const before = await h.api('liqiang', 'GET', '/tasks');
  expect(before.body.items).toHaveLength(1);
  const { docId, taskId } = before.body.items[0];

  await h.restart();

  const after = await h.api('liqiang', 'GET', '/tasks');
  expect(after.body.items.map((t: any) => t.taskId)).toEqual([taskId]);
  await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
  await decideNext(h, 'zhaomin', docId, { opinion: '同意' });

  // A second restart mid-route, then the rest.
  await h.restart();
  await decideNext(h, 'sunwei', docId, { opinion: '请抓紧' });
  await decideNext(h, 'zhoujie', docId, { opinion: '已办结' });
  await decideNext(h, 'wangfang', docId, { opinion: '归档', retention: 'Y' });

  const doc = await h.api('wangfang', 'GET', `/documents/${docId}`);
  expect(doc.body.document.status).toBe('filed');
  expect(doc.body.slip).toHaveLength(5);
  expect(doc.body.audit.verification).toEqual({ ok: true });
  const sfn = new SFNClient({ endpoint: h.local.endpoints.stepfunctions });
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: doc.body.document.executionArn }));
  expect(execution.status).toBe('SUCCEEDED');
  expect(JSON.parse(execution.output!).archive.archiveCode).toBe(doc.body.document.archive.archiveCode);

  // Numbers continue after a restart: the next scan is number 2 of the year.
  await h.upload('第二份来文.pdf', await makePdf('second'));
  await h.local.settle();
  const register = await h.api('wangfang', 'GET', '/registers/incoming');
  expect(register.body.items.map((e: any) => e.serial)).toEqual([1, 2]);
});
