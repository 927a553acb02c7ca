/**
 * Every incoming and internal route end to end against the real local services, on its happy
 * path and on each branch: scans routed by the scanner's metadata, internal documents submitted
 * through POST /documents, each step taken by the right person, the document filed and archived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // A Wednesday morning in Beijing, so "the same working day" is today.
  process.env.CHANCERY_FIXED_TIME = '2026-11-25T01:00:00Z';
  h = await startHarness();
});
afterAll(async () => {
  delete process.env.CHANCERY_FIXED_TIME;
  await h?.close();
});

type Step = [user: string, step: string, body: Record<string, unknown>];

/** Takes each step in turn, checking that the task waiting is the one expected, then checks the filing. */
async function drive(docId: string, steps: Step[]) {
  for (const [user, step, body] of steps) {
    const { task } = await decideNext(h, user, docId, body);
    expect(task.step, `${user} expected ${step}`).toBe(step);
  }
  const doc = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body;
  expect(doc.document.status).toBe('filed');
  // One slip line per step (under a pinned clock they share a time, so compare as sets).
  expect(doc.slip.map((l: any) => l.step).sort()).toEqual(steps.map(([, step]) => step).sort());
  expect(doc.audit.verification.ok).toBe(true);
  return doc;
}

async function scanFor(route: string, name: string): Promise<string> {
  await h.upload(name, await makePdf(`scan for ${route}`), { route });
  await h.local.settle();
  const entry = (await h.api('wangfang', 'GET', '/registers/incoming?limit=200')).body.items.find((e: any) => e.scanKey === `scans/${name}`);
  expect(entry, name).toBeDefined();
  return entry.docId;
}

async function submit(route: string, title: string, extra: Record<string, unknown> = {}, user = 'liuyang'): Promise<string> {
  const res = await h.api(user, 'POST', '/documents', { route, title, content: `${title}：详见正文。`, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await h.local.settle();
  return res.body.docId;
}

describe('incoming routes', () => {
  it('superior-dept: proposal, the deputy instructs, the department handles and files', async () => {
    const docId = await scanFor('superior-dept', '关于报送年度安全生产总结的通知.pdf');
    const doc = await drive(docId, [
      ['liqiang', 'propose', { opinion: '请生产技术科办理', department: 'SCJSK' }],
      ['sunwei', 'deputyInstruct', { opinion: '请按要求报送' }],
      ['zhoujie', 'departmentHandle', { opinion: '已报送' }],
      ['zhoujie', 'departmentFile', { retention: 'D10' }],
    ]);
    expect(doc.document.route).toBe('superior-dept');
    expect(doc.document.archive.archiveCode).toContain('-D10-SCJSK-');
  });

  it('superior-dept marked important is made known to the main leader (阅知) without waiting for her', async () => {
    const docId = await scanFor('superior-dept', 'important-dept-letter.pdf');
    await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
    const { task } = await decideNext(h, 'sunwei', docId, { opinion: '此件重要，请赵总阅知', important: true });
    expect(task.step).toBe('deputyInstruct');
    // The route goes on to the department at once …
    expect(((await h.api('zhoujie', 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId).step).toBe('departmentHandle');
    // … and the main leader finds it to read, not to decide.
    const toread = (await h.api('zhaomin', 'GET', '/documents?box=toread')).body.items as any[];
    expect(toread.some((r) => r.docId === docId)).toBe(true);
    expect(((await h.api('zhaomin', 'GET', '/tasks')).body.items as any[]).some((t) => t.docId === docId)).toBe(false);
    const slip = (await h.api('wangfang', 'GET', `/documents/${docId}`)).body.slip as any[];
    expect(slip.find((l) => l.step === 'deputyInstruct').details).toContainEqual({ label: '阅知', value: '赵敏' });
  });

  it('publicity: the department handles and files it itself', async () => {
    const docId = await scanFor('publicity', '某杂志社有偿宣传函.pdf');
    await drive(docId, [
      ['liqiang', 'propose', { opinion: '请财务科阅处', department: 'CWK' }],
      ['chenjing', 'departmentHandle', { opinion: '不予订阅' }],
      ['chenjing', 'departmentFile', { retention: 'D10' }],
    ]);
  });

  it('an unknown route in the scanner’s metadata sets the scan aside with the routes one may choose', async () => {
    await h.upload('路由写错的来文.pdf', await makePdf('x'), { route: 'no-such-route' });
    await h.local.settle();
    const rejected = (await h.api('wangfang', 'GET', '/rejected-uploads')).body.items.find((r: any) => r.objectKey === 'scans/路由写错的来文.pdf');
    expect(rejected).toMatchObject({ code: 'bad-route' });
    expect(rejected.reason).toContain('superior-dept');
  });
});

describe('internal requests and reports', () => {
  it('request-general approved by the deputy: the requester executes and files', async () => {
    const docId = await submit('request-general', '关于购置测量仪器的请示');
    const doc = await drive(docId, [
      ['sunwei', 'deputyDecide', { opinion: '同意购置', outcome: 'approve' }],
      ['liuyang', 'execute', { opinion: '已购置并验收' }],
      ['liuyang', 'requesterFile', { retention: 'D10' }],
    ]);
    expect(doc.document).toMatchObject({ register: 'internal', registerNumber: expect.stringMatching(/^内〔\d{4}〕\d+号$/) });
    expect(doc.slip.find((l: any) => l.step === 'deputyDecide').details).toContainEqual({ label: '结论', value: '同意' });
  });

  it('request-general sent to a topic meeting: the meeting’s decision is recorded before the reply', async () => {
    const docId = await submit('request-general', '关于调整值班制度的请示');
    await drive(docId, [
      ['sunwei', 'deputyDecide', { opinion: '提交专题会议研究', outcome: 'meeting' }],
      ['liqiang', 'topicMeeting', { opinion: '专题会议研究同意', outcome: 'approve', meetingDate: '2026-11-27' }],
      ['liuyang', 'execute', { opinion: '已按新制度排班' }],
      ['liuyang', 'requesterFile', { retention: 'D10' }],
    ]);
  });

  it('request-important: proposal, deputy, the main leader sends it to the executive meeting, reply, office files', async () => {
    const docId = await submit('request-important', '关于申请技改资金的请示', { urgency: '加急' });
    await drive(docId, [
      ['liqiang', 'propose', { opinion: '拟呈孙伟同志阅示' }],
      ['sunwei', 'deputyInstruct', { opinion: '建议上会研究' }],
      ['zhaomin', 'leaderDecide', { opinion: '提交总经理办公会研究', outcome: 'meeting' }],
      ['liqiang', 'executiveMeeting', { opinion: '办公会同意', outcome: 'approve' }],
      ['liuyang', 'execute', { opinion: '已按批示实施' }],
      ['wangfang', 'file', { retention: 'D30' }],
    ]);
  });

  it('report-general marked important goes to the main leader too, then the business department notes it', async () => {
    const docId = await submit('report-general', '关于第三季度生产情况的报告');
    await drive(docId, [
      ['sunwei', 'deputyRead', { opinion: '情况属实，呈赵总阅', important: true, department: 'SCJSK' }],
      ['zhaomin', 'leaderRead', { opinion: '已阅' }],
      ['zhoujie', 'departmentNote', { opinion: '已阅知' }],
      ['wangfang', 'file', { retention: 'D10' }],
    ]);
  });

  it('report-general not important skips the main leader', async () => {
    const docId = await submit('report-general', '关于十月份考勤情况的报告');
    const doc = await drive(docId, [
      ['sunwei', 'deputyRead', { opinion: '已阅', department: 'CWK' }],
      ['chenjing', 'departmentNote', { opinion: '已阅知' }],
      ['wangfang', 'file', { retention: 'D10' }],
    ]);
    expect(doc.tasks.map((t: any) => t.step)).not.toContain('leaderRead');
  });

  it('report-key reaches the main leader the same working day', async () => {
    // Submitted by the head of 生产技术科 (cleared 秘密) for his department.
    const docId = await submit('report-key', '关于车间设备重大损失的报告', { secrecy: '秘密' }, 'zhoujie');
    const sameDay = '2026-11-25T09:30:00.000Z'; // 17:30 in Beijing, today
    for (const [user, step, body] of [
      ['liqiang', 'propose', { opinion: '请孙伟同志阅示后呈赵总', department: 'SCJSK' }],
      ['sunwei', 'deputyRead', { opinion: '请赵总阅' }],
      ['zhaomin', 'leaderRead', { opinion: '请生产技术科查明原因' }],
    ] as Step[]) {
      const { task } = await decideNext(h, user, docId, body);
      expect(task.step).toBe(step);
      expect(task.dueAt).toBe(sameDay);
    }
    await decideNext(h, 'zhoujie', docId, { opinion: '已查明原因并整改' });
    // 秘密: filed by the confidential clerk.
    const { task } = await decideNext(h, 'zhengli', docId, { retention: 'D30' });
    expect(task.step).toBe('file');
    expect((await h.api('zhengli', 'GET', `/documents/${docId}`)).body.document.status).toBe('filed');
  });

  it('refuses a submission a clerk would get wrong, in Chinese', async () => {
    const cases: [unknown, string][] = [
      [{ route: 'superior-key', title: 't', content: 'c' }, '内部来文流程'],
      [{ route: 'request-general', title: '', content: 'c' }, '标题'],
      [{ route: 'request-general', title: 't' }, '正文'],
      [{ route: 'request-general', title: 't', content: 'c', secrecy: '绝密' }, '密级'],
      [{ route: 'request-general', title: 't', content: 'c', extra: 1 }, '不认识'],
      [null, 'JSON'],
    ];
    for (const [body, words] of cases) {
      const res = await h.api('liuyang', 'POST', '/documents', body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.message).toContain(words);
    }
  });
});

describe('GET /routes', () => {
  it('serves every route with its steps and each step’s form as JSON Schema', async () => {
    const res = await h.api('liuyang', 'GET', '/routes');
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.items.map((r: any) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['outgoing-committee', 'outgoing-dept', 'outgoing-main', 'publicity', 'report-general', 'report-key', 'request-general', 'request-important', 'superior-dept', 'superior-key']);
    expect(byId['outgoing-main']).toMatchObject({ kind: 'outgoing', name: '党政公文' });
    const propose = byId['superior-key'].steps.find((s: any) => s.id === 'propose');
    expect(propose.form).toMatchObject({ type: 'object', required: expect.arrayContaining(['opinion', 'department']), additionalProperties: false });
    const decide = byId['request-general'].steps.find((s: any) => s.id === 'deputyDecide');
    expect(decide.form.properties.outcome.enum).toEqual(['approve', 'reject', 'meeting']);
    // The first step has nothing to return to; later ones list the earlier steps and the call.
    expect(decide.operations.map((o: any) => o.id)).not.toContain('return');
    const instruct = byId['superior-key'].steps.find((s: any) => s.id === 'instruct');
    expect(instruct.returnTo).toEqual(['propose']);
    expect(instruct.operations).toContainEqual({ id: 'return', name: '退回', call: 'POST /tasks/{taskId}/return' });
    // Every call a step offers is a route of the API.
    const { routes } = await import('../../infra/manifest.js');
    const calls = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const r of res.body.items) for (const s of r.steps) for (const o of s.operations) expect(calls, o.call).toContain(o.call);
  });
});
