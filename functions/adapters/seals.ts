/**
 * 用印 in the registers table (domain/seal.ts has the rules and the stamp):
 *   pk SEAL#<seal id>, sk #STATE          the seal's standing (absent: in use); its audit chain is SEAL#<id>
 *   pk REG#seal#<year>, sk NO#…           the 用印登记簿, one entry per application (appendRegisterEntry)
 *   pk SEALAPP#<application id>, sk #     an application sealed (never sealed twice)
 *   pk SEALREFUSAL#<docId>, sk <at>#<id>  a keeper's refusal with its reason
 * Applying a seal writes the register entry, the seal time on the number's 发文登记簿 entry and the
 * document's audit event in one transaction, conditional on the seal still being in use and the
 * number not voided — a suspension or a void racing with the keeper wins or loses whole.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../domain/identity.js';
import { localDate } from '../domain/calendar.js';
import { Refusal } from '../domain/refusal.js';
import {
  checkAnomaly,
  checkReason,
  checkSealApplication,
  checkSealCustodian,
  sealOf,
  sha256Hex,
  stampSeal,
  type SealApplication,
  type SealBox,
  type SealConfig,
  type SealState,
} from '../domain/seal.js';
import { documentChain, transactWithAudit } from './audit.js';
import { documentClient } from './clients.js';
import { now as clock } from './clock.js';
import { TransactionConflict } from './dynamo.js';
import { env } from './env.js';
import { outgoingNumberOf, sealedOnEntryItem } from './outgoing.js';
import { appendRegisterEntry } from './registers.js';

const stateKey = (sealId: string) => ({ pk: `SEAL#${sealId}`, sk: '#STATE' });
export const sealChain = (sealId: string) => `SEAL#${sealId}`;

/**
 * Where a seal's `image` (seals/<name>.png) is found: in a Lambda bundle beside the README that
 * CHANCERY_SEAL_IMAGES points at (infra/manifest.ts SEAL_IMAGES), else infra/branches/ beside this code.
 */
const imagesDir = () => (process.env.CHANCERY_SEAL_IMAGES ? dirname(dirname(process.env.CHANCERY_SEAL_IMAGES)) : join(dirname(fileURLToPath(import.meta.url)), '../../infra/branches'));

export async function sealImage(seal: SealConfig): Promise<Uint8Array> {
  try {
    return await readFile(join(imagesDir(), seal.image));
  } catch {
    throw new Refusal(422, `“${seal.name}”的印章图片 ${seal.image} 缺失，请联系管理员`);
  }
}

export async function sealState(sealId: string): Promise<SealState> {
  const res = await documentClient().send(new GetCommand({ TableName: env.registersTable, Key: stateKey(sealId), ConsistentRead: true }));
  if (!res.Item || res.Item.status !== 'suspended') return { status: 'active', ...(res.Item?.since ? { since: String(res.Item.since) } : {}) };
  const { anomaly, reason, by, byName, at } = res.Item;
  return { status: 'suspended', anomaly, reason, by, byName, at } as SealState;
}

/** The branch's seals with their standing (the seal-keeper's page). */
export async function listSeals(): Promise<(SealConfig & { state: SealState })[]> {
  return Promise.all(env.branchConfig.seals.map(async (seal) => ({ ...seal, state: await sealState(seal.id) })));
}

/** A seal lost or damaged (印章异常): suspended until put back in use, with who and why, audited on the seal. */
export async function suspendSeal(input: { sealId: string; anomaly: string; reason: string; actor: Actor; at?: string }): Promise<SealState> {
  const seal = sealOf(env.branchConfig, input.sealId);
  checkSealCustodian(input.actor, seal);
  const anomaly = checkAnomaly(input.anomaly);
  const reason = checkReason(input.reason, '停用印章');
  const at = input.at ?? clock().toISOString();
  const state: SealState = { status: 'suspended', anomaly, reason, by: input.actor.username, byName: input.actor.name, at };
  try {
    await transactWithAudit(sealChain(seal.id), { at, actor: input.actor.username, action: 'seal.suspended', details: { seal: seal.name, anomaly, reason } }, [
      { Put: { TableName: env.registersTable, Item: { ...stateKey(seal.id), ...state }, ConditionExpression: 'attribute_not_exists(pk) OR #s <> :suspended', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':suspended': 'suspended' } } },
    ]);
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new Refusal(409, `“${seal.name}”已经停用`);
    throw err;
  }
  return state;
}

/** 恢复启用 (e.g. the seal found, or a new one carved and its image replaced): audited, with a reason. */
export async function reinstateSeal(input: { sealId: string; reason: string; actor: Actor; at?: string }): Promise<void> {
  const seal = sealOf(env.branchConfig, input.sealId);
  checkSealCustodian(input.actor, seal);
  const reason = checkReason(input.reason, '恢复启用印章');
  const at = input.at ?? clock().toISOString();
  try {
    await transactWithAudit(sealChain(seal.id), { at, actor: input.actor.username, action: 'seal.reinstated', details: { seal: seal.name, reason } }, [
      { Put: { TableName: env.registersTable, Item: { ...stateKey(seal.id), status: 'active', since: at }, ConditionExpression: '#s = :suspended', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':suspended': 'suspended' } } },
    ]);
  } catch (err) {
    if (err instanceof TransactionConflict && err.failedIndexes.includes(0)) throw new Refusal(409, `“${seal.name}”正在使用中，无需恢复`);
    throw err;
  }
}

export interface SealApplied {
  /** The sealed PDF: the signed bytes followed by the seal (store it beside the signed version). */
  pdf: Uint8Array;
  signedSha256: string;
  sealedSha256: string;
  /** 用印登记簿 serial for the year. */
  registerSerial: number;
  sealedAt: string;
}

/**
 * The keeper applies `sealId` to the signed PDF of a signed and numbered document, in `box` (the
 * layout's box over 成文日期). `signedSha256`, when given, is the hash recorded at 签发: the PDF
 * must be that version. Writes the 用印登记簿 entry, the seal time on the 发文登记簿 entry and the
 * `seal.applied` audit event on the document in one transaction.
 */
export async function applySeal(input: {
  sealId: string;
  application: SealApplication;
  signedPdf: Uint8Array;
  signedSha256?: string;
  box: SealBox;
  actor: Actor;
  at?: string;
  /** Keeps the sealed PDF before the register entry is written (the entry then names a file that exists). */
  store?: (sealedPdf: Uint8Array) => Promise<void>;
}): Promise<SealApplied> {
  const config = env.branchConfig;
  const seal = sealOf(config, input.sealId);
  const app = input.application;
  const [state, numbered] = await Promise.all([sealState(seal.id), outgoingNumberOf(app.docId)]);
  // The number in force is the register's, not what the application says.
  if (app.number && numbered && app.number !== numbered.number) throw new Refusal(409, `用印申请的发文字号 ${app.number} 与该文件现行文号 ${numbered.number} 不符，请核对`);
  checkSealApplication(input.actor, seal, state, { ...app, number: numbered?.number });
  if (input.signedSha256 && sha256Hex(input.signedPdf) !== input.signedSha256.toLowerCase()) throw new Refusal(409, '所附 PDF 不是签发时冻结的版本，不能用印；签发后的改动须经签发人同意并重新签发');
  const at = input.at ?? clock().toISOString();
  const stamped = await stampSeal({ signedPdf: input.signedPdf, box: input.box, sealImage: await sealImage(seal), sealName: seal.name, number: numbered!.number, sealedAt: at });
  await input.store?.(stamped.pdf);
  const year = Number(localDate(new Date(at), config.timeZone).slice(0, 4));
  const entry = {
    sealedAt: at,
    docId: app.docId,
    applicationId: app.applicationId,
    number: numbered!.number,
    title: app.title,
    content: app.content.trim(),
    secrecy: app.secrecy,
    sealId: seal.id,
    sealName: seal.name,
    copies: app.copies,
    approver: app.approver!.username,
    approverName: app.approver!.name,
    applicant: app.applicant!.username,
    applicantName: app.applicant!.name,
    keeper: input.actor.username,
    keeperName: input.actor.name,
    signedSha256: stamped.signedSha256,
    sealedSha256: stamped.sealedSha256,
    page: input.box.page + 1,
  };
  try {
    const registerSerial = await appendRegisterEntry({
      register: 'seal',
      year,
      at,
      entry: () => entry,
      extra: () => [
        // 2: the seal still in use
        { ConditionCheck: { TableName: env.registersTable, Key: stateKey(seal.id), ConditionExpression: 'attribute_not_exists(pk) OR #s <> :suspended', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':suspended': 'suspended' } } },
        // 3: the number still in force
        sealedOnEntryItem(numbered!, at, seal.name, app.copies),
        // 4: this application not sealed before
        { Put: { TableName: env.registersTable, Item: { pk: `SEALAPP#${app.applicationId}`, sk: '#', docId: app.docId, sealedAt: at }, ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
      auditChain: documentChain(app.docId),
      audit: (serial) => ({ at, actor: input.actor.username, action: 'seal.applied', details: { seal: seal.name, number: numbered!.number, registerSerial: serial, copies: app.copies, signedSha256: stamped.signedSha256, sealedSha256: stamped.sealedSha256 } }),
    });
    return { ...stamped, registerSerial, sealedAt: at };
  } catch (err) {
    if (err instanceof TransactionConflict) {
      if (err.failedIndexes.includes(2)) throw new Refusal(409, `“${seal.name}”刚刚被停用，不能用印`);
      if (err.failedIndexes.includes(3)) throw new Refusal(409, `发文字号 ${numbered!.number} 刚刚被作废，不能用印`);
      if (err.failedIndexes.includes(4)) throw new Refusal(409, '该用印申请已经用过印，不能重复用印');
    }
    throw err;
  }
}

/** Has this application (a 用印 task) been sealed already? */
export async function sealApplicationDone(applicationId: string): Promise<boolean> {
  const res = await documentClient().send(new GetCommand({ TableName: env.registersTable, Key: { pk: `SEALAPP#${applicationId}`, sk: '#' }, ConsistentRead: true }));
  return Boolean(res.Item);
}

export interface SealRefusal {
  docId: string;
  applicationId: string;
  reason: string;
  by: string;
  byName: string;
  at: string;
}

/**
 * The keeper turns an application down (seed 004: 对不符合规定的申请单需退回并说明原因): the reason
 * is required and kept, with the document's audit event, in one transaction.
 */
export async function refuseSealApplication(input: { docId: string; applicationId: string; reason: string; sealId: string; actor: Actor; at?: string }): Promise<SealRefusal> {
  const seal = sealOf(env.branchConfig, input.sealId);
  checkSealCustodian(input.actor, seal);
  const reason = checkReason(input.reason, '拒绝用印');
  const at = input.at ?? clock().toISOString();
  const refusal: SealRefusal = { docId: input.docId, applicationId: input.applicationId, reason, by: input.actor.username, byName: input.actor.name, at };
  await transactWithAudit(documentChain(input.docId), { at, actor: input.actor.username, action: 'seal.refused', details: { seal: seal.name, applicationId: input.applicationId, reason } }, [
    { Put: { TableName: env.registersTable, Item: { pk: `SEALREFUSAL#${input.docId}`, sk: `${at}#${input.applicationId}`, ...refusal } } },
  ]);
  return refusal;
}

/** A document's refused seal applications, oldest first. */
export async function sealRefusalsOf(docId: string): Promise<SealRefusal[]> {
  const res = await documentClient().send(new QueryCommand({ TableName: env.registersTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `SEALREFUSAL#${docId}` } }));
  return (res.Items ?? []).map(({ pk: _pk, sk: _sk, ...r }) => r as SealRefusal);
}
