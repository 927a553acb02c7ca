/**
 * The HTTP API under the console's own origin (apiBase, `/api`), with the ID token as bearer —
 * what API Gateway's JWT authorizer checks. A 401 means the session ended: log in again.
 */
import { sessionExpired, userManager } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The refusal's other fields (a stale draft's 409 names who changed it: changedByName, changedAt). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let apiBase = '/api';
export const setApiBase = (base: string) => {
  apiBase = base.replace(/\/$/, '');
};

async function bearer(): Promise<string | undefined> {
  const user = await userManager().getUser();
  if (!user || user.expired) return (await sessionExpired())?.id_token;
  return user.id_token;
}

/** A request with the bearer; a 401 (the session ended) logs in again and sends it once more. */
async function authorizedFetch(method: string, path: string, body?: unknown): Promise<Response> {
  const send = async (token: string | undefined) =>
    fetch(`${apiBase}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const res = await send(await bearer());
  if (res.status !== 401) return res;
  const renewed = await sessionExpired();
  if (!renewed) throw new ApiError(401, '登录已过期，正在转到登录页…');
  return send(renewed.id_token);
}

/** The API's Chinese message of a refusal. */
const refusal = (res: Response, parsed: unknown) => {
  const message = (parsed as { message?: unknown } | undefined)?.message;
  const details = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  return new ApiError(res.status, typeof message === 'string' ? message : `请求失败（${res.status}）`, details);
};

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await authorizedFetch(method, path, body);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) throw refusal(res, parsed);
  return parsed as T;
}

/**
 * A file the API answers (an export): inline, named by Content-Disposition, or — when large or
 * asked for — as JSON with a short-lived link, which is followed here.
 */
export async function download(path: string): Promise<{ blob: Blob; fileName: string }> {
  const res = await authorizedFetch('GET', path);
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  if (!res.ok) throw refusal(res, json ? await res.json().catch(() => undefined) : undefined);
  if (json) {
    const link = (await res.json()) as { url: string; fileName: string };
    const file = await fetch(link.url);
    if (!file.ok) throw new ApiError(file.status, `下载链接已失效（${file.status}），请重新导出`);
    return { blob: await file.blob(), fileName: link.fileName };
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const fileName = encoded ? decodeURIComponent(encoded) : (/filename="([^"]+)"/i.exec(disposition)?.[1] ?? '导出文件');
  return { blob: await res.blob(), fileName };
}

// ---- The API's answers, as far as the console reads them. ----

export interface Me {
  username: string;
  name: string;
  roles: string[];
  roleNames?: string[];
  department?: string;
  clearance: string;
}

export interface TaskItem {
  taskId: string;
  docId: string;
  title: string;
  stepName: string;
  step: string;
  route: string;
  urgency?: string;
  secrecy?: string;
  dueAt?: string;
  createdAt?: string;
  decidedAt?: string;
  decidedByName?: string;
  overdue?: boolean;
  registerNumber?: string;
  assignee?: string;
  ask?: string;
  status: string;
}

export interface TrackingItem {
  docId: string;
  title: string;
  registerNumber?: string;
  urgency?: string;
  secrecy?: string;
  status: string;
  lastActedAt?: string;
  currentSteps?: { taskId: string; stepName: string; holder?: string; dueAt?: string; overdue?: boolean }[];
}

export interface BoxPage<T> {
  box: string;
  name: string;
  items: T[];
  cursor?: string;
}

export interface SlipLine {
  stepName: string;
  opinion?: string;
  actorName?: string;
  role?: string;
  at: string;
  details?: { label: string; value: string }[];
}

export interface TimelineEvent {
  seq: number;
  at: string;
  actor: string;
  actorName?: string;
  action: string;
  details?: Record<string, unknown>;
}

export interface DocumentRecord {
  docId: string;
  title: string;
  registerNumber?: string;
  sourceNumber?: string;
  sender?: string;
  secrecy?: string;
  urgency?: string;
  route: string;
  status?: string;
  receivedAt?: string;
  registeredAt?: string;
  scan?: { fileName?: string };
  /** An internal document typed into the form (内部来文的正文). */
  content?: string;
  requester?: { username: string; name: string; department?: string };
}

export interface DocumentView {
  document: DocumentRecord;
  slip: SlipLine[];
  tasks: TaskItem[];
  timeline?: TimelineEvent[];
  attachments?: { name: string; size?: number; url?: string; uploadedByName?: string; attachedAt?: string }[];
  audit?: { verification?: { ok: boolean } };
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  const?: unknown;
}

export interface RouteStep {
  id: string;
  name: string;
  ask?: string;
  form?: JsonSchema;
  operations?: { id: string; name: string; call: string }[];
  returnTo?: string[];
  namesPerson?: { field: string; role: string; label: string };
}

export interface RouteDescription {
  id: string;
  name: string;
  kind?: string;
  steps: RouteStep[];
}

export interface RoutesAnswer {
  items: RouteDescription[];
  departments?: { code: string; name: string }[];
}
