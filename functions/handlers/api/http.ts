/**
 * The thin HTTP layer shared by the API functions: route by API Gateway's routeKey, read the
 * caller from the JWT claims the authorizer verified, answer JSON, and turn every refusal into a
 * 4xx whose message a clerk can act on (zh-CN).
 */
import middy from '@middy/core';
import * as z from 'zod';
// The one locale, not z.locales (which would bundle every language zod speaks).
import zhCNLocale from 'zod/v4/locales/zh-CN.js';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { actorFromClaims, checkClaims, ClaimsError, isRole, type Actor } from '../../domain/identity.js';
import { findUser } from '../../adapters/directory.js';
import { env } from '../../adapters/env.js';
import { claimNamesOf } from '../../domain/branch-config.js';
import { BadCursorError } from '../../adapters/dynamo.js';
import { Refusal } from '../../domain/refusal.js';
import { logger } from '../../adapters/logger.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A file answered as is (base64 on the wire, as API Gateway carries binary), saved under `fileName`. */
export class FileAnswer {
  constructor(
    readonly body: Uint8Array,
    readonly contentType: string,
    readonly fileName: string,
  ) {}

  toResult(): APIGatewayProxyStructuredResultV2 {
    // An ASCII fallback name for old clients, the real (Chinese) one per RFC 6266/5987.
    const ascii = this.fileName.replace(/[^A-Za-z0-9._-]+/g, '_');
    return {
      statusCode: 200,
      headers: {
        'content-type': this.contentType,
        'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(this.fileName)}`,
        'x-content-type-options': 'nosniff',
      },
      body: Buffer.from(this.body).toString('base64'),
      isBase64Encoded: true,
    };
  }
}

export interface Request {
  actor: Actor;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

export type RouteHandler = (request: Request) => Promise<unknown>;

type Event = APIGatewayProxyEventV2WithJWTAuthorizer & { body?: unknown };

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

/** JSON bodies only; an empty body reads as no body (GET), malformed JSON is the caller's error. */
function parseBody(event: Event): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(String(event.body), 'base64').toString('utf8') : String(event.body);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, '请求内容不是有效的 JSON');
  }
}

/** The `$default` route (no authorizer): whatever no route matched. Says what was asked, briefly. */
function unknownRoute(event: Event): APIGatewayProxyStructuredResultV2 {
  const method = String(event.requestContext?.http?.method ?? '').slice(0, 10);
  const path = String(event.rawPath ?? event.requestContext?.http?.path ?? '');
  const shown = path.length > 80 ? `${path.slice(0, 80)}…` : path;
  return json(404, { message: `没有这个接口：${method} ${shown}。可用接口：/me、/tasks、/documents/{文件号}、/registers/{登记簿}、/rejected-uploads` });
}

/**
 * Who calls: a valid ID token (our policy) says who; the people directory says what they are —
 * roles, department, clearance — and whether they are still active. Read afresh on every request,
 * so a change an admin makes holds from the next request on.
 */
async function callerOf(event: Event): Promise<Actor> {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  let username: string;
  try {
    const { identity } = env.branchConfig;
    checkClaims(claims, Date.now() / 1000, identity.kind);
    username = actorFromClaims(claims, claimNamesOf(identity)).username;
  } catch (err) {
    throw new HttpError(401, err instanceof ClaimsError ? err.message : '登录信息无效，请重新登录');
  }
  const user = await findUser(username);
  if (!user) throw new HttpError(401, `用户 ${username} 不在本单位人员目录中，请联系系统管理员`);
  if (!user.enabled) throw new HttpError(401, `账号 ${username} 已停用，请联系系统管理员`);
  return {
    username: user.username,
    name: user.name,
    roles: user.roles.filter(isRole),
    ...(user.department ? { department: user.department } : {}),
    clearance: user.clearance,
  };
}

export function apiHandler(routes: Record<string, RouteHandler>) {
  const dispatch = async (event: Event): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = event.routeKey === '$default' ? undefined : routes[event.routeKey];
    if (!route) return unknownRoute(event);
    try {
      const actor = await callerOf(event);
      const result = await route({
        actor,
        params: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        body: parseBody(event),
      });
      return result instanceof FileAnswer ? result.toResult() : json(200, result);
    } catch (err) {
      if (err instanceof HttpError) return json(err.statusCode, { message: err.message, ...err.details });
      if (err instanceof BadCursorError) return json(400, { message: err.message });
      if (err instanceof Refusal) return json(err.status, { message: err.message, ...err.details });
      logger.error('request failed', { routeKey: event.routeKey, error: err as Error });
      return json(500, { message: '系统内部错误，请稍后重试；如仍失败请联系管理员' });
    }
  };
  return middy<Event, APIGatewayProxyStructuredResultV2>(dispatch).use(injectLambdaContext(logger));
}

export function pageLimit(query: Record<string, string>, max = 200): number {
  if (query.limit === undefined) return 50;
  // Digits only: Number() would also take "1e2", "0x10" or " 5".
  const limit = /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : NaN;
  if (!(limit >= 1 && limit <= max)) throw new HttpError(400, `每页条数（limit）应为 1 到 ${max} 之间的整数`);
  return limit;
}

/** Any message zod has not been given, in Chinese rather than zod's English default. */
const zhCN = zhCNLocale().localeError;

/** A request body checked against its form: the value, or a 400 with every message in Chinese. No body is an empty form. */
export function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body === undefined ? {} : body, { error: zhCN });
  if (!parsed.success) throw new HttpError(400, parsed.error.issues.map((i) => i.message).join('；'));
  return parsed.data;
}
