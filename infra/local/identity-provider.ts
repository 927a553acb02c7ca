/**
 * A local stand-in for the Cognito user pool: signs RS256 ID tokens for the seeded users with
 * the claims Cognito puts in them (cognito:username, cognito:groups, name, custom:department,
 * custom:clearance, aud = the app client id), and publishes its JWKS. The signing key lives in
 * the data directory, so tokens stay valid across restarts.
 *
 * It is also a small OpenID Connect provider for the console (authorization code + PKCE, as
 * Cognito managed login is in the cloud): codes live in memory for a minute; refresh tokens are
 * signed JWTs for another audience (the token endpoint), so the API refuses them as bearers and
 * they survive a restart.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, createLocalJWKSet, type JWK, type JWTPayload } from 'jose';
import { LOCAL_PASSWORD, LOCAL_USERS, type LocalUser } from './users.js';

export const LOCAL_CLIENT_ID = 'chancery-local-client';
const DEFAULT_TOKEN_SECONDS = 12 * 3600;
/** The API's own policy refuses ID tokens that live longer than a day. */
const MAX_TOKEN_SECONDS = 24 * 3600;
const CODE_SECONDS = 60;
const REFRESH_SECONDS = 7 * 24 * 3600;
/** Where the console lands after login on the API's own origin. */
export const CONSOLE_CALLBACK_PATH = '/auth/callback';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The lifetime of ID tokens: CHANCERY_TOKEN_SECONDS (1 to 86400), else 12 hours. */
export function tokenSecondsFromEnvironment(value = process.env.CHANCERY_TOKEN_SECONDS): number {
  if (value === undefined || value === '') return DEFAULT_TOKEN_SECONDS;
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < 1 || seconds > MAX_TOKEN_SECONDS) {
    throw new Error(`CHANCERY_TOKEN_SECONDS 应为 1 到 ${MAX_TOKEN_SECONDS} 之间的整数秒数，现为 "${value}"`);
  }
  return seconds;
}

/** An OAuth error: `error` is the standard code, `description` the Chinese message. */
export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'unsupported_response_type' | 'access_denied',
    readonly description: string,
  ) {
    super(description);
  }
}

/** What an authorize request asks for, checked. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
  scope: string;
}

interface PendingCode extends AuthorizationRequest {
  username: string;
  authTime: number;
  expiresAt: number;
}

export interface TokenResponse {
  id_token: string;
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

const sha256Base64Url = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 7636: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]; an S256 challenge is 43 base64url. */
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const PKCE_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;
const MAX_PARAM_CHARS = 2048;

export class LocalIdentityProvider {
  private readonly codes = new Map<string, PendingCode>();

  private constructor(
    readonly issuer: string,
    private readonly privateKey: Awaited<ReturnType<typeof importJWK>>,
    private readonly publicJwk: JWK,
    private readonly users: LocalUser[],
    readonly tokenSeconds: number,
  ) {}

  static async open(dataDir: string, issuer: string, users: LocalUser[] = LOCAL_USERS, tokenSeconds = tokenSecondsFromEnvironment()): Promise<LocalIdentityProvider> {
    const dir = join(dataDir, 'identity');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'signing-key.json');
    if (!existsSync(file)) {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: `local-${Date.now()}`, alg: 'RS256', use: 'sig' };
      writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    }
    const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    const privateKey = await importJWK(jwk, 'RS256');
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    return new LocalIdentityProvider(issuer, privateKey, publicJwk, users, tokenSeconds);
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** The origin the API (and the console) is served from. */
  get origin(): string {
    return new URL(this.issuer).origin;
  }

  listUsers(): LocalUser[] {
    return this.users;
  }

  /** Where people added since start are found (local mode: the people directory), so they sign in too. */
  private lookup?: (username: string) => Promise<LocalUser | undefined>;
  setDirectory(lookup: (username: string) => Promise<LocalUser | undefined>): void {
    this.lookup = lookup;
  }

  /**
   * Makes sure a username the directory knows can sign in: a person a system admin added since
   * start joins the users (with the shared local password). Call before authenticate().
   */
  async admit(username: string): Promise<void> {
    if (!this.lookup || this.users.some((u) => u.username === username)) return;
    const user = await this.lookup(username);
    if (user && !this.users.some((u) => u.username === username)) this.users.push(user);
  }

  /** OpenID Connect discovery (`/.well-known/openid-configuration`). */
  get discovery(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/token`,
      jwks_uri: `${this.issuer}/.well-known/jwks.json`,
      end_session_endpoint: `${this.issuer}/logout`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
      scopes_supported: ['openid', 'profile'],
      token_endpoint_auth_methods_supported: ['none'],
      claims_supported: ['sub', 'name', 'cognito:username', 'cognito:groups', 'custom:department', 'custom:clearance', 'nonce', 'auth_time'],
    };
  }

  /** The user, or undefined when the name or password is wrong. */
  authenticate(username: string, password: string): LocalUser | undefined {
    const user = this.users.find((u) => u.username === username);
    // Compared in constant time even for an unknown name: the answer takes as long either way.
    const passwordRight = sameText(password, LOCAL_PASSWORD);
    return user && passwordRight ? user : undefined;
  }

  /** Returns an ID token, or undefined when the name or password is wrong. */
  async login(username: string, password: string): Promise<{ idToken: string; expiresIn: number } | undefined> {
    await this.admit(username);
    const user = this.authenticate(username, password);
    if (!user) return undefined;
    return { idToken: await this.issue(user), expiresIn: this.tokenSeconds };
  }

  async issue(user: LocalUser, lifetimeSeconds = this.tokenSeconds, extraClaims: { nonce?: string; auth_time?: number } = {}): Promise<string> {
    return new SignJWT({
      'cognito:username': user.username,
      'cognito:groups': user.groups,
      name: user.name,
      'custom:department': user.department,
      'custom:clearance': user.clearance,
      token_use: 'id',
      ...extraClaims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid })
      .setSubject(`local-${user.username}`)
      .setIssuer(this.issuer)
      .setAudience(LOCAL_CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .sign(this.privateKey);
  }

  /** Verifies a token as the API's JWT authorizer does (signature, issuer, audience, expiry). */
  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(this.jwks), { issuer: this.issuer, audience: LOCAL_CLIENT_ID });
    return payload;
  }

  /**
   * Where a code may be sent: the console's callback on the API's own origin, or a page on a
   * loopback http origin (a console dev server such as Vite's).
   */
  redirectUriAllowed(redirectUri: string): boolean {
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      return false;
    }
    if (url.hash || url.username || url.password) return false;
    if (url.origin === this.origin) return url.pathname === CONSOLE_CALLBACK_PATH;
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  }

  /** Where logout may return to: the API's own origin or a loopback http origin. */
  logoutRedirectAllowed(uri: string): boolean {
    try {
      const url = new URL(uri);
      return !url.username && !url.password && (url.origin === this.origin || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)));
    } catch {
      return false;
    }
  }

  /** Checks an authorize request (query or login form); throws OAuthError in Chinese. */
  parseAuthorizationRequest(params: URLSearchParams): AuthorizationRequest {
    const one = (name: string, label: string): string => {
      const values = params.getAll(name);
      if (values.length === 0 || values[0] === '') throw new OAuthError('invalid_request', `缺少参数 ${name}（${label}）`);
      if (values.length > 1) throw new OAuthError('invalid_request', `参数 ${name}（${label}）只能出现一次`);
      if (values[0].length > MAX_PARAM_CHARS) throw new OAuthError('invalid_request', `参数 ${name}（${label}）过长`);
      return values[0];
    };
    const clientId = one('client_id', '客户端标识');
    if (clientId !== LOCAL_CLIENT_ID) throw new OAuthError('invalid_client', `未知的客户端 ${clientId}：本地模式只认 ${LOCAL_CLIENT_ID}`);
    const redirectUri = one('redirect_uri', '回调地址');
    if (!this.redirectUriAllowed(redirectUri)) {
      throw new OAuthError('invalid_request', `回调地址 ${redirectUri} 不被允许：只能回到本服务的 ${this.origin}${CONSOLE_CALLBACK_PATH} 或本机回环地址（http://127.0.0.1、http://localhost）`);
    }
    if (one('response_type', '响应类型') !== 'code') throw new OAuthError('unsupported_response_type', '只支持授权码模式（response_type=code）');
    const scope = params.get('scope') ?? 'openid';
    if (!scope.split(' ').includes('openid')) throw new OAuthError('invalid_request', '参数 scope 应包含 openid');
    const state = one('state', '状态值');
    const nonce = one('nonce', '防重放随机数');
    const codeChallenge = params.get('code_challenge') ?? '';
    if (!codeChallenge) throw new OAuthError('invalid_request', '缺少 PKCE 参数 code_challenge：本地身份服务要求使用 PKCE（S256）');
    if (params.get('code_challenge_method') !== 'S256') throw new OAuthError('invalid_request', 'PKCE 参数 code_challenge_method 应为 S256');
    if (!PKCE_CHALLENGE.test(codeChallenge)) throw new OAuthError('invalid_request', 'PKCE 参数 code_challenge 格式无效（应为 43 个 base64url 字符）');
    return { clientId, redirectUri, state, nonce, codeChallenge, scope: 'openid profile' };
  }

  /** A one-time code for a signed-in user, good for a minute. */
  issueCode(request: AuthorizationRequest, user: LocalUser): string {
    const now = Date.now();
    for (const [code, pending] of this.codes) if (pending.expiresAt <= now) this.codes.delete(code);
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { ...request, username: user.username, authTime: Math.floor(now / 1000), expiresAt: now + CODE_SECONDS * 1000 });
    return code;
  }

  /** The token endpoint: form parameters in, tokens out; throws OAuthError in Chinese. */
  async token(form: URLSearchParams): Promise<TokenResponse> {
    const grantType = form.get('grant_type');
    if (!grantType) throw new OAuthError('invalid_request', '缺少参数 grant_type（授权类型）');
    const clientId = form.get('client_id');
    if (clientId !== LOCAL_CLIENT_ID) throw new OAuthError('invalid_client', `客户端标识 client_id 应为 ${LOCAL_CLIENT_ID}`);
    if (grantType === 'authorization_code') return this.exchangeCode(form);
    if (grantType === 'refresh_token') return this.refresh(form);
    throw new OAuthError('unsupported_grant_type', '只支持授权码（authorization_code）和刷新令牌（refresh_token）两种授权类型');
  }

  private async exchangeCode(form: URLSearchParams): Promise<TokenResponse> {
    const code = form.get('code') ?? '';
    if (!code) throw new OAuthError('invalid_request', '缺少参数 code（授权码）');
    const pending = this.codes.get(code);
    // Single use: taken out whatever follows, so a replayed or guessed code never works twice.
    this.codes.delete(code);
    if (!pending || pending.expiresAt <= Date.now()) throw new OAuthError('invalid_grant', '授权码无效、已使用或已过期（有效期 60 秒），请重新登录');
    if (form.get('redirect_uri') !== pending.redirectUri) throw new OAuthError('invalid_grant', '回调地址 redirect_uri 与申请授权码时的不一致');
    const verifier = form.get('code_verifier') ?? '';
    if (!verifier) throw new OAuthError('invalid_request', '缺少 PKCE 参数 code_verifier');
    if (!PKCE_VERIFIER.test(verifier) || !sameText(sha256Base64Url(verifier), pending.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'PKCE 校验失败：code_verifier 与 code_challenge 不匹配');
    }
    const user = this.users.find((u) => u.username === pending.username);
    if (!user) throw new OAuthError('invalid_grant', '用户已不存在，请重新登录');
    return this.tokensFor(user, pending.authTime, pending.nonce);
  }

  private async refresh(form: URLSearchParams): Promise<TokenResponse> {
    const refreshToken = form.get('refresh_token') ?? '';
    if (!refreshToken) throw new OAuthError('invalid_request', '缺少参数 refresh_token（刷新令牌）');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(refreshToken, createLocalJWKSet(this.jwks), { issuer: this.issuer, audience: this.refreshAudience }));
    } catch {
      throw new OAuthError('invalid_grant', '刷新令牌无效或已过期，请重新登录');
    }
    if (typeof payload.sub === 'string' && payload.sub.startsWith('local-')) await this.admit(payload.sub.slice('local-'.length));
    const user = this.users.find((u) => `local-${u.username}` === payload.sub);
    if (payload.token_use !== 'refresh' || payload.client_id !== LOCAL_CLIENT_ID || !user || typeof payload.auth_time !== 'number') {
      throw new OAuthError('invalid_grant', '刷新令牌无效，请重新登录');
    }
    return this.tokensFor(user, payload.auth_time);
  }

  /** Refresh tokens are for the token endpoint only: the API (audience = client id) refuses them. */
  private get refreshAudience(): string {
    return `${this.issuer}/token`;
  }

  /** The same JWT serves as ID and access token: the API's authorizer takes ID tokens, as with Cognito. */
  private async tokensFor(user: LocalUser, authTime: number, nonce?: string): Promise<TokenResponse> {
    const idToken = await this.issue(user, this.tokenSeconds, { auth_time: authTime, ...(nonce ? { nonce } : {}) });
    const refreshToken = await new SignJWT({ token_use: 'refresh', client_id: LOCAL_CLIENT_ID, auth_time: authTime })
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid })
      .setSubject(`local-${user.username}`)
      .setIssuer(this.issuer)
      .setAudience(this.refreshAudience)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt()
      .setExpirationTime(`${REFRESH_SECONDS}s`)
      .sign(this.privateKey);
    return { id_token: idToken, access_token: idToken, token_type: 'Bearer', expires_in: this.tokenSeconds, refresh_token: refreshToken, scope: 'openid profile' };
  }
}
