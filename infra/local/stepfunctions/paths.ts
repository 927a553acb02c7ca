/**
 * Input and output processing: JSONPath queries (via jsonpath-plus), payload templates
 * (Parameters/ResultSelector/ItemSelector with `.$` keys), ResultPath merging and the intrinsic
 * functions. Every failure is a StatesError so the interpreter treats it like AWS does.
 */
import { createHash, randomUUID } from 'node:crypto';
import { JSONPath } from 'jsonpath-plus';
import type { Json, JsonObject } from './asl.js';
import { StatesError, statesRuntime } from './errors.js';

export type ContextObject = JsonObject;

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** A path with wildcards, filters, slices, unions or recursive descent yields a list on AWS. */
const isIndefinite = (path: string): boolean => /\*|\.\.|\?\(|\[[^\]]*[:,][^\]]*\]/.test(path);

/** Evaluates a path against the data (or, for `$$…`, the context object). Undefined when nothing matches. */
export function tryQuery(path: string, data: Json, context?: ContextObject): Json | undefined {
  let target: Json = data;
  let expr = path;
  if (path.startsWith('$$')) {
    target = (context ?? {}) as Json;
    expr = path.slice(1);
  }
  if (expr === '$') return target;
  if (target === null || typeof target !== 'object') return undefined;
  const found = JSONPath({ path: expr, json: target, wrap: true }) as Json[] | undefined;
  if (isIndefinite(expr)) return found ?? [];
  return found && found.length > 0 ? found[0] : undefined;
}

/** Like tryQuery, but a missing value is the States.Runtime error AWS raises. */
export function query(path: string, data: Json, context?: ContextObject): Json {
  const value = tryQuery(path, data, context);
  if (value === undefined) {
    throw statesRuntime(`The JSONPath '${path}' could not be found in the input '${JSON.stringify(data)}'`);
  }
  return value;
}

/** InputPath / OutputPath: absent means `$`, null means `{}`. */
export function applyPath(path: string | null | undefined, data: Json, context: ContextObject): Json {
  if (path === undefined) return data;
  if (path === null) return {};
  return query(path, data, context);
}

type Segment = string | number;

/** Splits a reference path (`$.a.b[0]['c d']`) into segments; ResultPath only allows these. */
export function referenceSegments(path: string): Segment[] {
  if (!path.startsWith('$')) throw statesRuntime(`Invalid reference path '${path}'`);
  const segments: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) throw statesRuntime(`Invalid reference path '${path}'`);
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const rest = path.slice(i);
      const num = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest) ?? /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest);
      if (num) {
        segments.push(Number(num[1]));
        i += num[0].length;
      } else if (quoted) {
        segments.push(quoted[1]!.replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else {
        throw statesRuntime(`Invalid reference path '${path}'`);
      }
    } else {
      throw statesRuntime(`Invalid reference path '${path}'`);
    }
  }
  return segments;
}

/** ResultPath: absent is `$` (the result replaces the input), null keeps the input unchanged. */
export function applyResultPath(resultPath: string | null | undefined, rawInput: Json, result: Json): Json {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return rawInput;
  const segments = referenceSegments(resultPath);
  const root = clone(rawInput);
  if (root === null || typeof root !== 'object') {
    throw new StatesError('States.ResultPathMatchFailure', `Unable to apply ResultPath '${resultPath}' to input ${JSON.stringify(rawInput)}`);
  }
  let node: Json = root;
  segments.forEach((seg, idx) => {
    const last = idx === segments.length - 1;
    const container = node as Record<string | number, Json>;
    if (node === null || typeof node !== 'object' || (typeof seg === 'number') !== Array.isArray(node)) {
      throw new StatesError('States.ResultPathMatchFailure', `Unable to apply ResultPath '${resultPath}' to input ${JSON.stringify(rawInput)}`);
    }
    if (last) {
      container[seg] = result;
      return;
    }
    const next = container[seg];
    if (next === undefined || next === null || typeof next !== 'object') container[seg] = {};
    node = container[seg]!;
  });
  return root;
}

/** Parameters / ResultSelector / ItemSelector: copies the template, resolving `key.$` entries. */
export function applyTemplate(template: Json, data: Json, context: ContextObject): Json {
  if (Array.isArray(template)) return template.map((t) => applyTemplate(t, data, context));
  if (template === null || typeof template !== 'object') return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      const name = key.slice(0, -2);
      if (typeof value !== 'string') throw statesRuntime(`The value of field '${key}' must be a path or an intrinsic function`);
      out[name] = value.startsWith('$') ? query(value, data, context) : evaluateIntrinsic(value, data, context);
    } else {
      out[key] = applyTemplate(value, data, context);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions

type Arg = { kind: 'literal'; value: Json } | { kind: 'path'; path: string } | { kind: 'call'; name: string; args: Arg[] };

function parseIntrinsic(text: string): Arg {
  let i = 0;
  const fail = (msg: string): never => {
    throw new StatesError('States.IntrinsicFailure', `Invalid intrinsic function '${text}': ${msg}`);
  };
  const skipSpace = () => {
    while (text[i] === ' ') i++;
  };
  const parseArg = (): Arg => {
    skipSpace();
    const ch = text[i];
    if (ch === "'") {
      i++;
      let s = '';
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) {
          // Keep `\{` / `\}` escaped: States.Format needs to tell them from placeholders.
          const next = text[i + 1]!;
          s += next === '{' || next === '}' ? `\\${next}` : next;
          i += 2;
        } else {
          s += text[i++];
        }
      }
      if (text[i] !== "'") fail('unterminated string');
      i++;
      return { kind: 'literal', value: s };
    }
    if (ch === '$') {
      const start = i;
      let depth = 0;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '[' || c === '(') depth++;
        else if (c === ']' || c === ')') {
          if (depth === 0) break;
          depth--;
        } else if (c === ',' && depth === 0) break;
        i++;
      }
      return { kind: 'path', path: text.slice(start, i).trim() };
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (m) {
      i += m[0].length;
      return { kind: 'literal', value: JSON.parse(m[0]) as Json };
    }
    return parseCall();
  };
  const parseCall = (): Arg => {
    skipSpace();
    const m = /^States\.[A-Za-z0-9]+/.exec(text.slice(i));
    if (!m) fail(`unexpected input at ${i}`);
    i += m![0].length;
    skipSpace();
    if (text[i] !== '(') fail('expected "("');
    i++;
    const args: Arg[] = [];
    skipSpace();
    if (text[i] === ')') {
      i++;
      return { kind: 'call', name: m![0], args };
    }
    for (;;) {
      args.push(parseArg());
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ')') {
        i++;
        break;
      }
      fail('expected "," or ")"');
    }
    return { kind: 'call', name: m![0], args };
  };
  const call = parseCall();
  skipSpace();
  if (i !== text.length) fail('trailing characters');
  return call;
}

const unescapeBraces = (s: string): string => s.replace(/\\([{}])/g, '$1');

export function evaluateIntrinsic(text: string, data: Json, context: ContextObject): Json {
  return evalArg(parseIntrinsic(text), data, context);
}

function evalArg(arg: Arg, data: Json, context: ContextObject): Json {
  if (arg.kind === 'literal') return arg.value;
  if (arg.kind === 'path') return query(arg.path, data, context);
  return callIntrinsic(arg.name, arg.args.map((a) => evalArg(a, data, context)), arg.args);
}

function callIntrinsic(name: string, args: Json[], parsed: Arg[]): Json {
  const fail = (msg: string): never => {
    throw new StatesError('States.IntrinsicFailure', `${name}: ${msg}`);
  };
  const argCount = (min: number, max = min) => {
    if (args.length < min || args.length > max) fail(`expected ${min === max ? min : `${min}-${max}`} arguments, got ${args.length}`);
  };
  const str = (i: number): string => {
    const v = args[i];
    if (typeof v !== 'string') fail(`argument ${i + 1} must be a string`);
    // Literal strings keep `\{`/`\}` escapes for Format; everywhere else they are plain braces.
    return parsed[i]?.kind === 'literal' && name !== 'States.Format' ? unescapeBraces(v as string) : (v as string);
  };
  const num = (i: number): number => {
    const v = args[i];
    if (typeof v !== 'number') fail(`argument ${i + 1} must be a number`);
    return v as number;
  };
  const int = (i: number): number => {
    const v = num(i);
    if (!Number.isInteger(v)) fail(`argument ${i + 1} must be an integer`);
    return v;
  };
  const arr = (i: number): Json[] => {
    const v = args[i];
    if (!Array.isArray(v)) fail(`argument ${i + 1} must be an array`);
    return v as Json[];
  };
  switch (name) {
    case 'States.Format': {
      if (args.length < 1) fail('expected a template');
      const template = str(0);
      const values = args.slice(1);
      for (const v of values) if (v !== null && typeof v === 'object') fail('arguments must be strings, numbers, booleans or null');
      const placeholders = template.match(/(?<!\\)\{\}/g)?.length ?? 0;
      if (placeholders !== values.length) fail('the number of arguments does not match the occurrences of {}');
      let k = 0;
      const filled = template.replace(/(?<!\\)\{\}/g, () => {
        const v = values[k++];
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
      return unescapeBraces(filled);
    }
    case 'States.StringToJson':
      argCount(1);
      try {
        return JSON.parse(str(0)) as Json;
      } catch {
        return fail('argument is not valid JSON');
      }
    case 'States.JsonToString':
      argCount(1);
      return JSON.stringify(args[0]);
    case 'States.Array':
      return args;
    case 'States.ArrayPartition': {
      argCount(2);
      const a = arr(0);
      const size = int(1);
      if (size <= 0) fail('chunk size must be positive');
      const out: Json[] = [];
      for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains':
      argCount(2);
      return arr(0).some((v) => JSON.stringify(v) === JSON.stringify(args[1]));
    case 'States.ArrayRange': {
      argCount(3);
      const [start, end, step] = [int(0), int(1), int(2)];
      if (step === 0) fail('step must not be 0');
      const out: number[] = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
        out.push(v);
        if (out.length > 1000) fail('the result has more than 1000 items');
      }
      return out;
    }
    case 'States.ArrayGetItem': {
      argCount(2);
      const a = arr(0);
      const idx = int(1);
      if (idx < 0 || idx >= a.length) fail('index out of bounds');
      return a[idx]!;
    }
    case 'States.ArrayLength':
      argCount(1);
      return arr(0).length;
    case 'States.ArrayUnique': {
      argCount(1);
      const seen = new Set<string>();
      return arr(0).filter((v) => {
        const key = JSON.stringify(v);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    case 'States.Base64Encode':
      argCount(1);
      return Buffer.from(str(0), 'utf8').toString('base64');
    case 'States.Base64Decode':
      argCount(1);
      return Buffer.from(str(0), 'base64').toString('utf8');
    case 'States.Hash': {
      argCount(2);
      const algorithms: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
      const algorithm = algorithms[str(1)];
      if (!algorithm) fail(`unsupported algorithm ${str(1)}`);
      const input = typeof args[0] === 'string' ? (args[0] as string) : JSON.stringify(args[0]);
      return createHash(algorithm!).update(input).digest('hex');
    }
    case 'States.JsonMerge': {
      argCount(3);
      const [a, b] = [args[0], args[1]];
      if (a === null || typeof a !== 'object' || Array.isArray(a) || b === null || typeof b !== 'object' || Array.isArray(b)) {
        fail('arguments 1 and 2 must be objects');
      }
      if (args[2] !== false) fail('only shallow merges (false) are supported, as on AWS');
      return { ...(a as JsonObject), ...(b as JsonObject) };
    }
    case 'States.MathRandom': {
      argCount(2, 3);
      const [lo, hi] = [int(0), int(1)];
      return lo + Math.floor(Math.random() * (hi - lo));
    }
    case 'States.MathAdd':
      argCount(2);
      return int(0) + int(1);
    case 'States.StringSplit': {
      argCount(2);
      const delimiters = [...str(1)];
      return str(0).split(new RegExp(`[${delimiters.map((d) => d.replace(/[\\\]^-]/g, '\\$&')).join('')}]`));
    }
    case 'States.UUID':
      argCount(0);
      return randomUUID();
    default:
      return fail('unknown intrinsic function');
  }
}
