/**
 * The command-line client that ships with the project, run as a newcomer runs it
 * (bin/chancery), against local mode: log in, list tasks, show, decide, list a register.
 */
import { execFile } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../infra/local/wiring.js';
import { makePdf, startHarness, type Harness } from './harness.js';

const run = promisify(execFile);
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // The CLI finds local mode through endpoints.json in the data directory, as after `npm start`.
  mkdirSync(h.local.dataDir, { recursive: true });
  writeFileSync(join(h.local.dataDir, 'endpoints.json'), JSON.stringify(h.local.endpoints));
  await h.upload('【特急】关于寒潮天气防范工作的紧急通知.pdf', await makePdf('cli'));
  await h.local.settle();
});
afterAll(async () => h?.close());

const chancery = async (...args: string[]) => {
  const { stdout } = await run(join(repoRoot, 'bin', 'chancery'), args, { env: { ...process.env, CHANCERY_DATA_DIR: h.local.dataDir }, cwd: repoRoot });
  return stdout;
};

it('drives a document from the command line', async () => {
  expect(await chancery('login', 'liqiang')).toContain('已登录：李强（办公室主任）');
  const tasks = await chancery('tasks');
  expect(tasks).toContain('拟办');
  expect(tasks).toContain('【特急】关于寒潮天气防范工作的紧急通知');
  expect(await chancery('show', 'next')).toContain('收〔');
  expect(await chancery('decide', 'next', '-o', '请质量安全环保科立即落实', '--department', 'ZLAQK')).toContain('已办理：拟办');
  expect(await chancery('decide', 'next', '--as', 'zhaomin', '-o', '同意')).toContain('已办理：阅批');
  const shown = await chancery('show', 'next', '--as', 'sunwei');
  expect(shown).toContain('【拟办】请质量安全环保科立即落实');
  expect(shown).toContain('—— 赵敏（主要领导）');
  expect(await chancery('register', 'incoming', '--as', 'wangfang')).toMatch(/收文登记簿（1 条）/);
  const refused = await run(join(repoRoot, 'bin', 'chancery'), ['decide', 'next', '--as', 'zhoujie', '-o', 'x'], { env: { ...process.env, CHANCERY_DATA_DIR: h.local.dataDir } }).catch((e) => e);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('没有待办');
});

it('lists the routes, submits an internal request and decides it with an outcome', async () => {
  expect(await chancery('routes', '--as', 'liuyang')).toContain('request-general');
  const submitted = await chancery('submit', 'request-general', '--as', 'liuyang', '--title', '关于申请加班的请示', '--content', '因设备检修，申请本周六加班。');
  expect(submitted).toMatch(/已提交：内〔\d{4}〕1号/);
  await h.local.settle();
  // 孙伟 also holds the first test's 阅处: pick this request's task by its id.
  const mine = JSON.parse(await chancery('tasks', '--as', 'sunwei', '--json')).items.find((t: any) => t.step === 'deputyDecide');
  expect(await chancery('decide', mine.taskId, '--as', 'sunwei', '-o', '提交专题会议研究', '--outcome', 'meeting')).toContain('已办理：分管领导批示');
  await h.local.settle();
  expect(await chancery('decide', 'next', '--as', 'liqiang', '-o', '会议同意', '--outcome', 'approve')).toContain('已办理：专题会议');
  expect(await chancery('register', 'internal', '--as', 'wangfang')).toContain('关于申请加班的请示');
});
