/**
 * What every real-browser test shares: Debian's chromium driven by playwright-core, the login
 * through the identity provider's own page, pages whose script errors fail the test, desk and
 * phone screens, and the check that a page does not scroll sideways.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHANCERY_CHROMIUM ?? '/usr/bin/chromium';
// The closed network here refuses Chromium's background connections; a fresh profile per launch
// comes from playwright itself (it refuses --user-data-dir in args).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Chromium, with the screenshot folder (git-ignored) made ready. */
export async function launchBrowser(artifacts: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it), or CHANCERY_CHROMIUM=<path>`);
  }
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export const DESK = { viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
export const PHONE = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

// Strings, not functions: they run in the page, and this file is type-checked without the DOM lib.
export const noHorizontalScroll = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

/** Through the identity provider's own login page (用户名 / 密码 / 登录), as a person does. */
export async function logIn(page: Page, username: string) {
  const field = (label: string, name: string) => page.getByLabel(label).or(page.getByPlaceholder(label)).or(page.locator(`input[name="${name}"]`)).first();
  await field('用户名', 'username').fill(username);
  await field('密码', 'password').fill('chancery');
  await page.getByRole('button', { name: '登录' }).click();
}

/** Script errors in the pages of this test file: the file's afterAll expects none. */
export const pageErrors: string[] = [];

/** A page whose script errors land in `pageErrors`; React's and antd's warnings are printed to look at. */
export async function newPage(context: BrowserContext) {
  const page = await context.newPage();
  // Generous: the machine's two cores are often shared with other test runs.
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'warning' || (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))) console.warn(`[browser ${m.type()}] ${m.text().slice(0, 300)}`);
  });
  return page;
}
