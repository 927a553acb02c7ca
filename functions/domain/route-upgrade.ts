/**
 * Upgrading a branch while documents are mid-route. A Standard execution keeps the definition it
 * started with, so after a deploy it goes on on the OLD graph while the NEW code serves it: the
 * old graph calls create-task with its step ids and its decisions, the archive with its payload,
 * and Choice states read decisions the new forms produce. This module reads an ASL graph (a
 * released one from statemachines/released/, or the one an execution runs on) and says what of it
 * the current route module can no longer serve. Pure: no AWS, no files.
 */
import type { z } from 'zod';
import { GOTO_ERROR, GOTO_WITHDRAWN, stepOf, type RouteDefinition, type StepDefinition } from './route-platform.js';

/** The parts of an ASL state these checks read. */
export interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  Parameters?: { FunctionName?: string; Payload?: Record<string, unknown> };
  ResultPath?: string | null;
  ResultSelector?: Record<string, unknown>;
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Choices?: ChoiceRule[];
}
export interface ChoiceRule {
  Variable?: string;
  Next?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  [comparison: string]: unknown;
}
export interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
}

const ARCHIVE_FUNCTION = '${ArchiveFunctionArn}';
const GOTO_CAUSE = '$.goto.Cause';
const DECISION_VARIABLE = /^\$\.decisions\.([^.[\]]+)\.([^.[\]]+)/;

/** The human step a Task state waits in (its Payload names it), or undefined for other states. */
const stepOfState = (state: AslState): string | undefined => (state.Type === 'Task' && typeof state.Parameters?.Payload?.step === 'string' ? state.Parameters.Payload.step : undefined);

/** Every rule of a Choice, nested ones (And/Or/Not) included. */
function rulesOf(rules: ChoiceRule[] = []): ChoiceRule[] {
  return rules.flatMap((r) => [r, ...rulesOf(r.And), ...rulesOf(r.Or), ...(r.Not ? rulesOf([r.Not]) : [])]);
}

/** The value a rule compares its variable to (StringEquals, BooleanEquals …), if it compares one. */
function comparedValue(rule: ChoiceRule): { has: boolean; value?: unknown } {
  const key = Object.keys(rule).find((k) => /Equals$|^(String|Numeric|Timestamp)(LessThan|GreaterThan)/.test(k) && !k.endsWith('Path'));
  return key ? { has: true, value: rule[key] } : { has: false };
}

/** The Task states of a graph keyed by what they call: `step:<id>` for a human step, `archive`. */
function tasksOf(asl: Asl): Map<string, { name: string; state: AslState }> {
  const out = new Map<string, { name: string; state: AslState }>();
  for (const [name, state] of Object.entries(asl.States)) {
    const step = stepOfState(state);
    if (step) out.set(`step:${step}`, { name, state });
    else if (state.Type === 'Task' && state.Parameters?.FunctionName === ARCHIVE_FUNCTION) out.set('archive', { name, state });
  }
  return out;
}

/** The schema of one field of a step's form, if the form has it. */
function fieldOf(step: StepDefinition, field: string): z.ZodType | undefined {
  const shape = (step.form as unknown as { shape?: Record<string, z.ZodType> }).shape;
  return shape && Object.hasOwn(shape, field) ? shape[field] : undefined;
}

/**
 * What the current code cannot serve of a released graph of route `routeId`, one line each; none
 * when every execution still on that graph can finish. `current` is the graph generated from the
 * current route module (infra/asl.ts aslOf): what it sends and reads is what the current handlers
 * are tested against.
 *   - each human Task names the route and a step the route module still has (create-task finds it),
 *     sends create-task and the archive at least what the current graph sends, keeps the decision
 *     where later steps read it, and reads nothing of a Lambda's answer the current graph no longer reads;
 *   - each Choice reads `$.decisions.<step>.<field>` of a step that still exists, a field its form
 *     still has (or `passed`, a signed step's outcome), compared to a value the form still accepts;
 *   - the Goto Choice names steps the route still has, and every Next leads to a state of the graph.
 */
export function upgradeProblems(routeId: string, released: Asl, current: Asl, route: RouteDefinition | undefined): string[] {
  if (!route) return [`route ${routeId} is gone: executions of it call create-task with a route no module defines`];
  const problems: string[] = [];
  const at = (name: string) => `${routeId} ${name}`;
  const now = tasksOf(current);

  for (const [key, { name, state }] of tasksOf(released)) {
    const payload = state.Parameters?.Payload ?? {};
    if (key.startsWith('step:')) {
      const stepId = key.slice(5);
      if (payload.route !== routeId) problems.push(`${at(name)}: the Payload names route ${String(payload.route)}`);
      if (!stepOf(route, stepId)) {
        problems.push(`${at(name)}: step ${stepId} is no longer in the route module (a document waiting there could not get its task)`);
        continue;
      }
    }
    const then = now.get(key)?.state;
    if (!then) continue; // a step the current flow no longer reaches: still loadable, so still served
    const want = then.Parameters?.Payload ?? {};
    for (const [field, value] of Object.entries(want)) {
      if (!Object.hasOwn(payload, field)) problems.push(`${at(name)}: sends no ${field}, which the current handler is sent`);
      else if (JSON.stringify(payload[field]) !== JSON.stringify(value)) problems.push(`${at(name)}: sends ${field} = ${JSON.stringify(payload[field])}, now ${JSON.stringify(value)}`);
    }
    if (state.ResultPath !== then.ResultPath) problems.push(`${at(name)}: keeps its answer at ${String(state.ResultPath)}, the current graph at ${String(then.ResultPath)}`);
    for (const [field, path] of Object.entries(state.ResultSelector ?? {})) {
      if (JSON.stringify(then.ResultSelector?.[field]) !== JSON.stringify(path)) problems.push(`${at(name)}: reads ${field} from ${String(path)} of the answer, which the current graph no longer reads`);
    }
  }

  for (const [name, state] of Object.entries(asl(released).States)) {
    for (const next of [state.Next, state.Default, ...(state.Catch ?? []).map((c) => c.Next), ...rulesOf(state.Choices).map((r) => r.Next)]) {
      if (next !== undefined && !Object.hasOwn(released.States, next)) problems.push(`${at(name)}: goes to ${next}, which the graph does not have`);
    }
    if (state.Type !== 'Choice') continue;
    for (const rule of rulesOf(state.Choices)) {
      if (rule.Variable === GOTO_CAUSE) {
        const target = comparedValue(rule).value;
        if (target !== GOTO_WITHDRAWN && !(typeof target === 'string' && stepOf(route, target))) problems.push(`${at(name)}: goes to step ${String(target)}, which the route module no longer has`);
        continue;
      }
      const read = rule.Variable ? DECISION_VARIABLE.exec(rule.Variable) : null;
      if (!read) continue;
      const [, stepId, field] = read as unknown as [string, string, string];
      const step = stepOf(route, stepId);
      if (!step) {
        problems.push(`${at(name)}: reads the decision of step ${stepId}, which the route module no longer has`);
        continue;
      }
      const compared = comparedValue(rule);
      if (field === 'passed') {
        if (compared.has && typeof compared.value !== 'boolean') problems.push(`${at(name)}: compares ${stepId}.passed to ${JSON.stringify(compared.value)}, not a boolean`);
        continue;
      }
      const schema = fieldOf(step, field);
      if (!schema) problems.push(`${at(name)}: reads ${stepId}.${field}, a field the step's form no longer has`);
      else if (compared.has && !schema.safeParse(compared.value).success) problems.push(`${at(name)}: compares ${stepId}.${field} to ${JSON.stringify(compared.value)}, which the form no longer accepts`);
    }
  }
  // A Choice reads a field twice (IsPresent, then the value): say each problem once.
  return [...new Set(problems)];
}

/** Narrows parsed JSON to the ASL shape these checks read (a graph without States is no graph). */
export function asl(value: unknown): Asl {
  const v = value as Partial<Asl> | null;
  if (!v || typeof v !== 'object' || typeof v.StartAt !== 'string' || !v.States || typeof v.States !== 'object') throw new Error('not an ASL state machine definition');
  return v as Asl;
}

/**
 * The steps a Goto (退回, 直送, 撤回, the consented change after 签发) from this step's Task can
 * reach in this graph, `withdrawn` included when 撤销 can end it there. Empty when the Task does
 * not catch Chancery.Goto (graphs released before it existed): answering it so would fail the
 * execution instead of moving the document.
 */
export function gotoTargetsFrom(graph: Asl, stepId: string): string[] {
  const task = Object.values(graph.States).find((s) => stepOfState(s) === stepId);
  const next = task?.Catch?.find((c) => c.ErrorEquals.includes(GOTO_ERROR))?.Next;
  const choice = next ? graph.States[next] : undefined;
  if (!choice || choice.Type !== 'Choice') return [];
  return rulesOf(choice.Choices).flatMap((r) => (r.Variable === GOTO_CAUSE && typeof r.StringEquals === 'string' ? [r.StringEquals] : []));
}
