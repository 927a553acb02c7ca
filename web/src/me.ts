/** The signed-in person (GET /me), read once per page load and shared by every page that asks. */
import { useEffect, useState } from 'react';
import { api, type Me } from './api';

let meOnce: Promise<Me> | undefined;
export const loadMe = () =>
  (meOnce ??= api<Me>('GET', '/me').catch((err: unknown) => {
    meOnce = undefined;
    throw err;
  }));

export function useMe(): Me | undefined {
  const [me, setMe] = useState<Me>();
  useEffect(() => {
    let live = true;
    loadMe().then((m) => live && setMe(m), () => undefined);
    return () => {
      live = false;
    };
  }, []);
  return me;
}

/** The office roles that keep registers and file documents (the API checks it again). */
export const OFFICE_ROLES = ['clerk', 'confidential-clerk', 'office-director', 'secretary'];
export const isOffice = (me: Me | undefined) => Boolean(me?.roles.some((r) => OFFICE_ROLES.includes(r)));
