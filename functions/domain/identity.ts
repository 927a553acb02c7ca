/**
 * Who acts: roles (Cognito groups), clearance (密级) and department (Cognito custom attributes).
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
  admin: '系统管理员',
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

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

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

export function actorFromClaims(claims: Record<string, unknown>): Actor {
  const username = String(claims['cognito:username'] ?? claims.username ?? claims.sub ?? '');
  if (!username) throw new Error('token carries no user name');
  const clearance = String(claims['custom:clearance'] ?? '非密');
  const department = claims['custom:department'] ? String(claims['custom:department']) : undefined;
  return {
    username,
    name: String(claims.name ?? username),
    roles: claimList(claims['cognito:groups']).filter(isRole),
    ...(department ? { department } : {}),
    clearance: (SECRECY_LEVELS as readonly string[]).includes(clearance) ? (clearance as Secrecy) : '非密',
  };
}

export function mayRead(actor: Actor, secrecy: Secrecy): boolean {
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
