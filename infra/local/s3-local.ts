/**
 * The local S3 (s3rver) with the manifest's buckets, and the manifest's bucket notifications:
 * s3rver reports object events in-process; each is completed to the record AWS would send
 * (URL-encoded key, eTag) and handed to the target function when it matches the filter.
 */
import { mkdirSync } from 'node:fs';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { S3Event, S3EventRecord } from 'aws-lambda';
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

export async function startLocalS3(options: {
  dataDir: string;
  host: string;
  port: number;
  wiring: LocalWiring;
  deliver: (functionId: string, event: S3Event) => Promise<unknown>;
  onDeliveryError: (err: unknown, record: S3EventRecord) => void;
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
    configureBuckets: options.wiring.buckets.map((b) => ({ name: b.bucketName, configs: [] })),
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
