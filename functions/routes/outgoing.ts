/**
 * Outgoing documents (发文, ROUTES.md "Outgoing"; seeds 000 §一(一)3, 001 §一(一)1, 003 §二(一)2).
 * The document is the draft (拟稿, functions/domain/drafts.ts): its drafter submits it for review
 * (送审, POST /drafts/{draftId}/submit), which starts one of these routes:
 *   outgoing-main (党政公文): related departments review together (会审: all must agree) → the
 *     office checks and formats (核稿/套模) → deputies countersign (会签) → the main leader signs
 *     (签发) → number → seal (用印) → re-check (复核) → distribute (分发) → file
 *   outgoing-committee (专业委员会公文): the committee office's director reviews → format → deputy
 *     countersigns → the committee director signs → number, seal, re-check, distribute, file
 *   outgoing-dept (科室公文): the section head reviews → check → the deputy signs → number, seal,
 *     distribute, file
 * Important documents go by outgoing-main and are signed by the main leader; a department's
 * ordinary ones by outgoing-dept, signed by the deputy (seed 003).
 *
 * Disagreement returns to the drafter: 会审 not passed, or a reviewer's 退回修改, sends the draft to
 * 修改稿件 and from there to the same review again. A change after 签发 needs the signer's consent
 * and sends the route back to 签发 (the drafts API answers the open task with Chancery.Goto).
 * 编号 is the clerk's step after 签发 (step action number-draft): nothing is numbered before it is
 * signed, and a number is taken once however often the step is decided again.
 * Deadlines: drafting 3 wd, a leader's signature chased within 2 wd, printing 2 wd (002 范文7).
 */
import * as z from 'zod';
import type { DeadlineRule } from '../domain/calendar.js';
import { countersignRequest, signersDetail } from '../domain/countersign.js';
import type { Role } from '../domain/identity.js';
import {
  departmentCode,
  departmentName,
  form,
  isCalendarDate,
  opinion,
  unknownDepartment,
  type Decisions,
  type NamedSigners,
  type RouteDefinition,
  type SlipDetail,
  type StepContext,
  type StepDefinition,
  type Urgency,
} from '../domain/route-platform.js';
import { archiveClassOf, officeFileStep, remindLeader, requesterOf } from './steps.js';

/** A reviewer's or checker's turn: 2 wd (加急 1; 特急 2 hours). */
const reviewDeadline = (u: Urgency): DeadlineRule => (u === '特急' ? { minutes: 120 } : u === '加急' ? { workingDays: 1 } : { workingDays: 2 });
/** Printing, sealing and sending: 2 wd (002 范文7), 特急 within 2 hours. */
const printingDeadline = (u: Urgency): DeadlineRule => (u === '特急' ? { minutes: 120 } : { workingDays: u === '加急' ? 1 : 2 });

/** The drafter's own department: its head reviews, and its code classes the archive. */
const drafterDepartment = (context: StepContext | undefined) => context?.requester?.department;

/** What the submission (送审) gave the route: the 会审 reviewers, with their names. */
export interface Submission {
  reviewers?: NamedSigners;
}
const submissionOf = (d: Decisions) => d.submit as (Submission & Record<string, unknown>) | undefined;

export const REVIEW_OUTCOMES = { agree: '同意', revise: '退回拟稿人修改' } as const;
const reviewOutcome = z.enum(['agree', 'revise'], { error: '请选择审核结果（outcome）：agree（同意）或 revise（退回拟稿人修改）' }).default('agree');
const reviewDetail = (d: Record<string, unknown>): SlipDetail[] => [{ label: '审核结果', value: REVIEW_OUTCOMES[(d.outcome as keyof typeof REVIEW_OUTCOMES) ?? 'agree'] ?? String(d.outcome) }];

/**
 * 会审: the heads of the related departments the drafter named (and the drafter's own head), each
 * their own task; all must agree (会签). Anyone's 不同意 settles it as not passed: to the drafter.
 */
export const jointReview: StepDefinition = {
  id: 'jointReview',
  name: '会审',
  ask: '请会审稿件：同意，或不同意并写明修改意见（将退回拟稿人修改）',
  comment: '会审: the related departments review the draft together; all must agree, else it goes back to the drafter',
  form: form({ opinion }),
  deadline: reviewDeadline,
  assign: (_d, context) => ({ role: 'dept-head', ...(drafterDepartment(context) ? { department: drafterDepartment(context) } : {}) }),
  countersign: (d) => submissionOf(d)?.reviewers,
  operations: ['chase', 'addSigner', 'removeSigner'],
};

/** 审核 by one reviewer (the section head, the committee office's director): agree or send back. */
function headReviewStep(name: string, comment: string, assign: StepDefinition['assign']): StepDefinition {
  return {
    id: 'headReview',
    name,
    ask: '请审核稿件：同意送下一步，或退回拟稿人修改（写明意见）',
    comment,
    form: form({ opinion, outcome: reviewOutcome }),
    deadline: reviewDeadline,
    assign,
    details: reviewDetail,
    operations: ['transfer', 'chase'],
  };
}

/** 修改稿件: the drafter revises (each saved change is a version) and sends it back to review. */
export const revise: StepDefinition = {
  id: 'revise',
  name: '修改稿件',
  ask: '审核未通过：请按意见修改稿件（在拟稿页保存新版本），改好后填写修改说明送回审核',
  comment: 'revise: the drafter revises the draft after a disagreement and sends it back to the same review',
  form: form({ opinion: z.string({ error: '请填写修改说明（opinion），应为文字' }).trim().min(1, '请填写修改说明（opinion）').max(2000, '修改说明不超过 2000 字') }),
  deadline: () => ({ workingDays: 3 }),
  assign: (_d, context) => requesterOf(context),
  operations: ['chase'],
};

/** 核稿/套模/排版: the office checks the text and the layout the renderer made (the preview). */
function checkStep(namesCountersigners: boolean): StepDefinition {
  return {
    id: 'check',
    name: '核稿',
    ask: namesCountersigners ? '请核稿：审核文字与格式（预览版式），需分管领导会签的请指定会签人' : '请核稿：审核文字与格式（预览版式）',
    comment: '核稿/套模: the office checks wording, format and the GB/T 9704 layout before signing',
    form: namesCountersigners ? form({ opinion, countersign: countersignRequest('会签').optional() }) : form({ opinion }),
    deadline: reviewDeadline,
    assign: () => ({ role: 'office-director' }),
    ...(namesCountersigners
      ? { namesSigners: { field: 'countersign', role: 'deputy-leader' as Role, label: '分管领导' }, details: (d: Record<string, unknown>) => signersDetail(d.countersign as NamedSigners | undefined) }
      : {}),
    operations: ['return', 'transfer', 'chase', 'recall'],
  };
}

/** 会签: the deputy (or the deputies 核稿 named, by their rule) countersigns before 签发. */
export const deputyCountersign: StepDefinition = {
  id: 'deputyCountersign',
  name: '会签',
  ask: '请会签稿件',
  comment: '会签: the deputy leaders concerned countersign before the signer signs',
  form: form({ opinion }),
  deadline: (u) => (u === '特急' ? { minutes: 120 } : { workingDays: u === '加急' ? 1 : 2 }),
  assign: () => ({ role: 'deputy-leader' }),
  countersign: (d) => d.check?.countersign as NamedSigners | undefined,
  afterDeadline: remindLeader,
  operations: ['return', 'chase', 'recall'],
};

/**
 * 签发: the signer fixes the current version (its hash recorded); from here the content is
 * frozen. A leader's signature is chased within 2 wd and reminded daily (seed 002 范文7).
 */
function signStep(role: Role, who: string): StepDefinition {
  return {
    id: 'sign',
    name: '签发',
    ask: `请${who}签发：签发后稿件内容冻结，改动须经您同意并重新签发`,
    comment: `签发: the ${role} signs; the signed version is frozen`,
    form: form({ opinion }),
    deadline: (u) => (u === '特急' ? { minutes: 120 } : { workingDays: u === '加急' ? 1 : 2 }),
    assign: () => ({ role }),
    afterDeadline: remindLeader,
    onCreate: 'await-signature',
    onDecide: 'sign-draft',
    operations: ['return', 'chase'],
  };
}

/**
 * 编号: the clerk takes the next number of the draft's series (代字〔年〕N号) once it is signed and
 * the PDF is laid out with it; a change from here on means voiding the number (作废).
 */
export const numberStep: StepDefinition = {
  id: 'number',
  name: '编号',
  ask: '稿件已签发：请编发文字号（按代字顺序取号，不重号、不跳号），核对版式后送用印',
  comment: '编号: the clerk numbers the signed draft in its series and the PDF is laid out with the number',
  form: form({ opinion: z.string({ error: '意见（opinion）应为文字' }).trim().max(2000, '意见不超过 2000 字').default('已编号') }),
  deadline: (u) => (u === '特急' ? { minutes: 60 } : { workingDays: 1 }),
  assign: (_d, context) => (context && context.secrecy !== '非密' ? { role: 'confidential-clerk' } : { role: 'clerk' }),
  details: (d) => (d.number ? [{ label: '发文字号', value: String(d.number) }] : []),
  onDecide: 'number-draft',
  operations: ['chase'],
};

export const SEAL_OUTCOMES = { sealed: '已用印', refused: '拒绝用印' } as const;

/**
 * 用印: the seal-keeper (监印人) applies the chosen seal over 成文日期 on the numbered, signed PDF,
 * or refuses an incomplete application and says why (seed 004) — then the office completes it.
 */
export const seal: StepDefinition = {
  id: 'seal',
  name: '用印',
  ask: '请核对签发与文号后用印；申请不完整的，拒绝用印并写明理由',
  comment: '用印: the keeper seals the numbered, signed PDF over 成文日期, or refuses with a reason',
  form: form({
    outcome: z.enum(['sealed', 'refused'], { error: '请选择用印结果（outcome）：sealed（用印）或 refused（拒绝用印）' }).default('sealed'),
    seal: z.string({ error: '印章（seal）应为印章编号，如 company' }).max(32, '印章（seal）应为印章编号，如 company').optional(),
    copies: z.number({ error: '用印份数（copies）应为数字' }).int('用印份数（copies）应为整数').min(1, '用印份数（copies）至少 1 份').max(9999, '用印份数（copies）不超过 9999').optional(),
    opinion: z.string({ error: '意见（opinion）应为文字' }).trim().max(2000, '意见不超过 2000 字').optional(),
    reason: z.string({ error: '拒绝理由（reason）应为文字' }).trim().max(2000, '理由不超过 2000 字').optional(),
  }),
  deadline: printingDeadline,
  assign: () => ({ role: 'seal-keeper' }),
  check: (d, config) => {
    if (d.outcome === 'refused') return d.reason ? undefined : '拒绝用印须写明理由（reason），如“签发页缺少签发人意见”';
    if (d.seal !== undefined && !config.seals.some((s) => s.id === d.seal)) return `没有印章 ${String(d.seal)}，可选：${config.seals.map((s) => `${s.id}（${s.name}）`).join('、')}`;
    if (d.copies === undefined) return '请填写用印份数（copies）';
    return undefined;
  },
  details: (d, config) =>
    d.outcome === 'refused'
      ? [{ label: '拒绝用印', value: String(d.reason) }]
      : [
          { label: '印章', value: config.seals.find((s) => s.id === d.seal)?.name ?? config.seals[0]?.name ?? String(d.seal) },
          { label: '用印份数', value: String(d.copies) },
          ...(d.number ? [{ label: '发文字号', value: String(d.number) }] : []),
        ],
  onDecide: 'seal-draft',
  operations: ['chase'],
};

/** 补正: the office completes what the keeper found missing, then the seal step comes again. */
export const amendSeal: StepDefinition = {
  id: 'amendSeal',
  name: '补正用印申请',
  ask: '监印人拒绝用印：请按其理由补正（必要时退回修改并重新签发），再送用印',
  comment: 'amendSeal: the office completes a refused seal application before the keeper looks again',
  form: form({ opinion }),
  deadline: () => ({ workingDays: 1 }),
  assign: () => ({ role: 'office-director' }),
  operations: ['chase'],
};

/** 复核: the office compares the sealed copy with the signed version before it goes out. */
export const recheck: StepDefinition = {
  id: 'recheck',
  name: '复核',
  ask: '请复核用印件与签发稿一致（文号、印章、份数），无误后分发',
  comment: '复核: the office checks the sealed copy against the signed version',
  form: form({ opinion }),
  deadline: () => ({ workingDays: 1 }),
  assign: () => ({ role: 'office-director' }),
  operations: ['chase'],
};

export const DISTRIBUTION_MEANS = ['邮寄', '专人', '交换', '机要交通', '电子公文'] as const;

const isoDay = z
  .string({ error: '送出日期（date）应为日期，格式 YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: '送出日期（date）格式应为 YYYY-MM-DD，如 2026-11-24', abort: true })
  .refine(isCalendarDate, '送出日期（date）不是真实的日期，请检查月份和日期');
const recipientName = (what: string) => z.string({ error: `请填写${what}` }).trim().min(1, `请填写${what}`).max(100, `${what}不超过 100 字`);

/**
 * 分发: internal departments get it in their 待阅 and sign for it (签收: a circulation, tracked and
 * chased by the circulation sweep); external recipients are recorded with the means and date;
 * a classified document's copies carry their numbers (份号) and holders.
 */
export const distribute: StepDefinition = {
  id: 'distribute',
  name: '分发',
  ask: '请分发：本单位科室在待阅中签收；外单位登记送达方式和日期；涉密文件登记份号和持有人',
  comment: '分发: internal departments sign for it in their 待阅; external recipients, means and date; 份号 of classified copies',
  form: form({
    opinion: z.string({ error: '意见（opinion）应为文字' }).trim().max(2000, '意见不超过 2000 字').default('已分发'),
    departments: z.array(departmentCode('签收科室（departments）'), { error: '签收科室（departments）应为科室代码的列表，如 ["CWK"]' }).max(50, '签收科室不超过 50 个').default([]),
    external: z
      .array(
        z.strictObject(
          { recipient: recipientName('收文单位（recipient）'), means: z.enum(DISTRIBUTION_MEANS, { error: `送达方式（means）应为：${DISTRIBUTION_MEANS.join('、')}` }), date: isoDay },
          { error: '外单位（external）每项应为 {"recipient": "市应急管理局", "means": "邮寄", "date": "2026-11-24"}' },
        ),
        { error: '外单位（external）应为列表' },
      )
      .max(200, '外单位不超过 200 个')
      .default([]),
    copyHolders: z
      .array(
        z.strictObject(
          { copyNo: z.number({ error: '份号（copyNo）应为数字' }).int('份号应为整数').min(1, '份号从 1 开始').max(999999, '份号不超过 6 位'), holder: recipientName('持有人/单位（holder）') },
          { error: '份号登记（copyHolders）每项应为 {"copyNo": 1, "holder": "财务科"}' },
        ),
        { error: '份号登记（copyHolders）应为列表' },
      )
      .max(999, '份号登记不超过 999 份')
      .default([]),
  }),
  deadline: printingDeadline,
  assign: (_d, context) => (context && context.secrecy !== '非密' ? { role: 'confidential-clerk' } : { role: 'clerk' }),
  check: (d, config) => {
    const internal = d.departments as string[];
    const external = d.external as unknown[];
    const copies = d.copyHolders as { copyNo: number }[];
    if (internal.length === 0 && external.length === 0) return '请至少分发给一个科室（departments）或外单位（external）';
    if (new Set(internal).size !== internal.length) return '签收科室重复';
    if (new Set(copies.map((c) => c.copyNo)).size !== copies.length) return '份号重复：每一份的份号应不同';
    return internal.map((code) => unknownDepartment(code, config)).find(Boolean);
  },
  details: (d, config) => [
    ...((d.departments as string[]).length ? [{ label: '科室签收', value: (d.departments as string[]).map((c) => departmentName(c, config)).join('、') }] : []),
    ...((d.external as { recipient: string; means: string; date: string }[]).length
      ? [{ label: '外单位', value: (d.external as { recipient: string; means: string; date: string }[]).map((e) => `${e.recipient}（${e.means}，${e.date}）`).join('；') }]
      : []),
    ...((d.copyHolders as unknown[]).length ? [{ label: '份号', value: (d.copyHolders as { copyNo: number; holder: string }[]).map((c) => `第${c.copyNo}份 ${c.holder}`).join('；') }] : []),
  ],
  onDecide: 'distribute-draft',
  operations: ['chase'],
};

export const file = officeFileStep();

const outgoingArchive: RouteDefinition['archiveClass'] = (d, config, context) => archiveClassOf(d, config, context?.requester?.department);
const reviseDetour = (step: string) => ({ when: { step, field: step === 'jointReview' ? 'passed' : 'outcome', equals: step === 'jointReview' ? false : 'revise' }, then: ['revise'], back: step });
const sealRefusedDetour = { when: { step: 'seal', field: 'outcome', equals: 'refused' }, then: ['amendSeal'], back: 'seal' };

export const outgoingMain: RouteDefinition = {
  id: 'outgoing-main',
  name: '党政公文',
  kind: 'outgoing',
  steps: [jointReview, revise, checkStep(true), deputyCountersign, signStep('main-leader', '主要领导'), numberStep, seal, amendSeal, recheck, distribute, file],
  flow: ['jointReview', reviseDetour('jointReview'), 'check', 'deputyCountersign', 'sign', 'number', 'seal', sealRefusedDetour, 'recheck', 'distribute', 'file', 'archive'],
  archiveClass: outgoingArchive,
};

export const outgoingCommittee: RouteDefinition = {
  id: 'outgoing-committee',
  name: '专业委员会公文',
  kind: 'outgoing',
  steps: [
    headReviewStep('委员会办公室主任审核', 'headReview: the committee office director reviews the draft', (_d, context) => ({ role: 'dept-head', ...(drafterDepartment(context) ? { department: drafterDepartment(context) } : {}) })),
    revise,
    checkStep(false),
    deputyCountersign,
    signStep('committee-director', '专业委员会主任'),
    numberStep,
    seal,
    amendSeal,
    recheck,
    distribute,
    file,
  ],
  flow: ['headReview', reviseDetour('headReview'), 'check', 'deputyCountersign', 'sign', 'number', 'seal', sealRefusedDetour, 'recheck', 'distribute', 'file', 'archive'],
  archiveClass: outgoingArchive,
};

export const outgoingDept: RouteDefinition = {
  id: 'outgoing-dept',
  name: '科室公文',
  kind: 'outgoing',
  steps: [
    headReviewStep('科室负责人审核', 'headReview: the section head reviews the draft', (_d, context) => ({ role: 'dept-head', ...(drafterDepartment(context) ? { department: drafterDepartment(context) } : {}) })),
    revise,
    checkStep(false),
    signStep('deputy-leader', '分管领导'),
    numberStep,
    seal,
    amendSeal,
    distribute,
    file,
  ],
  flow: ['headReview', reviseDetour('headReview'), 'check', 'sign', 'number', 'seal', sealRefusedDetour, 'distribute', 'file', 'archive'],
  archiveClass: outgoingArchive,
};
