/**
 * The Step Functions JSON API (awsJson1_0) over node:http, so `@aws-sdk/client-sfn` and
 * `aws stepfunctions --endpoint-url` talk to the local engine unchanged. Requests are
 * `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`; signatures are not checked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../http-listen.js';
import type { LocalStepFunctions } from './engine.js';
import { SfnError } from './errors.js';

/** The operations served; each maps to the engine method of the same name in lowerCamelCase. */
const OPERATIONS = [
  'CreateStateMachine',
  'UpdateStateMachine',
  'DescribeStateMachine',
  'DescribeStateMachineForExecution',
  'ListStateMachines',
  'StartExecution',
  'DescribeExecution',
  'ListExecutions',
  'GetExecutionHistory',
  'StopExecution',
  'SendTaskSuccess',
  'SendTaskFailure',
  'SendTaskHeartbeat',
] as const;
type Operation = (typeof OPERATIONS)[number];
type Handler = (engine: LocalStepFunctions, body: Record<string, unknown>) => Promise<unknown>;

// Each operation passes the request object through: the engine takes the API's own shapes.
const operations = Object.fromEntries(
  OPERATIONS.map((op: Operation) => {
    const method = (op[0].toLowerCase() + op.slice(1)) as Uncapitalize<Operation>;
    const handler: Handler = (engine, body) => (engine[method] as (input: unknown) => Promise<unknown>).call(engine, body);
    return [op, handler];
  }),
) as Record<string, Handler>;

/** AWS JSON protocols send timestamps as epoch seconds (with fractions). */
function serialize(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = serialize(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

const sendError = (res: ServerResponse, status: number, type: string, message: string) => send(res, status, { __type: type, message }, type);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startStepFunctionsServer(
  engine: LocalStepFunctions,
  options: { host?: string; port: number },
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        if (req.method !== 'POST') return sendError(res, 400, 'UnknownOperationException', 'Only POST is supported');
        const target = String(req.headers['x-amz-target'] ?? '');
        const [prefix, operation] = target.split('.');
        const handler = prefix === 'AWSStepFunctions' && operation ? operations[operation] : undefined;
        if (!handler) return sendError(res, 400, 'UnknownOperationException', `Unknown operation '${target}'`);
        let request: unknown;
        try {
          request = body.length === 0 ? {} : JSON.parse(body);
        } catch {
          return sendError(res, 400, 'SerializationException', 'The request body is not valid JSON');
        }
        if (request === null || typeof request !== 'object' || Array.isArray(request)) {
          return sendError(res, 400, 'SerializationException', 'The request body must be a JSON object');
        }
        const result = await handler(engine, request as Record<string, unknown>);
        send(res, 200, result ?? {});
      } catch (e) {
        if (e instanceof SfnError) return sendError(res, e.statusCode, e.name, e.message);
        sendError(res, 500, 'InternalFailure', e instanceof Error ? e.message : String(e));
      }
    })();
  });
  return listen(server, options.host ?? '127.0.0.1', options.port);
}
