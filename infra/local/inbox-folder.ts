/**
 * The scanner stand-in: a watched folder. A file dropped into it (or into a sub-folder) is
 * uploaded to the inbox bucket under scans/<sub>/<name> once it is complete, then moved to
 * uploaded/ beside it, so nothing is lost and nothing is sent twice. Anything that is not a plain
 * file (a symlink, a FIFO, a device) is never followed or read: it is moved to rejected/ with a
 * <name>.reason.txt saying why. An error on one file is reported and the loop goes on.
 *
 * "Complete" means: size and mtime unchanged for a quiet period, and the content check passing
 * (a scanner may pause mid-file). A file that still fails the check after a long quiet period is
 * uploaded anyway, so intake sets it aside with the reason where the clerk sees it.
 */
import { constants, existsSync, mkdirSync, renameSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SCAN_PREFIX } from '../manifest.js';
import { checkScan } from '../../functions/domain/upload-check.js';

export interface InboxFolder {
  dir: string;
  /** Uploads whatever is ready now, waiting out the quiet period of files just dropped (also runs on every change and every second). */
  poll(): Promise<void>;
  stop(): void;
}

export interface InboxFolderOptions {
  dir: string;
  bucket: string;
  s3: S3Client;
  /** How long size and mtime must stay unchanged before a file is looked at (default 1 s). */
  quietMs?: number;
  /** How long a file that fails the content check may stay unchanged before it is uploaded anyway (default 2 min). */
  giveUpMs?: number;
  onUploaded?: (name: string, key: string) => void;
  onRejected?: (name: string, reason: string) => void;
  /** A file waiting to be complete, reported once per state. */
  onWaiting?: (name: string, reason: string) => void;
  onError: (err: unknown, name: string) => void;
}

const SKIP_TOP = new Set(['uploaded', 'rejected']);
/** S3's key limit. */
const MAX_KEY_BYTES = 1024;
/** Most filesystems' limit on one file name. */
const MAX_NAME_BYTES = 255;

const hash = (s: string | Buffer) => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** Cuts `s` to at most `bytes` of UTF-8 without splitting a character. */
function cutUtf8(s: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > bytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/** The extension worth keeping when a name is shortened (".pdf"), or ''. */
function extensionOf(name: string): string {
  const m = /\.[A-Za-z0-9]{1,8}$/.exec(name);
  return m ? m[0] : '';
}

/**
 * The key for a file at `rel` (sub/name): scans/<rel>, or when that exceeds S3's 1024 bytes (or
 * the name could not be read as UTF-8), a shortened one that keeps the extension and adds a hash
 * of the original so two long names never meet.
 */
export function inboxKey(rel: string, raw?: Buffer): string {
  const key = `${SCAN_PREFIX}${rel}`;
  const lossy = raw !== undefined && Buffer.compare(Buffer.from(rel, 'utf8'), raw) !== 0;
  if (!lossy && Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES) return key;
  const ext = extensionOf(rel);
  const tail = `~${hash(raw ?? rel)}${ext}`;
  const head = cutUtf8(rel.slice(0, rel.length - ext.length), Math.min(MAX_KEY_BYTES - Buffer.byteLength(SCAN_PREFIX + tail, 'utf8'), 200));
  return `${SCAN_PREFIX}${head}${tail}`;
}

/** A name for a file placed beside `name` that stays within the file name limit. */
function besideName(name: string, suffix: string): string {
  const full = `${name}${suffix}`;
  if (Buffer.byteLength(full, 'utf8') <= MAX_NAME_BYTES) return full;
  return `${cutUtf8(name, MAX_NAME_BYTES - Buffer.byteLength(suffix, 'utf8') - 13)}~${hash(name)}${suffix}`;
}

interface Entry {
  /** Path as the filesystem names it (bytes: a name need not be valid UTF-8). */
  path: Buffer;
  /** Relative path for keys and messages (sub/name). */
  rel: string;
  relRaw: Buffer;
}

interface FileState {
  signature: string;
  since: number;
  /** The content check's reason, while it fails on an unchanged file. */
  checked?: string;
  /** The last error reported for it (each error is reported once). */
  reported?: string;
}

function describeSpecial(kind: string): string {
  return `这不是普通文件（${kind}），收件文件夹不会读取或跟随它。请把扫描件本身（而不是快捷方式或链接）放入收件文件夹。`;
}

export function watchInboxFolder(options: InboxFolderOptions): InboxFolder {
  const { dir } = options;
  const quietMs = options.quietMs ?? 1000;
  const giveUpMs = options.giveUpMs ?? 120_000;
  const uploadedDir = join(dir, 'uploaded');
  const rejectedDir = join(dir, 'rejected');
  mkdirSync(uploadedDir, { recursive: true });
  mkdirSync(rejectedDir, { recursive: true });
  const states = new Map<string, FileState>();
  let running: Promise<boolean> | undefined;

  const report = (rel: string, err: unknown) => {
    try {
      options.onError(err, rel);
    } catch {
      /* a failing logger must not stop the folder */
    }
  };

  /** Moves `entry` into `into` (uploaded/ or rejected/) keeping its sub-folder, without overwriting; returns the new path. */
  const moveInto = (entry: Entry, into: string): Buffer => {
    const slash = entry.relRaw.lastIndexOf(0x2f);
    const sub = slash >= 0 ? entry.relRaw.subarray(0, slash + 1) : Buffer.alloc(0); // "sub/" or ""
    const name = entry.relRaw.subarray(slash + 1);
    let folder = Buffer.concat([Buffer.from(`${into}/`), sub]);
    if (existsSync(Buffer.concat([folder, name]))) {
      // Same name sent before: keep both, the later one under a time-stamped folder.
      folder = Buffer.concat([Buffer.from(`${into}/${new Date().toISOString().replace(/[:.]/g, '-')}/`), sub]);
    }
    mkdirSync(folder, { recursive: true });
    const target = Buffer.concat([folder, name]);
    renameSync(entry.path, target);
    return target;
  };

  const setAside = (entry: Entry, reason: string) => {
    const moved = moveInto(entry, rejectedDir);
    const slash = moved.lastIndexOf(0x2f);
    const note = besideName(moved.subarray(slash + 1).toString('utf8'), '.reason.txt');
    writeFileSync(Buffer.concat([moved.subarray(0, slash + 1), Buffer.from(note)]), `${entry.rel}\n${reason}\n`);
    states.delete(entry.rel);
    options.onRejected?.(entry.rel, reason);
  };

  /** Reads a regular file without following a link swapped in since it was listed. */
  const readPlainFile = async (path: Buffer): Promise<{ bytes: Buffer; signature: string } | undefined> => {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await handle.stat();
      if (!st.isFile()) return undefined;
      const bytes = await handle.readFile();
      const after = await handle.stat();
      return { bytes, signature: `${after.size}:${after.mtimeMs}:${after.ino}` };
    } finally {
      await handle.close();
    }
  };

  /** One file; true when it is still waiting for its quiet period. */
  const handle = async (entry: Entry, now: number): Promise<boolean> => {
    const st = await lstat(entry.path);
    if (!st.isFile()) {
      const kind = st.isSymbolicLink() ? '符号链接' : st.isFIFO() ? '命名管道' : st.isSocket() ? '套接字' : st.isCharacterDevice() || st.isBlockDevice() ? '设备文件' : '特殊文件';
      setAside(entry, describeSpecial(kind));
      return false;
    }
    const signature = `${st.size}:${st.mtimeMs}:${st.ino}`;
    let state = states.get(entry.rel);
    if (!state || state.signature !== signature) {
      states.set(entry.rel, (state = { signature, since: now }));
    }
    if (now - state.since < quietMs) return true;
    if (state.checked !== undefined && now - state.since < giveUpMs) return false; // checked, unchanged since: nothing new to learn
    const read = await readPlainFile(entry.path);
    if (!read) return false;
    if (read.signature !== signature) {
      states.set(entry.rel, { signature: read.signature, since: now });
      return true;
    }
    const verdict = await checkScan({ bytes: read.bytes, maxBytes: Number.MAX_SAFE_INTEGER });
    if (!verdict.ok && (verdict.code === 'corrupt' || verdict.code === 'empty') && now - state.since < giveUpMs) {
      // Most likely still being written: wait for it to change, or for the long quiet period.
      state.checked = verdict.reason;
      options.onWaiting?.(entry.rel, verdict.reason);
      return false;
    }
    const key = inboxKey(entry.rel, entry.relRaw);
    await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: read.bytes }));
    moveInto(entry, uploadedDir);
    states.delete(entry.rel);
    options.onUploaded?.(entry.rel, key);
    return false;
  };

  const list = async (path: Buffer, relRaw: Buffer, out: Entry[]) => {
    const top = relRaw.length === 0;
    for (const dirent of await readdir(path, { withFileTypes: true, encoding: 'buffer' })) {
      const nameRaw = dirent.name;
      const name = nameRaw.toString('utf8');
      if (name.startsWith('.')) continue; // hidden and temporary files (.DS_Store, .~lock…)
      if (top && SKIP_TOP.has(name)) continue;
      const childRaw = top ? nameRaw : Buffer.concat([relRaw, Buffer.from('/'), nameRaw]);
      const child = Buffer.concat([path, Buffer.from('/'), nameRaw]);
      if (dirent.isDirectory()) {
        try {
          await list(child, childRaw, out);
        } catch (err) {
          report(childRaw.toString('utf8'), err);
        }
      } else {
        out.push({ path: child, rel: childRaw.toString('utf8'), relRaw: childRaw });
      }
    }
  };

  /** One pass; true when some file is still within its quiet period. */
  const pollOnce = async (): Promise<boolean> => {
    const entries: Entry[] = [];
    try {
      await list(Buffer.from(dir), Buffer.alloc(0), entries);
    } catch (err) {
      report('.', err);
      return false;
    }
    const seen = new Set(entries.map((e) => e.rel));
    for (const rel of states.keys()) if (!seen.has(rel)) states.delete(rel);
    let waiting = false;
    const now = Date.now();
    for (const entry of entries) {
      try {
        if (await handle(entry, now)) waiting = true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue; // gone meanwhile
        const state = states.get(entry.rel);
        if ((code === 'EACCES' || code === 'EPERM') && state && now - state.since >= giveUpMs) {
          // Unreadable for the whole long quiet period: set it aside rather than retry forever.
          try {
            setAside(entry, '无法读取该文件（没有读取权限）。请检查文件权限后重新放入收件文件夹。');
            continue;
          } catch (moveErr) {
            err = moveErr;
          }
        }
        const message = String(err);
        if (state?.reported === message) continue; // said once; retried quietly every pass
        if (state) state.reported = message;
        else states.set(entry.rel, { signature: '', since: now, reported: message });
        report(entry.rel, err);
      }
    }
    return waiting;
  };

  const poll = () => {
    running ??= pollOnce().finally(() => (running = undefined));
    return running;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => void poll());
    watcher.on('error', () => undefined); // the folder vanishing must not take local mode down
  } catch {
    /* polling alone still works */
  }
  const timer = setInterval(() => void poll(), Math.min(1000, Math.max(50, quietMs)));
  timer.unref();
  return {
    dir,
    poll: async () => {
      // Until nothing dropped so far is still inside its quiet period (bounded, in case a
      // writer keeps a file changing).
      const until = Date.now() + quietMs * 3 + 1000;
      while ((await poll()) && Date.now() < until) await new Promise((r) => setTimeout(r, Math.max(20, quietMs / 4)));
    },
    stop: () => {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
