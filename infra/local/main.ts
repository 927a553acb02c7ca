/**
 * `npm start`: local mode in the foreground until Ctrl-C. Data stays in ./.chancery (or
 * CHANCERY_DATA_DIR); ports can be moved with CHANCERY_PORT_API / _S3 / _SFN / _DYNAMODB / _COGNITO / _KMS / _SES; ID tokens
 * live CHANCERY_TOKEN_SECONDS (default 12 hours).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sdkEnvironment, startLocalMode } from './local-mode.js';
import { LOCAL_ADMINS, LOCAL_PASSWORD, LOCAL_USERS } from './users.js';
import { ROLE_NAMES } from '../../functions/domain/identity.js';

const port = (name: string, fallback: number) => Number(process.env[`CHANCERY_PORT_${name}`] ?? fallback);

const stamp = () => new Date().toLocaleTimeString('zh-CN', { hour12: false });

let local: Awaited<ReturnType<typeof startLocalMode>>;
try {
  local = await startLocalMode({
    dataDir: process.env.CHANCERY_DATA_DIR ?? '.chancery',
    branch: process.env.CHANCERY_BRANCH ?? 'hq',
    ports: { api: port('API', 4000), s3: port('S3', 4569), stepfunctions: port('SFN', 8083), dynamodb: port('DYNAMODB', 8000), cognito: port('COGNITO', 9229), kms: port('KMS', 9230), ses: port('SES', 9231) },
    scheduleEverySecondsOverride: process.env.CHANCERY_SWEEP_EVERY_SECONDS ? Number(process.env.CHANCERY_SWEEP_EVERY_SECONDS) : undefined,
    log: (message) => console.log(`[${stamp()}] ${message}`),
  });
} catch (err) {
  // Truly fatal: local mode could not start (port taken, Java missing…). Say why and stop.
  console.error(`本地模式未能启动 (local mode did not start):\n${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

// Last resort once serving: the causes are fixed where they arise (s3-local, inbox-folder); an
// error that still escapes is logged and local mode keeps answering rather than dying on input.
process.on('unhandledRejection', (reason) => console.error(`[${stamp()}] 未处理的错误，本地模式继续运行 (unhandled rejection, still serving):`, reason));
process.on('uncaughtException', (err) => console.error(`[${stamp()}] 未捕获的异常，本地模式继续运行 (uncaught exception, still serving):`, err));

// For the command-line client and for `source .chancery/env.sh` before using the AWS CLI.
writeFileSync(join(local.dataDir, 'endpoints.json'), JSON.stringify({ ...local.endpoints, branch: local.wiring.branch }, null, 2));
writeFileSync(
  join(local.dataDir, 'env.sh'),
  Object.entries(sdkEnvironment(local.endpoints))
    .map(([k, v]) => `export ${k}=${v}`)
    .join('\n') + '\n',
);

const bucket = (id: string) => local.wiring.buckets.find((b) => b.id === id)!.bucketName;
console.log(`
Chancery 本地模式已启动 (local mode, branch "${local.wiring.branch}") — for evaluation, development and tests; production runs on AWS.

  控制台: ${local.consoleUrl}   (web console: open it in a browser, log in as a user below)

  API (HTTP API + JWT)      ${local.endpoints.api}   (also under ${local.endpoints.api}/api/ for the console)
  Step Functions API        ${local.endpoints.stepfunctions}
  DynamoDB Local            ${local.endpoints.dynamodb}
  S3 (s3rver)               ${local.endpoints.s3}
  Cognito user directory    ${local.endpoints.cognito}  (user pool ${local.wiring.environment.USER_POOL_ID})
  KMS audit key (HMAC)      ${local.endpoints.kms}  (key file ${join(local.dataDir, 'keys', 'audit-mac.key')})
  SES (邮件 mail)            ${local.endpoints.ses}  (本地发件箱 local outbox: ${local.outboxDir}, 控制台「通知」 shows it)
  收件文件夹 inbox folder     ${local.inboxDir}   (drop a PDF/JPEG/PNG/TIFF scan here)
  收件桶 inbox bucket         s3://${bucket('inbox')}/scans/
  归档桶 archive bucket       s3://${bucket('archive')}/
  数据目录 data directory     ${local.dataDir}

  用户 users (password "${LOCAL_PASSWORD}"):
${[...LOCAL_USERS, ...LOCAL_ADMINS].map((u) => `    ${u.username.padEnd(10)} ${u.name}  ${u.groups.map((g) => ROLE_NAMES[g]).join('、')}  ${u.department}`).join('\n')}

  AWS CLI: source ${join(local.dataDir, 'env.sh')} && aws stepfunctions list-executions --state-machine-arn ${local.wiring.stateMachines[0].arn}
  按 Ctrl-C 停止 (Ctrl-C stops; data is kept).
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('正在停止… stopping');
    void local.stop().then(() => process.exit(0));
  });
}
