/**
 * Several signers on one step, against the real local services: 拟办 of a 重要请示 names deputies
 * to sign 分管领导阅示 together — 会签 (all must agree), 或签 (any one), 票签 (a ratio), 依次 (in
 * order) — and 加签/减签 change the signers while the step is open. The route waits on one task
 * and goes on once the rule settles it; each signature, the result, 加签 and 减签 are on the slip
 * and in the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ watchInbox: false });
});
afterAll(async () => h?.close());

let n = 0;
async function proposed(countersign: Record<string, unknown>): Promise<string> {
  const res = await h.api('liuyang', 'POST', '/documents', { route: 'request-important', title: `关于跨部门协作事项的请示（${++n}）`, content: '请领导审定。' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await h.local.settle();
  await decideNext(h, 'liqiang', res.body.docId, { opinion: '拟请分管领导会签', countersign });
  return res.body.docId;
}
const taskOf = async (user: string, docId: string) => ((await h.api(user, 'GET', '/tasks?limit=200')).body.items as any[]).find((t) => t.docId === docId);
const sign = async (user: string, docId: string, body: Record<string, unknown>) => {
  const task = await taskOf(user, docId);
  expect(task, `${user} should have a signing task`).toBeDefined();
  const res = await h.api(user, 'POST', `/tasks/${task.taskId}/decision`, body);
  await h.local.settle();
  return res;
};
const docOf = async (docId: string) => (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
const details = (doc: any) => doc.slip.flatMap((l: any) => l.details.map((d: any) => `${l.actorName}|${d.label}|${d.value}`));

describe('会签 (all must agree)', () => {
  it('both deputies sign, then the main leader decides; the slip shows each signature and the result', async () => {
    const docId = await proposed({ mode: 'all', signers: ['sunwei', 'gaofeng'] });
    const mine = await taskOf('sunwei', docId);
    expect(mine).toMatchObject({ step: 'deputyInstruct', stepName: '分管领导阅示（会签）', assignment: { role: 'deputy-leader', username: 'sunwei' } });
    expect(await taskOf('gaofeng', docId)).toMatchObject({ stepName: '分管领导阅示（会签）' });
    // Named signers only: another deputy sees nothing of it.
    expect(await taskOf('hexin', docId)).toBeUndefined();

    const first = await sign('sunwei', docId, { opinion: '同意，涉及生产部分由我牵头' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ agree: true, stepSettled: false });
    expect(await taskOf('zhaomin', docId)).toBeUndefined();
    // 在办跟踪: the proposer sees who still has to sign, not the step task behind them.
    const tracked = (await h.api('liqiang', 'GET', '/documents?box=tracking')).body.items.find((d: any) => d.docId === docId);
    expect(tracked.currentSteps.map((s: any) => s.holder)).toEqual(['gaofeng']);

    const second = await sign('gaofeng', docId, { opinion: '同意，经费由财务统筹', agree: true });
    expect(second.body).toMatchObject({ stepSettled: true, passed: true, result: '通过（同意 2、不同意 0 / 共 2 人）', routeNotified: true });
    expect(await taskOf('zhaomin', docId)).toMatchObject({ step: 'leaderDecide' });

    const doc = await docOf(docId);
    expect(details(doc)).toEqual(expect.arrayContaining(['李强|会签|孙伟、高峰（须全部同意）', '孙伟|会签|同意', '高峰|会签|同意', '高峰|会签结果|通过（同意 2、不同意 0 / 共 2 人）']));
    const step = doc.tasks.find((t: any) => t.step === 'deputyInstruct' && !t.signOf);
    expect(step.status).toBe('decided');
    expect(step.signing.signers.map((s: any) => [s.username, s.status, s.agree])).toEqual([['sunwei', 'signed', true], ['gaofeng', 'signed', true]]);
    expect(doc.timeline.filter((e: any) => e.action === 'task.signed')).toHaveLength(2);
    expect(doc.timeline.find((e: any) => e.action === 'task.signed' && e.details.settled)).toMatchObject({ details: { passed: true, settled: '通过（同意 2、不同意 0 / 共 2 人）' } });
    expect(doc.audit.verification.ok).toBe(true);
  });

  it('one disagreement settles it as not passed; the other signer is no longer asked', async () => {
    const docId = await proposed({ mode: 'all', signers: ['sunwei', 'gaofeng'] });
    const res = await sign('gaofeng', docId, { opinion: '预算不足，不同意', agree: false });
    expect(res.body).toMatchObject({ stepSettled: true, passed: false });
    expect(await taskOf('sunwei', docId)).toBeUndefined();
    expect(await taskOf('zhaomin', docId)).toMatchObject({ step: 'leaderDecide' });
    const doc = await docOf(docId);
    expect(details(doc)).toContain('高峰|会签结果|未通过（同意 0、不同意 1 / 共 2 人）');
    expect(doc.tasks.find((t: any) => t.signOf && t.assignment.username === 'sunwei').status).toBe('closed');
  });

  it('refuses a vote that is not true/false, and deciding the step task itself', async () => {
    const docId = await proposed({ mode: 'all', signers: ['sunwei', 'gaofeng'] });
    const mine = await taskOf('sunwei', docId);
    const bad = await h.api('sunwei', 'POST', `/tasks/${mine.taskId}/decision`, { opinion: '同意', agree: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('agree');
    const stepTask = (await docOf(docId)).tasks.find((t: any) => t.step === 'deputyInstruct' && !t.signOf);
    const direct = await h.api('sunwei', 'POST', `/tasks/${stepTask.taskId}/decision`, { opinion: '同意' });
    expect(direct.status).toBe(409);
    expect(direct.body.message).toContain('多人签署');
    const transfer = await h.api('sunwei', 'POST', `/tasks/${mine.taskId}/transfer`, { to: 'hexin', reason: '出差' });
    expect(transfer.status).toBe(409);
    const back = await h.api('sunwei', 'POST', `/tasks/${mine.taskId}/return`, { to: 'propose', reason: '请重拟' });
    expect(back.status).toBe(409);
  });

  it('three signing at the same moment: every signature counts once and the step settles once', async () => {
    const docId = await proposed({ mode: 'all', signers: ['sunwei', 'gaofeng', 'hexin'] });
    const tasks = await Promise.all(['sunwei', 'gaofeng', 'hexin'].map((u) => taskOf(u, docId)));
    const results = await Promise.all(tasks.map((t) => h.api(t.assignment.username, 'POST', `/tasks/${t.taskId}/decision`, { opinion: '同意' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.filter((r) => r.body.stepSettled)).toHaveLength(1);
    await h.local.settle();
    expect(await taskOf('zhaomin', docId)).toMatchObject({ step: 'leaderDecide' });
    const doc = await docOf(docId);
    expect(doc.tasks.find((t: any) => t.step === 'deputyInstruct' && !t.signOf).signing.signers.every((s: any) => s.status === 'signed')).toBe(true);
    expect(doc.tasks.filter((t: any) => t.step === 'leaderDecide')).toHaveLength(1);
    expect(doc.audit.verification.ok).toBe(true);
  });
});

describe('或签, 票签, 依次', () => {
  it('或签: the first signature settles the step', async () => {
    const docId = await proposed({ mode: 'any', signers: ['sunwei', 'gaofeng'] });
    const res = await sign('gaofeng', docId, { opinion: '同意' });
    expect(res.body).toMatchObject({ stepSettled: true, passed: true, result: '通过（同意 1、不同意 0 / 共 2 人）' });
    expect(await taskOf('sunwei', docId)).toBeUndefined();
    expect(await taskOf('zhaomin', docId)).toBeDefined();
  });

  it('票签 at 0.6 of three: two agreeing pass it, whatever the order of a disagreement', async () => {
    const docId = await proposed({ mode: 'ratio', ratio: 0.6, signers: ['sunwei', 'gaofeng', 'hexin'] });
    expect((await sign('sunwei', docId, { opinion: '同意' })).body.stepSettled).toBe(false);
    expect((await sign('gaofeng', docId, { opinion: '不同意', agree: false })).body.stepSettled).toBe(false);
    const last = await sign('hexin', docId, { opinion: '同意' });
    expect(last.body).toMatchObject({ stepSettled: true, passed: true, result: '通过（同意 2、不同意 1 / 共 3 人，须 2 人同意）' });
  });

  it('票签 fails as soon as the ratio can no longer be reached', async () => {
    const docId = await proposed({ mode: 'ratio', ratio: 1, signers: ['sunwei', 'gaofeng', 'hexin'] });
    const res = await sign('hexin', docId, { opinion: '不同意', agree: false });
    expect(res.body).toMatchObject({ stepSettled: true, passed: false });
    expect(await taskOf('sunwei', docId)).toBeUndefined();
  });

  it('依次: the second signer is asked only after the first has signed', async () => {
    const docId = await proposed({ mode: 'sequence', signers: ['gaofeng', 'sunwei'] });
    expect(await taskOf('sunwei', docId)).toBeUndefined();
    const waiting = (await docOf(docId)).tasks.find((t: any) => t.signOf && t.assignment.username === 'sunwei');
    expect(waiting.status).toBe('waiting');
    const early = await h.api('sunwei', 'POST', `/tasks/${waiting.taskId}/decision`, { opinion: '同意' });
    expect(early.status).toBe(409);
    expect(early.body.message).toContain('还未轮到');
    const toldOf = async (who: string) => (await h.api(who, 'GET', '/me/notifications')).body.items.filter((n: any) => n.docId === docId && n.kind === '待办');
    // Told when the turn comes (待办), not before.
    expect(await toldOf('sunwei')).toEqual([]);
    await sign('gaofeng', docId, { opinion: '同意' });
    const turn = await taskOf('sunwei', docId);
    expect(turn).toMatchObject({ stepName: '分管领导阅示（依次审批）' });
    expect(await toldOf('sunwei')).toEqual([expect.objectContaining({ taskId: turn.taskId, stepName: '分管领导阅示（依次审批）' })]);
    const last = await sign('sunwei', docId, { opinion: '同意' });
    expect(last.body).toMatchObject({ stepSettled: true, passed: true });
  });
});

describe('加签 and 减签', () => {
  it('前加签 in a 会签: the added deputy signs first while the adder waits; then the step settles with three', async () => {
    const docId = await proposed({ mode: 'all', signers: ['sunwei', 'gaofeng'] });
    const mine = await taskOf('sunwei', docId);
    const added = await h.api('sunwei', 'POST', `/tasks/${mine.taskId}/signers`, { username: 'hexin', position: 'before', reason: '涉及何欣同志分管的安全工作' });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(await taskOf('sunwei', docId)).toBeUndefined();
    const hexin = await taskOf('hexin', docId);
    expect(hexin).toMatchObject({ stepName: '分管领导阅示（会签）' });
    // The added signer is told, by whom and why.
    const told = (await h.api('hexin', 'GET', '/me/notifications')).body.items.filter((n: any) => n.docId === docId);
    expect(told).toEqual([expect.objectContaining({ kind: '待办', taskId: hexin.taskId, from: 'sunwei', note: '孙伟加签，请签署：涉及何欣同志分管的安全工作' })]);
    // Twice the same person is refused.
    const again = await h.api('gaofeng', 'POST', `/tasks/${(await taskOf('gaofeng', docId)).taskId}/signers`, { username: 'hexin' });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('已在签署人员中');

    await sign('hexin', docId, { opinion: '安全方面无意见' });
    expect(await taskOf('sunwei', docId)).toBeDefined();
    await sign('sunwei', docId, { opinion: '同意' });
    const last = await sign('gaofeng', docId, { opinion: '同意' });
    expect(last.body).toMatchObject({ stepSettled: true, result: '通过（同意 3、不同意 0 / 共 3 人）' });
    const doc = await docOf(docId);
    expect(details(doc)).toContain('孙伟|加签|何欣（先于本人签署）');
    expect(doc.timeline.map((e: any) => e.action)).toContain('task.signer-added');
    expect(doc.audit.verification.ok).toBe(true);
  });

  it('后加签 in 依次: the added signer comes right after the adder', async () => {
    const docId = await proposed({ mode: 'sequence', signers: ['sunwei', 'gaofeng'] });
    const mine = await taskOf('sunwei', docId);
    expect((await h.api('sunwei', 'POST', `/tasks/${mine.taskId}/signers`, { username: 'hexin', position: 'after' })).status).toBe(200);
    expect(await taskOf('hexin', docId)).toBeUndefined();
    await sign('sunwei', docId, { opinion: '同意' });
    expect(await taskOf('gaofeng', docId)).toBeUndefined();
    await sign('hexin', docId, { opinion: '同意' });
    const last = await sign('gaofeng', docId, { opinion: '同意' });
    expect(last.body.stepSettled).toBe(true);
  });

  it('减签: never one who signed, never the last to sign; only the director or the adder', async () => {
    const docId = await proposed({ mode: 'all', signers: ['sunwei', 'gaofeng', 'hexin'] });
    const hexinTask = await taskOf('hexin', docId);
    const byDeputy = await h.api('sunwei', 'POST', `/tasks/${hexinTask.taskId}/signers/remove`, { username: 'hexin' });
    expect(byDeputy.status).toBe(403);

    await sign('sunwei', docId, { opinion: '同意' });
    const signed = await h.api('liqiang', 'POST', `/tasks/${hexinTask.taskId}/signers/remove`, { username: 'sunwei' });
    expect(signed.status).toBe(409);
    expect(signed.body.message).toContain('已签署，不能减签');

    const removed = await h.api('liqiang', 'POST', `/tasks/${hexinTask.taskId}/signers/remove`, { username: 'hexin', reason: '何欣同志出差，不再会签' });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(await taskOf('hexin', docId)).toBeUndefined();
    const lastOne = await h.api('liqiang', 'POST', `/tasks/${hexinTask.taskId}/signers/remove`, { username: 'gaofeng' });
    expect(lastOne.status).toBe(409);
    expect(lastOne.body.message).toContain('最后一位');

    const last = await sign('gaofeng', docId, { opinion: '同意' });
    expect(last.body).toMatchObject({ stepSettled: true, result: '通过（同意 2、不同意 0 / 共 2 人）' });
    expect(details(await docOf(docId))).toContain('李强|减签|何欣');
  });

  it('减签 may settle a 票签: fewer voters, the ratio is reached', async () => {
    const docId = await proposed({ mode: 'ratio', ratio: 0.5, signers: ['sunwei', 'gaofeng', 'hexin'] });
    await sign('sunwei', docId, { opinion: '同意' });
    // Needs 2 of 3; with hexin off, 1 of 2 is enough.
    const any = await taskOf('gaofeng', docId);
    const removed = await h.api('liqiang', 'POST', `/tasks/${any.taskId}/signers/remove`, { username: 'hexin' });
    expect(removed.body).toMatchObject({ stepSettled: true, passed: true });
    await h.local.settle();
    expect(await taskOf('gaofeng', docId)).toBeUndefined();
    expect(await taskOf('zhaomin', docId)).toMatchObject({ step: 'leaderDecide' });
  });
});

describe('naming signers and the route around them', () => {
  it('拟办 refuses signers who are not deputies, a 票签 without its ratio, a single signer', async () => {
    const res = await h.api('liuyang', 'POST', '/documents', { route: 'request-important', title: '关于校验会签人员的请示', content: '请审定。' });
    await h.local.settle();
    const propose = await taskOf('liqiang', res.body.docId);
    const post = (countersign: unknown) => h.api('liqiang', 'POST', `/tasks/${propose.taskId}/decision`, { opinion: '请会签', countersign });
    const notDeputy = await post({ mode: 'all', signers: ['sunwei', 'zhoujie'] });
    expect(notDeputy.status).toBe(400);
    expect(notDeputy.body.message).toContain('找不到分管领导 zhoujie');
    expect((await post({ mode: 'ratio', signers: ['sunwei', 'gaofeng'] })).body.message).toContain('通过比例');
    expect((await post({ mode: 'all', signers: ['sunwei'] })).body.message).toContain('至少需要 2 人');
    expect((await post({ mode: 'all', signers: ['sunwei', 'sunwei'] })).body.message).toContain('重复');
    expect((await post({ mode: 'every', signers: ['sunwei', 'gaofeng'] })).status).toBe(400);
  });

  it('without signers the step is the one deputy as before; 撤回 of the proposal closes the signers too', async () => {
    const docId = await proposed({ mode: 'all', signers: ['sunwei', 'gaofeng'] });
    const proposal = (await docOf(docId)).tasks.find((t: any) => t.step === 'propose');
    const recalled = await h.api('liqiang', 'POST', `/tasks/${proposal.taskId}/recall`, { reason: '改为由孙伟同志一人阅示' });
    expect(recalled.status, JSON.stringify(recalled.body)).toBe(200);
    await h.local.settle();
    expect(await taskOf('sunwei', docId)).toBeUndefined();
    expect(await taskOf('gaofeng', docId)).toBeUndefined();
    await decideNext(h, 'liqiang', docId, { opinion: '请孙伟同志阅示' });
    // Role-assigned again: any deputy may take it.
    expect(await taskOf('gaofeng', docId)).toMatchObject({ stepName: '分管领导阅示', assignment: { role: 'deputy-leader' } });
  });

  it('GET /routes offers 加签/减签 where a step can have signers, and the vote', async () => {
    const routes = (await h.api('sunwei', 'GET', '/routes')).body.items;
    const route = routes.find((r: any) => r.id === 'request-important');
    const instruct = route.steps.find((s: any) => s.id === 'deputyInstruct');
    expect(instruct.operations.map((o: any) => o.id)).toEqual(expect.arrayContaining(['addSigner', 'removeSigner']));
    expect(instruct.countersign.vote.agree.type).toBe('boolean');
    expect(route.steps.find((s: any) => s.id === 'propose')).toMatchObject({ namesSigners: { field: 'countersign', role: 'deputy-leader' } });
    expect(route.steps.find((s: any) => s.id === 'propose').form.properties.countersign).toBeDefined();
    const leader = route.steps.find((s: any) => s.id === 'leaderDecide');
    expect(leader.operations.map((o: any) => o.id)).not.toContain('addSigner');
  });
});

describe('加签 on a step with one holder', () => {
  it('the deputy adds another after him: his task becomes a 依次 of two, and the route waits for both', async () => {
    const res = await h.api('liuyang', 'POST', '/documents', { route: 'request-important', title: '关于一人阅示加签的请示', content: '请审定。' });
    await h.local.settle();
    const docId = res.body.docId;
    await decideNext(h, 'liqiang', docId, { opinion: '请孙伟同志阅示' });
    const roleTask = await taskOf('sunwei', docId);
    expect(roleTask.assignment).toEqual({ role: 'deputy-leader' });

    const added = await h.api('sunwei', 'POST', `/tasks/${roleTask.taskId}/signers`, { username: 'gaofeng', position: 'after', reason: '涉及高峰同志分管的工作' });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    // The role's task left every deputy's list; sunwei now has his own, gaofeng waits his turn.
    expect(await taskOf('hexin', docId)).toBeUndefined();
    const own = await taskOf('sunwei', docId);
    expect(own).toMatchObject({ taskId: added.body.signerTaskId, stepName: '分管领导阅示（依次审批）', assignment: { username: 'sunwei' } });
    expect(await taskOf('gaofeng', docId)).toBeUndefined();

    await sign('sunwei', docId, { opinion: '同意' });
    expect(await taskOf('zhaomin', docId)).toBeUndefined();
    const last = await sign('gaofeng', docId, { opinion: '同意' });
    expect(last.body).toMatchObject({ stepSettled: true, passed: true });
    expect(await taskOf('zhaomin', docId)).toMatchObject({ step: 'leaderDecide' });
    const doc = await docOf(docId);
    expect(details(doc)).toEqual(expect.arrayContaining(['孙伟|加签|高峰（在本人之后签署）', '高峰|依次审批结果|通过（同意 2、不同意 0 / 共 2 人）']));
    expect(doc.audit.verification.ok).toBe(true);
  });

  it('a step whose decision names a department or a conclusion cannot take 加签', async () => {
    const res = await h.api('liuyang', 'POST', '/documents', { route: 'request-important', title: '关于不能加签的请示', content: '请审定。' });
    await h.local.settle();
    const propose = await taskOf('liqiang', res.body.docId);
    const refused = await h.api('liqiang', 'POST', `/tasks/${propose.taskId}/signers`, { username: 'sunwei' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('「拟办」步骤不能加签');
  });
});
