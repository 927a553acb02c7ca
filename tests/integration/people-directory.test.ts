/**
 * The people directory and the three admins (三员) against local mode: the seeded users are the
 * directory, each admin may do their own part and is refused the others' (system admin: people and
 * roles; security admin: clearances; audit admin: the admin audit trail), every change lands on the
 * admin audit chain in the same transaction, and a change holds from the caller's next request on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChain } from '../../functions/adapters/audit.js';
import { ADMIN_CHAIN, ensureFirstAdmin, getPerson } from '../../functions/adapters/people.js';
import { verifyChain } from '../../functions/domain/audit-chain.js';
import { LOCAL_USERS } from '../../infra/local/users.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ watchInbox: false });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('the seeded users are the directory', () => {
  it('holds every local user with the roles, department and clearance they had', async () => {
    for (const u of LOCAL_USERS) {
      const res = await h.api('sysadmin', 'GET', `/admin/people/${u.username}`);
      expect(res.status, u.username).toBe(200);
      expect(res.body).toMatchObject({ username: u.username, name: u.name, roles: u.groups, department: u.department, clearance: u.clearance, active: true });
    }
    expect((await h.api('wangfang', 'GET', '/me')).body).toMatchObject({ username: 'wangfang', name: '王芳', roles: ['clerk'], department: 'BGS', clearance: '机密' });
  });

  it('lists people by role, by department and everyone, a page at a time (Query with a checked cursor)', async () => {
    const deputies = await h.api('sysadmin', 'GET', '/admin/people?role=deputy-leader');
    expect(deputies.body.items.map((p: any) => p.username).sort()).toEqual(['gaofeng', 'hexin', 'sunwei']);
    const scjsk = await h.api('secadmin', 'GET', '/admin/people?department=SCJSK');
    expect(scjsk.body.items.map((p: any) => p.username).sort()).toEqual(['liuyang', 'zhoujie']);
    const headsOfScjsk = await h.api('sysadmin', 'GET', '/admin/people?role=dept-head&department=SCJSK');
    expect(headsOfScjsk.body.items.map((p: any) => p.username)).toEqual(['zhoujie']);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.api('sysadmin', 'GET', `/admin/people?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.body.items.map((p: any) => p.username));
      cursor = page.body.cursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen)).toEqual(new Set([...LOCAL_USERS.map((u) => u.username), 'sysadmin', 'secadmin', 'auditadmin']));

    const first = await h.api('sysadmin', 'GET', '/admin/people?limit=2');
    // A cursor of one list does not page another.
    const crossed = await h.api('sysadmin', 'GET', `/admin/people?role=clerk&cursor=${first.body.cursor}`);
    expect(crossed.status).toBe(400);
    expect(crossed.body.message).toContain('翻页参数 cursor 无效');
    expect((await h.api('sysadmin', 'GET', '/admin/people?cursor=%%%')).status).toBe(400);
    const badRole = await h.api('sysadmin', 'GET', '/admin/people?role=king');
    expect([badRole.status, badRole.body.message]).toEqual([400, expect.stringContaining('没有这个角色')]);
    const badDept = await h.api('sysadmin', 'GET', '/admin/people?department=XYZ');
    expect([badDept.status, badDept.body.message]).toEqual([400, expect.stringContaining('没有这个科室')]);
  });
});

describe('the system admin: people and roles, never clearance, never their own roles', () => {
  it('adds a person (非密), and refuses a taken username, a clearance, and an admin with a document role', async () => {
    const added = await h.api('sysadmin', 'POST', '/admin/people', { username: 'zhangsan', name: '张三', department: 'CWK', roles: ['staff'], email: 'zhangsan@hq.example.cn' });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body).toMatchObject({ username: 'zhangsan', name: '张三', department: 'CWK', roles: ['staff'], clearance: '非密', active: true, version: 1, createdBy: 'sysadmin' });

    const again = await h.api('sysadmin', 'POST', '/admin/people', { username: 'zhangsan', name: '张三' });
    expect([again.status, again.body.message]).toEqual([409, expect.stringContaining('已在人员目录中')]);
    const cleared = await h.api('sysadmin', 'POST', '/admin/people', { username: 'lisi', name: '李四', clearance: '秘密' });
    expect([cleared.status, cleared.body.message]).toEqual([403, expect.stringContaining('密级只能由安全保密管理员设置')]);
    const mixed = await h.api('sysadmin', 'POST', '/admin/people', { username: 'lisi', name: '李四', roles: ['audit-admin', 'deputy-leader'] });
    expect([mixed.status, mixed.body.message]).toEqual([422, expect.stringContaining('不得兼任公文处理岗位')]);
    const twoAdmins = await h.api('sysadmin', 'POST', '/admin/people', { username: 'lisi', name: '李四', roles: ['audit-admin', 'security-admin'] });
    expect([twoAdmins.status, twoAdmins.body.message]).toEqual([422, expect.stringContaining('三员不得兼任')]);
    const badDept = await h.api('sysadmin', 'POST', '/admin/people', { username: 'lisi', name: '李四', department: 'XYZ' });
    expect(badDept.status).toBe(400);
    const badBody = await h.api('sysadmin', 'POST', '/admin/people', { username: 'li si', name: '' , roles: ['king'], extra: 1 });
    expect(badBody.status).toBe(400);
    expect(badBody.body.message).toMatch(/[\u4e00-\u9fff]/);
    expect((await h.api('sysadmin', 'GET', '/admin/people/lisi')).status).toBe(404);
  });

  it('a person added in the console signs in locally and is what the directory says', async () => {
    const login = await fetch(`${h.local.endpoints.api}/local-auth/login`, { method: 'POST', body: JSON.stringify({ username: 'zhangsan', password: 'chancery' }) });
    expect(login.status).toBe(200);
    const { idToken } = (await login.json()) as { idToken: string };
    const me = await fetch(`${h.local.endpoints.api}/me`, { headers: { authorization: `Bearer ${idToken}` } });
    expect(await me.json()).toMatchObject({ username: 'zhangsan', name: '张三', roles: ['staff'], department: 'CWK', clearance: '非密' });
    const stranger = await fetch(`${h.local.endpoints.api}/local-auth/login`, { method: 'POST', body: JSON.stringify({ username: 'nobody', password: 'chancery' }) });
    expect(stranger.status).toBe(401);
  });

  it('refuses to change its own roles or deactivate itself, or to set a clearance through the record', async () => {
    const own = await h.api('sysadmin', 'PUT', '/admin/people/sysadmin', { roles: ['system-admin', 'security-admin'] });
    expect([own.status, own.body.message]).toEqual([403, expect.stringContaining('不能修改自己的角色')]);
    const off = await h.api('sysadmin', 'PUT', '/admin/people/sysadmin', { active: false });
    expect([off.status, off.body.message]).toEqual([403, expect.stringContaining('不能停用自己')]);
    const clearance = await h.api('sysadmin', 'PUT', '/admin/people/zhangsan', { clearance: '机密' });
    expect([clearance.status, clearance.body.message]).toEqual([403, expect.stringContaining('密级只能由安全保密管理员设置')]);
    const viaPath = await h.api('sysadmin', 'PUT', '/admin/people/zhangsan/clearance', { clearance: '机密' });
    expect([viaPath.status, viaPath.body.message]).toEqual([403, '只有安全保密管理员可以设置密级']);
    expect((await h.api('sysadmin', 'GET', '/admin/audit')).status).toBe(403);
  });

  it('a role change holds from the person’s next request on', async () => {
    expect((await h.api('liuyang', 'GET', '/me')).body.roles).toEqual(['staff']);
    const before = (await h.api('sysadmin', 'GET', '/admin/people/liuyang')).body;
    const changed = await h.api('sysadmin', 'PUT', '/admin/people/liuyang', { roles: ['staff', 'archivist'], department: 'CWK', version: before.version });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await h.api('liuyang', 'GET', '/me')).body).toMatchObject({ roles: ['staff', 'archivist'], department: 'CWK', clearance: '非密' });
    // The role lists follow: liuyang is under archivist and CWK now, no longer under SCJSK.
    expect((await h.api('sysadmin', 'GET', '/admin/people?role=archivist')).body.items.map((p: any) => p.username)).toEqual(['liuyang']);
    expect((await h.api('sysadmin', 'GET', '/admin/people?department=SCJSK')).body.items.map((p: any) => p.username)).toEqual(['zhoujie']);
    // A form filled from the old version does not overwrite the change unseen.
    const stale = await h.api('sysadmin', 'PUT', '/admin/people/liuyang', { roles: ['staff'], version: before.version });
    expect([stale.status, stale.body.message]).toEqual([409, expect.stringContaining('已被他人修改')]);
    const back = await h.api('sysadmin', 'PUT', '/admin/people/liuyang', { roles: ['staff'], department: 'SCJSK' });
    expect(back.status).toBe(200);
    expect((await h.api('liuyang', 'GET', '/me')).body).toMatchObject({ roles: ['staff'], department: 'SCJSK' });
  });

  it('a deactivated person is refused at once, and let in again when reactivated', async () => {
    expect((await h.api('chenjing', 'GET', '/me')).status).toBe(200);
    expect((await h.api('sysadmin', 'PUT', '/admin/people/chenjing', { active: false })).status).toBe(200);
    const refused = await h.api('chenjing', 'GET', '/tasks');
    expect([refused.status, refused.body.message]).toEqual([401, expect.stringContaining('已停用')]);
    expect((await h.api('sysadmin', 'PUT', '/admin/people/chenjing', { active: true })).status).toBe(200);
    expect((await h.api('chenjing', 'GET', '/me')).status).toBe(200);
  });
});

describe('the security admin: clearances only, never their own', () => {
  it('sets another person’s clearance, effective on their next request', async () => {
    const set = await h.api('secadmin', 'PUT', '/admin/people/liuyang/clearance', { clearance: '秘密' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ username: 'liuyang', clearance: '秘密', updatedBy: 'secadmin' });
    expect((await h.api('liuyang', 'GET', '/me')).body.clearance).toBe('秘密');
    expect((await h.api('secadmin', 'PUT', '/admin/people/liuyang/clearance', { clearance: '非密' })).status).toBe(200);
    expect((await h.api('liuyang', 'GET', '/me')).body.clearance).toBe('非密');
  });

  it('refuses its own clearance, people and roles, and the audit trail', async () => {
    const own = await h.api('secadmin', 'PUT', '/admin/people/secadmin/clearance', { clearance: '绝密' });
    expect([own.status, own.body.message]).toEqual([403, expect.stringContaining('不能设置自己的密级')]);
    const add = await h.api('secadmin', 'POST', '/admin/people', { username: 'lisi', name: '李四' });
    expect([add.status, add.body.message]).toEqual([403, '只有系统管理员可以增加人员']);
    const roles = await h.api('secadmin', 'PUT', '/admin/people/liuyang', { roles: ['main-leader'] });
    expect([roles.status, roles.body.message]).toEqual([403, expect.stringContaining('只有系统管理员')]);
    expect((await h.api('secadmin', 'GET', '/admin/audit')).status).toBe(403);
    const bad = await h.api('secadmin', 'PUT', '/admin/people/liuyang/clearance', { clearance: 'top' });
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringContaining('密级（clearance）应为')]);
    expect((await h.api('secadmin', 'PUT', '/admin/people/nobody/clearance', { clearance: '秘密' })).status).toBe(404);
  });
});

describe('the audit admin: the admin audit trail only', () => {
  it('reads every change, newest first, paged; the chain verifies', async () => {
    const events: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.api('auditadmin', 'GET', `/admin/audit?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      events.push(...page.body.items);
      cursor = page.body.cursor;
    } while (cursor);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => b - a));
    const actions = events.map((e) => `${e.actor} ${e.action} ${e.details.username ?? ''}`.trim());
    expect(actions).toEqual(
      expect.arrayContaining([
        'system:local people.seeded',
        'sysadmin person.created zhangsan',
        'sysadmin person.roles-changed liuyang',
        'sysadmin person.deactivated chenjing',
        'sysadmin person.reactivated chenjing',
        'secadmin person.clearance-set liuyang',
      ]),
    );
    const clearance = events.find((e) => e.action === 'person.clearance-set' && e.details.after.clearance === '秘密');
    expect(clearance.details).toMatchObject({ before: { clearance: '非密' }, after: { clearance: '秘密' }, changed: ['clearance'] });
    // Refusals changed nothing and wrote nothing.
    expect(actions.some((a) => a.includes('lisi'))).toBe(false);
    expect(verifyChain(await readChain(ADMIN_CHAIN))).toEqual({ ok: true });
  });

  it('refuses the directory itself, and a clerk is refused all of it', async () => {
    expect((await h.api('auditadmin', 'GET', '/admin/people')).status).toBe(403);
    expect((await h.api('auditadmin', 'PUT', '/admin/people/liuyang/clearance', { clearance: '秘密' })).status).toBe(403);
    for (const [method, path, body] of [
      ['GET', '/admin/people'],
      ['GET', '/admin/people/wangfang'],
      ['POST', '/admin/people', { username: 'lisi', name: '李四' }],
      ['PUT', '/admin/people/wangfang', { roles: ['main-leader'] }],
      ['PUT', '/admin/people/wangfang/clearance', { clearance: '绝密' }],
      ['GET', '/admin/audit'],
    ] as [string, string, unknown?][]) {
      const res = await h.api('wangfang', method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.message).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('the first admin', () => {
  it('is added once when no record of them exists, as the first reconcile round does', async () => {
    expect(await ensureFirstAdmin({ firstAdmin: { username: 'newadmin', name: '新管理员' } }, new Date().toISOString())).toBe('newadmin');
    expect(await getPerson('newadmin')).toMatchObject({ roles: ['system-admin'], clearance: '非密', active: true, createdBy: 'system:deploy' });
    expect(await ensureFirstAdmin({ firstAdmin: { username: 'newadmin', name: '新管理员' } }, new Date().toISOString())).toBeUndefined();
    // hq's first admin (sysadmin) is there already: the reconcile round leaves the directory alone.
    const round = (await h.local.invoke('reconcile', { answerGraceMs: 0 })) as Record<string, unknown>;
    expect(round.firstAdminAdded).toBeUndefined();
  });

  it('seeding again at start changes nothing an admin changed', async () => {
    await h.api('sysadmin', 'PUT', '/admin/people/gaofeng', { name: '高峰（分管生产）' });
    await h.restart();
    expect((await h.api('sysadmin', 'GET', '/admin/people/gaofeng')).body.name).toBe('高峰（分管生产）');
  }, 120_000);
});
