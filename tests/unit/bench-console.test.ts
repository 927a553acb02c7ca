/**
 * The bench's first-visit download (tests/bench/console.ts) counts what index.html makes the
 * browser fetch at once, and nothing loaded later.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../infra/local/build-web.js';
import { firstVisitFiles } from '../bench/console.js';

describe('firstVisitFiles', () => {
  it('names the module scripts, stylesheets and module preloads of index.html, same origin only', () => {
    const html = `<!doctype html><html><head>
      <link rel="icon" href="data:," />
      <script type="module" crossorigin src="/assets/index-abc.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/vendor-def.js">
      <link rel="stylesheet" crossorigin href="/assets/index-123.css">
      <link rel="preconnect" href="https://example.com">
      <script src="//cdn.example.com/x.js"></script>
    </head><body><div id="root"></div></body></html>`;
    expect(firstVisitFiles(html)).toEqual(['/assets/index-abc.js', '/assets/vendor-def.js', '/assets/index-123.css']);
  });

  it('finds the built console entry and its styles in web/dist (built by the global setup)', () => {
    const files = firstVisitFiles(readFileSync(join(WEB_DIST, 'index.html'), 'utf8'));
    expect(files.some((f) => /^\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(files.some((f) => /^\/assets\/.+\.css$/.test(f))).toBe(true);
    for (const f of files) expect(existsSync(join(WEB_DIST, f)), f).toBe(true);
    // The bench's blank page is a static file of the build too.
    expect(readFileSync(join(WEB_DIST, 'blank.html'), 'utf8')).toContain('id="blank"');
  });
});
