/**
 * Synthesizes the branch stack for the CDK tests and offers small helpers to read the template.
 * Without `bundling: true` NodejsFunction skips esbuild (context `aws:cdk:bundling-stacks: []`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp } from '../../infra/app.js';
import { loadBranchConfig, type BranchConfig } from '../../infra/branch-config.js';
import type { FunctionId } from '../../infra/manifest.js';
import { BUCKET_ID_KEY, FUNCTION_ENTRY_KEY, FUNCTION_ID_KEY, STATE_MACHINE_ID_KEY, type BranchStack } from '../../infra/stacks/branch-stack.js';

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
  DependsOn?: string[];
}

export interface Synth {
  app: App;
  stack: BranchStack;
  config: BranchConfig;
  assembly: CloudAssembly;
  template: Template;
  json: { Resources: Record<string, CfnResourceJson>; Outputs: Record<string, any> };
  outdir: string;
}

/**
 * A branch in AWS China, as an admin there would write it: the hq branch's offices, its region,
 * an OIDC issuer (Keycloak-style claim names) and the console served from an ICP-filed domain.
 */
export function chinaBranchConfig(region: 'cn-north-1' | 'cn-northwest-1', branch = region === 'cn-north-1' ? 'bj' : 'nx'): BranchConfig {
  return {
    ...loadBranchConfig('hq'),
    branch,
    displayName: region === 'cn-north-1' ? '北京分公司' : '宁夏分公司',
    region,
    identity: {
      kind: 'oidc',
      issuer: 'https://sso.example.cn/realms/chancery',
      clientId: 'chancery-console',
      claims: { username: 'preferred_username', name: 'name', roles: 'chancery_roles', department: 'department', clearance: 'clearance' },
    },
    console: { hosting: 'none', origin: 'https://gongwen.example.cn' },
    alarms: { email: ['ops@example.cn'] },
  };
}

export function synthBranch(options: { branch?: string; bundling?: boolean; config?: BranchConfig; nag?: boolean } = {}): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'chancery-cdk-'));
  const { app, stack, config } = buildApp({
    branch: options.branch ?? 'hq',
    ...(options.config ? { config: options.config } : {}),
    ...(options.nag !== undefined ? { nag: options.nag } : {}),
    outdir,
    context: options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const assembly = app.synth();
  const json = assembly.getStackByName(stack.stackName).template as Synth['json'];
  return { app, stack, config, assembly, template: Template.fromJSON(json), json, outdir };
}

export function resourcesOfType(s: Synth, type: string): [string, CfnResourceJson][] {
  return Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
}

/** Logical id → manifest function id, from the `chancery:function` metadata on each function. */
export function manifestFunctionByLogicalId(s: Synth): Map<string, FunctionId> {
  const map = new Map<string, FunctionId>();
  for (const [id, r] of resourcesOfType(s, 'AWS::Lambda::Function')) {
    const fn = r.Metadata?.[FUNCTION_ID_KEY] as FunctionId | undefined;
    if (fn) map.set(id, fn);
  }
  return map;
}

export function logicalIdOfFunction(s: Synth, fn: FunctionId): string {
  for (const [logicalId, id] of manifestFunctionByLogicalId(s)) if (id === fn) return logicalId;
  throw new Error(`no Lambda function carries ${FUNCTION_ID_KEY}=${fn}`);
}

export function functionEntry(s: Synth, logicalId: string): string {
  return s.json.Resources[logicalId].Metadata?.[FUNCTION_ENTRY_KEY] as string;
}

/** The bucket carrying `chancery:bucket` = id (a manifest bucket, access-logs, console, console-logs). */
export function bucketLogicalIdOf(s: Synth, id: string): string {
  const found = resourcesOfType(s, 'AWS::S3::Bucket').find(([, r]) => r.Metadata?.[BUCKET_ID_KEY] === id);
  if (!found) throw new Error(`no bucket carries ${BUCKET_ID_KEY}=${id}`);
  return found[0];
}

/**
 * A template value with the pseudo parameters resolved (partition, region, account, URL suffix)
 * and other references left as `<LogicalId>`: enough to read what ARNs a template builds.
 */
export function resolvePseudo(value: unknown, pseudo: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => resolvePseudo(v, pseudo)).join(',');
  const v = value as Record<string, any>;
  if (v && typeof v === 'object') {
    if (typeof v.Ref === 'string') return pseudo[v.Ref] ?? `<${v.Ref}>`;
    if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    if (v['Fn::Join']) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolvePseudo(p, pseudo)).join(sep);
    }
    return `{${Object.entries(v).map(([k, x]) => `${k}:${resolvePseudo(x, pseudo)}`).join(',')}}`;
  }
  return String(value);
}

export function stateMachineResource(s: Synth, id: string): [string, CfnResourceJson] {
  const found = resourcesOfType(s, 'AWS::StepFunctions::StateMachine').find(([, r]) => r.Metadata?.[STATE_MACHINE_ID_KEY] === id);
  if (!found) throw new Error(`no state machine carries ${STATE_MACHINE_ID_KEY}=${id}`);
  return found;
}

/** The manifest function a `Fn::GetAtt [X, Arn]` of a Lambda function points at. */
export function functionOfGetAtt(s: Synth, value: unknown): FunctionId | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt'];
  if (!getAtt || getAtt[1] !== 'Arn') return undefined;
  const resource = s.json.Resources[getAtt[0]];
  if (resource?.Type !== 'AWS::Lambda::Function') return undefined;
  return manifestFunctionByLogicalId(s).get(getAtt[0]);
}

/** Placeholders `${Name}` of an ASL text. */
export function placeholders(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
}

/** IAM actions of a policy statement, as a list. */
export function actionsOf(statement: { Action: string | string[] }): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** True when an IAM action pattern (possibly with `*`) covers the action. */
export function actionCovers(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

/** Manifest functions whose execution role carries the policy with this logical id. */
export function functionsOfPolicy(s: Synth, policyLogicalId: string): FunctionId[] {
  const policy = s.json.Resources[policyLogicalId];
  const roles = ((policy.Properties?.Roles ?? []) as { Ref: string }[]).map((r) => r.Ref);
  const out: FunctionId[] = [];
  for (const [logicalId, fn] of manifestFunctionByLogicalId(s)) {
    const roleArn = s.json.Resources[logicalId].Properties?.Role as { 'Fn::GetAtt': [string, string] };
    if (roles.includes(roleArn['Fn::GetAtt'][0])) out.push(fn);
  }
  return out;
}
