/**
 * The local S3 (s3rver) with the manifest's buckets, and the manifest's bucket notifications:
 * s3rver reports object events in-process; each is completed to the record AWS would send
 * (URL-encoded key, eTag) and handed to the target function when it matches the filter.
 *
 * s3rver's gaps are closed here at the root: objects are stored under hashed paths (s3-store.ts),
 * keys are taken from the raw request path exactly as S3 reads them, listings are answered from
 * a key index in S3's order with working continuation tokens and markers, and every response
 * carries `X-Content-Type-Options: nosniff` so a browser never renders a stored object as a page.
 */
import { mkdirSync } from 'node:fs';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Server } from 'node:http';
import S3rver from 's3rver';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { HashedFilesystemStore, isValidBucketName, MAX_KEY_BYTES, S3Error, type ListPage } from './s3-store.js';
import type { LocalWiring } from './wiring.js';
import { LOCAL_REGION, LOCAL_ACCESS_KEY } from './wiring.js';

export interface LocalS3 {
  endpoint: string;
  /** Resolves when every notification fired so far has been handled. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Object keys in S3 event records are URL-encoded, spaces as '+'. */
export const encodeEventKey = (key: string) => key.split('/').map((part) => encodeURIComponent(part).replace(/%20/g, '+')).join('/');

/** A bucket CORS rule: the console reads scans (pdf.js fetches them) and PUTs uploads. */
function corsConfiguration(origins: string[]): string {
  const escape = (text: string) => text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  return `<CORSConfiguration><CORSRule>${origins.map((o) => `<AllowedOrigin>${escape(o)}</AllowedOrigin>`).join('')}<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}

export async function startLocalS3(options: {
  dataDir: string;
  host: string;
  port: number;
  wiring: LocalWiring;
  deliver: (functionId: string, event: S3Event) => Promise<unknown>;
  onDeliveryError: (err: unknown, record: S3EventRecord) => void;
  /** Web origins (the console's) allowed to fetch presigned links and PUT uploads across ports. */
  corsOrigins?: string[];
}): Promise<LocalS3> {
  const directory = `${options.dataDir}/s3`;
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: options.host,
    port: options.port,
    directory,
    silent: true,
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: options.wiring.buckets.map((b) => ({ name: b.bucketName, configs: options.corsOrigins?.length ? [corsConfiguration(options.corsOrigins)] : [] })),
  });
  const store = new HashedFilesystemStore(directory);
  await store.open();
  const internals = server as unknown as { store: unknown; context: { store: unknown }; middleware: KoaMiddleware[] };
  internals.store = internals.context.store = store;
  // First in the chain: sees every request before s3rver's routing does.
  internals.middleware.unshift(guard(store));
  // s3rver's own listen() waits for a callback error that Node never passes: a port taken
  // meanwhile (EADDRINUSE) became an uncaught exception and a start that never returned.
  const listenWithCallback = (server as unknown as { listen: (...args: unknown[]) => Server }).listen.bind(server);
  (server as unknown as { listen: (...args: unknown[]) => Promise<Server> }).listen = (...args: unknown[]) =>
    new Promise<Server>((resolveListen, rejectListen) => {
      const http = listenWithCallback(...args, () => {
        http.off('error', rejectListen);
        resolveListen(http);
      });
      http.once('error', rejectListen);
    });
  const address = (await server.run()) as { port: number };
  const endpoint = `http://${options.host}:${address.port}`;
  const client = new S3Client({ endpoint, region: LOCAL_REGION, forcePathStyle: true, credentials: { accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_ACCESS_KEY } });

  const inFlight = new Set<Promise<unknown>>();
  server.on('event', (event: S3Event) => {
    for (const raw of event.Records) {
      if (!raw.eventName.startsWith('ObjectCreated:')) continue;
      const bucket = raw.s3.bucket.name;
      const key = raw.s3.object.key;
      for (const n of options.wiring.bucketNotifications) {
        if (n.bucketName !== bucket || !key.startsWith(n.prefix)) continue;
        const delivery = (async () => {
          const eTag = raw.s3.object.eTag ?? (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag?.replaceAll('"', '');
          const record = {
            ...raw,
            awsRegion: LOCAL_REGION,
            eventName: raw.eventName,
            s3: { ...raw.s3, bucket: { ...raw.s3.bucket, arn: `arn:aws:s3:::${bucket}` }, object: { ...raw.s3.object, key: encodeEventKey(key), eTag } },
          } as S3EventRecord;
          try {
            await options.deliver(n.function, { Records: [record] });
          } catch (err) {
            options.onDeliveryError(err, record);
          }
        })();
        inFlight.add(delivery);
        void delivery.finally(() => inFlight.delete(delivery));
      }
    }
  });

  return {
    endpoint,
    settled: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    close: async () => {
      await Promise.allSettled([...inFlight]);
      client.destroy();
      await server.close();
    },
  };
}

interface KoaContext {
  req: { url?: string };
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  set(name: string, value: string): void;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** Bucket sub-resources s3rver answers itself (GET /bucket?acl …); anything else on a bucket GET is a listing. */
const BUCKET_SUBRESOURCES = new Set(['acl', 'analytics', 'cors', 'encryption', 'inventory', 'lifecycle', 'location', 'logging', 'metrics', 'notification', 'object-lock', 'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment', 'tagging', 'uploads', 'versioning', 'versions', 'website', 'accelerate', 'ownershipControls', 'intelligent-tiering']);

function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", { URI: raw.slice(0, 200) });
  }
}

function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error('KeyTooLongError', 'Your key is too long', { Size: Buffer.byteLength(key, 'utf8'), MaxSizeAllowed: MAX_KEY_BYTES });
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function guard(store: HashedFilesystemStore): KoaMiddleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    const rawPath = (ctx.req.url ?? '/').split('?')[0];
    const match = /^\/([^/]+)(?:\/(.*))?$/s.exec(rawPath);
    if (!match) return next(); // GET / (list buckets)
    const bucket = decodePathPart(match[1]);
    if (!isValidBucketName(bucket)) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: bucket.slice(0, 100) });
    const rawKey = match[2] ?? '';
    if (rawKey === '') {
      if (ctx.method === 'GET' && !Object.keys(ctx.query).some((q) => BUCKET_SUBRESOURCES.has(q))) return listObjects(ctx, store, bucket);
      ctx.path = `/${bucket}`;
      return next();
    }
    // The key is everything after "/bucket/", percent-decoded once, exactly as S3 reads it —
    // "//", "../" and a trailing "/" included. Handed to s3rver's router as one encoded path
    // segment, which it decodes back to the same string, so its routes see the exact key.
    const key = decodePathPart(rawKey);
    checkKey(key);
    ctx.path = `/${bucket}/${encodeURIComponent(key)}`;
    const copySource = one(ctx.headers['x-amz-copy-source']);
    if (copySource !== undefined) {
      // The copy source is URL-encoded (optionally with ?versionId); s3rver decodes it with
      // decodeURI, which leaves %2B, %23, %3F … encoded. Re-encode the exact source for it.
      const source = decodePathPart(copySource.split('?')[0]).replace(/^\//, '');
      const slash = source.indexOf('/');
      if (slash <= 0 || slash === source.length - 1) throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
      checkKey(source.slice(slash + 1));
      ctx.headers['x-amz-copy-source'] = encodeURI(source);
    }
    if (ctx.method === 'PUT' && one(ctx.headers['if-none-match']) !== undefined && ctx.query.partNumber === undefined) {
      // S3's conditional write (If-None-Match: *), which s3rver ignores: a document's pinned copy
      // must not be replaced by a second writer. One write per key at a time, so two racing
      // writers cannot both find the key free.
      if (one(ctx.headers['if-none-match']) !== '*') throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' });
      return exclusive(`${bucket}\n${key}`, async () => {
        if (await store.existsObject(bucket, key)) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
        await next();
        ctx.set('X-Content-Type-Options', 'nosniff');
      });
    }
    await next();
    ctx.set('X-Content-Type-Options', 'nosniff');
  };
}

const writing = new Map<string, Promise<unknown>>();
/** Runs `work` after every earlier conditional write of the same key has finished. */
async function exclusive<T>(slot: string, work: () => Promise<T>): Promise<T> {
  const before = writing.get(slot) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(work);
  writing.set(slot, run);
  try {
    return await run;
  } finally {
    if (writing.get(slot) === run) writing.delete(slot);
  }
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** XML text; characters XML 1.0 cannot carry become character references, as S3 writes them. */
function xmlText(s: string): string {
  return s.replace(/[&<>"']|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) => XML_ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16)};`);
}

const TOKEN_TAG = 'chancery-local-v1:';
const encodeToken = (bucket: string, last: string) => Buffer.from(`${TOKEN_TAG}${bucket}\n${last}`, 'utf8').toString('base64');
function decodeToken(bucket: string, token: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const expected = `${TOKEN_TAG}${bucket}\n`;
  if (!text.startsWith(expected)) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  return text.slice(expected.length);
}

/** GET Bucket (ListObjects v1 and ListObjectsV2), paged in S3's key order. */
async function listObjects(ctx: KoaContext, store: HashedFilesystemStore, bucket: string): Promise<void> {
  if (!(await store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
  const q = (name: string) => one(ctx.query[name]);
  const v2 = q('list-type') === '2';
  const urlEncoded = q('encoding-type') === 'url';
  if (q('encoding-type') !== undefined && !urlEncoded) throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type' });
  const rawMax = q('max-keys');
  if (rawMax !== undefined && !/^\d+$/.test(rawMax)) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys' });
  const maxKeys = Math.min(1000, rawMax === undefined ? 1000 : Number(rawMax));
  const prefix = q('prefix') ?? '';
  const delimiter = q('delimiter') ?? '';
  let startAfter: string;
  if (v2) {
    if (q('marker') !== undefined) throw new S3Error('InvalidArgument', 'Marker unsupported with REST.GET.BUCKET in list-type=2', { ArgumentName: 'marker' });
    const token = q('continuation-token');
    startAfter = token ? decodeToken(bucket, token) : (q('start-after') ?? '');
  } else {
    startAfter = q('marker') ?? '';
  }
  const page: ListPage = maxKeys === 0 ? { keys: [], commonPrefixes: [], isTruncated: false } : await store.listPage(bucket, { prefix, delimiter, startAfter, maxKeys });

  const text = (s: string) => xmlText(urlEncoded ? encodeURIComponent(s) : s);
  const element = (name: string, value: string | number | undefined) => (value === undefined ? '' : `<${name}>${typeof value === 'string' ? text(value) : value}</${name}>`);
  const owner = !v2 || q('fetch-owner') === 'true' ? '<Owner><ID>123456789000</ID><DisplayName>S3rver</DisplayName></Owner>' : '';
  const contents: string[] = [];
  const metadatas = await Promise.all(page.keys.map((key) => store.getMetadata(bucket, key).catch(() => undefined)));
  for (const [i, key] of page.keys.entries()) {
    const metadata = metadatas[i];
    if (!metadata) continue; // deleted while listing
    contents.push(
      `<Contents>${element('Key', key)}<LastModified>${new Date(metadata['last-modified']).toISOString()}</LastModified><ETag>${xmlText(metadata.etag)}</ETag><Size>${metadata['content-length']}</Size>${owner}<StorageClass>STANDARD</StorageClass></Contents>`,
    );
  }
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    element('Name', bucket),
    `<Prefix>${text(prefix)}</Prefix>`,
    v2
      ? [
          element('StartAfter', q('start-after') || undefined),
          element('ContinuationToken', q('continuation-token') || undefined),
          page.isTruncated && page.last !== undefined ? `<NextContinuationToken>${encodeToken(bucket, page.last)}</NextContinuationToken>` : '',
          `<KeyCount>${contents.length + page.commonPrefixes.length}</KeyCount>`,
        ].join('')
      : // S3 returns NextMarker only with a delimiter; without one, clients continue after the last key.
        `<Marker>${text(startAfter)}</Marker>${delimiter && page.isTruncated && page.last !== undefined ? element('NextMarker', page.last) : ''}`,
    `<MaxKeys>${rawMax ?? 1000}</MaxKeys>`,
    delimiter ? element('Delimiter', delimiter) : '',
    urlEncoded ? '<EncodingType>url</EncodingType>' : '',
    `<IsTruncated>${page.isTruncated}</IsTruncated>`,
    ...contents,
    ...page.commonPrefixes.map((p) => `<CommonPrefixes>${element('Prefix', p)}</CommonPrefixes>`),
    '</ListBucketResult>',
  ].join('');
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = xml;
}
