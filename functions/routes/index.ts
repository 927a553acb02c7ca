/**
 * Every route Chancery runs, by id. Handlers find a route here from the id a document or a task
 * carries; adding a route is its module, one line here, its generated ASL file and its tests.
 */
import { routeProblems, type RouteDefinition } from '../domain/route-platform.js';
import { publicity, superiorDept } from './incoming.js';
import { reportGeneral, reportKey, requestGeneral, requestImportant } from './internal.js';
import { outgoingCommittee, outgoingDept, outgoingMain } from './outgoing.js';
import { superiorKey } from './superior-key.js';

export const ROUTES: Readonly<Record<string, RouteDefinition>> = Object.freeze(
  Object.fromEntries([superiorKey, superiorDept, publicity, requestGeneral, requestImportant, reportGeneral, reportKey, outgoingMain, outgoingCommittee, outgoingDept].map((r) => [r.id, r])),
);

export const ROUTE_IDS = Object.keys(ROUTES);

// A route that could strand a document (a skippable step a Choice reads …) never loads.
const problems = Object.values(ROUTES).flatMap(routeProblems);
if (problems.length) throw new Error(`route modules are inconsistent:\n${problems.join('\n')}`);

/** The route of this id, or undefined (never an inherited property such as `constructor`). */
export function routeById(id: string): RouteDefinition | undefined {
  return Object.hasOwn(ROUTES, id) ? ROUTES[id] : undefined;
}

/** The incoming route a scan starts until the clerk's registration chooses one. */
export const DEFAULT_INCOMING_ROUTE = superiorKey.id;
