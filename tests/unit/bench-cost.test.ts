/**
 * The bench's all-in price (tests/bench/cost.ts) and the init bench's reading of the stack's
 * bundling settings (tests/bench/init.ts): logs and X-Ray priced from what was counted, X-Ray only
 * when the branch traces, and esbuild run with exactly what NodejsFunction passes.
 */
import { describe, expect, it } from 'vitest';
import { FUNCTION_BUNDLING } from '../../infra/stacks/branch-stack.js';
import { accessLogLine, bill, emptyTally, platformLogBytes, type Tally } from '../bench/cost.js';
import { esbuildOptionsOf } from '../bench/init.js';
import { GOAL_PER_1000_DOCUMENTS, PRICES } from '../bench/prices.js';

const GIB = 1024 ** 3;

function tally(): Tally {
  const t = emptyTally();
  t.lambda = { 'api-tasks': { invocations: 3, ms: 300, memoryMb: 512, gbSeconds: 0.15 } };
  t.api = { requests: 3, byRoute: { 'GET /tasks': 2, 'POST /tasks/{id}/decision': 1 } };
  t.kms = 2;
  t.invokedBy = { entry: 3, stateMachine: 2 };
  const line = `${JSON.stringify({ level: 'INFO', message: 'task created', service: 'chancery', taskId: 'x'.repeat(24) })}\n`;
  t.logs = { byFunction: { 'api-tasks': { lines: 1, bytes: Buffer.byteLength(line), emfLines: 1, emfBytes: 200 } }, text: [line] };
  return t;
}

describe('bench cost: logs and X-Ray', () => {
  it('prices every log byte counted (handlers, EMF, Lambda lines, API access lines) and leaves X-Ray out when the branch does not trace', () => {
    const t = tally();
    const money = bill(t, 5, { tracing: false, executions: 1 });
    const handler = t.logs.byFunction['api-tasks'].bytes;
    const platform = 3 * platformLogBytes(512, 100, false);
    const access = 2 * Buffer.byteLength(accessLogLine('GET /tasks')) + Buffer.byteLength(accessLogLine('POST /tasks/{id}/decision'));
    expect(money.logs.bytesPerDocument).toEqual({ handlers: handler, emfMetrics: 200, lambdaPlatform: platform, apiAccess: access, total: handler + 200 + platform + access });
    expect(money.logs.per1000Documents.ingestion).toBeCloseTo(((handler + 200 + platform + access) / GIB) * PRICES.logsIngestedPerGb * 1000, 4);
    expect(money.per1000Documents.xRay).toBe(0);
    // Four traces: three requests from outside and the execution.
    expect(money.xRay.tracesPerDocument).toBe(4);
    expect(money.xRay.per1000DocumentsIfTracing).toBeCloseTo(4 * PRICES.xRayPerTraceRecorded * 1000, 6);
    const p = money.per1000Documents;
    expect(p.allIn).toBeCloseTo(p.total + p.kmsAuditMacs + p.logs, 3);
    expect(p.goal).toBe(GOAL_PER_1000_DOCUMENTS);
    expect(p.withinGoal).toBe(p.allIn <= GOAL_PER_1000_DOCUMENTS);
  });

  it('adds X-Ray, and the trace line Lambda writes into each REPORT, when the branch traces', () => {
    const off = bill(tally(), 5, { tracing: false, executions: 1 });
    const on = bill(tally(), 5, { tracing: true, executions: 1 });
    expect(on.per1000Documents.xRay).toBeCloseTo(4 * PRICES.xRayPerTraceRecorded * 1000, 6);
    expect(on.logs.bytesPerDocument.lambdaPlatform).toBeGreaterThan(off.logs.bytesPerDocument.lambdaPlatform);
    expect(on.per1000Documents.allIn).toBeGreaterThan(off.per1000Documents.allIn + on.per1000Documents.xRay - 0.0001);
  });
});

describe('init bench: the stack\'s bundling as esbuild options', () => {
  it('passes what NodejsFunction passes, esbuildArgs included', () => {
    const o = esbuildOptionsOf(FUNCTION_BUNDLING);
    expect(o).toMatchObject({ bundle: true, format: 'esm', platform: 'node', target: 'node24', minify: false, minifyWhitespace: true, minifySyntax: true, external: [] });
    expect(o.minifyIdentifiers).toBeUndefined();
    expect(o.banner?.js).toContain('createRequire');
  });

  it('refuses an esbuild argument it cannot reproduce, rather than measure a different bundle', () => {
    expect(() => esbuildOptionsOf({ ...FUNCTION_BUNDLING, esbuildArgs: { '--drop': 'console' } } as never)).toThrow(/--drop/);
  });
});
