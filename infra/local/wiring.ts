/**
 * Local mode's wiring, derived from the same manifest as the CDK stack: physical names, local
 * ARNs, the state machines with their `${…}` substitutions resolved, the routes, schedules and
 * bucket notifications. tests/cdk/wiring.test.ts checks it against the synthesized template.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BranchConfig } from '../branch-config.js';
import {
  buckets,
  bucketNotifications,
  ENV,
  functions,
  physicalName,
  routeKeyOf,
  routes,
  schedules,
  serviceIntegrationArn,
  stateMachines,
  tables,
  type EnvName,
  type FunctionId,
  type FunctionSpec,
  type TableSpec,
} from '../manifest.js';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_PARTITION = 'aws';
export const LOCAL_ACCOUNT = '000000000000';
/** s3rver knows one key pair, S3RVER/S3RVER; DynamoDB Local (sharedDb) and the local engine take any. */
export const LOCAL_ACCESS_KEY = 'S3RVER';

export const repoRoot = join(import.meta.dirname, '..', '..');

export interface LocalWiring {
  branch: string;
  tables: (TableSpec & { tableName: string })[];
  buckets: { id: string; bucketName: string; objectLock: boolean }[];
  functions: (FunctionSpec & { functionName: string; functionArn: string; entryPath: string })[];
  stateMachines: { id: string; name: string; arn: string; definition: string }[];
  routes: { routeKey: string; method: string; path: string; function: FunctionId; authorization?: 'none' }[];
  schedules: { id: string; expression: string; everySeconds: number; function: FunctionId }[];
  bucketNotifications: { bucketName: string; prefix: string; function: FunctionId }[];
  /** Environment every function sees (the same names as in the cloud). */
  environment: Record<EnvName, string>;
}

export function functionArn(branch: string, id: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${physicalName(branch, id)}`;
}
/** The local user directory's pool id, shaped like a Cognito one (region_id). */
export function localUserPoolId(branch: string): string {
  return `${LOCAL_REGION}_local${branch.replace(/[^a-z0-9]/g, '')}`;
}

/** The local audit key (HMAC) ARN; local mode's KMS endpoint answers for it from its key file. */
export function localAuditKeyArn(branch: string): string {
  return `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/chancery-${branch}-audit-mac`;
}

export function stateMachineArn(branch: string, id: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${physicalName(branch, id)}`;
}

/** Replaces every `${Name}` of an ASL text; an unknown name is an error, never left in place. */
export function substituteDefinition(definition: string, values: Record<string, string>): string {
  return definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`ASL placeholder \${${name}} has no substitution`);
    return value;
  });
}

/**
 * `definitions` replaces the ASL text of some routes (by route id, with the same `${…}`
 * placeholders as the committed files): a test deploying an earlier release's definitions
 * (statemachines/released/) to upgrade from. Left out, every route's committed file.
 */
export function localWiring(config: BranchConfig, definitions: Readonly<Record<string, string>> = {}): LocalWiring {
  const { branch } = config;
  const unknown = Object.keys(definitions).filter((id) => !stateMachines.some((m) => m.id === id));
  if (unknown.length) throw new Error(`no state machine ${unknown.join(', ')} to give a definition`);
  const bucketName = (id: string) => physicalName(branch, id);
  // A Cognito branch signs in locally at local mode's own identity provider (Cognito-shaped
  // tokens from the seeded users); a branch naming an OIDC issuer signs in there, locally too, and
  // the handlers read its claims. The seeded users stay the local directory either way.
  const environment = {
    [ENV.branch]: branch,
    [ENV.branchConfig]: JSON.stringify(config),
  } as Record<EnvName, string>;
  for (const t of tables) environment[t.env] = physicalName(branch, t.id);
  for (const b of buckets) environment[b.env] = bucketName(b.id);
  environment[ENV.stateMachineArnPrefix] = stateMachineArn(branch, '');
  environment[ENV.userPoolId] = localUserPoolId(branch);
  environment[ENV.auditMacKeyId] = localAuditKeyArn(branch);

  return {
    branch,
    tables: tables.map((t) => ({ ...t, tableName: physicalName(branch, t.id) })),
    buckets: buckets.map((b) => ({ id: b.id, bucketName: bucketName(b.id), objectLock: b.objectLock })),
    functions: functions.map((f) => ({
      ...f,
      functionName: physicalName(branch, f.id),
      functionArn: functionArn(branch, f.id),
      entryPath: join(repoRoot, f.entry),
    })),
    stateMachines: stateMachines.map((m) => {
      const values = Object.fromEntries(
        Object.entries(m.substitutions).map(([name, s]) => [name, 'functionArnOf' in s ? functionArn(branch, s.functionArnOf) : serviceIntegrationArn(LOCAL_PARTITION, s.serviceIntegration)]),
      );
      return {
        id: m.id,
        name: physicalName(branch, m.id),
        arn: stateMachineArn(branch, m.id),
        definition: substituteDefinition(Object.hasOwn(definitions, m.id) ? definitions[m.id]! : readFileSync(join(repoRoot, m.definitionFile), 'utf8'), values),
      };
    }),
    routes: routes.map((r) => ({ routeKey: routeKeyOf(r), ...r })),
    schedules: schedules.map((s) => ({ ...s })),
    bucketNotifications: bucketNotifications.map((n) => ({
      bucketName: bucketName(n.bucket),
      prefix: n.prefix,
      function: n.function,
    })),
    environment,
  };
}
