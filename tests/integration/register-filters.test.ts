/**
 * Registers filtered by 办理状态 and 承办科室, against the real local services: scans arrive in
 * October and November (pinned handler clock), one is proposed to 生产技术科, one handled to the
 * end by 财务科, one returned to its sender (退文), one 机密; the list and the export answer only
 * what the filter asks, page by cursor through short pages, refuse values a register has not,
 * and never let a reader find a classified entry by a field they may not see.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_USERS } from '../../infra/local/users.js';
import { repoRoot } from '../../infra/local/wiring.js';
import { mayReadRegisters } from '../../web/src/office-roles.js';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
const docs: Record<string, string> = {};

async function arrive(key: string, title: string, metadata?: Record<string, string>) {
  await h.upload(`${title}.pdf`, await makePdf(key), metadata);
  await h.local.settle();
  const items = (await h.api('zhengli', 'GET', '/registers/incoming?limit=200')).body.items as any[];
  docs[key] = items.find((e) => e.scanKey === `scans/${title}.pdf`).docId;
}

const list = async (query: string, user = 'wangfang') => h.api(user, 'GET', `/registers/incoming?year=2026&${query}`);
const titles = (items: any[]) => items.map((e) => e.title);

/** Every entry of a filtered list, page by page, and the pages' sizes. */
async function allPages(query: string): Promise<{ titles: string[]; sizes: number[] }> {
  const seen: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const res = await list(`${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...titles(res.body.items));
    sizes.push(res.body.items.length);
    cursor = res.body.cursor;
  } while (cursor && sizes.length < 20);
  return { titles: seen, sizes };
}

async function download(user: string, path: string) {
  const token = await h.local.identity.issue(LOCAL_USERS.find((u) => u.username === user)!);
  const res = await fetch(`${h.local.endpoints.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, disposition: res.headers.get('content-disposition') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  h = await startHarness({ watchInbox: false });
  process.env.CHANCERY_FIXED_TIME = '2026-10-20T02:00:00Z';
  await arrive('october', '关于十月防汛工作的通知');
  process.env.CHANCERY_FIXED_TIME = '2026-11-03T02:00:00Z';
  await arrive('proposed', '关于设备检修计划的通知');
  await arrive('handled', '关于预算执行检查的通知');
  await arrive('returned', '关于误投来文的函');
  await arrive('secret', '关于干部考察的通知', { secrecy: encodeURIComponent('机密') });
  await arrive('waiting', '关于节日值班的通知');
  await decideNext(h, 'liqiang', docs.proposed, { opinion: '请生产技术科办理', department: 'SCJSK' });
  await decideNext(h, 'liqiang', docs.handled, { opinion: '请财务科办理', department: 'CWK' });
  await decideNext(h, 'zhaomin', docs.handled, { opinion: '同意' });
  await decideNext(h, 'sunwei', docs.handled, { opinion: '请抓紧' });
  await decideNext(h, 'chenjing', docs.handled, { opinion: '已检查，无问题' });
  await decideNext(h, 'liqiang', docs.secret, { opinion: '请财务科办理', department: 'CWK' });
  const back = await h.api('wangfang', 'POST', `/documents/${docs.returned}/return-to-sender`, { reason: '非本单位收文' });
  expect(back.status, JSON.stringify(back.body)).toBe(200);
}, 180_000);

afterAll(async () => {
  delete process.env.CHANCERY_FIXED_TIME;
  await h?.close();
});

describe('status and department filters', () => {
  it('gives every entry its status, and filters the year by it', async () => {
    const all = await list('limit=200', 'zhengli');
    const status = Object.fromEntries(all.body.items.map((e: any) => [e.docId, e.status]));
    expect(status).toEqual({ [docs.october]: 'open', [docs.proposed]: 'open', [docs.handled]: 'done', [docs.returned]: 'returned', [docs.secret]: 'open', [docs.waiting]: 'open' });
    expect(titles((await list('status=done')).body.items)).toEqual(['关于预算执行检查的通知']);
    expect(titles((await list('status=returned')).body.items)).toEqual(['关于误投来文的函']);
    expect((await list('status=filed')).body.items).toEqual([]);
    // The 退文 shows as the entry's 办理结果 in the book.
    const returned = (await list('status=returned')).body;
    expect(returned.items[0].cells[returned.columns.findIndex((c: any) => c.header === '办理结果')]).toBe('退文：非本单位收文');
  });

  it('filters by department, named by code or by name, with a status and within a month', async () => {
    expect(titles((await list('department=SCJSK')).body.items)).toEqual(['关于设备检修计划的通知']);
    expect(titles((await list(`department=${encodeURIComponent('生产技术科')}`)).body.items)).toEqual(['关于设备检修计划的通知']);
    expect(titles((await list('department=CWK&status=done&month=11', 'zhengli')).body.items)).toEqual(['关于预算执行检查的通知']);
    expect(titles((await list('department=CWK&status=open&month=11', 'zhengli')).body.items)).toEqual(['关于干部考察的通知']);
    expect((await list('status=open&month=10')).body.items.map((e: any) => e.docId)).toEqual([docs.october]);
    expect((await list('department=SCJSK&month=10')).body.items).toEqual([]);
  });

  it('pages a filtered list by cursor, in the year and in a month, never repeating or losing an entry', async () => {
    const open = ['关于十月防汛工作的通知', '关于设备检修计划的通知', '关于干部考察的通知', '关于节日值班的通知'];
    const year = await allPages('status=open&limit=1');
    expect(year.titles).toEqual(open);
    expect(Math.max(...year.sizes)).toBe(1);
    const month = await allPages('status=open&month=11&limit=2');
    expect(month.titles).toEqual(open.slice(1));
    expect(Math.max(...month.sizes)).toBeLessThanOrEqual(2);
    // Newest first too.
    expect((await allPages('status=open&order=desc&limit=3')).titles).toEqual([...open].reverse());
  });

  it('does not let a reader not cleared find a classified entry by its department, but shows its status', async () => {
    // 何欣 (a deputy leader) is cleared to 秘密: the 机密 entry is 密件 to her, in 在办 like the rest.
    const open = (await list('status=open&month=11', 'hexin')).body.items;
    expect(open.find((e: any) => e.docId === docs.secret)).toMatchObject({ title: '密件', status: 'open', redacted: true });
    expect(open.find((e: any) => e.docId === docs.secret).department).toBeUndefined();
    expect((await list('department=CWK&month=11', 'hexin')).body.items.map((e: any) => e.docId)).toEqual([docs.handled]);
    expect((await list('department=CWK&month=11')).body.items.map((e: any) => e.docId)).toEqual([docs.handled, docs.secret]);
    const file = await download('hexin', '/registers/incoming/export?year=2026&department=CWK&format=csv');
    expect(file.bytes.toString('utf8')).not.toContain('干部考察');
  });

  it('refuses a status or department the register has not, in Chinese', async () => {
    const cases: [string, string, string][] = [
      ['/registers/incoming?status=closed', 'status', '在办'],
      ['/registers/incoming?status=', 'status', '已归档'],
      ['/registers/incoming?status=__proto__', 'status', '退文'],
      ['/registers/incoming?department=XYZ', 'department', '生产技术科'],
      ['/registers/incoming?department=', 'department', 'SCJSK'],
      ['/registers/archive?status=open', 'status', '不分办理状态'],
      ['/registers/returns?department=SCJSK', 'department', '没有承办科室'],
      ['/registers/internal?department=SCJSK', 'department', '没有承办科室'],
      ['/registers/incoming/export?status=closed&format=csv', 'status', '在办'],
      ['/registers/incoming/export?department=XYZ', 'department', '科室'],
    ];
    for (const [path, field, words] of cases) {
      const res = await h.api('wangfang', 'GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.message, path).toContain(field);
      expect(res.body.message, path).toContain(words);
    }
    // A filter is still the office's: staff get the 403 first.
    expect((await h.api('liuyang', 'GET', '/registers/incoming?status=open')).status).toBe(403);
  });
});

describe('the filtered export and the register list', () => {
  it('exports only the filtered entries, titled with the filter', async () => {
    const file = await download('zhengli', `/registers/incoming/export?year=2026&month=11&department=CWK&format=xlsx`);
    expect(file.status).toBe(200);
    expect(decodeURIComponent(file.disposition.split("UTF-8''")[1])).toBe('收文登记簿-2026年11月（财务科）.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.bytes as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.getRow(1).getCell(1).value).toBe('收文登记簿 2026年11月（财务科）');
    expect(ws.rowCount).toBe(4);
    expect([ws.getRow(3).getCell(5).value, ws.getRow(4).getCell(5).value]).toEqual(['关于预算执行检查的通知', '关于干部考察的通知']);
    expect(ws.getRow(3).getCell(10).value).toBe('已检查，无问题');

    const csv = await download('wangfang', `/registers/incoming/export?year=2026&status=returned&format=csv`);
    expect(decodeURIComponent(csv.disposition.split("UTF-8''")[1])).toBe('收文登记簿-2026年（退文）.csv');
    const lines = csv.bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('关于误投来文的函');
    expect(lines[1]).toContain('退文：非本单位收文');
  });

  it('lists the registers with what each is filtered by, for office roles only', async () => {
    const res = await h.api('wangfang', 'GET', '/registers');
    expect(res.status).toBe(200);
    expect(res.body.items).toContainEqual({ id: 'incoming', name: '收文登记簿', statuses: true, departments: true });
    expect(res.body.items).toContainEqual({ id: 'archive', name: '归档目录', statuses: false, departments: true });
    expect(res.body.items).toContainEqual({ id: 'returns', name: '退文登记簿', statuses: false, departments: false });
    expect(res.body.statuses.map((s: any) => s.name)).toEqual(['在办', '已办结', '已归档', '退文']);
    expect(res.body.departments).toContainEqual({ code: 'SCJSK', name: '生产技术科' });
    const staff = await h.api('liuyang', 'GET', '/registers');
    expect(staff.status).toBe(403);
    expect(staff.body.message).toContain('登记簿');
    // The console's menu shows 登记簿 to exactly those the API lets in.
    for (const user of LOCAL_USERS) {
      expect((await h.api(user.username, 'GET', '/registers')).status, user.username).toBe(mayReadRegisters(user.groups) ? 200 : 403);
    }
  });

  it('answers each entry with the export\'s columns and cells', async () => {
    const res = await list('department=SCJSK');
    expect(res.body.columns.map((c: any) => c.header)).toEqual(['收文编号', '收文日期', '来文单位', '来文字号', '标题', '密级', '份数', '紧急程度', '承办科室', '办理结果', '归档号']);
    expect(res.body.columns[1]).toEqual({ header: '收文日期', kind: 'date' });
    expect(res.body.items[0].cells).toEqual([res.body.items[0].number, expect.stringMatching(/^2026-\d\d-\d\d$/), '', '', '关于设备检修计划的通知', '非密', '1', '平件', '生产技术科', '', '']);
  });
});

describe('the command line', () => {
  it('chancery register takes --status and --department, for the list and the export', async () => {
    // The CLI finds local mode through endpoints.json in the data directory, as after `npm start`.
    mkdirSync(h.local.dataDir, { recursive: true });
    writeFileSync(join(h.local.dataDir, 'endpoints.json'), JSON.stringify(h.local.endpoints));
    const chancery = async (...args: string[]) =>
      (await promisify(execFile)(join(repoRoot, 'bin', 'chancery'), args, { env: { ...process.env, CHANCERY_DATA_DIR: h.local.dataDir }, cwd: repoRoot })).stdout;
    const done = await chancery('register', 'incoming', '--year', '2026', '--status', 'done', '--as', 'wangfang');
    expect(done).toContain('收文登记簿（1 条）');
    expect(done).toContain('关于预算执行检查的通知');
    const file = join(h.dataDir, 'tech.csv');
    await chancery('register', 'incoming', '--year', '2026', '--department', 'SCJSK', '--export', 'csv', '-o', file, '--as', 'wangfang');
    const lines = readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('关于设备检修计划的通知');
  });
});
