/**
 * Per-branch configuration (one CDK stack per branch), as functions see it. Admins keep one JSON
 * file per branch in infra/branches/; functions receive it serialized in CHANCERY_BRANCH_CONFIG.
 */
import * as z from 'zod';
import { COGNITO_CLAIMS, ROLES, type ClaimNames } from './identity.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are written YYYY-MM-DD');

/**
 * Claim names the API reads the caller from (functions/domain/identity.ts). Cognito's are fixed;
 * an OIDC issuer names its own (Keycloak: preferred_username and a mapper for roles; Authing;
 * 企业微信 through an OIDC bridge). Roles hold Chancery role ids (clerk, office-director …).
 */
export const claimNamesSchema = z.object({
  username: z.string().min(1).default('preferred_username'),
  name: z.string().min(1).default('name'),
  roles: z.string().min(1).optional(),
  department: z.string().min(1).optional(),
  clearance: z.string().min(1).optional(),
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const issuerUrl = z.url().refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}, 'the issuer must be an https URL (http only on 127.0.0.1 or localhost)');

const identitySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('cognito'),
    /** Cognito's Plus plan (threat protection) costs per monthly active user with no free tier: only when asked. */
    threatProtection: z.boolean().default(false),
  }),
  z.object({
    kind: z.literal('oidc'),
    /**
     * The issuer exactly as its tokens name it (iss); its discovery document lives under it.
     * https, or http on this machine only (a Keycloak beside local mode, the tests' issuer).
     */
    issuer: issuerUrl,
    /** The console's public client (authorization code + PKCE); ID tokens carry it as aud. */
    clientId: z.string().min(1),
    claims: claimNamesSchema.default({ username: 'preferred_username', name: 'name' }),
    /** Where 退出登录 goes when the issuer's discovery names no end_session_endpoint. */
    endSessionEndpoint: z.url({ protocol: /^https$/ }).optional(),
  }),
]);
export type IdentityConfig = z.infer<typeof identitySchema>;

export const branchConfigSchema = z.object({
  /** Lower-case name used in resource names: chancery-<branch>-… */
  branch: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/),
  displayName: z.string().min(1),
  /** 全宗号 (fonds code) that starts every 档号 of this branch. */
  fondsCode: z.string().regex(/^[A-Z0-9]{1,8}$/),
  timeZone: z.string().default('Asia/Shanghai'),
  /** Office hours end; a deadline of N working days falls due at this time on the Nth working day. */
  officeDayEnd: z.string().regex(/^\d{2}:\d{2}$/).default('17:30'),
  /** Office hours start: reminders (催办, escalations) wait for officeDayStart–officeDayEnd of a working day. */
  officeDayStart: z.string().regex(/^\d{2}:\d{2}$/).default('08:30'),
  maxUploadBytes: z.number().int().positive().default(50 * 1024 * 1024),
  /** How many working days past due a chased task is escalated to the supervisor. */
  escalateAfterWorkingDays: z.number().int().min(0).default(1),
  /**
   * The AWS region the branch's stack deploys to, when the admin fixes it here rather than in the
   * CLI profile. cn-north-1 / cn-northwest-1 (AWS China) have no Cognito user pools and no
   * CloudFront Functions: such a branch needs an `oidc` identity and `console.hosting: "none"`.
   */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region is written like cn-north-1').optional(),
  /** Who signs people in: the branch's own Cognito user pool, or any OIDC issuer. */
  identity: identitySchema.default({ kind: 'cognito', threatProtection: false }),
  /**
   * Where the web console is served. `cloudfront` (default outside China): S3 + CloudFront in the
   * stack. `none`: the admin serves web/dist elsewhere (in China: on an ICP-filed domain) at
   * `origin`; the stack then allows that origin (CORS) and prints the console's config.json.
   */
  console: z
    .object({
      hosting: z.enum(['cloudfront', 'none']).optional(),
      origin: z.url({ protocol: /^https?$/ }).optional(),
    })
    .default({}),
  /**
   * X-Ray active tracing of the functions and the state machines. Off by default: every traced
   * request is a trace billed by X-Ray (about 17 per document on the incoming routes), and the
   * alarms and the dashboard need none. On for a while to follow a slow path across services.
   */
  tracing: z.boolean().default(false),
  /** Who is mailed when an alarm fires (SNS email subscriptions, each confirmed by its recipient). */
  alarms: z.object({ email: z.array(z.email()).default([]) }).default({ email: [] }),
  calendar: z
    .object({
      /** Branch-specific days off (e.g. a local holiday) on top of the national calendar. */
      extraHolidays: z.array(isoDate).default([]),
      /** Branch-specific working days (e.g. a Saturday shift). */
      extraWorkdays: z.array(isoDate).default([]),
    })
    .default({ extraHolidays: [], extraWorkdays: [] }),
  /**
   * Separate serial series for incoming documents (seed 002 范文4: a bank branch numbers
   * provincial-office documents, other agencies' documents and classified documents apart). A scan
   * takes the first series that matches — `classified` for any 密级 above 非密, `senders` by a
   * sender name containing one of them — else the main 收文登记簿. Each series is its own register
   * (`incoming-<id>`), numbered 〔year〕N号 after its `prefix`.
   */
  incomingSeries: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9]{1,20}$/),
        name: z.string().min(1),
        prefix: z.string().min(1).max(4),
        classified: z.boolean().default(false),
        senders: z.array(z.string().min(1)).default([]),
      }),
    )
    .default([]),
  /**
   * Notifications delivered outside the console (the in-app ones need nothing here): email from
   * `sender` through SES (its verified identity, `identity`, is the only one the stack lets the
   * notify function send from; default the sender's domain), each message linking to the console
   * at `consoleUrl`; optionally a group robot (企业微信 / 钉钉) that gets the same text.
   */
  notifications: z
    .object({
      sender: z.email(),
      senderName: z.string().min(1).default('公文处理系统'),
      identity: z.string().min(3).optional(),
      /** The console's address as people open it (local mode sets its own). */
      consoleUrl: z.url({ protocol: /^https?$/ }),
      /** A group robot's webhook URL: 企业微信 qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… or 钉钉 oapi.dingtalk.com/robot/send?access_token=…. */
      webhook: z.url({ protocol: /^https?$/ }).optional(),
    })
    .optional(),
  /**
   * The branch's own licensed font files for printed documents (GB/T 9704 发文), per face: 小标宋
   * `xbs`, 宋 `song`, 仿宋 `fangsong`, 楷 `kai`, 黑 `hei` — TrueType/OpenType (.ttf/.otf), WOFF2, or a
   * CSS file of WOFF2 pieces by unicode-range. Faces not named use the free npm faces.
   */
  fonts: z
    .object({
      xbs: z.string().min(1).optional(),
      song: z.string().min(1).optional(),
      fangsong: z.string().min(1).optional(),
      kai: z.string().min(1).optional(),
      hei: z.string().min(1).optional(),
    })
    .strict()
    .optional(),
  /**
   * 发文字号 series (GB/T 9704): one per 代字, numbered 代字〔2026〕N号 per year, each its own 发文登记簿
   * (`outgoing-<id>`). `direction` is the 行文方向 the code is for (seed 000 §三(三)4: 上行文 管报字,
   * 平行文 管函字, 下行文 管司发; 办公室版头 管办发 / 管党办发); an upward document prints 签发人.
   */
  issuingCodes: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9]{1,20}$/),
        /** 代字 as printed before 〔year〕: 管司发, 发, 会纪 … */
        code: z.string().min(1).max(8).regex(/^[^\s〔〕[\]()（）【】［］{}<>《》〈〉]*[^\s\d〔〕[\]()（）【】［］{}<>《》〈〉]$/u, '代字 must not contain brackets or spaces nor end with a digit'),
        name: z.string().min(1),
        direction: z.enum(['upward', 'parallel', 'downward', 'office', 'minutes']),
      }),
    )
    .default([])
    .refine((codes) => new Set(codes.map((c) => c.id)).size === codes.length && new Set(codes.map((c) => c.code)).size === codes.length, 'issuingCodes: every id and every code (代字) must be unique'),
  /**
   * The branch's seals (印章) for 用印: `image` is the seal's picture (PNG, transparent around the
   * seal) relative to infra/branches/, applied over 成文日期 by someone holding one of `keeperRoles`
   * (监印人; seed 000 §一(八) lets the 文书 seal general documents).
   */
  seals: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9]{1,20}$/),
        name: z.string().min(1),
        image: z.string().regex(/^seals\/[A-Za-z0-9._-]+\.png$/, 'a seal image is a PNG under seals/, e.g. seals/hq-company.png'),
        keeperRoles: z.array(z.enum(ROLES)).min(1).default(['seal-keeper']),
      }),
    )
    .default([])
    .refine((seals) => new Set(seals.map((s) => s.id)).size === seals.length, 'seals: every id must be unique'),
  /**
   * The first system admin (系统管理员), as the identity provider names them: put into the people
   * directory (roles ["system-admin"], 非密) when the branch first runs, if no record of that
   * username exists yet; everyone else is added by a system admin in the console (人员管理).
   */
  firstAdmin: z
    .object({
      username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/, 'firstAdmin.username is the username the identity provider signs the admin in with'),
      name: z.string().min(1).max(40),
    })
    .strict()
    .optional(),
  /** Departments (科室); `code` is the 机构代码 used in 档号. */
  departments: z.array(z.object({ code: z.string().regex(/^[A-Z0-9]{1,10}$/), name: z.string().min(1) })).min(1),
});
export type BranchConfig = z.infer<typeof branchConfigSchema>;

/** Parses the branch configuration, with a message an admin can act on. */
export function parseBranchConfig(raw: unknown, source: string): BranchConfig {
  const parsed = branchConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${source} is not a valid branch configuration: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The claim names of a branch's ID tokens. */
export function claimNamesOf(identity: IdentityConfig): ClaimNames {
  return identity.kind === 'cognito' ? COGNITO_CLAIMS : identity.claims;
}

/** AWS China (the aws-cn partition): no Cognito user pools, no CloudFront Functions or OAC. */
export const isChinaRegion = (region: string | undefined): boolean => region !== undefined && region.startsWith('cn-');
