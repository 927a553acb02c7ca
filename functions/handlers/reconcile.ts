/**
 * 补偿 reconciler, on the schedule and at local start-up: finishes whatever a lost event, a failed
 * invocation or a crash left half done, so nothing waits forever.
 *   - every object still under scans/ (the inbox queue) is taken in, oldest first, so serial
 *     numbers keep arrival order;
 *   - every registered document whose route start is still marked gets its route started;
 *   - every committed decision still marked "to send" is delivered to its route;
 *   - the branch's first admin (config `firstAdmin`) is in the people directory: on a first deploy
 *     the first round puts them there, and it never changes a record that exists.
 * Each piece is idempotent, so overlapping runs and the live paths racing it change nothing.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SCAN_PREFIX } from '../../infra/manifest.js';
import { now as clock } from '../adapters/clock.js';
import { env } from '../adapters/env.js';
import { logger } from '../adapters/logger.js';
import { getIntakes, pendingRouteStarts } from '../adapters/registers.js';
import { deliverDecision } from '../adapters/route-answers.js';
import { listAllObjects } from '../adapters/storage.js';
import { getTask, pendingAnswers } from '../adapters/tasks.js';
import { intakeKeyOf, intakeObject } from './intake.js';
import { ensureRouteStarted } from '../adapters/route-starts.js';
import { finishCirculations } from '../adapters/task-operations.js';
import { ensureFirstAdmin } from '../adapters/people.js';

export interface ReconcileResult {
  scansSeen: number;
  scansTakenIn: number;
  routesStarted: number;
  decisionsDelivered: number;
  decisionsExpired: number;
  decisionsPending: number;
  errors: number;
  circulationsFinished?: number;
  /** Set when this round put the branch's first admin into the people directory. */
  firstAdminAdded?: string;
}

/** A decision younger than this is still being delivered by the request that made it. */
const ANSWER_GRACE_MS = 60_000;

export async function reconcile(options: { answerGraceMs?: number } = {}): Promise<ReconcileResult> {
  const result: ReconcileResult = { scansSeen: 0, scansTakenIn: 0, routesStarted: 0, decisionsDelivered: 0, decisionsExpired: 0, decisionsPending: 0, errors: 0 };
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      // One bad item never stops the round; it stays for the next one.
      result.errors++;
      logger.error(`reconcile: ${what} failed`, { error: err as Error });
    }
  };

  // First, so a new branch's admin can sign in minutes after the deploy, whatever else waits.
  await attempt('the first admin', async () => {
    const added = await ensureFirstAdmin(env.branchConfig, clock().toISOString());
    if (added) result.firstAdminAdded = added;
  });

  // Scans nobody took in: the listing is the truth.
  const bucket = env.inboxBucket;
  await attempt('listing the inbox', async () => {
    const objects = (await listAllObjects(bucket, SCAN_PREFIX)).sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.key.localeCompare(b.key));
    result.scansSeen = objects.length;
    const known = await getIntakes(objects.map((o) => intakeKeyOf(bucket, o.key, o.etag)));
    for (const o of objects) {
      await attempt(`intake of ${o.key}`, async () => {
        const seen = known.get(intakeKeyOf(bucket, o.key, o.etag));
        const outcome = await intakeObject({ bucket, key: o.key, etag: o.etag, arrivedAt: o.lastModified.toISOString() });
        if (!seen && (outcome.outcome === 'registered' || outcome.outcome === 'rejected')) result.scansTakenIn++;
      });
    }
  });

  for (const { docId } of await pendingRouteStarts()) {
    await attempt(`route start of ${docId}`, async () => {
      await ensureRouteStarted(docId);
      result.routesStarted++;
    });
  }

  const graceMs = options.answerGraceMs ?? ANSWER_GRACE_MS;
  const cutoff = clock().getTime() - graceMs;
  for (const mark of await pendingAnswers()) {
    if (Date.parse(mark.at) > cutoff) continue;
    await attempt(`delivery of the decision on ${mark.taskId}`, async () => {
      const task = await getTask(mark.taskId);
      if (!task) return;
      const delivery = await deliverDecision(task);
      if (delivery === 'delivered') result.decisionsDelivered++;
      else if (delivery === 'expired') result.decisionsExpired++;
      else result.decisionsPending++;
    });
  }
  // Circulations (传阅) whose read items a crash left unwritten.
  await attempt('circulations', async () => {
    result.circulationsFinished = await finishCirculations(new Date(cutoff).toISOString());
  });
  if (result.firstAdminAdded || result.scansTakenIn || result.routesStarted || result.decisionsDelivered || result.decisionsExpired || result.errors) logger.info('reconciled', { ...result });
  return result;
}

export const handler = middy(async (event: { answerGraceMs?: number } | undefined) => reconcile({ answerGraceMs: typeof event?.answerGraceMs === 'number' ? event.answerGraceMs : undefined })).use(
  injectLambdaContext(logger),
);
