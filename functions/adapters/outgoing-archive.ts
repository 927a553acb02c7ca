/**
 * What an outgoing document (发文) adds to its archive package (handlers/archive.ts): the sealed PDF
 * as the original, the signed version as numbered (signed.pdf), every version's content, the
 * 发文稿纸 (drafting slip) as a PDF, the seal record and the distribution with its receipts (签收).
 * Each stored PDF is checked against the SHA-256 recorded when it was made; a mismatch stops filing.
 */
import type { Draft } from '../domain/drafts.js';
import type { DraftingSlipEntry, DraftingSlipFacts, DraftingStage } from '../domain/drafting-slip.js';
import type { SlipLine } from '../domain/processing-slip.js';
import type { Decisions } from '../domain/route-platform.js';
import type { DocumentRecord } from './documents.js';
import { getDraft, getVersion } from './drafts.js';
import { env } from './env.js';
import { getObject, sha256Hex } from './storage.js';
import { readItemsOf } from './task-operations.js';

/** A stored PDF of the draft that is missing or not what was recorded. */
export class OutgoingIntegrityError extends Error {
  override name = 'Chancery.ScanIntegrity';
}

/** Which row of the 发文稿纸 each review step's opinions are printed in. */
const STAGE_OF_STEP: Record<string, DraftingStage> = { headReview: 'review', jointReview: 'joint-review', check: 'check', deputyCountersign: 'countersign' };

async function checkedPdf(file: { bucket: string; key: string; sha256: string }, what: string, docId: string): Promise<Uint8Array> {
  const found = await getObject(file.bucket, file.key);
  if (!found) throw new OutgoingIntegrityError(`${what} ${file.key} of ${docId} is missing`);
  if (sha256Hex(found.bytes) !== file.sha256) throw new OutgoingIntegrityError(`${what} ${file.key} of ${docId} does not match the SHA-256 recorded when it was made`);
  return found.bytes;
}

/** A disagreement (会审 不同意, 审核 退回修改) is printed 不同意. */
const agreedOf = (line: SlipLine): boolean | undefined => {
  const verdict = line.details.find((d) => d.label === '会签' || d.label === '审核结果')?.value;
  if (verdict === undefined) return undefined;
  return verdict === '同意';
};

/** The 发文稿纸's facts from the draft and the slip lines (every opinion, including those a revision superseded). */
export function draftingSlipFacts(draft: Draft, lines: SlipLine[]): DraftingSlipFacts {
  const config = env.branchConfig;
  const entries: DraftingSlipEntry[] = lines.flatMap((line) => {
    const stage = STAGE_OF_STEP[line.step];
    if (!stage) return [];
    const agreed = agreedOf(line);
    return [{ stage, role: line.role, name: line.actorName, at: line.at, ...(line.opinion ? { opinion: line.opinion } : {}), ...(agreed === undefined ? {} : { agreed }), ...(line.onBehalfOfName ? { onBehalfOfName: line.onBehalfOfName } : {}) }];
  });
  const signing = lines.filter((l) => l.step === 'sign').at(-1);
  return {
    organization: config.displayName,
    ...(draft.printed ? { outgoingNumber: draft.printed.number } : {}),
    docType: draft.content.docType,
    title: draft.content.title,
    secrecy: draft.content.secrecy.level,
    ...(draft.content.secrecy.period ? { secrecyTerm: draft.content.secrecy.period } : {}),
    urgency: draft.content.urgency,
    mainRecipients: draft.content.mainRecipients,
    copyRecipients: draft.content.copyRecipients,
    ...(draft.sealed ? { copies: draft.sealed.copies } : draft.content.copies !== undefined ? { copies: draft.content.copies } : {}),
    attachments: draft.content.attachments,
    drafter: { name: draft.drafter.name, department: config.departments.find((d) => d.code === draft.department)?.name ?? draft.department, at: draft.submittedAt ?? draft.createdAt },
    entries,
    ...(signing ? { signer: { name: signing.actorName, opinion: signing.opinion, at: signing.at, ...(signing.onBehalfOfName ? { onBehalfOfName: signing.onBehalfOfName } : {}) } } : {}),
    ...(draft.signed ? { contentHash: draft.signed.contentHash } : {}),
    timeZone: config.timeZone,
  };
}

/**
 * 分发 as recorded by its decision, with each department's receipt (签收) as it stands: 已签收
 * with when and what was said, or still unread (and when it was chased, 催阅).
 */
export async function distributionRecord(docId: string, decision: Record<string, unknown>) {
  const receivers = (decision.receivers as string[] | undefined) ?? [];
  const receipts = await Promise.all(
    receivers.map(async (reader) => {
      const item = (await readItemsOf(docId, reader)).find((r) => r.circId === decision.circulation);
      return { reader, readerName: item?.readerName ?? reader, status: item?.status ?? 'unknown', ...(item?.readAt ? { signedAt: item.readAt } : {}), ...(item?.opinion ? { opinion: item.opinion } : {}), ...(item?.chasedAt ? { chasedAt: item.chasedAt } : {}) };
    }),
  );
  return { departments: (decision.departments as string[] | undefined) ?? [], external: decision.external ?? [], copyHolders: decision.copyHolders ?? [], by: decision.byName, at: decision.at, receipts };
}

export interface OutgoingPackage {
  /** The document as issued: the sealed PDF. */
  original: { name: string; bytes: Uint8Array; contentType: string };
  files: [name: string, body: Uint8Array | string][];
}

export async function outgoingPackage(doc: DocumentRecord, decisions: Decisions, lines: SlipLine[]): Promise<OutgoingPackage> {
  const draft = await getDraft(doc.docId);
  if (!draft?.sealed || !draft.printed) throw new OutgoingIntegrityError(`outgoing document ${doc.docId} is filed before it was sealed`);
  const [sealed, signed] = await Promise.all([checkedPdf(draft.sealed, 'sealed PDF', doc.docId), checkedPdf(draft.printed, 'numbered PDF', doc.docId)]);
  const versions = await Promise.all(Array.from({ length: draft.version }, (_, i) => getVersion(doc.docId, i + 1)));
  const { renderDraftingSlipPdf } = await import('../domain/drafting-slip-pdf.js');
  const distribution = await distributionRecord(doc.docId, decisions.distribute ?? {});
  const { bucket: _b, key: _k, ...sealRecord } = draft.sealed;
  const { bucket: _pb, key: _pk, ...printed } = draft.printed;
  return {
    original: { name: 'sealed.pdf', bytes: sealed, contentType: 'application/pdf' },
    files: [
      ['signed.pdf', signed],
      ...versions.map((v, i): [string, string] => [`versions/v${String(i + 1).padStart(3, '0')}.json`, JSON.stringify(v, null, 2)]),
      ['drafting-slip.pdf', await renderDraftingSlipPdf(draftingSlipFacts(draft, lines))],
      ['seal.json', JSON.stringify({ printed, sealed: sealRecord, signed: draft.signed, earlierSignings: draft.signings ?? [] }, null, 2)],
      ['distribution.json', JSON.stringify(distribution, null, 2)],
    ],
  };
}
