/**
 * The registration desk against the real local services: a scan numbered on arrival waits on the
 * desk until the clerk completes its entry (within half a working day); the clerk confirms or
 * changes the route, or returns the document to its sender (退文) at 初审.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

let n = 0;
async function arrive(metadata?: Record<string, string>): Promise<any> {
  const name = `登记台来文-${++n}.pdf`;
  await h.upload(name, await makePdf(`desk ${n}`), metadata);
  await h.local.settle();
  return (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items.find((e: any) => e.scanKey === `scans/${name}`);
}
const form = (route = 'superior-key') => ({ sender: '市应急管理局', sourceNumber: '应急〔2026〕12号', title: '关于做好冬季安全生产工作的通知', secrecy: '非密', urgency: '加急', copies: 2, pages: 5, receiptMethod: '邮寄', route });
const desk = async () => (await h.api('wangfang', 'GET', '/registration-desk?limit=200')).body.items as any[];
const tasksOf = async (user: string, docId: string) => ((await h.api(user, 'GET', '/tasks?limit=200')).body.items as any[]).filter((t) => t.docId === docId);

describe('登记', () => {
  it('waits on the desk, due within half a working day, until the clerk completes the entry', async () => {
    const entry = await arrive();
    const waiting = (await desk()).find((d) => d.docId === entry.docId);
    expect(waiting).toMatchObject({ registerNumber: entry.number });
    expect(Date.parse(waiting.dueAt) - Date.parse(entry.receivedAt)).toBeLessThanOrEqual(2 * 24 * 3600_000 + 12 * 3600_000);

    const done = await h.api('wangfang', 'PUT', `/documents/${entry.docId}/registration`, form());
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect((await desk()).some((d) => d.docId === entry.docId)).toBe(false);
    const row = (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items.find((e: any) => e.docId === entry.docId);
    expect(row).toMatchObject({ sender: '市应急管理局', sourceNumber: '应急〔2026〕12号', copies: '2', pages: '5', receiptMethod: '邮寄', title: '关于做好冬季安全生产工作的通知', urgency: '加急' });
    // The waiting 拟办 shows what the clerk registered.
    expect((await tasksOf('liqiang', entry.docId))[0]).toMatchObject({ title: '关于做好冬季安全生产工作的通知', urgency: '加急' });
    const doc = (await h.api('wangfang', 'GET', `/documents/${entry.docId}`)).body;
    expect(doc.document.registration).toMatchObject({ copies: 2, pages: 5, receiptMethod: '邮寄', completedBy: 'wangfang' });
    expect(doc.audit.verification.ok).toBe(true);
  });

  it('a changed route ends the first and starts the chosen one', async () => {
    const entry = await arrive();
    const before = await tasksOf('liqiang', entry.docId);
    expect(before).toHaveLength(1);
    expect((await h.api('wangfang', 'PUT', `/documents/${entry.docId}/registration`, form('publicity'))).status).toBe(200);
    await h.local.settle();
    const after = await tasksOf('liqiang', entry.docId);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ route: 'publicity', step: 'propose' });
    expect(after[0].taskId).not.toBe(before[0].taskId);
    await decideNext(h, 'liqiang', entry.docId, { opinion: '请财务科处理', department: 'CWK' });
    expect((await tasksOf('chenjing', entry.docId))[0].step).toBe('departmentHandle');
    const doc = (await h.api('wangfang', 'GET', `/documents/${entry.docId}`)).body;
    expect(doc.document.route).toBe('publicity');
    expect(doc.tasks.find((t: any) => t.taskId === before[0].taskId).status).toBe('withdrawn');
  });

  it('refuses what a desk would get wrong, in Chinese', async () => {
    const entry = await arrive();
    expect((await h.api('liuyang', 'PUT', `/documents/${entry.docId}/registration`, form())).status).toBe(403);
    const bad = await h.api('wangfang', 'PUT', `/documents/${entry.docId}/registration`, { ...form(), copies: 0, receiptMethod: '飞鸽' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('份数');
    expect(bad.body.message).toContain('收文方式');
    expect((await h.api('wangfang', 'PUT', `/documents/${entry.docId}/registration`, form('request-general'))).body.message).toContain('来文流程');
    expect((await h.api('wangfang', 'PUT', `/documents/${entry.docId}/registration`, { ...form(), secrecy: '绝密' })).status).toBe(403);
    await decideNext(h, 'liqiang', entry.docId, { opinion: '请办理', department: 'SCJSK' });
    const late = await h.api('wangfang', 'PUT', `/documents/${entry.docId}/registration`, form());
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('已有办理意见');
  });
});

describe('退文', () => {
  it('returns a document to its sender with a reason: recorded, off the desk, the route ended', async () => {
    const entry = await arrive();
    const res = await h.api('wangfang', 'POST', `/documents/${entry.docId}/return-to-sender`, { reason: '非本单位收文，请径送市局' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await h.local.settle();
    expect(await tasksOf('liqiang', entry.docId)).toHaveLength(0);
    expect((await desk()).some((d) => d.docId === entry.docId)).toBe(false);
    const returns = (await h.api('wangfang', 'GET', '/registers/returns')).body;
    expect(returns.name).toBe('退文登记簿');
    expect(returns.items.find((r: any) => r.docId === entry.docId)).toMatchObject({ registerNumber: entry.number, reason: '非本单位收文，请径送市局', returnedByName: '王芳' });
    const doc = (await h.api('wangfang', 'GET', `/documents/${entry.docId}`)).body;
    expect(doc.document.status).toBe('returned-to-sender');
    expect(doc.audit.verification.ok).toBe(true);
    expect((await h.api('wangfang', 'POST', `/documents/${entry.docId}/return-to-sender`, { reason: 'again' })).status).toBe(409);
    expect((await h.api('wangfang', 'POST', `/documents/${entry.docId}/return-to-sender`, {})).body.message).toContain('理由');
  });
});
