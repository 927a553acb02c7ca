/**
 * Amazon States Language: the types of the subset the local interpreter runs, and a validation
 * that rejects everything else with InvalidDefinition. Failing loudly at CreateStateMachine is
 * better than a route that half-runs locally and behaves differently on AWS.
 */
import { sfnError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}
export interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}

interface BaseState {
  Type: string;
  Comment?: string;
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
}

export interface TaskState extends BaseState {
  Type: 'Task';
  Resource: string;
  Parameters?: Json;
  ResultSelector?: Json;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
}
export interface PassState extends BaseState {
  Type: 'Pass';
  Result?: Json;
  Parameters?: Json;
  ResultPath?: string | null;
}
export interface ChoiceRule {
  Variable?: string;
  Next?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  [operator: string]: unknown;
}
export interface ChoiceState extends BaseState {
  Type: 'Choice';
  Choices: ChoiceRule[];
  Default?: string;
}
export interface WaitState extends BaseState {
  Type: 'Wait';
  Seconds?: number;
  Timestamp?: string;
  SecondsPath?: string;
  TimestampPath?: string;
}
export interface SucceedState extends BaseState {
  Type: 'Succeed';
}
export interface FailState extends BaseState {
  Type: 'Fail';
  Error?: string;
  Cause?: string;
  ErrorPath?: string;
  CausePath?: string;
}
export interface ParallelState extends BaseState {
  Type: 'Parallel';
  Branches: Scope[];
  Parameters?: Json;
  ResultSelector?: Json;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
}
export interface MapState extends BaseState {
  Type: 'Map';
  /** `Iterator` (legacy) is normalized into `ItemProcessor` by validation. */
  ItemProcessor: Scope;
  ItemsPath?: string;
  /** `Parameters` (legacy) is normalized into `ItemSelector` by validation. */
  ItemSelector?: Json;
  MaxConcurrency?: number;
  ResultSelector?: Json;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
}
export type State = TaskState | PassState | ChoiceState | WaitState | SucceedState | FailState | ParallelState | MapState;

export interface Scope {
  StartAt: string;
  States: Record<string, State>;
}
export interface StateMachineDefinition extends Scope {
  Comment?: string;
  TimeoutSeconds?: number;
  Version?: string;
}

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

const COMPARISONS = [
  'StringEquals', 'StringLessThan', 'StringGreaterThan', 'StringLessThanEquals', 'StringGreaterThanEquals',
  'NumericEquals', 'NumericLessThan', 'NumericGreaterThan', 'NumericLessThanEquals', 'NumericGreaterThanEquals',
  'BooleanEquals',
  'TimestampEquals', 'TimestampLessThan', 'TimestampGreaterThan', 'TimestampLessThanEquals', 'TimestampGreaterThanEquals',
];
export const CHOICE_OPERATORS = new Set([
  ...COMPARISONS,
  ...COMPARISONS.map((c) => `${c}Path`),
  'StringMatches', 'IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp',
]);

const COMMON_FIELDS = ['Type', 'Comment', 'Next', 'End', 'InputPath', 'OutputPath'];
const ALLOWED_FIELDS: Record<State['Type'], string[]> = {
  Task: [...COMMON_FIELDS, 'Resource', 'Parameters', 'ResultSelector', 'ResultPath', 'TimeoutSeconds',
    'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Retry', 'Catch'],
  Pass: [...COMMON_FIELDS, 'Result', 'Parameters', 'ResultPath'],
  Choice: ['Type', 'Comment', 'InputPath', 'OutputPath', 'Choices', 'Default'],
  Wait: [...COMMON_FIELDS, 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'],
  Succeed: ['Type', 'Comment', 'InputPath', 'OutputPath'],
  Fail: ['Type', 'Comment', 'Error', 'Cause', 'ErrorPath', 'CausePath'],
  Parallel: [...COMMON_FIELDS, 'Branches', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
  Map: [...COMMON_FIELDS, 'Iterator', 'ItemProcessor', 'ItemsPath', 'Parameters', 'ItemSelector', 'MaxConcurrency',
    'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
};

function invalid(where: string, message: string): never {
  throw sfnError('InvalidDefinition', `Invalid State Machine Definition: ${where}: ${message}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a definition; returns it with legacy Map fields normalized. */
export function parseDefinition(text: string): StateMachineDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    invalid('definition', `not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) invalid('definition', 'must be a JSON object');
  if (raw.QueryLanguage !== undefined && raw.QueryLanguage !== 'JSONPath') {
    invalid('QueryLanguage', 'only JSONPath is supported locally (JSONata is not)');
  }
  for (const key of Object.keys(raw)) {
    if (!['Comment', 'StartAt', 'States', 'TimeoutSeconds', 'Version', 'QueryLanguage'].includes(key)) {
      invalid('definition', `unsupported top-level field "${key}"`);
    }
  }
  if (raw.TimeoutSeconds !== undefined && !isPositiveInt(raw.TimeoutSeconds)) {
    invalid('TimeoutSeconds', 'must be a positive integer');
  }
  validateScope(raw, '');
  return raw as unknown as StateMachineDefinition;
}

function isPositiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}
function isNonNegative(v: unknown): boolean {
  return typeof v === 'number' && v >= 0;
}
function checkPath(where: string, field: string, v: unknown, nullable: boolean): void {
  if (v === undefined) return;
  if (v === null && nullable) return;
  if (typeof v !== 'string' || !v.startsWith('$')) invalid(where, `${field} must be a JSONPath starting with "$"`);
}

function validateScope(scope: Record<string, unknown>, prefix: string): void {
  const where = prefix || 'definition';
  if (typeof scope.StartAt !== 'string') invalid(where, 'StartAt is required');
  if (!isObject(scope.States) || Object.keys(scope.States).length === 0) invalid(where, 'States must be a non-empty object');
  const states = scope.States as Record<string, unknown>;
  if (!(scope.StartAt in states)) invalid(where, `StartAt "${scope.StartAt}" is not a state`);
  const target = (from: string, next: unknown): void => {
    if (typeof next !== 'string' || !(next in states)) invalid(from, `transition target "${String(next)}" is not a state in this scope`);
  };
  for (const [name, s] of Object.entries(states)) {
    const at = `${prefix}/States/${name}`;
    if (name.length === 0 || name.length > 80) invalid(at, 'state names must be 1-80 characters');
    if (!isObject(s)) invalid(at, 'a state must be an object');
    validateState(s, at, target);
  }
  // AWS rejects unreachable states; so do we, so a definition accepted here deploys there.
  const reachable = new Set<string>();
  const visit = (name: string): void => {
    if (reachable.has(name)) return;
    reachable.add(name);
    const s = states[name] as unknown as State;
    const nexts: string[] = [];
    if (s.Next) nexts.push(s.Next);
    if (s.Type === 'Choice') {
      for (const c of s.Choices) if (c.Next) nexts.push(c.Next);
      if (s.Default) nexts.push(s.Default);
    }
    if ('Catch' in s && s.Catch) for (const c of s.Catch) nexts.push(c.Next);
    nexts.forEach(visit);
  };
  visit(scope.StartAt as string);
  for (const name of Object.keys(states)) {
    if (!reachable.has(name)) invalid(`${prefix}/States/${name}`, 'state is not reachable from StartAt');
  }
}

function validateState(s: Record<string, unknown>, at: string, target: (from: string, next: unknown) => void): void {
  const type = s.Type as State['Type'];
  if (!(type in ALLOWED_FIELDS)) invalid(at, `unsupported state Type "${String(s.Type)}"`);
  if (s.QueryLanguage !== undefined && s.QueryLanguage !== 'JSONPath') invalid(at, 'only JSONPath is supported locally (JSONata is not)');
  for (const key of Object.keys(s)) {
    if (!ALLOWED_FIELDS[type].includes(key) && key !== 'QueryLanguage') invalid(at, `field "${key}" is not supported on a ${type} state locally`);
  }
  const terminal = type === 'Succeed' || type === 'Fail' || type === 'Choice';
  if (!terminal) {
    if (s.End === true && s.Next !== undefined) invalid(at, 'a state cannot have both Next and End');
    if (s.End !== true && s.Next === undefined) invalid(at, 'a state needs Next or End: true');
    if (s.Next !== undefined) target(at, s.Next);
  }
  checkPath(at, 'InputPath', s.InputPath, true);
  checkPath(at, 'OutputPath', s.OutputPath, true);
  checkPath(at, 'ResultPath', s.ResultPath, true);
  if ('Retry' in s) validateRetry(s.Retry, at);
  if ('Catch' in s) validateCatch(s.Catch, at, target);

  switch (type) {
    case 'Task': {
      const r = s.Resource;
      if (typeof r !== 'string') invalid(at, 'Resource is required');
      if (r !== LAMBDA_INVOKE && r !== LAMBDA_INVOKE_WAIT && !LAMBDA_FUNCTION_ARN.test(r)) {
        invalid(at, `Resource "${r}" is not supported locally (only ${LAMBDA_INVOKE}, ${LAMBDA_INVOKE_WAIT} and Lambda function ARNs)`);
      }
      if (r === LAMBDA_INVOKE || r === LAMBDA_INVOKE_WAIT) {
        const p = s.Parameters;
        if (!isObject(p) || (!('FunctionName' in p) && !('FunctionName.$' in p))) invalid(at, 'lambda:invoke needs Parameters.FunctionName');
      }
      if (s.TimeoutSeconds !== undefined && !isPositiveInt(s.TimeoutSeconds)) invalid(at, 'TimeoutSeconds must be a positive integer');
      if (s.HeartbeatSeconds !== undefined && !isPositiveInt(s.HeartbeatSeconds)) invalid(at, 'HeartbeatSeconds must be a positive integer');
      if (s.TimeoutSeconds !== undefined && s.TimeoutSecondsPath !== undefined) invalid(at, 'TimeoutSeconds and TimeoutSecondsPath are exclusive');
      if (s.HeartbeatSeconds !== undefined && s.HeartbeatSecondsPath !== undefined) invalid(at, 'HeartbeatSeconds and HeartbeatSecondsPath are exclusive');
      if (typeof s.HeartbeatSeconds === 'number' && typeof s.TimeoutSeconds === 'number' && s.HeartbeatSeconds >= s.TimeoutSeconds) {
        invalid(at, 'HeartbeatSeconds must be smaller than TimeoutSeconds');
      }
      checkPath(at, 'TimeoutSecondsPath', s.TimeoutSecondsPath, false);
      checkPath(at, 'HeartbeatSecondsPath', s.HeartbeatSecondsPath, false);
      break;
    }
    case 'Choice': {
      if (!Array.isArray(s.Choices) || s.Choices.length === 0) invalid(at, 'Choices must be a non-empty array');
      for (const [i, rule] of (s.Choices as unknown[]).entries()) {
        if (!isObject(rule)) invalid(at, `Choices[${i}] must be an object`);
        if (rule.Next === undefined) invalid(at, `Choices[${i}] needs Next`);
        target(at, rule.Next);
        validateRule(rule, `${at}/Choices[${i}]`, true);
      }
      if (s.Default !== undefined) target(at, s.Default);
      break;
    }
    case 'Wait': {
      const fields = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter((f) => s[f] !== undefined);
      if (fields.length !== 1) invalid(at, 'a Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath');
      if (s.Seconds !== undefined && !(isNonNegative(s.Seconds) && Number.isInteger(s.Seconds))) invalid(at, 'Seconds must be a non-negative integer');
      if (s.Timestamp !== undefined && (typeof s.Timestamp !== 'string' || Number.isNaN(Date.parse(s.Timestamp)))) {
        invalid(at, 'Timestamp must be an ISO-8601 timestamp');
      }
      checkPath(at, 'SecondsPath', s.SecondsPath, false);
      checkPath(at, 'TimestampPath', s.TimestampPath, false);
      break;
    }
    case 'Fail':
      checkPath(at, 'ErrorPath', s.ErrorPath, false);
      checkPath(at, 'CausePath', s.CausePath, false);
      break;
    case 'Parallel':
      if (!Array.isArray(s.Branches) || s.Branches.length === 0) invalid(at, 'Branches must be a non-empty array');
      (s.Branches as unknown[]).forEach((b, i) => {
        if (!isObject(b)) invalid(at, `Branches[${i}] must be an object`);
        validateScope(b, `${at}/Branches[${i}]`);
      });
      break;
    case 'Map': {
      if (s.Iterator !== undefined && s.ItemProcessor !== undefined) invalid(at, 'Iterator and ItemProcessor are exclusive');
      if (s.Parameters !== undefined && s.ItemSelector !== undefined) invalid(at, 'Parameters and ItemSelector are exclusive');
      const processor = s.ItemProcessor ?? s.Iterator;
      if (!isObject(processor)) invalid(at, 'ItemProcessor is required');
      const config = processor.ProcessorConfig;
      if (config !== undefined) {
        if (!isObject(config) || (config.Mode !== undefined && config.Mode !== 'INLINE')) {
          invalid(at, 'only INLINE Map processing is supported locally (no distributed Map)');
        }
      }
      const { ProcessorConfig: _ignored, ...inner } = processor;
      validateScope(inner, `${at}/ItemProcessor`);
      checkPath(at, 'ItemsPath', s.ItemsPath, false);
      if (s.MaxConcurrency !== undefined && !(Number.isInteger(s.MaxConcurrency) && (s.MaxConcurrency as number) >= 0)) {
        invalid(at, 'MaxConcurrency must be a non-negative integer');
      }
      // Normalize the legacy spellings once so the interpreter reads one shape.
      s.ItemProcessor = inner;
      delete s.Iterator;
      if (s.Parameters !== undefined) {
        s.ItemSelector = s.Parameters;
        delete s.Parameters;
      }
      break;
    }
    default:
      break;
  }
}

function validateRule(rule: Record<string, unknown>, at: string, top: boolean): void {
  const keys = Object.keys(rule).filter((k) => k !== 'Next' && k !== 'Comment');
  if (!top && rule.Next !== undefined) invalid(at, 'nested rules cannot have Next');
  if ('And' in rule || 'Or' in rule) {
    const list = rule.And ?? rule.Or;
    if (keys.length !== 1 || !Array.isArray(list) || list.length === 0) invalid(at, 'And/Or must be the only operator and a non-empty array');
    (list as unknown[]).forEach((r, i) => {
      if (!isObject(r)) invalid(at, `rule ${i} must be an object`);
      validateRule(r, `${at}/${i}`, false);
    });
    return;
  }
  if ('Not' in rule) {
    if (keys.length !== 1 || !isObject(rule.Not)) invalid(at, 'Not must be the only operator and an object');
    validateRule(rule.Not, `${at}/Not`, false);
    return;
  }
  checkPath(at, 'Variable', rule.Variable, false);
  if (rule.Variable === undefined) invalid(at, 'a comparison needs Variable');
  const operators = keys.filter((k) => k !== 'Variable');
  if (operators.length !== 1) invalid(at, 'a comparison needs exactly one operator');
  const op = operators[0]!;
  if (!CHOICE_OPERATORS.has(op)) invalid(at, `unsupported Choice operator "${op}"`);
  if (op.endsWith('Path')) checkPath(at, op, rule[op], false);
}

function validateRetry(v: unknown, at: string): void {
  if (!Array.isArray(v)) invalid(at, 'Retry must be an array');
  for (const r of v) {
    if (!isObject(r) || !Array.isArray(r.ErrorEquals) || r.ErrorEquals.length === 0) invalid(at, 'each retrier needs a non-empty ErrorEquals');
    checkAll(r.ErrorEquals as unknown[], at);
    if (r.IntervalSeconds !== undefined && !isNonNegative(r.IntervalSeconds)) invalid(at, 'IntervalSeconds must be >= 0');
    if (r.MaxAttempts !== undefined && !(Number.isInteger(r.MaxAttempts) && (r.MaxAttempts as number) >= 0)) invalid(at, 'MaxAttempts must be a non-negative integer');
    if (r.BackoffRate !== undefined && !(typeof r.BackoffRate === 'number' && r.BackoffRate >= 1)) invalid(at, 'BackoffRate must be >= 1');
    if (r.MaxDelaySeconds !== undefined && !isPositiveInt(r.MaxDelaySeconds)) invalid(at, 'MaxDelaySeconds must be a positive integer');
    if (r.JitterStrategy !== undefined && r.JitterStrategy !== 'FULL' && r.JitterStrategy !== 'NONE') invalid(at, 'JitterStrategy must be FULL or NONE');
    for (const key of Object.keys(r)) {
      if (!['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy', 'Comment'].includes(key)) {
        invalid(at, `unsupported retrier field "${key}"`);
      }
    }
  }
}

function validateCatch(v: unknown, at: string, target: (from: string, next: unknown) => void): void {
  if (!Array.isArray(v)) invalid(at, 'Catch must be an array');
  for (const c of v) {
    if (!isObject(c) || !Array.isArray(c.ErrorEquals) || c.ErrorEquals.length === 0) invalid(at, 'each catcher needs a non-empty ErrorEquals');
    checkAll(c.ErrorEquals as unknown[], at);
    target(at, c.Next);
    checkPath(at, 'Catch ResultPath', c.ResultPath, true);
  }
}

/** States.ALL must stand alone and come last, as AWS requires. */
function checkAll(errors: unknown[], at: string): void {
  if (errors.some((e) => typeof e !== 'string')) invalid(at, 'ErrorEquals entries must be strings');
  if (errors.includes('States.ALL') && errors.length > 1) invalid(at, 'States.ALL must be the only entry of its ErrorEquals');
}
