/**
 * An outgoing document (发文) from 签发 to 签收 in a real browser against local mode: the deputy signs
 * on a phone with the document as it will print beside the form (the GB/T 9704 preview drawn); the
 * clerk numbers it (编号) and the page shows the number; the seal-keeper picks the seal and the
 * copies (a refusal without a reason shown); the clerk distributes to a department and an outside
 * recipient, row by row; the department signs for it in 待阅 and the page shows 已签收; the 发文稿纸
 * downloads. Screenshots land in test-artifacts/outgoing/.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decideNext, type Harness } from '../integration/harness.js';
import { DESK, PHONE, artifactsDir, inkIn, noHorizontalScroll, openAs, until } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('outgoing');
const TITLE = '关于调整冬季作息时间的通知';

let h: Harness;
let browser: Browser;
let origin: string;
let docId: string;

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
  // Drafted, submitted, reviewed and checked through the API: the browser takes it from 签发.
  const created = await h.api('liuyang', 'POST', '/drafts', {
    docType: '通知',
    title: TITLE,
    mainRecipients: ['各科室'],
    copyRecipients: [],
    issuingCode: '管办发',
    direction: 'downward',
    body: { kind: 'structured', blocks: [{ kind: 'paragraph', text: '自12月1日起，公司实行冬季作息时间。' }, { kind: 'heading', level: 1, text: '上班时间' }, { kind: 'paragraph', text: '上午8时30分至12时，下午13时30分至17时30分。' }] },
  });
  docId = created.body.draftId;
  expect((await h.api('liuyang', 'POST', `/drafts/${docId}/submit`, { route: 'outgoing-dept' })).status).toBe(200);
  await h.local.settle();
  await decideNext(h, 'zhoujie', docId, { outcome: 'agree', opinion: '同意' });
  await decideNext(h, 'liqiang', docId, { opinion: '已核' });
}, 180_000);

afterAll(() => stopConsole({ h, browser }));

const INK = inkIn('[data-testid=outgoing-panel]');


async function choose(page: Page, field: ReturnType<Page['getByTestId']>, label: string) {
  await field.click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: label }).first().click();
}

/** Submits the decision form and waits to be back on 待办; a refusal shown instead fails with its text. */
async function submitDecision(page: Page) {
  await page.getByTestId('submit-decision').click();
  const refusal = page.getByTestId('refusal');
  const outcome = await until(async () => (page.url() === `${origin}/todo` ? 'todo' : (await refusal.count()) > 0 ? `refused: ${await refusal.textContent()}` : undefined), (o) => o !== undefined, 'back on 待办 after deciding');
  if (outcome !== 'todo') throw new Error(`the decision was not taken (${outcome})`);
}

const draft = async () => (await h.api('liuyang', 'GET', `/drafts/${docId}`)).body;

describe('an outgoing document in the console', () => {
  it('the deputy signs (签发) on a phone, with the document as it will print on the page', async () => {
    const { context, page } = await openAs(browser, `${origin}/documents/${docId}`, 'sunwei', PHONE);
    await page.getByTestId('outgoing-panel').waitFor();
    await expect(page.getByTestId('outgoing-state').textContent()).resolves.toBe('待签发');
    await page.getByTestId('outgoing-panel').getByText('公文').click();
    await until(() => page.evaluate<number>(INK), (ink) => ink > 0, 'the preview drawn in the panel');
    expect(await noHorizontalScroll(page)).toBe(true);
    const form = page.getByTestId('decision-form');
    await form.getByLabel('意见').fill('同意印发');
    await page.screenshot({ path: `${ARTIFACTS}/phone-sign.png`, fullPage: true });
    await submitDecision(page);
    await context.close();
    expect(await draft()).toMatchObject({ state: 'signed', signed: { by: 'sunwei' } });
  });

  it('the clerk numbers it (编号): the page shows the 发文字号 and the numbered PDF', async () => {
    const { context, page } = await openAs(browser, `${origin}/documents/${docId}`, 'wangfang', DESK);
    await page.getByTestId('decision-form').waitFor();
    await submitDecision(page);
    await page.goto(`${origin}/documents/${docId}`);
    const number = (await draft()).printed.number as string;
    expect(number).toMatch(/^管办发〔2026〕\d+号$/);
    await expect(page.getByTestId('outgoing-number').textContent()).resolves.toBe(number);
    await until(() => page.evaluate<number>(INK), (ink) => ink > 0, 'the numbered PDF drawn');
    await context.close();
  });

  it('the seal-keeper must give a reason to refuse, then picks the seal and the copies (用印)', async () => {
    const { context, page } = await openAs(browser, `${origin}/documents/${docId}`, 'majun', DESK);
    const form = page.getByTestId('decision-form');
    await form.waitFor();
    await form.getByText('拒绝用印').click();
    await page.getByTestId('submit-decision').click();
    await expect(page.getByTestId('refusal').textContent()).resolves.toContain('拒绝用印须写明理由');
    await form.getByText('用印', { exact: true }).click();
    await choose(page, page.getByTestId('field-seal'), '公司印章');
    await form.getByLabel('用印份数').fill('12');
    await page.screenshot({ path: `${ARTIFACTS}/desk-seal.png`, fullPage: true });
    await submitDecision(page);
    await page.goto(`${origin}/documents/${docId}`);
    await expect(page.getByTestId('outgoing-state').textContent()).resolves.toBe('已用印');
    await expect(page.getByTestId('seal-record').textContent()).resolves.toContain('公司印章，12份');
    await context.close();
  });

  it('before it goes out, the clerk voids the number (作废文号) with a reason; it is numbered and sealed again', async () => {
    const { context, page } = await openAs(browser, `${origin}/documents/${docId}`, 'wangfang', DESK);
    const first = (await draft()).printed.number as string;
    await page.getByTestId('void-number').click();
    await page.getByTestId('void-reason').fill('附件漏印，重新印制');
    await page.getByRole('button', { name: '作 废' }).or(page.getByRole('button', { name: '作废', exact: true })).first().click();
    await until(async () => page.getByTestId('outgoing-state').textContent(), (t) => t === '已签发', 'the draft back to 已签发');
    await context.close();
    expect((await draft()).voidedNumbers).toEqual([expect.objectContaining({ number: first, reason: '附件漏印，重新印制' })]);
    await decideNext(h, 'wangfang', docId, {});
    await decideNext(h, 'majun', docId, { seal: 'company', copies: 12 });
    expect((await draft()).printed.number).not.toBe(first);
  });

  it('the clerk distributes to a department and an outside recipient; the department signs for it; the slip downloads', async () => {
    const { context, page } = await openAs(browser, `${origin}/documents/${docId}`, 'wangfang', DESK);
    const form = page.getByTestId('decision-form');
    await form.waitFor();
    await form.getByLabel('签收科室').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '财务科' }).click();
    await page.keyboard.press('Escape');
    const external = page.getByTestId('list-external');
    await external.getByRole('button', { name: '添加外单位' }).click();
    await external.getByLabel('收文单位').fill('市交通运输局');
    await choose(page, external.getByLabel('送达方式'), '专人');
    await external.locator('.ant-picker').first().click();
    await page.locator('.ant-picker-cell-today').first().click();
    await page.screenshot({ path: `${ARTIFACTS}/desk-distribute.png`, fullPage: true });
    await submitDecision(page);

    // 财务科 signs for it from its 待阅.
    const toRead = ((await h.api('chenjing', 'GET', '/documents?box=toread')).body.items as any[]).filter((i) => i.docId === docId);
    expect(toRead).toHaveLength(1);
    await page.goto(`${origin}/documents/${docId}`);
    await expect(page.getByTestId('receipts').textContent()).resolves.toContain('未签收');
    expect((await h.api('chenjing', 'POST', `/documents/${docId}/read`, { opinion: '已签收' })).status).toBe(200);
    await page.reload();
    await expect(page.getByTestId('receipts').textContent()).resolves.toContain('已签收');
    await expect(page.getByTestId('receipts').textContent()).resolves.toContain('市交通运输局（专人');

    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-slip').click()]);
    const pdf = readFileSync((await file.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(file.suggestedFilename()).toContain('发文稿纸');
    await page.screenshot({ path: `${ARTIFACTS}/desk-document.png`, fullPage: true });
    await context.close();
  });

  it('whoever receives the sealed copy checks it in 核验用印件: it matches; a changed copy does not', async () => {
    const desk = await openAs(browser, `${origin}/documents/${docId}`, 'wangfang', DESK);
    const [file] = await Promise.all([desk.page.waitForEvent('download'), desk.page.getByTestId('download-sealed').click()]);
    const sealed = readFileSync((await file.path())!);
    await desk.context.close();

    const { context, page } = await openAs(browser, `${origin}/verify`, 'chenjing', PHONE);
    await page.getByTestId('verify-page').waitFor();
    await page.locator('input[type=file]').setInputFiles({ name: '收到的用印件.pdf', mimeType: 'application/pdf', buffer: sealed });
    await until(async () => (await page.getByTestId('verify-result').count()) > 0, (shown) => shown, 'the verification result');
    await expect(page.getByTestId('verify-result').textContent()).resolves.toContain('与签发稿一致');
    await expect(page.getByTestId('verify-result').textContent()).resolves.toContain(TITLE);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-verify.png`, fullPage: true });
    const changed = Buffer.from(sealed);
    changed[600] ^= 1;
    await page.locator('input[type=file]').setInputFiles({ name: '改过的用印件.pdf', mimeType: 'application/pdf', buffer: changed });
    await until(async () => (await page.getByTestId('verify-result').textContent()) ?? '', (t) => t.includes('改过的用印件'), 'the second result');
    await expect(page.getByTestId('verify-result').textContent()).resolves.toContain('核验未通过');
    await context.close();
  });
});
