/**
 * One Chancery branch on AWS, generated from infra/manifest.ts: every table, bucket, function,
 * state machine, route, schedule and bucket notification of the manifest, and nothing else that
 * local mode would not know about (the Cognito pool, log groups, the access-log bucket, alarms and
 * the dashboard are the cloud's own plumbing).
 *
 * Any partition: ARNs come from the stack's partition (aws, aws-cn). A branch in AWS China
 * (cn-north-1, cn-northwest-1) has no Cognito user pool (there are none there): it signs people in
 * through its OIDC issuer, and serves the console itself (console.hosting "none").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Aws, CfnDeletionPolicy, CfnOutput, CfnResource, Duration, RemovalPolicy, Stack, Tags, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  ClientAttributes,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { AttributeType, Billing, ProjectionType, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AnyPrincipal, Effect } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction, OutputFormat, type BundlingOptions, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { isChinaRegion } from '../../functions/domain/branch-config.js';
import type { BranchConfig } from '../branch-config.js';
import {
  ENV,
  ORIGINALS_PREFIX,
  REJECTED_PREFIX,
  EXPORTS_PREFIX,
  UPLOADS_PREFIX,
  SCAN_PREFIX,
  bucketNotifications,
  buckets as bucketSpecs,
  functions as functionSpecs,
  DEFAULT_ROUTE,
  HTTP_API_INTEGRATION_TIMEOUT_SECONDS,
  bucketPhysicalName,
  physicalName,
  routes as routeSpecs,
  serviceIntegrationArn,
  schedules as scheduleSpecs,
  stateMachines as stateMachineSpecs,
  tables as tableSpecs,
  type BucketSpec,
  type EnvName,
  type FunctionFile,
  type FunctionId,
  type FunctionSpec,
  type KeyAttribute,
  type StateMachineId,
  type TableSpec,
} from '../manifest.js';
import { allowConsoleOrigin, ConsoleHosting, consoleConfig, consoleOAuth, s3OriginsOf, type ConsoleLogin } from './console-hosting.js';
import { consoleContentSecurityPolicy } from '../local/console-hosting.js';
import { BranchMonitoring } from './monitoring.js';

/** Repository root: manifest paths (entries, ASL files, bundled files) are relative to it. */
export const repoRoot = join(import.meta.dirname, '..', '..');

/** The newest Node.js runtime Lambda offers (cdk-nag AwsSolutions-L1 checks for it). */
export const NODE_RUNTIME = Runtime.NODEJS_24_X;

/**
 * Construct metadata / resource tag naming the manifest function a Lambda implements, so tests
 * (and people reading the console) can map a resource back to the manifest.
 */
export const FUNCTION_ID_KEY = 'chancery:function';
/** Construct metadata holding the manifest entry (repository-relative) a function was bundled from. */
export const FUNCTION_ENTRY_KEY = 'chancery:entry';
export const STATE_MACHINE_ID_KEY = 'chancery:state-machine';
/** Construct metadata naming the bucket (manifest id, or access-logs / console / console-logs). */
export const BUCKET_ID_KEY = 'chancery:bucket';

/**
 * Everything that keeps records (tables, buckets, the user pool, log groups, the audit key) is
 * retained when the stack is deleted or replaces it, but removed when the very first create fails
 * (CloudFormation's RetainExceptOnCreate): a failed first deploy leaves nothing behind that would
 * make the retry fail with "already exists".
 */
export const KEEP_RECORDS = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

/** Where a file listed in `FunctionSpec.files` lands inside the Lambda sandbox. */
export const LAMBDA_TASK_ROOT = '/var/task';

/** ESM bundles still meet CommonJS dependencies that call `require`; give them one. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __chanceryCreateRequire } from 'node:module'; const require = __chanceryCreateRequire(import.meta.url);";

/**
 * How every function's entry is bundled (NodejsFunction runs esbuild with these). The init bench
 * (tests/bench/init.ts) bundles with the same settings, so what it measures is what deploys.
 */
export const FUNCTION_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  platform: 'node',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  // Whitespace and syntax minified, identifiers kept: stack traces name each frame's function and
  // errors keep their class names with no source map (which would need NODE_OPTIONS, a variable
  // local mode does not set: both runtimes see the same environment names). The bundle is a
  // quarter smaller. Full minify with keepNames measured no faster to load (its __name calls cost
  // what the shorter names save) and without keepNames traces are unreadable (tests/bench/init.ts).
  minify: false,
  esbuildArgs: { '--minify-whitespace': true, '--minify-syntax': true },
  sourceMap: false,
  // The Node.js 24 runtime carries AWS SDK v3, but pinning our own keeps both runtimes equal.
  externalModules: [],
} satisfies BundlingOptions;

/** How long every log group of the branch keeps its events (the bench prices their storage for as long). */
export const LOG_RETENTION = RetentionDays.ONE_YEAR;

/** The HTTP API's access log line, one per request (the bench prices its ingestion). */
export const API_ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  user: '$context.authorizer.claims.sub',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
} as const;

export interface BranchStackProps extends StackProps {
  config: BranchConfig;
}

const attr = (k: KeyAttribute): Attribute => ({
  name: k.name,
  type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/** Shell commands copying the function's extra files next to its bundle (local esbuild or Docker). */
function copyFilesHooks(files: FunctionFile[]): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      files.flatMap((f) => {
        const target = `${outputDir}/${f.to}`;
        const targetDir = target.slice(0, target.lastIndexOf('/'));
        const copy = [`mkdir -p "${targetDir}"`, `cp "${inputDir}/${f.from}" "${target}"`];
        if (!f.siblings) return copy;
        // The pattern stays outside the quotes so the shell expands it.
        const fromDir = `${inputDir}/${f.from.slice(0, f.from.lastIndexOf('/'))}/${f.siblings.dir}`;
        const toDir = `${targetDir}/${f.siblings.dir}`;
        return [...copy, `mkdir -p "${toDir}"`, `cp "${fromDir}"/${f.siblings.pattern} "${toDir}/"`];
      }),
  };
}

export class BranchStack extends Stack {
  readonly config: BranchConfig;
  readonly tables = new Map<TableSpec['id'], TableV2>();
  readonly buckets = new Map<BucketSpec['id'], Bucket>();
  readonly functions = new Map<FunctionId, NodejsFunction>();
  readonly stateMachines = new Map<StateMachineId, StateMachine>();
  /** The branch's Cognito user pool and console client; absent for an OIDC branch. */
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  /** The issuer and client the API accepts tokens of, and the console signs in through. */
  readonly login: ConsoleLogin;
  /** Is the stack in AWS China (aws-cn)? From the branch config's region or the CDK environment. */
  readonly china: boolean;
  /** Seals audit chain heads (HMAC-SHA-256); functions may only ask KMS for or about a MAC. */
  readonly auditKey: Key;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The web console: S3 + CloudFront, the API under /api/*; absent with console.hosting "none". */
  readonly console?: ConsoleHosting;
  readonly monitoring: BranchMonitoring;

  constructor(scope: Construct, id: string, props: BranchStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const { branch } = config;
    const name = (suffix: string) => physicalName(branch, suffix);
    // Not on dashboards: CloudFormation takes their tags in some regions only (cfn-lint E3002).
    Tags.of(this).add('chancery:branch', branch, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
    const region = config.region ?? (Token.isUnresolved(this.region) ? undefined : this.region);
    this.china = isChinaRegion(region);
    const hosting = config.console.hosting ?? (this.china ? 'none' : 'cloudfront');
    if (this.china && config.identity.kind === 'cognito') {
      throw new Error(
        `分支 ${branch} 部署在 ${region}（AWS 中国区），该区域没有 Cognito 用户池：请在 infra/branches/${branch}.json 中设置 "identity": { "kind": "oidc", "issuer": "https://…", "clientId": "…" }（见 infra/DEPLOY.md）`,
      );
    }
    if (this.china && hosting === 'cloudfront') {
      throw new Error(
        `分支 ${branch} 部署在 ${region}（AWS 中国区）：那里的 CloudFront 没有 CloudFront Functions 和源访问控制（OAC），且只服务已 ICP 备案的域名。请设置 "console": { "hosting": "none", "origin": "https://<已备案域名>" }，自行托管 web/dist（见 infra/DEPLOY.md）`,
      );
    }
    if (!config.firstAdmin) {
      throw new Error(
        `分支 ${branch} 没有第一位系统管理员：请在 infra/branches/${branch}.json 中设置 "firstAdmin": { "username": "<身份提供方中的用户名>", "name": "<姓名>" }，其余人员由系统管理员在控制台「人员管理」中添加（见 infra/DEPLOY.md）`,
      );
    }
    if (hosting === 'none' && config.identity.kind === 'cognito' && !config.console.origin) {
      throw new Error(`分支 ${branch} 不在本栈托管控制台（console.hosting "none"）：请在 console.origin 中写明控制台的地址，Cognito 登录完成后要回到那里`);
    }
    // Globally unique bucket names: the branch, the account and the region (a branch name may
    // recur in another account or region); S3 allows 63 characters.
    const bucketName = (suffix: string) => {
      const longest = bucketPhysicalName(branch, suffix, '000000000000', Token.isUnresolved(this.region) ? 'cn-northwest-1' : this.region);
      if (longest.length > 63) {
        throw new Error(`分支名 ${branch} 太长：存储桶名 ${longest} 超过 S3 允许的 63 个字符，请缩短分支名`);
      }
      return bucketPhysicalName(branch, suffix, this.account, this.region);
    };
    const tagBucket = (bucket: Bucket, id: string) => (bucket.node.defaultChild as CfnResource).addMetadata(BUCKET_ID_KEY, id);

    // ---- DynamoDB registers ------------------------------------------------------------------
    for (const t of tableSpecs) {
      const table = new TableV2(this, `Table-${t.id}`, {
        tableName: name(t.id),
        partitionKey: attr(t.partitionKey),
        sortKey: attr(t.sortKey),
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: KEEP_RECORDS,
        timeToLiveAttribute: t.timeToLiveAttribute,
        globalSecondaryIndexes: t.globalSecondaryIndexes.map((g) => ({
          indexName: g.indexName,
          partitionKey: attr(g.partitionKey),
          sortKey: attr(g.sortKey),
          projectionType: ProjectionType[g.projection.type],
          ...(g.projection.type === 'INCLUDE' ? { nonKeyAttributes: g.projection.nonKeyAttributes } : {}),
        })),
      });
      this.tables.set(t.id, table);
    }

    // ---- S3: server access logs, inbox (scans), archive (Object Lock) ----------------------------
    const accessLogs = new Bucket(this, 'AccessLogsBucket', {
      bucketName: bucketName('access-logs'),
      // S3 server access logging only delivers to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: false,
      removalPolicy: KEEP_RECORDS,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(400) }],
    });
    tagBucket(accessLogs, 'access-logs');
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server-access-log target of the inbox and archive buckets; logging it into itself would loop.',
    });

    for (const b of bucketSpecs) {
      const bucket = new Bucket(this, `Bucket-${b.id}`, {
        bucketName: bucketName(b.id),
        encryption: BucketEncryption.S3_MANAGED,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        versioned: true,
        removalPolicy: KEEP_RECORDS,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: `${b.id}/`,
        objectLockEnabled: b.objectLock || undefined,
        lifecycleRules: b.objectLock
          ? // Archive: versions are protected by per-object retention (保管期限); never expire them.
            [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }]
          : // Inbox: old versions of the upload queue and of set-aside files expire; a document's
            // pinned original (originals/) is never expired, however long its route waits.
            [
              { id: 'expire-noncurrent-scans', prefix: SCAN_PREFIX, noncurrentVersionExpiration: Duration.days(90) },
              { id: 'expire-noncurrent-rejected', prefix: REJECTED_PREFIX, noncurrentVersionExpiration: Duration.days(90) },
              // Register exports are fetched within minutes by a presigned link; nothing keeps them.
              { id: 'expire-exports', prefix: EXPORTS_PREFIX, expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) },
              // Uploads are used (pinned under originals/) within minutes, or never: two days is ample.
              { id: 'expire-uploads', prefix: UPLOADS_PREFIX, expiration: Duration.days(2), noncurrentVersionExpiration: Duration.days(1) },
              { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
            ],
      });
      if (!b.objectLock) {
        // A document's pinned original is immutable: nobody deletes it or a version of it.
        bucket.addToResourcePolicy(
          new PolicyStatement({
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
            resources: [bucket.arnForObjects(`${ORIGINALS_PREFIX}*`)],
          }),
        );
      }
      tagBucket(bucket, b.id);
      this.buckets.set(b.id, bucket);
    }
    const browserBuckets = [...this.buckets.values()];
    const browserBucketNames = bucketSpecs.map((b) => bucketName(b.id));
    const uploadBucket = this.buckets.get('inbox')!;

    // ---- Identity: the branch's Cognito pool, or its OIDC issuer ------------------------------
    let cognito: { pool: UserPool; loginDomain: string; origins: string[] } | undefined;
    if (config.identity.kind === 'cognito') {
      const pool = new UserPool(this, 'UserPool', {
        userPoolName: name('users'),
        selfSignUpEnabled: false,
        signInAliases: { username: true },
        signInCaseSensitive: false,
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        mfa: Mfa.OPTIONAL,
        mfaSecondFactor: { sms: false, otp: true },
        // Essentials unless the branch asks for threat protection: Plus costs per monthly active
        // user with no free tier.
        ...(config.identity.threatProtection
          ? { featurePlan: FeaturePlan.PLUS, standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION }
          : { featurePlan: FeaturePlan.ESSENTIALS }),
        accountRecovery: AccountRecovery.NONE,
        standardAttributes: { fullname: { required: false, mutable: true } },
        customAttributes: {
          // 密级: 非密 / 秘密 / 机密 / 绝密 — set by administrators only (see the client's writeAttributes).
          clearance: new StringAttribute({ minLen: 1, maxLen: 16, mutable: true }),
          // 科室 code from the branch configuration, e.g. BGS.
          department: new StringAttribute({ minLen: 1, maxLen: 10, mutable: true }),
        },
        deletionProtection: true,
        removalPolicy: KEEP_RECORDS,
      });
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is OPTIONAL by design (brief for this deployment): office staff enrol TOTP at their own pace and an admin can require it per user (admin-set-user-mfa-preference); passwords are 12+ characters with all classes.',
      });
      if (!config.identity.threatProtection) {
        const reason = 'Threat protection needs the Plus plan ($0.02 per monthly active user, no free tier); a branch turns it on with identity.threatProtection in its config.';
        Validations.of(pool).acknowledge({ id: 'AwsSolutions-COG3', reason }, { id: 'AwsSolutions-COG8', reason });
      }
      // No groups: roles, department and clearance live in Chancery's people table, not in the pool.
      // Managed login: the prefix must be unique in the region across all accounts.
      const domain = pool.addDomain('ManagedLogin', {
        cognitoDomain: { domainPrefix: `chancery-${branch}-${Aws.ACCOUNT_ID}` },
        managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
      });
      cognito = {
        pool,
        loginDomain: domain.baseUrl(),
        // The browser fetches discovery and JWKS from the issuer, and the token from the login domain.
        origins: [`https://cognito-idp.${this.region}.amazonaws.com`, domain.baseUrl()],
      };
      this.userPool = pool;
      new CfnOutput(this, 'LoginDomain', { value: domain.baseUrl(), description: 'Cognito managed login' });
    }
    const identityOrigins = cognito?.origins ?? (config.identity.kind === 'oidc' ? [new URL(config.identity.issuer).origin] : []);

    // ---- Console hosting --------------------------------------------------------------------------
    if (hosting === 'cloudfront') {
      this.console = new ConsoleHosting(this, 'Console', {
        branch,
        bucketName,
        tagBucket,
        webDist: join(repoRoot, 'web', 'dist'),
        accessLogsBucket: accessLogs,
        browserBucketNames,
        identityOrigins,
        removalPolicy: KEEP_RECORDS,
      });
    }
    const consoleOrigin = this.console?.origin ?? config.console.origin;

    if (cognito) {
      const client = cognito.pool.addClient('WebClient', {
        userPoolClientName: name('web'),
        generateSecret: false,
        authFlows: { userPassword: true, userSrp: true },
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.hours(12),
        // Users may change presentation preferences only; name, department (科室) and clearance (密级)
        // are set by administrators with AdminUpdateUserAttributes.
        writeAttributes: new ClientAttributes().withStandardAttributes({ locale: true, timezone: true }),
        // The console: authorization code + PKCE through managed login, back to the console.
        oAuth: consoleOAuth(consoleOrigin!),
        supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      });
      // Managed login shows its pages for a client only with a style; Cognito's own defaults.
      const branding = new CfnManagedLoginBranding(this, 'LoginBranding', {
        userPoolId: cognito.pool.userPoolId,
        clientId: client.userPoolClientId,
        useCognitoProvidedValues: true,
      });
      branding.node.addDependency(cognito.pool.node.findChild('ManagedLogin'));
      this.userPoolClient = client;
      this.login = {
        // As HttpUserPoolAuthorizer writes it.
        issuer: `https://cognito-idp.${this.region}.amazonaws.com/${cognito.pool.userPoolId}`,
        clientId: client.userPoolClientId,
        // Cognito's discovery names no end_session_endpoint: without this, 退出登录 would leave
        // the managed-login session behind and the next login would pass without a password.
        endSessionEndpoint: `${cognito.loginDomain}/logout?client_id=${client.userPoolClientId}&logout_uri=${consoleOrigin}/`,
      };
    } else {
      const oidc = config.identity as Extract<BranchConfig['identity'], { kind: 'oidc' }>;
      this.login = { issuer: oidc.issuer, clientId: oidc.clientId, ...(oidc.endSessionEndpoint ? { endSessionEndpoint: oidc.endSessionEndpoint } : {}) };
    }

    // ---- Audit key (KMS HMAC) ----------------------------------------------------------------------
    // Outside the tables, so a table writer cannot reseal a rewritten audit chain. Retained: without
    // it no archived trail could be authenticated again.
    this.auditKey = new Key(this, 'AuditMacKey', {
      description: `Chancery ${branch}: seals audit chain heads (HMAC-SHA-256)`,
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: KEEP_RECORDS,
    });
    Validations.of(this.auditKey).acknowledge({
      id: 'AwsSolutions-KMS5',
      reason: 'HMAC KMS keys do not support automatic key rotation; the audit key must stay verifiable for archived trails.',
    });

    // ---- Lambda functions ------------------------------------------------------------------------
    const environment: Partial<Record<EnvName, string>> = {
      [ENV.branch]: branch,
      [ENV.branchConfig]: JSON.stringify(config),
    };
    for (const t of tableSpecs) environment[t.env] = this.tables.get(t.id)!.tableName;
    for (const b of bucketSpecs) environment[b.env] = this.buckets.get(b.id)!.bucketName;
    // State machine ARNs are built from their fixed names, not referenced: the machines reference
    // the functions (substitutions), so a reference back could be a dependency cycle.
    environment[ENV.stateMachineArnPrefix] = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: physicalName(branch, ''),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // Sign-in only: who people are to Chancery is read from the people table (functions/adapters/directory.ts).
    if (this.userPool) environment[ENV.userPoolId] = this.userPool.userPoolId;
    environment[ENV.auditMacKeyId] = this.auditKey.keyArn;

    for (const f of functionSpecs) this.functions.set(f.id, this.makeFunction(f, environment));

    // ---- Step Functions (Standard) ---------------------------------------------------------------
    for (const m of stateMachineSpecs) {
      const logGroup = new LogGroup(this, `StateMachineLogs-${m.id}`, {
        logGroupName: `/aws/vendedlogs/states/${name(m.id)}`,
        retention: LOG_RETENTION,
        removalPolicy: KEEP_RECORDS,
      });
      const invoked = [...new Set(Object.values(m.substitutions).flatMap((s) => ('functionArnOf' in s ? [s.functionArnOf] : [])))];
      const machine = new StateMachine(this, `StateMachine-${m.id}`, {
        stateMachineName: name(m.id),
        stateMachineType: StateMachineType.STANDARD,
        // Inline (DefinitionString) rather than fromFile's S3 asset: the template then carries the
        // route itself, readable in review and checked by tests/cdk against the ASL file.
        definitionBody: DefinitionBody.fromString(readFileSync(join(repoRoot, m.definitionFile), 'utf8')),
        definitionSubstitutions: Object.fromEntries(
          Object.entries(m.substitutions).map(([placeholder, s]) => [placeholder, 'functionArnOf' in s ? this.fn(s.functionArnOf).functionArn : serviceIntegrationArn(this.partition, s.serviceIntegration)]),
        ),
        // Errors only, without execution data: inputs and outputs carry task tokens, opinions and
        // classified titles. A document's history lives in its audit trail.
        logs: { destination: logGroup, level: LogLevel.ERROR, includeExecutionData: false },
        tracingEnabled: config.tracing,
      });
      // Exactly the functions the definition names, by their unqualified ARN (as the ASL uses it).
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: invoked.map((id) => this.fn(id).functionArn),
        }),
      );
      (machine.node.defaultChild as CfnResource).addMetadata(STATE_MACHINE_ID_KEY, m.id);
      if (!config.tracing) {
        Validations.of(machine).acknowledge({
          id: 'AwsSolutions-SF2',
          reason: 'X-Ray bills every traced execution and request (about $0.09 per 1,000 documents); the branch config "tracing": true turns it on when a slow path needs following (infra/DEPLOY.md).',
        });
      }
      Validations.of(machine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason: 'Logging ALL events would write task tokens, opinions and classified titles into CloudWatch; errors are logged, and each document keeps its history in its audit trail.',
      });
      Validations.of(machine).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Added by CDK for execution logging (and X-Ray when the branch turns tracing on): the logs:*LogDelivery* and xray:PutTraceSegments/PutTelemetryRecords/GetSampling* actions do not support resource-level permissions.',
      });
      this.stateMachines.set(m.id, machine);
    }

    // ---- Grants from the manifest (least privilege) ---------------------------------------------
    for (const f of functionSpecs) this.grant(f);

    // ---- HTTP API --------------------------------------------------------------------------------
    const authorizer: IHttpRouteAuthorizer =
      this.userPool && this.userPoolClient
        ? new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, {
            userPoolClients: [this.userPoolClient],
            identitySource: ['$request.header.Authorization'],
          })
        : // Any OIDC issuer: API Gateway fetches its JWKS from the discovery under the issuer URL.
          new HttpJwtAuthorizer('OidcAuthorizer', this.login.issuer, {
            jwtAudience: [this.login.clientId],
            identitySource: ['$request.header.Authorization'],
          });
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: name('api'),
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      // A console served from elsewhere (console.hosting "none") calls the API across origins.
      ...(hosting === 'none' && config.console.origin
        ? {
            corsPreflight: {
              allowOrigins: [config.console.origin],
              allowMethods: [CorsHttpMethod.ANY],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const apiLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/aws/apigateway/${name('api')}`,
      retention: LOG_RETENTION,
      removalPolicy: KEEP_RECORDS,
    });
    this.stage = new HttpStage(this, 'HttpApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(apiLogs),
        format: AccessLogFormat.custom(JSON.stringify(API_ACCESS_LOG_FIELDS)),
      },
    });
    const integrations = new Map<FunctionId, HttpLambdaIntegration>();
    for (const r of routeSpecs) {
      let integration = integrations.get(r.function);
      if (!integration) {
        const spec = functionSpecs.find((f) => f.id === r.function)!;
        if (spec.timeoutSeconds >= HTTP_API_INTEGRATION_TIMEOUT_SECONDS) {
          throw new Error(`manifest: ${r.function} serves the API but may run ${spec.timeoutSeconds} s; API Gateway gives up at ${HTTP_API_INTEGRATION_TIMEOUT_SECONDS} s`);
        }
        integration = new HttpLambdaIntegration(`Integration-${r.function}`, this.fn(r.function));
        integrations.set(r.function, integration);
      }
      if (r.path === DEFAULT_ROUTE) {
        const route = new HttpRoute(this, 'DefaultRoute', {
          httpApi: this.api,
          routeKey: HttpRouteKey.DEFAULT,
          integration,
          ...(r.authorization === 'none' ? { authorizer: new HttpNoneAuthorizer() } : {}),
        });
        if (r.authorization === 'none') {
          Validations.of(route).acknowledge(
            { id: 'AwsSolutions-APIG4', reason: 'The $default route only answers unmatched requests with a 404 and reads no data; behind the authorizer, a caller without a token would get an English 401 instead.' },
            { id: 'AwsSolutions-COG4', reason: "As AwsSolutions-APIG4: the catch-all 404 route needs no authorizer; every data route has the branch's JWT authorizer." },
          );
        }
      } else {
        const added = this.api.addRoutes({ path: r.path, methods: [HttpMethod[r.method as keyof typeof HttpMethod]], integration });
        if (!this.userPool) {
          for (const route of added) {
            Validations.of(route).acknowledge({
              id: 'AwsSolutions-COG4',
              reason: "The branch signs people in through its own OIDC issuer (identity.kind oidc; AWS China has no Cognito user pools): every data route has a JWT authorizer for that issuer and the console's client.",
            });
          }
        }
      }
    }

    if (this.console) {
      this.console.finish({ api: this.api, login: this.login, displayName: config.displayName, browserBuckets, uploadBucket });
    } else {
      // The admin serves web/dist elsewhere: the stack allows that origin and prints what to serve with it.
      if (config.console.origin) allowConsoleOrigin(config.console.origin, browserBuckets, uploadBucket);
      new CfnOutput(this, 'ConsoleConfig', {
        value: this.toJsonString(consoleConfig(this.login, this.stage.url.replace(/\/$/, ''), config.displayName)),
        description: '控制台的 config.json：与 web/dist 一起放到控制台网站根目录 (serve as /config.json with web/dist)',
      });
      new CfnOutput(this, 'ConsoleContentSecurityPolicy', {
        value: consoleContentSecurityPolicy([...s3OriginsOf(browserBucketNames), this.apiOrigin()], identityOrigins),
        description: '控制台网站应答的 Content-Security-Policy 头 (the header the console site should send)',
      });
    }

    // ---- Failed asynchronous events -------------------------------------------------------------
    // An S3 notification or schedule event that fails every retry lands here instead of vanishing,
    // and the alarm fires; the reconciler (on its schedule) also takes in whatever was missed.
    const failedEvents = new Queue(this, 'FailedEvents', {
      queueName: name('failed-events'),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(failedEvents).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination (dead-letter queue) of the asynchronously invoked functions.',
    });
    const asyncTargets = new Set<FunctionId>([...bucketNotifications.map((n) => n.function), ...scheduleSpecs.map((s) => s.function)]);
    for (const id of asyncTargets) {
      this.fn(id).configureAsyncInvoke({ onFailure: new SqsDestination(failedEvents), retryAttempts: 2 });
    }
    const failedEventsAlarm = new Alarm(this, 'FailedEventsAlarm', {
      alarmName: name('failed-events'),
      alarmDescription: '有事件处理失败（扫描件登记或定时任务），已存入失败队列；补偿任务会自动重试，请检查日志。An intake or schedule event failed every retry.',
      metric: failedEvents.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // ---- Schedules -------------------------------------------------------------------------------
    for (const s of scheduleSpecs) {
      new Rule(this, `Schedule-${s.id}`, {
        ruleName: name(s.id),
        schedule: Schedule.expression(s.expression),
        targets: [new LambdaTarget(this.fn(s.function), { retryAttempts: 2, deadLetterQueue: failedEvents })],
      });
    }

    // ---- Bucket notifications --------------------------------------------------------------------
    for (const n of bucketNotifications) {
      const bucket = this.buckets.get(n.bucket)!;
      bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.fn(n.function)), {
        prefix: n.prefix,
      });
    }
    this.acknowledgeNotificationHandler();

    // ---- Alarms (to an SNS topic to subscribe to) and the branch's dashboard ---------------------
    this.monitoring = new BranchMonitoring(this, 'Monitoring', {
      branch,
      alarmEmails: config.alarms.email,
      functions: this.functions,
      stateMachines: this.stateMachines,
      api: this.api,
      failedEvents,
      failedEventsAlarm,
    });

    // Log groups CDK adds itself (the console deployment's handler) are kept like ours.
    for (const c of this.node.findAll()) {
      if (c instanceof CfnLogGroup && c.cfnOptions.deletionPolicy === CfnDeletionPolicy.RETAIN) c.applyRemovalPolicy(KEEP_RECORDS);
    }

    // ---- Outputs ---------------------------------------------------------------------------------
    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'HTTP API base URL' });
    if (this.userPool && this.userPoolClient) {
      new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    } else {
      new CfnOutput(this, 'Issuer', { value: this.login.issuer, description: 'OIDC issuer the API accepts ID tokens of' });
    }
    for (const b of bucketSpecs) {
      new CfnOutput(this, `${b.id === 'inbox' ? 'Inbox' : 'Archive'}BucketName`, {
        value: this.buckets.get(b.id)!.bucketName,
      });
    }
    for (const m of stateMachineSpecs) {
      new CfnOutput(this, `StateMachineArn${m.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}`, {
        value: this.stateMachines.get(m.id)!.stateMachineArn,
      });
    }
  }

  /** https://<api id>.execute-api.<region>.<suffix>: the API's origin, for a console served elsewhere. */
  apiOrigin(): string {
    return `https://${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
  }

  fn(id: FunctionId): NodejsFunction {
    const f = this.functions.get(id);
    if (!f) throw new Error(`manifest names unknown function ${id}`);
    return f;
  }

  private makeFunction(f: FunctionSpec, shared: Partial<Record<EnvName, string>>): NodejsFunction {
    const files = f.files ?? [];
    const logGroup = new LogGroup(this, `FunctionLogs-${f.id}`, {
      logGroupName: `/aws/lambda/${physicalName(this.config.branch, f.id)}`,
      retention: LOG_RETENTION,
      removalPolicy: KEEP_RECORDS,
    });
    // Own role instead of AWSLambdaBasicExecutionRole: logs only to this function's log group.
    const role = new Role(this, `FunctionRole-${f.id}`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Chancery ${this.config.branch} ${f.id}`,
    });
    role.addToPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    const fn = new NodejsFunction(this, `Function-${f.id}`, {
      role,
      functionName: physicalName(this.config.branch, f.id),
      description: f.description,
      entry: join(repoRoot, f.entry),
      handler: 'handler',
      runtime: NODE_RUNTIME,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(f.timeoutSeconds),
      memorySize: f.memoryMb,
      // PassThrough unless the branch turns tracing on: no upstream (HTTP API, S3, an untraced
      // state machine) samples a request then, so nothing is recorded or billed.
      tracing: this.config.tracing ? Tracing.ACTIVE : Tracing.PASS_THROUGH,
      logGroup,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      environment: {
        ...shared,
        ...Object.fromEntries(files.map((file) => [file.env, `${LAMBDA_TASK_ROOT}/${file.to}`])),
      },
      bundling: { ...FUNCTION_BUNDLING, commandHooks: files.length > 0 ? copyFilesHooks(files) : undefined },
    });
    (fn.node.defaultChild as CfnFunction).addMetadata(FUNCTION_ID_KEY, f.id);
    (fn.node.defaultChild as CfnFunction).addMetadata(FUNCTION_ENTRY_KEY, f.entry);
    Tags.of(fn).add(FUNCTION_ID_KEY, f.id);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Added by CDK for X-Ray (active, or passing an upstream trace through): xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions.',
    });
    return fn;
  }

  private grant(f: FunctionSpec): void {
    const fn = this.fn(f.id);
    if (f.auditKey.length > 0) {
      fn.addToRolePolicy(new PolicyStatement({ actions: f.auditKey.map((action) => `kms:${action}`), resources: [this.auditKey.keyArn] }));
    }
    const mail = this.config.notifications;
    if (f.sendsEmail && mail) {
      // Mail from the branch's sender only: its SES identity (the address, or its verified domain), and that From address.
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: mail.identity ?? mail.sender.split('@')[1] })],
          conditions: { StringEquals: { 'ses:FromAddress': mail.sender } },
        }),
      );
    }
    for (const [id, access] of Object.entries(f.tables) as [TableSpec['id'], 'read' | 'write'][]) {
      const table = this.tables.get(id)!;
      if (access === 'write') table.grantReadWriteData(fn);
      else table.grantReadData(fn);
      const spec = tableSpecs.find((t) => t.id === id)!;
      if (spec.globalSecondaryIndexes.length > 0) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(table.node.defaultChild as never)}.Arn>/index/*]`,
          reason: `grant${access === 'write' ? 'ReadWrite' : 'Read'}Data on the ${id} table covers its global secondary indexes (${spec.globalSecondaryIndexes.map((g) => g.indexName).join(', ')}) with table/index/*.`,
        });
      }
    }
    for (const [id, access] of Object.entries(f.buckets) as [BucketSpec['id'], 'read' | 'write'][]) {
      const bucket = this.buckets.get(id)!;
      const spec = bucketSpecs.find((b) => b.id === id)!;
      const arn = `<${this.getLogicalId(bucket.node.defaultChild as never)}.Arn>`;
      const actions =
        access === 'read'
          ? ['s3:GetObject*', 's3:GetBucket*', 's3:List*']
          : spec.objectLock
            ? ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*']
            : ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'];
      if (access === 'read') bucket.grantRead(fn);
      else if (spec.objectLock) {
        // Write-once archive: read and put (with retention), never delete.
        bucket.grantRead(fn);
        bucket.grantPut(fn);
      } else bucket.grantReadWrite(fn);
      for (const action of actions) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `CDK's bucket ${access} grant on the ${id} bucket uses the ${action} action group (object versions, tagging, retention, listing) scoped to that bucket only.`,
        });
      }
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arn}/*]`,
        reason: `The function ${access === 'read' ? 'reads' : 'reads and writes'} objects anywhere in the ${id} bucket (keys are per document and not known at deploy time).`,
      });
    }
    for (const [id, prefixes] of Object.entries(f.putsUnder ?? {}) as [BucketSpec['id'], string[]][]) {
      const bucket = this.buckets.get(id)!;
      const arn = `<${this.getLogicalId(bucket.node.defaultChild as never)}.Arn>`;
      // Only new objects under these prefixes; never a delete.
      for (const prefix of prefixes) bucket.grantPut(fn, `${prefix}*`);
      Validations.of(fn.role!).acknowledge({ id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: `CDK's put grant on the ${id} bucket includes s3:Abort* (abandoned multipart uploads) for the prefixes it names.` });
      for (const prefix of prefixes) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${arn}/${prefix}*]`,
          reason: `The function writes new objects under ${prefix} in the ${id} bucket only (keys are per upload or document, not known at deploy time).`,
        });
      }
    }
    for (const [id, prefixes] of Object.entries(f.deletesUnder ?? {}) as [BucketSpec['id'], string[]][]) {
      const bucket = this.buckets.get(id)!;
      const arn = `<${this.getLogicalId(bucket.node.defaultChild as never)}.Arn>`;
      // A processed upload (and the version processed) off the queue; nothing outside these prefixes.
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)) }),
      );
      for (const prefix of prefixes) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${arn}/${prefix}*]`,
          reason: `The function removes processed uploads under ${prefix} in the ${id} bucket only (keys are the scanners' file names).`,
        });
      }
    }
    // By the machine's fixed-name ARN (see stateMachineArnOf), exactly the actions the manifest names.
    if (f.startsStateMachines.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: f.startsStateMachines.map((m) => this.stateMachineArnOf(m)),
        }),
      );
    }
    if (f.answersStateMachines.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: f.answersStateMachines.map((m) => this.stateMachineArnOf(m)),
        }),
      );
      // A resent answer the route no longer waits for: the execution's status tells delivered from expired.
      // A 退回 or 撤回 first asks the graph the execution runs on (it may predate a deploy) whether it can take it.
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:DescribeExecution', 'states:DescribeStateMachineForExecution'],
          resources: f.answersStateMachines.map((m) => this.executionArnsOf(m)),
        }),
      );
      for (const m of f.answersStateMachines) {
        Validations.of(fn.role!).acknowledge({
          // As cdk-nag prints the ARN: pseudo parameters the stack knows (a China branch's region) are literal.
          id: `AwsSolutions-IAM5[Resource::arn:${this.nagValue(this.partition, 'AWS::Partition')}:states:${this.nagValue(this.region, 'AWS::Region')}:<AWS::AccountId>:execution:${physicalName(this.config.branch, m)}:*]`,
          reason: 'Executions are named per document at run time; the grant covers the executions of this one state machine only.',
        });
      }
    }
  }

  /** A pseudo parameter's value as cdk-nag writes it in a finding id: literal when known at synth. */
  private nagValue(value: string, pseudo: string): string {
    return Token.isUnresolved(value) ? `<${pseudo}>` : value;
  }

  /** The ARN of a manifest state machine, from its fixed physical name. */
  stateMachineArnOf(id: StateMachineId): string {
    if (!stateMachineSpecs.some((m) => m.id === id)) throw new Error(`manifest names unknown state machine ${id}`);
    return this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: physicalName(this.config.branch, id),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Every execution of a manifest state machine. */
  executionArnsOf(id: StateMachineId): string {
    return this.formatArn({ service: 'states', resource: 'execution', resourceName: `${physicalName(this.config.branch, id)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /** The custom resource CDK adds to configure S3 → Lambda notifications. */
  private acknowledgeNotificationHandler(): void {
    const handler = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (!handler) return;
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's BucketNotificationsHandler custom resource (runs only at deploy time) uses the AWS-managed basic execution role for its logs.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "CDK's BucketNotificationsHandler needs s3:PutBucketNotification on buckets it is given at deploy time; CDK scopes it to '*' and it runs only inside CloudFormation.",
      },
    );
  }
}
