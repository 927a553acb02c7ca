/**
 * A minimal AWS JSON 1.1 client (SigV4-signed POST), for services whose SDK v3 client the project
 * does not ship yet (KMS: @aws-sdk/client-kms is not installed). The endpoint follows the SDK's
 * rule (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional endpoint), and the
 * credentials come from the SDK's default chain, borrowed from the DynamoDB client, so local mode
 * and Lambda need nothing special. Replace with the SDK client once it is a dependency.
 */
import { createHash, createHmac } from 'node:crypto';
import { documentClient } from './clients.js';
import { backoff } from './dynamo.js';

export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = type;
  }
}

export interface SigningInput {
  method: 'POST';
  url: URL;
  service: string;
  region: string;
  headers: Record<string, string>;
  body: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  now: Date;
}

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** Signature Version 4 headers for a request with no query string (all this client sends). */
export function signV4(input: SigningInput): Record<string, string> {
  const amzDate = input.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v.trim()])),
    host: input.url.host,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method,
    input.url.pathname || '/',
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    signedHeaders,
    sha256Hex(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), input.region), input.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

function endpointFor(service: string, envSuffix: string, region: string): URL {
  const configured = process.env[`AWS_ENDPOINT_URL_${envSuffix}`] ?? process.env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  return new URL(`https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`);
}

/** Calls one operation, e.g. awsJsonCall('kms', 'KMS', 'TrentService', 'GenerateMac', {...}). */
export async function awsJsonCall<T>(service: string, envSuffix: string, targetPrefix: string, operation: string, input: unknown): Promise<T> {
  const config = documentClient().config;
  const region = await config.region();
  const credentials = await config.credentials();
  const url = endpointFor(service, envSuffix, region);
  const body = JSON.stringify(input);
  const headers = signV4({
    method: 'POST',
    url,
    service,
    region,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${targetPrefix}.${operation}` },
    body,
    credentials,
    now: new Date(),
  });
  delete headers.host; // fetch sets it from the URL
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await backoff(attempt, 50);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body });
    } catch (err) {
      lastError = err; // connection reset: retry, as the SDK would
      continue;
    }
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (res.ok) return parsed as T;
    const type = String(res.headers.get('x-amzn-errortype') ?? parsed.__type ?? 'UnknownError').split(':')[0].split('#').pop()!;
    const error = new AwsJsonError(type, String(parsed.message ?? parsed.Message ?? text), res.status);
    if (res.status < 500 && type !== 'ThrottlingException') throw error;
    lastError = error;
  }
  throw lastError;
}
