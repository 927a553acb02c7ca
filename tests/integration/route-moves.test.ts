/**
 * Leaving a step other than forward, against the real local services: 退回 to an earlier step and
 * then 重走 (through the steps again) or 直送 (straight back), 撤回 by the previous decider while
 * the next step has not acted, 撤销 of an internal document by its requester — each on the slip,
 * in the audit trail, and the route going where it should.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

let scans = 0;
async function newDocument(): Promise<string> {
  const name = `退回测试-${++scans}.pdf`;
  await h.upload(name, await makePdf(`return ${scans}`));
  await h.local.settle();
  return (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items.find((e: any) => e.scanKey === `scans/${name}`).docId;
}
const openTaskOf = async (user: string, docId: string) => ((await h.api(user, 'GET', '/tasks?limit=200')).body.items as any[]).find((t) => t.docId === docId);
const doc = async (docId: string) => (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;

describe('退回', () => {
  it('the deputy returns to 拟办; the director sends it straight back (直送), skipping 阅批', async () => {
    const docId = await newDocument();
    await decideNext(h, 'liqiang', docId, { opinion: '请财务科办理', department: 'CWK' });
    await decideNext(h, 'zhaomin', docId, { opinion: '同意' });
    const deputy = await openTaskOf('sunwei', docId);
    const returned = await h.api('sunwei', 'POST', `/tasks/${deputy.taskId}/return`, { to: 'propose', reason: '承办科室应为生产技术科，请重新拟办' });
    expect(returned.status, JSON.stringify(returned.body)).toBe(200);
    await h.local.settle();

    const again = await openTaskOf('liqiang', docId);
    expect(again).toMatchObject({ step: 'propose', returnedFrom: { step: 'deputyHandle', stepName: '阅处', byName: '孙伟', reason: '承办科室应为生产技术科，请重新拟办' } });
    await decideNext(h, 'liqiang', docId, { opinion: '改由生产技术科办理', department: 'SCJSK', resume: 'direct' });
    // Straight back to the deputy: no second 阅批 task for the main leader.
    expect(await openTaskOf('zhaomin', docId)).toBeUndefined();
    expect((await openTaskOf('sunwei', docId)).step).toBe('deputyHandle');
    // The re-decided department counts: 生产技术科 handles it, not 财务科.
    await decideNext(h, 'sunwei', docId, { opinion: '请生产技术科办理' });
    expect((await openTaskOf('zhoujie', docId)).step).toBe('departmentHandle');
    expect(await openTaskOf('chenjing', docId)).toBeUndefined();

    const d = await doc(docId);
    const lines = d.slip.map((l: any) => [l.stepName, l.details.map((x: any) => `${x.label}:${x.value}`).join(',')]);
    expect(lines).toContainEqual(['阅处', '退回至:拟办']);
    expect(lines.find(([name, details]: string[]) => name === '拟办' && details.includes('直送'))).toBeDefined();
    const actions = d.tasks.map((t: any) => t.step);
    expect(actions.filter((s: string) => s === 'instruct')).toHaveLength(1);
    expect(d.audit.verification.ok).toBe(true);
  });

  it('the main leader returns to 拟办; the director walks the steps again (重走)', async () => {
    const docId = await newDocument();
    await decideNext(h, 'liqiang', docId, { opinion: '请财务科办理', department: 'CWK' });
    const instruct = await openTaskOf('zhaomin', docId);
    expect((await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/return`, { to: 'propose', reason: '请补充办理期限' })).status).toBe(200);
    await h.local.settle();
    await decideNext(h, 'liqiang', docId, { opinion: '请财务科于月底前办理', department: 'CWK', resume: 'rewalk' });
    expect((await openTaskOf('zhaomin', docId)).step).toBe('instruct');
  });

  it('refuses a return to a step not yet taken, by someone else, or a resume on a task nobody returned', async () => {
    const docId = await newDocument();
    const propose = await openTaskOf('liqiang', docId);
    const first = await h.api('liqiang', 'POST', `/tasks/${propose.taskId}/return`, { to: 'propose', reason: 'x' });
    expect(first.status).toBe(400);
    expect(first.body.message).toContain('第一步');
    await decideNext(h, 'liqiang', docId, { opinion: '请办理', department: 'SCJSK' });
    const instruct = await openTaskOf('zhaomin', docId);
    const ahead = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/return`, { to: 'file', reason: 'x' });
    expect(ahead.status).toBe(400);
    expect(ahead.body.message).toContain('propose（拟办）');
    expect((await h.api('sunwei', 'POST', `/tasks/${instruct.taskId}/return`, { to: 'propose', reason: 'x' })).status).toBe(403);
    expect((await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/return`, { to: 'propose' })).body.message).toContain('理由');
    const resume = await h.api('zhaomin', 'POST', `/tasks/${instruct.taskId}/decision`, { opinion: '同意', resume: 'direct' });
    expect(resume.status).toBe(400);
    expect(resume.body.message).toContain('不是退回件');
  });
});

describe('撤回', () => {
  it('the director takes back his proposal while the main leader has not acted', async () => {
    const docId = await newDocument();
    const { task: mine } = await decideNext(h, 'liqiang', docId, { opinion: '请财务科办理', department: 'CWK' });
    expect((await openTaskOf('zhaomin', docId)).step).toBe('instruct');
    const recalled = await h.api('liqiang', 'POST', `/tasks/${mine.taskId}/recall`, { reason: '科室填错了' });
    expect(recalled.status, JSON.stringify(recalled.body)).toBe(200);
    await h.local.settle();
    expect(await openTaskOf('zhaomin', docId)).toBeUndefined();
    expect((await openTaskOf('liqiang', docId)).step).toBe('propose');
    const d = await doc(docId);
    expect(d.tasks.find((t: any) => t.step === 'instruct').status).toBe('recalled');
    expect(d.slip.some((l: any) => l.details.some((x: any) => x.label === '撤回'))).toBe(true);
    expect(d.audit.verification.ok).toBe(true);
  });

  it('is refused once the next step has acted, and to anyone but the decider', async () => {
    const docId = await newDocument();
    const { task: mine } = await decideNext(h, 'liqiang', docId, { opinion: '请办理', department: 'SCJSK' });
    expect((await h.api('zhaomin', 'POST', `/tasks/${mine.taskId}/recall`, {})).status).toBe(403);
    await decideNext(h, 'zhaomin', docId, { opinion: '同意' });
    const late = await h.api('liqiang', 'POST', `/tasks/${mine.taskId}/recall`, {});
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('下一步已办理');
  });
});

describe('撤销', () => {
  it('the requester withdraws a request before anyone decides it; the route ends', async () => {
    const submitted = await h.api('liuyang', 'POST', '/documents', { route: 'request-general', title: '关于借用会议室的请示', content: '拟借用三楼会议室。' });
    const docId = submitted.body.docId;
    await h.local.settle();
    expect((await openTaskOf('sunwei', docId)).step).toBe('deputyDecide');
    expect((await h.api('sunwei', 'POST', `/documents/${docId}/withdraw`, {})).status).toBe(403);
    const withdrawn = await h.api('liuyang', 'POST', `/documents/${docId}/withdraw`, { reason: '会议改期' });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    await h.local.settle();
    expect(await openTaskOf('sunwei', docId)).toBeUndefined();
    const d = (await h.api('liuyang', 'GET', `/documents/${docId}`)).body;
    expect(d.document.status).toBe('withdrawn');
    expect(d.slip.map((l: any) => l.stepName)).toContain('撤销');
    expect(d.audit.verification.ok).toBe(true);
    expect((await h.api('liuyang', 'POST', `/documents/${docId}/withdraw`, {})).status).toBe(409);
  });
});
