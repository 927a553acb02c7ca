/**
 * One incoming document from the scanner to the archive, every step in the console of a real
 * browser against real local mode: a scan dropped into the watched folder; the clerk registers it
 * at the registration desk (登记台) and chases (催办) it from the register; the office director
 * sees the chase in 通知 and proposes (拟办) at a desk; the main leader approves (阅批) on a phone;
 * the deputy reads (阅处); the department reports progress (办理反馈) and handles it (阅办); the
 * clerk files it (立卷归档) — and the archive catalogue has it under its 档号.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { type Harness } from '../integration/harness.js';
import { DESK, PHONE, artifactsDir, noHorizontalScroll, openAs } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('route');
const TITLE = '关于开展冬季消防安全检查的通知';

let h: Harness;
let browser: Browser;
let origin: string;
let docId: string;

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: true }));
}, 120_000);

afterAll(() => stopConsole({ h, browser }));

/** The open task of a step of this test's document (the API, as the page's test ids carry it). */
async function openTaskId(stepName: string): Promise<string> {
  const view = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
  return view.tasks.find((t: any) => t.status === 'open' && t.stepName === stepName).taskId;
}

/** Open the document from 待办 and submit the step's form after `fill`. */
async function decideFromTodo(page: Page, stepName: string, fill: (form: ReturnType<Page['getByTestId']>) => Promise<void>, shot?: string) {
  const todo = page.getByTestId('box-todo');
  await todo.getByRole('link', { name: TITLE }).waitFor();
  await expect(todo.getByText(stepName, { exact: true }).count()).resolves.toBe(1);
  await todo.getByRole('link', { name: TITLE }).click();
  const form = page.getByTestId('decision-form');
  await form.waitFor();
  await fill(form);
  if (shot) await page.screenshot({ path: `${ARTIFACTS}/${shot}`, fullPage: true });
  await page.getByTestId('submit-decision').click();
  await page.waitForURL(`${origin}/todo`);
  await todo.getByText('没有待办事项').waitFor();
}

describe('an incoming document through the console, scanner to archive', () => {

  it('the scan dropped into the watched folder waits on the registration desk, and the clerk registers it', async () => {
    copyFileSync('examples/sample-scan.pdf', join(h.dataDir, 'inbox', `【加急】${TITLE}.pdf`));
    await h.local.settle();
    const { context, page } = await openAs(browser, `${origin}/desk`, 'wangfang');
    await registerAtDesk(page);

    const [entry] = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items;
    docId = entry.docId;
    expect(entry).toMatchObject({ title: TITLE, sender: '市应急管理局', sourceNumber: '市应急〔2026〕45号', urgency: '加急' });

    // From the register to the document, and 催办 on its open step (拟办), as a clerk may on any.
    await page.getByRole('menuitem', { name: '登记簿' }).click();
    await page.getByTestId('registers').getByRole('link', { name: TITLE }).click();
    await page.getByTestId('action-chase-' + (await openTaskId('拟办'))).click();
    await page.getByTestId('action-form').getByLabel('催办说明').fill('加急件，请今天拟办');
    await page.getByTestId('action-submit').click();
    await page.getByText('已催办拟办，办理人已收到通知').waitFor();
    await context.close();
    const [chased] = (await h.api('wangfang', 'GET', '/registers/chasing')).body.items;
    expect(chased).toMatchObject({ docId, note: '加急件，请今天拟办', chasedBy: 'wangfang' });
    // The timeline names the clerk (from the directory: no slip line of hers records it).
    const timeline = (await h.api('liqiang', 'GET', `/documents/${docId}`)).body.timeline;
    expect(timeline.find((e: any) => e.action === 'task.chased')).toMatchObject({ actor: 'wangfang', actorName: '王芳' });
  }, 120_000);

  it('the office director sees the chase in 通知 and proposes (拟办) at a desk', async () => {
    const { context, page } = await openAs(browser, `${origin}/notifications`, 'liqiang');
    await page.getByTestId('notification').filter({ hasText: '加急件，请今天拟办' }).waitFor();
    await page.getByRole('menuitem', { name: '待办' }).click();
    await decideFromTodo(page, '拟办', async (form) => {
      await form.getByLabel('意见').fill('请赵总阅批，建议由生产技术科牵头落实');
      await form.getByLabel('承办科室').click();
      await page.locator('.ant-select-item-option[title="生产技术科"]').click();
    }, 'desktop-propose.png');
    await context.close();
  }, 90_000);

  it('the main leader approves (阅批) on a phone', async () => {
    await h.local.settle();
    const { context, page } = await openAs(browser, `${origin}/todo`, 'zhaomin', PHONE);
    await decideFromTodo(page, '阅批', async (form) => {
      await form.getByLabel('意见').fill('同意，请孙伟同志负责');
      await form.getByLabel('分管领导').fill('sunwei');
      expect(await noHorizontalScroll(page)).toBe(true);
    }, 'phone-approve.png');
    await context.close();
  }, 90_000);

  it('the deputy reads (阅处) and the department head handles it (阅办)', async () => {
    await h.local.settle();
    const deputy = await openAs(browser, `${origin}/todo`, 'sunwei');
    await decideFromTodo(deputy.page, '阅处', (form) => form.getByLabel('意见').fill('请生产技术科抓紧落实'));
    await deputy.context.close();

    await h.local.settle();
    const head = await openAs(browser, `${origin}/todo`, 'zhoujie', PHONE);
    // 办理反馈 while handling: a line on the slip, the task stays open.
    await head.page.getByTestId('box-todo').getByRole('link', { name: TITLE }).click();
    await head.page.getByTestId('op-progress').click();
    await head.page.getByTestId('op-form-progress').getByLabel('办理情况').fill('已完成一、二车间检查');
    await head.page.getByTestId('op-submit').click();
    await head.page.getByText('办理反馈已提交').waitFor();
    await head.page.getByTestId('timeline').getByText('已完成一、二车间检查').waitFor();
    await head.page.getByRole('link', { name: '‹ 返回待办' }).click();
    await decideFromTodo(head.page, '阅办', (form) => form.getByLabel('意见').fill('已组织全科检查，整改三项'), 'phone-handle.png');
    await head.context.close();
  }, 90_000);

  it('the clerk files it (立卷归档): the slip is complete and the archive package is under its 档号', async () => {
    await h.local.settle();
    const { context, page } = await openAs(browser, `${origin}/todo`, 'wangfang');
    await decideFromTodo(page, '立卷归档', async (form) => {
      await form.getByLabel('意见').fill('已立卷');
      await form.getByText('30年', { exact: true }).click();
    }, 'desktop-file.png');

    await h.local.settle();
    await page.goto(`${origin}/documents/${docId}`);
    const slip = page.getByTestId('slip');
    for (const step of ['拟办', '阅批', '阅处', '阅办', '立卷归档']) await slip.getByText(step, { exact: true }).waitFor();
    await page.getByTestId('current-steps').getByText('已归档').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/desktop-filed.png`, fullPage: true });
    await context.close();

    const view = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
    expect(view.document.status).toBe('filed');
    expect(view.slip.map((l: any) => l.stepName)).toEqual(['拟办', '阅批', '阅处', '阅办', '立卷归档']);
    const [archived] = (await h.api('wangfang', 'GET', '/registers/archive')).body.items;
    expect(archived).toMatchObject({ docId, title: TITLE });
    expect(archived.archiveCode).toMatch(/^Z001-WS·\d{4}-D30-SCJSK-\d{4}$/);
  }, 90_000);
});

/** The registration desk: the next scan (drawn by pdf.js) on the left, the entry on the right. */
async function registerAtDesk(page: Page) {
  const desk = page.getByTestId('desk-form');
  await desk.waitFor();
  await page.locator('canvas').first().waitFor();
  await desk.getByLabel('来文单位').fill('市应急管理局');
  await desk.getByLabel('来文字号').fill('市应急〔2026〕45号');
  await page.screenshot({ path: `${ARTIFACTS}/desktop-desk.png`, fullPage: true });
  await page.getByTestId('desk-save').click();
  await page.getByText('登记台上没有待登记的文件').waitFor();
}
