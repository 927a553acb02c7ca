/**
 * The console's figures for `npm run bench`:
 *   download     the bytes a first visit loads from web/dist (index.html and the scripts and
 *                styles it names; not lazily loaded chunks), raw and gzip level 9, beside React +
 *                ReactDOM alone built by Vite in the same run (the floor of any React console)
 *   firstRender  navigation start → 待办 (box-todo) showing its rows in headless Chromium, logged
 *                in, over several loads, beside a static blank page from the same local server
 */
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

interface FileSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

const gzipLevel = 9;
const sizeOf = (file: string, bytes: Buffer): FileSize => ({ file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: gzipLevel }).length });
const total = (files: FileSize[]) => ({ bytes: files.reduce((s, f) => s + f.bytes, 0), gzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0) });

/** Same-origin files index.html makes the browser fetch at once: module scripts, stylesheets, module preloads. */
export function firstVisitFiles(indexHtml: string): string[] {
  const urls = new Set<string>();
  for (const tag of indexHtml.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag)?.[1];
    const url = tag.toLowerCase().startsWith('<script') ? attr('src') : /^(stylesheet|modulepreload)$/i.test(attr('rel') ?? '') ? attr('href') : undefined;
    if (url && url.startsWith('/') && !url.startsWith('//')) urls.add(url);
  }
  return [...urls];
}

/** Everything under a directory, as paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]));
}

/** React + ReactDOM rendering one line, built by Vite for production: what any React console ships at least. */
async function reactBaseline(): Promise<{ files: FileSize[]; total: ReturnType<typeof total> }> {
  const dir = mkdtempSync(join(tmpdir(), 'chancery-bench-react-'));
  try {
    // The temporary directory has no node_modules: import the project's copies by path.
    const require = createRequire(import.meta.url);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html lang="zh-CN"><head><meta charset="UTF-8" /></head><body><div id="root"></div><script type="module" src="./main.js"></script></body></html>');
    writeFileSync(
      join(dir, 'main.js'),
      `import { createElement } from ${JSON.stringify(require.resolve('react'))};\nimport { createRoot } from ${JSON.stringify(require.resolve('react-dom/client'))};\ncreateRoot(document.getElementById('root')).render(createElement('p', null, '待办'));\n`,
    );
    const { build } = await import('vite');
    await build({ root: dir, configFile: false, logLevel: 'warn', build: { outDir: 'dist', emptyOutDir: true } });
    const dist = join(dir, 'dist');
    const index = readFileSync(join(dist, 'index.html'));
    const files = [sizeOf('index.html', index), ...firstVisitFiles(index.toString('utf8')).map((url) => sizeOf(url.slice(1), readFileSync(join(dist, url.slice(1)))))];
    return { files, total: total(files) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function consoleDownload(webDist: string) {
  const index = readFileSync(join(webDist, 'index.html'));
  const firstVisit = [sizeOf('index.html', index), ...firstVisitFiles(index.toString('utf8')).map((url) => sizeOf(url.slice(1), readFileSync(join(webDist, url.slice(1)))))];
  const loaded = new Set(firstVisit.map((f) => f.file));
  // Chunks the console imports on demand (a page, pdf.js …) and other files it may fetch later.
  const later = filesUnder(webDist)
    .filter((f) => !loaded.has(f) && /\.(m?js|css|wasm)$/.test(f))
    .map((f) => sizeOf(f, readFileSync(join(webDist, f))));
  const baseline = await reactBaseline();
  const first = total(firstVisit);
  return {
    note: `bytes of a first visit to the console from web/dist (index.html and the scripts, styles and module preloads it names), raw and gzip level ${gzipLevel} (what a compressing server sends; config.json and the API's answers are not counted); baseline: React + ReactDOM rendering one element, built by Vite for production in the same run`,
    firstVisit: { ...first, files: firstVisit },
    lazyChunks: { ...total(later), files: later.length },
    baselineReactOnly: baseline.total,
    ratios: {
      firstVisitGzipToReactGzip: Math.round((first.gzipBytes / baseline.total.gzipBytes) * 100) / 100,
      firstVisitBytesToReactBytes: Math.round((first.bytes / baseline.total.bytes) * 100) / 100,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// First render in Chromium


/**
 * Runs in every document before its own scripts: notes performance.now() (ms since the
 * navigation started) at the first DOM change that shows the page's content — 待办 with at least
 * one row, or the blank page's one paragraph — so no polling from outside adds to the figure.
 */
const READY_PROBE = `window.__benchReady = new Promise((resolve) => {
  const shown = (el) => el !== null && el.getClientRects().length > 0;
  const observer = new MutationObserver(() => {
    const box = document.querySelector('[data-testid="box-todo"]');
    if (shown(document.getElementById('blank')) || (box && shown(box.querySelector('[data-testid="box-item"]')))) {
      observer.disconnect();
      resolve(performance.now());
    }
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
});`;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const r = (n: number | undefined) => (n === undefined ? null : Math.round(n * 10) / 10);
  return { samples: sorted.length, p50Ms: r(pct(50)), p95Ms: r(pct(95)), minMs: r(sorted[0]), maxMs: r(sorted.at(-1)) };
}

export async function consoleFirstRender(options: { origin: string; username: string; password: string; samples: number; progress: (m: string) => void }) {
  // The browser tests' own launch (flags for this closed network) and desk screen.
  const { CHROMIUM, DESK, launchChromium } = await import('../browser/kit.js');
  const browser = await launchChromium();
  try {
    const context = await browser.newContext(DESK);
    await context.addInitScript({ content: READY_PROBE });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const todoUrl = `${options.origin}/todo`;
    const blankUrl = `${options.origin}/blank.html`;

    // Log in once, through the identity provider's page, as a person does; the session then
    // lives in the tab (sessionStorage) across the loads below.
    await page.goto(todoUrl);
    await page.locator('input[name="username"]').fill(options.username);
    await page.locator('input[name="password"]').fill(options.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(todoUrl);
    await page.getByTestId('box-todo').getByTestId('box-item').first().waitFor();
    const rows = await page.getByTestId('box-todo').getByTestId('box-item').count();

    const load = async (url: string) => {
      await page.goto(url, { waitUntil: 'commit' });
      if (!page.url().startsWith(url)) throw new Error(`${url} went to ${page.url()} (session lost?)`);
      // A string, evaluated by the debugger protocol: the console's CSP forbids eval in the page.
      return page.evaluate<number>('window.__benchReady');
    };
    const cdp = await context.newCDPSession(page);
    const run = async (cache: 'warm' | 'cold') => {
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: cache === 'cold' });
      const todo: number[] = [];
      const blank: number[] = [];
      // One unmeasured load of each first; then the two alternate, so a busy moment hits both.
      await load(blankUrl);
      await load(todoUrl);
      for (let i = 0; i < options.samples; i++) {
        blank.push(await load(blankUrl));
        todo.push(await load(todoUrl));
      }
      const t = percentiles(todo);
      const b = percentiles(blank);
      options.progress(`console first render (${cache} cache): 待办 p50 ${t.p50Ms} ms, blank page p50 ${b.p50Ms} ms`);
      return { todo: t, blankPage: b, todoP50ToBlankP50: t.p50Ms && b.p50Ms ? Math.round((t.p50Ms / b.p50Ms) * 10) / 10 : null };
    };
    const warm = await run('warm');
    const cold = await run('cold');
    return {
      note: `headless Chromium (${CHROMIUM}), 1280×800, logged in as ${options.username} (${rows} rows in 待办 on the first page): ms from navigation start to 待办 (data-testid box-todo) showing a row, measured in the page (performance.now() at the DOM change), beside a static blank page (/blank.html) from the same local server; warm: the browser cache as after a first visit (hashed assets cached, index.html revalidated); cold: cache disabled, every file fetched again`,
      todoRows: rows,
      warmCache: warm,
      coldCache: cold,
    };
  } finally {
    await browser.close();
  }
}
