/**
 * The console's 通知 page in a real browser (Debian's chromium, as tests/browser/console.test.ts):
 * the director sees a new-notification count in the menu, his 待办 notification linking to the
 * document, and the mail local mode filed for him (本地发件箱), at a desk and on a phone without
 * sideways scrolling. Screenshots in test-artifacts/notifications/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { makePdf, type Harness } from '../integration/harness.js';
import { DESK, PHONE, artifactsDir, logIn, newPage, noHorizontalScroll } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('notifications');
const TITLE = '关于做好年终安全检查工作的通知';

let h: Harness;
let browser: Browser;
let origin: string;
let docId: string;

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
  await h.local.startupReconciled;
  await h.upload(`${TITLE}.pdf`, await makePdf('notifications page'));
  await h.local.settle();
  docId = (await h.api('liqiang', 'GET', '/tasks')).body.items[0].docId;
  // The notify run files the 待办 mail in the local outbox. A schedule's time has whole seconds:
  // fired a second on, as the every-minute schedule always is, the mark made this second is due.
  expect(await h.local.fireSchedule('notify', new Date(Date.now() + 1000))).toMatchObject({ delivered: 1, emailed: 1 });
}, 120_000);

afterAll(() => stopConsole({ h, browser }));

async function open(context: BrowserContext, path: string, username: string) {
  const page = await newPage(context);
  await page.goto(`${origin}${path}`);
  await logIn(page, username);
  return page;
}

describe('通知', () => {
  it('at a desk: the menu counts what is new, the page lists it and links to the document, the local outbox shows the mail', async () => {
    const context = await browser.newContext(DESK);
    const page = await open(context, '/todo', 'liqiang');
    const menuItem = page.locator('.ant-layout-sider .ant-menu-item', { hasText: '通知' });
    await menuItem.locator('.ant-badge-count', { hasText: '1' }).waitFor();

    await menuItem.click();
    await page.waitForURL(`${origin}/notifications`);
    const row = page.getByTestId('notification').filter({ hasText: TITLE });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/待办.*拟办.*收〔2026〕1号.*请提出拟办意见/);
    // Seen: the count goes.
    await menuItem.locator('.ant-badge-count').waitFor({ state: 'detached' });
    await page.screenshot({ path: `${ARTIFACTS}/desktop-notifications.png`, fullPage: true });

    await page.getByRole('tab', { name: '本地发件箱' }).click();
    const mail = page.getByTestId('outbox-mail').first();
    await mail.waitFor();
    await expect(mail.textContent()).resolves.toContain(`【待办】${TITLE}（收〔2026〕1号）`);
    await expect(mail.textContent()).resolves.toContain('liqiang@chancery.local');
    await expect(mail.getByRole('link').getAttribute('href')).resolves.toBe(`${origin}/documents/${docId}`);
    await page.screenshot({ path: `${ARTIFACTS}/desktop-outbox.png`, fullPage: true });

    await page.getByRole('tab', { name: '我的通知' }).click();
    await row.getByRole('link', { name: TITLE }).click();
    await page.waitForURL(`${origin}/documents/${docId}`);
    await page.getByTestId('slip').waitFor();
    await context.close();
  }, 90_000);

  it('on a phone: both lists fit the screen', async () => {
    const context = await browser.newContext(PHONE);
    const page = await open(context, '/notifications', 'liqiang');
    await page.getByTestId('notification').filter({ hasText: TITLE }).waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-notifications.png`, fullPage: true });
    await page.getByRole('tab', { name: '本地发件箱' }).click();
    await page.getByTestId('outbox-mail').first().waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-outbox.png`, fullPage: true });
    // Someone with no mail: the empty states say so.
    const other = await open(context, '/notifications', 'liuyang');
    await other.getByText('没有通知').waitFor();
    await other.getByRole('tab', { name: '本地发件箱' }).click();
    await other.getByText('本地发件箱中没有发给您的邮件').waitFor();
    await context.close();
  }, 90_000);
});
