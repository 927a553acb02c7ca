/**
 * What every real-browser test shares: Debian's chromium launched headless (playwright-core), the
 * desk and phone screens, logging in through the identity provider's own page, and a page that
 * records script errors (a test fails on them) and prints the page's warnings.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHANCERY_CHROMIUM ?? '/usr/bin/chromium';
// The closed network here refuses Chromium's background connections; a fresh profile per launch
// comes from playwright itself (it refuses --user-data-dir in args).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const DESK = { viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' } as const;
export const PHONE = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' } as const;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser tests need Debian's chromium (apt-get install -y chromium; .ci/run installs it), or CHANCERY_CHROMIUM=<path>`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** Screenshots for a person to look at, under the git-ignored test-artifacts/. */
export function artifactsDir(name: string): string {
  const dir = `test-artifacts/${name}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Through the identity provider's own login page (用户名 / 密码 / 登录), as a person does. */
export async function logIn(page: Page, username: string) {
  const field = (label: string, name: string) => page.getByLabel(label).or(page.getByPlaceholder(label)).or(page.locator(`input[name="${name}"]`)).first();
  await field('用户名', 'username').fill(username);
  await field('密码', 'password').fill('chancery');
  await page.getByRole('button', { name: '登录' }).click();
}

/** Script errors and CSP violations in any page of the test file; its afterAll expects none. */
export const pageErrors: string[] = [];

export async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  // Generous: the machine's two cores are often shared with other test runs.
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => {
    // A blocked script, style, worker or fetch is a defect of the console's CSP or of its code.
    if (m.text().includes('Content Security Policy')) pageErrors.push(`CSP: ${m.text().slice(0, 300)}`);
    else if (m.type() === 'warning' || (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))) console.warn(`[browser ${m.type()}] ${m.text().slice(0, 300)}`);
  });
  return page;
}

/** A fresh context and page, logged in as `username`, starting at `url`. */
export async function openAs(browser: Browser, url: string, username: string, screen: typeof DESK | typeof PHONE = DESK) {
  const context = await browser.newContext(screen);
  const page = await newPage(context);
  await page.goto(url);
  await logIn(page, username);
  return { context, page };
}

// Strings, not functions: they run in the page, and the tests are type-checked without the DOM lib.
export const noHorizontalScroll = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

/**
 * Polls (the console's CSP forbids the string eval that page.waitForFunction needs) until `ok`,
 * within 30 s, and says what it waited for when it gives up.
 */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const end = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`waited in vain for ${what} (last seen: ${String(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Dark pixels on the file viewer's canvas inside `scope` (a CSS selector), 0 while nothing is
 * drawn. A string, not a function: it runs in the page, and tests are type-checked without the DOM.
 */
export const inkIn = (scope: string) => `(() => {
  const c = document.querySelector('${scope} [data-testid=scan-canvas]');
  if (!c || c.width === 0 || c.height === 0) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 384) ink++;
  return ink;
})()`;
