/**
 * The task-service commands of bin/chancery against local mode: box, chase, notifications,
 * delegate, circulate, read, transfer.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localDate } from '../../functions/domain/calendar.js';
import { repoRoot } from '../../infra/local/wiring.js';
import { makePdf, startHarness, type Harness } from './harness.js';

const run = promisify(execFile);
let h: Harness;
let docId: string;
let taskId: string;

beforeAll(async () => {
  h = await startHarness({ watchInbox: false, extraUsers: [{ username: 'wujun', name: '吴军', groups: ['office-director'], department: 'BGS', clearance: '秘密' }] });
  mkdirSync(h.local.dataDir, { recursive: true });
  writeFileSync(join(h.local.dataDir, 'endpoints.json'), JSON.stringify(h.local.endpoints));
  await h.upload('关于做好年末安全稳定工作的通知.pdf', await makePdf('cli'));
  await h.local.settle();
  [{ docId, taskId }] = (await h.api('liqiang', 'GET', '/tasks')).body.items;
}, 120_000);
afterAll(async () => h?.close());

const chancery = async (...args: string[]) => {
  const { stdout } = await run(join(repoRoot, 'bin', 'chancery'), args, { env: { ...process.env, CHANCERY_DATA_DIR: h.local.dataDir }, cwd: repoRoot });
  return stdout;
};

it('runs the task-service operations from the command line', async () => {
  expect(await chancery('box', 'todo', '--as', 'liqiang')).toMatch(/待办（1 件）[\s\S]*拟办[\s\S]*关于做好年末安全稳定工作的通知/);
  expect(await chancery('chase', taskId, '--as', 'wangfang', '--note', '请今日内拟办')).toContain('已催办（催办记录第 1 号，第 1 次）');
  expect(await chancery('notifications', '--as', 'liqiang')).toContain('【催办】关于做好年末安全稳定工作的通知');

  const today = localDate(new Date(), 'Asia/Shanghai');
  const later = localDate(new Date(Date.now() + 5 * 86_400_000), 'Asia/Shanghai');
  expect(await chancery('delegate', 'sunwei', '--from', today, '--until', later, '--as', 'zhaomin')).toContain('已委托 孙伟');
  expect(await chancery('delegate', '--as', 'sunwei')).toContain('代理：赵敏（zhaomin）');

  expect(await chancery('circulate', docId, '--readers', 'sunwei,zhoujie', '--rank', '--note', '请依次阅', '--as', 'wangfang')).toContain('已传阅给 2 人（按顺序依次传阅）');
  expect(await chancery('box', 'toread', '--as', 'sunwei')).toContain('关于做好年末安全稳定工作的通知');
  expect(await chancery('read', docId, '-o', '已阅，请周杰阅', '--as', 'sunwei')).toContain('已传给 zhoujie');
  expect(await chancery('box', 'read', '--as', 'sunwei')).toMatch(/已阅（1 件）/);

  expect(await chancery('transfer', 'next', '--to', 'wujun', '--reason', '出差', '--as', 'liqiang')).toContain('已转办：吴军（wujun）');
  const refused = await run(join(repoRoot, 'bin', 'chancery'), ['transfer', taskId, '--to', 'zhoujie', '--reason', 'x', '--as', 'wujun'], { env: { ...process.env, CHANCERY_DATA_DIR: h.local.dataDir } }).catch((e) => e);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('不是办公室主任');
  expect(await chancery('delegate', '--clear', '--as', 'zhaomin')).toContain('已撤销委托');
});

it('names 会签 signers at 拟办, signs, disagrees, adds and removes signers from the command line', async () => {
  const submitted = await h.api('liuyang', 'POST', '/documents', { route: 'request-important', title: '关于命令行会签的请示', content: '请审定。' });
  await h.local.settle();
  const doc = submitted.body.docId;
  const proposal = ((await h.api('liqiang', 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === doc);
  expect(await chancery('decide', proposal.taskId, '-o', '请会签', '--signers', 'sunwei,gaofeng', '--sign-mode', 'ratio', '--ratio', '0.5', '--as', 'liqiang')).toContain('已办理：拟办');
  await h.local.settle();
  expect(await chancery('add-signer', 'next', '--user', 'hexin', '--reason', '涉及安全', '--as', 'sunwei')).toContain('已加签：何欣（在本人之后签署）');
  const hexinTask = ((await h.api('hexin', 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === doc);
  expect(await chancery('decide', 'next', '-o', '不同意', '--disagree', '--as', 'gaofeng')).toContain('已办理：分管领导阅示（票签）');
  expect(await chancery('remove-signer', hexinTask.taskId, '--user', 'hexin', '--as', 'liqiang')).toContain('已减签：hexin');
  expect(await chancery('decide', 'next', '-o', '同意', '--as', 'sunwei')).toContain('签署结果：通过（同意 1、不同意 1 / 共 2 人，须 1 人同意）');
});
