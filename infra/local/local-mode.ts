/**
 * Local mode: a whole branch on one machine, on loopback, with no AWS account. Everything is
 * derived from the manifest (infra/local/wiring.ts) and runs the same handler code as Lambda:
 *   DynamoDB Local · s3rver (+ bucket notifications) · the local Step Functions engine behind the
 *   Step Functions API · an HTTP API with a Cognito-like JWT authorizer · the schedules · SES (mail
 *   filed in the local outbox) · a
 *   watched inbox folder · the web console (web/dist) and its OpenID Connect login on the API
 *   port. All data lives under one data directory, so a restart loses nothing.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { loadBranchConfig, type BranchConfig } from '../branch-config.js';
import { startLocalApi, type LocalApi } from './api-gateway.js';
import { startLocalCognito } from './cognito-api.js';
import { startLocalKms } from './kms-api.js';
import { startDynamoDbLocal, type LocalDynamoDb } from './dynamodb-local.js';
import { LocalIdentityProvider } from './identity-provider.js';
import { externalIssuer } from './token-issuer.js';
import { directoryPersonOf, LOCAL_ADMINS, LOCAL_USERS, type LocalUser } from './users.js';
import { ensureFirstAdmin, getPerson, seedPeople } from '../../functions/adapters/people.js';
import { USERNAME_PATTERN } from '../../functions/domain/people.js';
import { watchInboxFolder, type InboxFolder } from './inbox-folder.js';
import { LocalLambdaRuntime } from './lambda-runtime.js';
import { startLocalS3, type LocalS3 } from './s3-local.js';
import { startLocalSes } from './local-outbox.js';
import { scheduledEvent, startSchedules } from './scheduler.js';
import { LocalStepFunctions } from './stepfunctions/engine.js';
import { startStepFunctionsServer } from './stepfunctions/server.js';
import { LOCAL_ACCESS_KEY, LOCAL_ACCOUNT, LOCAL_REGION, localAuditKeyArn, localUserPoolId, localWiring, repoRoot, type LocalWiring } from './wiring.js';
import { startupTasks } from '../manifest.js';

export interface LocalModeOptions {
  /** Where every piece keeps its data (default: ./.chancery). */
  dataDir?: string;
  branch?: string;
  config?: BranchConfig;
  host?: string;
  /** Fixed ports; 0 or absent picks free ones. */
  ports?: Partial<Record<'dynamodb' | 's3' | 'stepfunctions' | 'api' | 'cognito' | 'kms' | 'ses', number>>;
  /** The audit key file (default <dataDir>/keys/audit-mac.key): keep it where table writers cannot read. */
  auditKeyFile?: string;
  /** Watch <dataDir>/inbox for dropped scans (default true). */
  watchInbox?: boolean;
  /** Fire schedules on their interval (default true); tests fire them by hand. */
  runSchedules?: boolean;
  scheduleEverySecondsOverride?: number;
  /** People added to the seeded directory (tests: a second office director, 200 readers). */
  extraUsers?: LocalUser[];
  /** The built console served on the API port (default <repo>/web/dist). */
  webDist?: string;
  /** ID token lifetime in seconds (default CHANCERY_TOKEN_SECONDS, else 12 hours). */
  tokenSeconds?: number;
  log?: (message: string) => void;
  /**
   * Tests only: ASL text by route id (with the `${…}` placeholders) registered instead of the
   * committed statemachines/<route>.asl.json, to start on an earlier release and upgrade from it.
   */
  definitions?: Readonly<Record<string, string>>;
}

export interface LocalMode {
  wiring: LocalWiring;
  dataDir: string;
  inboxDir: string;
  ports: Record<'dynamodb' | 's3' | 'stepfunctions' | 'api' | 'cognito' | 'kms' | 'ses', number>;
  endpoints: Record<'dynamodb' | 's3' | 'stepfunctions' | 'api' | 'cognito' | 'kms' | 'ses', string>;
  runtime: LocalLambdaRuntime;
  engine: LocalStepFunctions;
  identity: LocalIdentityProvider;
  /** The web console, on the API port. */
  consoleUrl: string;
  /** The local outbox: mail filed instead of sent, <outboxDir>/<date>/<notification id>.json. */
  outboxDir: string;
  s3: S3Client;
  /** Invokes a function of the manifest as its trigger would. */
  invoke(functionId: string, event: unknown): Promise<unknown>;
  /** Fires a schedule now (or as of `time`), as EventBridge would. */
  fireSchedule(scheduleId: string, time?: Date): Promise<unknown>;
  /** Waits until uploads, notifications and routes have nothing left to do right now. */
  settle(): Promise<void>;
  /** The start-up reconcile round (takes in what a crash left half done); resolves when it ends. */
  startupReconciled: Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The variables the AWS SDK (in handlers, and in the AWS CLI) reads to reach local mode. */
export function sdkEnvironment(endpoints: LocalMode['endpoints']): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: LOCAL_ACCESS_KEY,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SFN: endpoints.stepfunctions,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoints.cognito,
    AWS_ENDPOINT_URL_KMS: endpoints.kms,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
  };
}

export async function startLocalMode(options: LocalModeOptions = {}): Promise<LocalMode> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir ?? '.chancery');
  const log = options.log ?? (() => undefined);
  mkdirSync(dataDir, { recursive: true });
  const branchConfig = options.config ?? loadBranchConfig(options.branch);

  const ports = {
    dynamodb: options.ports?.dynamodb || (await freePort(host)),
    s3: options.ports?.s3 || (await freePort(host)),
    stepfunctions: options.ports?.stepfunctions || (await freePort(host)),
    api: options.ports?.api || (await freePort(host)),
    cognito: options.ports?.cognito || (await freePort(host)),
    kms: options.ports?.kms || (await freePort(host)),
    ses: options.ports?.ses || (await freePort(host)),
  };
  const endpoints = {
    dynamodb: `http://${host}:${ports.dynamodb}`,
    s3: `http://${host}:${ports.s3}`,
    stepfunctions: `http://${host}:${ports.stepfunctions}`,
    api: `http://${host}:${ports.api}`,
    cognito: `http://${host}:${ports.cognito}`,
    kms: `http://${host}:${ports.kms}`,
    ses: `http://${host}:${ports.ses}`,
  };
  // Mail is filed in the local outbox (local-outbox.ts), from the branch's sender or a local one,
  // and links to this console.
  const config: BranchConfig = {
    ...branchConfig,
    notifications: { sender: `gongwen@${branchConfig.branch}.chancery.local`, senderName: '公文处理系统', ...branchConfig.notifications, consoleUrl: endpoints.api },
  };
  const wiring = localWiring(config, options.definitions);
  // Handlers read their endpoints and resource names from the environment, as on Lambda.
  Object.assign(process.env, sdkEnvironment(endpoints), wiring.environment);

  const closers: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        log(`stopping: ${String(err)}`);
      }
    }
    closers.length = 0;
  };

  try {
    // The audit key first: every function that writes seals an audit chain head with it.
    const kms = await startLocalKms({ keyFile: options.auditKeyFile ?? join(dataDir, 'keys', 'audit-mac.key'), keyArn: localAuditKeyArn(wiring.branch), host, port: ports.kms });
    closers.push(() => kms.close());

    const outboxDir = join(dataDir, 'outbox');
    const mail = await startLocalSes({ outboxDir, host, port: ports.ses, onFiled: (m) => log(`邮件已存入本地发件箱 ${m.date}/${m.id}.json → ${m.to.join(', ')}`) });
    closers.push(() => mail.close());

    const runtime = new LocalLambdaRuntime(wiring);
    const dynamo: LocalDynamoDb = await startDynamoDbLocal({ dataDir, host, port: ports.dynamodb, wiring });
    closers.push(() => dynamo.close());

    const engine = new LocalStepFunctions({
      dataDir: join(dataDir, 'stepfunctions'),
      invokeLambda: (arn, payload) => runtime.invoke(arn, payload),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
    });
    for (const machine of wiring.stateMachines) {
      await engine.createStateMachine({ name: machine.name, definition: machine.definition, roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${machine.name}` });
    }
    const sfnServer = await startStepFunctionsServer(engine, { host, port: ports.stepfunctions });
    closers.push(() => sfnServer.close());
    closers.push(() => engine.close());

    // Like Lambda's on-failure destination: an async event that failed every retry is kept, not dropped.
    const deadLetters = join(dataDir, 'dead-letters.jsonl');
    const deadLetter = (functionId: string, event: unknown, err: unknown) => {
      appendFileSync(deadLetters, `${JSON.stringify({ at: new Date().toISOString(), functionId, error: String(err), event })}\n`);
      log(`${functionId} failed after retries (kept in ${deadLetters}): ${String(err)}`);
    };
    const s3Server: LocalS3 = await startLocalS3({
      dataDir,
      host,
      port: ports.s3,
      wiring,
      deliver: (functionId, event) => runtime.invokeAsync(functionId, event),
      onDeliveryError: (err, record) => deadLetter('intake', { Records: [record] }, err),
      // The console on the API port, or a console dev server on another loopback port.
      corsOrigins: [endpoints.api, 'http://localhost:*', 'http://127.0.0.1:*'],
    });
    closers.push(() => s3Server.close());
    const s3 = new S3Client({ endpoint: endpoints.s3, region: LOCAL_REGION, forcePathStyle: true, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });
    closers.push(() => s3.destroy());

    // The user directory before any execution resumes: a new task looks up who to tell (通知), and
    // a task created while the directory is still starting would fail its route.
    const identity = await LocalIdentityProvider.open(dataDir, `${endpoints.api}/local-auth`, [...LOCAL_USERS, ...LOCAL_ADMINS, ...(options.extraUsers ?? [])], options.tokenSeconds);
    const directory = await startLocalCognito({ users: identity.listUsers(), userPoolId: localUserPoolId(wiring.branch), host, port: ports.cognito });
    closers.push(() => directory.close());
    // The people directory: the local users not in it yet (what an admin changed since stays),
    // then the configured first admin, as the first reconcile round does in the cloud.
    const seededAt = new Date().toISOString();
    const seeded = await seedPeople(identity.listUsers().map(directoryPersonOf), { at: seededAt, by: 'system:local', action: 'people.seeded' });
    if (seeded.length > 0) log(`人员目录：加入本地用户 ${seeded.length} 人`);
    await ensureFirstAdmin(config, seededAt);
    // People a system admin adds (人员管理) sign in locally too, with the same local password.
    identity.setDirectory(async (username) => {
      if (!USERNAME_PATTERN.test(username)) return undefined;
      const p = await getPerson(username);
      return p ? { username: p.username, name: p.name, groups: p.roles, department: p.department ?? '', clearance: p.clearance, ...(p.email ? { email: p.email } : {}) } : undefined;
    });

    // Resume executions only now that every service their tasks call is up.
    await engine.start();

    const api: LocalApi = await startLocalApi({
      wiring,
      runtime,
      identity,
      host,
      port: ports.api,
      webDist: resolve(options.webDist ?? join(repoRoot, 'web', 'dist')),
      branchDisplayName: config.displayName,
      s3Origin: endpoints.s3,
      outboxDir,
      // A branch naming an OIDC issuer signs in there, locally too; otherwise the local provider.
      ...(config.identity.kind === 'oidc' ? { authorizer: externalIssuer(config.identity), usernameClaim: config.identity.claims.username } : {}),
    });
    closers.push(() => api.close());

    if (options.runSchedules !== false) {
      const schedules = startSchedules({
        wiring,
        everySecondsOverride: options.scheduleEverySecondsOverride,
        fire: (functionId, event) => runtime.invokeAsync(functionId, event),
        onError: (err, id) => deadLetter(id, {}, err),
      });
      closers.push(() => schedules.stop());
    }

    const inboxDir = join(dataDir, 'inbox');
    mkdirSync(inboxDir, { recursive: true });
    let inbox: InboxFolder | undefined;
    if (options.watchInbox !== false) {
      const bucket = wiring.buckets.find((b) => b.id === 'inbox')!.bucketName;
      inbox = watchInboxFolder({
        dir: inboxDir,
        bucket,
        s3,
        onUploaded: (name, key) => log(`收到扫描件 ${name} → s3://${bucket}/${key}`),
        onError: (err, name) => log(`上传 ${name} 失败：${String(err)}`),
      });
      closers.push(() => inbox!.stop());
    }

    // The reconcile round a restart needs, now that every service is up.
    const startupReconciled = (async () => {
      for (const task of startupTasks) {
        try {
          const result = await runtime.invoke(task.function, task.event);
          log(`启动补偿 start-up ${task.function}: ${JSON.stringify(result)}`);
        } catch (err) {
          deadLetter(task.function, task.event, err);
          log(`启动补偿 start-up ${task.function} failed; the schedule retries it: ${String(err)}`);
        }
      }
    })();
    closers.push(() => startupReconciled);

    const settle = async () => {
      await startupReconciled;
      // Twice: an upload fires a notification, whose intake starts a route, whose first task
      // may write again; a second round catches whatever the first one set off.
      for (let round = 0; round < 2; round++) {
        await inbox?.poll();
        await s3Server.settled();
        await engine.whenIdle();
      }
    };

    return {
      wiring,
      dataDir,
      inboxDir,
      ports,
      endpoints,
      runtime,
      engine,
      identity,
      consoleUrl: `${endpoints.api}/`,
      outboxDir,
      s3,
      invoke: (functionId, event) => runtime.invoke(functionId, event),
      fireSchedule: (scheduleId, time = new Date()) => {
        const schedule = wiring.schedules.find((s) => s.id === scheduleId);
        if (!schedule) throw new Error(`no schedule ${scheduleId}`);
        return runtime.invoke(schedule.function, scheduledEvent(wiring.branch, scheduleId, time));
      },
      settle,
      startupReconciled,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
