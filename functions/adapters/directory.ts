/**
 * The user directory (the branch's Cognito user pool): who a username is, and which roles
 * (groups) they hold. Local mode answers the same API from its seeded users.
 *
 * A branch signing in through another OIDC issuer has no pool (USER_POOL_ID unset): until
 * Chancery's own directory table exists, the caller's roles, department and clearance come from
 * the token only, and a lookup of anyone else finds nobody (a step naming a person is refused,
 * mail has no address; role-assigned steps work).
 */
import {
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
  type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { SECRECY_LEVELS, type DirectoryPerson, type Role, type Secrecy } from '../domain/identity.js';
import { ENV } from '../../infra/manifest.js';
import { env } from './env.js';

let client: CognitoIdentityProviderClient | undefined;
const cognito = () => (client ??= new CognitoIdentityProviderClient({}));

export interface DirectoryUser extends DirectoryPerson {
  name: string;
  /** Where notifications are mailed (the user's `email` attribute), when the directory has one. */
  email?: string;
}

const attribute = (attributes: AttributeType[] | undefined, name: string) => attributes?.find((a) => a.Name === name)?.Value;
/** An unset or unknown clearance attribute clears for nothing classified. */
const clearanceOf = (attributes: AttributeType[] | undefined): Secrecy => {
  const value = attribute(attributes, 'custom:clearance');
  return (SECRECY_LEVELS as readonly (string | undefined)[]).includes(value) ? (value as Secrecy) : '非密';
};
const emailOf = (attributes: AttributeType[] | undefined) => {
  const email = attribute(attributes, 'email');
  return email ? { email } : {};
};
const departmentOf = (attributes: AttributeType[] | undefined) => attribute(attributes, 'custom:department') || undefined;

/** Is there a directory to ask (a Cognito pool, or local mode's)? */
export const directoryAvailable = (): boolean => Boolean(process.env[ENV.userPoolId]);

export async function findUser(username: string): Promise<DirectoryUser | undefined> {
  if (!directoryAvailable()) return undefined;
  try {
    const user = await cognito().send(new AdminGetUserCommand({ UserPoolId: env.userPoolId, Username: username }));
    const groups = await cognito().send(new AdminListGroupsForUserCommand({ UserPoolId: env.userPoolId, Username: username }));
    return {
      username: user.Username ?? username,
      name: attribute(user.UserAttributes, 'name') ?? username,
      ...emailOf(user.UserAttributes),
      roles: (groups.Groups ?? []).map((g) => g.GroupName ?? ''),
      department: departmentOf(user.UserAttributes),
      clearance: clearanceOf(user.UserAttributes),
      enabled: user.Enabled !== false,
    };
  } catch (err) {
    if ((err as Error).name === 'UserNotFoundException') return undefined;
    throw err;
  }
}

/** Per container: a request must not cost a directory call, yet a disabled account stops within minutes. */
const CACHE_MS = 3 * 60_000;
const CACHE_MAX = 1000;
const cache = new Map<string, { until: number; user: DirectoryUser | undefined }>();

/** findUser, remembered for a few minutes (absent users too). */
export async function findUserCached(username: string, nowMs = Date.now()): Promise<DirectoryUser | undefined> {
  const hit = cache.get(username);
  if (hit && hit.until > nowMs) return hit.user;
  const user = await findUser(username);
  cache.delete(username);
  // Map keeps insertion order: the first key is the oldest entry.
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(username, { until: nowMs + CACHE_MS, user });
  return user;
}

export async function holdsRole(username: string, role: Role): Promise<DirectoryUser | undefined> {
  const user = await findUser(username);
  return user?.enabled && user.roles.includes(role) ? user : undefined;
}

/** Everyone holding a role (a Cognito group), page by page. */
export async function holdersOf(role: Role): Promise<DirectoryUser[]> {
  const users: DirectoryUser[] = [];
  if (!directoryAvailable()) return users;
  let token: string | undefined;
  do {
    const page = await cognito().send(new ListUsersInGroupCommand({ UserPoolId: env.userPoolId, GroupName: role, Limit: 60, NextToken: token }));
    for (const u of page.Users ?? []) {
      users.push({
        username: u.Username ?? '',
        name: attribute(u.Attributes, 'name') ?? u.Username ?? '',
        ...emailOf(u.Attributes),
        roles: [role],
        department: departmentOf(u.Attributes),
        clearance: clearanceOf(u.Attributes),
        enabled: u.Enabled !== false,
      });
    }
    token = page.NextToken;
  } while (token);
  return users;
}
