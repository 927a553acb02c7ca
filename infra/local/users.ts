/**
 * The people of the demo branch in local mode: the local identity provider signs them in, and
 * local mode puts them into the people directory at start (if not there yet), where their roles,
 * department and clearance (密级) live from then on — as in the cloud, where the identity provider
 * only signs people in. All share the password below; local mode is for evaluation and tests.
 */
import type { Role, Secrecy } from '../../functions/domain/identity.js';
import type { Person } from '../../functions/domain/people.js';

export const LOCAL_PASSWORD = 'chancery';

export interface LocalUser {
  username: string;
  name: string;
  groups: Role[];
  department: string;
  clearance: Secrecy;
  /** Where notifications are mailed (local mode files them in its outbox); default below. */
  email?: string;
}

/** A local user's address: their own, or <username>@chancery.local. */
export const localEmailOf = (u: Pick<LocalUser, 'username' | 'email'>): string => u.email ?? `${u.username}@chancery.local`;

export const LOCAL_USERS: LocalUser[] = [
  { username: 'wangfang', name: '王芳', groups: ['clerk'], department: 'BGS', clearance: '机密' },
  { username: 'zhengli', name: '郑丽', groups: ['confidential-clerk'], department: 'BGS', clearance: '绝密' },
  { username: 'liqiang', name: '李强', groups: ['office-director'], department: 'BGS', clearance: '机密' },
  { username: 'zhaomin', name: '赵敏', groups: ['main-leader'], department: 'BGS', clearance: '绝密' },
  { username: 'sunwei', name: '孙伟', groups: ['deputy-leader'], department: 'BGS', clearance: '机密' },
  // Two more deputies, each over other areas: a request spanning areas goes to them together (会签).
  { username: 'gaofeng', name: '高峰', groups: ['deputy-leader'], department: 'BGS', clearance: '机密' },
  { username: 'hexin', name: '何欣', groups: ['deputy-leader'], department: 'BGS', clearance: '秘密' },
  { username: 'zhoujie', name: '周杰', groups: ['dept-head'], department: 'SCJSK', clearance: '秘密' },
  { username: 'chenjing', name: '陈静', groups: ['dept-head'], department: 'CWK', clearance: '秘密' },
  { username: 'liuyang', name: '刘洋', groups: ['staff'], department: 'SCJSK', clearance: '非密' },
  // 监印人: applies the seals to signed, numbered outgoing documents (用印).
  { username: 'majun', name: '马骏', groups: ['seal-keeper'], department: 'BGS', clearance: '机密' },
  // 专业委员会主任: signs the committee's outgoing documents (outgoing-committee).
  { username: 'tanghui', name: '唐辉', groups: ['committee-director'], department: 'BGS', clearance: '机密' },
];

/** The three admins (三员), one each, so their rules can be tried (they approve no documents). */
export const LOCAL_ADMINS: LocalUser[] = [
  { username: 'sysadmin', name: '韩冰', groups: ['system-admin'], department: 'BGS', clearance: '非密' },
  { username: 'secadmin', name: '许静', groups: ['security-admin'], department: 'BGS', clearance: '机密' },
  { username: 'auditadmin', name: '陆明', groups: ['audit-admin'], department: 'BGS', clearance: '非密' },
];

/** A local user as the people directory keeps them. */
export const directoryPersonOf = (u: LocalUser): Person => ({
  username: u.username,
  name: u.name,
  department: u.department,
  roles: [...u.groups],
  clearance: u.clearance,
  email: localEmailOf(u),
  active: true,
});
