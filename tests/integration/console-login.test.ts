/**
 * The console's side of local mode, over real HTTP: the OpenID Connect login (authorization code
 * + PKCE, as oidc-client-ts drives it), the API again under /api/, /config.json, and the built
 * console served from the API port (a web/dist fixture in this test's own directory).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID, tokenSecondsFromEnvironment } from '../../infra/local/identity-provider.js';
import { inboxBucket, startHarness, type Harness } from './harness.js';

const TOKEN_SECONDS = 30;
const INDEX_HTML = '<!doctype html><html><body><div id="root">控制台首页</div></body></html>';
const APP_JS = 'console.log("chancery console");';
const SECRET = 'outside the console';
const CHINESE = /[\u4e00-\u9fff]/;

let h: Harness;
let dir: string;
let webDist: string;
let origin: string;
let redirectUri: string;

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorizeParams(overrides: Record<string, string | undefined> = {}, challenge = pkce().challenge): URLSearchParams {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: LOCAL_CLIENT_ID,
    redirect_uri: redirectUri,
    scope: 'openid profile',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  return new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

/** Signs in on the login form; returns the redirect's code. */
async function codeFor(username: string, challenge: string, overrides: Record<string, string> = {}): Promise<string> {
  const params = authorizeParams(overrides, challenge);
  const res = await fetch(`${origin}/local-auth/authorize`, form({ ...Object.fromEntries(params), username, password: 'chancery' }));
  expect(res.status, await res.clone().text()).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(overrides.redirect_uri ?? redirectUri);
  expect(location.searchParams.get('state')).toBe('state-1');
  return location.searchParams.get('code')!;
}

const exchange = (fields: Record<string, string>) => fetch(`${origin}/local-auth/token`, form({ grant_type: 'authorization_code', client_id: LOCAL_CLIENT_ID, redirect_uri: redirectUri, ...fields }));

/** A GET as written (fetch would resolve `..` and `%2e` before sending). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: h.local.ports.api, method: 'GET', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// Answers are checked field by field below.
const json = (res: Response): Promise<any> => res.json();

const page = (path: string) => fetch(`${origin}${path}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chancery-console-'));
  webDist = join(dir, 'dist');
  mkdirSync(join(webDist, 'assets'), { recursive: true });
  writeFileSync(join(webDist, 'index.html'), INDEX_HTML);
  writeFileSync(join(webDist, 'assets', 'index-3f9a1c2b.js'), APP_JS);
  writeFileSync(join(webDist, 'assets', 'index-77aa.css'), 'body{margin:0}');
  writeFileSync(join(webDist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync(join(dir, 'secret.txt'), join(webDist, 'leak.txt'));
  h = await startHarness({ watchInbox: false, webDist, tokenSeconds: TOKEN_SECONDS, dataDir: join(dir, 'data') });
  origin = h.local.endpoints.api;
  redirectUri = `${origin}/auth/callback`;
}, 120_000);
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OpenID Connect discovery', () => {
  it('names the endpoints oidc-client-ts needs', async () => {
    const res = await fetch(`${origin}/local-auth/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc).toMatchObject({
      issuer: `${origin}/local-auth`,
      authorization_endpoint: `${origin}/local-auth/authorize`,
      token_endpoint: `${origin}/local-auth/token`,
      jwks_uri: `${origin}/local-auth/.well-known/jwks.json`,
      end_session_endpoint: `${origin}/local-auth/logout`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile'],
      token_endpoint_auth_methods_supported: ['none'],
    });
  });
});

describe('authorization code + PKCE', () => {
  it('logs in on the zh-CN page, exchanges the code and calls the API with the token', async () => {
    const { verifier, challenge } = pkce();
    const login = await fetch(`${origin}/local-auth/authorize?${authorizeParams({}, challenge)}`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await login.text();
    for (const text of ['用户名', '密码', '登录', 'wangfang', '王芳', 'chancery']) expect(html).toContain(text);
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);

    const code = await codeFor('wangfang', challenge);
    const res = await exchange({ code, code_verifier: verifier });
    expect(res.status).toBe(200);
    const tokens = await json(res);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: TOKEN_SECONDS, scope: 'openid profile' });
    expect(tokens.access_token).toBe(tokens.id_token);

    const discovery = await json(await fetch(`${origin}/local-auth/.well-known/openid-configuration`));
    const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer: discovery.issuer, audience: LOCAL_CLIENT_ID });
    expect(payload).toMatchObject({ 'cognito:username': 'wangfang', 'cognito:groups': ['clerk'], name: '王芳', 'custom:department': 'BGS', 'custom:clearance': '机密', nonce: 'nonce-1' });
    expect(payload.exp! - payload.iat!).toBe(TOKEN_SECONDS);

    const me = await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    expect(JSON.stringify(await json(me))).toContain('wangfang');

    // The code was used: a second exchange is refused.
    const again = await exchange({ code, code_verifier: verifier });
    expect(again.status).toBe(400);
    const error = await json(again);
    expect(error.error).toBe('invalid_grant');
    expect(error.error_description).toMatch(CHINESE);
  });

  it('refuses a wrong password with the page again, in Chinese, and no code', async () => {
    const params = authorizeParams();
    const res = await fetch(`${origin}/local-auth/authorize`, form({ ...Object.fromEntries(params), username: 'wangfang', password: 'wrong' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('用户名或密码错误');
    expect(html).toContain('name="code_challenge"');
  });

  it('refuses a wrong code_verifier, and the code is gone afterwards', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor('liqiang', challenge);
    const wrong = await exchange({ code, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    const error = await json(wrong);
    expect(error).toMatchObject({ error: 'invalid_grant' });
    expect(error.error_description).toContain('PKCE');
    expect(error.error_description).toMatch(CHINESE);
    expect((await exchange({ code, code_verifier: verifier })).status).toBe(400);
  });

  it('refuses a code sent back with another redirect_uri or client', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor('liqiang', challenge);
    const res = await exchange({ code, code_verifier: verifier, redirect_uri: `${origin}/auth/other` });
    expect(res.status).toBe(400);
    expect((await json(res)).error_description).toMatch(CHINESE);
    const client = await exchange({ code, code_verifier: verifier, client_id: 'someone-else' });
    expect(client.status).toBe(400);
    expect(await json(client)).toMatchObject({ error: 'invalid_client' });
  });

  it.each([
    ['a foreign redirect_uri', { redirect_uri: 'http://evil.example/auth/callback' }, '回调地址'],
    ['a redirect_uri with a fragment', { redirect_uri: `${'http://127.0.0.1:5173'}/auth/callback#x` }, '回调地址'],
    ['no PKCE challenge', { code_challenge: undefined, code_challenge_method: undefined }, 'PKCE'],
    ['the plain PKCE method', { code_challenge_method: 'plain' }, 'S256'],
    ['no nonce', { nonce: undefined }, 'nonce'],
    ['no state', { state: undefined }, 'state'],
    ['another client', { client_id: 'other-client' }, '客户端'],
    ['response_type=token', { response_type: 'token' }, '授权码'],
  ] as const)('refuses an authorize request with %s (400, Chinese, no redirect)', async (_name, overrides, words) => {
    const params = authorizeParams(overrides as Record<string, string | undefined>);
    for (const res of [
      await fetch(`${origin}/local-auth/authorize?${params}`, { redirect: 'manual' }),
      await fetch(`${origin}/local-auth/authorize`, form({ ...Object.fromEntries(params), username: 'wangfang', password: 'chancery' })),
    ]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toMatch(CHINESE);
      if (words) expect(html).toContain(words);
    }
  });

  it('sends codes on the API origin to /auth/callback only, and allows a console dev server on loopback', async () => {
    const res = await fetch(`${origin}/local-auth/authorize?${authorizeParams({ redirect_uri: `${origin}/elsewhere` })}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('/auth/callback');
    const devServer = 'http://localhost:5173/auth/callback';
    const { verifier, challenge } = pkce();
    const code = await codeFor('wangfang', challenge, { redirect_uri: devServer });
    expect((await exchange({ code, code_verifier: verifier, redirect_uri: devServer })).status).toBe(200);
  });

  it('refuses malformed token requests with OAuth JSON in Chinese', async () => {
    const cases: [RequestInit, string][] = [
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"authorization_code"}' }, 'invalid_request'],
      [form({ client_id: LOCAL_CLIENT_ID }), 'invalid_request'],
      [form({ grant_type: 'password', client_id: LOCAL_CLIENT_ID }), 'unsupported_grant_type'],
      [form({ grant_type: 'authorization_code', client_id: LOCAL_CLIENT_ID, code: 'nope', code_verifier: pkce().verifier, redirect_uri: redirectUri }), 'invalid_grant'],
      [form({ grant_type: 'refresh_token', client_id: LOCAL_CLIENT_ID, refresh_token: 'not-a-token' }), 'invalid_grant'],
    ];
    for (const [init, error] of cases) {
      const res = await fetch(`${origin}/local-auth/token`, init);
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.error).toBe(error);
      expect(body.error_description).toMatch(CHINESE);
    }
  });

  it('refreshes: new tokens for the same person; the refresh token is no bearer', async () => {
    const { verifier, challenge } = pkce();
    const first = await json(await exchange({ code: await codeFor('zhaomin', challenge), code_verifier: verifier }));
    const res = await fetch(`${origin}/local-auth/token`, form({ grant_type: 'refresh_token', client_id: LOCAL_CLIENT_ID, refresh_token: first.refresh_token }));
    expect(res.status).toBe(200);
    const second = await json(res);
    expect(second).toMatchObject({ token_type: 'Bearer', expires_in: TOKEN_SECONDS, scope: 'openid profile' });
    const claims = decodeJwt(second.id_token);
    expect(claims['cognito:username']).toBe('zhaomin');
    expect(claims.auth_time).toBe(decodeJwt(first.id_token).auth_time);
    expect((await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${second.access_token}` } })).status).toBe(200);
    const refreshAsBearer = await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${first.refresh_token}` } });
    expect(refreshAsBearer.status).toBe(401);
  });

  it('logs out back to the console, and never to another site', async () => {
    const back = await fetch(`${origin}/local-auth/logout?post_logout_redirect_uri=${encodeURIComponent(`${origin}/`)}&state=s`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`${origin}/?state=s`);
    const foreign = await fetch(`${origin}/local-auth/logout?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`, { redirect: 'manual' });
    expect(foreign.status).toBe(200);
    expect(await foreign.text()).toContain('已退出');
  });

  it('reads the token lifetime from CHANCERY_TOKEN_SECONDS', () => {
    expect(tokenSecondsFromEnvironment(undefined)).toBe(12 * 3600);
    expect(tokenSecondsFromEnvironment('5')).toBe(5);
    for (const bad of ['0', '-1', '1.5', 'abc', '86401']) expect(() => tokenSecondsFromEnvironment(bad)).toThrow(/CHANCERY_TOKEN_SECONDS/);
  });
});

describe('the API under /api and /config.json', () => {
  it('routes /api/* as the un-prefixed paths, which still work', async () => {
    const token = await h.local.identity.issue(h.local.identity.listUsers().find((u) => u.username === 'liqiang')!);
    const auth = { authorization: `Bearer ${token}` };
    for (const path of ['/api/me', '/me', '/api/tasks', '/tasks']) expect((await fetch(`${origin}${path}`, { headers: auth })).status, path).toBe(200);
    const missing = await fetch(`${origin}/api/nope`, { headers: { ...auth, accept: 'text/html' } });
    expect(missing.status).toBe(404);
    expect((await json(missing)).message).toMatch(CHINESE);
    // Under /api the API always answers, a browser's Accept or not.
    const noToken = await page('/api/tasks');
    expect(noToken.status).toBe(401);
    expect((await json(noToken)).message).toMatch(CHINESE);
  });

  it('tells the console where to log in', async () => {
    const res = await fetch(`${origin}/config.json`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ issuer: `${origin}/local-auth`, clientId: LOCAL_CLIENT_ID, apiBase: '/api', branch: '总部' });
  });
});

describe('the console files', () => {
  it('serves hashed assets for a year and index.html uncached, with types, nosniff and a CSP', async () => {
    const js = await fetch(`${origin}/assets/index-3f9a1c2b.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe(APP_JS);
    expect((await fetch(`${origin}/assets/index-77aa.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${origin}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');

    const index = await page('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = index.headers.get('content-security-policy')!;
    for (const part of ["default-src 'self'", "img-src 'self' data: blob:", "worker-src 'self' blob:", "connect-src 'self'"]) expect(csp).toContain(part);
    expect(await index.text()).toBe(INDEX_HTML);
  });

  it('answers page addresses of the app with index.html, even where an API path is the same', async () => {
    for (const path of ['/todo', '/documents/abc', '/auth/callback?code=x&state=y', '/tasks']) {
      const res = await page(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toBe(INDEX_HTML);
    }
  });

  it('keeps API answers for API clients at the root', async () => {
    const noToken = await fetch(`${origin}/tasks`);
    expect(noToken.status).toBe(401);
    expect((await json(noToken)).message).toMatch(CHINESE);
    const missingFile = await fetch(`${origin}/assets/missing.js`);
    expect(missingFile.status).toBe(404);
    expect((await json(missingFile)).message).toMatch(CHINESE);
  });

  it('refuses paths that leave web/dist', async () => {
    for (const path of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets%00.js']) {
      const res = await rawGet(path, { accept: 'text/html' });
      expect(res.status, path).toBe(400);
      expect(res.body, path).not.toContain(SECRET);
      expect(JSON.parse(res.body).message, path).toMatch(CHINESE);
    }
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/leak.txt']) {
      const res = await rawGet(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body, path).not.toContain(SECRET);
    }
  });

  it('says in Chinese that the console is not built when web/dist is missing', async () => {
    renameSync(webDist, `${webDist}-away`);
    try {
      const res = await page('/');
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('控制台尚未构建');
      expect((await page('/documents/abc')).status).toBe(404);
      expect((await fetch(`${origin}/`)).status).toBe(404);
    } finally {
      renameSync(`${webDist}-away`, webDist);
    }
  });
});

describe('presigned links from the console', () => {
  it('lets the console PUT an upload and fetch a scan on the S3 port (CORS)', async () => {
    const key = 'uploads/console-cors-test.txt';
    const put = await getSignedUrl(h.local.s3, new PutObjectCommand({ Bucket: inboxBucket(h.local), Key: key, ContentType: 'text/plain' }), { expiresIn: 300 });
    const preflight = await fetch(put, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBeTruthy();
    expect((await fetch(put, { method: 'PUT', headers: { origin, 'content-type': 'text/plain' }, body: '附件' })).status).toBe(200);
    const get = await getSignedUrl(h.local.s3, new GetObjectCommand({ Bucket: inboxBucket(h.local), Key: key }), { expiresIn: 300 });
    const read = await fetch(get, { headers: { origin } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(await read.text()).toBe('附件');
  });
});
