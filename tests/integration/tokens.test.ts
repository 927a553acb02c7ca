/**
 * Tokens the API must refuse, against the real local services: what the local JWT authorizer
 * checks as API Gateway does (signature, issuer, audience, expiry, nbf), and the API's own policy
 * that also holds in the cloud (an ID token with an expiry, issued in the past, for at most a
 * day, of a user the directory knows and has enabled). Each refusal is a 401 in Chinese.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../../infra/local/identity-provider.js';
import { LOCAL_USERS } from '../../infra/local/users.js';
import { makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
let signingJwk: JWK;
let docId: string;
const now = () => Math.floor(Date.now() / 1000);

/** The claims the local identity provider (like Cognito) puts in an ID token. */
function idClaims(username: string): JWTPayload {
  const user = LOCAL_USERS.find((u) => u.username === username);
  return {
    'cognito:username': username,
    'cognito:groups': user?.groups ?? ['clerk'],
    name: user?.name ?? username,
    'custom:department': user?.department ?? 'BGS',
    'custom:clearance': user?.clearance ?? '非密',
    token_use: 'id',
    sub: `local-${username}`,
  };
}

type SigningKey = Parameters<SignJWT['sign']>[0];

interface Mint {
  claims?: JWTPayload;
  /** Absent: no such claim. */
  iat?: number;
  exp?: number;
  nbf?: number;
  issuer?: string;
  audience?: string;
  key?: SigningKey;
}

async function mint(options: Mint): Promise<string> {
  const payload: JWTPayload = { ...(options.claims ?? idClaims('wangfang')) };
  if (options.iat !== undefined) payload.iat = options.iat;
  if (options.exp !== undefined) payload.exp = options.exp;
  if (options.nbf !== undefined) payload.nbf = options.nbf;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid })
    .setIssuer(options.issuer ?? `${h.local.endpoints.api}/local-auth`)
    .setAudience(options.audience ?? LOCAL_CLIENT_ID)
    .sign(options.key ?? ((await importJWK(signingJwk, 'RS256')) as SigningKey));
}

/** A well-formed token: 1 hour, issued now. */
const good = (claims?: JWTPayload) => mint({ claims, iat: now(), exp: now() + 3600 });

async function call(token: string, path = '/me'): Promise<{ status: number; message: string; body: any }> {
  const res = await fetch(`${h.local.endpoints.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as any;
  return { status: res.status, message: String(body?.message ?? ''), body };
}

beforeAll(async () => {
  h = await startHarness({ watchInbox: false });
  signingJwk = JSON.parse(readFileSync(join(h.dataDir, 'identity', 'signing-key.json'), 'utf8')) as JWK;
  await h.upload('关于开展安全生产大检查的通知.pdf', await makePdf('one'));
  await h.local.settle();
  docId = (await h.api('wangfang', 'GET', '/registers/incoming')).body.items[0].docId;
}, 120_000);
afterAll(async () => h?.close());

const refusals: [string, () => Promise<string>, RegExp][] = [
  ['no exp', () => mint({ iat: now() }), /有效期/],
  ['a 100-year exp', () => mint({ iat: now(), exp: now() + 100 * 365 * 86_400 }), /24 小时/],
  ['a lifetime of a day and a minute', () => mint({ iat: now() - 60, exp: now() + 86_400 }), /24 小时/],
  ['an iat an hour in the future', () => mint({ iat: now() + 3600, exp: now() + 7200 }), /签发时间/],
  ['no iat', () => mint({ exp: now() + 3600 }), /签发时间/],
  ['no token_use', () => good({ ...idClaims('wangfang'), token_use: undefined }), /ID token/],
  ['token_use access', () => good({ ...idClaims('wangfang'), token_use: 'access' }), /access token/],
  ['a user not in the directory', () => good(idClaims('ghost')), /不在本单位人员目录/],
  ['a wrong signature', async () => mint({ iat: now(), exp: now() + 3600, key: (await generateKeyPair('RS256')).privateKey }), /登录凭证无效/],
  ['a wrong issuer', () => mint({ iat: now(), exp: now() + 3600, issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other' }), /登录凭证无效/],
  ['a wrong audience', () => mint({ iat: now(), exp: now() + 3600, audience: 'another-client' }), /登录凭证无效/],
  ['an expired exp', () => mint({ iat: now() - 7200, exp: now() - 60 }), /已过期/],
  ['an nbf in the future', () => mint({ iat: now(), nbf: now() + 3600, exp: now() + 7200 }), /尚未生效/],
  ['no signature at all (alg none)', async () => {
    const [, payload] = (await good()).split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    return `${none}.${payload}.`;
  }, /登录凭证无效/],
];

describe('tokens the API refuses', () => {
  it.each(refusals)('refuses a token with %s: 401 in Chinese', async (_name, token, reason) => {
    const answer = await call(await token());
    expect(answer.status, answer.message).toBe(401);
    expect(answer.message).toMatch(/[\u4e00-\u9fff]/);
    expect(answer.message).toMatch(reason);
  });

  it('refuses a user the directory has deactivated', async () => {
    // The system admin deactivates chenjing in the people directory (人员管理).
    const off = await h.api('sysadmin', 'PUT', '/admin/people/chenjing', { active: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    const answer = await call(await good(idClaims('chenjing')));
    expect(answer.status).toBe(401);
    expect(answer.message).toMatch(/已停用/);
  });

  it('takes roles from the directory, not from the token', async () => {
    const answer = await call(await good({ ...idClaims('liuyang'), 'cognito:groups': ['main-leader'], 'custom:clearance': '绝密' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ username: 'liuyang', roles: ['staff'], clearance: '非密' });
  });

  it('holds in every API function, not only in one', async () => {
    const access = await good({ ...idClaims('wangfang'), token_use: 'access' });
    for (const path of ['/tasks', `/documents/${docId}`, '/registers/incoming', '/rejected-uploads']) {
      const answer = await call(access, path);
      expect(answer.status, path).toBe(401);
      expect(answer.message, path).toMatch(/access token/);
    }
  });
});

describe('tokens the API takes', () => {
  it('takes a well-formed ID token', async () => {
    const answer = await call(await good());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ username: 'wangfang', department: 'BGS', clearance: '机密', roles: ['clerk'] });
  });

  it('takes the longest lifetime allowed (24 hours) and an iat a little ahead (clock skew)', async () => {
    expect((await call(await mint({ iat: now() - 60, exp: now() - 60 + 86_400 }))).status).toBe(200);
    expect((await call(await mint({ iat: now() + 120, exp: now() + 3600 }))).status).toBe(200);
  });

  it('takes the token of the local login', async () => {
    const res = await fetch(`${h.local.endpoints.api}/local-auth/login`, { method: 'POST', body: JSON.stringify({ username: 'zhaomin', password: 'chancery' }) });
    const { idToken } = (await res.json()) as { idToken: string };
    const answer = await call(idToken, '/registers/incoming');
    expect(answer.status).toBe(200);
  });
});
