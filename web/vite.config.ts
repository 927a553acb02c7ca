/**
 * The console's build: static files in web/dist, served by local mode from its API port and in
 * the cloud by CloudFront. Everything is bundled: no fonts or scripts from a CDN at run time.
 */
import { cpSync, createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * pdf.js reads Adobe CMaps (CJK text), the 14 standard fonts, its WebAssembly image decoders and
 * ICC profiles from URLs at run time: they are copied to dist/pdfjs/ (served by the dev server from
 * node_modules), fetched only when a scan needs them.
 */
function pdfjsAssets(): Plugin {
  const pdfjs = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  const folders = ['cmaps', 'standard_fonts', 'wasm', 'iccs'];
  let outDir = '';
  return {
    name: 'chancery-pdfjs-assets',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use('/pdfjs/', (req, res, next) => {
        const path = normalize(join(pdfjs, decodeURIComponent((req.url ?? '').split('?')[0])));
        if (!folders.some((f) => path.startsWith(join(pdfjs, f) + sep))) return next();
        try {
          if (!statSync(path).isFile()) return next();
        } catch {
          return next();
        }
        createReadStream(path).pipe(res);
      });
    },
    writeBundle() {
      for (const folder of folders) cpSync(join(pdfjs, folder), join(outDir, 'pdfjs', folder), { recursive: true });
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), pdfjsAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd is large by nature; one vendor chunk keeps the page's request count small.
    chunkSizeWarningLimit: 2000,
  },
  logLevel: 'warn',
});
