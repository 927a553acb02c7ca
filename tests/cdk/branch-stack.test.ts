import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { loadBranchConfig } from '../../infra/branch-config.js';
import {
  bucketNotifications,
  buckets,
  functions,
  physicalName,
  routeKeyOf,
  routes,
  schedules,
  SLIP_FONT,
  stateMachines,
  tables,
  type FunctionId,
} from '../../infra/manifest.js';
import { FUNCTION_BUNDLING, LAMBDA_TASK_ROOT, NODE_RUNTIME, repoRoot } from '../../infra/stacks/branch-stack.js';
import {
  actionCovers,
  actionsOf,
  functionOfGetAtt,
  functionsOfPolicy,
  logicalIdOfFunction,
  manifestFunctionByLogicalId,
  placeholders,
  resourcesOfType,
  stateMachineResource,
  bucketLogicalIdOf,
  synthBranch,
  type Synth,
} from './synth.js';

let s: Synth;
beforeAll(() => {
  s = synthBranch();
});

const branch = 'hq';
const keySchema = (pk: string, sk: string) => [
  { AttributeName: pk, KeyType: 'HASH' },
  { AttributeName: sk, KeyType: 'RANGE' },
];
const bucketLogicalId = (id: string) => bucketLogicalIdOf(s, id);
const tableLogicalId = (id: string) => {
  const found = resourcesOfType(s, 'AWS::DynamoDB::GlobalTable').find(([, r]) => r.Properties?.TableName === physicalName(branch, id));
  if (!found) throw new Error(`no table ${id}`);
  return found[0];
};

describe('app', () => {
  it('names the stack after the branch and rejects an unknown branch', () => {
    expect(s.stack.stackName).toBe('Chancery-hq');
    expect(() => buildApp({ branch: 'no-such-branch', context: { 'aws:cdk:bundling-stacks': [] } })).toThrow(/no-such-branch/);
  });
});

describe('DynamoDB', () => {
  it('has exactly the manifest tables', () => {
    expect(resourcesOfType(s, 'AWS::DynamoDB::GlobalTable')).toHaveLength(tables.length);
  });

  it.each(tables.map((t) => [t.id, t] as const))('%s: keys, GSIs, on-demand, PITR, deletion protection', (_, t) => {
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: physicalName(branch, t.id),
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keySchema(t.partitionKey.name, t.sortKey.name),
      GlobalSecondaryIndexes:
        t.globalSecondaryIndexes.length === 0
          ? Match.absent()
          : Match.arrayEquals(
              t.globalSecondaryIndexes.map((g) =>
                Match.objectLike({ IndexName: g.indexName, KeySchema: keySchema(g.partitionKey.name, g.sortKey.name) }),
              ),
            ),
      TimeToLiveSpecification: t.timeToLiveAttribute
        ? { AttributeName: t.timeToLiveAttribute, Enabled: true }
        : Match.absent(),
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
    const props = s.json.Resources[tableLogicalId(t.id)].Properties!;
    const attributeTypes = Object.fromEntries(
      (props.AttributeDefinitions as { AttributeName: string; AttributeType: string }[]).map((a) => [a.AttributeName, a.AttributeType]),
    );
    for (const k of [t.partitionKey, t.sortKey, ...t.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])]) {
      expect(attributeTypes[k.name]).toBe(k.type);
    }
  });
});

describe('S3', () => {
  it('the archive bucket has Object Lock, versioning, SSE and no public access', () => {
    const archive = buckets.find((b) => b.objectLock)!;
    expect(s.json.Resources[bucketLogicalId(archive.id)].Properties).toMatchObject({
      ObjectLockEnabled: true,
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: expect.anything() },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: expect.anything() },
    });
  });

  it('the inbox bucket is versioned, expires noncurrent versions and has no Object Lock', () => {
    const inbox = s.json.Resources[bucketLogicalId('inbox')].Properties!;
    expect(inbox.ObjectLockEnabled).toBeUndefined();
    expect(inbox.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(inbox.LifecycleConfiguration.Rules.some((r: { NoncurrentVersionExpiration?: { NoncurrentDays?: number } }) => r.NoncurrentVersionExpiration?.NoncurrentDays)).toBe(true);
    expect(inbox.LoggingConfiguration.DestinationBucketName).toBeDefined();
  });

  it("never expires a document's pinned original, and nobody may delete it", () => {
    const inbox = s.json.Resources[bucketLogicalId('inbox')];
    const rules = (inbox.Properties!.LifecycleConfiguration as { Rules: { Prefix?: string; NoncurrentVersionExpiration?: unknown; ExpirationInDays?: unknown }[] }).Rules;
    for (const rule of rules.filter((r) => r.NoncurrentVersionExpiration || r.ExpirationInDays)) {
      expect(['scans/', 'rejected/', 'exports/', 'uploads/']).toContain(rule.Prefix);
    }
    // Register exports too large for an inline answer are kept for a day only; API uploads two days.
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'exports/', ExpirationInDays: 1 }));
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 2 }));
    const policies = resourcesOfType(s, 'AWS::S3::BucketPolicy').map(([, p]) => JSON.stringify(p.Properties!.PolicyDocument));
    expect(policies.some((p) => p.includes('"Effect":"Deny"') && p.includes('s3:DeleteObjectVersion') && p.includes('/originals/*'))).toBe(true);
  });

  it('every manifest bucket denies requests without TLS', () => {
    for (const b of buckets) {
      s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketLogicalId(b.id) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it.each(bucketNotifications.map((n) => [n.bucket, n] as const))(
    'the %s bucket notification targets the manifest function with the manifest prefix',
    (_, n) => {
      const [[, notifications]] = resourcesOfType(s, 'Custom::S3BucketNotifications').filter(
        ([, r]) => r.Properties?.BucketName?.Ref === bucketLogicalId(n.bucket),
      );
      const configs = notifications.Properties!.NotificationConfiguration.LambdaFunctionConfigurations as any[];
      expect(configs).toHaveLength(bucketNotifications.filter((x) => x.bucket === n.bucket).length);
      const config = configs.find((c) => functionOfGetAtt(s, c.LambdaFunctionArn) === n.function);
      expect(config).toBeDefined();
      expect(config.Events).toEqual([n.event]);
      expect(config.Filter).toEqual({ Key: { FilterRules: [{ Name: 'prefix', Value: n.prefix }] } });
      // S3 may invoke the function, only for this bucket.
      s.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalIdOfFunction(s, n.function), 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [bucketLogicalId(n.bucket), 'Arn'] },
      });
    },
  );
});

describe('Step Functions', () => {
  it.each(stateMachines.map((m) => [m.id, m] as const))('%s: substitutions resolve to the manifest functions', (_, m) => {
    const [, machine] = stateMachineResource(s, m.id);
    const props = machine.Properties!;
    expect(props.StateMachineType).toBe('STANDARD');
    expect(props.StateMachineName).toBe(physicalName(branch, m.id));
    expect(typeof props.DefinitionString).toBe('string');
    const subs = props.DefinitionSubstitutions as Record<string, unknown>;
    // Every placeholder left in the definition is filled by a substitution: none stays unresolved.
    for (const p of placeholders(props.DefinitionString)) expect(Object.keys(subs)).toContain(p);
    // The substitution names are exactly the placeholders of the ASL file, and the manifest's.
    const asl = readFileSync(join(repoRoot, m.definitionFile), 'utf8');
    expect(new Set(Object.keys(subs))).toEqual(placeholders(asl));
    expect(new Set(Object.keys(subs))).toEqual(new Set(Object.keys(m.substitutions)));
    // Every value is the ARN (Fn::GetAtt) of the manifest's Lambda function, or a service
    // integration's ARN in the stack's partition.
    for (const [name, value] of Object.entries(subs)) {
      const sub = m.substitutions[name];
      if ('functionArnOf' in sub) expect(functionOfGetAtt(s, value), name).toBe(sub.functionArnOf);
      else expect(value).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:::${sub.serviceIntegration}`]] });
    }
    // The definition in the template is the ASL file.
    expect(JSON.parse(props.DefinitionString)).toEqual(JSON.parse(asl));
  });

  it.each(stateMachines.map((m) => [m.id, m] as const))('%s: logs errors without execution data, is not traced by default, and invokes exactly its functions', (_, m) => {
    const [, machine] = stateMachineResource(s, m.id);
    // Inputs and outputs hold task tokens, opinions and classified titles: never in CloudWatch.
    expect(machine.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    // X-Ray bills every trace: only a branch with "tracing": true has it (see 'X-Ray tracing' below).
    expect(machine.Properties!.TracingConfiguration?.Enabled ?? false).toBe(false);
    const roleId = machine.Properties!.RoleArn['Fn::GetAtt'][0] as string;
    const invokeTargets = resourcesOfType(s, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as any[])
      .filter((st) => actionsOf(st).some((a) => actionCovers(a, 'lambda:InvokeFunction')))
      .flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]));
    const expected = new Set(Object.values(m.substitutions).flatMap((x) => ('functionArnOf' in x ? [x.functionArnOf] : [])));
    expect(new Set(invokeTargets.map((r) => functionOfGetAtt(s, r)))).toEqual(expected);
  });
});

describe('HTTP API', () => {
  it('has one route per manifest route, each behind the Cognito JWT authorizer (but the catch-all 404) and integrated with its function', () => {
    const routeResources = resourcesOfType(s, 'AWS::ApiGatewayV2::Route');
    expect(routeResources).toHaveLength(routes.length);
    const [[authorizerId, authorizer]] = resourcesOfType(s, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    const [[poolId]] = resourcesOfType(s, 'AWS::Cognito::UserPool');
    const [[clientId]] = resourcesOfType(s, 'AWS::Cognito::UserPoolClient');
    expect(JSON.stringify(authorizer.Properties!.JwtConfiguration.Issuer)).toContain(`"Ref":"${poolId}"`);
    expect(authorizer.Properties!.JwtConfiguration.Audience).toEqual([{ Ref: clientId }]);

    for (const r of routes) {
      const found = routeResources.find(([, x]) => x.Properties!.RouteKey === routeKeyOf(r));
      expect(found, routeKeyOf(r)).toBeDefined();
      const props = found![1].Properties!;
      if (r.authorization === 'none') {
        // Only the catch-all may go without the authorizer.
        expect(r.path).toBe('$default');
        expect(props.AuthorizationType).toBe('NONE');
        expect(props.AuthorizerId).toBeUndefined();
      } else {
        expect(props.AuthorizationType).toBe('JWT');
        expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
      }
      const integrationId = (props.Target['Fn::Join'][1] as any[])[1].Ref as string;
      const integration = s.json.Resources[integrationId];
      expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
      expect(functionOfGetAtt(s, integration.Properties!.IntegrationUri)).toBe(r.function);
    }
  });

  it('logs access on the stage', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('has a Cognito pool without self sign-up, for signing in only: no groups (roles live in the people table)', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
      Policies: { PasswordPolicy: Match.objectLike({ RequireSymbols: true, RequireUppercase: true, RequireNumbers: true }) },
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'clearance', AttributeDataType: 'String' }),
        Match.objectLike({ Name: 'department', AttributeDataType: 'String' }),
      ]),
    });
    expect(resourcesOfType(s, 'AWS::Cognito::UserPoolGroup')).toEqual([]);
    s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      // Users cannot raise their own clearance or move department.
      WriteAttributes: Match.not(Match.arrayWith([Match.stringLikeRegexp('^custom:')])),
    });
  });
});

describe('schedules', () => {
  it.each(schedules.map((x) => [x.id, x] as const))('%s: the rule targets the manifest function', (_, sch) => {
    const rules = resourcesOfType(s, 'AWS::Events::Rule').filter(([, r]) => r.Properties!.Name === physicalName(branch, sch.id));
    expect(rules).toHaveLength(1);
    expect(rules[0][1].Properties!.ScheduleExpression).toBe(sch.expression);
    const targets = rules[0][1].Properties!.Targets as { Arn: unknown }[];
    expect(targets.map((t) => functionOfGetAtt(s, t.Arn))).toEqual([sch.function]);
  });
});

describe('failed asynchronous events', () => {
  it('intake and every scheduled function send events that fail every retry to a queue with an alarm', () => {
    const [[queueId]] = resourcesOfType(s, 'AWS::SQS::Queue').filter(([, q]) => q.Properties!.QueueName === physicalName(branch, 'failed-events'));
    const targets = [...new Set([...bucketNotifications.map((n) => n.function), ...schedules.map((x) => x.function)])];
    const configs = resourcesOfType(s, 'AWS::Lambda::EventInvokeConfig');
    for (const id of targets) {
      const config = configs.find(([, c]) => manifestFunctionByLogicalId(s).get((c.Properties!.FunctionName as { Ref: string }).Ref) === id);
      expect(config, id).toBeDefined();
      expect(JSON.stringify(config![1].Properties!.DestinationConfig)).toContain(queueId);
    }
    const alarms = resourcesOfType(s, 'AWS::CloudWatch::Alarm').filter(([, a]) => JSON.stringify(a.Properties!.Dimensions ?? []).includes(queueId));
    expect(alarms).toHaveLength(1);
    expect(alarms[0][1].Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
  });
});

describe('Lambda functions', () => {
  it('every manifest function exists, on the latest Node.js runtime, ARM, passing traces through (no active tracing by default), sized per manifest', () => {
    const latestNode = Object.entries(Runtime)
      .filter(([k, v]) => /^NODEJS_\d+_X$/.test(k) && v instanceof Runtime)
      .map(([k, v]) => [Number(k.split('_')[1]), v as Runtime] as const)
      .sort((a, b) => b[0] - a[0])[0][1];
    expect(NODE_RUNTIME.name).toBe(latestNode.name);
    for (const [, fn] of resourcesOfType(s, 'AWS::Lambda::Function')) {
      const runtime = fn.Properties!.Runtime as string;
      if (runtime.startsWith('nodejs')) expect(runtime).toBe(latestNode.name);
    }
    for (const f of functions) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: physicalName(branch, f.id),
        Runtime: latestNode.name,
        Architectures: ['arm64'],
        Timeout: f.timeoutSeconds,
        MemorySize: f.memoryMb,
        TracingConfig: { Mode: 'PassThrough' },
        LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
      });
    }
  });

  it('bundles whitespace- and syntax-minified with identifiers kept, for stack traces that name functions (FUNCTION_BUNDLING, also what the init bench measures)', () => {
    expect(FUNCTION_BUNDLING).toMatchObject({ minify: false, sourceMap: false, format: 'esm', externalModules: [], esbuildArgs: { '--minify-whitespace': true, '--minify-syntax': true } });
  });

  it('passes the branch configuration, and the slip font only to the functions that ship it', () => {
    for (const f of functions) {
      const env = s.json.Resources[logicalIdOfFunction(s, f.id)].Properties!.Environment.Variables as Record<string, unknown>;
      expect(env.CHANCERY_BRANCH).toBe(branch);
      expect(JSON.parse(env.CHANCERY_BRANCH_CONFIG as string)).toEqual(s.config);
      if (f.files?.includes(SLIP_FONT)) expect(env[SLIP_FONT.env]).toBe(`${LAMBDA_TASK_ROOT}/${SLIP_FONT.to}`);
      else expect(env[SLIP_FONT.env]).toBeUndefined();
    }
    expect(functions.find((f) => f.id === 'archive')!.files).toContain(SLIP_FONT);
  });
});

describe('IAM (least privilege from the manifest)', () => {
  const statementsOf = (fn: FunctionId) =>
    resourcesOfType(s, 'AWS::IAM::Policy')
      .filter(([id]) => functionsOfPolicy(s, id).includes(fn))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as any[]);
  const grants = (fn: FunctionId, action: string, resourceLogicalId: string) =>
    statementsOf(fn).some(
      (st) =>
        st.Effect === 'Allow' &&
        actionsOf(st).some((a) => actionCovers(a, action)) &&
        JSON.stringify(st.Resource).includes(`"${resourceLogicalId}"`),
    );

  it.each(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:DescribeStateMachineForExecution', 'states:StartExecution'])(
    'only the functions the manifest names may call %s',
    (action) => {
      const allowed = new Set(
        functions
          .filter((f) => (action === 'states:StartExecution' ? f.startsStateMachines : f.answersStateMachines).length > 0)
          .map((f) => f.id),
      );
      const granted = new Set<FunctionId>();
      for (const [policyId, policy] of resourcesOfType(s, 'AWS::IAM::Policy')) {
        const statements = policy.Properties!.PolicyDocument.Statement as any[];
        if (statements.some((st) => st.Effect === 'Allow' && actionsOf(st).some((a) => actionCovers(a, action)))) {
          for (const fn of functionsOfPolicy(s, policyId)) granted.add(fn);
        }
      }
      expect(granted).toEqual(allowed);
      expect(allowed.size).toBeGreaterThan(0);
    },
  );

  it('no function reads the Cognito pool: who people are to Chancery is read from the people table', () => {
    for (const [, policy] of resourcesOfType(s, 'AWS::IAM::Policy')) {
      const statements = policy.Properties!.PolicyDocument.Statement as any[];
      expect(statements.filter((st) => actionsOf(st).some((a) => a.startsWith('cognito-idp:')))).toEqual([]);
    }
    // Every API function reads its caller there, and the route's task creator whether anyone is cleared.
    for (const f of functions.filter((x) => x.id.startsWith('api-') || x.id === 'create-task' || x.id === 'notify' || x.id === 'deadline-sweep')) {
      expect(f.tables.people, f.id).toBeDefined();
    }
  });

  it('only the notify function may send mail, from the branch sender\'s SES identity and address only', () => {
    const senders = new Set<FunctionId>();
    for (const [policyId, policy] of resourcesOfType(s, 'AWS::IAM::Policy')) {
      const statements = policy.Properties!.PolicyDocument.Statement as any[];
      for (const st of statements.filter((x) => x.Effect === 'Allow' && actionsOf(x).some((a) => actionCovers(a, 'ses:SendEmail') || actionCovers(a, 'ses:SendRawEmail')))) {
        expect(actionsOf(st)).toEqual(['ses:SendEmail']);
        const resources = JSON.stringify(st.Resource);
        expect(resources).toContain(':identity/hq.example.cn');
        expect(resources).not.toContain('*');
        expect(st.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'gongwen@hq.example.cn' } });
        for (const fn of functionsOfPolicy(s, policyId)) senders.add(fn);
      }
    }
    expect([...senders]).toEqual(functions.filter((f) => f.sendsEmail).map((f) => f.id));
    expect([...senders]).toEqual(['notify']);
  });

  it('only the admin API and the reconciler (the first admin) write the people table', () => {
    expect(functions.filter((f) => f.tables.people === 'write').map((f) => f.id).sort()).toEqual(['api-admin', 'reconcile']);
  });

  it('the audit key: an HMAC_256 MAC key, retained, used only as the manifest says; every audit writer may seal', () => {
    const keys = resourcesOfType(s, 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0];
    expect(key.Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect((key as { DeletionPolicy?: string }).DeletionPolicy).toBe('RetainExceptOnCreate');
    for (const f of functions) {
      for (const action of ['GenerateMac', 'VerifyMac'] as const) {
        expect(grants(f.id, `kms:${action}`, keyId), `${f.id} ${action}`).toBe(f.auditKey.includes(action));
      }
      expect(grants(f.id, 'kms:Decrypt', keyId) || grants(f.id, 'kms:GenerateDataKey', keyId), f.id).toBe(false);
      // Whoever appends to an audit chain must seal its head.
      if (f.tables.audit === 'write') expect(f.auditKey, f.id).toContain('GenerateMac');
    }
    expect(functions.filter((f) => f.auditKey.includes('VerifyMac')).map((f) => f.id).sort()).toEqual(['api-documents', 'archive']);
  });

  it('table access follows the manifest: read-only functions cannot write, others get nothing', () => {
    for (const f of functions) {
      for (const t of tables) {
        const id = tableLogicalId(t.id);
        const access = f.tables[t.id];
        expect(grants(f.id, 'dynamodb:Query', id), `${f.id} query ${t.id}`).toBe(access !== undefined);
        expect(grants(f.id, 'dynamodb:PutItem', id), `${f.id} put ${t.id}`).toBe(access === 'write');
        expect(grants(f.id, 'dynamodb:Scan', id) && access === undefined).toBe(false);
      }
    }
  });

  it('bucket access follows the manifest, and nobody may delete from the Object Lock archive', () => {
    for (const f of functions) {
      for (const b of buckets) {
        const id = bucketLogicalId(b.id);
        const access = f.buckets[b.id];
        expect(grants(f.id, 's3:GetObject', id), `${f.id} get ${b.id}`).toBe(access !== undefined);
        expect(grants(f.id, 's3:PutObject', id), `${f.id} put ${b.id}`).toBe(access === 'write' || (f.putsUnder?.[b.id]?.length ?? 0) > 0);
        expect(grants(f.id, 's3:DeleteObject', id), `${f.id} delete ${b.id}`).toBe((access === 'write' && !b.objectLock) || (f.deletesUnder?.[b.id]?.length ?? 0) > 0);
      }
    }
    // Intake (and the reconciler taking in what intake missed) read the inbox, pin and set aside
    // under their prefixes, and delete only processed scans: never a pinned original.
    for (const id of ['intake', 'reconcile'] as const) {
      const deletes = statementsOf(id).filter((st) => st.Effect === 'Allow' && actionsOf(st).some((a) => a.startsWith('s3:Delete')));
      expect(deletes.length, id).toBeGreaterThan(0);
      for (const st of deletes) {
        expect(actionsOf(st).sort()).toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion']);
        for (const r of [st.Resource].flat()) expect(JSON.stringify(r)).toMatch(/\/scans\/\*"/);
      }
    }
    // The documents API never reads the archive (a filed document's links point at its pinned original).
    expect(grants('api-documents', 's3:GetObject', bucketLogicalId('archive'))).toBe(false);
    expect(grants('archive', 's3:PutObjectRetention', bucketLogicalId('archive'))).toBe(true);
  });

  it('a put limited to key prefixes grants PutObject on those prefixes only', () => {
    for (const f of functions) {
      for (const [bucket, prefixes] of Object.entries(f.putsUnder ?? {})) {
        if (f.buckets[bucket as 'inbox'] === 'write') continue;
        const puts = statementsOf(f.id).filter((st) => st.Effect === 'Allow' && actionsOf(st).some((a) => actionCovers(a, 's3:PutObject')) && JSON.stringify(st.Resource).includes(`"${bucketLogicalId(bucket as 'inbox')}"`));
        const resources = puts.flatMap((st) => [st.Resource].flat()).map((r) => JSON.stringify(r));
        expect(resources.length, f.id).toBeGreaterThan(0);
        for (const r of resources) expect(prefixes!.some((p) => r.includes(`/${p}*`)), `${f.id}: ${r}`).toBe(true);
      }
    }
    expect(functions.find((f) => f.id === 'api-documents')!.putsUnder?.inbox).toEqual(['uploads/', 'originals/', 'rejected/']);
  });
});

describe('outputs', () => {
  it('exports the API URL, the Cognito ids, bucket names and state machine ARNs', () => {
    const outputs = Object.keys(s.json.Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'InboxBucketName', 'ArchiveBucketName', 'StateMachineArnSuperiorKey']),
    );
  });
});

describe('X-Ray tracing (branch config "tracing")', () => {
  it('a branch with "tracing": true traces every function actively and every state machine', () => {
    const traced = synthBranch({ config: { ...loadBranchConfig('hq'), tracing: true } });
    for (const f of functions) {
      expect(traced.json.Resources[logicalIdOfFunction(traced, f.id)].Properties!.TracingConfig, f.id).toEqual({ Mode: 'Active' });
    }
    for (const m of stateMachines) expect(stateMachineResource(traced, m.id)[1].Properties!.TracingConfiguration, m.id).toEqual({ Enabled: true });
  });

  it('is off unless the branch file turns it on', () => {
    expect(loadBranchConfig('hq').tracing).toBe(false);
    expect(s.config.tracing).toBe(false);
  });
});
