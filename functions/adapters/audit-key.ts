/**
 * The branch's audit key: a KMS HMAC key (HMAC_SHA_256) that seals each audit chain's head. The
 * functions never see the key; they ask KMS for a MAC (GenerateMac) or to check one (VerifyMac).
 * Local mode answers the same API from a key file kept outside the tables (infra/local/kms-api.ts);
 * the endpoint comes from AWS_ENDPOINT_URL_KMS like every other client's.
 */
import { GenerateMacCommand, KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';
import type { Mac, MacCheck } from '../domain/audit-chain.js';
import { env } from './env.js';

const ALGORITHM = 'HMAC_SHA_256';
let client: KMSClient | undefined;
const kms = () => (client ??= new KMSClient({}));
const bytes = (message: string) => Buffer.from(message, 'utf8');

export const auditMac: Mac = async (message) => {
  const res = await kms().send(new GenerateMacCommand({ KeyId: env.auditMacKeyId, MacAlgorithm: ALGORITHM, Message: bytes(message) }));
  return Buffer.from(res.Mac ?? new Uint8Array()).toString('base64');
};

export const checkAuditMac: MacCheck = async (message, mac) => {
  try {
    const res = await kms().send(new VerifyMacCommand({ KeyId: env.auditMacKeyId, MacAlgorithm: ALGORITHM, Message: bytes(message), Mac: Buffer.from(mac, 'base64') }));
    return res.MacValid === true;
  } catch (err) {
    // KMS answers a wrong MAC with an error, not with MacValid: false.
    const name = (err as Error).name;
    if (name === 'KMSInvalidMacException' || name === 'ValidationException') return false;
    throw err;
  }
};
