/**
 * The scanner stand-in: a watched folder. A file dropped into it is uploaded to the inbox bucket
 * under scans/ once its size has stopped changing (a scanner may still be writing), then moved to
 * uploaded/ beside it, so nothing is lost and nothing is sent twice.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, watch, readFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SCAN_PREFIX } from '../manifest.js';

export interface InboxFolder {
  dir: string;
  /** Uploads whatever is ready now (also runs on every change and every second). */
  poll(): Promise<void>;
  stop(): void;
}

export function watchInboxFolder(options: { dir: string; bucket: string; s3: S3Client; onUploaded?: (name: string, key: string) => void; onError: (err: unknown, name: string) => void }): InboxFolder {
  const { dir } = options;
  const uploadedDir = join(dir, 'uploaded');
  mkdirSync(uploadedDir, { recursive: true });
  const lastSize = new Map<string, number>();
  let running: Promise<void> | undefined;

  const pollOnce = async () => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.') || name === 'uploaded') continue;
      const path = join(dir, name);
      let size: number;
      try {
        const stat = statSync(path);
        if (!stat.isFile()) continue;
        size = stat.size;
      } catch {
        continue;
      }
      if (lastSize.get(name) !== size) {
        lastSize.set(name, size); // wait one more round for the size to settle
        continue;
      }
      lastSize.delete(name);
      const key = `${SCAN_PREFIX}${name}`;
      try {
        await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: readFileSync(path) }));
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        renameSync(path, join(uploadedDir, existsSync(join(uploadedDir, name)) ? `${stamp}-${name}` : name));
        options.onUploaded?.(name, key);
      } catch (err) {
        options.onError(err, name);
      }
    }
  };
  const poll = () => {
    running ??= pollOnce().finally(() => (running = undefined));
    return running;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => void poll());
  } catch {
    /* polling alone still works */
  }
  const timer = setInterval(() => void poll(), 1000);
  timer.unref();
  return {
    dir,
    poll: async () => {
      await poll();
      await poll(); // a second look lets a file seen for the first time settle and go
    },
    stop: () => {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
