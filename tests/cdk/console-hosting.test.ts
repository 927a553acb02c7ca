/**
 * The console in the cloud (infra/stacks/console-hosting.ts): a private bucket behind CloudFront
 * with origin access control, the API under /api/*, security headers, /config.json for the
 * console, the Cognito client for the code flow, and CORS for presigned S3 links.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX_STRIP_CODE, CONSOLE_CALLBACK_PATH, SPA_REWRITE_CODE } from '../../infra/stacks/console-hosting.js';
import { bucketLogicalIdOf, resolvePseudo, resourcesOfType, synthBranch, type CfnResourceJson, type Synth } from './synth.js';

let s: Synth;
beforeAll(() => {
  s = synthBranch();
});

const branch = 'hq';
const single = (type: string): [string, CfnResourceJson] => {
  const found = resourcesOfType(s, type);
  expect(found, type).toHaveLength(1);
  return found[0];
};
const distribution = () => single('AWS::CloudFront::Distribution');
const distributionConfig = () => distribution()[1].Properties!.DistributionConfig;
const bucketId = (suffix: string) => bucketLogicalIdOf(s, suffix);
/** `https://<distribution domain>` as the template writes it. */
const consoleOrigin = () => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution()[0], 'DomainName'] }]] });

/** Runs a CloudFront Function's code (cloudfront-js-2.0 is ES5.1 plus a little) on a request. */
function runViewerRequest(code: string, uri: string): string {
  const handler = new Function(`${code}\nreturn handler;`)() as (event: unknown) => { uri: string };
  return handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} } }).uri;
}

describe('console files', () => {
  it('live in a private bucket that only this distribution may read, through origin access control', () => {
    const bucket = s.json.Resources[bucketId('console')].Properties!;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.WebsiteConfiguration).toBeUndefined();
    expect(bucket.LoggingConfiguration.DestinationBucketName).toBeDefined();
    const [oacId, oac] = single('AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties!.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    const s3Origin = (distributionConfig().Origins as any[]).find((o) => o.S3OriginConfig);
    expect(s3Origin.DomainName).toEqual({ 'Fn::GetAtt': [bucketId('console'), 'RegionalDomainName'] });
    expect(s3Origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    // The bucket policy lets CloudFront read objects, for this distribution only; nobody else is allowed anything.
    const [, policy] = resourcesOfType(s, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties!.Bucket.Ref === bucketId('console'))!;
    const allows = (policy.Properties!.PolicyDocument.Statement as any[]).filter((st) => st.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(JSON.stringify(allows[0].Condition)).toContain(`"Ref":"${distribution()[0]}"`);
  });

  it('serves index.html at the root and for page addresses, never for files or the API', () => {
    expect(distributionConfig().DefaultRootObject).toBe('index.html');
    // SPA fallback by a viewer-request function, not a custom error response (which would mask the API's 404s).
    expect(distributionConfig().CustomErrorResponses).toBeUndefined();
    const [fnId, fn] = resourcesOfType(s, 'AWS::CloudFront::Function').find(([, f]) => f.Properties!.FunctionCode === SPA_REWRITE_CODE)!;
    expect(fn.Properties!.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(distributionConfig().DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } }]);
    for (const page of ['/', '/todo', '/documents/01JABCDEF', '/auth/callback', '/registers/incoming-classified']) {
      expect(runViewerRequest(SPA_REWRITE_CODE, page), page).toBe('/index.html');
    }
    for (const file of ['/index.html', '/config.json', '/assets/index-DIL8bzA-.js', '/assets/pdf.worker-abc.mjs', '/api/tasks', '/api']) {
      expect(runViewerRequest(SPA_REWRITE_CODE, file), file).toBe(file);
    }
  });

  it('deploys web/dist (hashed assets cached a year, the rest revalidated and invalidated) and /config.json', () => {
    const deployments = resourcesOfType(s, 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(2);
    for (const [, d] of deployments) expect(d.Properties!.DestinationBucketName).toEqual({ Ref: bucketId('console') });
    const [, assets] = deployments.find(([, d]) => d.Properties!.DestinationBucketKeyPrefix === 'assets/')!;
    expect(assets.Properties!.SystemMetadata['cache-control']).toBe('public, max-age=31536000, immutable');
    const [pagesId, pages] = deployments.find(([, d]) => d.Properties!.DestinationBucketKeyPrefix === undefined)!;
    expect(pages.Properties!.SystemMetadata['cache-control']).toBe('no-cache');
    expect(pages.Properties!.DistributionId).toEqual({ Ref: distribution()[0] });
    expect(pages.Properties!.DistributionPaths).toEqual(['/*']);
    // index.html only after the files it names.
    expect(s.json.Resources[pagesId].DependsOn?.some((d) => d.startsWith('ConsoleDeployAssets'))).toBe(true);

    // The staged sources: web/dist/assets under assets/, the other files of web/dist and config.json at the root.
    const staged = (d: CfnResourceJson) => (d.Properties!.SourceObjectKeys as string[]).map((key) => join(s.assembly.directory, `asset.${key.replace(/\.zip$/, '')}`));
    const webAssets = readdirSync(join('web', 'dist', 'assets')).sort();
    expect(readdirSync(staged(assets)[0]).sort()).toEqual(webAssets);
    const [pageFiles, configDir] = staged(pages);
    expect(readdirSync(pageFiles)).toContain('index.html');
    expect(readdirSync(pageFiles)).not.toContain('assets');
    expect(readFileSync(join(pageFiles, 'index.html'), 'utf8')).toBe(readFileSync(join('web', 'dist', 'index.html'), 'utf8'));

    // config.json as the console reads it (web/src/config.ts), deploy-time values filled in by markers.
    expect(existsSync(join(configDir, 'config.json'))).toBe(true);
    let text = readFileSync(join(configDir, 'config.json'), 'utf8');
    const markers = (pages.Properties!.SourceMarkers as Record<string, unknown>[])[1];
    for (const [marker, value] of Object.entries(markers)) text = text.split(marker).join(`@${JSON.stringify(value).replace(/"/g, "'")}@`);
    const config = JSON.parse(text) as Record<string, string>;
    expect(Object.keys(config).sort()).toEqual(['apiBase', 'branch', 'clientId', 'endSessionEndpoint', 'issuer']);
    expect(config.apiBase).toBe('/api');
    expect(config.branch).toBe(s.config.displayName);
    const [clientId] = single('AWS::Cognito::UserPoolClient');
    expect(config.clientId).toBe(`@{'Ref':'${clientId}'}@`);
    // 退出登录 ends the managed-login session and comes back to the console's root (a logout URL of the client).
    const [domainId] = single('AWS::Cognito::UserPoolDomain');
    const [distributionId] = distribution();
    expect(config.endSessionEndpoint).toMatch(new RegExp(`^https://@\\{'Ref':'${domainId}'\\}@\\.auth\\..+/logout\\?client_id=@\\{'Ref':'${clientId}'\\}@&logout_uri=https://@\\{'Fn::GetAtt':\\['${distributionId}','DomainName'\\]\\}@/$`));
    // The issuer is exactly the one the API's JWT authorizer accepts.
    const [, authorizer] = single('AWS::ApiGatewayV2::Authorizer');
    const issuer = authorizer.Properties!.JwtConfiguration.Issuer['Fn::Join'][1] as unknown[];
    const expected = issuer.map((part) => (typeof part === 'string' ? part : `@${JSON.stringify(part).replace(/"/g, "'")}@`)).join('');
    expect(config.issuer).toBe(expected);
  });
});

describe('the API under the same origin', () => {
  it('/api/* goes to the HTTP API: every method, nothing cached, Authorization and query strings passed on, the prefix stripped', () => {
    const behaviors = distributionConfig().CacheBehaviors as any[];
    const api = behaviors.find((b) => b.PathPattern === '/api/*');
    expect(api).toBeDefined();
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']));
    expect(api.CachePolicyId).toBe(CachePolicy.CACHING_DISABLED.cachePolicyId);
    // All viewer headers (Authorization among them: allowed with caching off), cookies and query strings; not Host.
    expect(api.OriginRequestPolicyId).toBe(OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId);
    expect(api.ViewerProtocolPolicy).toBe('https-only');
    const origin = (distributionConfig().Origins as any[]).find((o) => o.Id === api.TargetOriginId);
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    const [apiId] = single('AWS::ApiGatewayV2::Api');
    expect(origin.DomainName).toEqual({ 'Fn::Join': ['', [{ Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] });

    const [fnId] = resourcesOfType(s, 'AWS::CloudFront::Function').find(([, f]) => f.Properties!.FunctionCode === API_PREFIX_STRIP_CODE)!;
    expect(api.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } }]);
    // As local mode maps /api/… (infra/local/api-gateway.ts): the routes see their own paths.
    expect(runViewerRequest(API_PREFIX_STRIP_CODE, '/api/tasks')).toBe('/tasks');
    expect(runViewerRequest(API_PREFIX_STRIP_CODE, '/api/documents/01JABC/decision')).toBe('/documents/01JABC/decision');
    expect(runViewerRequest(API_PREFIX_STRIP_CODE, '/api/registers/%E6%94%B6')).toBe('/registers/%E6%94%B6');
    expect(runViewerRequest(API_PREFIX_STRIP_CODE, '/api/')).toBe('/');
  });
});

describe('security headers', () => {
  it('every answer carries the CSP (with the S3 endpoints of presigned links and the login), nosniff and HSTS', () => {
    const [policyId, policy] = single('AWS::CloudFront::ResponseHeadersPolicy');
    const headers = policy.Properties!.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true });
    expect(headers.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    const csp = resolvePseudo(headers.ContentSecurityPolicy.ContentSecurityPolicy, {});
    // Presigned links are virtual-hosted (functions/adapters/clients.ts): one origin per bucket the browser reads.
    const s3 = ['inbox', 'archive'].map((id) => `https://chancery-hq-${id}-<AWS::AccountId>-<AWS::Region>.s3.<AWS::Region>.<AWS::URLSuffix>`).join(' ');
    // The login fetches discovery from the issuer and the token from the managed-login domain.
    const login = `https://cognito-idp.<AWS::Region>.amazonaws.com https://<${single('AWS::Cognito::UserPoolDomain')[0]}>.auth.<AWS::Region>.amazoncognito.com`;
    for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", `connect-src 'self' ${s3} ${login}`, `img-src 'self' data: blob: ${s3}`, "frame-ancestors 'none'", "object-src 'none'"]) {
      expect(csp).toContain(directive);
    }
    const config = distributionConfig();
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    for (const b of config.CacheBehaviors as any[]) expect(b.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    // Viewer logs go to a bucket of their own (CloudFront delivers them with an ACL).
    expect(config.Logging.Bucket).toEqual({ 'Fn::GetAtt': [bucketId('console-logs'), 'RegionalDomainName'] });
  });
});

describe('login', () => {
  it('the web client: authorization code (PKCE) only, no secret, back to the console', () => {
    const [, client] = single('AWS::Cognito::UserPoolClient');
    const props = client.Properties!;
    expect(props.GenerateSecret).toBe(false);
    expect(props.AllowedOAuthFlows).toEqual(['code']);
    expect(props.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(new Set(props.AllowedOAuthScopes)).toEqual(new Set(['openid', 'profile', 'email']));
    expect(props.SupportedIdentityProviders).toEqual(['COGNITO']);
    const domain = { 'Fn::GetAtt': [distribution()[0], 'DomainName'] };
    expect(props.CallbackURLs).toEqual([{ 'Fn::Join': ['', ['https://', domain, CONSOLE_CALLBACK_PATH]] }]);
    expect(props.LogoutURLs).toEqual([{ 'Fn::Join': ['', ['https://', domain, '/']] }]);
    expect(CONSOLE_CALLBACK_PATH).toBe('/auth/callback');
  });

  it('managed login on a domain of the branch and account, styled for the client', () => {
    const [, domain] = single('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties!.ManagedLoginVersion).toBe(2);
    expect(domain.Properties!.Domain).toEqual({ 'Fn::Join': ['', [`chancery-${branch}-`, { Ref: 'AWS::AccountId' }]] });
    const [clientId] = single('AWS::Cognito::UserPoolClient');
    const [, branding] = single('AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties).toMatchObject({ ClientId: { Ref: clientId }, UseCognitoProvidedValues: true });
  });
});

describe('presigned links from the browser', () => {
  it('the inbox takes GET/HEAD and upload PUTs from the console origin; the archive GET/HEAD only', () => {
    const rules = (suffix: string) => s.json.Resources[bucketId(suffix)].Properties!.CorsConfiguration.CorsRules as any[];
    expect(rules('inbox')).toEqual([expect.objectContaining({ AllowedOrigins: [consoleOrigin()], AllowedMethods: ['GET', 'HEAD', 'PUT'] })]);
    expect(rules('archive')).toEqual([expect.objectContaining({ AllowedOrigins: [consoleOrigin()], AllowedMethods: ['GET', 'HEAD'] })]);
    expect(rules('inbox')[0].ExposedHeaders).toContain('ETag');
    expect(s.json.Resources[bucketId('console')].Properties!.CorsConfiguration).toBeUndefined();
  });
});

describe('outputs', () => {
  it('prints the console URL', () => {
    expect(s.json.Outputs.ConsoleUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution()[0], 'DomainName'] }, '/']] });
  });
});
