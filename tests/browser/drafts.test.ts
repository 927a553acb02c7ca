/**
 * 拟稿 in a real browser against real local mode: a staff member writes a draft with two headings
 * and paragraphs, sees them numbered as they will print (一、 二、, （一） under a level-1 heading),
 * saves, previews (pdf.js draws the GB/T 9704 page), submits (送审); 我的拟稿 lists it as 审核中; a
 * change after submission with a 修改说明 is version 2 and 比较 shows the changed words; a stale
 * save names who changed the draft first; the route taken to 签发, the editor is read-only and says why. The
 * list and the editor on a phone: no sideways scrolling, thumb-sized buttons. Screenshots land in
 * test-artifacts/drafts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decideNext, type Harness } from '../integration/harness.js';
import { DESK, PHONE, artifactsDir, inkIn, noHorizontalScroll, openAs, until } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('drafts');
const TITLE = '关于开展冬季安全生产大检查的通知';

let h: Harness;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
}, 120_000);

afterAll(() => stopConsole({ h, browser }));

const INK = inkIn('[data-testid=draft-preview]');


/** Types a value into an antd tags field and ends it with Enter. */
async function addTag(page: Page, testId: string, value: string) {
  const field = page.getByTestId(testId);
  await field.click();
  await page.keyboard.type(value);
  await page.keyboard.press('Enter');
  await field.getByText(value, { exact: true }).waitFor();
  await page.keyboard.press('Escape');
}

/** Picks an option of an antd Select by the start of its label. */
async function choose(page: Page, field: ReturnType<Page['getByTestId']>, label: string) {
  await field.click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: label }).first().click();
}

const numbers = (page: Page) => page.getByTestId('block-number').allTextContents();

describe('drafting in the console', () => {
  let draftId: string;

  it('a staff member writes a draft with numbered headings, saves, previews and submits it; 我的拟稿 lists it', async () => {
    const { context, page } = await openAs(browser, `${origin}/drafts`, 'liuyang', DESK);
    await page.getByTestId('drafts-page').getByText('您还没有拟稿').waitFor();
    await page.getByTestId('new-draft').click();
    await page.waitForURL(`${origin}/drafts/new`);
    const form = page.getByTestId('draft-form');
    await form.waitFor();

    await page.getByTestId('field-title').fill(TITLE);
    await addTag(page, 'field-mainRecipients', '各科室');
    await addTag(page, 'field-copyRecipients', '市应急管理局');
    await choose(page, page.getByTestId('field-issuingCode'), '管司发');
    // The code is for downward documents: the direction follows it.
    await expect(form.getByRole('radio', { name: '下行文' }).isChecked()).resolves.toBe(true);
    await form.getByText('加急', { exact: true }).click();
    // 刘洋 is cleared 非密: no higher 密级 is offered.
    await expect(form.getByText('秘密', { exact: true }).count()).resolves.toBe(0);
    await addTag(page, 'field-attachments', '安全检查表');

    // The body: a paragraph, then two level-1 headings each followed by a paragraph.
    const texts = page.getByTestId('block-text');
    await texts.nth(0).fill('为落实安全生产责任制，公司决定开展冬季安全生产大检查。');
    await page.getByTestId('add-heading').click();
    await texts.nth(1).fill('检查时间');
    await page.getByTestId('add-paragraph').click();
    await texts.nth(2).fill('检查自12月1日开始，至12月15日结束。');
    await page.getByTestId('add-heading').click();
    await texts.nth(3).fill('工作要求');
    await page.getByTestId('add-paragraph').click();
    await texts.nth(4).fill('各科室要高度重视，认真组织自查。');
    await expect(numbers(page)).resolves.toEqual(['一、', '二、']);
    // A level-2 heading under 二、 is （一）; moved above 二、 it is counted under 一、; removed, gone.
    await page.getByTestId('add-heading').click();
    await texts.nth(5).fill('自查阶段');
    await choose(page, page.getByTestId('block-kind').nth(5), '二级标题');
    await expect(numbers(page)).resolves.toEqual(['一、', '二、', '（一）']);
    // The block moves up one row a click: 5 → 4 → 3 → 2.
    for (const at of [5, 4, 3]) await page.getByTestId('block').nth(at).getByRole('button', { name: '上移' }).click();
    await expect(texts.nth(2).inputValue()).resolves.toBe('自查阶段');
    await expect(numbers(page)).resolves.toEqual(['一、', '（一）', '二、']);
    await page.screenshot({ path: `${ARTIFACTS}/desk-editor.png`, fullPage: true });
    await page.getByTestId('block').nth(2).getByRole('button', { name: '删除' }).click();
    await expect(numbers(page)).resolves.toEqual(['一、', '二、']);

    await page.getByTestId('save-draft').click();
    await page.waitForURL(/\/drafts\/[0-9a-f]{20}$/);
    draftId = page.url().split('/').pop()!;
    await page.getByTestId('draft-state').getByText('拟稿中').waitFor();
    await expect(page.getByTestId('draft-title').textContent()).resolves.toBe(TITLE);
    await expect(numbers(page)).resolves.toEqual(['一、', '二、']);

    // 预览: the GB/T 9704 PDF drawn by pdf.js.
    await page.getByTestId('preview-draft').click();
    await until(() => page.evaluate<number>(INK), (ink) => ink > 1000, 'the preview drawn on its canvas');
    await page.screenshot({ path: `${ARTIFACTS}/desk-preview.png` });
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).or(page.getByRole('dialog').locator('.ant-modal-close')).first().click();

    // 送审: 党政公文 asks for the reviewing department heads.
    await page.getByTestId('submit-draft').click();
    const dialog = page.getByTestId('submit-draft-form');
    await dialog.getByText('党政公文').waitFor();
    await dialog.getByText('专业委员会公文').waitFor();
    await dialog.getByText('科室公文').waitFor();
    await page.getByTestId('reviewers').waitFor();
    await dialog.getByText('科室公文').click();
    await expect(page.getByTestId('reviewers').count()).resolves.toBe(0);
    await dialog.getByText('党政公文').click();
    // A reviewer who heads no department: the API's refusal stands by the button.
    await addTag(page, 'reviewers', 'liuyang');
    await page.getByTestId('submit-draft-confirm').click();
    await page.getByTestId('submit-draft-refusal').getByText(/找不到科室负责人 liuyang/).waitFor();
    await page.getByTestId('reviewers').locator('.ant-select-selection-item-remove').click();
    await addTag(page, 'reviewers', 'chenjing');
    await page.screenshot({ path: `${ARTIFACTS}/desk-submit.png` });
    await page.getByTestId('submit-draft-confirm').click();
    await page.getByTestId('draft-state').getByText('审核中').waitFor();
    await page.getByTestId('draft-route').waitFor();
    await page.getByTestId('draft-version').getByText('第1版').waitFor();
    await page.getByTestId('versions').getByText('第1版').waitFor();

    const stored = (await h.api('liuyang', 'GET', `/drafts/${draftId}`)).body;
    // The outgoing route started: 会审 by the department's own head and the one named.
    await h.local.settle();
    const document = (await h.api('liuyang', 'GET', `/documents/${draftId}`)).body;
    expect(document.document.route).toBe('outgoing-main');
    for (const head of ['zhoujie', 'chenjing']) expect((await h.api(head, 'GET', '/tasks')).body.items.map((t: any) => [t.docId, t.stepName])).toEqual([[draftId, '会审（会签）']]);
    expect(stored).toMatchObject({ state: 'in-review', version: 1, content: { title: TITLE, urgency: '加急', issuingCode: '管司发', direction: 'downward', mainRecipients: ['各科室'], copyRecipients: ['市应急管理局'], attachments: ['安全检查表'] } });
    expect(stored.content.body.blocks).toEqual([
      { kind: 'paragraph', text: '为落实安全生产责任制，公司决定开展冬季安全生产大检查。' },
      { kind: 'heading', level: 1, text: '检查时间' },
      { kind: 'paragraph', text: '检查自12月1日开始，至12月15日结束。' },
      { kind: 'heading', level: 1, text: '工作要求' },
      { kind: 'paragraph', text: '各科室要高度重视，认真组织自查。' },
    ]);

    await page.getByRole('link', { name: '‹ 返回拟稿列表' }).click();
    const item = page.locator(`[data-testid=draft-item][data-draft="${draftId}"]`);
    await item.getByRole('link', { name: TITLE }).waitFor();
    await item.getByTestId('draft-state').getByText('审核中').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/desk-list.png`, fullPage: true });
    await context.close();
  }, 120_000);

  it('a change after submission asks for a 修改说明, becomes version 2, and 比较 shows the changed words', async () => {
    const { context, page } = await openAs(browser, `${origin}/drafts/${draftId}`, 'liuyang', DESK);
    const texts = page.getByTestId('block-text');
    await texts.nth(2).waitFor();
    await texts.nth(2).fill('检查自12月1日开始，至12月20日结束。');
    await page.getByTestId('save-draft').click();
    await page.getByTestId('change-note').fill('结束日期延后');
    await page.getByTestId('confirm-save').click();
    await page.getByTestId('draft-version').getByText('第2版').waitFor();

    const versions = page.getByTestId('versions');
    await versions.locator('[data-version="2"]').getByText('修改说明：结束日期延后').waitFor();
    await versions.locator('[data-version="2"]').getByText('正文', { exact: true }).waitFor();
    await versions.locator('[data-version="2"]').getByText('刘洋').waitFor();
    await page.getByTestId('compare').click();
    const diff = page.getByTestId('diff');
    const changed = diff.locator('[data-testid=diff-block][data-op=changed]');
    await changed.waitFor();
    await expect(changed.locator('del').allTextContents()).resolves.toEqual(['15']);
    await expect(changed.locator('ins').allTextContents()).resolves.toEqual(['20']);
    await diff.screenshot({ path: `${ARTIFACTS}/desk-diff.png` });
    await page.screenshot({ path: `${ARTIFACTS}/desk-versions.png`, fullPage: true });

    // Meanwhile the office director changes the title: saving on the old revision is refused, naming him.
    const { revision } = (await h.api('liqiang', 'GET', `/drafts/${draftId}`)).body;
    expect((await h.api('liqiang', 'PUT', `/drafts/${draftId}`, { revision, title: '关于开展冬季安全生产专项检查的通知', changeNote: '标题更准确' })).status).toBe(200);
    await texts.nth(4).fill('各科室要高度重视，认真组织自查自纠。');
    await page.getByTestId('save-draft').click();
    await page.getByTestId('change-note').fill('要求更具体');
    await page.getByTestId('confirm-save').click();
    const refusal = page.getByTestId('draft-refusal');
    await refusal.getByText(/^该稿件已被 李强 于 .* 修改，现为第3版（审核中）；请刷新后在最新内容上重新修改$/).waitFor();
    await page.getByTestId('reload-draft').click();
    await page.getByTestId('draft-title').getByText('关于开展冬季安全生产专项检查的通知').waitFor();
    await page.getByTestId('draft-version').getByText('第3版').waitFor();
    await expect(refusal.count()).resolves.toBe(0);
    await context.close();
  }, 120_000);

  it('after 签发 the editor is read-only and says why', async () => {
    // The route to 签发: 会审 by both heads, 核稿, 会签, then the main leader signs.
    await decideNext(h, 'zhoujie', draftId, { agree: true, opinion: '同意' });
    await decideNext(h, 'chenjing', draftId, { agree: true, opinion: '同意' });
    await decideNext(h, 'liqiang', draftId, { opinion: '文字、格式已核' });
    await decideNext(h, 'sunwei', draftId, { opinion: '同意' });
    await decideNext(h, 'zhaomin', draftId, { opinion: '同意印发' });
    expect((await h.api('liuyang', 'GET', `/drafts/${draftId}`)).body).toMatchObject({ state: 'signed', signed: { by: 'zhaomin' } });
    const { context, page } = await openAs(browser, `${origin}/drafts/${draftId}`, 'liuyang', DESK);
    const frozen = page.getByTestId('frozen');
    await frozen.getByText('稿件已由赵敏签发，内容已冻结').waitFor();
    await frozen.getByText(/签发后修改需签发人同意/).waitFor();
    await page.getByTestId('draft-state').getByText('已签发').waitFor();
    await expect(page.getByTestId('save-draft').count()).resolves.toBe(0);
    await expect(page.getByTestId('block-text').count()).resolves.toBe(0);
    // The fields read as a record, not as disabled inputs.
    await expect(page.getByTestId('field-title').count()).resolves.toBe(0);
    await page.getByTestId('draft-facts').getByText('关于开展冬季安全生产专项检查的通知').waitFor();
    await page.getByTestId('draft-facts').getByText('管司发', { exact: true }).waitFor();
    // The body reads as it will print, numbered.
    await expect(numbers(page)).resolves.toEqual(['一、', '二、']);
    await page.screenshot({ path: `${ARTIFACTS}/desk-signed.png`, fullPage: true });
    // Only the signer is offered 同意修改.
    await expect(page.getByTestId('consent').count()).resolves.toBe(0);
    await context.close();

    // The signer consents with a note; the drafter may then change it once, back to 签发.
    const signer = await openAs(browser, `${origin}/drafts/${draftId}`, 'zhaomin', DESK);
    await signer.page.getByTestId('consent').click();
    await signer.page.getByTestId('consent-note').fill('同意补充检查范围');
    await signer.page.getByRole('button', { name: '同意修改' }).last().click();
    await signer.page.getByText('赵敏已同意修改：同意补充检查范围').waitFor();
    expect((await h.api('liuyang', 'GET', `/drafts/${draftId}`)).body.consent).toMatchObject({ by: 'zhaomin', note: '同意补充检查范围' });
    await signer.context.close();
  }, 90_000);

  it('on a phone: the list and the editor fit the screen, buttons are thumb-sized', async () => {
    // A second drafter of the department: 本科室拟稿 shows both.
    const other = await h.api('zhoujie', 'POST', '/drafts', {
      docType: '通知',
      title: '关于调整检修计划的通知',
      mainRecipients: ['各车间'],
      issuingCode: '管司发',
      direction: 'downward',
      body: { kind: 'structured', blocks: [{ kind: 'heading', level: 1, text: '调整内容' }, { kind: 'paragraph', text: '检修计划顺延一周。' }] },
    });
    expect(other.status).toBe(200);

    const { context, page } = await openAs(browser, `${origin}/drafts?box=department`, 'liuyang', PHONE);
    const list = page.getByTestId('draft-list');
    await list.getByText('关于调整检修计划的通知').waitFor();
    await list.getByText('关于开展冬季安全生产专项检查的通知').waitFor();
    await list.getByText(/^周杰 · /).waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    expect((await page.getByTestId('new-draft').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: `${ARTIFACTS}/phone-list.png`, fullPage: true });

    await page.getByTestId('new-draft').click();
    await page.getByTestId('field-title').fill('关于加强冬季用电安全的通知');
    await page.getByTestId('add-heading').click();
    await page.getByTestId('block-text').nth(1).fill('用电检查');
    await expect(numbers(page)).resolves.toEqual(['一、']);
    expect(await noHorizontalScroll(page)).toBe(true);
    for (const id of ['save-draft', 'add-heading', 'add-paragraph']) expect((await page.getByTestId(id).boundingBox())!.height, id).toBeGreaterThanOrEqual(44);
    for (const name of ['上移', '下移', '删除']) expect((await page.getByTestId('block').first().getByRole('button', { name }).boundingBox())!.height, name).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: `${ARTIFACTS}/phone-editor.png`, fullPage: true });

    await page.goto(`${origin}/drafts/${draftId}`);
    await page.getByTestId('versions').waitFor();
    await page.getByTestId('compare').click();
    await page.getByTestId('diff').waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/phone-versions.png`, fullPage: true });
    await context.close();
  }, 120_000);
});
