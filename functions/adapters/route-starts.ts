/**
 * Starting a registered document's route: the second half of the route-start outbox. The mark is
 * written with the registration (intake, or an internal document's submission); this records the
 * start (status, execution ARN, its audit event) in one transaction, then starts the execution
 * under that name, then removes the mark. Recording first means nothing else appends to the
 * document's audit chain meanwhile (the route's first task does, once it runs), so the record
 * never races the route for the chain head. Safe to repeat at any point (the reconciler does): a
 * mark still there after the record starts the execution again, which its name makes idempotent.
 */
import { documentChain, transactWithAudit } from './audit.js';
import { now as clock } from './clock.js';
import { getDocument, routeStartedItem, type DocumentRecord } from './documents.js';
import { TransactionConflict } from './dynamo.js';
import { env } from './env.js';
import { clearRouteStartMark, routeStartMarked } from './registers.js';
import { executionArnOf, startRoute } from './workflows.js';

const executionNameOf = (doc: DocumentRecord) => `${doc.route}-${doc.docId}${doc.routeRun ? `-${doc.routeRun}` : ''}`;

export async function ensureRouteStarted(docId: string): Promise<void> {
  let doc = await getDocument(docId);
  if (!doc) return clearRouteStartMark(docId);
  const stateMachineArn = env.stateMachineArn(doc.route);
  const executionArn = executionArnOf(stateMachineArn, executionNameOf(doc));
  let recorded = false;
  if (doc.status === 'registered') {
    try {
      await transactWithAudit(documentChain(docId), { at: clock().toISOString(), actor: 'system:intake', action: 'route.started', details: { executionArn } }, [
        routeStartedItem(docId, executionArn),
      ]);
      doc = { ...doc, status: 'in-progress', executionArn };
      recorded = true;
    } catch (err) {
      // Recorded by an earlier delivery of the same event, or the document moved on meanwhile.
      if (!(err instanceof TransactionConflict && err.failedIndexes.includes(0))) throw err;
      doc = await getDocument(docId);
    }
  }
  // Recorded as started for this run and still marked: start it (again, harmlessly, if an earlier
  // try got that far; the name makes StartExecution idempotent).
  const startThisRun = doc?.status === 'in-progress' && doc.executionArn === executionArn;
  if (startThisRun && (recorded || (await routeStartMarked(docId)))) {
    await startRoute(stateMachineArn, executionNameOf(doc!), { docId, decisions: doc!.startDecisions ?? {} });
  }
  await clearRouteStartMark(docId);
}
