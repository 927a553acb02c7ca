/**
 * The boxes (GET /documents?box=…) against the real local services: 待办 (overdue first, then by
 * due), 已办 (newest first), 在办跟踪 (where each document I acted on stands now, until it is filed),
 * each paged by a cursor the API wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
const byUrgency: Record<string, string> = {};
const at = (iso: string) => {
  process.env.CHANCERY_FIXED_TIME = iso;
};

/** Every item of a box, a page of `limit` at a time, following the cursors. */
async function allPages(user: string, box: string, limit: number) {
  const pages: any[][] = [];
  let cursor: string | undefined;
  do {
    const res = await h.api(user, 'GET', `/documents?box=${box}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body.items);
    cursor = res.body.cursor;
  } while (cursor && pages.length < 20);
  return pages;
}

beforeAll(async () => {
  at('2026-12-02T02:00:00Z'); // Wednesday, 10:00
  h = await startHarness({ watchInbox: false });
  await h.upload('关于报送年度工作总结的通知.pdf', await makePdf('ordinary'));
  await h.upload('【加急】关于节前安全检查的通知.pdf', await makePdf('urgent'));
  await h.upload('【特急】关于防汛应急值守的紧急通知.pdf', await makePdf('extra urgent'));
  await h.local.settle();
  for (const t of (await h.api('liqiang', 'GET', '/tasks')).body.items) byUrgency[t.urgency] = t.docId;
}, 120_000);
afterAll(async () => {
  await h?.close();
  delete process.env.CHANCERY_FIXED_TIME;
});

describe('boxes', () => {
  it('refuses an unknown box or none, in Chinese', async () => {
    for (const q of ['', '?box=inbox', '?box=TODO']) {
      const res = await h.api('liqiang', 'GET', `/documents${q}`);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('todo（待办）');
    }
  });

  it('待办: overdue first, then by due; paged', async () => {
    // 20 minutes on, the extra-urgent 拟办 (due in 10) is overdue.
    expect(await h.local.fireSchedule('deadline-sweep', new Date('2026-12-02T02:20:00Z'))).toMatchObject({ markedOverdue: 1 });
    const pages = await allPages('liqiang', 'todo', 1);
    // A key-paged Query may end on an empty page (DynamoDB cannot tell the last page is the last).
    expect(pages.map((p) => p.length).filter(Boolean)).toEqual([1, 1, 1]);
    expect(pages.length).toBeLessThanOrEqual(4);
    const items = pages.flat();
    expect(items.map((t) => [t.urgency, Boolean(t.overdue)])).toEqual([
      ['特急', true],
      ['加急', false],
      ['平件', false],
    ]);
    expect(items[0]).toMatchObject({ stepName: '拟办', assignee: '办公室主任', docId: byUrgency['特急'] });
  });

  it('已办: the tasks I decided, newest first; paged', async () => {
    at('2026-12-02T03:00:00Z');
    await decideNext(h, 'liqiang', byUrgency['平件'], { opinion: '请财务科办理', department: 'CWK' });
    at('2026-12-02T03:05:00Z');
    await decideNext(h, 'liqiang', byUrgency['加急'], { opinion: '请生产技术科办理', department: 'SCJSK' });
    at('2026-12-02T03:10:00Z');
    await decideNext(h, 'liqiang', byUrgency['特急'], { opinion: '请质量安全环保科办理', department: 'ZLAQK' });
    const pages = await allPages('liqiang', 'done', 2);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect(pages.flat().map((t) => [t.docId, t.stepName, t.status, t.decidedBy])).toEqual([
      [byUrgency['特急'], '拟办', 'decided', 'liqiang'],
      [byUrgency['加急'], '拟办', 'decided', 'liqiang'],
      [byUrgency['平件'], '拟办', 'decided', 'liqiang'],
    ]);
    expect(JSON.stringify(pages)).not.toMatch(/taskToken|gsi/);
    expect(await allPages('liqiang', 'todo', 50)).toEqual([[]]);
  });

  it('在办跟踪: where each document I acted on stands now, and who holds it', async () => {
    const items = (await allPages('liqiang', 'tracking', 50)).flat();
    expect(items.map((d) => d.docId)).toEqual([byUrgency['特急'], byUrgency['加急'], byUrgency['平件']]);
    for (const d of items) expect(d.currentSteps).toEqual([expect.objectContaining({ stepName: '阅批', holder: '主要领导' })]);

    at('2026-12-02T04:00:00Z');
    await decideNext(h, 'zhaomin', byUrgency['加急'], { opinion: '同意', deputy: 'sunwei' });
    const after = (await allPages('liqiang', 'tracking', 2)).flat();
    expect(after.map((d) => d.docId)).toEqual([byUrgency['特急'], byUrgency['加急'], byUrgency['平件']]);
    expect(after[1].currentSteps).toEqual([expect.objectContaining({ stepName: '阅处', holder: 'sunwei' })]);
    expect(after[1].status).toBe('in-progress');
    // The leader tracks it too, as her latest act.
    expect((await allPages('zhaomin', 'tracking', 50)).flat().map((d) => d.docId)).toEqual([byUrgency['加急']]);
  });

  it('a filed document leaves 在办跟踪', async () => {
    const docId = byUrgency['加急'];
    await decideNext(h, 'sunwei', docId, { opinion: '请抓紧办理' });
    await decideNext(h, 'zhoujie', docId, { opinion: '已办结' });
    await decideNext(h, 'wangfang', docId, { opinion: '已立卷', retention: 'D10' });
    expect((await h.api('wangfang', 'GET', `/documents/${docId}`)).body.document.status).toBe('filed');
    const items = (await allPages('liqiang', 'tracking', 50)).flat();
    expect(items.map((d) => d.docId)).toEqual([byUrgency['特急'], byUrgency['平件']]);
    expect((await allPages('zhoujie', 'done', 50)).flat().map((t) => t.docId)).toEqual([docId]);
  });
});
