/**
 * The console (web/dist, built by Vite) served from the API port, as CloudFront serves it beside
 * the API in the cloud: files with their types, hashed /assets/* cached for a year, index.html
 * never cached, and index.html for any page address of the single-page app (/todo,
 * /documents/abc, /auth/callback) so a reload or a pasted link works.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { htmlPage } from './local-auth-pages.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
};

export type ConsoleAnswer = 'served' | 'not-found' | 'refused';

/**
 * The console's CSP. antd writes its styles into <style> elements at run time (CSS-in-JS), so
 * styles must allow inline; pdf.js may compile WebAssembly decoders; presigned S3 links (scans,
 * attachments, uploads; images too) go to the S3 endpoint, which local mode serves on its own port
 * and the cloud at each bucket's https://<bucket>.s3.<region>.<suffix> (CloudFront's response
 * headers policy, infra/stacks/console-hosting.ts). The login talks to the issuer (discovery,
 * token endpoint) from the page: `identityOrigins` (none locally: the issuer is this origin).
 */
export function consoleContentSecurityPolicy(s3Origins: string | string[] = [], identityOrigins: string[] = []): string {
  const list = (origins: string[]) => origins.map((o) => ` ${o}`).join('');
  const s3 = list([s3Origins].flat());
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${s3}`,
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    `connect-src 'self'${s3}${list(identityOrigins)}`,
    `frame-src 'self' blob:${s3}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export class ConsoleHosting {
  private readonly csp: string;

  constructor(
    readonly webDist: string,
    options: { s3Origin?: string } = {},
  ) {
    this.csp = consoleContentSecurityPolicy(options.s3Origin);
  }

  /**
   * Serves the file at a URL path (already percent-decoded), or index.html when `spaFallback`
   * and no file is there. 'refused': the path tries to leave web/dist; 'not-found': nothing to
   * serve (the caller answers).
   */
  async serve(decodedPath: string, method: 'GET' | 'HEAD', spaFallback: boolean, res: ServerResponse): Promise<ConsoleAnswer> {
    if (decodedPath.includes('\0') || decodedPath.includes('\\') || decodedPath.split('/').some((part) => part === '..')) return 'refused';
    const root = await this.realRoot();
    if (!root) {
      if (!spaFallback) return 'not-found';
      this.sendNotBuilt(res, method);
      return 'served';
    }
    const relative = decodedPath === '/' ? 'index.html' : decodedPath.replace(/^\/+/, '');
    const file = await this.fileWithin(root, relative);
    if (file) {
      this.sendFile(res, method, file.path, file.size, relative);
      return 'served';
    }
    if (!spaFallback) return 'not-found';
    const index = await this.fileWithin(root, 'index.html');
    if (!index) {
      this.sendNotBuilt(res, method);
      return 'served';
    }
    this.sendFile(res, method, index.path, index.size, 'index.html');
    return 'served';
  }

  private async realRoot(): Promise<string | undefined> {
    try {
      const root = await realpath(this.webDist);
      return (await stat(root)).isDirectory() ? root : undefined;
    } catch {
      return undefined;
    }
  }

  /** A regular file under root, its real path (links followed) still inside root. */
  private async fileWithin(root: string, relative: string): Promise<{ path: string; size: number } | undefined> {
    try {
      const path = await realpath(join(root, relative));
      if (!path.startsWith(root + sep)) return undefined;
      const info = await stat(path);
      return info.isFile() ? { path, size: info.size } : undefined;
    } catch {
      return undefined;
    }
  }

  private sendFile(res: ServerResponse, method: 'GET' | 'HEAD', path: string, size: number, relative: string): void {
    // Vite names what is under assets/ by content hash: a changed file is a new name.
    const cacheControl = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      'content-security-policy': this.csp,
      'referrer-policy': 'same-origin',
    });
    if (method === 'HEAD') return void res.end();
    const stream = createReadStream(path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  private sendNotBuilt(res: ServerResponse, method: 'GET' | 'HEAD'): void {
    const html = htmlPage(
      '控制台尚未构建 — Chancery',
      `<h1>控制台尚未构建</h1><p>本地模式在这个端口上提供网页控制台，但没有找到构建好的文件（${this.webDist.replace(/[&<>"']/g, '')}）。</p>
<p>请在仓库目录中运行：</p><pre>npm run build:web</pre><p>然后刷新本页。接口仍可使用：<code>/api/…</code>（例如 <code>/api/me</code>）。</p>`,
    );
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" });
    res.end(method === 'HEAD' ? undefined : html);
  }
}
