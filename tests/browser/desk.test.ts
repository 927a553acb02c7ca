/**
 * The registration desk (登记台) and the scan viewer in a real browser (Debian's chromium driven by
 * playwright-core) against real local mode: two scans arrive; the clerk 王芳 sees the first
 * rendered by pdf.js (a Chinese page whose font needs pdf.js's CMaps, then page 2), is refused by
 * the form and by the API, registers it and gets the next, then returns that one (退文) on a
 * phone; the office director 李强 sees the scan in the viewer on the document page.
 * Screenshots land in test-artifacts/console/ (git-ignored) for a person to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { makePdf, type Harness } from '../integration/harness.js';
import { realPng } from '../fixtures/scans.js';
import { DESK as DESKTOP, PHONE, artifactsDir, logIn, newPage as newKitPage, noHorizontalScroll, until } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('desk');
const FIRST = '关于开展安全生产大检查的通知';
const SECOND = '关于调整差旅费标准的通知';

let h: Harness;
let browser: Browser;
let origin: string;
let first: { docId: string; registerNumber: string };
let second: { docId: string; registerNumber: string };

/**
 * Two A4 pages: the first in Chinese with a font that is not embedded (STSong-Light, UniGB-UCS2-H),
 * as many office PDFs are, so pdf.js must fetch its CMaps to draw it; the second plain Latin.
 */
async function chinesePdf(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const ctx = doc.context;
  const descriptor = ctx.register(
    ctx.obj({ Type: 'FontDescriptor', FontName: 'STSong-Light', Flags: 6, FontBBox: [-25, -254, 1000, 880], ItalicAngle: 0, Ascent: 880, Descent: -120, CapHeight: 880, StemV: 93 }),
  );
  const cidFont = ctx.register(
    ctx.obj({
      Type: 'Font',
      Subtype: 'CIDFontType0',
      BaseFont: 'STSong-Light',
      CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('GB1'), Supplement: 4 },
      FontDescriptor: descriptor,
      DW: 1000,
    }),
  );
  const font = ctx.register(ctx.obj({ Type: 'Font', Subtype: 'Type0', BaseFont: 'STSong-Light', Encoding: 'UniGB-UCS2-H', DescendantFonts: [cidFont] }));
  const page = doc.addPage([595, 842]);
  page.node.setFontDictionary(PDFName.of('F1'), font);
  const ucs2 = Buffer.from(text, 'utf16le').swap16().toString('hex');
  page.node.addContentStream(ctx.register(ctx.stream(`BT /F1 24 Tf 50 760 Td <${ucs2}> Tj ET`)));
  doc.addPage([595, 842]).drawText('Page 2', { x: 50, y: 780, size: 28, font: await doc.embedFont(StandardFonts.Helvetica) });
  return doc.save();
}

const failedFiles: string[] = [];
const cmapsFetched: string[] = [];

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
  // The first scan arrived two weeks ago (the handlers' clock pinned while it is taken in): its half
  // working day is past even across the longest holiday, so the desk shows it late.
  process.env.CHANCERY_FIXED_TIME = new Date(Date.now() - 14 * 24 * 3600_000).toISOString();
  try {
    await h.upload(`【加急】${FIRST}.pdf`, await chinesePdf(FIRST));
    await h.local.settle();
  } finally {
    delete process.env.CHANCERY_FIXED_TIME;
  }
  await h.upload(`${SECOND}.pdf`, await makePdf('second scan', 2));
  await h.local.settle();
  const desk = (await h.api('wangfang', 'GET', '/registration-desk')).body.items;
  expect(desk.map((d: any) => d.title)).toEqual([FIRST, SECOND]);
  [first, second] = desk;
}, 120_000);

afterAll(async () => {
  await stopConsole({ h, browser });
  expect(failedFiles).toEqual([]);
});

// Strings, not functions: they run in the page, and this file is type-checked without the DOM lib.
/** Where the canvas has ink (dark pixels), a sum over their positions: 0 for a blank or empty canvas, different per page. */
const INK = `(() => {
  const c = document.querySelector('[data-testid=scan-canvas]');
  if (!c || c.width === 0 || c.height === 0) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 384) ink += 1 + ((i / 4) % 7919);
  return ink;
})()`;
const inkOf = (page: Page) => page.evaluate<number>(INK);
const waitForInk = (page: Page, unlike = 0) => until(() => inkOf(page), (ink) => ink > 0 && ink !== unlike, 'a drawn page on the scan canvas');
/** Whether the scan box scrolls sideways inside itself (zoomed in) or not (适合宽度). */
const boxScrolls = (page: Page) => page.evaluate<boolean>("(() => { const b = document.querySelector('[data-testid=scan-box]'); return b.scrollWidth > b.clientWidth + 1; })()");
const waitForBoxScroll = (page: Page, scrolls: boolean) => until(() => boxScrolls(page), (s) => s === scrolls, scrolls ? 'the zoomed scan to pan in its box' : 'the scan to fit its box');

/** The kit's page (script errors and CSP violations fail the file), watching the console's files too. */
async function newPage(context: BrowserContext) {
  const page = await newKitPage(context);
  // The console's own files and the scans: none may fail (API refusals are the test's business).
  const isFile = (url: string) => url.startsWith(h.local.endpoints.s3) || url.startsWith(`${origin}/assets/`) || url.startsWith(`${origin}/pdfjs/`);
  page.on('response', (r) => {
    const url = r.url();
    if (isFile(url) && r.status() >= 400) failedFiles.push(`${r.status()} ${url.slice(0, 200)}`);
    if (url.startsWith(`${origin}/pdfjs/cmaps/`) && r.status() === 200) cmapsFetched.push(url);
  });
  // An API call cut short by leaving the page (net::ERR_ABORTED) is the browser's business, not a broken file.
  page.on('requestfailed', (r) => {
    if (isFile(r.url())) failedFiles.push(`${r.failure()?.errorText} ${r.url().slice(0, 200)}`);
  });
  return page;
}

describe('registration desk', () => {
  it('the clerk registers the first scan at a desk after a refusal, and the next one is shown', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await newPage(context);
    await page.goto(`${origin}/desk`);
    await logIn(page, 'wangfang');
    await page.waitForURL(`${origin}/desk`);
    await page.getByRole('menuitem', { name: '登记台' }).waitFor();
    await expect(page.getByTestId('desk-count').textContent()).resolves.toContain('待登记 2 份');

    // The waiting list, oldest first; the first is past its half working day, in red.
    const queue = page.getByTestId('desk-item');
    await expect(queue.allTextContents()).resolves.toEqual([expect.stringContaining(FIRST), expect.stringContaining(SECOND)]);
    await expect(queue.first().getByTestId('desk-due').textContent()).resolves.toContain('已超时');
    await expect(queue.first().getByTestId('desk-due').getAttribute('class')).resolves.toContain('ant-typography-danger');
    await expect(queue.nth(1).getByTestId('desk-due').textContent()).resolves.not.toContain('已超时');

    // The scan, drawn by pdf.js: the Chinese page (its CMaps fetched), then page 2.
    await expect(page.getByTestId('desk-number').textContent()).resolves.toBe(first.registerNumber);
    const page1 = await waitForInk(page);
    await expect(page.getByTestId('scan-page').textContent()).resolves.toMatch(/第\s*1\s*\/\s*2\s*页/);
    expect(cmapsFetched.length).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}/desk-desktop.png`, fullPage: true });
    await page.getByRole('button', { name: '下一页' }).click();
    await expect(page.getByTestId('scan-page').textContent()).resolves.toMatch(/第\s*2\s*\/\s*2\s*页/);
    const page2 = await waitForInk(page, page1);
    await page.getByRole('button', { name: '上一页' }).click();
    expect(await waitForInk(page, page2)).toBe(page1);
    expect(await boxScrolls(page)).toBe(false);
    await page.getByRole('button', { name: '放大' }).click();
    await waitForBoxScroll(page, true);
    await page.getByRole('button', { name: '适合宽度' }).click();
    await waitForBoxScroll(page, false);

    // What intake read from the file name, and the page count from the scan itself.
    const form = page.getByTestId('desk-form');
    await expect(form.getByLabel('标题').inputValue()).resolves.toBe(FIRST);
    await expect(form.getByRole('radio', { name: '加急' }).isChecked()).resolves.toBe(true);
    await expect.poll(() => form.getByLabel('页数').inputValue(), { timeout: 30_000 }).toBe('2');

    // The form's own refusal: no 来文单位.
    await page.getByTestId('desk-save').click();
    await form.getByText('请填写来文单位').waitFor();

    await form.getByLabel('来文单位').fill('市应急管理局');
    await form.getByLabel('来文字号').fill('应急〔2026〕12号');
    await form.getByLabel('份数').fill('3');
    await form.getByLabel('收文方式').click();
    await page.locator('.ant-select-item-option[title="机要交通"]').click();
    // The API's refusal: 绝密 is above the clerk's clearance; its message stands by the button.
    await form.getByLabel('密级').click();
    await page.locator('.ant-select-item-option[title="绝密"]').click();
    await page.getByTestId('desk-save').click();
    await expect(page.getByTestId('refusal').textContent()).resolves.toContain('请交机要员登记');
    await page.screenshot({ path: `${ARTIFACTS}/desk-desktop-refusal.png`, fullPage: true });
    expect((await h.api('wangfang', 'GET', '/registration-desk')).body.items).toHaveLength(2);

    await form.getByLabel('密级').click();
    await page.locator('.ant-select-item-option[title="非密"]').click();
    await page.getByTestId('desk-save').click();

    // Saved: the next scan is on the desk, drawn, with its own prefilled form.
    await page.getByTestId('desk-number').getByText(second.registerNumber).waitFor();
    await expect(page.getByTestId('desk-count').textContent()).resolves.toContain('待登记 1 份');
    await waitForInk(page);
    await expect(page.getByTestId('desk-form').getByLabel('标题').inputValue()).resolves.toBe(SECOND);
    await page.screenshot({ path: `${ARTIFACTS}/desk-desktop-next.png`, fullPage: true });

    // Numbered in the year it arrived (two weeks ago may be last year).
    const { registerYear } = (await h.api('wangfang', 'GET', `/documents/${first.docId}`)).body.document;
    const entry = (await h.api('wangfang', 'GET', `/registers/incoming?year=${registerYear}`)).body.items.find((e: any) => e.docId === first.docId);
    expect(entry).toMatchObject({ sender: '市应急管理局', sourceNumber: '应急〔2026〕12号', title: FIRST, urgency: '加急', secrecy: '非密', copies: '3', pages: '2', receiptMethod: '机要交通', route: 'superior-key' });
    await context.close();
  }, 120_000);

  it('on a phone the scan is above the form; the clerk returns the second scan (退文) with a reason', async () => {
    const context = await browser.newContext(PHONE);
    const page = await newPage(context);
    await page.goto(`${origin}/desk`);
    await logIn(page, 'wangfang');
    await page.getByTestId('desk-number').getByText(second.registerNumber).waitFor();
    await waitForInk(page);
    const scanBox = (await page.getByTestId('scan-panel').boundingBox())!;
    const formBox = (await page.getByTestId('desk-form').boundingBox())!;
    expect(scanBox.y + scanBox.height).toBeLessThanOrEqual(formBox.y);
    expect(scanBox.width).toBeLessThanOrEqual(375);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/desk-phone.png`, fullPage: true });

    // Zoomed in, the scan pans inside its box; the page itself never scrolls sideways.
    await page.getByRole('button', { name: '放大' }).click();
    await page.getByRole('button', { name: '放大' }).click();
    await waitForBoxScroll(page, true);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/desk-phone-zoomed.png` });

    const save = page.getByTestId('desk-save');
    expect((await save.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await page.getByTestId('desk-return').click();
    const modal = page.getByTestId('return-form');
    await page.getByTestId('return-submit').click();
    await modal.getByText('请填写退文理由').waitFor();
    await modal.getByLabel('退文理由').fill('非本单位收文，请改送市财政局');
    await page.waitForTimeout(300); // the modal's zoom-in, for a still screenshot
    await page.screenshot({ path: `${ARTIFACTS}/desk-phone-return.png` });
    await page.getByTestId('return-submit').click();
    await page.getByText('登记台上没有待登记的文件').waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/desk-phone-empty.png`, fullPage: true });
    await context.close();

    expect((await h.api('wangfang', 'GET', '/registration-desk')).body.items).toEqual([]);
    const returns = (await h.api('wangfang', 'GET', '/registers/returns')).body.items;
    expect(returns.find((r: any) => r.docId === second.docId)).toMatchObject({ registerNumber: second.registerNumber, reason: '非本单位收文，请改送市财政局', returnedByName: '王芳' });
    expect((await h.api('wangfang', 'GET', `/documents/${second.docId}`)).body.document.status).toBe('returned-to-sender');
  }, 120_000);

  it('the office director sees the scan in the viewer on the document page, at a desk and on a phone', async () => {
    await h.local.settle();
    for (const [name, options] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const context = await browser.newContext(options);
      const page = await newPage(context);
      await page.goto(`${origin}/documents/${first.docId}`);
      await logIn(page, 'liqiang');
      await page.getByTestId('decision-form').waitFor();
      await waitForInk(page);
      await expect(page.getByTestId('scan-page').textContent()).resolves.toMatch(/第\s*1\s*\/\s*2\s*页/);
      await expect(page.getByTestId('scan-download').getAttribute('download')).resolves.toBe(`【加急】${FIRST}.pdf`);
      // The scan comes before the decision form.
      expect((await page.getByTestId('scan-panel').boundingBox())!.y).toBeLessThan((await page.getByTestId('decision-form').boundingBox())!.y);
      expect(await noHorizontalScroll(page)).toBe(true);
      await page.screenshot({ path: `${ARTIFACTS}/document-scan-${name}.png`, fullPage: true });
      if (name === 'phone') {
        // Folded away, the form moves up.
        await page.getByTestId('scan-panel').getByRole('button', { name: /原件/ }).click();
        await page.getByTestId('scan-box').waitFor({ state: 'hidden' });
      }
      await context.close();
    }
  }, 120_000);

  it('an image scan is shown as an image, fitted to the width and zoomed like a PDF', async () => {
    await h.upload('现场照片.png', realPng(600, 800));
    await h.local.settle();
    const task = (await h.api('liqiang', 'GET', '/tasks')).body.items.find((t: any) => t.title === '现场照片');
    const context = await browser.newContext(PHONE);
    const page = await newPage(context);
    await page.goto(`${origin}/documents/${task.docId}`);
    await logIn(page, 'liqiang');
    const image = page.getByTestId('scan-image');
    await image.waitFor();
    await until(() => page.evaluate<number>("document.querySelector('[data-testid=scan-image]').naturalWidth"), (w) => w === 600, 'the image to load');
    // No pages to turn; as wide as its box, then panning inside it when zoomed.
    await expect(page.getByRole('button', { name: '下一页' }).count()).resolves.toBe(0);
    expect(await boxScrolls(page)).toBe(false);
    const fitted = (await image.boundingBox())!.width;
    expect(fitted).toBeGreaterThan(300);
    await page.getByRole('button', { name: '放大' }).click();
    await waitForBoxScroll(page, true);
    expect((await image.boundingBox())!.width).toBeGreaterThan(fitted);
    await expect(page.getByRole('button', { name: '适合宽度' }).isEnabled()).resolves.toBe(true);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/document-image-phone-zoomed.png` });
    await context.close();
  }, 120_000);

  it('staff have no 登记台; pages without a scan never load pdf.js', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await newPage(context);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${origin}/todo`);
    await logIn(page, 'liuyang');
    await page.getByTestId('box-todo').waitFor();
    // The menu is complete once GET /me has answered (the header shows the person).
    await page.getByTestId('me').getByText('刘洋').waitFor();
    await page.getByRole('menuitem', { name: '待办' }).waitFor();
    await expect(page.getByRole('menuitem', { name: '登记台' }).count()).resolves.toBe(0);
    expect(requested.filter((url) => /pdf-loader|pdf\.worker|\/pdfjs\//.test(url))).toEqual([]);
    // Typed in by hand, the desk answers with the API's refusal.
    await page.goto(`${origin}/desk`);
    await page.getByText('登记台仅供文书、机要员和办公室主任使用').waitFor();
    await context.close();
  }, 120_000);
});
