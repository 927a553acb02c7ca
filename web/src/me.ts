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

