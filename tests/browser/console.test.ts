/**
 * The console end to end in a real browser (Debian's chromium driven by playwright-core) against
 * real local mode: the office director proposes (拟办) at a desk, the main leader approves (阅批)
 * on a phone-sized screen after a refusal, and a session that ends mid-opinion keeps the draft.
 * Screenshots land in test-artifacts/console/ (git-ignored) for a person to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { makePdf, type Harness } from '../integration/harness.js';
import { DESK, PHONE, artifactsDir, logIn, newPage, noHorizontalScroll } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('console');
const TITLE = '关于开展安全生产大检查的通知';

let h: Harness;
let browser: Browser;
let origin: string;
let docId: string;

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
  await h.upload(`【加急】${TITLE}.pdf`, await makePdf('browser test'));
  await h.local.settle();
  docId = (await h.api('liqiang', 'GET', '/tasks')).body.items[0].docId;
}, 120_000);

afterAll(() => stopConsole({ h, browser }));

describe('console', () => {
  it('the office director logs in, opens 待办 and proposes (拟办) at a desk', async () => {
    const context = await browser.newContext(DESK);
    const page = await newPage(context);
    await page.goto(`${origin}/`);
    await logIn(page, 'liqiang');

    const todo = page.getByTestId('box-todo');
    await page.waitForURL(`${origin}/todo`);
    await todo.getByRole('link', { name: TITLE }).waitFor();
    await expect(page.getByTestId('me').textContent()).resolves.toContain('李强');
    await expect(page.getByTestId('me').textContent()).resolves.toContain('办公室主任');
    await expect(todo.getByText('加急', { exact: true }).count()).resolves.toBe(1);
    await expect(todo.getByText('拟办', { exact: true }).count()).resolves.toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}/desktop-todo.png`, fullPage: true });

    await todo.getByRole('link', { name: TITLE }).click();
    const form = page.getByTestId('decision-form');
    await form.waitFor();
    await expect(page.getByTestId('slip').textContent()).resolves.toContain('收〔2026〕1号');
    await form.getByLabel('意见').fill('请生产技术科于6月30日前落实检查');
    await form.getByLabel('承办科室').click();
    await page.locator('.ant-select-item-option[title="生产技术科"]').click();
    await page.screenshot({ path: `${ARTIFACTS}/desktop-document.png`, fullPage: true });
    await page.getByTestId('submit-decision').click();

    // Decided: back on 待办, and the document has left it.
    await page.waitForURL(`${origin}/todo`);
    await todo.getByText('没有待办事项').waitFor();
    const slip = (await h.api('liqiang', 'GET', `/documents/${docId}`)).body.slip;
    expect(slip[0]).toMatchObject({ stepName: '拟办', actorName: '李强', opinion: '请生产技术科于6月30日前落实检查', details: [{ label: '承办科室', value: '生产技术科' }] });

    // 退出登录 ends the session at the issuer too: the console asks for a login again.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByRole('button', { name: '登录' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/desktop-login.png` });
    await context.close();
  }, 90_000);

  it('the main leader approves (阅批) on a phone: no sideways scrolling, a refusal shown, a lost session keeps the opinion', async () => {
    await h.local.settle();
    const context = await browser.newContext(PHONE);
    const page = await newPage(context);
    await page.goto(`${origin}/todo`);
    await logIn(page, 'zhaomin');

    const todo = page.getByTestId('box-todo');
    await todo.getByRole('link', { name: TITLE }).waitFor();
    await expect(todo.getByText('阅批', { exact: true }).count()).resolves.toBe(1);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-todo.png`, fullPage: true });
    // The menu is a drawer behind a button on a phone.
    await page.getByRole('button', { name: '菜单' }).click();
    await page.getByRole('menuitem', { name: '在办跟踪' }).waitFor();
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    await page.waitForTimeout(400); // the drawer's slide-in, for a still screenshot
    await page.screenshot({ path: `${ARTIFACTS}/phone-menu.png` });
    await page.getByRole('menuitem', { name: '待办' }).click();

    await todo.getByRole('link', { name: TITLE }).click();
    const form = page.getByTestId('decision-form');
    await form.waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);

    // Half an opinion typed, then the session ends: log in again, and it is still there.
    await form.getByLabel('意见').fill('同意，请孙伟同志负责');
    await page.evaluate("for (const key of Object.keys(sessionStorage)) if (key.startsWith('oidc.user')) sessionStorage.removeItem(key)");
    await page.reload();
    await logIn(page, 'zhaomin');
    await form.waitFor();
    await expect(form.getByLabel('意见').inputValue()).resolves.toBe('同意，请孙伟同志负责');
    await page.getByText('已恢复您上次未提交的内容').waitFor();

    // Someone who is no deputy leader: the API refuses, and its message stands by the button.
    await form.getByLabel('分管领导').fill('zhoujie');
    const submit = page.getByTestId('submit-decision');
    expect((await submit.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await submit.click();
    await expect(page.getByTestId('refusal').textContent()).resolves.toContain('找不到分管领导 zhoujie');
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-refusal.png`, fullPage: true });

    await form.getByLabel('分管领导').fill('sunwei');
    await submit.click();
    await page.waitForURL(`${origin}/todo`);
    await todo.getByText('没有待办事项').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/phone-todo-empty.png`, fullPage: true });

    await page.goto(`${origin}/documents/${docId}`);
    await page.getByTestId('slip').getByText('同意，请孙伟同志负责').waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-document.png`, fullPage: true });
    await h.local.settle();
    const sunwei = (await h.api('sunwei', 'GET', '/tasks')).body.items;
    expect(sunwei.map((t: any) => [t.docId, t.stepName])).toEqual([[docId, '阅处']]);
    await context.close();
  }, 90_000);

  it('阅处 returns the document to 拟办 with a reason; the office director sees it again and circulates it from the document page', async () => {
    await h.local.settle();
    const context = await browser.newContext(DESK);
    const page = await newPage(context);
    await page.goto(`${origin}/documents/${docId}`);
    await logIn(page, 'sunwei');
    await page.getByTestId('decision-form').waitFor();

    // 退回 to 拟办: the step is picked by its name, the reason is required.
    await page.getByTestId('op-return').click();
    const form = page.getByTestId('op-form-return');
    await form.waitFor();
    await form.getByLabel('退回到').click();
    await page.locator('.ant-select-item-option[title="拟办"]').click();
    await form.getByLabel('退回理由').fill('承办科室不对，请重新拟办');
    await page.waitForTimeout(300); // the modal's zoom-in, for a still screenshot
    await page.screenshot({ path: `${ARTIFACTS}/desktop-return.png` });
    await page.getByTestId('op-submit').click();
    await page.waitForURL(`${origin}/todo`);
    await page.getByTestId('box-todo').getByText('没有待办事项').waitFor();
    await context.close();

    await h.local.settle();
    const [task] = (await h.api('liqiang', 'GET', '/tasks')).body.items;
    expect(task).toMatchObject({ docId, stepName: '拟办' });
    expect(task.returnedFrom).toBeTruthy();

    // The office director: 拟办 is back in 待办; 传阅 to sunwei from the document page.
    const desk = await browser.newContext(DESK);
    const page2 = await newPage(desk);
    await page2.goto(`${origin}/todo`);
    await logIn(page2, 'liqiang');
    const todo = page2.getByTestId('box-todo');
    await todo.getByRole('link', { name: TITLE }).waitFor();
    await expect(todo.getByText('拟办', { exact: true }).count()).resolves.toBe(1);
    await todo.getByRole('link', { name: TITLE }).click();
    await page2.getByTestId('decision-form').waitFor();
    await page2.getByTestId('op-circulate').click();
    const circulate = page2.getByTestId('op-form-circulate');
    await circulate.getByLabel('阅件人').fill('sunwei');
    await circulate.getByLabel('说明').fill('请阅');
    await page2.getByTestId('op-submit').click();
    await page2.getByText('已送传阅').waitFor();
    await circulate.waitFor({ state: 'detached' });
    await desk.close();

    await h.local.settle();
    const toread = (await h.api('sunwei', 'GET', '/documents?box=toread')).body.items;
    expect(toread.map((d: any) => d.docId)).toContain(docId);
  }, 60_000);
});
