/**
 * Verifiable audit trail: every state change is an event whose hash covers the previous event's
 * hash, so editing, removing or reordering any stored event breaks verification from that point on.
 * (Dropping events from the END cannot be seen from the events alone: compare the last hash with the
 * head hash kept elsewhere, e.g. on the document item.)
 */
import { createHash } from 'node:crypto';

export interface AuditEvent {
  seq: number /* 1-based within the chain */;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface ChainedAuditEvent extends AuditEvent {
  prevHash: string /* '0'.repeat(64) for seq 1 */;
  hash: string;
}

export const GENESIS_HASH: string = '0'.repeat(64);

const HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and strings as
 * JSON.stringify writes them (this matches RFC 8785 for JSON data). Like JSON.stringify, object
 * properties that are undefined are left out and values with toJSON (Date) are converted, so a value
 * hashes the same before and after a JSON round trip. Throws TypeError for values JSON cannot carry
 * faithfully (NaN, Infinity, bigint, functions, symbols, Map/Set and other class instances).
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return write((value as { toJSON(): unknown }).toJSON(), seen);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} cannot be written as JSON`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} cannot be written as JSON`);
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError('canonicalJson: circular structure');
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = `[${obj.map((v) => (v === undefined ? 'null' : write(v, seen))).join(',')}]`;
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`canonicalJson: ${obj.constructor?.name ?? 'object'} instances are not plain JSON objects`);
    }
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec)
      .filter((k) => rec[k] !== undefined)
      .sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${write(rec[k], seen)}`).join(',')}}`;
  }
  seen.delete(obj);
  return out;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** Only the AuditEvent fields are hashed, whatever else the caller's object carries. */
function eventFields(e: AuditEvent): AuditEvent {
  return { seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, details: e.details };
}

function hashOf(event: AuditEvent, prevHash: string): string {
  return sha256Hex(prevHash + canonicalJson(eventFields(event)));
}

/** hash = sha256(prevHash + canonicalJson(event)) as lower-case hex. */
export function chainEvent(event: AuditEvent, prevHash: string): ChainedAuditEvent {
  if (!HASH_RE.test(prevHash)) throw new RangeError(`chainEvent: prevHash must be 64 lower-case hex characters, got ${JSON.stringify(prevHash)}`);
  if (!Number.isSafeInteger(event.seq) || event.seq < 1) throw new RangeError(`chainEvent: seq must be a positive integer, got ${event.seq}`);
  if (event.seq === 1 && prevHash !== GENESIS_HASH) throw new RangeError('chainEvent: the first event (seq 1) must follow GENESIS_HASH');
  const fields = eventFields(event);
  return { ...fields, prevHash, hash: hashOf(fields, prevHash) };
}

/**
 * Checks a whole chain, in order from seq 1: consecutive seq numbers, each prevHash equal to the
 * previous hash (GENESIS_HASH first) and each hash recomputed. brokenAtSeq is the first position
 * (1-based) that fails.
 */
export function verifyChain(events: ChainedAuditEvent[]): { ok: true } | { ok: false; brokenAtSeq: number; reason: string } {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const expectedSeq = i + 1;
    if (e.seq !== expectedSeq) {
      return { ok: false, brokenAtSeq: expectedSeq, reason: `expected seq ${expectedSeq} at position ${expectedSeq}, found seq ${e.seq} (event missing, duplicated or out of order)` };
    }
    if (e.prevHash !== prev) {
      return { ok: false, brokenAtSeq: expectedSeq, reason: `prevHash of seq ${expectedSeq} does not match the hash of ${expectedSeq === 1 ? 'the genesis' : `seq ${expectedSeq - 1}`}` };
    }
    let recomputed: string;
    try {
      recomputed = hashOf(e, prev);
    } catch (err) {
      return { ok: false, brokenAtSeq: expectedSeq, reason: `seq ${expectedSeq} cannot be hashed: ${(err as Error).message}` };
    }
    if (recomputed !== e.hash) {
      return { ok: false, brokenAtSeq: expectedSeq, reason: `hash of seq ${expectedSeq} does not match its content (the event was altered)` };
    }
    prev = e.hash;
  }
  return { ok: true };
}
