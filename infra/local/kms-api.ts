/**
 * The audit key in local mode, behind the AWS KMS API (awsJson1_1: TrentService.GenerateMac and
 * TrentService.VerifyMac, HMAC_SHA_256), so the handlers' KMS calls work unchanged. The key is 32
 * random bytes in a file of its own (mode 0600), outside the tables: someone who can edit the
 * DynamoDB Local data but not read this file cannot seal a rewritten audit chain.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { listen, type ListeningServer } from './http-listen.js';

const KEY_BYTES = 32;

/** Reads the key file, creating it (owner-only) on first start. */
export function loadOrCreateKey(file: string): Buffer {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(KEY_BYTES).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another start made it first
    }
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`audit key file ${file} does not hold a ${KEY_BYTES}-byte key`);
  return key;
}

class KmsError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export async function startLocalKms(options: { keyFile: string; keyArn: string; host: string; port: number }): Promise<ListeningServer> {
  const key = loadOrCreateKey(options.keyFile);
  const keyId = options.keyArn.split('/').pop()!;
  const message = (body: Record<string, unknown>) => {
    if (body.KeyId !== options.keyArn && body.KeyId !== keyId) throw new KmsError('NotFoundException', `Key '${String(body.KeyId)}' does not exist`);
    if (body.MacAlgorithm !== 'HMAC_SHA_256') throw new KmsError('InvalidKeyUsageException', `MacAlgorithm ${String(body.MacAlgorithm)} is not supported by this key (HMAC_SHA_256 only)`);
    if (typeof body.Message !== 'string' || body.Message === '') throw new KmsError('ValidationException', 'Message is required');
    const bytes = Buffer.from(body.Message, 'base64');
    if (bytes.length > 4096) throw new KmsError('ValidationException', 'Message must be at most 4096 bytes');
    return createHmac('sha256', key).update(bytes).digest();
  };
  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    GenerateMac: (body) => ({ KeyId: options.keyArn, MacAlgorithm: 'HMAC_SHA_256', Mac: message(body).toString('base64') }),
    VerifyMac: (body) => {
      const expected = message(body);
      const given = Buffer.from(typeof body.Mac === 'string' ? body.Mac : '', 'base64');
      // As KMS does: a wrong MAC is an error, not MacValid: false.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new KmsError('KMSInvalidMacException', 'The MAC is not valid for the message and key');
      return { KeyId: options.keyArn, MacAlgorithm: 'HMAC_SHA_256', MacValid: true };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = operations[target.replace(/^TrentService\./, '')];
    const reply = (status: number, body: unknown, type?: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) });
      res.end(JSON.stringify(body));
    };
    if (!operation) return reply(400, { __type: 'UnsupportedOperationException', message: `${target} is not supported by local mode` }, 'UnsupportedOperationException');
    try {
      reply(200, operation(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>));
    } catch (err) {
      if (err instanceof KmsError) reply(400, { __type: err.type, message: err.message }, err.type);
      else reply(400, { __type: 'ValidationException', message: String(err) }, 'ValidationException');
    }
  };
  return listen(createServer((req, res) => void handle(req, res)), options.host, options.port);
}
