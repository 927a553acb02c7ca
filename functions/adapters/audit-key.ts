/**
 * The branch's audit key: a KMS HMAC key (HMAC_SHA_256) that seals each audit chain's head. The
 * functions never see the key; they ask KMS for a MAC (GenerateMac) or to check one (VerifyMac).
 * Local mode answers the same API from a key file kept outside the tables (infra/local/kms-api.ts).
 */
import type { Mac, MacCheck } from '../domain/audit-chain.js';
import { awsJsonCall, AwsJsonError } from './aws-json.js';
import { env } from './env.js';

const ALGORITHM = 'HMAC_SHA_256';
const kms = <T>(operation: string, input: unknown) => awsJsonCall<T>('kms', 'KMS', 'TrentService', operation, input);
const blob = (message: string) => Buffer.from(message, 'utf8').toString('base64');

export const auditMac: Mac = async (message) => {
  const res = await kms<{ Mac: string }>('GenerateMac', { KeyId: env.auditMacKeyId, MacAlgorithm: ALGORITHM, Message: blob(message) });
  return res.Mac;
};

export const checkAuditMac: MacCheck = async (message, mac) => {
  try {
    const res = await kms<{ MacValid?: boolean }>('VerifyMac', { KeyId: env.auditMacKeyId, MacAlgorithm: ALGORITHM, Message: blob(message), Mac: mac });
    return res.MacValid === true;
  } catch (err) {
    // KMS answers a wrong MAC with an error, not with MacValid: false.
    if (err instanceof AwsJsonError && (err.type === 'KMSInvalidMacException' || err.type === 'ValidationException')) return false;
    throw err;
  }
};
