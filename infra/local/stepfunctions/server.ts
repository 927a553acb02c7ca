/**
 * The Step Functions JSON API (awsJson1_0) over node:http, so `@aws-sdk/client-sfn` and
 * `aws stepfunctions --endpoint-url` talk to the local engine unchanged. Requests are
 * `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`; signatures are not checked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../http-listen.js';
import type { LocalStepFunctions } from './engine.js';
import { SfnError } from './errors.js';

type Handler = (engine: LocalStepFunctions, body: Record<string, unknown>) => Promise<unknown>;

// Each operation passes the request object through: the engine takes the API's own shapes.
const operations: Record<string, Handler> = {
  CreateStateMachine: (e, b) => e.createStateMachine(b as Parameters<LocalStepFunctions['createStateMachine']>[0]),
  UpdateStateMachine: (e, b) => e.updateStateMachine(b as Parameters<LocalStepFunctions['updateStateMachine']>[0]),
  DescribeStateMachine: (e, b) => e.describeStateMachine(b as Parameters<LocalStepFunctions['describeStateMachine']>[0]),
  ListStateMachines: (e, b) => e.listStateMachines(b as Parameters<LocalStepFunctions['listStateMachines']>[0]),
  StartExecution: (e, b) => e.startExecution(b as Parameters<LocalStepFunctions['startExecution']>[0]),
  DescribeExecution: (e, b) => e.describeExecution(b as Parameters<LocalStepFunctions['describeExecution']>[0]),
  ListExecutions: (e, b) => e.listExecutions(b as Parameters<LocalStepFunctions['listExecutions']>[0]),
  GetExecutionHistory: (e, b) => e.getExecutionHistory(b as Parameters<LocalStepFunctions['getExecutionHistory']>[0]),
  StopExecution: (e, b) => e.stopExecution(b as Parameters<LocalStepFunctions['stopExecution']>[0]),
  SendTaskSuccess: (e, b) => e.sendTaskSuccess(b as Parameters<LocalStepFunctions['sendTaskSuccess']>[0]),
  SendTaskFailure: (e, b) => e.sendTaskFailure(b as Parameters<LocalStepFunctions['sendTaskFailure']>[0]),
  SendTaskHeartbeat: (e, b) => e.sendTaskHeartbeat(b as Parameters<LocalStepFunctions['sendTaskHeartbeat']>[0]),
};

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
