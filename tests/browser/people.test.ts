/**
 * The three admins (三员) in a real browser against real local mode: the system admin adds and
 * edits people in 人员管理 and is refused an admin with a document role (the API's message beside
 * the form); the security admin sets a clearance in 密级管理; the audit admin finds both in 审计日志;
 * each sees their own menu entry only, and a clerk none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { type Harness } from '../integration/harness.js';
import { artifactsDir, openAs } from './kit.js';
import { startConsole, stopConsole } from './console-run.js';

const ARTIFACTS = artifactsDir('people');
const ADMIN_MENU = ['人员管理', '密级管理', '审计日志'];

let h: Harness;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  ({ h, browser, origin } = await startConsole({ watchInbox: false }));
}, 120_000);

afterAll(() => stopConsole({ h, browser }));

/** Picks `option` in the antd Select labelled `label` within `scope`, typed to find it (the list is virtual). */
async function choose(page: Page, scope: Locator, label: string, option: string) {
  await scope.getByLabel(label).click();
  await page.keyboard.type(option);
  await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${option}"]`).click();
}

/** antd spaces out two-character Chinese button labels (保 存). */
const button = (text: string) => ({ name: new RegExp(`^${[...text].join('\\s?')}$`) });

/** The admin entries of the menu, once it is built from GET /me (the header names the person then). */
const menuEntries = async (page: Page) => {
  await page.getByTestId('me').waitFor();
  return (await page.locator('.ant-menu-item').allInnerTexts()).map((t) => t.trim()).filter((t) => ADMIN_MENU.includes(t));
};

describe('人员管理, 密级管理, 审计日志', () => {
  it('the system admin adds a person, is refused an admin with a document role, and edits roles', async () => {
    const { context, page } = await openAs(browser, `${origin}/admin/people`, 'sysadmin');
    const admin = page.getByTestId('people-admin');
    await admin.waitFor();
    expect(await menuEntries(page)).toEqual(['人员管理']);
    await admin.getByRole('cell', { name: 'wangfang', exact: true }).waitFor();

    await admin.getByRole('button', { name: '新增人员' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('用户名').fill('zhaoliu');
    await dialog.getByLabel('姓名').fill('赵六');
    await choose(page, dialog, '科室', '财务科');
    await choose(page, dialog, '角色', '安全审计员');
    await choose(page, dialog, '角色', '经办人');
    await page.keyboard.press('Escape');
    await dialog.getByRole('button', button('保存')).click();
    await dialog.getByRole('alert').filter({ hasText: '不得兼任公文处理岗位' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/refused-combination.png` });

    // Take the admin role off again and save.
    await dialog.locator('.ant-select-selection-item').filter({ hasText: '安全审计员' }).locator('.ant-select-selection-item-remove').click();
    await dialog.getByRole('button', button('保存')).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = admin.getByRole('row').filter({ hasText: 'zhaoliu' });
    await row.waitFor();
    await expect(row.innerText()).resolves.toMatch(/赵六[\s\S]*财务科[\s\S]*经办人[\s\S]*非密[\s\S]*在用/);

    await row.getByRole('button', button('编辑')).click();
    await choose(page, dialog, '角色', '档案管理员');
    await page.keyboard.press('Escape');
    await dialog.getByRole('button', button('保存')).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText('经办人、档案管理员').waitFor();
    await row.getByRole('button', button('停用')).click();
    await row.getByText('已停用').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/people.png`, fullPage: true });
    expect((await h.api('sysadmin', 'GET', '/admin/people/zhaoliu')).body).toMatchObject({ roles: ['staff', 'archivist'], department: 'CWK', active: false });
    await context.close();
  });

  it('the security admin sets a clearance, and has no 设置密级 for themselves', async () => {
    const { context, page } = await openAs(browser, `${origin}/admin/clearance`, 'secadmin');
    const admin = page.getByTestId('clearance-admin');
    await admin.waitFor();
    expect(await menuEntries(page)).toEqual(['密级管理']);
    await expect(admin.getByRole('row').filter({ hasText: 'secadmin' }).getByRole('button', { name: '设置密级' }).count()).resolves.toBe(0);
    const row = admin.getByRole('row').filter({ hasText: 'liuyang' });
    await row.getByRole('button', { name: '设置密级' }).click();
    const dialog = page.getByRole('dialog');
    await choose(page, dialog, '密级', '秘密');
    await dialog.getByRole('button', button('设置')).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByRole('cell', { name: '秘密', exact: true }).waitFor();
    expect((await h.api('liuyang', 'GET', '/me')).body.clearance).toBe('秘密');
    await context.close();
  });

  it('the audit admin reads both changes in 审计日志; a clerk has none of the three pages', async () => {
    const { context, page } = await openAs(browser, `${origin}/admin/audit`, 'auditadmin');
    const audit = page.getByTestId('admin-audit');
    await audit.waitFor();
    expect(await menuEntries(page)).toEqual(['审计日志']);
    await audit.getByRole('row').filter({ hasText: '设置密级' }).filter({ hasText: 'liuyang' }).getByText('密级：非密 → 秘密').waitFor();
    await audit.getByRole('row').filter({ hasText: '新增人员' }).filter({ hasText: 'zhaoliu' }).waitFor();
    await audit.getByRole('row').filter({ hasText: '停用账号' }).filter({ hasText: 'zhaoliu' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/audit.png`, fullPage: true });
    await context.close();

    const clerk = await openAs(browser, `${origin}/admin/people`, 'wangfang');
    await clerk.page.getByText('无权管理人员').waitFor();
    expect(await menuEntries(clerk.page)).toEqual([]);
    await clerk.context.close();
  });
});
