/**
 * What a deployer would trip over on a real account (issue 9, "Deploy traps to remove"), and a
 * branch in AWS China: no Cognito, any OIDC issuer, ARNs of the aws-cn partition only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { functions, HTTP_API_INTEGRATION_TIMEOUT_SECONDS, routes, stateMachines, BUSINESS_METRICS, buckets, tables } from '../../infra/manifest.js';
import { chinaBranchConfig, logicalIdOfFunction, resolvePseudo, resourcesOfType, synthBranch, bucketLogicalIdOf, type Synth } from './synth.js';

let hq: Synth;
let china: Record<'cn-north-1' | 'cn-northwest-1', Synth>;
beforeAll(() => {
  hq = synthBranch({ nag: false });
  china = {
    // With cdk-nag's AwsSolutions checks: a finding not acknowledged fails the synth.
    'cn-north-1': synthBranch({ config: chinaBranchConfig('cn-north-1') }),
    'cn-northwest-1': synthBranch({ config: chinaBranchConfig('cn-northwest-1') }),
  };
});

const RECORD_TYPES = ['AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::Cognito::UserPool', 'AWS::Logs::LogGroup', 'AWS::KMS::Key'];

describe('retain, except after a failed first create', () => {
  it('tables, buckets, the user pool, log groups and the audit key are RetainExceptOnCreate', () => {
    const kept = Object.entries(hq.json.Resources).filter(([, r]) => RECORD_TYPES.includes(r.Type));
    expect(new Set(kept.map(([, r]) => r.Type))).toEqual(new Set(RECORD_TYPES));
    expect(kept.filter(([, r]) => r.Type === 'AWS::Logs::LogGroup').length).toBeGreaterThanOrEqual(functions.length + stateMachines.length + 1);
    for (const [id, r] of kept) {
      const policies = r as { DeletionPolicy?: string; UpdateReplacePolicy?: string };
      expect(policies.DeletionPolicy, id).toBe('RetainExceptOnCreate');
      expect(policies.UpdateReplacePolicy, id).toBe('Retain');
    }
    expect(Object.values(hq.json.Resources).filter((r) => (r as { DeletionPolicy?: string }).DeletionPolicy === 'Retain')).toEqual([]);
  });

  it('every bucket name carries the account and the region', () => {
    const pseudo = { 'AWS::AccountId': '123456789012', 'AWS::Region': 'ap-east-1', 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
    const names = resourcesOfType(hq, 'AWS::S3::Bucket').map(([, b]) => resolvePseudo(b.Properties!.BucketName, pseudo));
    expect(names.length).toBeGreaterThanOrEqual(buckets.length + 3);
    for (const name of names) expect(name).toMatch(/^chancery-hq-[a-z-]+-123456789012-ap-east-1$/);
    expect(resolvePseudo(hq.json.Resources[bucketLogicalIdOf(hq, 'inbox')].Properties!.BucketName, pseudo)).toBe('chancery-hq-inbox-123456789012-ap-east-1');
  });

  it('a branch name too long for a bucket name is refused at synth, with what to do', () => {
    const config = { ...loadBranchConfig('hq'), branch: 'a-very-long-branch-nm' };
    expect(() => buildApp({ config, context: { 'aws:cdk:bundling-stacks': [] }, nag: false })).toThrow(/请缩短分支名/);
  });

  it('a branch without a first admin is refused at synth: nobody could add people', () => {
    const { firstAdmin: _none, ...config } = loadBranchConfig('hq');
    expect(() => buildApp({ config, context: { 'aws:cdk:bundling-stacks': [] }, nag: false })).toThrow(/没有第一位系统管理员.*"firstAdmin"/);
  });
});

describe('Step Functions logs errors only, without execution data', () => {
  it('every state machine', () => {
    const machines = resourcesOfType(hq, 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(stateMachines.length);
    for (const [, m] of machines) expect(m.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
  });
});

describe('alarms, to one topic, and a dashboard', () => {
  const alarmsOn = (s: Synth, predicate: (a: Record<string, any>) => boolean) =>
    resourcesOfType(s, 'AWS::CloudWatch::Alarm').filter(([, a]) => predicate(a.Properties!));
  const dimensionRef = (a: Record<string, any>) => JSON.stringify(a.Dimensions ?? []);

  it('every alarm reports to the branch topic, which mails the configured addresses', () => {
    const [[topicId]] = resourcesOfType(hq, 'AWS::SNS::Topic');
    const alarms = resourcesOfType(hq, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(1 + stateMachines.length + 2 * functions.length + 1);
    for (const [id, a] of alarms) expect(a.Properties!.AlarmActions, id).toEqual([{ Ref: topicId }]);
    const subscriptions = resourcesOfType(china['cn-north-1'], 'AWS::SNS::Subscription').map(([, x]) => x.Properties);
    expect(subscriptions).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.cn' })]);
  });

  it('failed executions of every route, errors and throttles of every function, API 5xx and the failed-events queue', () => {
    for (const m of stateMachines) {
      const [machineId] = resourcesOfType(hq, 'AWS::StepFunctions::StateMachine').find(([, r]) => r.Metadata?.['chancery:state-machine'] === m.id)!;
      expect(alarmsOn(hq, (a) => a.MetricName === 'ExecutionsFailed' && dimensionRef(a).includes(machineId)), m.id).toHaveLength(1);
    }
    for (const f of functions) {
      const fnId = logicalIdOfFunction(hq, f.id);
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarmsOn(hq, (a) => a.MetricName === metric && a.Namespace === 'AWS/Lambda' && dimensionRef(a).includes(fnId)), `${f.id} ${metric}`).toHaveLength(1);
      }
    }
    expect(alarmsOn(hq, (a) => a.MetricName === '5xx' && a.Namespace === 'AWS/ApiGateway')).toHaveLength(1);
    expect(alarmsOn(hq, (a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    for (const [, a] of resourcesOfType(hq, 'AWS::CloudWatch::Alarm')) expect(a.Properties!.TreatMissingData).toBe('notBreaching');
  });

  it('one dashboard per branch graphs the business figures the functions emit, and the failures', () => {
    const dashboards = resourcesOfType(hq, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0][1].Properties!.DashboardName).toBe('chancery-hq-operations');
    const body = resolvePseudo(dashboards[0][1].Properties!.DashboardBody, { 'AWS::Region': 'us-east-1' });
    for (const metric of Object.values(BUSINESS_METRICS)) expect(body).toContain(`"Chancery","${metric}","service","chancery-hq"`);
    for (const metric of ['ExecutionsFailed', 'Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible', '5xx']) expect(body).toContain(`"${metric}"`);
  });
});

describe('timeouts', () => {
  it('every function behind the HTTP API ends before API Gateway gives up (30 s)', () => {
    const apiFunctions = new Set(routes.map((r) => r.function));
    for (const id of apiFunctions) {
      const timeout = hq.json.Resources[logicalIdOfFunction(hq, id)].Properties!.Timeout as number;
      expect(timeout, id).toBeLessThan(HTTP_API_INTEGRATION_TIMEOUT_SECONDS);
      expect(timeout, id).toBeLessThanOrEqual(25);
    }
  });
});

describe('Cognito', () => {
  it('Essentials unless the branch asks for threat protection (Plus)', () => {
    const [[, pool]] = resourcesOfType(hq, 'AWS::Cognito::UserPool');
    expect(pool.Properties!.UserPoolTier).toBe('ESSENTIALS');
    expect(pool.Properties!.UserPoolAddOns).toBeUndefined();
    const plus = synthBranch({ config: { ...loadBranchConfig('hq'), identity: { kind: 'cognito', threatProtection: true } }, nag: false });
    const [[, plusPool]] = resourcesOfType(plus, 'AWS::Cognito::UserPool');
    expect(plusPool.Properties!.UserPoolTier).toBe('PLUS');
    expect(plusPool.Properties!.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
  });
});

describe.each(['cn-north-1', 'cn-northwest-1'] as const)('a branch in %s', (region) => {
  const s = () => china[region];
  const pseudo = { 'AWS::Partition': 'aws-cn', 'AWS::Region': region, 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com.cn' };

  it('deploys to its region and has no Cognito resource (none exist there), nor CloudFront', () => {
    expect(s().stack.region).toBe(region);
    const types = new Set(Object.values(s().json.Resources).map((r) => r.Type));
    expect([...types].filter((t) => t.startsWith('AWS::Cognito::'))).toEqual([]);
    expect([...types].filter((t) => t.startsWith('AWS::CloudFront::'))).toEqual([]);
    expect(types).toContain('AWS::DynamoDB::GlobalTable');
  });

  it("only arn:aws-cn: ARNs in the state machines and the policies, once the partition is resolved", () => {
    const texts: string[] = [];
    for (const [, m] of resourcesOfType(s(), 'AWS::StepFunctions::StateMachine')) {
      const subs = Object.fromEntries(Object.entries(m.Properties!.DefinitionSubstitutions as Record<string, unknown>).map(([k, v]) => [k, resolvePseudo(v, pseudo)]));
      texts.push((m.Properties!.DefinitionString as string).replace(/\$\{(\w+)\}/g, (_, k: string) => subs[k] ?? `\${${k}}`));
    }
    const policyTypes = ['AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::KMS::Key'];
    for (const [, r] of Object.entries(s().json.Resources).filter(([, x]) => policyTypes.includes(x.Type))) texts.push(resolvePseudo(r.Properties, pseudo));
    const all = texts.join('\n');
    const arns = all.match(/arn:[a-z-]*:/g) ?? [];
    expect(arns.length).toBeGreaterThan(50);
    expect(new Set(arns)).toEqual(new Set(['arn:aws-cn:']));
    expect(all).toContain('arn:aws-cn:states:::lambda:invoke.waitForTaskToken');
  });

  it("the API accepts ID tokens of the branch's OIDC issuer for the console's client", () => {
    const [[, authorizer]] = resourcesOfType(s(), 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://sso.example.cn/realms/chancery', Audience: ['chancery-console'] },
    });
    // No pool: the token says who signs in; roles, department and clearance come from the people table.
    for (const f of functions) expect(s().json.Resources[logicalIdOfFunction(s(), f.id)].Properties!.Environment.Variables.USER_POOL_ID, f.id).toBeUndefined();
  });

  it('the console served from its own domain: CORS for it on the API and the buckets, its config.json and CSP as outputs', () => {
    const [[, api]] = resourcesOfType(s(), 'AWS::ApiGatewayV2::Api');
    expect(api.Properties!.CorsConfiguration).toMatchObject({ AllowOrigins: ['https://gongwen.example.cn'] });
    for (const b of buckets) {
      const cors = s().json.Resources[bucketLogicalIdOf(s(), b.id)].Properties!.CorsConfiguration.CorsRules as { AllowedOrigins: string[] }[];
      expect(cors.map((r) => r.AllowedOrigins)).toEqual([['https://gongwen.example.cn']]);
    }
    const outputs = s().json.Outputs;
    const config = JSON.parse(resolvePseudo(outputs.ConsoleConfig.Value, { ...pseudo, HttpApiF5A9A8A7: 'abc123' }).replace(/<[^>]+>/g, 'x'));
    expect(config).toMatchObject({ issuer: 'https://sso.example.cn/realms/chancery', clientId: 'chancery-console', branch: s().config.displayName });
    const csp = resolvePseudo(outputs.ConsoleContentSecurityPolicy.Value, pseudo);
    expect(csp).toContain(`https://chancery-${s().config.branch}-inbox-123456789012-${region}.s3.${region}.amazonaws.com.cn`);
    expect(csp).toMatch(/connect-src [^;]*https:\/\/sso\.example\.cn/);
    expect(outputs.Issuer.Value).toBe('https://sso.example.cn/realms/chancery');
  });

  it('a China branch asking for Cognito or CloudFront hosting is refused with what to set', () => {
    const base = chinaBranchConfig(region);
    const build = (config: typeof base) => () => buildApp({ config, context: { 'aws:cdk:bundling-stacks': [] }, nag: false });
    expect(build({ ...base, identity: { kind: 'cognito', threatProtection: false } })).toThrow(/没有 Cognito 用户池.*"kind": "oidc"/);
    expect(build({ ...base, console: { hosting: 'cloudfront' } })).toThrow(/"hosting": "none"/);
  });
});

it('the tables of a China branch are those of the manifest', () => {
  expect(resourcesOfType(china['cn-north-1'], 'AWS::DynamoDB::GlobalTable')).toHaveLength(tables.length);
});
