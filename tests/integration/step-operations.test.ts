/**
 * Operations allowed per step, by the route module, against the real local services: GET /routes
 * lists what each step allows (the console's buttons), and every operation endpoint refuses one
 * the step does not allow with a 409 naming the step — while the holder-and-person rules stay 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let docId: string;

const openTaskOf = async (user: string) => ((await h.api(user, 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId);

beforeAll(async () => {
  h = await startHarness({ watchInbox: false });
  await h.upload('关于开展消防安全检查的通知.pdf', await makePdf('operations'));
  await h.local.settle();
  docId = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items[0].docId;
  await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
}, 120_000);
afterAll(async () => h?.close());

describe('GET /routes lists each step’s operations', () => {
  it('as the route modules allow them, with the late policy', async () => {
    const res = await h.api('liuyang', 'GET', '/routes');
    expect(res.status).toBe(200);
    const route = (id: string) => res.body.items.find((r: any) => r.id === id);
    const ops = (r: string, s: string) => route(r).steps.find((x: any) => x.id === s).operations.map((o: any) => o.id);
    expect(ops('superior-key', 'instruct')).toEqual(['decide', 'return', 'transfer', 'circulate', 'chase', 'recall']);
    expect(ops('superior-key', 'deputyHandle')).toEqual(['decide', 'return', 'circulate', 'chase', 'recall']);
    expect(ops('superior-key', 'departmentHandle')).toEqual(['decide', 'return', 'transfer', 'progress', 'extension', 'circulate', 'chase', 'recall']);
    expect(ops('superior-key', 'file')).toEqual(['decide', 'return', 'transfer', 'chase']);
    const file = route('superior-key').steps.find((s: any) => s.id === 'file');
    expect(file.returnTo).toEqual(['departmentHandle']);
    const note = route('report-general').steps.find((s: any) => s.id === 'departmentNote');
    expect(note.afterDeadline).toEqual({ skip: { afterWorkingDays: 3 }, text: '逾期 3 个工作日仍未办理则超时跳过，流程转下一步' });
    expect(route('superior-key').steps.find((s: any) => s.id === 'instruct').afterDeadline).toMatchObject({ remind: { times: 3, everyWorkingDays: 1 } });
  });
});

describe('each endpoint refuses an operation its step does not allow', () => {
  it('阅批: no 延期申请 or 办理反馈 (a reading has no handling to report)', async () => {
    const instruct = await openTaskOf('zhaomin');
    const ext = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/extension`, { until: '2030-01-01', reason: '出差' });
    expect(ext.status).toBe(409);
    expect(ext.body.message).toBe('「阅批」步骤不能延期申请');
    const progress = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/progress`, { note: '正在研究' });
    expect(progress.status).toBe(409);
    expect(progress.body.message).toBe('「阅批」步骤不能办理反馈');
    // Someone else's task is still about the person: 403.
    expect((await h.api('zhoujie', 'POST', `/tasks/${instruct.taskId}/progress`, { note: 'x' })).status).toBe(403);
    await decideNext(h, 'zhaomin', docId, { opinion: '请孙伟同志负责', deputy: 'sunwei' });
  });

  it('阅处: the leader named the deputy, so no 转办', async () => {
    const task = await openTaskOf('sunwei');
    const res = await h.api('sunwei', 'POST', `/tasks/${task.taskId}/transfer`, { to: 'zhaomin', reason: '出差' });
    expect(res.status).toBe(409);
    expect(res.body.message).toBe('「阅处」步骤不能转办');
    await decideNext(h, 'sunwei', docId, { opinion: '请生产技术科抓紧办理' });
    await decideNext(h, 'zhoujie', docId, { opinion: '已检查整改' });
  });

  it('立卷归档: no 传阅, 办理反馈 or 撤回; 退回 only to 阅办', async () => {
    const file = await openTaskOf('wangfang');
    expect(file.step).toBe('file');
    const circulate = await h.api('wangfang', 'POST', `/documents/${docId}/circulate`, { readers: ['sunwei'] });
    expect(circulate.status).toBe(409);
    expect(circulate.body.message).toBe('「立卷归档」步骤不能传阅');
    const progress = await h.api('wangfang', 'POST', `/tasks/${file.taskId}/progress`, { note: 'x' });
    expect(progress.body.message).toBe('「立卷归档」步骤不能办理反馈');
    const back = await h.api('wangfang', 'POST', `/tasks/${file.taskId}/return`, { to: 'propose', reason: '重新拟办' });
    expect(back.status).toBe(400);
    expect(back.body.message).toBe('只能退回到已办理的前面步骤：departmentHandle（阅办）');
    // 催办 is allowed here.
    expect((await h.api('liqiang', 'POST', `/tasks/${file.taskId}/chase`, { note: '请尽快归档' })).status).toBe(200);

    await decideNext(h, 'wangfang', docId, { retention: 'D10' });
    const recall = await h.api('wangfang', 'POST', `/tasks/${file.taskId}/recall`, {});
    expect(recall.status).toBe(409);
    expect(recall.body.message).toBe('「立卷归档」步骤不能撤回');
    const doc = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
    expect(doc.document.status).toBe('filed');
    expect(doc.audit.verification).toEqual({ ok: true });
  });
});
