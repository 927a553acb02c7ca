/**
 * The clerk's registers (登记簿) and the rejected uploads (拒收扫描件) in a real browser against
 * real local mode: 王芳 filters the 收文登记簿 by month and 承办科室, pages through it by cursor,
 * downloads the Excel and CSV exports and opens them, prints the PDF, and reads why a scan was
 * refused; on a phone the book scrolls inside its own box; staff see no 登记簿 at all.
 * Screenshots land in test-artifacts/registers/ (git-ignored) for a person to look at.
 */
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decideNext, makePdf, type Harness } from '../integration/harness.js';
import { DESK, PHONE, artifactsDir, logIn, newPage, noHorizontalScroll } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('registers');
const HEADER = ['收文编号', '收文日期', '来文单位', '来文字号', '标题', '密级', '份数', '紧急程度', '承办科室', '办理结果', '归档号'];
const YEAR = new Date().getFullYear();
/** November's scans: six go to 生产技术科, one to 财务科. */
const TECH = ['关于设备大修的通知', '关于安全培训的通知', '关于锅炉检验的通知', '关于电梯年检的通知', '关于消防演练的通知', '关于变电所改造的通知'];
const FINANCE = '关于差旅费标准的通知';
const REFUSED = '扫描失败的来文.pdf';

let h: Harness;
let browser: Browser;
let origin: string;
const docIds = new Map<string, string>();

async function arrive(title: string) {
  await h.upload(`${title}.pdf`, await makePdf(`scan ${docIds.size + 1}`), { sender: encodeURIComponent('市应急管理局') });
  await h.local.settle();
  const items = (await h.api('wangfang', 'GET', `/registers/incoming?year=${YEAR}&limit=200`)).body.items as any[];
  docIds.set(title, items.find((e) => e.scanKey === `scans/${title}.pdf`).docId);
}

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
  // The handlers' clock files each scan under its month: one in October, the rest in November.
  process.env.CHANCERY_FIXED_TIME = `${YEAR}-10-20T02:00:00Z`;
  await arrive('关于十月防汛检查的通知');
  process.env.CHANCERY_FIXED_TIME = `${YEAR}-11-10T02:00:00Z`;
  for (const title of [...TECH, FINANCE]) await arrive(title);
  for (const title of TECH) await decideNext(h, 'liqiang', docIds.get(title)!, { opinion: '请生产技术科办理', department: 'SCJSK' });
  await decideNext(h, 'liqiang', docIds.get(FINANCE)!, { opinion: '请财务科办理', department: 'CWK' });
  // A text file named .pdf: the intake sets it aside with its reason.
  await h.upload(REFUSED, '这不是PDF文件，只是一段文字。');
  await h.local.settle();
  delete process.env.CHANCERY_FIXED_TIME;
}, 180_000);

afterAll(async () => {
  delete process.env.CHANCERY_FIXED_TIME;
  await stopConsole({ h, browser });
});

const table = (page: Page) => page.getByTestId('register-table');
const rows = (page: Page) => table(page).locator('tbody tr.ant-table-row');
const titlesShown = async (page: Page) => rows(page).locator('td.book-title').allTextContents();

/** Picks `option` in the antd Select labelled `label`. */
async function choose(page: Page, label: string, option: string) {
  await page.getByLabel(label).click();
  await page.locator(`.ant-select-item-option[title="${option}"]`).click();
}

/** Waits for the table to show exactly `titles` (in order). */
async function expectTitles(page: Page, titles: string[]) {
  // The page's own timeout: the machine's two cores are often shared with other test runs.
  await expect.poll(() => titlesShown(page), { timeout: 30_000 }).toEqual(titles);
}

describe('登记簿', () => {
  it('the clerk filters by month and department, pages by cursor, opens a document from the book', async () => {
    const context = await browser.newContext(DESK);
    const page = await newPage(context);
    await page.goto(`${origin}/todo`);
    await logIn(page, 'wangfang');
    await page.getByRole('menuitem', { name: '登记簿' }).click();
    await page.waitForURL(`${origin}/registers`);
    await expectTitles(page, ['关于十月防汛检查的通知', ...TECH, FINANCE]);
    await expect(table(page).locator('thead th').allTextContents()).resolves.toEqual(HEADER);

    await choose(page, '月份', '11月');
    await expectTitles(page, [...TECH, FINANCE]);
    await choose(page, '承办科室', '生产技术科');
    await expectTitles(page, TECH);
    await page.locator('.book-caption').getByText(`${YEAR}年11月（生产技术科）`).waitFor();

    // Five a page: 下一页 follows the API's cursor, 上一页 goes back along the cursors seen.
    await choose(page, '每页', '每页 5 条');
    await expectTitles(page, TECH.slice(0, 5));
    await page.getByText('第 1 页，本页 5 条').waitFor();
    await page.getByRole('button', { name: '下一页' }).click();
    await expectTitles(page, TECH.slice(5));
    await page.getByText('第 2 页，本页 1 条').waitFor();
    await expect(page.getByRole('button', { name: '下一页' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: '上一页' }).click();
    await expectTitles(page, TECH.slice(0, 5));

    // The book as the paper has it: 收文日期 as 2026年11月24日, 承办科室 filled in, an open one marked 在办.
    const first = rows(page).first().locator('td');
    await expect(first.nth(1).textContent()).resolves.toMatch(new RegExp(`^${YEAR}年\\d{1,2}月\\d{1,2}日$`));
    await expect(first.nth(2).textContent()).resolves.toBe('市应急管理局');
    await expect(first.nth(8).textContent()).resolves.toBe('生产技术科');
    await expect(first.nth(9).textContent()).resolves.toBe('在办');
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/desktop-registers.png`, fullPage: true });

    await rows(page).first().getByRole('link', { name: TECH[0] }).click();
    await page.waitForURL(`${origin}/documents/${docIds.get(TECH[0])}`);
    await context.close();
  }, 120_000);

  it('downloads the filtered book as Excel and CSV and opens them; 打印 opens the PDF', async () => {
    const context = await browser.newContext({ ...DESK, acceptDownloads: true });
    const page = await newPage(context);
    await page.goto(`${origin}/registers?month=11&department=SCJSK`);
    await logIn(page, 'wangfang');
    await expectTitles(page, TECH);

    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 Excel' }).click()]);
    expect(xlsx.suggestedFilename()).toBe(`收文登记簿-${YEAR}年11月（生产技术科）.xlsx`);
    await xlsx.saveAs(`${ARTIFACTS}/${xlsx.suggestedFilename()}`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(readFileSync(`${ARTIFACTS}/${xlsx.suggestedFilename()}`) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet.getRow(1).getCell(1).value).toBe(`收文登记簿 ${YEAR}年11月（生产技术科）`);
    expect((sheet.getRow(2).values as unknown[]).slice(1)).toEqual(HEADER);
    expect(sheet.rowCount).toBe(2 + TECH.length);
    expect(sheet.getRow(3).getCell(5).value).toBe(TECH[0]);
    expect(sheet.getRow(3).getCell(9).value).toBe('生产技术科');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe(`收文登记簿-${YEAR}年11月（生产技术科）.csv`);
    await csv.saveAs(`${ARTIFACTS}/${csv.suggestedFilename()}`);
    const bytes = readFileSync(`${ARTIFACTS}/${csv.suggestedFilename()}`);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines[0]).toBe(HEADER.join(','));
    expect(lines).toHaveLength(1 + TECH.length);
    expect(lines[1].split(',')).toEqual(expect.arrayContaining([TECH[0], '市应急管理局', '生产技术科']));

    // 打印: the PDF opens in a tab of its own, for the browser's print.
    const [tab] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: '打印' }).click()]);
    await tab.waitForURL(/^blob:/);
    await context.close();
  }, 90_000);

  it('on a phone the book scrolls inside its own box and the page does not scroll sideways', async () => {
    const context = await browser.newContext(PHONE);
    const page = await newPage(context);
    await page.goto(`${origin}/registers?month=11`);
    await logIn(page, 'wangfang');
    await expectTitles(page, [...TECH, FINANCE]);
    expect(await noHorizontalScroll(page)).toBe(true);
    for (const name of ['导出 Excel', '导出 CSV', '打印', '下一页']) {
      expect((await page.getByRole('button', { name }).boundingBox())!.height, name).toBeGreaterThanOrEqual(44);
    }
    // The table is wider than the phone: its own box scrolls.
    expect(await page.evaluate<boolean>("(() => { const b = document.querySelector('.ant-table-content'); return !!b && b.scrollWidth > b.clientWidth; })()")).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-registers.png`, fullPage: true });
    await context.close();
  }, 60_000);
});

describe('拒收扫描件 and who sees the registers', () => {
  it('lists a rejected upload with its reason in Chinese and where it is kept', async () => {
    const [rejected] = (await h.api('wangfang', 'GET', '/rejected-uploads')).body.items;
    expect(rejected.objectKey).toBe(`scans/${REFUSED}`);
    const context = await browser.newContext(DESK);
    const page = await newPage(context);
    await page.goto(`${origin}/todo`);
    await logIn(page, 'wangfang');
    await page.getByRole('menuitem', { name: '拒收扫描件' }).click();
    const row = page.getByTestId('rejected-table').locator('tbody tr.ant-table-row').first();
    await row.getByRole('cell', { name: REFUSED, exact: true }).waitFor();
    await row.getByText(rejected.reason).waitFor();
    expect(rejected.reason).toMatch(/[\u4e00-\u9fff]/);
    await row.getByText(`s3://${rejected.bucket}/${rejected.rejectedKey}`).waitFor();
    await page.waitForTimeout(400); // the table's fade-in, for a still screenshot
    await page.screenshot({ path: `${ARTIFACTS}/desktop-rejected.png`, fullPage: true });
    await context.close();
  }, 60_000);

  it('staff see no 登记簿 in the menu, and the page itself shows the API\'s refusal', async () => {
    const context = await browser.newContext(DESK);
    const page = await newPage(context);
    await page.goto(`${origin}/todo`);
    await logIn(page, 'liuyang');
    await page.getByTestId('me').getByText('刘洋').waitFor();
    await page.getByRole('menuitem', { name: '待办' }).waitFor();
    await expect(page.getByRole('menuitem', { name: '登记簿' }).count()).resolves.toBe(0);
    await expect(page.getByRole('menuitem', { name: '拒收扫描件' }).count()).resolves.toBe(0);
    await page.goto(`${origin}/registers`);
    await page.getByText('登记簿仅供办公室人员和领导查阅').waitFor();
    await context.close();
  }, 60_000);
});
