/**
 * 传阅 against the real local services: 200 readers at once (each sees it in 待阅, reading moves it
 * to 已阅 and puts a 阅 line on the slip), rank order (only the next reader's item is open), a reader
 * not cleared refused by name, and unread readers chased by the deadline sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalUser } from '../../infra/local/users.js';
import { makePdf, startHarness, type Harness } from './harness.js';

const READERS: LocalUser[] = Array.from({ length: 200 }, (_, i) => {
  const n = String(i + 1).padStart(3, '0');
  return { username: `reader${n}`, name: `阅件人${n}`, groups: ['staff'], department: 'SCJSK', clearance: '非密' };
});

let h: Harness;
let plainDoc: string;
let secretDoc: string;

beforeAll(async () => {
  // Wednesday 2 December 2026, 10:00 Beijing time.
  process.env.CHANCERY_FIXED_TIME = '2026-12-02T02:00:00Z';
  h = await startHarness({ watchInbox: false, extraUsers: READERS });
  await h.upload('关于开展冬季安全生产大检查的通知.pdf', await makePdf('one'));
  await h.local.settle();
  await h.upload('关于机密文件管理的通知.pdf', await makePdf('two'), { secrecy: 'confidential' });
  await h.local.settle();
  const entries = (await h.api('zhaomin', 'GET', '/registers/incoming')).body.items as any[];
  plainDoc = entries.find((e) => e.secrecy === '非密').docId;
  secretDoc = entries.find((e) => e.secrecy === '秘密').docId;
}, 120_000);
afterAll(async () => {
  await h?.close();
  delete process.env.CHANCERY_FIXED_TIME;
});

const box = async (user: string, which: string) => (await h.api(user, 'GET', `/documents?box=${which}&limit=200`)).body.items as any[];

describe('传阅 to 200 readers', () => {
  it('refuses people who may not circulate, and bad reader lists', async () => {
    const staff = await h.api('liuyang', 'POST', `/documents/${plainDoc}/circulate`, { readers: ['reader001'] });
    expect(staff.status).toBe(403);
    expect(staff.body.message).toContain('无权传阅');
    const unknown = await h.api('wangfang', 'POST', `/documents/${plainDoc}/circulate`, { readers: ['reader001', 'ghost1', 'ghost2'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('ghost1、ghost2');
    const twice = await h.api('wangfang', 'POST', `/documents/${plainDoc}/circulate`, { readers: ['reader001', 'reader001'] });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toContain('重复');
    const badOrder = await h.api('wangfang', 'POST', `/documents/${plainDoc}/circulate`, { readers: ['reader001'], order: 'random' });
    expect(badOrder.status).toBe(400);
    expect(badOrder.body.message).toContain('parallel');
  });

  it('gives every one of 200 readers a 待阅 item', async () => {
    const res = await h.api('wangfang', 'POST', `/documents/${plainDoc}/circulate`, { readers: READERS.map((r) => r.username), order: 'parallel', note: '请各位阅知' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ readers: 200, order: 'parallel' });
    for (const r of READERS) {
      const items = await box(r.username, 'toread');
      expect(items.map((i) => [i.docId, i.status]), r.username).toEqual([[plainDoc, 'toread']]);
    }
    expect(items0(await box('reader001', 'toread'))).toMatchObject({ title: '关于开展冬季安全生产大检查的通知', circulatedByName: '王芳', note: '请各位阅知' });
    // A read item never holds the route: the 拟办 is still the director's, as before.
    expect((await h.api('liqiang', 'GET', '/tasks')).body.items.some((t: any) => t.docId === plainDoc)).toBe(true);
  });

  it('marks each reader 已阅 with an optional opinion, on the slip and in the timeline', async () => {
    for (const [i, r] of READERS.entries()) {
      const res = await h.api(r.username, 'POST', `/documents/${plainDoc}/read`, i === 0 ? { opinion: '已阅，同意' } : {});
      expect(res.status, `${r.username}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    for (const r of READERS) {
      expect(await box(r.username, 'toread'), r.username).toEqual([]);
      expect((await box(r.username, 'read')).map((i) => i.docId), r.username).toEqual([plainDoc]);
    }
    const again = await h.api('reader001', 'POST', `/documents/${plainDoc}/read`, {});
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('阅过');
    const stranger = await h.api('liuyang', 'POST', `/documents/${plainDoc}/read`, {});
    expect(stranger.status).toBe(404);
    expect(stranger.body.message).toContain('没有传阅给您');

    const doc = (await h.api('wangfang', 'GET', `/documents/${plainDoc}`)).body;
    const reads = doc.slip.filter((l: any) => l.stepName === '阅');
    expect(reads).toHaveLength(200);
    expect(reads[0]).toMatchObject({ actorName: '阅件人001', opinion: '已阅，同意' });
    expect(reads[1]).toMatchObject({ actorName: '阅件人002', opinion: '已阅' });
    const circulated = doc.slip.find((l: any) => l.stepName === '传阅');
    expect(circulated.details).toContainEqual({ label: '传阅方式', value: '同时传阅' });
    expect(doc.timeline.filter((e: any) => e.action === 'document.circulated')).toEqual([
      expect.objectContaining({ actor: 'wangfang', details: expect.objectContaining({ readerCount: 200 }) }),
    ]);
    expect(doc.timeline.filter((e: any) => e.action === 'document.read')).toHaveLength(200);
    expect(doc.audit.verification).toEqual({ ok: true });
  }, 120_000);
});

const items0 = (items: any[]) => items[0];

describe('传阅 in rank order, classified', () => {
  it('refuses readers not cleared for the 密级, naming them', async () => {
    const res = await h.api('zhaomin', 'POST', `/documents/${secretDoc}/circulate`, { readers: ['sunwei', 'reader007', 'liuyang'], order: 'rank' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('秘密');
    expect(res.body.message).toContain('阅件人007（reader007，非密）');
    expect(res.body.message).toContain('刘洋（liuyang，非密）');
    expect(res.body.message).not.toContain('孙伟');
    // Nobody not cleared may circulate it either (王芳 is; 周杰 holds no circulating role).
    expect((await h.api('zhoujie', 'POST', `/documents/${secretDoc}/circulate`, { readers: ['sunwei'] })).status).toBe(403);
  });

  it('opens only the next reader’s item until the previous one has read', async () => {
    const res = await h.api('zhaomin', 'POST', `/documents/${secretDoc}/circulate`, { readers: ['sunwei', 'liqiang', 'zhoujie'], order: 'rank', note: '请依次阅' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await box('sunwei', 'toread')).map((i) => i.docId)).toEqual([secretDoc]);
    expect(await box('liqiang', 'toread')).toEqual([]);
    const early = await h.api('liqiang', 'POST', `/documents/${secretDoc}/read`, {});
    expect(early.status).toBe(409);
    expect(early.body.message).toContain('请待 孙伟 阅后再阅');

    // Each reads a minute after the previous (the slip is in time order).
    process.env.CHANCERY_FIXED_TIME = '2026-12-02T02:10:00Z';
    const first = await h.api('sunwei', 'POST', `/documents/${secretDoc}/read`, { opinion: '请李强阅后转周杰' });
    expect(first.body).toMatchObject({ status: 'read', nextReader: 'liqiang' });
    expect((await box('liqiang', 'toread')).map((i) => i.docId)).toEqual([secretDoc]);
    expect(await box('zhoujie', 'toread')).toEqual([]);
    process.env.CHANCERY_FIXED_TIME = '2026-12-02T02:11:00Z';
    expect((await h.api('liqiang', 'POST', `/documents/${secretDoc}/read`, {})).status).toBe(200);
    process.env.CHANCERY_FIXED_TIME = '2026-12-02T02:12:00Z';
    expect((await h.api('zhoujie', 'POST', `/documents/${secretDoc}/read`, { opinion: '已阅，按要求落实' })).status).toBe(200);
    expect((await box('zhoujie', 'read')).map((i) => i.docId)).toEqual([secretDoc]);

    const doc = (await h.api('zhaomin', 'GET', `/documents/${secretDoc}`)).body;
    expect(doc.slip.filter((l: any) => l.stepName === '阅').map((l: any) => [l.actorName, l.opinion])).toEqual([
      ['孙伟', '请李强阅后转周杰'],
      ['李强', '已阅'],
      ['周杰', '已阅，按要求落实'],
    ]);
    expect(doc.audit.verification).toEqual({ ok: true });
  });
});

describe('催阅: unread readers chased by the deadline sweep', () => {
  it('chases a reader still unread two working days after the item opened, once', async () => {
    const res = await h.api('wangfang', 'POST', `/documents/${plainDoc}/circulate`, { readers: ['zhaomin', 'sunwei'], note: '请阅' });
    expect(res.status).toBe(200);
    expect((await h.api('sunwei', 'POST', `/documents/${plainDoc}/read`, {})).status).toBe(200);
    const sweep = (iso: string) => h.local.fireSchedule('deadline-sweep', new Date(iso)) as Promise<{ readersChased: number }>;
    // Opened Wed 2 Dec 10:00: due Fri 4 Dec 17:30 (two working days).
    expect(await sweep('2026-12-04T09:00:00Z')).toMatchObject({ readersChased: 0 });
    expect(await sweep('2026-12-04T09:31:00Z')).toMatchObject({ readersChased: 1 });
    expect(await sweep('2026-12-07T09:31:00Z')).toMatchObject({ readersChased: 0 });
    const register = (await h.api('wangfang', 'GET', '/registers/chasing?year=2026')).body.items as any[];
    expect(register.filter((e) => e.kind === '催阅').map((e) => [e.kind, e.reader, e.docId])).toEqual([['催阅', 'zhaomin', plainDoc]]);
    const notes = (await h.api('zhaomin', 'GET', '/me/notifications')).body.items;
    // Told of the circulation when it opened, chased once since.
    expect(notes).toEqual([expect.objectContaining({ kind: '催阅', docId: plainDoc }), expect.objectContaining({ kind: '传阅', docId: plainDoc })]);
    // Still 待阅 until read.
    expect((await box('zhaomin', 'toread')).map((i) => i.docId)).toEqual([plainDoc]);
  });
});
