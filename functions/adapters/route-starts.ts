/**
 * Starting a registered document's route: the second half of the route-start outbox. The mark is
 * written with the registration (intake, or an internal document's submission); this starts the
 * execution under a name derived from the document and records the start, its audit event and the
 * mark's removal in one transaction. Safe to repeat at any point (the reconciler does).
 */
import { documentChain, transactWithAudit } from './audit.js';
import { now as clock } from './clock.js';
import { getDocument, routeStartedItem } from './documents.js';
import { TransactionConflict } from './dynamo.js';
import { env } from './env.js';
import { clearRouteStartMark, clearRouteStartMarkItem } from './registers.js';
import { startRoute } from './workflows.js';

export async function ensureRouteStarted(docId: string): Promise<void> {
  const doc = await getDocument(docId);
  if (!doc) {
    await clearRouteStartMark(docId);
    return;
  }
  if (doc.status !== 'registered') {
    await clearRouteStartMark(docId);
    return;
  }
  const run = doc.routeRun ? `-${doc.routeRun}` : '';
  const { executionArn } = await startRoute(env.stateMachineArn(doc.route), `${doc.route}-${docId}${run}`, { docId, decisions: {} });
  try {
    await transactWithAudit(documentChain(docId), { at: clock().toISOString(), actor: 'system:intake', action: 'route.started', details: { executionArn } }, [
      routeStartedItem(docId, executionArn),
      clearRouteStartMarkItem(docId),
    ]);
  } catch (err) {
    // Recorded by an earlier delivery of the same event.
    if (!(err instanceof TransactionConflict && err.failedIndexes.includes(0))) throw err;
    await clearRouteStartMark(docId);
  }
}

