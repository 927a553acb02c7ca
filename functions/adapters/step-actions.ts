/**
 * What a route step does besides holding a task (route-platform.ts StepAction), for the outgoing
 * document (发文) the draft is: the task service runs a step's `onCreate` before the task is
 * written and its `onDecide` before the decision commits, knowing only the action's name.
 *
 * Each is safe to run again (a retried create-task, a decision whose commit was lost after the
 * action): 签发 of a version already signed, numbering of a numbered draft and a seal already
 * applied for this task all find what was done and return it.
 */
import type { Actor } from '../domain/identity.js';
import { contentHash, signedFacts, STATE_NAMES, type Draft } from '../domain/drafts.js';
import { mayTake } from '../domain/identity.js';
import { Refusal } from '../domain/refusal.js';
import type { StepAction } from '../domain/route-platform.js';
import { sealOf } from '../domain/seal.js';
import { advanceDraft, getDraft, markAwaitingSignature, signDraft } from './drafts.js';
import { holdersOf } from './directory.js';
import { updateDocumentItem } from './documents.js';
import { transactWrite, type TransactItem } from './dynamo.js';
import { env } from './env.js';
import { numberOutgoing, outgoingNumberOf } from './outgoing.js';
import { layoutFacts, renderDraft } from './outgoing-layout.js';
import { applySeal, refuseSealApplication, sealApplicationDone } from './seals.js';
import { getObject, putObject, putOnce, sha256Hex } from './storage.js';
import { newCirculation } from './task-operations.js';
import type { TaskRecord } from './tasks.js';

/** The route itself acting (a task being created): how it appears in the draft's history. */
const ROUTE_ACTOR = { username: 'system:route', name: '流程', roles: [], clearance: '非密' } as unknown as Actor;

async function draftOf(docId: string): Promise<Draft> {
  const draft = await getDraft(docId);
  if (!draft) throw new Error(`the outgoing document ${docId} has no draft`);
  return draft;
}

/** Where the PDFs of an outgoing document are kept beside its pinned files. */
const pdfKey = (docId: string, name: string) => `originals/${docId}/outgoing/${name}.pdf`;

/** 编号 and the PDF the number is printed on: the signed version laid out, kept once. */
async function numberDraft(docId: string, actor: Actor, at: string): Promise<string> {
  const draft = await draftOf(docId);
  if ((draft.state === 'numbered' || draft.state === 'sealed') && draft.printed) return draft.printed.number;
  if (draft.state !== 'signed') throw new Refusal(409, `稿件${STATE_NAMES[draft.state]}，签发后才能编号`);
  const numbered = await numberOutgoing({ code: draft.content.issuingCode, document: signedFacts(draft), actor, at });
  const date = layoutFacts(new Date(draft.signed!.at)).date;
  const rendered = await renderDraft(draft.content, layoutFacts(new Date(draft.signed!.at), { documentNumber: numbered.number }));
  const key = pdfKey(docId, `v${draft.version}-${numbered.serial}`);
  // The first PDF written stays: a retry lays it out again but keeps (and hashes) the stored one.
  const put = await putOnce(env.inboxBucket, key, rendered.pdf, 'application/pdf', { number: encodeURIComponent(numbered.number) });
  const bytes = put.created ? rendered.pdf : (await getObject(env.inboxBucket, key))!.bytes;
  const printed = { number: numbered.number, version: draft.version, date, bucket: env.inboxBucket, key, sha256: sha256Hex(bytes), pages: rendered.pageCount, sealBox: rendered.sealBox };
  // The task lists show the 发文字号 from now on; filing writes the 归档号 into its 发文登记簿 entry.
  // Before the draft moves on: a crash between the two finds the draft still 已签发 and does both again.
  await transactWrite([updateDocumentItem(docId, { registerNumber: numbered.number, register: numbered.register, registerYear: numbered.year, registerSerial: numbered.serial })]);
  await advanceDraft(docId, 'numbered', actor, at, { number: numbered.number, sha256: printed.sha256 }, { printed });
  return numbered.number;
}

export interface DecisionAction {
  /** Added to the decision (and so to the route's decisions and the slip). */
  decision?: Record<string, unknown>;
  /** Written in the decision's own transaction. */
  items?: TransactItem[];
  /** After the decision commits. */
  finish?(): Promise<void>;
}

/** Runs a step's `onCreate` action before its task is written. */
export async function runCreateAction(action: StepAction, input: { docId: string; at: string }): Promise<void> {
  switch (action) {
    case 'await-signature': {
      const draft = await draftOf(input.docId);
      // Back at 签发 after a consented change, or already waiting: nothing to move.
      if (draft.state === 'in-review') await markAwaitingSignature(input.docId, ROUTE_ACTOR, input.at);
      return;
    }
    default:
      throw new Error(`step action ${action} runs when a task is decided, not created`);
  }
}

/** Runs a step's `onDecide` action before the decision commits; a Refusal refuses the decision. */
export async function runDecisionAction(action: StepAction, input: { task: TaskRecord; actor: Actor; decision: Record<string, unknown>; at: string }): Promise<DecisionAction> {
  const { task, actor, decision, at } = input;
  switch (action) {
    case 'sign-draft': {
      const current = await draftOf(task.docId);
      const alreadySigned = current.signed && current.signed.by === actor.username && current.signed.contentHash === contentHash(current.content);
      const draft = alreadySigned ? current : await signDraft(task.docId, actor, at, { opinion: String(decision.opinion ?? '') });
      return { decision: { version: draft.signed!.version, contentHash: draft.signed!.contentHash } };
    }
    case 'number-draft':
      return { decision: { number: await numberDraft(task.docId, actor, at) } };
    case 'seal-draft':
      return sealDraft(task, actor, decision, at);
    case 'distribute-draft':
      return distributeDraft(task, actor, decision, at);
    default:
      throw new Error(`step action ${action} runs when a task is created, not decided`);
  }
}

async function sealDraft(task: TaskRecord, actor: Actor, decision: Record<string, unknown>, at: string): Promise<DecisionAction> {
  const draft = await draftOf(task.docId);
  const sealId = String(decision.seal ?? env.branchConfig.seals[0]?.id ?? '');
  const seal = sealOf(env.branchConfig, sealId);
  if (decision.outcome === 'refused') {
    await refuseSealApplication({ docId: task.docId, applicationId: task.taskId, reason: String(decision.reason), sealId: seal.id, actor, at });
    return { decision: { seal: seal.id } };
  }
  if (draft.state === 'sealed' && draft.sealed && (await sealApplicationDone(task.taskId))) {
    return { decision: { seal: draft.sealed.sealId, number: draft.printed?.number, sealedSha256: draft.sealed.sha256 } };
  }
  if (draft.state !== 'numbered' || !draft.printed) throw new Refusal(409, `稿件${draft.state === 'sealed' ? '已用印' : '尚未编号'}，不能用印`);
  const printed = draft.printed;
  const signedPdf = (await getObject(printed.bucket, printed.key))?.bytes;
  if (!signedPdf) throw new Error(`the numbered PDF ${printed.key} is missing`);
  const number = (await outgoingNumberOf(task.docId))?.number;
  const key = pdfKey(task.docId, `sealed-${task.taskId}`);
  const applied = await applySeal({
    sealId: seal.id,
    application: {
      applicationId: task.taskId,
      docId: task.docId,
      title: draft.content.title,
      secrecy: draft.content.secrecy.level,
      signer: draft.signed?.byName,
      signedAt: draft.signed?.at,
      ...(number ? { number } : {}),
      content: `${draft.content.title}（正式文件）`,
      copies: Number(decision.copies),
      approver: { username: draft.signed!.by, name: draft.signed!.byName },
      applicant: draft.drafter,
    },
    signedPdf,
    signedSha256: printed.sha256,
    box: printed.sealBox,
    actor,
    at,
    // Kept before the register entry: a retry after the entry finds the application done and this file.
    store: (pdf) => putObject(env.inboxBucket, key, pdf, 'application/pdf'),
  });
  await advanceDraft(task.docId, 'sealed', actor, at, { seal: seal.name, sealedSha256: applied.sealedSha256 }, {
    sealed: { sealId: seal.id, sealName: seal.name, at, copies: Number(decision.copies), bucket: env.inboxBucket, key, sha256: applied.sealedSha256, registerSerial: applied.registerSerial, by: actor.username, byName: actor.name },
  });
  return { decision: { seal: seal.id, number: printed.number, sealedSha256: applied.sealedSha256 } };
}

/**
 * 分发: each internal department's heads get it in their 待阅 (a circulation they sign for, 签收,
 * chased by the circulation sweep when unread); external recipients and 份号 stay in the decision.
 */
async function distributeDraft(task: TaskRecord, actor: Actor, decision: Record<string, unknown>, at: string): Promise<DecisionAction> {
  const departments = decision.departments as string[];
  if (departments.length === 0) return {};
  const heads = (await holdersOf('dept-head')).filter((p) => departments.some((code) => mayTake(p, { role: 'dept-head', department: code }, task.secrecy)));
  const missing = departments.filter((code) => !heads.some((p) => p.department === code));
  if (missing.length) {
    const names = missing.map((code) => env.branchConfig.departments.find((d) => d.code === code)?.name ?? code);
    throw new Refusal(400, `${names.join('、')}没有可签收的科室负责人（或其密级不足），请改为专人送达或联系管理员`);
  }
  const { items, finish, circulation } = newCirculation(task, heads.map((p) => ({ username: p.username, name: p.name })), {
    order: 'parallel',
    note: '发文分发，请签收',
    by: { username: actor.username, name: actor.name },
    now: new Date(at),
  });
  return { decision: { circulation: circulation.circId, receivers: heads.map((p) => p.username) }, items, finish };
}
