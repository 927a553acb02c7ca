/**
 * Classified documents (密级) against the real local services: lists show a classified entry's
 * title and details only to people cleared for it, 密级 values are read strictly, a classified
 * document is filed by the confidential clerk, and a step nobody cleared can take is flagged at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNext, makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const SECRET_TITLE = '关于绝密代号青鸟工程的批复';
const SECRET_SENDER = '某上级机关保密办';
const enc = (value: string) => encodeURIComponent(value);

async function registered(user: string) {
  return (await h.api(user, 'GET', '/registers/incoming?limit=200')).body.items as any[];
}
async function docIdOfScan(fileName: string) {
  const entry = (await registered('zhaomin')).find((e) => e.scanKey === `scans/${fileName}`);
  if (!entry) throw new Error(`${fileName} is not registered`);
  return entry.docId as string;
}

describe('a 绝密 scan and a 非密 one', () => {
  let secretDoc: string;

  beforeAll(async () => {
    await h.upload(`${SECRET_TITLE}.pdf`, await makePdf('top secret'), { secrecy: enc('绝密'), sender: enc(SECRET_SENDER), 'source-number': enc('保发〔2026〕9号') });
    await h.upload('关于做好冬季防火工作的通知.pdf', await makePdf('open'), { sender: enc('市应急管理局') });
    await h.local.settle();
    secretDoc = await docIdOfScan(`${SECRET_TITLE}.pdf`);
  });

  it('the incoming register shows a 机密-cleared clerk the number and 密件, nothing more', async () => {
    const res = await h.api('wangfang', 'GET', '/registers/incoming');
    expect(res.status).toBe(200);
    const secret = (res.body.items as any[]).find((e) => e.docId === secretDoc);
    expect(secret).toMatchObject({ number: expect.stringMatching(/^收〔\d{4}〕\d+号$/), title: '密件', secrecy: '绝密', redacted: true });
    expect(secret).not.toHaveProperty('sender');
    expect(secret).not.toHaveProperty('sourceNumber');
    expect(secret).not.toHaveProperty('scanKey');
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(SECRET_TITLE);
    expect(text).not.toContain(SECRET_SENDER);
    expect(text).not.toContain('保发');
    // The open document is shown whole.
    expect((res.body.items as any[]).find((e) => e.title === '关于做好冬季防火工作的通知')).toMatchObject({ sender: '市应急管理局', secrecy: '非密' });
  });

  it('the main leader, cleared 绝密, sees the entry whole', async () => {
    const secret = (await registered('zhaomin')).find((e) => e.docId === secretDoc);
    expect(secret).toMatchObject({ title: SECRET_TITLE, sender: SECRET_SENDER, scanKey: `scans/${SECRET_TITLE}.pdf`, secrecy: '绝密' });
    expect(secret).not.toHaveProperty('redacted');
  });

  it('the office director (机密) has the 拟办 task in his list but not its title', async () => {
    const tasks = await h.api('liqiang', 'GET', '/tasks');
    const task = (tasks.body.items as any[]).find((t) => t.docId === secretDoc);
    expect(task).toMatchObject({ step: 'propose', title: '密件', secrecy: '绝密', uncleared: true });
    expect(JSON.stringify(tasks.body)).not.toContain(SECRET_TITLE);
    const one = await h.api('liqiang', 'GET', `/tasks/${task.taskId}`);
    expect(one.status).toBe(200);
    expect(JSON.stringify(one.body)).not.toContain(SECRET_TITLE);
    expect((await h.api('liqiang', 'GET', `/documents/${secretDoc}`)).status).toBe(403);
  });

  it('the 拟办 step nobody cleared can take is in the chasing register right after registration, without a sweep', async () => {
    const chasing = await h.api('zhaomin', 'GET', '/registers/chasing');
    const flags = (chasing.body.items as any[]).filter((e) => e.docId === secretDoc);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: '密级不符', step: 'propose', stepName: '拟办', requiredClearance: '绝密', escalatedTo: 'main-leader', title: SECRET_TITLE });
    expect(flags[0].reason).toContain('绝密');
    // The office director sees the flag too, but not the title.
    const asDirector = (await h.api('liqiang', 'GET', '/registers/chasing')).body.items.find((e: any) => e.docId === secretDoc);
    expect(asDirector).toMatchObject({ kind: '密级不符', title: '密件', requiredClearance: '绝密' });
    const audit = await h.api('zhaomin', 'GET', `/documents/${secretDoc}`);
    expect(audit.body.tasks.find((t: any) => t.step === 'propose')).toMatchObject({ uncleared: true });
  });

  it('a 非密 document raises no flag', async () => {
    const openDoc = await docIdOfScan('关于做好冬季防火工作的通知.pdf');
    const chasing = (await h.api('zhaomin', 'GET', '/registers/chasing')).body.items as any[];
    expect(chasing.some((e) => e.docId === openDoc)).toBe(false);
  });
});

describe('密级 values', () => {
  it('reads TOP-SECRET and topsecret as 绝密, secret as 机密, confidential as 秘密', async () => {
    const cases: [file: string, value: string, level: string][] = [
      ['英文大写密级.pdf', 'TOP-SECRET', '绝密'],
      ['英文连写密级.pdf', 'topsecret', '绝密'],
      ['英文secret.pdf', 'secret', '机密'],
      ['英文confidential.pdf', 'Confidential', '秘密'],
    ];
    for (const [file, value] of cases) await h.upload(file, await makePdf(value), { secrecy: value });
    await h.local.settle();
    const entries = await registered('zhaomin');
    for (const [file, , level] of cases) expect(entries.find((e) => e.scanKey === `scans/${file}`), file).toMatchObject({ secrecy: level });
  });

  it('sets a scan with an unknown 密级 aside, with a Chinese reason, and registers nothing', async () => {
    await h.upload('未知密级.pdf', await makePdf('ultra'), { secrecy: 'ultra' });
    await h.local.settle();
    const rejected = (await h.api('wangfang', 'GET', '/rejected-uploads')).body.items.find((r: any) => r.objectKey === 'scans/未知密级.pdf');
    expect(rejected).toMatchObject({ code: 'bad-secrecy' });
    expect(rejected.reason).toContain('ultra');
    expect(rejected.reason).toContain('非密、秘密、机密、绝密');
    expect((await registered('zhaomin')).some((e) => e.scanKey === 'scans/未知密级.pdf')).toBe(false);
  });
});

describe('routing classified documents', () => {
  it('a 机密 document: the 阅办 step of a department head cleared only 秘密 is flagged at once', async () => {
    await h.upload('机密来文.pdf', await makePdf('secret'), { secrecy: enc('机密') });
    await h.local.settle();
    const docId = await docIdOfScan('机密来文.pdf');
    // The director (机密) is cleared for it: no flag on 拟办.
    const before = (await h.api('zhaomin', 'GET', '/registers/chasing')).body.items as any[];
    expect(before.some((e) => e.docId === docId)).toBe(false);
    await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
    await decideNext(h, 'zhaomin', docId, { opinion: '同意', deputy: 'sunwei' });
    await decideNext(h, 'sunwei', docId, { opinion: '请办理' });
    const flags = ((await h.api('zhaomin', 'GET', '/registers/chasing')).body.items as any[]).filter((e) => e.docId === docId);
    expect(flags).toEqual([expect.objectContaining({ kind: '密级不符', step: 'departmentHandle', requiredClearance: '机密', assignment: { role: 'dept-head', department: 'SCJSK' } })]);
    // 周杰 holds the step but is not cleared: he sees 密件 and may not decide.
    const task = ((await h.api('zhoujie', 'GET', '/tasks')).body.items as any[]).find((t) => t.docId === docId);
    expect(task).toMatchObject({ title: '密件', uncleared: true });
    expect((await h.api('zhoujie', 'POST', `/tasks/${task.taskId}/decision`, { opinion: '已办理' })).status).toBe(403);
  });

  it('a classified document is filed by the confidential clerk, not the clerk', async () => {
    await h.upload('秘密来文.pdf', await makePdf('confidential'), { secrecy: enc('秘密') });
    await h.local.settle();
    const docId = await docIdOfScan('秘密来文.pdf');
    await decideNext(h, 'liqiang', docId, { opinion: '请生产技术科办理', department: 'SCJSK' });
    await decideNext(h, 'zhaomin', docId, { opinion: '同意' });
    await decideNext(h, 'sunwei', docId, { opinion: '请办理' });
    await decideNext(h, 'zhoujie', docId, { opinion: '已办理' });
    expect(((await h.api('wangfang', 'GET', '/tasks')).body.items as any[]).some((t) => t.docId === docId)).toBe(false);
    const { task } = await decideNext(h, 'zhengli', docId, { opinion: '已立卷', retention: 'D10' });
    expect(task).toMatchObject({ step: 'file', assignment: { role: 'confidential-clerk' }, title: '秘密来文' });
    const shown = await h.api('zhengli', 'GET', `/documents/${docId}`);
    expect(shown.body.document).toMatchObject({ status: 'filed', secrecy: '秘密' });
    expect(((await h.api('zhaomin', 'GET', '/registers/chasing')).body.items as any[]).some((e) => e.docId === docId)).toBe(false);
  });
});
