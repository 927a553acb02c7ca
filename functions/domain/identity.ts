/**
 * Who acts. The ID token says who the caller is (its claims, Cognito's or the branch's OIDC
 * issuer's); their roles, clearance (密级) and department come from Chancery's own people
 * directory (functions/domain/people.ts), never from the token.
 */

export const ROLES = [
  'clerk', // 文书 / 收发员
  'confidential-clerk', // 机要秘书
  'office-director', // 综合办公室主任
  'secretary', // 秘书
  'main-leader', // 主要领导
  'deputy-leader', // 分管领导
  'dept-head', // 科室长
  'staff', // 经办人
  'seal-keeper', // 监印人
  'archivist', // 档案管理员
  'dispatcher', // 车辆调度
  'committee-director', // 专业委员会主任
  'safety-chief', // 质量安全环保科科长
  'host', // 会议主持人
  'admin',
  // 三员 (the three admins, kept apart): people and roles; clearances; the admin audit trail.
  'system-admin', // 系统管理员
  'security-admin', // 安全保密管理员
  'audit-admin', // 安全审计员
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  clerk: '文书',
  'confidential-clerk': '机要秘书',
  'office-director': '办公室主任',
  secretary: '秘书',
  'main-leader': '主要领导',
  'deputy-leader': '分管领导',
  'dept-head': '科室负责人',
  staff: '经办人',
  'seal-keeper': '监印人',
  archivist: '档案管理员',
  dispatcher: '车辆调度',
  'committee-director': '专业委员会主任',
  'safety-chief': '质量安全环保科科长',
  host: '会议主持人',
  admin: '管理员',
  'system-admin': '系统管理员',
  'security-admin': '安全保密管理员',
  'audit-admin': '安全审计员',
};

export const SECRECY_LEVELS = ['非密', '秘密', '机密', '绝密'] as const;
export type Secrecy = (typeof SECRECY_LEVELS)[number];

export interface Actor {
  username: string;
  name: string;
  roles: Role[];
  department?: string;
  clearance: Secrecy;
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * API Gateway HTTP API JWT authorizers hand claims over as strings; an array claim such as
 * `cognito:groups` arrives as "[clerk office-director]". Accept that form and real arrays.
 */
function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value.trim() === '') return [];
  const trimmed = value.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    const inner = trimmed.slice(1, -1).trim();
    if (inner.startsWith('"')) {
      try {
        return (JSON.parse(trimmed) as unknown[]).map(String);
      } catch {
        /* fall through to the space-separated form */
      }
    }
    return inner.split(/[\s,]+/).filter(Boolean);
  }
  return trimmed.split(/[\s,]+/).filter(Boolean);
}

/** Cognito ID tokens live 5 minutes to 1 day; anything longer was not issued by our pool's rules. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;
/** Clocks of the issuer and of Lambda may differ a little; more than this is a forged or broken token. */
export const CLOCK_SKEW_SECONDS = 5 * 60;

export class ClaimsError extends Error {
  override name = 'ClaimsError';
}

/** A NumericDate claim as a number: JWT gives numbers, API Gateway hands them over as strings. */
function numericDate(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d{1,12}(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The API's token policy, beyond what API Gateway's JWT authorizer checks (signature, iss, aud,
 * exp when present): an ID token (access tokens carry no department or clearance), with an expiry,
 * issued in the past, for at most a day. Throws ClaimsError with a message for the user (zh-CN).
 */
export function checkClaims(claims: Record<string, unknown>, nowSeconds: number, issuer: 'cognito' | 'oidc' = 'cognito'): void {
  // Cognito marks every token (token_use); other issuers may not, but Keycloak's typ says the same.
  const notId =
    issuer === 'cognito'
      ? claims.token_use !== 'id'
      : (claims.token_use !== undefined && claims.token_use !== 'id') || (claims.typ !== undefined && String(claims.typ).toUpperCase() !== 'ID');
  if (notId) {
    throw new ClaimsError('请使用登录得到的身份令牌（ID token）访问；访问令牌（access token）不含科室和密级，不能使用');
  }
  const exp = numericDate(claims.exp);
  const iat = numericDate(claims.iat);
  if (exp === undefined) throw new ClaimsError('登录凭证没有有效期，不予接受，请重新登录');
  if (iat === undefined) throw new ClaimsError('登录凭证没有签发时间，不予接受，请重新登录');
  if (exp <= nowSeconds) throw new ClaimsError('登录已过期，请重新登录');
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) throw new ClaimsError('登录凭证的签发时间晚于当前时间，不予接受；请检查电脑时间后重新登录');
  if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS) throw new ClaimsError('登录凭证有效期超过 24 小时，不予接受，请重新登录');
}

/** Which claims carry the caller: absent ones give no roles, no department, 非密. */
export interface ClaimNames {
  username: string;
  name: string;
  roles?: string;
  department?: string;
  clearance?: string;
}

/** The claims the branch's Cognito pool (and local mode's identity provider) put in ID tokens. */
export const COGNITO_CLAIMS: Required<ClaimNames> = {
  username: 'cognito:username',
  name: 'name',
  roles: 'cognito:groups',
  department: 'custom:department',
  clearance: 'custom:clearance',
};

export function actorFromClaims(claims: Record<string, unknown>, names: ClaimNames = COGNITO_CLAIMS): Actor {
  const claim = (name: string | undefined) => (name === undefined ? undefined : claims[name]);
  const username = String(claim(names.username) ?? claims.username ?? claims.sub ?? '');
  if (!username) throw new Error('token carries no user name');
  const clearance = String(claim(names.clearance) ?? '非密');
  const department = claim(names.department) ? String(claim(names.department)) : undefined;
  return {
    username,
    name: String(claim(names.name) ?? username),
    roles: claimList(claim(names.roles)).filter(isRole),
    ...(department ? { department } : {}),
    clearance: (SECRECY_LEVELS as readonly string[]).includes(clearance) ? (clearance as Secrecy) : '非密',
  };
}

export function mayRead(actor: Pick<Actor, 'clearance'>, secrecy: Secrecy): boolean {
  return SECRECY_LEVELS.indexOf(actor.clearance) >= SECRECY_LEVELS.indexOf(secrecy);
}

/** A person as the user directory knows them, for "can anyone take this step?". */
export interface DirectoryPerson {
  username: string;
  roles: string[];
  department?: string;
  clearance: Secrecy;
  enabled: boolean;
}

/** May this person (enabled, cleared for `secrecy`) take a task with this assignment? */
export function mayTake(person: DirectoryPerson, assignment: { role: Role; username?: string; department?: string }, secrecy: Secrecy): boolean {
  if (!person.enabled) return false;
  if (assignment.username && person.username !== assignment.username) return false;
  if (!person.roles.includes(assignment.role)) return false;
  if (assignment.department && person.department !== assignment.department) return false;
  return SECRECY_LEVELS.indexOf(person.clearance) >= SECRECY_LEVELS.indexOf(secrecy);
}

/** Who is told when a step stalls: the office director chases, and is chased by the main leader. */
export function supervisorOf(role: Role): Role {
  return role === 'office-director' ? 'main-leader' : 'office-director';
}
