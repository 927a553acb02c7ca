/**
 * A local API Gateway HTTP API: the manifest's routes, a JWT authorizer that verifies tokens as
 * the Cognito authorizer does, requests turned into the payload-format-2.0 event, and the
 * function's answer turned back into HTTP. The local identity provider (JSON login for the CLI,
 * OpenID Connect for the console) lives under /local-auth/ on the same port, and so does the
 * console: its files, /config.json, and the API again under /api/ (as CloudFront puts it in the
 * cloud), so the console needs no CORS. Whatever a client sends, it gets an HTTP answer with a Chinese
 * message: API Gateway's size limits (10 MB body, 10 KB request line and headers) are answered
 * 413/414/431 rather than by dropping the connection.
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errors as joseErrors } from 'jose';
import { z } from 'zod';
import { ConsoleHosting } from './console-hosting.js';
import { listen, type ListeningServer } from './http-listen.js';
import type { LocalIdentityProvider } from './identity-provider.js';
import { localIssuer, type TokenIssuer } from './token-issuer.js';
import { answerLocalAuth } from './local-auth-pages.js';
import { LOCAL_OUTBOX_PATH, outboxPage } from './local-outbox.js';
import { localEmailOf } from './users.js';
import type { LocalLambdaRuntime } from './lambda-runtime.js';
import type { LocalWiring } from './wiring.js';
import { LOCAL_ACCOUNT } from './wiring.js';

interface CompiledRoute {
  routeKey: string;
  method: string;
  pattern: RegExp;
  params: string[];
  functionId: string;
}

/** API Gateway HTTP API quotas. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10 * 1024;
export const MAX_URL_CHARS = 8 * 1024;
/** Node reads headers this large before our own checks answer 414/431 (a 1 MB header included). */
const NODE_MAX_HEADER_BYTES = 4 * 1024 * 1024;
/** After answering 413, how much more of the body is read and dropped before the socket closes. */
const DRAIN_AFTER_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_AFTER_LIMIT_MS = 30_000;

const MESSAGES = {
  badPath: '请求地址中的百分号编码（%XX）无效，请检查地址',
  badUrl: '请求地址无效，请检查地址',
  tooLarge: `请求内容超过 ${MAX_BODY_BYTES / 1024 / 1024} MB 上限，请减小后重试`,
  urlTooLong: `请求地址过长（上限 ${MAX_URL_CHARS} 个字符），请检查地址`,
  headersTooLarge: `请求头过大（请求行和请求头合计上限 ${MAX_REQUEST_LINE_AND_HEADERS_BYTES / 1024} KB），请检查登录凭证等请求头`,
  badRequest: '请求格式无效，无法处理',
  noToken: '未登录：请在请求头 Authorization 中携带登录得到的令牌（Bearer <idToken>）',
  badToken: '登录凭证无效（签名、签发方或适用对象不符），请重新登录',
  expired: '登录已过期，请重新登录',
  notYet: '登录凭证尚未生效，请检查电脑时间后重新登录',
  loginBody: '登录请求应为 JSON 对象：{"username": "用户名", "password": "密码"}',
  loginFailed: '用户名或密码错误',
  server: '系统内部错误，请稍后重试；如仍失败请联系管理员',
  outsideConsole: '请求地址无效：不能访问控制台目录以外的文件',
};

/** Where the console finds the API under the same origin (CloudFront's behaviour in the cloud). */
export const API_PREFIX = '/api';

const loginSchema = z.object(
  {
    username: z.string({ error: MESSAGES.loginBody }).max(128, MESSAGES.loginFailed),
    password: z.string({ error: MESSAGES.loginBody }).max(256, MESSAGES.loginFailed),
  },
  { error: MESSAGES.loginBody },
);

/** A client error Node detected before any handler ran, answered on the raw socket. */
function answerOnSocket(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Bytes of the request line and headers as API Gateway counts them (near enough). */
function headBytes(req: IncomingMessage): number {
  let bytes = (req.method ?? '').length + (req.url ?? '').length + 11;
  for (const part of req.rawHeaders) bytes += Buffer.byteLength(part) + 2;
  return bytes;
}

function compile(route: LocalWiring['routes'][number]): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((part) => {
      const m = /^\{([A-Za-z0-9_]+)\+?\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  return { routeKey: route.routeKey, method: route.method, pattern: new RegExp(`^${source}$`), params, functionId: route.function };
}

/** HTTP APIs hand JWT claims to the function as strings; arrays as "[a b]". */
export function claimsAsApiGatewayPassesThem(payload: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)]),
  );
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** The body, or undefined once it passes the limit (then nothing more is kept). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', reject);
      chunks.length = 0;
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/**
 * Answers 413 at once, then reads and drops what the client still sends (up to a bound) before
 * closing: closing with unread data would reset the connection, and the client would never see
 * the answer.
 */
function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  let dropped = 0;
  const close = () => {
    clearTimeout(timer);
    socket.end();
  };
  const timer = setTimeout(() => socket.destroy(), DRAIN_AFTER_LIMIT_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_AFTER_LIMIT_BYTES) socket.destroy();
  });
  req.once('end', close);
  // Keep-alive framing: with `connection: close` node would destroy the socket right after the
  // answer, unread body and all; the socket is ended above once the body is in.
  send(res, 413, { message: MESSAGES.tooLarge });
}

/** Path parameters decoded as API Gateway does; malformed percent-encoding is the caller's error. */
function decodeParam(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

export type LocalApi = ListeningServer;

export async function startLocalApi(options: {
  wiring: LocalWiring;
  runtime: LocalLambdaRuntime;
  identity: LocalIdentityProvider;
  host: string;
  port: number;
  /** The built console (web/dist). */
  webDist: string;
  /** The branch's name as people know it (总部), for the console's title. */
  branchDisplayName: string;
  /** The S3 endpoint presigned links point to: the console fetches scans and uploads there. */
  s3Origin?: string;
  /** The local outbox (local-outbox.ts), listed at GET /local-outbox. */
  outboxDir?: string;
  /** Whose tokens the JWT authorizer takes: the local identity provider unless the branch names an OIDC issuer. */
  authorizer?: TokenIssuer;
  /** The claim naming the caller in the authorizer's tokens. */
  usernameClaim?: string;
}): Promise<LocalApi> {
  const routes = options.wiring.routes.filter((r) => r.path !== '$default').map(compile);
  const { identity, runtime } = options;
  const consoleHosting = new ConsoleHosting(options.webDist, { s3Origin: options.s3Origin });
  const authorizer = options.authorizer ?? localIssuer(identity);
  const usernameClaim = options.usernameClaim ?? 'cognito:username';
  const consoleConfig = {
    issuer: authorizer.issuer,
    clientId: authorizer.clientId,
    ...(authorizer.endSessionEndpoint ? { endSessionEndpoint: authorizer.endSessionEndpoint } : {}),
    apiBase: API_PREFIX,
    branch: options.branchDisplayName,
  };

  const defaultRoute = options.wiring.routes.find((r) => r.path === '$default');

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL_CHARS) return send(res, 414, { message: MESSAGES.urlTooLong });
    if (headBytes(req) > MAX_REQUEST_LINE_AND_HEADERS_BYTES) return send(res, 431, { message: MESSAGES.headersTooLarge });
    let url: URL;
    try {
      // Prefixed, not resolved against a base: "//host/x" must stay a path, not become a host.
      url = new URL(`http://localhost${rawUrl.startsWith('/') ? '' : '/'}${rawUrl}`);
    } catch {
      return send(res, 400, { message: MESSAGES.badUrl });
    }
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (!body) return refuseBody(req, res);

    if (url.pathname === '/local-auth/login' && method === 'POST') {
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, 400, { message: MESSAGES.loginBody });
      }
      const creds = loginSchema.safeParse(json);
      if (!creds.success) return send(res, creds.error.issues.some((i) => i.message === MESSAGES.loginFailed) ? 401 : 400, { message: creds.error.issues[0].message });
      const token = await identity.login(creds.data.username, creds.data.password);
      if (!token) return send(res, 401, { message: MESSAGES.loginFailed });
      return send(res, 200, { ...token, tokenType: 'Bearer' });
    }
    if (url.pathname === '/local-auth/users' && method === 'GET') return send(res, 200, { users: identity.listUsers() });
    if (await answerLocalAuth(identity, { method, url, headers: req.headers, body }, res)) return;
    if (url.pathname === '/config.json' && (method === 'GET' || method === 'HEAD')) return send(res, 200, consoleConfig, { 'cache-control': 'no-store' });

    // The API under /api/ for the console; un-prefixed for the CLI and other clients.
    const prefixed = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
    const apiPath = prefixed ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname;

    // Local mode only: the mail it filed instead of sending (本地发件箱), the caller's own.
    if (options.outboxDir && apiPath === LOCAL_OUTBOX_PATH && method === 'GET') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '').trim();
      if (!token) return send(res, 401, { message: MESSAGES.noToken }, { 'www-authenticate': 'Bearer' });
      let username: unknown;
      try {
        username = (await authorizer.verify(token))[usernameClaim];
      } catch {
        return send(res, 401, { message: MESSAGES.badToken }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      const user = identity.listUsers().find((u) => u.username === username);
      if (!user) return send(res, 401, { message: MESSAGES.badToken });
      const page = outboxPage(options.outboxDir, localEmailOf(user), url.searchParams);
      return send(res, page.status, page.body, { 'cache-control': 'no-store' });
    }

    let matched: { route: CompiledRoute; values: string[] } | undefined;
    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(apiPath);
      if (m) {
        matched = { route, values: m.slice(1) };
        break;
      }
    }

    // A browser opening a page (HTML wanted, no token: an address bar or a reload never sends
    // one) gets the console, even where an API route has the same path (/documents/abc); API
    // clients send a token or want JSON, and get the API.
    if (!prefixed && (method === 'GET' || method === 'HEAD')) {
      const pageWanted = /\btext\/html\b/i.test(req.headers.accept ?? '') && !req.headers.authorization;
      if (!matched || pageWanted) {
        const decodedPath = decodeParam(url.pathname);
        if (decodedPath === undefined) return send(res, 400, { message: MESSAGES.badPath });
        const answer = await consoleHosting.serve(decodedPath, method, pageWanted, res);
        if (answer === 'served') return;
        if (answer === 'refused') return send(res, 400, { message: MESSAGES.outsideConsole });
      }
    }
    // As API Gateway: what no route matches goes to $default, which has no authorizer.
    if (!matched && !defaultRoute) return send(res, 404, { message: '没有这个接口，请检查地址' });
    const params = matched ? matched.values.map(decodeParam) : [];
    if (params.some((p) => p === undefined)) return send(res, 400, { message: MESSAGES.badPath });

    let claims: Record<string, string> | undefined;
    if (matched) {
      // The JWT authorizer: identity source is the Authorization header, "Bearer " optional.
      const header = req.headers.authorization ?? '';
      const token = header.replace(/^Bearer\s+/i, '').trim();
      if (!token) return send(res, 401, { message: MESSAGES.noToken }, { 'www-authenticate': 'Bearer' });
      try {
        claims = claimsAsApiGatewayPassesThem((await authorizer.verify(token)) as Record<string, unknown>);
      } catch (err) {
        const message = err instanceof joseErrors.JWTExpired ? MESSAGES.expired : err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf' ? MESSAGES.notYet : MESSAGES.badToken;
        return send(res, 401, { message }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
    }
    const routeKey = matched ? matched.route.routeKey : '$default';
    const functionId = matched ? matched.route.functionId : defaultRoute!.function;

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    const textual = /json|text|xml|form-urlencoded/.test(headers['content-type'] ?? 'application/json');
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey,
      rawPath: apiPath,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(matched?.route.params.length ? { pathParameters: Object.fromEntries(matched.route.params.map((p, i) => [p, params[i]!])) } : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: 'local',
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: { method, path: apiPath, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !textual,
    };

    let result: unknown;
    try {
      result = await runtime.invoke(functionId, event);
    } catch {
      return send(res, 500, { message: MESSAGES.server });
    }
    // Payload format 2.0: a result without statusCode is a 200 JSON body.
    const structured = result as { statusCode?: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean } | null;
    if (structured && typeof structured === 'object' && typeof structured.statusCode === 'number') {
      const raw = structured.body ?? '';
      res.writeHead(structured.statusCode, structured.headers ?? {});
      return res.end(structured.isBase64Encoded ? Buffer.from(raw, 'base64') : raw);
    }
    return send(res, 200, result);
  };

  const server: Server = createServer({ maxHeaderSize: NODE_MAX_HEADER_BYTES }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { message: MESSAGES.server });
      else res.end();
    });
  });
  // Requests node cannot parse (headers beyond even NODE_MAX_HEADER_BYTES, bad framing) still get
  // an answer, not a reset.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET') return void socket.destroy();
    answerOnSocket(socket, err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400, err.code === 'HPE_HEADER_OVERFLOW' ? MESSAGES.headersTooLarge : MESSAGES.badRequest);
  });
  return listen(server, options.host, options.port);
}
