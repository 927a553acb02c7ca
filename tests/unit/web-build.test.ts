/**
 * The console as `npm start` and the cloud serve it is a production build, whoever built web/dist
 * (the vitest global setup runs with NODE_ENV=test): React's development runtime never ships.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { WEB_DIST } from '../../infra/local/build-web.js';

it('web/dist holds a production build (no React development runtime)', () => {
  const assets = readdirSync(join(WEB_DIST, 'assets'));
  expect(assets.some((f) => f.endsWith('.js'))).toBe(true);
  expect(assets.filter((f) => f.includes('jsx-dev-runtime'))).toEqual([]);
});
