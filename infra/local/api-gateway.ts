/**
 * A local API Gateway HTTP API: the manifest's routes, a JWT authorizer that verifies tokens as
 * the Cognito authorizer does, requests turned into the payload-format-2.0 event, and the
 * function's answer turned back into HTTP. The local identity provider's login lives under
 * /local-auth/ on the same port.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen, type ListeningServer } from './http-listen.js';
import type { LocalIdentityProvider } from './identity-provider.js';
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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export type LocalApi = ListeningServer;

export async function startLocalApi(options: {
  wiring: LocalWiring;
  runtime: LocalLambdaRuntime;
  identity: LocalIdentityProvider;
  host: string;
  port: number;
}): Promise<LocalApi> {
  const routes = options.wiring.routes.map(compile);
  const { identity, runtime } = options;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const body = await readBody(req);

    if (url.pathname === '/local-auth/login' && method === 'POST') {
      let creds: { username?: string; password?: string } = {};
      try {
        creds = JSON.parse(body.toString('utf8') || '{}');
      } catch {
        return send(res, 400, { message: '请求内容不是有效的 JSON' });
      }
      const token = await identity.login(String(creds.username ?? ''), String(creds.password ?? ''));
      if (!token) return send(res, 401, { message: '用户名或密码错误' });
      return send(res, 200, { ...token, tokenType: 'Bearer' });
    }
    if (url.pathname === '/local-auth/.well-known/jwks.json') return send(res, 200, identity.jwks);
    if (url.pathname === '/local-auth/users' && method === 'GET') return send(res, 200, { users: identity.listUsers() });

    let matched: { route: CompiledRoute; values: string[] } | undefined;
    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(url.pathname);
      if (m) {
        matched = { route, values: m.slice(1) };
        break;
      }
    }
    if (!matched) return send(res, 404, { message: 'Not Found' });

    // The JWT authorizer: identity source is the Authorization header, "Bearer " optional.
    const header = req.headers.authorization ?? '';
    const token = header.replace(/^Bearer\s+/i, '').trim();
    if (!token) return send(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
    let claims: Record<string, string>;
    try {
      claims = claimsAsApiGatewayPassesThem((await identity.verify(token)) as Record<string, unknown>);
    } catch {
      return send(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    const textual = /json|text|xml|form-urlencoded/.test(headers['content-type'] ?? 'application/json');
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey: matched.route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(matched.route.params.length
        ? { pathParameters: Object.fromEntries(matched.route.params.map((p, i) => [p, decodeURIComponent(matched!.values[i])])) }
        : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: 'local',
        authorizer: { jwt: { claims, scopes: null } },
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: matched.route.routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !textual,
    };

    let result: unknown;
    try {
      result = await runtime.invoke(matched.route.functionId, event);
    } catch {
      return send(res, 500, { message: 'Internal Server Error' });
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

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error', detail: String(err) });
      else res.end();
    });
  });
  return listen(server, options.host, options.port);
}
