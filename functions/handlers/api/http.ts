/**
 * The thin HTTP layer shared by the API functions: route by API Gateway's routeKey, read the
 * caller from the JWT claims the authorizer verified, answer JSON, and turn every refusal into a
 * 4xx whose message a clerk can act on (zh-CN).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { actorFromClaims, type Actor } from '../../domain/identity.js';
import { BadCursorError } from '../../adapters/dynamo.js';
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

export function apiHandler(routes: Record<string, RouteHandler>) {
  const dispatch = async (event: Event): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { message: `没有这个接口：${event.routeKey}` });
    try {
      const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
      let actor: Actor;
      try {
        actor = actorFromClaims(claims);
      } catch {
        throw new HttpError(401, '登录信息无效，请重新登录');
      }
      const result = await route({
        actor,
        params: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        body: parseBody(event),
      });
      return json(200, result);
    } catch (err) {
      if (err instanceof HttpError) return json(err.statusCode, { message: err.message, ...err.details });
      if (err instanceof BadCursorError) return json(400, { message: err.message });
      logger.error('request failed', { routeKey: event.routeKey, error: err as Error });
      return json(500, { message: '系统内部错误，请稍后重试；如仍失败请联系管理员' });
    }
  };
  return middy<Event, APIGatewayProxyStructuredResultV2>(dispatch).use(injectLambdaContext(logger));
}

export function pageLimit(query: Record<string, string>, max = 200): number {
  if (query.limit === undefined) return 50;
  const limit = Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new HttpError(400, `limit 应为 1 到 ${max} 之间的整数`);
  return limit;
}
