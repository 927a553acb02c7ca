/**
 * Staff and leaders in a real browser against real local mode: a staff member submits a 请示 with
 * an attachment and sees where it stands; the deputy decides and takes it back (撤回); the
 * requester withdraws (撤销) another; the office director takes a signer off a 会签 (减签); a
 * delegation (委托) is refused, then set and withdrawn, and the profile names the person's roles.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness } from '../integration/harness.js';
import { DESK, PHONE, artifactsDir, logIn, noHorizontalScroll, openAs } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('staff');
const TITLE = '关于购置安全检测设备的请示';

let h: Harness;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
}, 120_000);

afterAll(() => stopConsole({ h, browser }));

describe('staff and leaders in the console', () => {
  let docId: string;

  it('a staff member submits a 请示 with an attachment on a phone and sees it with its 正文, attachment and current step', async () => {
    const { context, page } = await openAs(browser, `${origin}/submit`, 'liuyang', PHONE);
    const form = page.getByTestId('submit-page');
    await form.waitFor();
    // An empty form: the console's own Chinese messages, nothing sent.
    await page.getByTestId('submit-document').click();
    await page.getByText('请填写标题').waitFor();
    await page.getByText('请填写正文').waitFor();

    await form.getByLabel('标题').fill(TITLE);
    await form.getByText('加急', { exact: true }).click();
    await form.getByPlaceholder('请填写请示或报告的正文').fill('为落实安全生产大检查要求，拟购置气体检测仪两台，预算三万元。\n妥否，请批示。');
    // The session ends mid-form: after logging in again the typed text is still there.
    await page.evaluate("for (const key of Object.keys(sessionStorage)) if (key.startsWith('oidc.user')) sessionStorage.removeItem(key)");
    await page.reload();
    await logIn(page, 'liuyang');
    await form.waitFor();
    await expect(form.getByLabel('标题').inputValue()).resolves.toBe(TITLE);
    await expect(form.getByPlaceholder('请填写请示或报告的正文').inputValue()).resolves.toContain('拟购置气体检测仪两台');
    const list = join(h.dataDir, '设备清单.txt');
    writeFileSync(list, '气体检测仪 2 台\n');
    await page.getByTestId('submit-attachments').locator('input[type=file]').setInputFiles(list);
    await page.getByText('设备清单.txt').waitFor();
    await page.waitForTimeout(500); // the file list's slide-in, for a still screenshot
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-submit.png`, fullPage: true });
    await page.getByTestId('submit-document').click();

    await page.waitForURL(/\/documents\/[0-9a-f]{20}$/);
    docId = page.url().split('/').pop()!;
    const content = page.getByTestId('doc-content');
    await content.getByText('拟购置气体检测仪两台').waitFor();
    await content.getByRole('link', { name: '设备清单.txt' }).waitFor();
    await expect(page.getByTestId('doc-title').textContent()).resolves.toBe(TITLE);
    await page.getByTestId('current-steps').getByText('当前：分管领导批示').waitFor();
    await page.getByText(/^刘洋 · /).first().waitFor();
    // Nobody has decided yet: the requester may still withdraw it.
    await page.getByTestId('action-withdraw').waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-submitted.png`, fullPage: true });
    await context.close();

    const view = (await h.api('liuyang', 'GET', `/documents/${docId}`)).body;
    expect(view.document).toMatchObject({ title: TITLE, urgency: '加急', route: 'request-general', requester: { username: 'liuyang' } });
    expect(view.attachments.map((a: any) => a.name)).toEqual(['设备清单.txt']);
    // The timeline names people, not usernames, from what the document records.
    expect(view.timeline.find((e: any) => e.action === 'document.submitted')).toMatchObject({ actor: 'liuyang', actorName: '刘洋' });
    await h.local.settle();
    expect((await h.api('sunwei', 'GET', '/tasks')).body.items.map((t: any) => [t.docId, t.stepName])).toEqual([[docId, '分管领导批示']]);
  }, 90_000);

  it('the deputy approves, then takes the decision back (撤回) before the requester acts', async () => {
    const { context, page } = await openAs(browser, `${origin}/documents/${docId}`, 'sunwei');
    const form = page.getByTestId('decision-form');
    await form.waitFor();
    // 委托 is one click away from the task: the profile page sets it.
    await expect(page.getByRole('link', { name: '设置委托' }).getAttribute('href')).resolves.toBe('/profile');
    await form.getByLabel('意见').fill('同意购置');
    await form.getByText('同意', { exact: true }).click();
    await page.screenshot({ path: `${ARTIFACTS}/desktop-decide.png`, fullPage: true });
    await page.getByTestId('submit-decision').click();
    await page.waitForURL(`${origin}/todo`);
    await h.local.settle();

    await page.goto(`${origin}/documents/${docId}`);
    await page.getByTestId('slip').getByText('同意购置').waitFor();
    await page.getByTestId('action-recall').click();
    await page.getByTestId('action-form').getByLabel('撤回理由').fill('预算需再核');
    await page.screenshot({ path: `${ARTIFACTS}/desktop-recall.png` });
    await page.getByTestId('action-submit').click();
    await page.getByText('已撤回').waitFor();
    await context.close();

    await h.local.settle();
    expect((await h.api('sunwei', 'GET', '/tasks')).body.items.map((t: any) => [t.docId, t.stepName])).toEqual([[docId, '分管领导批示']]);
    expect((await h.api('liuyang', 'GET', '/tasks')).body.items).toEqual([]);
  }, 90_000);

  it('the requester withdraws (撤销) a 请示 nobody has decided; then nothing is left to withdraw', async () => {
    const submitted = await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: '关于调整值班安排的请示', content: '拟调整春节值班安排。' });
    expect(submitted.status).toBe(200);
    const other = submitted.body.docId as string;
    await h.local.settle();

    const { context, page } = await openAs(browser, `${origin}/documents/${other}`, 'liuyang');
    await page.getByTestId('action-withdraw').click();
    await page.getByTestId('action-form').getByLabel('撤销理由').fill('安排已另行协调');
    await page.getByTestId('action-submit').click();
    await page.getByText('已撤销').first().waitFor();
    await page.getByTestId('current-steps').getByText('已撤销').waitFor();
    await page.getByTestId('slip').getByText('安排已另行协调').waitFor();
    // Withdrawn: nothing is left to withdraw.
    await expect(page.getByTestId('action-withdraw').count()).resolves.toBe(0);
    await context.close();
    expect((await h.api('liuyang', 'GET', `/documents/${other}`)).body.document.status).toBe('withdrawn');
    expect((await h.api('sunwei', 'GET', '/tasks')).body.items.map((t: any) => t.docId)).not.toContain(other);
  }, 90_000);

  it('the office director takes a signer off a 会签 (减签) and sees who still has to sign', async () => {
    const submitted = await h.api('liuyang', 'POST', '/documents', { route: 'request-important', title: '关于新建安全培训中心的请示', content: '拟新建安全培训中心。' });
    const important = submitted.body.docId as string;
    await h.local.settle();
    const [propose] = (await h.api('liqiang', 'GET', '/tasks')).body.items.filter((t: any) => t.docId === important);
    const decided = await h.api('liqiang', 'POST', `/tasks/${propose.taskId}/decision`, { opinion: '请三位分管领导会签', countersign: { mode: 'all', signers: ['sunwei', 'gaofeng', 'hexin'] } });
    expect(decided.status).toBe(200);
    await h.local.settle();

    const { context, page } = await openAs(browser, `${origin}/documents/${important}`, 'liqiang');
    const signers = page.getByTestId('signers');
    await signers.getByText('何欣 待签').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/desktop-signers.png`, fullPage: true });
    await page.getByTestId('action-remove-hexin').click();
    await page.getByTestId('action-form').getByLabel('减签理由').fill('何欣同志出差');
    await page.getByTestId('action-submit').click();
    await page.getByText('已减签 何欣').waitFor();
    await signers.getByText('何欣 已减签').waitFor();
    await context.close();

    await h.local.settle();
    expect((await h.api('hexin', 'GET', '/tasks')).body.items.map((t: any) => t.docId)).not.toContain(important);
    expect((await h.api('gaofeng', 'GET', '/tasks')).body.items.map((t: any) => t.docId)).toContain(important);
  }, 90_000);

  it('a deputy sets a delegation (委托) after a refusal, sees it in force, and withdraws it; the profile names her roles', async () => {
    const { context, page } = await openAs(browser, `${origin}/profile`, 'sunwei', DESK);
    const profile = page.getByTestId('profile-page');
    await profile.getByText('分管领导').first().waitFor();
    await profile.getByText('办公室').first().waitFor();
    const form = page.getByTestId('delegation-form');
    await form.getByLabel('代理人用户名').fill('liuyang');
    await form.getByLabel('委托期间').click();
    // Today and the day after, from the open calendar.
    const today = page.locator('.ant-picker-cell-today').first();
    await today.click();
    await today.click();
    await page.getByTestId('delegation-submit').click();
    await expect(page.getByTestId('delegation-refusal').textContent()).resolves.toMatch(/刘洋|liuyang/);
    await page.screenshot({ path: `${ARTIFACTS}/desktop-delegation-refused.png`, fullPage: true });

    await form.getByLabel('代理人用户名').fill('gaofeng');
    await page.getByTestId('delegation-submit').click();
    const current = page.getByTestId('delegation-current');
    await current.getByText('已委托 高峰').waitFor();
    await current.getByText('现正生效').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/desktop-delegation.png`, fullPage: true });
    expect((await h.api('sunwei', 'GET', '/me/delegation')).body.delegation).toMatchObject({ delegate: 'gaofeng', inForce: true });

    await page.getByTestId('delegation-clear').click();
    await page.getByRole('button', { name: '取消委托' }).last().click();
    await page.getByText('您目前没有设置委托。').waitFor();
    await context.close();
    expect((await h.api('sunwei', 'GET', '/me/delegation')).body.delegation).toBeNull();
  }, 90_000);
});
