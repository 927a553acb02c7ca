/**
 * The web console in the cloud: web/dist in a private bucket behind CloudFront (origin access
 * control), the HTTP API under the same origin at /api/* (so the console needs no CORS for it),
 * /config.json naming the issuer and client the console signs in through (Cognito managed login
 * or the branch's OIDC issuer). Local mode does the same on its API port
 * (infra/local/console-hosting.ts, infra/local/api-gateway.ts); the CSP is shared with it.
 *
 * Not in AWS China: CloudFront there has no Functions and no origin access control, and serves
 * only ICP-filed domains. A China branch sets `console.hosting: "none"` and serves web/dist itself
 * (infra/DEPLOY.md); `allowConsoleOrigin` and `consoleConfig` are what such a branch still needs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { OAuthScope, type OAuthSettings } from 'aws-cdk-lib/aws-cognito';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleContentSecurityPolicy } from '../local/console-hosting.js';
import { API_PREFIX } from '../local/api-gateway.js';

/** Where the console's login comes back to (web/src/auth.ts CALLBACK_PATH). */
export const CONSOLE_CALLBACK_PATH = '/auth/callback';

/**
 * Viewer-request function of the default (bucket) behaviour: a page address of the single-page
 * app (/todo, /documents/abc: no file extension) gets index.html, so a reload or a pasted link
 * works; files keep their path, so a missing asset is an error and not the app. Not a custom
 * error response: that would also turn the API's 404s into index.html.
 */
export const SPA_REWRITE_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var api = uri === '${API_PREFIX}' || uri.indexOf('${API_PREFIX}/') === 0;
  if (!api && uri.lastIndexOf('.') <= uri.lastIndexOf('/')) request.uri = '/index.html';
  return request;
}`;

/** Viewer-request function of the /api/* behaviour: the API's routes have no /api prefix (as local mode strips it). */
export const API_PREFIX_STRIP_CODE = `function handler(event) {
  var request = event.request;
  request.uri = request.uri.substring(${API_PREFIX.length}) || '/';
  return request;
}`;

/** What the console's /config.json tells it: where to sign in and where the API is. */
export interface ConsoleLogin {
  /** The issuer the API's JWT authorizer accepts. */
  issuer: string;
  clientId: string;
  /** For an issuer whose discovery names none (Cognito: its /logout with client_id and logout_uri). */
  endSessionEndpoint?: string;
}

/** The console's config.json (web/src/config.ts). */
export function consoleConfig(login: ConsoleLogin, apiBase: string, displayName: string): Record<string, string> {
  return {
    issuer: login.issuer,
    clientId: login.clientId,
    apiBase,
    branch: displayName,
    ...(login.endSessionEndpoint ? { endSessionEndpoint: login.endSessionEndpoint } : {}),
  };
}

/** The console's client at an issuer: authorization code + PKCE only, back to the console. */
export function consoleOAuth(origin: string): OAuthSettings {
  return {
    flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
    scopes: [OAuthScope.OPENID, OAuthScope.PROFILE, OAuthScope.EMAIL],
    callbackUrls: [`${origin}${CONSOLE_CALLBACK_PATH}`],
    logoutUrls: [`${origin}/`],
  };
}

/**
 * Presigned links (scans, attachments, exports) are fetched by pdf.js and the browser from the
 * console's origin; uploads are PUT to the upload bucket. CORS rules cannot name a key prefix:
 * the PUT is bound to its key by the presigned signature.
 */
export function allowConsoleOrigin(origin: string, browserBuckets: Bucket[], uploadBucket: Bucket): void {
  for (const bucket of browserBuckets) {
    bucket.addCorsRule({
      allowedOrigins: [origin],
      allowedMethods: bucket === uploadBucket ? [HttpMethods.GET, HttpMethods.HEAD, HttpMethods.PUT] : [HttpMethods.GET, HttpMethods.HEAD],
      allowedHeaders: ['*'],
      exposedHeaders: ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'],
      maxAge: 3000,
    });
  }
}

/**
 * The S3 origins presigned links point at: virtual-hosted, <bucket>.s3.<region>.<suffix>
 * (functions/adapters/clients.ts addresses real S3 so), one per bucket the browser reads. Built
 * from the names, not the buckets' attributes: the buckets' CORS rules name the distribution,
 * whose headers carry this CSP.
 */
export const s3OriginsOf = (bucketNames: string[]): string[] => bucketNames.map((name) => `https://${name}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`);

export interface ConsoleHostingProps {
  branch: string;
  /** Physical bucket names follow the stack's scheme (chancery-<branch>-…-<account>-<region>). */
  bucketName: (suffix: string) => string;
  /** Metadata naming a bucket's role, so tests and readers find it by more than its name. */
  tagBucket: (bucket: Bucket, id: string) => void;
  /** The built console (web/dist). */
  webDist: string;
  /** Where the console buckets' own S3 server access logs go. */
  accessLogsBucket: Bucket;
  /** Names of the buckets whose presigned links the browser opens (the CSP's S3 origins). */
  browserBucketNames: string[];
  /** Origins the browser talks to besides this one: the issuer (discovery, JWKS) and its token endpoint. */
  identityOrigins: string[];
  /** Tables, buckets, log groups: kept on delete, but not after a failed first create. */
  removalPolicy: RemovalPolicy;
}

export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** https://<distribution domain> — the console's origin, no trailing slash. */
  readonly origin: string;
  private readonly props: ConsoleHostingProps;
  private readonly headers: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    this.props = props;
    if (!existsSync(join(props.webDist, 'index.html'))) {
      throw new Error(`网页控制台尚未构建（${props.webDist} 中没有 index.html）：请先运行 npm run build:web`);
    }

    this.bucket = new Bucket(this, 'Files', {
      bucketName: props.bucketName('console'),
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Build output only: a deploy writes it again. Retained like the other buckets.
      removalPolicy: props.removalPolicy,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'console/',
    });
    props.tagBucket(this.bucket, 'console');
    // CloudFront standard logs are delivered with a bucket ACL: this bucket needs ACLs enabled,
    // which the shared access-log bucket (owner-enforced) does not allow.
    const viewerLogs = new Bucket(this, 'ViewerLogs', {
      bucketName: props.bucketName('console-logs'),
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: props.removalPolicy,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'console-logs/',
      lifecycleRules: [{ id: 'expire-viewer-logs', expiration: Duration.days(400) }],
    });
    props.tagBucket(viewerLogs, 'console-logs');

    this.headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Chancery ${props.branch} console: CSP, nosniff, HSTS`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy(s3OriginsOf(props.browserBucketNames), props.identityOrigins),
          override: true,
        },
        contentTypeOptions: { override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      comment: 'Page addresses of the console get index.html',
      code: FunctionCode.fromInline(SPA_REWRITE_CODE),
      runtime: FunctionRuntime.JS_2_0,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Chancery ${props.branch} console`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: viewerLogs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        compress: true,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Staff sign in from wherever they work (branches, travel); every page of data needs a Cognito login, so no country is blocked.' },
      { id: 'AwsSolutions-CFR2', reason: "A CloudFront WAF web ACL must live in us-east-1 while the branch stack may be in any region; the API behind /api/* is throttled at its stage and needs a JWT of the branch's issuer." },
      { id: 'AwsSolutions-CFR4', reason: "The default *.cloudfront.net certificate's security policy is fixed by CloudFront (TLSv1); a branch that adds its own domain and ACM certificate sets TLSv1.2_2021 with it." },
    );
  }

  /** The console's client at its issuer: back to this distribution. */
  oAuth(): OAuthSettings {
    return consoleOAuth(this.origin);
  }

  /**
   * The rest, once the login and the API exist: /api/* to the HTTP API, the files and
   * /config.json, CORS for the buckets whose presigned links the browser opens.
   */
  finish(options: { api: HttpApi; login: ConsoleLogin; displayName: string; browserBuckets: Bucket[]; uploadBucket: Bucket }): void {
    const { api } = options;
    const stack = Stack.of(this);

    const apiPrefixStrip = new CloudFrontFunction(this, 'ApiPrefixStrip', {
      comment: 'The API routes have no /api prefix',
      code: FunctionCode.fromInline(API_PREFIX_STRIP_CODE),
      runtime: FunctionRuntime.JS_2_0,
    });
    this.distribution.addBehavior(
      `${API_PREFIX}/*`,
      new HttpOrigin(`${api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      }),
      {
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Nothing of the API is cached; with caching off, this policy passes Authorization on too.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: this.headers,
        compress: true,
        functionAssociations: [{ function: apiPrefixStrip, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
    );

    // Hashed assets never change under their name: cached a year. Old ones stay (no prune), so a
    // page loaded before a deploy still finds its lazily loaded chunks.
    const assets = new BucketDeployment(this, 'DeployAssets', {
      sources: [Source.asset(join(this.props.webDist, 'assets'))],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      prune: false,
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
    });
    // index.html and /config.json are checked on every load; the edge copies are invalidated.
    // After the assets: a new index.html never names a file that is not there yet.
    const pages = new BucketDeployment(this, 'DeployPages', {
      sources: [
        Source.asset(this.props.webDist, { exclude: ['assets', 'assets/**'] }),
        Source.jsonData('config.json', consoleConfig(options.login, API_PREFIX, options.displayName)),
      ],
      destinationBucket: this.bucket,
      prune: false,
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    pages.node.addDependency(assets);
    this.acknowledgeDeploymentHandler();

    allowConsoleOrigin(this.origin, options.browserBuckets, options.uploadBucket);
    new CfnOutput(stack, 'ConsoleUrl', { value: `${this.origin}/`, description: '网页控制台地址 (web console)' });
  }

  /** The singleton Lambda CDK adds to copy the files into the bucket (deploy time only). */
  private acknowledgeDeploymentHandler(): void {
    const handler = Stack.of(this).node.tryFindChild('Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C');
    if (!handler) return;
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's BucketDeployment custom resource (runs only at deploy time) uses the AWS-managed basic execution role for its logs.",
      },
      ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `CDK's BucketDeployment copies the console's files from the CDK asset bucket into the console bucket; its grants use the ${action} action group on those two buckets only.`,
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        reason: "CDK's BucketDeployment reads the console's asset zips from the CDK bootstrap asset bucket (keys are content hashes).",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as never)}.Arn>/*]`,
        reason: "CDK's BucketDeployment writes every file of the console (names are content hashes) into the console bucket.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: "CDK's BucketDeployment invalidates the console's CloudFront cache after a deploy; cloudfront:CreateInvalidation/GetInvalidation are granted on '*' by CDK.",
      },
      { id: 'AwsSolutions-L1', reason: "CDK's BucketDeployment handler is Python on the runtime CDK pins for it; it runs only at deploy time." },
    );
  }
}
