/**
 * A branch that signs in at an external OIDC issuer (issue 9: Keycloak, Authing, an 企业微信 bridge),
 * end to end in local mode. The issuer here is a small Keycloak-shaped one started by the test
 * (discovery and JWKS under /realms/chancery, its own claim names: preferred_username, roles,
 * dept, clearance). Local mode's API takes its tokens — and only its tokens: checked against its
 * published keys, its iss, and the console's client id as audience — the handlers read who calls
 * from the configured username claim and what they may do from the people directory (the seeded
 * users), the console is told to sign in there, and a document goes through two steps.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { makePdf, startHarness, type Harness } from './harness.js';

const CLIENT_ID = 'chancery-console';
const KID = 'test-key-1';

let h: Harness;
let issuerServer: Server;
let issuer: string;
let sign: (claims: Record<string, unknown>, options?: { audience?: string; expiresAt?: string | number; issuedAt?: number }) => Promise<string>;

/** A Keycloak-shaped issuer: discovery and keys under /realms/chancery. */
async function startIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/chancery`;
    const answer = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/realms/chancery/.well-known/openid-configuration') {
      return answer({ issuer: base, authorization_endpoint: `${base}/protocol/openid-connect/auth`, token_endpoint: `${base}/protocol/openid-connect/token`, jwks_uri: `${base}/protocol/openid-connect/certs`, end_session_endpoint: `${base}/protocol/openid-connect/logout` });
    }
    if (req.url === '/realms/chancery/protocol/openid-connect/certs') return answer({ keys: [jwk] });
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/chancery`;
  const signer = async (claims: Record<string, unknown>, options: { audience?: string; expiresAt?: string | number; issuedAt?: number } = {}) =>
    new SignJWT({ typ: 'ID', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: KID })
      .setIssuer(url)
      .setAudience(options.audience ?? CLIENT_ID)
      .setIssuedAt(options.issuedAt)
      .setExpirationTime(options.expiresAt ?? '1h')
      .sign(privateKey);
  return { server, url, signer };
}

/** Keycloak's way of saying who: preferred_username, a roles list, and the branch's own claims. */
const person = (username: string, name: string, roles: string[], dept: string, clearance = '机密') => ({ preferred_username: username, name, roles, dept, clearance });
const LIQIANG = person('liqiang', '李强', ['office-director'], 'BGS');
const ZHAOMIN = person('zhaomin', '赵敏', ['main-leader'], 'BGS', '绝密');

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.local.endpoints.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  const started = await startIssuer();
  issuerServer = started.server;
  issuer = started.url;
  sign = started.signer;
  const hq = loadBranchConfig('hq');
  h = await startHarness({
    watchInbox: false,
    config: { ...hq, identity: { kind: 'oidc', issuer, clientId: CLIENT_ID, claims: { username: 'preferred_username', name: 'name', roles: 'roles', department: 'dept', clearance: 'clearance' } } },
  });
  await h.upload('关于开展安全生产大检查的通知.pdf', await makePdf('external issuer'));
  await h.local.settle();
}, 120_000);

afterAll(async () => {
  await h?.close();
  issuerServer?.close();
});

describe('a branch signing in at an external OIDC issuer', () => {
  it('tells the console to sign in there', async () => {
    const config = await (await fetch(`${h.local.endpoints.api}/config.json`)).json();
    expect(config).toMatchObject({ issuer, clientId: CLIENT_ID, apiBase: '/api' });
  });

  it('takes its ID tokens, reads who calls from its claims (what they are from the directory), and moves a document through two steps', async () => {
    const director = await sign(LIQIANG);
    const me = await call(director, 'GET', '/me');
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body).toMatchObject({ username: 'liqiang', name: '李强', roles: ['office-director'], department: 'BGS', clearance: '机密' });

    const [task] = (await call(director, 'GET', '/tasks')).body.items;
    expect(task).toMatchObject({ stepName: '拟办', title: '关于开展安全生产大检查的通知' });
    const proposed = await call(director, 'POST', `/tasks/${task.taskId}/decision`, { opinion: '请生产技术科落实', department: 'SCJSK' });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(200);
    await h.local.settle();

    // The main leader names the deputy by username: the seeded users are the local directory.
    const leader = await sign(ZHAOMIN);
    const [instruct] = (await call(leader, 'GET', '/tasks')).body.items;
    expect(instruct).toMatchObject({ stepName: '阅批', docId: task.docId });
    const approved = await call(leader, 'POST', `/tasks/${instruct.taskId}/decision`, { opinion: '同意，请孙伟同志负责', deputy: 'sunwei' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await h.local.settle();
    const doc = (await call(leader, 'GET', `/documents/${task.docId}`)).body;
    expect(doc.slip.map((l: any) => [l.stepName, l.actorName])).toEqual([
      ['拟办', '李强'],
      ['阅批', '赵敏'],
    ]);
  });

  it('roles come from the people directory, not the token: claims cannot add or take away a role', async () => {
    const plain = await sign({ ...LIQIANG, roles: [], clearance: '非密', dept: 'CWK' });
    const me = await call(plain, 'GET', '/me');
    expect(me.body).toMatchObject({ username: 'liqiang', roles: ['office-director'], department: 'BGS', clearance: '机密' });
    const claimed = await sign({ ...person('liuyang', '刘洋', ['main-leader'], 'BGS', '绝密') });
    expect((await call(claimed, 'GET', '/me')).body).toMatchObject({ username: 'liuyang', roles: ['staff'], department: 'SCJSK', clearance: '非密' });
    // A role the system admin gives holds at the next request, whatever the issuer says.
    const sysadmin = await sign(person('sysadmin', '韩冰', [], 'BGS'));
    expect((await call(sysadmin, 'PUT', '/admin/people/liuyang', { roles: ['staff', 'archivist'] })).status).toBe(200);
    expect((await call(claimed, 'GET', '/me')).body.roles).toEqual(['staff', 'archivist']);
    // Someone the issuer signs in but the directory does not know is refused.
    const stranger = await call(await sign(person('stranger', '陌生人', ['main-leader'], 'BGS')), 'GET', '/me');
    expect([stranger.status, stranger.body.message]).toEqual([401, expect.stringContaining('不在本单位人员目录中')]);
  });

  it('refuses local mode’s own tokens, another audience, an expired token and an access token, each in Chinese', async () => {
    const local = await h.local.identity.issue(h.local.identity.listUsers().find((u) => u.username === 'liqiang')!);
    const refusedLocal = await call(local, 'GET', '/me');
    expect(refusedLocal.status).toBe(401);
    expect(refusedLocal.body.message).toContain('登录凭证无效');

    const otherClient = await call(await sign(LIQIANG, { audience: 'some-other-app' }), 'GET', '/me');
    expect(otherClient.status).toBe(401);
    expect(otherClient.body.message).toContain('登录凭证无效');

    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const expired = await call(await sign(LIQIANG, { issuedAt: hourAgo - 60, expiresAt: hourAgo }), 'GET', '/me');
    expect(expired.status).toBe(401);
    expect(expired.body.message).toContain('登录已过期');

    // Keycloak marks its access tokens typ Bearer: they carry no department or clearance.
    const access = await call(await sign({ ...LIQIANG, typ: 'Bearer' }), 'GET', '/me');
    expect(access.status).toBe(401);
    expect(access.body.message).toContain('身份令牌');
  });
});
