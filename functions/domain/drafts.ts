/**
 * 拟稿与版本: an outgoing document (发文) while it is written, reviewed and signed, as data.
 *
 * A draft is edited in place while its drafter writes it (`drafting`); submission (送审) makes
 * version 1, and every change after that is a new version recording who, when, a note and what
 * changed (fields, and a character diff per paragraph for text). 签发 freezes the content: the
 * signed version's SHA-256 (of its canonical JSON) is recorded, and a change needs the signer's
 * consent, after which the draft waits for 签发 again (`reopenForSigning`). Nothing here knows
 * AWS (adapters/drafts.ts stores it); every refusal is a DraftRefusal with a Chinese message.
 */
import { createHash } from 'node:crypto';
import { diffArrays, diffChars } from 'diff';
import * as z from 'zod';
// The one locale, not z.locales (which would bundle every language zod speaks).
import zhCNLocale from 'zod/v4/locales/zh-CN.js';
import type { BranchConfig } from './branch-config.js';
import { formatTime } from './calendar.js';
import { bodyBlockSchema, canonicalLayoutInput, type BodyBlock, type OutgoingLayoutInput } from './gbt9704.js';
import { mayRead, SECRECY_LEVELS, type Actor, type Role } from './identity.js';
import { Refusal } from './refusal.js';

/** A drafting rule said no (the API answers every Refusal with its status and message). */
export class DraftRefusal extends Refusal {
  override name = 'DraftRefusal';
}

// ---------------------------------------------------------------------------------------------
// The content

/** 文种: the 15 kinds of 党政机关公文处理工作条例 §8 (命令 also written 令). */
export const DOC_TYPES = ['决议', '决定', '命令', '公报', '公告', '通告', '意见', '通知', '通报', '报告', '请示', '批复', '议案', '函', '纪要'] as const;
export type DocType = (typeof DOC_TYPES)[number];

/** 行文方向: an upward document (上行文) prints 签发人 beside its number (GB/T 9704 §7.2.5). */
export const DIRECTIONS = ['upward', 'parallel', 'downward'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const DIRECTION_NAMES: Record<Direction, string> = { upward: '上行文', parallel: '平行文', downward: '下行文' };

const text = (what: string, max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `请填写${what}` : `${what}应为文字`) })
    .trim()
    .min(1, `请填写${what}`)
    .max(max, `${what}过长（最多${max}字）`);

const names = (what: string, max: number, maxCount: number) =>
  z.array(text(what, max), { error: (issue) => (issue.input === undefined ? `请填写${what}` : `${what}应为名称列表，如 ["市应急管理局"]`) }).max(maxCount, `${what}最多${maxCount}个`);

/** The body typed in the console: the layout's blocks, so a draft lays out without conversion. */
const structuredBody = z.strictObject(
  { kind: z.literal('structured'), blocks: z.array(bodyBlockSchema, { error: '正文段落（blocks）应为列表' }).min(1, '正文不能为空').max(2000, '正文段落过多（最多2000段）') },
  { error: '正文（body）应为 {"kind":"structured","blocks":[…]} 或 {"kind":"file","uploadId":"…"}' },
);
/** The body as an uploaded .docx or PDF (POST /uploads), named by its upload id. */
const fileBodyRequest = z.strictObject(
  { kind: z.literal('file'), uploadId: z.string({ error: '请填写正文文件的上传编号（uploadId）' }).regex(/^[0-9a-f]{22}$/, '正文文件的上传编号（uploadId）无效，请先通过 POST /uploads 上传') },
  { error: '正文（body）应为 {"kind":"structured","blocks":[…]} 或 {"kind":"file","uploadId":"…"}' },
);

/** An uploaded body once pinned: the file's name and the SHA-256 of the exact bytes checked. */
export interface PinnedBodyFile {
  kind: 'file';
  uploadId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  bucket: string;
  key: string;
  versionId?: string;
}

const secrecySchema = z.strictObject(
  {
    level: z.enum(SECRECY_LEVELS, { error: '密级应为 非密、秘密、机密 或 绝密' }),
    /** 保密期限, e.g. "10年", "6个月" (printed after ★). */
    period: z.string({ error: '保密期限应为文字' }).trim().regex(/^\d+(年|个月)$/, '保密期限应写作阿拉伯数字加"年"或"个月"，如 10年').optional(),
  },
  { error: '密级（secrecy）应为 {"level":"机密","period":"10年"}' },
);

/** Every field a draft's content has, as a request gives it (the body apart: a request names an upload). */
const contentFields = {
  docType: z.enum(DOC_TYPES, { error: `文种应为 ${DOC_TYPES.join('、')} 之一` }),
  title: text('标题', 200),
  /** 主送机关. */
  mainRecipients: names('主送机关', 60, 50),
  /** 抄送机关. */
  copyRecipients: names('抄送机关', 60, 50),
  secrecy: secrecySchema,
  /** 份数 printed: required for a classified document, every copy then carries its 份号. */
  copies: z.number({ error: '份数应为正整数' }).int('份数应为正整数').min(1, '份数应为正整数').max(999_999, '份数最多999999份'),
  urgency: z.enum(['普通', '加急', '特急'], { error: '紧急程度应为 普通、加急 或 特急' }),
  /** 代字 from the branch's series (管司发, 管报字 …). */
  issuingCode: text('发文代字', 8).refine((s) => !/[\s〔〕[\]]|\d$/u.test(s), '发文代字不含空格和括号，也不以数字结尾，如 管司发'),
  direction: z.enum(DIRECTIONS, { error: '行文方向应为 upward（上行文）、parallel（平行文）或 downward（下行文）' }),
  /** 签发人 as printed on an upward document (the leaders expected to sign). */
  signers: names('签发人姓名', 8, 8),
  /** 附件说明: the attachments' names in order. */
  attachments: names('附件名称', 200, 50),
  /** 附注. */
  note: z.string({ error: '附注应为文字' }).trim().max(300, '附注过长（最多300字）'),
};
const requestBody = z.discriminatedUnion('kind', [structuredBody, fileBodyRequest], {
  error: '正文（body）应为 {"kind":"structured","blocks":[…]}（在线编写）或 {"kind":"file","uploadId":"…"}（上传的 .docx 或 PDF）',
});
const FIELD_LIST = [...Object.keys(contentFields), 'body'].join('、');
const unknownKeys = (fields: string) => (issue: { code: string }) => (issue.code === 'unrecognized_keys' ? `不认识的字段；可填写：${fields}` : '请求内容应为 JSON 对象');

/** POST /drafts: a whole draft; the body structured or an upload. */
export const draftRequestSchema = z.strictObject(
  {
    ...contentFields,
    copyRecipients: contentFields.copyRecipients.default([]),
    secrecy: contentFields.secrecy.default({ level: '非密' }),
    copies: contentFields.copies.optional(),
    urgency: contentFields.urgency.default('普通'),
    signers: contentFields.signers.default([]),
    attachments: contentFields.attachments.default([]),
    note: contentFields.note.optional(),
    body: requestBody,
  },
  { error: unknownKeys(FIELD_LIST) },
);
export type DraftRequest = z.output<typeof draftRequestSchema>;

/** PUT /drafts/{id}: the revision the change is made on, a note, and only the fields that change. */
export const draftChangeSchema = z.strictObject(
  {
    revision: z.number({ error: '请注明修改所依据的修订号（revision，取自 GET /drafts/{id}）' }).int('修订号（revision）应为整数').min(1, '修订号（revision）应为正整数'),
    /** 修改说明, kept with the version (`note` is the document's 附注). */
    changeNote: z.string({ error: '修改说明（changeNote）应为文字' }).trim().max(500, '修改说明（changeNote）最多500字').optional(),
    ...z.object(contentFields).partial().shape,
    body: requestBody.optional(),
  },
  { error: unknownKeys(`revision、changeNote、${FIELD_LIST}`) },
);
export type DraftChange = z.output<typeof draftChangeSchema>;

export type StructuredBody = { kind: 'structured'; blocks: BodyBlock[] };
export type DraftBody = StructuredBody | PinnedBodyFile;
/** What a version holds: everything printed, the body structured or a pinned file. */
export type DraftContent = Omit<DraftRequest, 'body'> & { body: DraftBody };

/** Any message not given here (the layout's block form has a few), in Chinese rather than zod's English. */
const zhCN = zhCNLocale().localeError;

/** Reads a request with its first problem in Chinese (zod's issues carry the path). */
export function parseRequest<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw === undefined ? {} : raw, { error: zhCN });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length && issue.code !== 'unrecognized_keys' ? `（${issue.path.join('.')}）` : '';
    throw new DraftRefusal(400, `${issue.message}${where}`);
  }
  return parsed.data;
}

/** Largest content a draft holds as data: what fits one DynamoDB item with room for the version's own fields. */
export const MAX_CONTENT_BYTES = 300 * 1024;

/**
 * The rules across fields: a classified document states its copies (份号 are printed per copy); an
 * upward one names its 签发人; the 代字 is one of the branch's and fits the direction.
 */
export function checkContent(content: DraftContent, config: BranchConfig): void {
  // A version is one DynamoDB item (400 KB at most) beside its draft's META item holding the same.
  const bytes = Buffer.byteLength(JSON.stringify(content));
  if (bytes > MAX_CONTENT_BYTES) throw new DraftRefusal(400, `稿件内容过长（${Math.ceil(bytes / 1024)} KB，上限 ${MAX_CONTENT_BYTES / 1024} KB）；长篇材料请作为正文文件（.docx 或 PDF）上传`);
  if (content.secrecy.level !== '非密' && content.copies === undefined) throw new DraftRefusal(400, `密级为${content.secrecy.level}的文件须填写份数（copies），每份印有份号`);
  if (content.secrecy.level === '非密' && content.secrecy.period) throw new DraftRefusal(400, '非密文件不填写保密期限');
  if (content.direction === 'upward' && content.signers.length === 0) throw new DraftRefusal(400, '上行文须注明签发人（signers），如 ["赵敏"]');
  if (content.direction !== 'upward' && content.signers.length > 0) throw new DraftRefusal(400, `${DIRECTION_NAMES[content.direction]}不印签发人，请去掉 signers 或将行文方向改为 upward（上行文）`);
  // A branch without issuing codes takes any 代字 (numbering then refuses, naming the config to fix).
  const codes = config.issuingCodes;
  if (codes.length > 0) {
    const code = codes.find((c) => c.code === content.issuingCode);
    if (!code) throw new DraftRefusal(400, `发文代字“${content.issuingCode}”不是本单位的代字，可选：${codes.map((c) => c.code).join('、')}`);
    if ((DIRECTIONS as readonly string[]).includes(code.direction) && code.direction !== content.direction) {
      throw new DraftRefusal(400, `发文代字 ${code.code} 用于${DIRECTION_NAMES[code.direction as Direction]}，与所选行文方向（${DIRECTION_NAMES[content.direction]}）不符`);
    }
  }
}

/** SHA-256 of the canonical JSON (keys sorted, undefined left out) of a version's content: what 签发 fixes. */
export function contentHash(content: DraftContent): string {
  return createHash('sha256').update(canonicalLayoutInput(content as never)).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// The draft and its states

/**
 * drafting 拟稿 → in-review 审核 (送审 … 会签) → signed 已签发 → numbered 已编号 → sealed 已用印.
 * `awaiting-signature` 待签发: the route reached 签发, or a signed draft was changed with the
 * signer's consent and must be signed again. signed and later freeze the content.
 */
export const DRAFT_STATES = ['drafting', 'in-review', 'awaiting-signature', 'signed', 'numbered', 'sealed'] as const;
export type DraftState = (typeof DRAFT_STATES)[number];
export const STATE_NAMES: Record<DraftState, string> = {
  drafting: '拟稿中',
  'in-review': '审核中',
  'awaiting-signature': '待签发',
  signed: '已签发',
  numbered: '已编号',
  sealed: '已用印',
};
const FROZEN: ReadonlySet<DraftState> = new Set(['signed', 'numbered', 'sealed']);

export interface Person {
  username: string;
  name: string;
}

/** The draft as stored in its META item: state, the current content and what 签发 fixed. */
export interface Draft {
  draftId: string;
  state: DraftState;
  /** The current version: 0 until submitted. */
  version: number;
  /** Bumped by every write (an edit in place, a version, a state change): the condition of the next write. */
  revision: number;
  content: DraftContent;
  drafter: Person;
  /** 拟稿部门 (department code). */
  department: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: Person;
  submittedAt?: string;
  /** 签发: who, when, which version and the SHA-256 of its content (the seal step checks against it). */
  signed?: { by: string; byName: string; at: string; version: number; contentHash: string; opinion?: string };
  /** The signer's consent to change the signed content, used by the next edit. */
  consent?: { by: string; byName: string; at: string; note: string; version: number };
  /** Every earlier 签发 this draft went back from, oldest first. */
  signings?: NonNullable<Draft['signed']>[];
  /** 编号: the number and the PDF printed with it (the signed version laid out), where the seal goes. */
  printed?: { number: string; version: number; date: string; bucket: string; key: string; sha256: string; pages: number; sealBox: { page: number; x: number; y: number; width: number; height: number } };
  /** Numbers voided (作废) on this draft, oldest first: each with who, when and why. */
  voidedNumbers?: { number: string; at: string; by: string; byName: string; reason: string }[];
  /** 用印: the sealed PDF, its hash and the 用印登记簿 serial. */
  sealed?: { sealId: string; sealName: string; at: string; copies: number; bucket: string; key: string; sha256: string; registerSerial: number; by: string; byName: string };
}

/** One version (V#0001 …): the content as it then was, and what changed from the one before. */
export interface DraftVersion {
  draftId: string;
  version: number;
  content: DraftContent;
  by: string;
  byName: string;
  at: string;
  note?: string;
  /** The labels of the fields changed from the previous version (empty for version 1). */
  changedFields: string[];
  /** Present when the change needed the signer's consent. */
  consent?: Draft['consent'];
  contentHash: string;
}

/** Office roles and leaders read every draft they are cleared for; others, their department's. */
const OFFICE_READERS: ReadonlySet<Role> = new Set(['clerk', 'confidential-clerk', 'office-director', 'secretary', 'main-leader', 'deputy-leader', 'committee-director', 'seal-keeper', 'admin']);
/** Who may change a submitted draft besides its department: 核稿 in the office, leaders at 会签/签发. */
const OFFICE_EDITORS: ReadonlySet<Role> = new Set(['office-director', 'secretary', 'clerk', 'confidential-clerk', 'main-leader', 'deputy-leader', 'committee-director']);

/**
 * May `actor` see this draft? Cleared for its 密级 first (the refusal names no title), then the
 * drafter's department, the office and leaders.
 */
export function checkReadable(actor: Actor, draft: Pick<Draft, 'content' | 'department' | 'drafter'>): void {
  const level = draft.content.secrecy.level;
  if (!mayRead(actor, level)) throw new DraftRefusal(403, `该稿件密级为${level}，您的密级（${actor.clearance}）不足，不能查看`);
  if (draft.drafter.username === actor.username || draft.department === actor.department) return;
  if (actor.roles.some((r) => OFFICE_READERS.has(r))) return;
  throw new DraftRefusal(403, '该稿件仅供拟稿部门、办公室和领导查阅');
}

/** May `actor` change it now? While drafting, the drafter's department; afterwards also the office and leaders. */
export function checkEditable(actor: Actor, draft: Draft): void {
  checkReadable(actor, draft);
  const ownDepartment = draft.drafter.username === actor.username || draft.department === actor.department;
  if (draft.state === 'drafting' && !ownDepartment) throw new DraftRefusal(403, '稿件送审前只能由拟稿部门修改');
  if (!ownDepartment && !actor.roles.some((r) => OFFICE_EDITORS.has(r))) throw new DraftRefusal(403, '您不能修改该稿件：仅拟稿部门、办公室（核稿）和领导可以修改');
}

/** The stale-write refusal: who changed the draft first and when, so the loser knows whom to ask. */
export function staleRefusal(current: Pick<Draft, 'updatedBy' | 'updatedAt' | 'version' | 'revision' | 'state'>, timeZone: string): DraftRefusal {
  const when = formatTime(current.updatedAt, timeZone);
  const what = current.version > 0 ? `，现为第${current.version}版（${STATE_NAMES[current.state]}）` : '';
  return new DraftRefusal(409, `该稿件已被 ${current.updatedBy.name} 于 ${when} 修改${what}；请刷新后在最新内容上重新修改`, {
    changedBy: current.updatedBy.username,
    changedByName: current.updatedBy.name,
    changedAt: current.updatedAt,
    revision: current.revision,
    version: current.version,
  });
}

export { formatTime };

/** Nobody writes what they could not read back: a draft's 密级 is at most its writer's clearance. */
export function checkClearedFor(actor: Actor, content: DraftContent): void {
  if (!mayRead(actor, content.secrecy.level)) throw new DraftRefusal(403, `您的密级为${actor.clearance}，不能拟写或将稿件定为${content.secrecy.level}；请交有相应密级的人员办理`);
}

/** A new draft from its request (the body already pinned when uploaded). */
export function newDraft(draftId: string, actor: Actor, content: DraftContent, at: string): Draft {
  if (!actor.department) throw new DraftRefusal(403, '您的账号没有所属科室，不能拟稿；请联系管理员设置科室');
  checkClearedFor(actor, content);
  return { draftId, state: 'drafting', version: 0, revision: 1, content, drafter: { username: actor.username, name: actor.name }, department: actor.department, createdAt: at, updatedAt: at, updatedBy: { username: actor.username, name: actor.name } };
}

/** The content after a change: the fields given replace the current ones (the body already pinned). */
export function applyChange(current: DraftContent, change: DraftChange, body: DraftBody | undefined): DraftContent {
  const { revision: _r, changeNote: _n, body: _b, ...fields } = change;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return { ...current, ...defined, ...(body ? { body } : {}) } as DraftContent;
}

/** What an edit of `draft` does: in place while drafting, else a new version; frozen after 签发 unless the signer consented. */
export type EditPlan = { kind: 'in-place' } | { kind: 'version'; version: number; reopen: boolean };

/** Numbered or sealed: the number (and the seal) name this content; no consent reopens it. */
const frozenForGood = (state: DraftState) => new DraftRefusal(409, `稿件${STATE_NAMES[state]}，内容不能再改；如确需修改，请先作废文号并重新签发`);

export function planEdit(draft: Draft): EditPlan {
  if (draft.state === 'drafting') return { kind: 'in-place' };
  if (draft.state === 'numbered' || draft.state === 'sealed') throw frozenForGood(draft.state);
  if (FROZEN.has(draft.state)) {
    if (!draft.consent || draft.consent.version !== draft.version) {
      const signer = draft.signed ? `${draft.signed.byName}` : '签发人';
      throw new DraftRefusal(409, `稿件已由${signer}签发，内容已冻结；修改须经签发人同意（由${signer}在稿件上“同意修改”），修改后需重新签发`, { signer: draft.signed?.by });
    }
    return { kind: 'version', version: draft.version + 1, reopen: true };
  }
  return { kind: 'version', version: draft.version + 1, reopen: false };
}

/**
 * The draft after a signed one is changed with its signer's consent: the content is no longer
 * frozen and waits for 签发 again; the earlier signing is kept, the consent used up.
 */
export function reopenForSigning(draft: Draft): Draft {
  if (!draft.signed || draft.state !== 'signed') throw new DraftRefusal(409, `稿件${STATE_NAMES[draft.state]}，不是已签发状态，无需重新签发`);
  if (!draft.consent || draft.consent.version !== draft.version) throw new DraftRefusal(409, `修改已签发的稿件须经签发人${draft.signed.byName}同意`);
  const { signed, consent: _c, ...rest } = draft;
  return { ...rest, state: 'awaiting-signature', signings: [...(draft.signings ?? []), signed] };
}

/** 送审: version 1 of what the drafter wrote. */
export function checkSubmittable(actor: Actor, draft: Draft): void {
  checkReadable(actor, draft);
  if (draft.state !== 'drafting') throw new DraftRefusal(409, `稿件已于 ${draft.submittedAt ?? draft.updatedAt} 送审（${STATE_NAMES[draft.state]}），不能再次送审`);
  if (draft.drafter.username !== actor.username && draft.department !== actor.department) throw new DraftRefusal(403, '只有拟稿部门可以送审该稿件');
}

/** The route reached 签发 (or the document went back there). */
export function checkAwaitSignature(draft: Draft): void {
  if (draft.state !== 'in-review') throw new DraftRefusal(409, `稿件${STATE_NAMES[draft.state]}，不能转入待签发`);
}

/** 签发: a leader (the route decides which) signs the current version, once it has been submitted. */
export function checkSignable(actor: Actor, draft: Draft): void {
  if (!actor.roles.some((r) => r === 'main-leader' || r === 'deputy-leader' || r === 'committee-director')) throw new DraftRefusal(403, '只有领导可以签发公文');
  if (!mayRead(actor, draft.content.secrecy.level)) throw new DraftRefusal(403, `该稿件密级为${draft.content.secrecy.level}，您的密级不足，不能签发`);
  if (draft.state !== 'in-review' && draft.state !== 'awaiting-signature') throw new DraftRefusal(409, `稿件${STATE_NAMES[draft.state]}，不能签发`);
}

/** 同意修改: only the signer consents, on a draft still frozen at their signing. */
export function checkConsent(actor: Actor, draft: Draft): void {
  if (draft.state === 'numbered' || draft.state === 'sealed') throw frozenForGood(draft.state);
  if (draft.state !== 'signed' || !draft.signed) throw new DraftRefusal(409, `稿件${STATE_NAMES[draft.state]}，不需要签发人同意即可修改`);
  if (draft.signed.by !== actor.username) throw new DraftRefusal(403, `只有签发人${draft.signed.byName}可以同意修改已签发的稿件`);
}

// ---------------------------------------------------------------------------------------------
// The lists (我的拟稿, 本科室拟稿)

/** 我的拟稿: drafts the caller created; 本科室拟稿: the caller's department's. */
export const DRAFT_BOXES = ['mine', 'department'] as const;
export type DraftBox = (typeof DRAFT_BOXES)[number];

/** A list's partition: one index item per draft and list, written with the draft (adapters/drafts.ts). */
export function draftListKey(box: DraftBox, actor: Pick<Actor, 'username' | 'department'>): string {
  if (box === 'mine') return `DRAFTS#BY#${actor.username}`;
  if (!actor.department) throw new DraftRefusal(403, '您的账号没有所属科室，没有本科室拟稿可看；请联系管理员设置科室');
  return `DRAFTS#DEPT#${actor.department}`;
}

/** The box asked for (?box=), 我的拟稿 when none. */
export function parseDraftBox(raw: string | undefined): DraftBox {
  if (raw === undefined || raw === '') return 'mine';
  if (!(DRAFT_BOXES as readonly string[]).includes(raw)) throw new DraftRefusal(400, '列表（box）应为 mine（我的拟稿）或 department（本科室拟稿）');
  return raw as DraftBox;
}

/** What a draft's list row needs of its META item. */
export type DraftListSource = Pick<Draft, 'draftId' | 'state' | 'version' | 'createdAt' | 'updatedAt' | 'drafter' | 'department'> & {
  content: Pick<DraftContent, 'title' | 'docType' | 'secrecy' | 'urgency'>;
};

export interface DraftListItem {
  draftId: string;
  title: string;
  /** The title was left out: the caller is not cleared for the draft's 密级. */
  titleHidden?: true;
  docType: DocType;
  state: DraftState;
  stateName: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  drafter: Person;
  department: string;
  secrecy: DraftContent['secrecy']['level'];
  urgency: DraftContent['urgency'];
}

/**
 * A list row. Someone whose clearance was lowered since (or a department member not cleared)
 * sees that the draft exists but not its title, as notifications name a classified document.
 */
export function draftListItem(actor: Pick<Actor, 'clearance'>, draft: DraftListSource): DraftListItem {
  const level = draft.content.secrecy.level;
  const cleared = mayRead(actor, level);
  return {
    draftId: draft.draftId,
    title: cleared ? draft.content.title : `一份${level}稿件`,
    ...(cleared ? {} : { titleHidden: true as const }),
    docType: draft.content.docType,
    state: draft.state,
    stateName: STATE_NAMES[draft.state],
    version: draft.version,
    createdAt: draft.createdAt,
    updatedAt: draft.updatedAt,
    drafter: draft.drafter,
    department: draft.department,
    secrecy: level,
    urgency: draft.content.urgency,
  };
}

// ---------------------------------------------------------------------------------------------
// What changed

export type RunOp = 'equal' | 'insert' | 'delete';
/** A run of text: unchanged, added or removed. */
export interface TextRun {
  op: RunOp;
  text: string;
}
/** One paragraph or heading of the body: unchanged, changed (with its runs), added or removed. */
export interface BlockDiff {
  op: 'equal' | 'changed' | 'added' | 'removed';
  kind: BodyBlock['kind'];
  level?: 1 | 2 | 3 | 4;
  /** Its index in the older and the newer body. */
  from?: number;
  to?: number;
  runs: TextRun[];
}
export interface FieldChange {
  field: string;
  label: string;
  before: unknown;
  after: unknown;
  /** Character runs for a text field. */
  runs?: TextRun[];
}
export interface DraftDiff {
  fields: FieldChange[];
  /** The body paragraph by paragraph when both sides are structured; a file body shows in `fields`. */
  body?: BlockDiff[];
}

export const FIELD_LABELS: Record<keyof DraftContent, string> = {
  docType: '文种',
  title: '标题',
  mainRecipients: '主送',
  copyRecipients: '抄送',
  secrecy: '密级',
  copies: '份数',
  urgency: '紧急程度',
  issuingCode: '发文代字',
  direction: '行文方向',
  signers: '签发人',
  attachments: '附件',
  note: '附注',
  body: '正文',
};

/** Character-level runs, adjacent runs of one kind merged (what the console colours). */
export function textRuns(before: string, after: string): TextRun[] {
  return diffChars(before, after).map((c) => ({ op: c.added ? 'insert' : c.removed ? 'delete' : 'equal', text: c.value }));
}

const blockKey = (b: BodyBlock) => `${b.kind}|${b.kind === 'heading' ? b.level : ''}|${b.text}`;
const blockShape = (b: BodyBlock) => ({ kind: b.kind, ...(b.kind === 'heading' ? { level: b.level } : {}) });

/**
 * The body paragraph by paragraph: paragraphs matched whole (LCS over their text), then within a
 * stretch removed and added together, the k-th removed paired with the k-th added as a change with
 * its character runs; what is left over is added or removed whole.
 */
export function diffBlocks(before: BodyBlock[], after: BodyBlock[]): BlockDiff[] {
  const out: BlockDiff[] = [];
  let i = 0;
  let j = 0;
  const chunks = diffArrays(before.map(blockKey), after.map(blockKey));
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c];
    if (!chunk.added && !chunk.removed) {
      for (let k = 0; k < chunk.count!; k++, i++, j++) out.push({ op: 'equal', ...blockShape(after[j]), from: i, to: j, runs: [{ op: 'equal', text: after[j].text }] });
      continue;
    }
    // A removal followed by an addition (or the reverse) is one edited stretch.
    const next = chunks[c + 1];
    const removed = chunk.removed ? chunk.count! : next?.removed ? next.count! : 0;
    const added = chunk.added ? chunk.count! : next?.added ? next.count! : 0;
    if (next && (next.added || next.removed) && next.added !== chunk.added) c++;
    const paired = Math.min(removed, added);
    for (let k = 0; k < paired; k++) out.push({ op: 'changed', ...blockShape(after[j + k]), from: i + k, to: j + k, runs: textRuns(before[i + k].text, after[j + k].text) });
    for (let k = paired; k < removed; k++) out.push({ op: 'removed', ...blockShape(before[i + k]), from: i + k, runs: [{ op: 'delete', text: before[i + k].text }] });
    for (let k = paired; k < added; k++) out.push({ op: 'added', ...blockShape(after[j + k]), to: j + k, runs: [{ op: 'insert', text: after[j + k].text }] });
    i += removed;
    j += added;
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** A pinned file as a diff shows it: its name and hash, not where it is kept. */
const bodySummary = (b: DraftBody) => (b.kind === 'file' ? { kind: 'file', fileName: b.fileName, sha256: b.sha256 } : { kind: 'structured', paragraphs: b.blocks.length });

/** What changed from `before` to `after`: every field that differs, and the body per paragraph. */
export function diffContent(before: DraftContent, after: DraftContent): DraftDiff {
  const fields: FieldChange[] = [];
  for (const field of Object.keys(FIELD_LABELS) as (keyof DraftContent)[]) {
    const a = before[field];
    const b = after[field];
    if (same(a, b)) continue;
    if (field === 'body') {
      fields.push({ field, label: FIELD_LABELS.body, before: bodySummary(a as DraftBody), after: bodySummary(b as DraftBody) });
      continue;
    }
    fields.push({ field, label: FIELD_LABELS[field], before: a ?? null, after: b ?? null, ...(typeof a === 'string' && typeof b === 'string' ? { runs: textRuns(a, b) } : {}) });
  }
  const body = before.body.kind === 'structured' && after.body.kind === 'structured' ? diffBlocks(before.body.blocks, after.body.blocks) : undefined;
  return { fields, ...(body ? { body } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Layout

export interface LayoutFacts {
  /** 发文机关标志, e.g. ××公司文件. */
  issuerMark: string;
  /** 发文机关署名. */
  issuerName: string;
  /** 印发机关. */
  printedBy: string;
  /** 成文日期 and 印发日期 (YYYY-MM-DD). */
  date: string;
  printedOn?: string;
  /** 发文字号 once numbered; absent, `代字〔year〕  号` is printed for the number to come. */
  documentNumber?: string;
  /** 份号 of the copy printed (classified documents); default 000001. */
  copyNumber?: number;
}

/** The number as printed before numbering: the code and the year, the serial left blank. */
export const placeholderNumber = (code: string, year: string) => `${code}〔${year}〕  号`;

/**
 * A version's content as the GB/T 9704 layout's input (renderOutgoingPdf). An uploaded body has
 * no blocks to lay out: one paragraph names the file instead (the preview shows the 版头 and 版记).
 */
export function layoutInputOf(content: DraftContent, facts: LayoutFacts): OutgoingLayoutInput {
  const classified = content.secrecy.level !== '非密';
  const body: BodyBlock[] =
    content.body.kind === 'structured' ? content.body.blocks : [{ kind: 'paragraph', text: `（正文为上传的文件《${content.body.fileName}》，SHA-256 ${content.body.sha256.slice(0, 16)}…，请下载原文件查看。）` }];
  return {
    ...(classified ? { copyNumber: String(facts.copyNumber ?? 1).padStart(6, '0') } : {}),
    ...(classified ? { secrecy: { level: content.secrecy.level as '秘密' | '机密' | '绝密', ...(content.secrecy.period ? { period: content.secrecy.period } : {}) } } : {}),
    ...(content.urgency !== '普通' ? { urgency: content.urgency } : {}),
    issuerMark: facts.issuerMark,
    documentNumber: facts.documentNumber ?? placeholderNumber(content.issuingCode, facts.date.slice(0, 4)),
    ...(content.direction === 'upward' ? { signers: content.signers } : {}),
    title: content.title,
    ...(content.mainRecipients.length ? { mainRecipients: content.mainRecipients.join('、') } : {}),
    body,
    ...(content.attachments.length ? { attachments: content.attachments } : {}),
    issuerName: facts.issuerName,
    date: facts.date,
    ...(content.note ? { note: content.note } : {}),
    ...(content.copyRecipients.length ? { copyTo: content.copyRecipients } : {}),
    printedBy: facts.printedBy,
    printedOn: facts.printedOn ?? facts.date,
  };
}

/** A draft's version number as a path parameter: 1–9999, digits only. */
export function parseVersionNumber(raw: string | undefined, what = '版本号'): number {
  const n = raw !== undefined && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1)) throw new DraftRefusal(400, `${what}应为 1 到 9999 的整数`);
  return n;
}

/** Draft ids: 20 hexadecimal digits, checked before any table is read. */
export const isDraftId = (value: string): boolean => /^[0-9a-f]{20}$/.test(value);

/**
 * What numbering (发文字号) and the 发文登记簿 need of a signed draft, in the shape of the numbering
 * module's SignedFacts (functions/domain/outgoing-numbering.ts): the draft id stands as the document id.
 */
export function signedFacts(draft: Draft) {
  if (!draft.signed || (draft.state !== 'signed' && draft.state !== 'numbered' && draft.state !== 'sealed')) {
    throw new DraftRefusal(409, `《${draft.content.title}》尚未签发（${STATE_NAMES[draft.state]}），不能编号或用印`);
  }
  return {
    docId: draft.draftId,
    title: draft.content.title,
    docType: draft.content.docType,
    secrecy: draft.content.secrecy.level,
    signer: draft.signed.by,
    signerName: draft.signed.byName,
    signedAt: draft.signed.at,
    ...(draft.content.copies === undefined ? {} : { copies: draft.content.copies }),
    mainRecipients: draft.content.mainRecipients,
    copyRecipients: draft.content.copyRecipients,
    contentHash: draft.signed.contentHash,
    issuingCode: draft.content.issuingCode,
    direction: draft.content.direction,
  };
}
