/**
 * The 文件处理笺 (processing slip) of an incoming document: its header data and every opinion
 * (拟办, 批示, 阅处, 承办 …) with who gave it and when. It is archived with the scans as JSON
 * (slipToJson) and as a PDF (renderSlipPdf in slip-pdf.ts).
 */
import * as z from 'zod';
import { ROLE_NAMES, type Role } from './identity.js';

export interface SlipLine {
  step: string /* e.g. 'propose' */;
  stepName: string /* e.g. '拟办' */;
  actorName: string;
  actorUsername: string;
  role: string;
  at: string /* ISO */;
  opinion: string;
  details: { label: string; value: string }[] /* e.g. 承办科室, 办理期限, 保管期限 */;
  /** Acting under a standing delegation (委托): whom the actor stands in for; printed "孙伟 代 赵敏". */
  onBehalfOf?: string;
  onBehalfOfName?: string;
}

/** The slip line someone writes on a task's step, printed with the step's role (阅批 — 赵敏（主要领导）). */
export function slipLineFor(
  task: { step: string; stepName: string; assignment: { role: Role } },
  actor: { name: string; username: string },
  at: string,
  opinion: string,
  details: SlipLine['details'],
): SlipLine {
  return { step: task.step, stepName: task.stepName, actorName: actor.name, actorUsername: actor.username, role: ROLE_NAMES[task.assignment.role], at, opinion, details };
}

/**
 * A slip line someone writes outside a step's role (转办 by the director, 传阅, 已阅, 办理反馈),
 * printed with the roles they hold (or `fallback` when they hold none).
 */
export function slipLineBy(
  step: { step: string; stepName: string },
  actor: { name: string; username: string; roles: Role[] },
  at: string,
  opinion: string,
  details: SlipLine['details'],
  fallback = '',
): SlipLine {
  return { ...step, actorName: actor.name, actorUsername: actor.username, role: actor.roles.map((r) => ROLE_NAMES[r]).join('、') || fallback, at, opinion, details };
}

export interface ProcessingSlip {
  branchName: string;
  title: string;
  registerNumber: string;
  receivedAt: string;
  sender: string;
  sourceNumber: string /* 来文字号, may be '' */;
  urgency: '特急' | '加急' | '平件';
  secrecy: '非密' | '秘密' | '机密' | '绝密';
  archiveCode?: string;
  lines: SlipLine[];
}

/** Runtime check for a slip read back from storage or a request (same shape as ProcessingSlip). */
export const processingSlipSchema = z.object({
  branchName: z.string(),
  title: z.string(),
  registerNumber: z.string(),
  receivedAt: z.string(),
  sender: z.string(),
  sourceNumber: z.string(),
  urgency: z.enum(['特急', '加急', '平件']),
  secrecy: z.enum(['非密', '秘密', '机密', '绝密']),
  archiveCode: z.string().optional(),
  lines: z.array(
    z.object({
      step: z.string(),
      stepName: z.string(),
      actorName: z.string(),
      actorUsername: z.string(),
      role: z.string(),
      at: z.string(),
      opinion: z.string(),
      details: z.array(z.object({ label: z.string(), value: z.string() })),
      onBehalfOf: z.string().optional(),
      onBehalfOfName: z.string().optional(),
    }),
  ),
});

/**
 * Pretty JSON (2-space indent) with a fixed key order (the order of the interfaces above), whatever
 * order the object was built in; extra properties are dropped and archiveCode is omitted when unset.
 */
export function slipToJson(slip: ProcessingSlip): string {
  const ordered = {
    branchName: slip.branchName,
    title: slip.title,
    registerNumber: slip.registerNumber,
    receivedAt: slip.receivedAt,
    sender: slip.sender,
    sourceNumber: slip.sourceNumber,
    urgency: slip.urgency,
    secrecy: slip.secrecy,
    ...(slip.archiveCode !== undefined ? { archiveCode: slip.archiveCode } : {}),
    lines: slip.lines.map((l) => ({
      step: l.step,
      stepName: l.stepName,
      actorName: l.actorName,
      actorUsername: l.actorUsername,
      role: l.role,
      at: l.at,
      opinion: l.opinion,
      details: l.details.map((d) => ({ label: d.label, value: d.value })),
      ...(l.onBehalfOf !== undefined ? { onBehalfOf: l.onBehalfOf, onBehalfOfName: l.onBehalfOfName ?? l.onBehalfOf } : {}),
    })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

// Made on first use: the first time-zoned Intl formatter of a process loads ICU's zone data (some
// 10 ms), a cost for the functions that print a time, not for every one importing this module.
let slipTimeFormat: Intl.DateTimeFormat | undefined;
const slipTimeFormatter = (): Intl.DateTimeFormat =>
  (slipTimeFormat ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'Asia/Shanghai',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }));

/** Who acted, as printed on the slip: 孙伟, or 孙伟 代 赵敏 under a delegation. */
export const slipActorName = (line: Pick<SlipLine, 'actorName' | 'onBehalfOf' | 'onBehalfOfName'>) =>
  line.onBehalfOf ? `${line.actorName} 代 ${line.onBehalfOfName ?? line.onBehalfOf}` : line.actorName;

/** An ISO instant as printed on the slip, in Beijing time: 2026年11月22日 14:05. Unparseable input is returned as is. */
export function formatSlipTime(iso: string): string {
  const t = new Date(iso);
  if (!iso || Number.isNaN(t.getTime())) return iso;
  const parts = slipTimeFormatter().formatToParts(t);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const hour = String(Number(get('hour')) % 24).padStart(2, '0');
  return `${get('year')}年${Number(get('month'))}月${Number(get('day'))}日 ${hour}:${get('minute')}`;
}
