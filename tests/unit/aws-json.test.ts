/**
 * The hand-written SigV4 signer (functions/adapters/aws-json.ts, used for KMS until
 * @aws-sdk/client-kms is a dependency) must sign exactly as the SDK's own signer does.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { signV4 } from '../../functions/adapters/aws-json.js';

const bytes = (data: string | ArrayBuffer | ArrayBufferView): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** The SDK signer's hash constructor (HMAC when given a secret), over node:crypto. */
class Sha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

describe('signV4', () => {
  it.each([
    ['long-term keys', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
    ['a session token', { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'FwoGZXIvYXdzEXAMPLE//token=' }],
  ])('signs a KMS JSON request as @smithy/signature-v4 does, with %s', async (_label, credentials) => {
    const now = new Date('2026-11-22T06:05:07.123Z');
    const body = JSON.stringify({ KeyId: 'arn:aws:kms:cn-north-1:111122223333:key/abc', MacAlgorithm: 'HMAC_SHA_256', Message: 'aGVsbG8g5Lit5paH' });
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateMac' };
    const url = new URL('https://kms.cn-north-1.amazonaws.com.cn/');
    const ours = signV4({ method: 'POST', url, service: 'kms', region: 'cn-north-1', headers, body, credentials, now });

    const sdk = new SignatureV4({ service: 'kms', region: 'cn-north-1', credentials, sha256: Sha256, applyChecksum: false });
    const signed = await sdk.sign(
      { method: 'POST', protocol: 'https:', hostname: url.hostname, path: '/', query: {}, headers: { ...headers, host: url.host }, body },
      { signingDate: now },
    );
    expect(ours.authorization).toBe(signed.headers.authorization);
    expect(ours['x-amz-date']).toBe(signed.headers['x-amz-date']);
  });
});
