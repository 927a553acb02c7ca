/**
 * Builds the console (web/ → web/dist) when web/dist is missing or older than its sources, so
 * `npm start` and `npm test` always serve the current console. Run directly (`tsx
 * infra/local/build-web.ts`, the prestart script) or imported (the vitest global setup).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const WEB_DIST = join(WEB_DIR, 'dist');

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when the built index.html is older than any source of the console. */
export function webIsStale(): boolean {
  const built = join(WEB_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((p) => join(WEB_DIR, p)).filter(existsSync);
  // package-lock.json: a changed library version changes the bundle too.
  const lock = fileURLToPath(new URL('../../package-lock.json', import.meta.url));
  return Math.max(...sources.map(newest), existsSync(lock) ? statSync(lock).mtimeMs : 0) > statSync(built).mtimeMs;
}

export async function ensureWebBuilt(log: (message: string) => void = console.log): Promise<void> {
  if (!webIsStale()) return;
  const started = Date.now();
  log('正在构建网页控制台 (building the web console into web/dist)…');
  const { build } = await import('vite');
  // Always a production build: under vitest NODE_ENV is "test", and Vite would then bundle React's
  // development runtime (jsx-dev-runtime, a third larger) for `npm start` to serve too.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB_DIR, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  log(`网页控制台已构建 (web console built in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ensureWebBuilt();
}
