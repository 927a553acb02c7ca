/**
 * 我的拟稿 and 本科室拟稿 (GET /drafts) against the real local services: two drafters of one
 * department, newest first, paged by cursor; a malformed cursor, box or limit is a Chinese 400; a
 * classified draft's title is left out for a department member not cleared for it; the form's
 * choices (GET /drafting-options) are the branch's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const draft = (title: string, extra: Record<string, unknown> = {}) => ({
  docType: '通知',
  title,
  mainRecipients: ['各科室'],
  issuingCode: '管司发',
  direction: 'downward',
  body: { kind: 'structured', blocks: [{ kind: 'paragraph', text: `${title}的正文。` }] },
  ...extra,
});

async function create(user: string, title: string, extra?: Record<string, unknown>): Promise<string> {
  const res = await h.api(user, 'POST', '/drafts', draft(title, extra));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.draftId;
}

/** Every page of a list, `limit` a page. */
async function walk(user: string, box: string, limit: number): Promise<{ pages: number; items: any[] }> {
  const items: any[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await h.api(user, 'GET', `/drafts?box=${box}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.box).toBe(box);
    items.push(...res.body.items);
    cursor = res.body.cursor;
    pages++;
  } while (cursor);
  return { pages, items };
}

describe('draft lists', () => {
  const ids: Record<string, string> = {};

  it('lists my drafts and my department’s, newest first, page by page', async () => {
    // Two drafters of 生产技术科, interleaved; 财务科's head drafts one too.
    ids.a1 = await create('liuyang', '关于开展设备巡检的通知');
    ids.z1 = await create('zhoujie', '关于调整检修计划的通知');
    ids.a2 = await create('liuyang', '关于安全培训的通知');
    ids.a3 = await create('liuyang', '关于冬季防火的通知');
    ids.c1 = await create('chenjing', '关于报销流程的通知');
    expect((await h.api('liuyang', 'POST', `/drafts/${ids.a2}/submit`, { route: 'outgoing-dept' })).status).toBe(200);

    const mine = await walk('liuyang', 'mine', 2);
    expect(mine.pages).toBe(2);
    expect(mine.items.map((i) => i.draftId)).toEqual([ids.a3, ids.a2, ids.a1]);
    expect(mine.items[1]).toMatchObject({
      title: '关于安全培训的通知',
      docType: '通知',
      state: 'in-review',
      stateName: '审核中',
      version: 1,
      drafter: { username: 'liuyang', name: '刘洋' },
      department: 'SCJSK',
      secrecy: '非密',
      urgency: '普通',
    });
    expect(mine.items[0]).toMatchObject({ state: 'drafting', stateName: '拟稿中', version: 0 });
    expect(Date.parse(mine.items[1].updatedAt)).toBeGreaterThanOrEqual(Date.parse(mine.items[1].createdAt));
    // The list carries no content beyond its row.
    expect(mine.items[0].content).toBeUndefined();

    const theirs = await walk('zhoujie', 'mine', 50);
    expect(theirs.items.map((i) => i.draftId)).toEqual([ids.z1]);

    // Same department, either drafter: both see all four, newest first; 财务科's is not there.
    for (const user of ['liuyang', 'zhoujie']) {
      const dept = await walk(user, 'department', 3);
      expect(dept.pages).toBe(2);
      expect(dept.items.map((i) => i.draftId)).toEqual([ids.a3, ids.a2, ids.z1, ids.a1]);
    }
    expect((await walk('chenjing', 'department', 10)).items.map((i) => i.draftId)).toEqual([ids.c1]);
    // Without a box: 我的拟稿.
    expect((await h.api('zhoujie', 'GET', '/drafts')).body).toMatchObject({ box: 'mine', items: [{ draftId: ids.z1 }] });
  });

  it('a list’s cursor pages only that list; a malformed one, box or limit is a Chinese 400', async () => {
    const first = await h.api('liuyang', 'GET', '/drafts?box=department&limit=1');
    const cursor = first.body.cursor as string;
    expect(cursor).toBeTruthy();
    // The department's cursor does not page 我的拟稿 (another partition), nor another department's.
    const cases: [string, string, RegExp][] = [
      ['liuyang', `/drafts?box=mine&cursor=${cursor}`, /翻页参数 cursor 无效/],
      ['chenjing', `/drafts?box=department&cursor=${cursor}`, /翻页参数 cursor 无效/],
      ['liuyang', '/drafts?cursor=abc', /翻页参数 cursor 无效/],
      ['liuyang', `/drafts?cursor=${Buffer.from('{"pk":"DRAFTS#BY#liuyang"}').toString('base64url')}`, /翻页参数 cursor 无效/],
      ['liuyang', `/drafts?cursor=${Buffer.from('[1]').toString('base64url')}`, /翻页参数 cursor 无效/],
      ['liuyang', '/drafts?box=all', /列表（box）应为 mine（我的拟稿）或 department（本科室拟稿）/],
      ['liuyang', '/drafts?limit=0', /每页条数（limit）应为 1 到 100 之间的整数/],
      ['liuyang', '/drafts?limit=101', /每页条数/],
      ['liuyang', '/drafts?limit=1e1', /每页条数/],
    ];
    for (const [user, path, message] of cases) {
      const res = await h.api(user, 'GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.message, path).toMatch(message);
    }
    const second = await h.api('liuyang', 'GET', `/drafts?box=department&limit=1&cursor=${cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items[0].draftId).not.toBe(first.body.items[0].draftId);
  });

  it('a classified draft is listed without its title to a department member not cleared for it', async () => {
    // 周杰 (秘密) drafts a 秘密 document; 刘洋 of the same department is cleared 非密.
    const id = await create('zhoujie', '关于检修涉密设备的通知', { secrecy: { level: '秘密' }, copies: 5 });
    const seen = (await h.api('liuyang', 'GET', '/drafts?box=department&limit=1')).body.items[0];
    expect(seen).toMatchObject({ draftId: id, title: '一份秘密稿件', titleHidden: true, secrecy: '秘密', drafter: { name: '周杰' } });
    expect(JSON.stringify(seen)).not.toContain('涉密设备');
    // Opening it is refused as before; the drafter sees the title.
    expect((await h.api('liuyang', 'GET', `/drafts/${id}`)).status).toBe(403);
    const own = (await h.api('zhoujie', 'GET', '/drafts?box=mine&limit=1')).body.items[0];
    expect(own).toMatchObject({ draftId: id, title: '关于检修涉密设备的通知' });
    expect(own.titleHidden).toBeUndefined();
  });

  it('serves the drafting form’s choices: 文种, 行文方向 and the branch’s 发文代字', async () => {
    const res = await h.api('liuyang', 'GET', '/drafting-options');
    expect(res.status).toBe(200);
    expect(res.body.docTypes).toContain('通知');
    expect(res.body.docTypes).toHaveLength(15);
    expect(res.body.directions).toEqual([
      { id: 'upward', name: '上行文' },
      { id: 'parallel', name: '平行文' },
      { id: 'downward', name: '下行文' },
    ]);
    expect(res.body.issuingCodes).toContainEqual({ code: '管司发', name: '下行文（公司文件）', direction: 'downward' });
    // An office code is for any direction.
    expect(res.body.issuingCodes).toContainEqual({ code: '管办发', name: '综合办公室文件' });
  });
});
