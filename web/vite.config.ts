/**
 * The console's build: static files in web/dist, served by local mode from its API port and in
 * the cloud by CloudFront. Everything is bundled: no fonts or scripts from a CDN at run time.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd is large by nature; one vendor chunk keeps the page's request count small.
    chunkSizeWarningLimit: 2000,
  },
  logLevel: 'warn',
});
