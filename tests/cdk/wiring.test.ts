/**
 * Local mode and the cloud read one manifest; this proves it: the synthesized template and
 * `localWiring()` (infra/local/wiring.ts) agree on tables, routes, schedules, bucket
 * notifications, the environment of every function and the state machine definitions.
 *
 * Template values are tokens (Ref, Fn::GetAtt, Fn::Join); `resolveLocally` evaluates them the
 * way local mode names things (physical names, local ARNs), so values can be compared exactly.
 */
import { relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketPhysicalName, ENV, functions as functionSpecs, physicalName, type FunctionId } from '../../infra/manifest.js';
import { BUCKET_ID_KEY } from '../../infra/stacks/branch-stack.js';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  functionArn,
  localAuditKeyArn,
  localUserPoolId,
  localWiring,
  repoRoot,
  substituteDefinition,
  type LocalWiring,
} from '../../infra/local/wiring.js';
import {
  functionEntry,
  functionOfGetAtt,
  logicalIdOfFunction,
  manifestFunctionByLogicalId,
  resourcesOfType,
  stateMachineResource,
  bucketLogicalIdOf,
  resolvePseudo,
  synthBranch,
  type Synth,
} from './synth.js';

let s: Synth;
let local: LocalWiring;
beforeAll(() => {
  s = synthBranch();
  local = localWiring(s.config);
});

/** Evaluates a CloudFormation value as local mode would see it. */
function resolveLocally(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v.Ref) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[v.Ref]) return pseudo[v.Ref];
    const r = s.json.Resources[v.Ref];
    if (r?.Type === 'AWS::DynamoDB::GlobalTable') return r.Properties!.TableName;
    // A manifest bucket: its cloud name carries account and region (checked below); local mode's is the plain one.
    if (r?.Type === 'AWS::S3::Bucket') return physicalName(s.config.branch, r.Metadata![BUCKET_ID_KEY]);
    if (r?.Type === 'AWS::Cognito::UserPool') return localUserPoolId(s.config.branch);
    throw new Error(`cannot resolve Ref ${v.Ref} (${r?.Type})`);
  }
  if (v['Fn::GetAtt']) {
    const [logicalId, attribute] = v['Fn::GetAtt'] as [string, string];
    if (s.json.Resources[logicalId]?.Type === 'AWS::KMS::Key' && attribute === 'Arn') return localAuditKeyArn(s.config.branch);
    const fn = functionOfGetAtt(s, v);
    if (fn) return functionArn(s.config.branch, fn);
    throw new Error(`cannot resolve ${JSON.stringify(v)}`);
  }
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(resolveLocally).join(sep);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

const keySchema = (pk: string, sk: string) => [
  { AttributeName: pk, KeyType: 'HASH' },
  { AttributeName: sk, KeyType: 'RANGE' },
];

describe('local wiring agrees with the synthesized template', () => {
  it('tables: the same names, key schemas, attribute types and GSIs', () => {
    const cloud = resourcesOfType(s, 'AWS::DynamoDB::GlobalTable').map(([, r]) => r.Properties!);
    expect(new Set(cloud.map((t) => t.TableName))).toEqual(new Set(local.tables.map((t) => t.tableName)));
    for (const t of local.tables) {
      const c = cloud.find((x) => x.TableName === t.tableName)!;
      expect(c.KeySchema).toEqual(keySchema(t.partitionKey.name, t.sortKey.name));
      const types = Object.fromEntries(
        (c.AttributeDefinitions as { AttributeName: string; AttributeType: string }[]).map((a) => [a.AttributeName, a.AttributeType]),
      );
      expect(types[t.partitionKey.name]).toBe(t.partitionKey.type);
      expect(types[t.sortKey.name]).toBe(t.sortKey.type);
      const cloudGsis = ((c.GlobalSecondaryIndexes ?? []) as any[]).map((g) => ({
        indexName: g.IndexName,
        keySchema: g.KeySchema,
        projection: g.Projection.ProjectionType,
        nonKeyAttributes: g.Projection.NonKeyAttributes ?? [],
      }));
      const localGsis = t.globalSecondaryIndexes.map((g) => ({
        indexName: g.indexName,
        keySchema: keySchema(g.partitionKey.name, g.sortKey.name),
        projection: g.projection.type,
        nonKeyAttributes: g.projection.type === 'INCLUDE' ? g.projection.nonKeyAttributes : [],
      }));
      expect(cloudGsis).toEqual(localGsis);
      for (const g of t.globalSecondaryIndexes) {
        expect(types[g.partitionKey.name]).toBe(g.partitionKey.type);
        expect(types[g.sortKey.name]).toBe(g.sortKey.type);
      }
      expect(c.TimeToLiveSpecification?.AttributeName).toBe(t.timeToLiveAttribute);
    }
  });

  it('no index copies whole items or a task token (index entries stay small; the token stays in its item)', () => {
    const gsis = resourcesOfType(s, 'AWS::DynamoDB::GlobalTable').flatMap(([, r]) => (r.Properties!.GlobalSecondaryIndexes ?? []) as any[]);
    expect(gsis.length).toBeGreaterThan(0);
    for (const g of gsis) {
      expect(g.Projection.ProjectionType).not.toBe('ALL');
      expect(g.Projection.NonKeyAttributes ?? []).not.toContain('taskToken');
    }
  });

  it('buckets: the same names (in the cloud with account and region), and Object Lock where local mode expects it', () => {
    for (const b of local.buckets) {
      const c = s.json.Resources[bucketLogicalIdOf(s, b.id)].Properties!;
      const pseudo = { 'AWS::AccountId': LOCAL_ACCOUNT, 'AWS::Region': LOCAL_REGION };
      expect(resolvePseudo(c.BucketName, pseudo)).toBe(bucketPhysicalName(s.config.branch, b.id, LOCAL_ACCOUNT, LOCAL_REGION));
      expect(b.bucketName).toBe(physicalName(s.config.branch, b.id));
      expect(c.ObjectLockEnabled === true).toBe(b.objectLock);
    }
  });

  it('functions: the same names, built from the same handler entries', () => {
    const byLogicalId = manifestFunctionByLogicalId(s);
    expect(new Set(byLogicalId.values())).toEqual(new Set(local.functions.map((f) => f.id)));
    for (const f of local.functions) {
      const logicalId = logicalIdOfFunction(s, f.id);
      expect(s.json.Resources[logicalId].Properties!.FunctionName).toBe(f.functionName);
      expect(functionEntry(s, logicalId)).toBe(relative(repoRoot, f.entryPath));
    }
  });

  it('routes: the same route keys, each integrated with the same manifest function', () => {
    const cloud = new Map<string, FunctionId | undefined>();
    for (const [, route] of resourcesOfType(s, 'AWS::ApiGatewayV2::Route')) {
      const integrationId = (route.Properties!.Target['Fn::Join'][1] as any[])[1].Ref as string;
      cloud.set(route.Properties!.RouteKey, functionOfGetAtt(s, s.json.Resources[integrationId].Properties!.IntegrationUri));
    }
    const localRoutes = new Map(local.routes.map((r) => [r.routeKey, r.function]));
    expect(cloud).toEqual(localRoutes);
    // And the function handling each route is the one local mode loads from the same entry file.
    for (const r of local.routes) {
      const entry = local.functions.find((f) => f.id === r.function)!.entryPath;
      expect(functionEntry(s, logicalIdOfFunction(s, cloud.get(r.routeKey)!))).toBe(relative(repoRoot, entry));
    }
  });

  it('schedules: the same expressions and targets', () => {
    const cloud = resourcesOfType(s, 'AWS::Events::Rule').map(([, r]) => ({
      expression: r.Properties!.ScheduleExpression,
      functions: (r.Properties!.Targets as { Arn: unknown }[]).map((t) => functionOfGetAtt(s, t.Arn)),
    }));
    expect(cloud).toEqual(local.schedules.map((x) => ({ expression: x.expression, functions: [x.function] })));
  });

  it('bucket notifications: the same bucket, prefix and target', () => {
    const cloud = resourcesOfType(s, 'Custom::S3BucketNotifications').flatMap(([, r]) =>
      (r.Properties!.NotificationConfiguration.LambdaFunctionConfigurations as any[]).map((c) => ({
        bucketName: resolveLocally(r.Properties!.BucketName),
        prefix: c.Filter.Key.FilterRules.find((f: { Name: string }) => f.Name === 'prefix').Value,
        function: functionOfGetAtt(s, c.LambdaFunctionArn),
      })),
    );
    expect(cloud).toEqual(local.bucketNotifications);
  });

  it('environment: every function sees the same variable names, whose values resolve to the local names', () => {
    for (const f of local.functions) {
      const env = s.json.Resources[logicalIdOfFunction(s, f.id)].Properties!.Environment.Variables as Record<string, unknown>;
      // Files shipped with a function (FunctionSpec.files) add their path variable in both runtimes.
      const fileEnv = Object.fromEntries((functionSpecs.find((x) => x.id === f.id)!.files ?? []).map((file) => [file.env, file]));
      expect(new Set(Object.keys(env))).toEqual(new Set([...Object.keys(local.environment), ...Object.keys(fileEnv)]));
      for (const [name, localValue] of Object.entries(local.environment)) {
        expect(resolveLocally(env[name]), `${f.id} ${name}`).toBe(localValue);
      }
    }
  });

  it('state machines: the definition after substitution with local ARNs equals the local one', () => {
    for (const m of local.stateMachines) {
      const [, machine] = stateMachineResource(s, m.id);
      expect(machine.Properties!.StateMachineName).toBe(m.name);
      const values = Object.fromEntries(
        Object.entries(machine.Properties!.DefinitionSubstitutions as Record<string, unknown>).map(([k, v]) => [k, resolveLocally(v)]),
      );
      const substituted = substituteDefinition(machine.Properties!.DefinitionString, values);
      expect(substituted).toBe(m.definition);
      expect(JSON.parse(substituted)).toEqual(JSON.parse(m.definition));
      // The functions reach every route's machine as STATE_MACHINE_ARN_PREFIX + the route id.
      expect(`${local.environment[ENV.stateMachineArnPrefix]}${m.id}`).toBe(m.arn);
    }
  });
});
