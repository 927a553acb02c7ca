/**
 * Local mode's mail: the SES v2 API (SendEmail, what the notify function calls) answered by filing
 * each message as a file, `<dataDir>/outbox/<date>/<notification id>.json`, instead of sending it —
 * the local outbox (本地发件箱). A message is written aside and linked into place, so a file is
 * whole or absent; its name comes from the message's `notification` tag, so a resend after a
 * crash finds the file there and files nothing twice. GET /local-outbox on the API port lists the
 * caller's own messages (those addressed to them), newest first, for the console.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { listen, type ListeningServer } from './http-listen.js';

export interface FiledMessage {
  id: string;
  messageId: string;
  /** When local mode filed it (real time). */
  filedAt: string;
  /** The notification's day (branch time zone): its folder. */
  date: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/** Where the API port lists the caller's filed mail (also under /api/ for the console). */
export const LOCAL_OUTBOX_PATH = '/local-outbox';

const SAFE_NAME = /^[A-Za-z0-9_-]{1,200}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** "=?UTF-8?B?…?= <a@b>" as people read it: 公文处理系统 <a@b>. */
function decodeEncodedWords(header: string): string {
  return header
    .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'))
    .replace(/^"([^"]*)"/, '$1');
}

/** Files one message (or finds it filed already): what SendEmail answers. */
export function fileMessage(outboxDir: string, request: Record<string, any>): FiledMessage {
  const tags = new Map<string, string>(((request.EmailTags ?? []) as { Name: string; Value: string }[]).map((t) => [t.Name, t.Value]));
  const now = new Date();
  const id = SAFE_NAME.test(tags.get('notification') ?? '') ? tags.get('notification')! : randomUUID();
  const date = DATE.test(tags.get('date') ?? '') ? tags.get('date')! : now.toISOString().slice(0, 10);
  const dir = join(outboxDir, date);
  const file = join(dir, `${id}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as FiledMessage;
  const simple = request.Content?.Simple ?? {};
  const message: FiledMessage = {
    id,
    messageId: `local-${randomBytes(8).toString('hex')}`,
    filedAt: now.toISOString(),
    date,
    from: decodeEncodedWords(String(request.FromEmailAddress ?? '')),
    to: (request.Destination?.ToAddresses ?? []).map(String),
    subject: String(simple.Subject?.Data ?? ''),
    text: String(simple.Body?.Text?.Data ?? ''),
  };
  mkdirSync(dir, { recursive: true });
  const aside = join(dir, `.${id}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(aside, JSON.stringify(message, null, 2));
  try {
    // A link never replaces a file: whoever filed it first wins, whole.
    linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return JSON.parse(readFileSync(file, 'utf8')) as FiledMessage;
  } finally {
    unlinkSync(aside);
  }
  return message;
}

/** Every filed message to `address`, newest first. */
export function messagesTo(outboxDir: string, address: string): FiledMessage[] {
  if (!existsSync(outboxDir)) return [];
  const found: FiledMessage[] = [];
  for (const date of readdirSync(outboxDir).filter((d) => DATE.test(d))) {
    for (const name of readdirSync(join(outboxDir, date)).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      const m = JSON.parse(readFileSync(join(outboxDir, date, name), 'utf8')) as FiledMessage;
      if (m.to.includes(address)) found.push(m);
    }
  }
  return found.sort((a, b) => b.filedAt.localeCompare(a.filedAt) || b.id.localeCompare(a.id));
}

const BAD_CURSOR = '翻页参数 cursor 无效，请从第一页重新查询';
const BAD_LIMIT = '每页条数 limit 应为 1–200 的整数';

/** A page of my filed messages: `?limit` (default 50) and `?cursor` as the previous page gave it. */
export function outboxPage(outboxDir: string, address: string, query: URLSearchParams): { status: number; body: unknown } {
  const limitText = query.get('limit') ?? '50';
  if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 200) return { status: 400, body: { message: BAD_LIMIT } };
  const all = messagesTo(outboxDir, address);
  let start = 0;
  const cursor = query.get('cursor');
  if (cursor) {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return { status: 400, body: { message: BAD_CURSOR } };
    const [filedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    start = all.findIndex((m) => m.filedAt === filedAt && m.id === id) + 1;
    if (start === 0) return { status: 400, body: { message: BAD_CURSOR } };
  }
  const items = all.slice(start, start + Number(limitText));
  const last = items.at(-1);
  const more = start + items.length < all.length;
  return { status: 200, body: { address, items, ...(more && last ? { cursor: Buffer.from(`${last.filedAt}|${last.id}`).toString('base64url') } : {}) } };
}

/** The SES v2 endpoint (AWS_ENDPOINT_URL_SESV2): SendEmail only; signatures are not checked. */
export async function startLocalSes(options: { outboxDir: string; host: string; port: number; onFiled?: (m: FiledMessage) => void }): Promise<ListeningServer> {
  const reply = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !(req.url ?? '').startsWith('/v2/email/outbound-emails')) {
      return reply(res, 404, { message: `${req.method} ${req.url} is not supported by local mode` }, 'NotFoundException');
    }
    let request: Record<string, any>;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
    } catch {
      return reply(res, 400, { message: 'body is not JSON' }, 'BadRequestException');
    }
    if (!request.FromEmailAddress || !request.Destination?.ToAddresses?.length || !request.Content?.Simple) {
      return reply(res, 400, { message: 'FromEmailAddress, Destination.ToAddresses and Content.Simple are required' }, 'BadRequestException');
    }
    const filed = fileMessage(options.outboxDir, request);
    options.onFiled?.(filed);
    reply(res, 200, { MessageId: filed.messageId });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => reply(res, 500, { message: String(err) }, 'InternalFailure'));
  });
  return listen(server, options.host, options.port);
}
