/** The routes and the branch's departments (GET /routes), read once per page load. */
import { api, type RoutesAnswer } from './api';

let routesOnce: Promise<RoutesAnswer> | undefined;
export const loadRoutes = () =>
  (routesOnce ??= api<RoutesAnswer>('GET', '/routes').catch((err: unknown) => {
    routesOnce = undefined;
    throw err;
  }));
