/**
 * Malformed requests against the real local services: every one must get a 4xx whose message a
 * clerk can read (Chinese), never a 5xx and never a dropped connection. Requests go over raw
 * node:http so paths, headers and bodies reach the server exactly as written.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../functions/domain/calendar.js';
import { routes } from '../../infra/manifest.js';
import { LOCAL_USERS } from '../../infra/local/users.js';
import { makePdf, startHarness, type Harness } from './harness.js';

let h: Harness;
const tokens = new Map<string, string>();
/** liqiang's open 拟办 task and its document. */
let taskId: string;
let docId: string;
/** Genuine cursors: liqiang's task list and the incoming register of this year, one item a page. */
let tasksCursor: string;
let registerCursor: string;

interface Answer {
  status: number;
  body: string;
}

async function tokenOf(username: string): Promise<string> {
  let t = tokens.get(username);
  if (!t) {
    t = await h.local.identity.issue(LOCAL_USERS.find((u) => u.username === username)!);
    tokens.set(username, t);
  }
  return t;
}

/** One request as written; `as: null` sends no Authorization header. */
async function send(method: string, path: string, options: { as?: string | null; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const as = options.as === undefined ? 'liqiang' : options.as;
  const headers: Record<string, string> = { ...(as ? { authorization: `Bearer ${await tokenOf(as)}` } : {}), ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  const port = h.local.ports.api;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const cursorOf = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const q = (path: string, params: Record<string, string>) => `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams(params)}`;
const dayOffset = (days: number) => localDate(new Date(Date.now() + days * 86_400_000), 'Asia/Shanghai');

interface Case {
  name: string;
  run: () => Promise<Answer>;
}
const cases: Case[] = [];
const add = (name: string, run: () => Promise<Answer>) => cases.push({ name, run });

// ---- cursors on every paged route ------------------------------------------------------------
const PAGED = ['/tasks', '/registers/incoming', '/rejected-uploads', '/me/notifications', '/documents?box=todo', '/documents?box=toread', '/documents?box=read', '/documents?box=done', '/documents?box=tracking'];
const badCursors: [string, () => string][] = [
  ['wrong keys', () => cursorOf({ a: 'b' })],
  ['an extra key', () => cursorOf({ pk: 'REG#incoming#2026', sk: 'NO#000001', gsi1pk: 'x', x: 'y' })],
  ['a JSON array', () => cursorOf([1, 2])],
  ['a JSON number', () => cursorOf(42)],
  ['a JSON string', () => cursorOf('"x"')],
  ['JSON null', () => cursorOf('null')],
  ['not base64url', () => '!!!***%%%'],
  ['base64 of no JSON', () => cursorOf('{not json')],
  ['number key values', () => cursorOf({ pk: 1, sk: 2 })],
  ['__proto__', () => cursorOf('{"__proto__":{"pk":"x","sk":"y"}}')],
  ['20,000 characters', () => 'A'.repeat(20_000)],
  ['6,000 characters (under the URL limit)', () => 'A'.repeat(6_000)],
  ['a lone surrogate in a value', () => cursorOf('{"pk":"\\ud800","sk":"x"}')],
  ['an empty object', () => cursorOf({})],
];
for (const path of PAGED) {
  for (const [name, cursor] of badCursors) add(`GET ${path} with a cursor of ${name}`, () => send('GET', q(path, { cursor: cursor() }), { as: 'wangfang' }));
}
add('GET /registers/incoming with a cursor of another register', () =>
  send('GET', q('/registers/chasing', { cursor: registerCursor }), { as: 'wangfang' }),
);
add('GET /registers/incoming with a cursor of another year', () =>
  send('GET', q('/registers/incoming', { cursor: registerCursor, year: String(new Date().getFullYear() - 1) }), { as: 'wangfang' }),
);
add('GET /registers/incoming with a cursor past the entries (sort key outside NO#)', () => {
  const key = JSON.parse(Buffer.from(registerCursor, 'base64url').toString('utf8')) as Record<string, string>;
  return send('GET', q('/registers/incoming', { cursor: cursorOf({ ...key, sk: '#COUNTER' }) }), { as: 'wangfang' });
});
add('GET /rejected-uploads with a cursor of another year', () =>
  send('GET', q('/rejected-uploads', { cursor: cursorOf({ pk: 'REJECTED#1999', sk: 'x' }) }), { as: 'wangfang' }),
);
add("GET /tasks with someone else's cursor", () => send('GET', q('/tasks', { cursor: tasksCursor }), { as: 'zhoujie' }));
add('GET /tasks with a cursor whose key belongs to another partition', () =>
  send('GET', q('/tasks', { cursor: cursorOf({ 'ROLE#office-director': { pk: 'TASK#a', sk: 'TASK', gsi1pk: 'USER#zhaomin', gsi1sk: 'x' } }) })),
);
add('GET /tasks with a cursor of a single-partition key', () => send('GET', q('/tasks', { cursor: registerCursor })));

// ---- limit, year, order ------------------------------------------------------------------------
for (const path of PAGED) {
  for (const limit of ['0', '-1', '1e2', '1.5', '201', 'abc', '', ' 5', '0x10', '10,20']) {
    add(`GET ${path}?limit=${JSON.stringify(limit)}`, () => send('GET', q(path, { limit }), { as: 'wangfang' }));
  }
}
add('GET /tasks?limit=1&limit=2', () => send('GET', '/tasks?limit=1&limit=2'));
for (const path of ['/registers/incoming', '/rejected-uploads']) {
  for (const year of ['2e3', '20266', 'abc', '-2026', '2026.0', '0999', '']) {
    add(`GET ${path}?year=${JSON.stringify(year)}`, () => send('GET', q(path, { year }), { as: 'wangfang' }));
  }
}
// Months and exports: a month is 1–12 as digits; an export names a known format and delivery.
for (const path of ['/registers/incoming', '/registers/incoming/export']) {
  for (const month of ['13', '0', '-1', '1e1', '11.0', 'abc', '', ' 11', '011']) {
    add(`GET ${path}?month=${JSON.stringify(month)}`, () => send('GET', q(path, { month }), { as: 'wangfang' }));
  }
}
for (const year of ['abc', '2e3', '']) add(`GET /registers/incoming/export?year=${JSON.stringify(year)}`, () => send('GET', q('/registers/incoming/export', { year }), { as: 'wangfang' }));
for (const format of ['doc', 'XLSX', '', 'xlsx ', '__proto__', 'toString']) {
  add(`GET /registers/incoming/export?format=${JSON.stringify(format)}`, () => send('GET', q('/registers/incoming/export', { format }), { as: 'wangfang' }));
}
add('GET /registers/incoming/export?delivery="email"', () => send('GET', q('/registers/incoming/export', { delivery: 'email' }), { as: 'wangfang' }));
add('GET /registers/incoming/export by staff (not an office role)', () => send('GET', '/registers/incoming/export', { as: 'liuyang' }));
add('GET /registers/__proto__/export', () => send('GET', '/registers/__proto__/export', { as: 'wangfang' }));
add('GET /registers/incoming?month=… with a cursor of the year list', () => send('GET', q('/registers/incoming', { month: '1', cursor: registerCursor }), { as: 'wangfang' }));
for (const order of ['DESC', 'random', '']) add(`GET /registers/incoming?order=${JSON.stringify(order)}`, () => send('GET', q('/registers/incoming', { order }), { as: 'wangfang' }));

// ---- path parameters ----------------------------------------------------------------------------
const badIds: [string, () => string][] = [
  ['a lone surrogate (%ED%A0%80)', () => '%ED%A0%80'],
  ['10,000 characters', () => 'a'.repeat(10_000)],
  ['5,000 characters (under the URL limit)', () => 'a'.repeat(5_000)],
  ['Chinese characters', () => encodeURIComponent('文件一号')],
  ['broken percent-encoding (%E0%A4%A)', () => '%E0%A4%A'],
  ['a non-hex percent (%ZZ)', () => '%ZZ'],
  ['an encoded slash', () => '..%2F..%2Fme'],
  ['upper-case hex', () => 'ABCDEF0123456789ABCDEF01'],
  ['the right shape but no such item', () => 'f'.repeat(24)],
];
const idRoutes: [string, string, (id: string) => string][] = [
  ['GET', '/tasks/{taskId}', (id) => `/tasks/${id}`],
  ['POST', '/tasks/{taskId}/decision', (id) => `/tasks/${id}/decision`],
  ['GET', '/documents/{docId}', (id) => `/documents/${id}`],
  ['GET', '/documents/{docId}/scan', (id) => `/documents/${id}/scan`],
  ['POST', '/tasks/{taskId}/transfer', (id) => `/tasks/${id}/transfer`],
  ['POST', '/tasks/{taskId}/chase', (id) => `/tasks/${id}/chase`],
  ['POST', '/documents/{docId}/circulate', (id) => `/documents/${id}/circulate`],
  ['POST', '/documents/{docId}/read', (id) => `/documents/${id}/read`],
];
// Drafts: every route with a malformed or unknown draft id.
idRoutes.push(
  ['GET', '/drafts/{draftId}', (id) => `/drafts/${id}`],
  ['PUT', '/drafts/{draftId}', (id) => `/drafts/${id}`],
  ['POST', '/drafts/{draftId}/submit', (id) => `/drafts/${id}/submit`],
  ['POST', '/drafts/{draftId}/consent', (id) => `/drafts/${id}/consent`],
  ['GET', '/drafts/{draftId}/versions', (id) => `/drafts/${id}/versions`],
  ['GET', '/drafts/{draftId}/versions/{version}', (id) => `/drafts/${id}/versions/1`],
  ['GET', '/drafts/{draftId}/diff', (id) => `/drafts/${id}/diff`],
  ['GET', '/drafts/{draftId}/preview', (id) => `/drafts/${id}/preview`],
  ['GET', '/drafts/{draftId}/pdf', (id) => `/drafts/${id}/pdf`],
  ['GET', '/drafts/{draftId}/slip', (id) => `/drafts/${id}/slip`],
  ['GET', '/drafts/{draftId}/distribution', (id) => `/drafts/${id}/distribution`],
  ['POST', '/drafts/{draftId}/void-number', (id) => `/drafts/${id}/void-number`],
);
// Seals: an unknown or malformed seal id, as the keeper.
for (const [name, id] of badIds) {
  add(`POST /seals/{sealId}/suspend with an id of ${name}`, () => send('POST', `/seals/${id()}/suspend`, { as: 'majun', body: JSON.stringify({ anomaly: 'lost', reason: '遗失' }) }));
  add(`POST /seals/{sealId}/reinstate with an id of ${name}`, () => send('POST', `/seals/${id()}/reinstate`, { as: 'majun', body: JSON.stringify({ reason: '找回' }) }));
}
for (const [name, body] of [['null', 'null'], ['an array', '[]'], ['malformed JSON', '{"anomaly": '], ['an unknown anomaly', '{"anomaly":"stolen","reason":"x"}'], ['no reason', '{"anomaly":"lost"}'], ['an extra field', '{"anomaly":"lost","reason":"x","x":1}']]) {
  add(`POST /seals/company/suspend with ${name}`, () => send('POST', '/seals/company/suspend', { as: 'majun', body }));
}
for (const [name, body] of [['null', 'null'], ['no uploadId', '{}'], ['a bad uploadId', '{"uploadId":"../x"}'], ['an unknown uploadId', `{"uploadId":"${'a'.repeat(22)}"}`]]) {
  add(`POST /seals/verify with ${name}`, () => send('POST', '/seals/verify', { body }));
}
add('POST /drafts/{draftId}/submit with an unknown route', () => send('POST', `/drafts/${'a'.repeat(20)}/submit`, { body: JSON.stringify({ route: '__proto__' }) }));
for (const [method, route, path] of idRoutes) {
  for (const [name, id] of badIds) {
    const postBody = route.endsWith('/decision')
      ? { opinion: '同意', department: 'SCJSK' }
      : route.endsWith('/transfer')
        ? { to: 'wangfang', reason: '转' }
        : route.endsWith('/circulate')
          ? { readers: ['sunwei'] }
          : {};
    const draftBody = route === '/drafts/{draftId}' ? { revision: 1, title: '标题' } : route.endsWith('/consent') ? { note: '同意' } : postBody;
    add(`${method} ${route} with an id of ${name}`, () => send(method, path(id()), method === 'POST' || method === 'PUT' ? { body: JSON.stringify(route.startsWith('/drafts') ? draftBody : postBody) } : {}));
  }
}
add('GET /documents/{docId} with a task id (wrong length)', () => send('GET', `/documents/${taskId}`));
add('GET /tasks/{taskId} with a document id (wrong length)', () => send('GET', `/tasks/${docId}`));
for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'INCOMING', '%ED%A0%80', 'x'.repeat(10_000)]) {
  add(`GET /registers/${name.slice(0, 20)}`, () => send('GET', `/registers/${name}`, { as: 'wangfang' }));
}

// ---- decision bodies ----------------------------------------------------------------------------
const bodies: [string, () => string][] = [
  ['null', () => 'null'],
  ['an array', () => '[]'],
  ['a string', () => '"x"'],
  ['a number', () => '1'],
  ['true', () => 'true'],
  ['an empty object', () => '{}'],
  ['malformed JSON', () => '{"opinion": '],
  ['opinion a number', () => JSON.stringify({ opinion: 1, department: 'SCJSK' })],
  ['opinion blank', () => JSON.stringify({ opinion: '   ', department: 'SCJSK' })],
  ['opinion of 2,001 characters', () => JSON.stringify({ opinion: '意'.repeat(2001), department: 'SCJSK' })],
  ['department a number', () => JSON.stringify({ opinion: '同意', department: 5 })],
  ['department an object', () => JSON.stringify({ opinion: '同意', department: { code: 'SCJSK' } })],
  ['an unknown department', () => JSON.stringify({ opinion: '同意', department: 'NOPE' })],
  ['a 10,000-character department', () => JSON.stringify({ opinion: '同意', department: 'D'.repeat(10_000) })],
  ['an unknown field', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', opinon: 'typo' })],
  ['a field of another step (deputy)', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', deputy: 'sunwei' })],
  ['__proto__ as a field', () => '{"opinion":"同意","department":"SCJSK","__proto__":{"admin":true}}'],
  ['dueDate 2026-13-45', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: '2026-13-45' })],
  ['dueDate 2026-02-30', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: '2026-02-30' })],
  ['dueDate 0000-00-00', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: '0000-00-00' })],
  ['dueDate yesterday', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: dayOffset(-1) })],
  ['dueDate three years ahead', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: dayOffset(3 * 366) })],
  ['dueDate 12/31', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: '12/31' })],
  ['dueDate a number', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: 20261231 })],
  ['dueDate with a time', () => JSON.stringify({ opinion: '同意', department: 'SCJSK', dueDate: '2026-12-31T00:00:00Z' })],
  ['a 5 MB opinion', () => JSON.stringify({ opinion: 'x'.repeat(5 * 1024 * 1024), department: 'SCJSK' })],
];
for (const [name, body] of bodies) add(`POST /tasks/{taskId}/decision with a body of ${name}`, () => send('POST', `/tasks/${taskId}/decision`, { body: body() }));
add('POST /tasks/{taskId}/decision with base64-looking binary', () =>
  send('POST', `/tasks/${taskId}/decision`, { body: Buffer.from([0xff, 0xfe, 0x00, 0x01]), headers: { 'content-type': 'application/octet-stream' } }),
);

// ---- task-service operation bodies (none of them may succeed) ---------------------------------------
const notForms: [string, string][] = [
  ['null', 'null'],
  ['an array', '[]'],
  ['a string', '"x"'],
  ['a number', '1'],
  ['malformed JSON', '{"to": '],
  ['__proto__ as a field', '{"__proto__":{"admin":true}}'],
];
const operationBodies: [string, string, () => string, string][] = [
  ...notForms.map(([name, body]): [string, string, () => string, string] => ['POST', 'transfer', () => body, name]),
  ['POST', 'transfer', () => '{}', 'an empty object'],
  ['POST', 'transfer', () => JSON.stringify({ to: 5, reason: '转' }), 'to a number'],
  ['POST', 'transfer', () => JSON.stringify({ to: 'has space', reason: '转' }), 'to with a space'],
  ['POST', 'transfer', () => JSON.stringify({ to: 'u'.repeat(129), reason: '转' }), 'a 129-character to'],
  ['POST', 'transfer', () => JSON.stringify({ to: 'wangfang', reason: '   ' }), 'a blank reason'],
  ['POST', 'transfer', () => JSON.stringify({ to: 'wangfang', reason: '转'.repeat(501) }), 'a 501-character reason'],
  ['POST', 'transfer', () => JSON.stringify({ to: 'wangfang', reason: '转', extra: 1 }), 'an unknown field'],
  ['POST', 'transfer', () => JSON.stringify({ to: 'zhoujie', reason: '转' }), 'a person not holding the role'],
  ['POST', 'transfer', () => JSON.stringify({ to: 'nosuchperson', reason: '转' }), 'a person not in the directory'],
  ...notForms.map(([name, body]): [string, string, () => string, string] => ['POST', 'chase', () => body, name]),
  ['POST', 'chase', () => JSON.stringify({ note: 5 }), 'note a number'],
  ['POST', 'chase', () => JSON.stringify({ note: '催'.repeat(501) }), 'a 501-character note'],
  ['POST', 'chase', () => JSON.stringify({ note: '催', urgent: true }), 'an unknown field'],
];
for (const [method, op, body, name] of operationBodies) add(`${method} /tasks/{taskId}/${op} with a body of ${name}`, () => send(method, `/tasks/${taskId}/${op}`, { body: body() }));
add('POST /tasks/{taskId}/chase by someone who may not chase', () => send('POST', `/tasks/${taskId}/chase`, { as: 'zhoujie', body: '{}' }));

const docBodies: [string, () => string, string][] = [
  ...notForms.map(([name, body]): [string, () => string, string] => ['circulate', () => body, name]),
  ['circulate', () => '{}', 'an empty object'],
  ['circulate', () => JSON.stringify({ readers: [] }), 'no readers'],
  ['circulate', () => JSON.stringify({ readers: 'sunwei' }), 'readers a string'],
  ['circulate', () => JSON.stringify({ readers: [1, 2] }), 'readers numbers'],
  ['circulate', () => JSON.stringify({ readers: Array.from({ length: 501 }, (_, i) => `u${i}`) }), '501 readers'],
  ['circulate', () => JSON.stringify({ readers: ['sunwei', 'sunwei'] }), 'a reader twice'],
  ['circulate', () => JSON.stringify({ readers: ['sunwei', 'ghost'] }), 'a reader not in the directory'],
  ['circulate', () => JSON.stringify({ readers: ['sunwei'], order: 'RANK' }), 'an unknown order'],
  ['circulate', () => JSON.stringify({ readers: ['sunwei'], note: 7 }), 'note a number'],
  ['circulate', () => JSON.stringify({ readers: ['sunwei'], cc: ['x'] }), 'an unknown field'],
  ...notForms.map(([name, body]): [string, () => string, string] => ['read', () => body, name]),
  ['read', () => JSON.stringify({ opinion: 1 }), 'opinion a number'],
  ['read', () => JSON.stringify({ opinion: '阅'.repeat(2001) }), 'a 2,001-character opinion'],
  ['read', () => JSON.stringify({ opinion: '已阅', x: 1 }), 'an unknown field'],
  ['read', () => '{}', 'nothing circulated to me'],
];
for (const [op, body, name] of docBodies) add(`POST /documents/{docId}/${op} with a body of ${name}`, () => send('POST', `/documents/${docId}/${op}`, { body: body() }));
add('POST /documents/{docId}/circulate by someone who may not circulate', () => send('POST', `/documents/${docId}/circulate`, { as: 'liuyang', body: JSON.stringify({ readers: ['sunwei'] }) }));

const delegationBodies: [string, string][] = [
  ...notForms,
  ['an empty object', '{}'],
  ['to a number', JSON.stringify({ to: 1, from: '2027-01-04', until: '2027-01-08' })],
  ['from 2027-02-30', JSON.stringify({ to: 'wangfang', from: '2027-02-30', until: '2027-03-08' })],
  ['until 12/31', JSON.stringify({ to: 'wangfang', from: '2027-01-04', until: '12/31' })],
  ['until before from', JSON.stringify({ to: 'wangfang', from: '2027-01-08', until: '2027-01-04' })],
  ['a range of two years', JSON.stringify({ to: 'wangfang', from: '2027-01-04', until: '2029-01-04' })],
  ['until yesterday', JSON.stringify({ to: 'wangfang', from: dayOffset(-10), until: dayOffset(-1) })],
  ['a delegate who cannot stand in', JSON.stringify({ to: 'liuyang', from: '2027-01-04', until: '2027-01-08' })],
  ['oneself', JSON.stringify({ to: 'liqiang', from: '2027-01-04', until: '2027-01-08' })],
  ['an unknown field', JSON.stringify({ to: 'wangfang', from: '2027-01-04', until: '2027-01-08', roles: ['admin'] })],
];
for (const [name, body] of delegationBodies) add(`PUT /me/delegation with a body of ${name}`, () => send('PUT', '/me/delegation', { body }));
add('PUT /me/delegation by someone who may not delegate', () => send('PUT', '/me/delegation', { as: 'liuyang', body: JSON.stringify({ to: 'zhoujie', from: '2027-01-04', until: '2027-01-08' }) }));
add('DELETE /me/delegation with none set', () => send('DELETE', '/me/delegation'));
for (const box of ['', 'inbox', 'TODO', 'todo,done', '__proto__']) add(`GET /documents?box=${JSON.stringify(box)}`, () => send('GET', q('/documents', { box })));
add('GET /documents?box=done with a cursor of another box', async () => {
  const key = { pk: 'TASK#a', sk: 'TASK', gsi4pk: 'BOX#done#zhaomin', gsi4sk: 'x' };
  return send('GET', q('/documents', { box: 'done', cursor: cursorOf(key) }));
});
add('GET /me/notifications with a cursor of someone else', () => send('GET', q('/me/notifications', { cursor: cursorOf({ pk: 'NOTE#zhaomin', sk: 'x' }) })));

// ---- draft bodies (none of them may succeed) ---------------------------------------------------------
const draftForm = { docType: '通知', title: '关于开展检查的通知', mainRecipients: ['各科室'], issuingCode: '管司发', direction: 'downward', body: { kind: 'structured', blocks: [{ kind: 'paragraph', text: '正文。' }] } };
const draftBodies: [string, () => string][] = [
  ...notForms.map(([name, body]): [string, () => string] => [name, () => body]),
  ['an empty object', () => '{}'],
  ['docType unknown', () => JSON.stringify({ ...draftForm, docType: '便函' })],
  ['title a number', () => JSON.stringify({ ...draftForm, title: 1 })],
  ['a 201-character title', () => JSON.stringify({ ...draftForm, title: '题'.repeat(201) })],
  ['mainRecipients a string', () => JSON.stringify({ ...draftForm, mainRecipients: '各科室' })],
  ['51 mainRecipients', () => JSON.stringify({ ...draftForm, mainRecipients: Array.from({ length: 51 }, (_, i) => `单位${i}`) })],
  ['secrecy a string', () => JSON.stringify({ ...draftForm, secrecy: '机密' })],
  ['classified without copies', () => JSON.stringify({ ...draftForm, secrecy: { level: '秘密' } })],
  ['classified above my clearance', () => JSON.stringify({ ...draftForm, secrecy: { level: '绝密' }, copies: 2 })],
  ['copies 0', () => JSON.stringify({ ...draftForm, secrecy: { level: '秘密' }, copies: 0 })],
  ['upward without signers', () => JSON.stringify({ ...draftForm, direction: 'upward' })],
  ['issuingCode with brackets', () => JSON.stringify({ ...draftForm, issuingCode: '管〔司〕发' })],
  ['a heading of level 5', () => JSON.stringify({ ...draftForm, body: { kind: 'structured', blocks: [{ kind: 'heading', level: 5, text: 'x' }] } })],
  ['a body of unknown kind', () => JSON.stringify({ ...draftForm, body: { kind: 'html', html: '<p>x</p>' } })],
  ['an upload that does not exist', () => JSON.stringify({ ...draftForm, body: { kind: 'file', uploadId: 'a'.repeat(22) } })],
  ['an unknown field', () => JSON.stringify({ ...draftForm, drafter: 'zhaomin' })],
  ['a 5 MB body', () => JSON.stringify({ ...draftForm, body: { kind: 'structured', blocks: [{ kind: 'paragraph', text: 'x'.repeat(5 * 1024 * 1024) }] } })],
];
for (const [name, body] of draftBodies) add(`POST /drafts with a body of ${name}`, () => send('POST', '/drafts', { body: body() }));
for (const v of ['0', '-1', '1e2', 'abc', '10000', '1.5']) add(`GET /drafts/{draftId}/versions/${v}`, () => send('GET', `/drafts/${'f'.repeat(20)}/versions/${v}`));

// ---- authorization -----------------------------------------------------------------------------
for (const r of routes.filter((x) => x.path !== '$default')) {
  const path = r.path.replace('{taskId}', 'f'.repeat(24)).replace('{docId}', 'f'.repeat(20)).replace('{register}', 'incoming');
  add(`${r.method} ${r.path} without a token`, () => send(r.method, path, { as: null }));
  add(`${r.method} ${r.path} with a token that is not a JWT`, () => send(r.method, path, { as: null, headers: { authorization: 'Bearer not-a-token' } }));
}
add('GET /me with "Bearer" and nothing else', () => send('GET', '/me', { as: null, headers: { authorization: 'Bearer ' } }));

// ---- unknown routes and methods ------------------------------------------------------------------
// `/` is the console (web/dist/index.html); the API's own root is under /api.
for (const [method, path] of [
  ['GET', '/api/'],
  ['GET', '/api/nope'],
  ['GET', '/nope'],
  ['GET', '/tasks/'],
  ['DELETE', '/tasks'],
  ['PUT', '/me'],
  ['POST', '/me'],
  ['GET', `/tasks/${'f'.repeat(24)}/decision`],
  ['PATCH', '/registers/incoming'],
  ['POST', '/documents/x/y'],
  ['OPTIONS', '/tasks'],
  ['GET', '/%ZZ'],
  ['GET', '/%ED%A0%80'],
  ['GET', '/local-auth/nothing'],
  ['GET', '/__proto__'],
]) {
  add(`${method} ${path} (no such route)`, () => send(method, path));
  add(`${method} ${path} (no such route, no token)`, () => send(method, path, { as: null }));
}

// ---- local login ---------------------------------------------------------------------------------
for (const [name, body] of [
  ['null', 'null'],
  ['an array', '[]'],
  ['a number', '1'],
  ['a string', '"wangfang"'],
  ['an empty object', '{}'],
  ['a numeric user name', '{"username":1,"password":"chancery"}'],
  ['malformed JSON', '{"username":'],
  ['no body', ''],
  ['a wrong password', '{"username":"wangfang","password":"nope"}'],
  ['a 10,000-character user name', JSON.stringify({ username: 'u'.repeat(10_000), password: 'chancery' })],
] as const) {
  add(`POST /local-auth/login with ${name}`, () => send('POST', '/local-auth/login', { as: null, body }));
}

// ---- sizes ---------------------------------------------------------------------------------------
add('a ~100 KB path', () => send('GET', `/tasks/${'a'.repeat(100_000)}`));
add('a 1 MB Authorization header', () => send('GET', '/me', { as: null, headers: { authorization: `Bearer ${'a'.repeat(1024 * 1024)}` } }));
add('a 5 MB header (beyond what node reads)', () => send('GET', '/me', { headers: { 'x-padding': 'p'.repeat(5 * 1024 * 1024) } }));
add('20 KB of headers', () => send('GET', '/me', { headers: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-h${i}`, 'h'.repeat(1000)])) }));
add('an 11 MB body to a decision', () => send('POST', `/tasks/${taskId}/decision`, { body: Buffer.alloc(11 * 1024 * 1024, 0x61) }));
add('an 11 MB body through fetch (as the CLI sends)', async () => {
  const res = await fetch(`${h.local.endpoints.api}/tasks/${taskId}/decision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenOf('liqiang')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ opinion: 'x'.repeat(11 * 1024 * 1024), department: 'SCJSK' }),
  });
  return { status: res.status, body: await res.text() };
});
add('an 11 MB body to the login', () => send('POST', '/local-auth/login', { as: null, body: Buffer.alloc(11 * 1024 * 1024, 0x61) }));

// -------------------------------------------------------------------------------------------------

beforeAll(async () => {
  h = await startHarness({ watchInbox: false });
  await h.upload('关于开展安全生产大检查的通知.pdf', await makePdf('one'));
  await h.upload('关于调整差旅费标准的通知.pdf', await makePdf('two'));
  await h.local.settle();
  const page = await h.api('liqiang', 'GET', '/tasks?limit=1');
  taskId = page.body.items[0].taskId;
  docId = page.body.items[0].docId;
  tasksCursor = page.body.cursor;
  registerCursor = (await h.api('wangfang', 'GET', '/registers/incoming?limit=1')).body.cursor;
}, 120_000);
afterAll(async () => h?.close());

const tally: { name: string; status: number }[] = [];

describe('what the fixtures are', () => {
  it('has genuine cursors that still page (so the bad ones are refused for their content)', async () => {
    expect(taskId).toMatch(/^[0-9a-f]{24}$/);
    expect(docId).toMatch(/^[0-9a-f]{20}$/);
    const tasks = await h.api('liqiang', 'GET', `/tasks?limit=1&cursor=${tasksCursor}`);
    expect(tasks.status).toBe(200);
    expect(tasks.body.items).toHaveLength(1);
    expect(tasks.body.items[0].taskId).not.toBe(taskId);
    const register = await h.api('wangfang', 'GET', `/registers/incoming?limit=1&cursor=${registerCursor}`);
    expect(register.status).toBe(200);
    expect(register.body.items.map((e: any) => e.serial)).toEqual([2]);
  });
});

describe('every malformed request gets a 4xx in Chinese', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const answer = await c.run();
    tally.push({ name: c.name, status: answer.status });
    if (process.env.DUMP_MALFORMED) console.log(`${answer.status} ${c.name.slice(0, 70)} → ${answer.body.slice(0, 110)}`);
    expect(answer.status, answer.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(answer.status, answer.body.slice(0, 300)).toBeLessThan(500);
    const message = String((JSON.parse(answer.body) as { message?: unknown }).message ?? '');
    expect(message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('sent every one of them, and none was a 5xx', () => {
    expect(cases.length).toBeGreaterThanOrEqual(106);
    expect(tally).toHaveLength(cases.length);
    expect(tally.filter((t) => t.status >= 500)).toEqual([]);
  });

  it('left the task open: no malformed decision was taken', async () => {
    const task = await h.api('liqiang', 'GET', `/tasks/${taskId}`);
    expect(task.status).toBe(200);
    expect(task.body.status).toBe('open');
    // Neither transferred nor chased.
    expect(task.body.assignment).toEqual({ role: 'office-director' });
    expect(task.body.chaseCount).toBeUndefined();
    expect((await h.api('liqiang', 'GET', '/me/delegation')).body.delegation).toBeNull();
  });
});
