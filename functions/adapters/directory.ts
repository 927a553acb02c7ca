/**
 * The user directory: who a username is to Chancery, and which roles they hold — read from
 * Chancery's own people table (functions/adapters/people.ts), whatever identity provider signs
 * people in (the branch's Cognito pool, or any OIDC issuer). The token says who calls; roles,
 * department and clearance come from here. Local mode seeds the table with its users at start.
 */
import type { DirectoryPerson, Role } from '../domain/identity.js';
import type { PersonRecord } from '../domain/people.js';
import { ENV } from '../../infra/manifest.js';
import { getPerson, holdersOfRole } from './people.js';

export interface DirectoryUser extends DirectoryPerson {
  name: string;
  /** Where notifications are mailed, when the directory has an address. */
  email?: string;
}

const userOf = (p: PersonRecord): DirectoryUser => ({
  username: p.username,
  name: p.name,
  ...(p.email ? { email: p.email } : {}),
  roles: p.roles,
  department: p.department,
  clearance: p.clearance,
  enabled: p.active,
});

/** Is there a directory to ask? Every function that reads it has the people table. */
export const directoryAvailable = (): boolean => Boolean(process.env[ENV.peopleTable]);

/** The person, read strongly consistent: a change by an admin holds from the next request on. */
export async function findUser(username: string): Promise<DirectoryUser | undefined> {
  if (!directoryAvailable()) return undefined;
  const person = await getPerson(username);
  return person ? userOf(person) : undefined;
}

/** Per container, for showing other people's names: a request must not cost a read per name. */
const CACHE_MS = 3 * 60_000;
const CACHE_MAX = 1000;
const cache = new Map<string, { until: number; user: DirectoryUser | undefined }>();

/** findUser, remembered for a few minutes (absent users too). Never for deciding what someone may do. */
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

/** Everyone holding a role (active or not: callers check `enabled`). */
export async function holdersOf(role: Role): Promise<DirectoryUser[]> {
  if (!directoryAvailable()) return [];
  return (await holdersOfRole(role)).map(userOf);
}
