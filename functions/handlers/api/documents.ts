/**
 * API: documents.
 *   POST /uploads                 a link to upload one file to (附件, a document's own file)
 *   POST /documents               submit an internal document (内部来文: a request or a report)
 *   GET /documents/{docId}        the document, slip lines, tasks, audit check, attachments with links
 *   GET /documents/{docId}/scan   a short-lived link to the scanned original
 */
import { mayDecide } from '../../domain/route-platform.js';
import { mayRead, type Actor } from '../../domain/identity.js';
import { isDocId } from '../../domain/ids.js';
import { verifyDocumentTrail } from '../../adapters/audit.js';
import { findUserCached } from '../../adapters/directory.js';
import { getDocument, listSlipLines, type DocumentRecord } from '../../adapters/documents.js';
import { presignedGetUrl } from '../../adapters/storage.js';
import { listTasksOfDocument, type TaskRecord } from '../../adapters/tasks.js';
import { attachmentLinks, createUpload } from './attachments.js';
import { apiHandler, HttpError, type Request } from './http.js';
import { submitInternalDocument } from './submit.js';
import { withdrawDocument } from './route-moves.js';
import { completeRegistration, returnDocumentToSender } from './registration.js';

const SCAN_LINK_SECONDS = 300;
/** Roles that see every (cleared) document of the branch; others see those they worked on. */
const OFFICE_WIDE = new Set(['clerk', 'confidential-clerk', 'office-director', 'main-leader', 'deputy-leader', 'archivist', 'admin']);

async function loadVisible(actor: Actor, docId: string): Promise<{ doc: DocumentRecord; tasks: TaskRecord[] }> {
  if (!isDocId(docId)) throw new HttpError(404, '找不到该文件：文件号应为 20 位十六进制字符，请从待办或登记簿中打开');
  const doc = await getDocument(docId);
  if (!doc) throw new HttpError(404, `找不到文件 ${docId}`);
  if (!mayRead(actor, doc.secrecy)) throw new HttpError(403, `该文件密级为${doc.secrecy}，您的密级不足，不能查看`);
  const tasks = await listTasksOfDocument(docId);
  const involved =
    actor.roles.some((r) => OFFICE_WIDE.has(r)) ||
    doc.requester?.username === actor.username ||
    tasks.some(
      (t) =>
        t.decidedBy === actor.username ||
        t.assignment.username === actor.username ||
        (t.assignment.department && t.assignment.department === actor.department && actor.roles.includes(t.assignment.role)) ||
        // A step waiting for anyone holding a role (用印 for the seal-keeper): each of them may open it.
        (t.status === 'open' && mayDecide(actor, t.assignment)),
    );
  if (!involved) throw new HttpError(403, '您未参与办理该文件，不能查看');
  return { doc, tasks };
}

/**
 * The people behind a timeline's usernames: from what the document records first, the rest (a
 * clerk who registered or chased it …) from the directory, remembered per container — a handful
 * of distinct people per document, never a lookup per event.
 */
async function actorNames(actors: string[], known: (readonly [string, string])[]): Promise<Map<string, string>> {
  const names = new Map<string, string>(known);
  const rest = [...new Set(actors)].filter((a) => !names.has(a) && !a.startsWith('system:'));
  const found = await Promise.all(rest.map((a) => findUserCached(a).catch(() => undefined)));
  found.forEach((user, i) => user && names.set(rest[i], user.name));
  return names;
}

export async function showDocument({ actor, params }: Request) {
  const { doc, tasks } = await loadVisible(actor, params.docId);
  const [slip, audit, attachments] = await Promise.all([listSlipLines(doc.docId), verifyDocumentTrail(doc.docId), attachmentLinks(doc)]);
  const names = await actorNames(audit.events.map((e) => e.actor), [
    ...(doc.requester ? [[doc.requester.username, doc.requester.name] as const] : []),
    ...tasks.flatMap((t) => (t.decidedBy && t.decidedByName ? [[t.decidedBy, t.decidedByName] as const] : [])),
    ...slip.flatMap((l) => (l.actorUsername && l.actorName ? [[l.actorUsername, l.actorName] as const] : [])),
  ]);
  return {
    document: doc,
    slip,
    attachments,
    tasks: tasks.map(({ decision: _decision, ...t }) => t),
    audit: { events: audit.events.length, verification: audit.verification },
    // The timeline: every audited act on the document, oldest first, with the actor's name.
    timeline: audit.events.map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, ...(names.has(e.actor) ? { actorName: names.get(e.actor) } : {}), action: e.action, details: e.details })),
  };
}

export const handler = apiHandler({
  'POST /uploads': createUpload,
  'POST /documents': submitInternalDocument,
  'POST /documents/{docId}/withdraw': withdrawDocument,
  'PUT /documents/{docId}/registration': completeRegistration,
  'POST /documents/{docId}/return-to-sender': returnDocumentToSender,
  'GET /documents/{docId}': showDocument,
  'GET /documents/{docId}/scan': async ({ actor, params }) => {
    const { doc } = await loadVisible(actor, params.docId);
    if (!doc.scan) throw new HttpError(404, '本文件是以文字提交的内部来文，没有扫描件或正文文件；内容见文件详情');
    const url = await presignedGetUrl(doc.scan.bucket, doc.scan.key, SCAN_LINK_SECONDS, doc.scan.contentType, doc.scan.fileName, doc.scan.versionId);
    return { url, expiresInSeconds: SCAN_LINK_SECONDS, contentType: doc.scan.contentType };
  },
});
