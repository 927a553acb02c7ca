/**
 * chancery — a small command-line client for the Chancery API (local mode or a deployed branch).
 *
 *   chancery login <user> [--password P]      sign in (local mode's identity provider)
 *   chancery login --id-token <JWT>           use a Cognito ID token (deployed branch)
 *   chancery whoami
 *   chancery tasks                            my open tasks (待办)
 *   chancery show <docId|taskId|next>         a document, its processing slip and tasks
 *   chancery decide <taskId|next> -o "意见" [--department SCJSK] [--due 2026-12-01] [--deputy sunwei] [--retention Y]
 *                  [--outcome approve|reject|meeting] [--important] [--meeting-date 2026-12-01]
 *                                             (`next` = my open task that is due first)
 *                  [--resume rewalk|direct]  (a step taken again after 退回: 重走 or 直送)
 *                  [--signers sunwei,gaofeng --sign-mode all|any|ratio|sequence [--ratio 0.6]]  (拟办 naming 会签 signers)
 *                  [--disagree]              (a signer of a 会签/票签 votes 不同意)
 *   chancery return <taskId|next> --to propose --reason "理由"   退回 to an earlier step
 *   chancery recall <taskId> [--reason "理由"]  撤回 my decision while the next step has not acted
 *   chancery withdraw <docId> [--reason "理由"] 撤销 my internal document before anyone decides it
 *   chancery routes                           every route and its steps (GET /routes)
 *   chancery submit <route> --title "标题" (--content "正文" | --file 正文.pdf) [--attach 附件.xlsx …] [--urgency 加急] [--secrecy 秘密]
 *                                             submit an internal request or report (内部来文): typed, or
 *                                             as a file (PDF, .docx …); --attach (repeatable) adds 附件
 *   chancery progress <taskId|next> --note "进展" [--attach 附件.pdf …]   办理反馈, with attachments
 *   chancery register [incoming|internal|chasing|archive] [--year 2026] [--month 11] [--status open|done|filed|returned] [--department SCJSK]
 *   chancery register incoming --month 11 --export xlsx|csv|pdf [-o 收文登记簿.xlsx]
 *                                             the register as a file (-o: where to save it)
 *   chancery rejected [--year 2026]           uploads set aside, with the reason
 *   chancery scan <docId>                     a short-lived link to the scanned original
 *   chancery transfer <taskId|next> --to <user> --reason "理由"      转办 to another holder of the role
 *   chancery chase <taskId> [--note "说明"]                          催办 (clerks, office director)
 *   chancery delegate <user> --from 2026-12-01 --until 2026-12-10   委托; `delegate` shows, `--clear` withdraws
 *   chancery circulate <docId> --readers u1,u2 [--rank] [--note "…"] 传阅 (all at once, or in rank order)
 *   chancery read <docId> [-o "意见"]                                 已阅
 *   chancery box <todo|toread|read|done|tracking>                    待办/待阅/已阅/已办/在办跟踪
 *   chancery notifications                                           my notifications (待办, 催办, 传阅 …)
 *   chancery add-signer <taskId|next> --user <user> [--before] [--reason "…"]  加签 (after me by default)
 *   chancery remove-signer <taskId> --user <user> [--reason "…"]    减签 (office director, or who added them)
 * Every command takes --as <user> (use that user's saved session, signing in locally if needed)
 * and --json (print the API's answer as is). API: $CHANCERY_API_URL, else local mode's.
 */
import { CONTENT_TYPE_BY_SUFFIX } from '../functions/domain/upload-types.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OPERATION_COMMANDS, runOperation } from './operations.js';

const dataDir = resolve(process.env.CHANCERY_DATA_DIR ?? '.chancery');
const sessionFile = join(dataDir, 'cli', 'sessions.json');

interface Sessions {
  current?: string;
  tokens: Record<string, string>;
}

function apiUrl(): string {
  if (process.env.CHANCERY_API_URL) return process.env.CHANCERY_API_URL.replace(/\/$/, '');
  const endpoints = join(dataDir, 'endpoints.json');
  if (existsSync(endpoints)) return (JSON.parse(readFileSync(endpoints, 'utf8')) as { api: string }).api;
  return 'http://127.0.0.1:4000';
}

function loadSessions(): Sessions {
  return existsSync(sessionFile) ? (JSON.parse(readFileSync(sessionFile, 'utf8')) as Sessions) : { tokens: {} };
}
function saveSessions(s: Sessions) {
  mkdirSync(join(dataDir, 'cli'), { recursive: true });
  writeFileSync(sessionFile, JSON.stringify(s, null, 2), { mode: 0o600 });
}

class CliError extends Error {}

async function call(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new CliError(`连不上 ${apiUrl()}：本地模式启动了吗？（npm start）`);
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) {
    if (res.status === 401) throw new CliError('未登录或登录已过期，请先运行：chancery login <用户名>');
    throw new CliError(`${res.status}：${data.message ?? text}`);
  }
  return data;
}


/** Uploads one file the way the API asks (a link from POST /uploads, then a PUT of the bytes); its upload id. */
async function uploadFile(path: string, token: string): Promise<string> {
  const fileName = basename(path);
  // The types POST /uploads takes, by file suffix (the server checks the content itself).
  const contentType = CONTENT_TYPE_BY_SUFFIX[extname(path).slice(1).toLowerCase()];
  if (!contentType) throw new CliError(`不能上传 ${fileName}：只接受 PDF、JPEG/PNG/TIFF 图片、Word（.docx）、Excel（.xlsx）或纯文本（.txt）文件`);
  if (!existsSync(path)) throw new CliError(`找不到文件 ${path}`);
  const bytes = readFileSync(path);
  const link = await call('POST', '/uploads', token, { fileName, contentType, size: bytes.length });
  let res: Response;
  try {
    res = await fetch(link.url, { method: 'PUT', headers: link.headers, body: bytes });
  } catch {
    throw new CliError(`上传 ${fileName} 失败：连不上文件存储（${new URL(link.url).origin}）`);
  }
  if (!res.ok) throw new CliError(`上传 ${fileName} 失败：${res.status} ${(await res.text()).slice(0, 200)}`);
  return link.uploadId as string;
}

/** `next` stands for my open task that is due first. */
async function resolveTask(id: string, token: string): Promise<string> {
  if (id !== 'next') return id;
  // The route creates the next task a moment after the previous decision: look for a few seconds.
  for (let attempt = 0; attempt < 25; attempt++) {
    const page = await call('GET', '/tasks?limit=1', token);
    if (page.items.length) return page.items[0].taskId as string;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new CliError('没有待办。');
}

async function localLogin(username: string, password: string): Promise<string> {
  const data = await call('POST', '/local-auth/login', undefined, { username, password });
  return data.idToken as string;
}

async function tokenFor(as: string | undefined): Promise<string> {
  const sessions = loadSessions();
  const user = as ?? sessions.current;
  if (!user) throw new CliError('未登录，请先运行：chancery login <用户名>');
  let token = sessions.tokens[user];
  if (!token && as) {
    token = await localLogin(as, process.env.CHANCERY_PASSWORD ?? 'chancery');
    sessions.tokens[as] = token;
    saveSessions(sessions);
  }
  if (!token) throw new CliError(`没有 ${user} 的登录信息，请运行：chancery login ${user}`);
  return token;
}

const time = (iso?: string) =>
  iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }) : '';

function printTasks(items: any[]) {
  if (!items.length) return console.log('没有待办。');
  for (const t of items) {
    const flags = [t.overdue ? '【已超期】' : '', t.escalatedAt ? '【已升级督办】' : ''].join('');
    console.log(`${t.taskId}  ${t.stepName}  ${t.registerNumber}  ${t.urgency === '平件' ? '' : `【${t.urgency}】`}${t.title}`);
    console.log(`    ${t.ask}；办理人：${t.assignee}；期限：${time(t.dueAt)}${flags}  文件：${t.docId}`);
  }
}

function printDocument(data: any) {
  const d = data.document;
  console.log(`${d.registerNumber}  ${d.title}`);
  console.log(`  文件编号 ${d.docId}  紧急程度 ${d.urgency}  密级 ${d.secrecy}  来文单位 ${d.sender || '—'}  来文字号 ${d.sourceNumber || '—'}`);
  console.log(`  收文时间 ${time(d.receivedAt)}  状态 ${({ registered: '已登记', 'in-progress': '办理中', filed: '已归档', failed: '异常' } as Record<string, string>)[d.status] ?? d.status}${d.archive ? `  档号 ${d.archive.archiveCode}` : ''}`);
  if (d.scan && d.register === 'internal') console.log(`  正文文件 ${d.scan.fileName}（${d.scan.size} 字节）  chancery scan ${d.docId} 取下载链接`);
  for (const a of data.attachments ?? []) console.log(`  附件 ${a.name}（${a.size} 字节，${a.uploadedByName}${a.stepName ? `，${a.stepName}办理反馈` : ''}）`);
  console.log('文件处理笺：');
  if (!data.slip.length) console.log('  （尚无意见）');
  for (const line of data.slip) {
    console.log(`  【${line.stepName}】${line.opinion}`);
    for (const detail of line.details ?? []) console.log(`      ${detail.label}：${detail.value}`);
    console.log(`      —— ${line.actorName}（${line.role}） ${time(line.at)}`);
  }
  const open = data.tasks.filter((t: any) => t.status === 'open');
  if (open.length) console.log(`当前待办：${open.map((t: any) => `${t.stepName}（${t.taskId}，期限 ${time(t.dueAt)}）`).join('；')}`);
  console.log(`审计记录 ${data.audit.events} 条，校验${data.audit.verification.ok ? '通过' : `失败：${data.audit.verification.reason}`}`);
}

/** A register export saved to `output` (else its own name): the file itself, or fetched from its link. */
async function exportRegister(register: string, q: URLSearchParams, token: string, output?: string): Promise<{ path: string; bytes: number }> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl()}/registers/${encodeURIComponent(register)}/export?${q}`, { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new CliError(`连不上 ${apiUrl()}：本地模式启动了吗？（npm start）`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    const text = await res.text();
    if (res.status === 401) throw new CliError('未登录或登录已过期，请先运行：chancery login <用户名>');
    throw new CliError(`${res.status}：${type.startsWith('application/json') ? JSON.parse(text).message : text}`);
  }
  let bytes: Buffer;
  let fileName: string;
  if (type.startsWith('application/json')) {
    // Too large to answer inline: the API stored it and answered a short-lived link.
    const link = (await res.json()) as { url: string; fileName: string };
    const file = await fetch(link.url);
    if (!file.ok) throw new CliError(`下载导出文件失败：${file.status}`);
    bytes = Buffer.from(await file.arrayBuffer());
    fileName = link.fileName;
  } else {
    bytes = Buffer.from(await res.arrayBuffer());
    const m = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '');
    fileName = m ? decodeURIComponent(m[1]) : `${register}.${q.get('format')}`;
  }
  const path = resolve(output ?? fileName);
  writeFileSync(path, bytes);
  return { path, bytes: bytes.length };
}

async function main(argv: string[]) {
  if (OPERATION_COMMANDS.has(argv[0])) {
    const fail = (message: string): never => {
      throw new CliError(message);
    };
    return runOperation(argv, { call, tokenFor, resolveTask, time, fail });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      password: { type: 'string' },
      'id-token': { type: 'string' },
      opinion: { type: 'string', short: 'o' },
      department: { type: 'string' },
      due: { type: 'string' },
      deputy: { type: 'string' },
      retention: { type: 'string' },
      outcome: { type: 'string' },
      important: { type: 'boolean' },
      'meeting-date': { type: 'string' },
      resume: { type: 'string' },
      signers: { type: 'string' },
      'sign-mode': { type: 'string' },
      ratio: { type: 'string' },
      disagree: { type: 'boolean' },
      to: { type: 'string' },
      reason: { type: 'string' },
      title: { type: 'string' },
      content: { type: 'string' },
      file: { type: 'string' },
      attach: { type: 'string', multiple: true },
      note: { type: 'string' },
      urgency: { type: 'string' },
      secrecy: { type: 'string' },
      year: { type: 'string' },
      month: { type: 'string' },
      status: { type: 'string' },
      export: { type: 'string' },
      output: { type: 'string' },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  const out = (data: unknown, pretty: () => void) => (values.json ? console.log(JSON.stringify(data, null, 2)) : pretty());

  switch (command) {
    case 'login': {
      const sessions = loadSessions();
      if (values['id-token']) {
        const payload = JSON.parse(Buffer.from(values['id-token'].split('.')[1] ?? '', 'base64url').toString('utf8') || '{}');
        const user = String(payload['cognito:username'] ?? payload.sub ?? 'cognito');
        sessions.tokens[user] = values['id-token'];
        sessions.current = user;
        saveSessions(sessions);
        return console.log(`已保存 ${user} 的登录信息。`);
      }
      const user = args[0];
      if (!user) throw new CliError('用法：chancery login <用户名> [--password 密码]');
      sessions.tokens[user] = await localLogin(user, values.password ?? process.env.CHANCERY_PASSWORD ?? 'chancery');
      sessions.current = user;
      saveSessions(sessions);
      const me = await call('GET', '/me', sessions.tokens[user]);
      return console.log(`已登录：${me.name}（${me.roleNames.join('、')}）`);
    }
    case 'whoami': {
      const me = await call('GET', '/me', await tokenFor(values.as));
      return out(me, () => console.log(`${me.name}（${me.username}）角色：${me.roleNames.join('、')}  部门：${me.department ?? '—'}  密级：${me.clearance}`));
    }
    case 'tasks': {
      const token = await tokenFor(values.as);
      const items: any[] = [];
      let cursor: string | undefined;
      do {
        const page = await call('GET', `/tasks${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, token);
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return out({ items }, () => printTasks(items));
    }
    case 'show': {
      const token = await tokenFor(values.as);
      let id = args[0];
      if (!id) throw new CliError('用法：chancery show <文件编号|待办号|next>');
      if (id === 'next' || /^[0-9a-f]{24}$/.test(id)) id = (await call('GET', `/tasks/${await resolveTask(id, token)}`, token)).docId;
      const data = await call('GET', `/documents/${encodeURIComponent(id)}`, token);
      return out(data, () => printDocument(data));
    }
    case 'decide': {
      if (!args[0] || !values.opinion) throw new CliError('用法：chancery decide <待办号|next> -o "意见" [--department 科室代码] [--due 日期] [--deputy 用户] [--retention Y|D30|D10] [--signers u1,u2 --sign-mode all|any|ratio|sequence --ratio 0.6] [--disagree]');
      const token = await tokenFor(values.as);
      const taskId = await resolveTask(args[0], token);
      const body = {
        opinion: values.opinion,
        ...(values.department ? { department: values.department } : {}),
        ...(values.due ? { dueDate: values.due } : {}),
        ...(values.deputy ? { deputy: values.deputy } : {}),
        ...(values.retention ? { retention: values.retention } : {}),
        ...(values.outcome ? { outcome: values.outcome } : {}),
        ...(values.important !== undefined ? { important: values.important } : {}),
        ...(values['meeting-date'] ? { meetingDate: values['meeting-date'] } : {}),
        ...(values.resume ? { resume: values.resume } : {}),
        // 拟办 naming several signers for the next step (会签/或签/票签/依次).
        ...(values.signers ? { countersign: { mode: values['sign-mode'] ?? 'all', signers: values.signers.split(','), ...(values.ratio ? { ratio: Number(values.ratio) } : {}) } } : {}),
        ...(values.disagree ? { agree: false } : {}),
      };
      const result = await call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, token, body);
      return out(result, () => console.log(`已办理：${result.stepName}（${time(result.decidedAt)}）${result.stepSettled ? `；签署结果：${result.result}` : ''}`));
    }
    case 'return': {
      if (!args[0] || !values.to || !values.reason) throw new CliError('用法：chancery return <待办号|next> --to 步骤 --reason "理由"');
      const token = await tokenFor(values.as);
      const taskId = await resolveTask(args[0], token);
      const result = await call('POST', `/tasks/${encodeURIComponent(taskId)}/return`, token, { to: values.to, reason: values.reason });
      return out(result, () => console.log(`已退回至：${result.toName}`));
    }
    case 'recall': {
      if (!args[0]) throw new CliError('用法：chancery recall <已办待办号> [--reason "理由"]');
      const result = await call('POST', `/tasks/${encodeURIComponent(args[0])}/recall`, await tokenFor(values.as), values.reason ? { reason: values.reason } : {});
      return out(result, () => console.log(`已撤回：${result.stepName}`));
    }
    case 'withdraw': {
      if (!args[0]) throw new CliError('用法：chancery withdraw <文件号> [--reason "理由"]');
      const result = await call('POST', `/documents/${encodeURIComponent(args[0])}/withdraw`, await tokenFor(values.as), values.reason ? { reason: values.reason } : {});
      return out(result, () => console.log('已撤销'));
    }
    case 'routes': {
      const data = await call('GET', '/routes', await tokenFor(values.as));
      return out(data, () => {
        for (const r of data.items) console.log(`${r.id}  ${r.name}\n    ${r.steps.map((s: any) => `${s.name}（${s.id}）`).join(' → ')}`);
      });
    }
    case 'submit': {
      if (!args[0] || !values.title || !values.content === !values.file) {
        throw new CliError('用法：chancery submit <流程> --title "标题" (--content "正文" | --file 正文.pdf) [--attach 附件 …] [--urgency 加急] [--secrecy 秘密]');
      }
      const token = await tokenFor(values.as);
      const attachments: string[] = [];
      for (const path of values.attach ?? []) attachments.push(await uploadFile(path, token));
      const body = {
        route: args[0],
        title: values.title,
        ...(values.file ? { file: await uploadFile(values.file, token) } : { content: values.content }),
        ...(attachments.length ? { attachments } : {}),
        ...(values.urgency ? { urgency: values.urgency } : {}),
        ...(values.secrecy ? { secrecy: values.secrecy } : {}),
      };
      const result = await call('POST', '/documents', token, body);
      return out(result, () => console.log(`已提交：${result.registerNumber}  ${result.routeName}  ${result.docId}${attachments.length ? `（附件 ${attachments.length} 个）` : ''}`));
    }
    case 'progress': {
      if (!args[0] || !values.note) throw new CliError('用法：chancery progress <待办号|next> --note "办理进展" [--attach 附件 …]');
      const token = await tokenFor(values.as);
      const taskId = await resolveTask(args[0], token);
      const attachments: string[] = [];
      for (const path of values.attach ?? []) attachments.push(await uploadFile(path, token));
      const result = await call('POST', `/tasks/${encodeURIComponent(taskId)}/progress`, token, { note: values.note, ...(attachments.length ? { attachments } : {}) });
      return out(result, () => console.log(`已记录办理反馈（${time(result.at)}）${result.attachments ? `，附件：${result.attachments.map((a: any) => a.name).join('、')}` : ''}`));
    }
    case 'register': {
      const token = await tokenFor(values.as);
      const register = args[0] ?? 'incoming';
      const period = Object.fromEntries(Object.entries({ year: values.year, month: values.month, status: values.status, department: values.department }).filter((e): e is [string, string] => e[1] !== undefined));
      if (values.export) {
        // -o is "opinion" elsewhere; here it names the file to write.
        const saved = await exportRegister(register, new URLSearchParams({ ...period, format: values.export }), token, values.output ?? values.opinion);
        return out(saved, () => console.log(`已导出：${saved.path}（${saved.bytes} 字节）`));
      }
      const items: any[] = [];
      let cursor: string | undefined;
      let name = '';
      do {
        const q = new URLSearchParams({ ...period, ...(cursor ? { cursor } : {}) });
        const page = await call('GET', `/registers/${encodeURIComponent(register)}?${q}`, token);
        name = page.name;
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return out({ items }, () => {
        console.log(`${name}（${items.length} 条）`);
        for (const e of items) {
          if (register === 'incoming') console.log(`  ${e.number}  ${time(e.receivedAt)}  ${e.urgency}  ${e.title}  ${e.docId}`);
          else if (register === 'internal') console.log(`  ${e.number}  ${time(e.receivedAt)}  ${e.routeName}  ${e.title}  ${e.requesterName}  ${e.docId}`);
          else if (register === 'archive') console.log(`  ${e.serial}  ${e.archiveCode}  ${e.retention}  ${e.title}  ${e.registerNumber}`);
          else console.log(`  ${e.serial}  ${time(e.chasedAt)}  ${e.kind}  ${e.stepName}  ${e.registerNumber} ${e.title}${e.escalatedToName ? ` → ${e.escalatedToName}` : ''}`);
        }
      });
    }
    case 'rejected': {
      const q = values.year ? `?year=${values.year}` : '';
      const page = await call('GET', `/rejected-uploads${q}`, await tokenFor(values.as));
      return out(page, () => {
        if (!page.items.length) return console.log('没有被退回的上传。');
        for (const r of page.items) console.log(`  ${time(r.rejectedAt)}  ${r.objectKey}\n      原因：${r.reason}\n      保存在：s3://${r.bucket}/${r.rejectedKey}`);
      });
    }
    case 'scan': {
      const data = await call('GET', `/documents/${encodeURIComponent(args[0] ?? '')}/scan`, await tokenFor(values.as));
      return out(data, () => console.log(data.url));
    }
    default:
      console.log(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0].replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
      if (command && command !== 'help' && !values.help) process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof CliError ? err.message : err);
  process.exitCode = 1;
});
