/**
 * The local identity provider over HTTP, under /local-auth/ on the API port: discovery, the
 * zh-CN login page (authorize), the token endpoint and logout, beside the JSON login the CLI
 * uses. Every refusal is in Chinese: an HTML page where a person is looking, OAuth JSON
 * ({error, error_description}) where the console's OIDC client is.
 */
import type { ServerResponse } from 'node:http';
import { ROLE_NAMES } from '../../functions/domain/identity.js';
import { OAuthError, type AuthorizationRequest, type LocalIdentityProvider } from './identity-provider.js';
import { LOCAL_PASSWORD } from './users.js';

const MAX_USERNAME_CHARS = 128;
const MAX_PASSWORD_CHARS = 256;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f5f5f5;margin:0;color:#222}
main{max-width:420px;margin:8vh auto;background:#fff;padding:32px;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.1)}
h1{font-size:20px;margin:0 0 24px}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;font-size:15px;border:1px solid #ccc;border-radius:4px}
button{margin-top:20px;width:100%;padding:10px;font-size:16px;background:#1677ff;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#cf1322;background:#fff1f0;border:1px solid #ffa39e;padding:8px;border-radius:4px}
details{margin-top:24px;font-size:13px;color:#555}table{border-collapse:collapse;width:100%}td{padding:2px 6px}`;

/** A whole zh-CN page: no scripts, no external assets. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string, formTarget?: string): void {
  // The form posts here and is then redirected to the console: form-action must allow both.
  const formAction = formTarget && formTarget !== "'self'" ? `'self' ${formTarget}` : "'self'";
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  });
  res.end(html);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const errorPage = (message: string) =>
  htmlPage('无法登录 — Chancery', `<h1>无法登录</h1><p class="error">${escapeHtml(message)}</p><p>请回到控制台重新发起登录。</p>`);

function loginPage(identity: LocalIdentityProvider, request: AuthorizationRequest, username = '', error?: string): string {
  const hidden = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scope,
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  };
  const users = identity
    .listUsers()
    .map((u) => `<tr><td>${escapeHtml(u.username)}</td><td>${escapeHtml(u.name)}</td><td>${escapeHtml(u.groups.map((g) => ROLE_NAMES[g]).join('、'))}</td><td>${escapeHtml(u.department)}</td></tr>`)
    .join('');
  return htmlPage(
    '登录 — Chancery 公文处理',
    `<h1>登录 Chancery 公文处理</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/local-auth/authorize">
${Object.entries(hidden).map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`).join('\n')}
<label for="username">用户名</label><input type="text" id="username" name="username" value="${escapeHtml(username)}" autocomplete="username" required autofocus>
<label for="password">密码</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">登录</button>
</form>
<details open><summary>本地模式演示用户（仅供评估、开发和测试；密码均为 ${escapeHtml(LOCAL_PASSWORD)}）</summary><table>${users}</table></details>`,
  );
}

const isLoopbackOrigin = (origin: string) => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin);

/** A console dev server on another loopback port reads discovery, keys and tokens across origins. */
function corsFor(origin: string | undefined): Record<string, string> {
  return origin && isLoopbackOrigin(origin) ? { 'access-control-allow-origin': origin, vary: 'origin' } : {};
}

function formOf(contentType: string | undefined, body: Buffer): URLSearchParams | undefined {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return undefined;
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * Answers the OIDC routes under /local-auth/; returns false for any other path or method, which
 * the gateway then handles as before.
 */
export async function answerLocalAuth(
  identity: LocalIdentityProvider,
  request: { method: string; url: URL; headers: Record<string, string | string[] | undefined>; body: Buffer },
  res: ServerResponse,
): Promise<boolean> {
  const { method, url, body } = request;
  const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
  const contentType = typeof request.headers['content-type'] === 'string' ? request.headers['content-type'] : undefined;
  const path = url.pathname;

  if (path === '/local-auth/.well-known/openid-configuration' && method === 'GET') {
    sendJson(res, 200, identity.discovery, corsFor(origin));
    return true;
  }

  if (path === '/local-auth/.well-known/jwks.json' && method === 'GET') {
    sendJson(res, 200, identity.jwks, corsFor(origin));
    return true;
  }

  if (path === '/local-auth/authorize' && (method === 'GET' || method === 'POST')) {
    const params = method === 'GET' ? url.searchParams : formOf(contentType, body);
    if (!params) {
      sendHtml(res, 400, errorPage('登录表单应以 application/x-www-form-urlencoded 提交'));
      return true;
    }
    let authorization: AuthorizationRequest;
    try {
      authorization = identity.parseAuthorizationRequest(params);
    } catch (err) {
      // Never redirected: the redirect URI itself may be what is wrong.
      sendHtml(res, 400, errorPage(err instanceof OAuthError ? err.description : '登录请求无效'));
      return true;
    }
    const redirectOrigin = new URL(authorization.redirectUri).origin;
    if (method === 'GET') {
      sendHtml(res, 200, loginPage(identity, authorization), redirectOrigin);
      return true;
    }
    const username = (params.get('username') ?? '').trim();
    const password = params.get('password') ?? '';
    const fits = username.length <= MAX_USERNAME_CHARS && password.length <= MAX_PASSWORD_CHARS;
    if (fits && username) await identity.admit(username);
    const user = fits ? identity.authenticate(username, password) : undefined;
    if (!user) {
      const shownName = username.length <= MAX_USERNAME_CHARS ? username : '';
      sendHtml(res, 401, loginPage(identity, authorization, shownName, !username || !password ? '请输入用户名和密码' : '用户名或密码错误'), redirectOrigin);
      return true;
    }
    const target = new URL(authorization.redirectUri);
    target.searchParams.set('code', identity.issueCode(authorization, user));
    target.searchParams.set('state', authorization.state);
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' });
    res.end();
    return true;
  }

  if (path === '/local-auth/token' && method === 'POST') {
    const cors = corsFor(origin);
    const form = formOf(contentType, body);
    if (!form) {
      sendJson(res, 400, { error: 'invalid_request', error_description: '令牌请求应以 application/x-www-form-urlencoded 提交' }, cors);
      return true;
    }
    try {
      sendJson(res, 200, await identity.token(form), { pragma: 'no-cache', ...cors });
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      sendJson(res, 400, { error: err.error, error_description: err.description }, cors);
    }
    return true;
  }

  if (path === '/local-auth/logout' && method === 'GET') {
    const target = url.searchParams.get('post_logout_redirect_uri');
    if (target && identity.logoutRedirectAllowed(target)) {
      const location = new URL(target);
      const state = url.searchParams.get('state');
      if (state) location.searchParams.set('state', state);
      res.writeHead(302, { location: location.toString(), 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    sendHtml(res, 200, htmlPage('已退出 — Chancery', `<h1>已退出登录</h1><p>您已退出 Chancery。<a href="/">返回控制台</a></p>`));
    return true;
  }
  return false;
}
