/**
 * s3rver's filesystem store, with object keys kept out of file paths. s3rver maps a key straight
 * to a path, so `../` escapes the bucket directory and a long key (S3 allows 1024 bytes) exceeds
 * the 255-byte file name limit, which crashed the process from an unhandled stream error. Here
 * every object lives at `<bucket>/.objects/<h:2>/<h>._S3rver_*` (h = SHA-256 of the key) with
 * the exact key in `<h>._S3rver_key`, and listing reads an in-memory index of the keys sorted as
 * S3 sorts them (UTF-8 bytes), rather than walking directories in file-name order.
 *
 * Objects written by the old layout (`<bucket>/<key>._S3rver_object`) are moved into this one the
 * first time their bucket is used, so existing local data keeps working.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);
// s3rver is CommonJS without types; these are the pieces extended here.
/* eslint-disable @typescript-eslint/no-explicit-any */
const FilesystemStore: new (root: string) => any = require('s3rver/lib/stores/filesystem.js');
export const S3Error: new (code: string, message: string, detail?: Record<string, unknown>) => Error & { code: string; status: number } = require('s3rver/lib/models/error.js');

const SUFFIX = '._S3rver_';
const OBJECTS_DIR = '.objects';

/** S3's limit on a key: 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/** Bucket names as S3 allows them (path-style), which also keeps them a single safe path segment. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..');
}

/**
 * S3 orders keys by their UTF-8 bytes, i.e. by code point. JavaScript compares UTF-16 code units,
 * which differs only where a surrogate pair meets U+E000–U+FFFF: shift those so both agree.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** First index in sorted `keys` whose key is > `after` (or >= when `inclusive`). */
function lowerBound(keys: string[], after: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid], after);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ListPage {
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts after. */
  last?: string;
}

const keyHash = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export class HashedFilesystemStore extends FilesystemStore {
  private readonly indexes = new Map<string, Promise<string[]>>();

  constructor(readonly root: string) {
    super(root);
  }

  private bucketPath(bucket: string): string {
    // Bucket names reach here from the request path; one that is not a plain S3 name never
    // becomes a path.
    if (!isValidBucketName(bucket)) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: bucket });
    return join(this.root, bucket);
  }

  getBucketPath(bucket: string): string {
    return this.bucketPath(bucket);
  }

  getResourcePath(bucket: string, key: string | undefined, resource: string): string {
    // No key: the bucket's own sub-resources (CORS, uploads), where s3rver kept them.
    if (key === undefined || key === '') return join(this.bucketPath(bucket), `${SUFFIX}${resource}`);
    const h = keyHash(key);
    return join(this.bucketPath(bucket), OBJECTS_DIR, h.slice(0, 2), `${h}${SUFFIX}${resource}`);
  }

  async getBucket(bucket: string): Promise<unknown> {
    return isValidBucketName(bucket) ? super.getBucket(bucket) : null;
  }

  async listBuckets(): Promise<unknown[]> {
    const names = (await readdir(this.root)).filter(isValidBucketName);
    return (await Promise.all(names.map((n) => super.getBucket(n)))).filter(Boolean);
  }

  /** Loads every bucket's index now, moving objects of the old layout into place before any request. */
  async open(): Promise<void> {
    const names = (await readdir(this.root).catch(() => [] as string[])).filter(isValidBucketName);
    await Promise.all(names.map((bucket) => this.index(bucket)));
  }

  /** The bucket's keys in S3 order (loaded, and migrated from the old layout, on first use). */
  private index(bucket: string): Promise<string[]> {
    let index = this.indexes.get(bucket);
    if (!index) {
      index = this.loadIndex(bucket);
      this.indexes.set(bucket, index);
      index.catch(() => this.indexes.delete(bucket));
    }
    return index;
  }

  private async loadIndex(bucket: string): Promise<string[]> {
    const bucketPath = this.bucketPath(bucket);
    await this.migrateOldLayout(bucketPath);
    const keys: string[] = [];
    const objectsPath = join(bucketPath, OBJECTS_DIR);
    for (const shard of await readdir(objectsPath).catch(() => [] as string[])) {
      for (const file of await readdir(join(objectsPath, shard)).catch(() => [] as string[])) {
        if (file.endsWith('.tmp')) {
          await rm(join(objectsPath, shard, file), { force: true }); // an upload cut short by a crash
          continue;
        }
        if (!file.endsWith(`${SUFFIX}key`)) continue;
        const base = join(objectsPath, shard, file.slice(0, -'key'.length));
        const present = await stat(`${base}object`).then(
          () => true,
          () => false,
        );
        if (present) keys.push(await readFile(join(objectsPath, shard, file), 'utf8'));
      }
    }
    return keys.sort(compareKeys);
  }

  /** Moves `<bucket>/<key>._S3rver_object` (+ .md5, metadata) into the hashed layout. */
  private async migrateOldLayout(bucketPath: string): Promise<void> {
    const found: string[] = [];
    const walk = async (dir: string, top: boolean): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!(top && entry.name === OBJECTS_DIR)) await walk(path, false);
        } else if (entry.isFile() && entry.name.endsWith(`${SUFFIX}object`) && !(top && entry.name === `${SUFFIX}object`)) {
          found.push(path);
        }
      }
    };
    await walk(bucketPath, true);
    for (const objectPath of found) {
      const key = relative(bucketPath, objectPath.slice(0, -`${SUFFIX}object`.length)).split(sep).join('/') + (objectPath.endsWith(`${sep}${SUFFIX}object`) ? '/' : '');
      const bucket = bucketPath.slice(this.root.length + 1);
      const base = objectPath.slice(0, -'object'.length);
      await mkdir(dirname(this.getResourcePath(bucket, key, 'object')), { recursive: true });
      await writeFile(this.getResourcePath(bucket, key, 'key'), key);
      for (const resource of ['object.md5', 'metadata.json', 'tagging.xml']) {
        await rename(`${base}${resource}`, this.getResourcePath(bucket, key, resource)).catch(() => undefined);
      }
      await rename(objectPath, this.getResourcePath(bucket, key, 'object'));
      // Remove the directories the old layout left empty.
      for (let dir = dirname(objectPath); dir.startsWith(bucketPath + sep); dir = dirname(dir)) {
        if (!(await rmdir(dir).then(() => true, () => false))) break;
      }
    }
  }

  private async indexAdd(bucket: string, key: string): Promise<void> {
    const keys = await this.index(bucket);
    const at = lowerBound(keys, key, true);
    if (keys[at] !== key) keys.splice(at, 0, key);
  }

  private async indexRemove(bucket: string, key: string): Promise<void> {
    const keys = await this.index(bucket);
    const at = lowerBound(keys, key, true);
    if (keys[at] === key) keys.splice(at, 1);
  }

  /**
   * One page of a listing, as S3 computes it: keys after `startAfter` under `prefix`, keys with
   * `delimiter` after the prefix rolled up into common prefixes, each counting once toward `maxKeys`.
   */
  async listPage(bucket: string, options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys: number }): Promise<ListPage> {
    const { prefix = '', delimiter = '', startAfter = '', maxKeys } = options;
    const keys = await this.index(bucket);
    const page: ListPage = { keys: [], commonPrefixes: [], isTruncated: false };
    const rollUp = (key: string): string | undefined => {
      if (!delimiter || !key.startsWith(prefix)) return undefined;
      const at = key.indexOf(delimiter, prefix.length);
      return at < 0 ? undefined : key.slice(0, at + delimiter.length);
    };
    let i = compareKeys(startAfter, prefix) >= 0 ? lowerBound(keys, startAfter, false) : lowerBound(keys, prefix, true);
    // Starting after a key inside a common prefix (or after the prefix itself): that prefix was
    // already returned, so skip the rest of it.
    let skip = startAfter ? rollUp(startAfter) : undefined;
    for (; i < keys.length; i++) {
      const key = keys[i];
      if (!key.startsWith(prefix)) {
        if (compareKeys(key, prefix) > 0) break;
        continue;
      }
      if (skip !== undefined && key.startsWith(skip)) continue;
      skip = undefined;
      if (page.keys.length + page.commonPrefixes.length >= maxKeys) {
        page.isTruncated = true;
        break;
      }
      const common = rollUp(key);
      if (common !== undefined) {
        page.commonPrefixes.push(common);
        page.last = common;
        skip = common;
      } else {
        page.keys.push(key);
        page.last = key;
      }
    }
    return page;
  }

  /** s3rver's own listing entry point (DELETE bucket checks emptiness with it). */
  async listObjects(bucket: string, options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number }) {
    const S3Object = require('s3rver/lib/models/object.js');
    const page = await this.listPage(bucket, { ...options, maxKeys: options.maxKeys ?? 1000 });
    const objects = [];
    for (const key of page.keys) {
      const metadata = await this.getMetadata(bucket, key).catch(() => undefined);
      if (metadata) objects.push(new S3Object(bucket, key, null, metadata));
    }
    return { objects, commonPrefixes: page.commonPrefixes, isTruncated: page.isTruncated };
  }

  async putObject(object: { bucket: string; key: string; content: Buffer | Readable; metadata: Record<string, string> }): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    // Written aside and renamed into place: a reader never sees half an object, and a failed
    // upload leaves the previous version whole.
    const tmp = `${objectPath}.${randomUUID()}.tmp`;
    try {
      const { size, md5: digest } = await writeCounting(Buffer.isBuffer(object.content) ? [object.content] : object.content, tmp);
      await writeFile(this.getResourcePath(object.bucket, object.key, 'key'), object.key);
      await this.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(tmp, objectPath);
      await this.indexAdd(object.bucket, object.key);
      return { size, md5: digest };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata: unknown): Promise<unknown> {
    const keyPath = this.getResourcePath(destBucket, destKey, 'key');
    await mkdir(dirname(keyPath), { recursive: true });
    await writeFile(keyPath, destKey);
    const result = await super.copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    await this.indexAdd(destBucket, destKey);
    return result;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.indexRemove(bucket, key);
    for (const resource of ['object', 'object.md5', 'metadata.json', 'tagging.xml', 'key']) {
      await unlink(this.getResourcePath(bucket, key, resource)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.indexes.delete(bucket);
    await super.deleteBucket(bucket);
  }

  reset(): void {
    this.indexes.clear();
    super.reset();
  }

  // Multipart uploads: the upload id and part number come from the query string and become path
  // segments, so only the shapes s3rver itself issues are let through.
  private checkUpload(uploadId: string, partNumber?: string | number): void {
    if (!/^[0-9a-f]{1,64}$/.test(String(uploadId))) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: String(uploadId) });
    if (partNumber !== undefined && !/^(?:[1-9]\d{0,3}|10000)$/.test(String(partNumber))) {
      throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber' });
    }
  }

  async initiateUpload(bucket: string, key: string, uploadId: string, metadata: unknown): Promise<void> {
    this.checkUpload(uploadId);
    return super.initiateUpload(bucket, key, uploadId, metadata);
  }

  async putPart(bucket: string, uploadId: string, partNumber: string | number, content: Readable): Promise<{ size: number; md5: string }> {
    this.checkUpload(uploadId, partNumber);
    const partPath = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await mkdir(dirname(partPath), { recursive: true });
    const written = await writeCounting(content, partPath);
    await writeFile(`${partPath}.md5`, written.md5);
    return written;
  }

  async putObjectMultipart(bucket: string, uploadId: string, parts: { number: number }[]): Promise<unknown> {
    this.checkUpload(uploadId);
    for (const part of parts) this.checkUpload(uploadId, part.number);
    return super.putObjectMultipart(bucket, uploadId, parts);
  }
}

/** Streams `source` into the file at `path`, counting its bytes and MD5 (S3's ETag) on the way. */
async function writeCounting(source: Readable | Buffer[], path: string): Promise<{ size: number; md5: string }> {
  const md5 = createHash('md5');
  let size = 0;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    }),
    createWriteStream(path),
  );
  return { size, md5: md5.digest('hex') };
}
