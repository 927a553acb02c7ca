/**
 * Verifiable audit trail: every state change is an event whose hash covers the previous event's
 * hash, so editing, removing or reordering any stored event breaks the links from that point on.
 *
 * The links are plain SHA-256, so anyone holding an exported trail can check them offline. What a
 * table writer could still do (rewrite an event and recompute every later hash, or drop the last
 * events) is caught by the head: the chain's last seq and hash, sealed with a keyed MAC (a KMS HMAC
 * key in the cloud, a key file locally) over the subject, seq and hash. Without the key nobody can
 * seal a rewritten or truncated chain, and by SHA-256's collision resistance the sealed last hash
 * pins every earlier event. One MAC per append and one check per verification, not one per event.
 * Events also carry the digest of each record they wrote (`covers`, e.g. processing-slip lines),
 * so editing such a record elsewhere shows too. The MAC itself is passed in: no key or AWS here.
 */
import { createHash } from 'node:crypto';

export interface AuditEvent {
  seq: number /* 1-based within the chain */;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  /** Records written in the same transaction (e.g. slip lines): their key and recordDigest(). */
  covers?: CoveredRecord[];
}

export interface CoveredRecord {
  key: string;
  sha256: string;
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
  // `covers` only when present, so events written before it existed hash as they did.
  return { seq: e.seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, details: e.details, ...(e.covers ? { covers: e.covers } : {}) };
}

/** The digest an event keeps of a record it wrote: sha256 of its canonical JSON, hex. */
export function recordDigest(record: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(record));
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

// ---- the keyed head ------------------------------------------------------------------------

/** A keyed MAC over a message (HMAC-SHA-256 with the branch's audit key), as an opaque string. */
export type Mac = (message: string) => Promise<string>;
/** Whether `mac` is the keyed MAC of `message`. */
export type MacCheck = (message: string, mac: string) => Promise<boolean>;

/** The chain's last position, sealed. seq 0 with GENESIS_HASH is an empty chain. */
export interface ChainHead {
  seq: number;
  hash: string;
  mac: string;
}

/** What the head's MAC covers: versioned, and bound to the subject so a head cannot be moved. */
export function headMessage(subject: string, seq: number, hash: string): string {
  return `chancery-audit-head/1\n${subject}\n${seq}\n${hash}`;
}

export async function sealHead(subject: string, last: { seq: number; hash: string }, mac: Mac): Promise<ChainHead> {
  return { seq: last.seq, hash: last.hash, mac: await mac(headMessage(subject, last.seq, last.hash)) };
}

export type TrailVerification = { ok: true } | { ok: false; brokenAtSeq?: number; reason: string };

/**
 * Checks a subject's whole trail: the links (verifyChain), every event's subject, the head against
 * the last event (so removed events show), the head's MAC (so a recomputed chain shows), and every
 * stored covered record (e.g. slip lines) against the digest its event recorded, both ways.
 * One MAC check, after everything that needs no key.
 */
export async function verifyTrail(
  input: {
    subject: string;
    events: ChainedAuditEvent[];
    head: { seq: number; hash: string; mac?: string } | undefined;
    /** The covered records as stored now, by key. */
    records?: { key: string; record: Record<string, unknown> }[];
  },
  checkMac: MacCheck,
): Promise<TrailVerification> {
  const { subject, events, head } = input;
  const links = verifyChain(events);
  if (!links.ok) return links;
  const stray = events.find((e) => e.subject !== subject);
  if (stray) return { ok: false, brokenAtSeq: stray.seq, reason: `seq ${stray.seq} belongs to another trail (${stray.subject})` };

  const last = events.at(-1) ?? { seq: 0, hash: GENESIS_HASH };
  if (!head) {
    return events.length === 0 ? { ok: true } : { ok: false, reason: 'the chain head is missing: the trail cannot be checked for removed events' };
  }
  if (head.seq !== last.seq) {
    const removed = head.seq > last.seq;
    return {
      ok: false,
      brokenAtSeq: Math.min(head.seq, last.seq) + 1,
      reason: removed
        ? `the head records ${head.seq} events but the trail ends at seq ${last.seq}: events were removed`
        : `the trail has events up to seq ${last.seq} but the head records ${head.seq}: events were added outside the trail`,
    };
  }
  if (head.hash !== last.hash) return { ok: false, brokenAtSeq: last.seq, reason: `the head hash does not match seq ${last.seq}: the trail was rewritten` };

  const recorded = new Map<string, { seq: number; sha256: string }>();
  for (const e of events) for (const c of e.covers ?? []) recorded.set(c.key, { seq: e.seq, sha256: c.sha256 });
  for (const { key, record } of input.records ?? []) {
    const entry = recorded.get(key);
    if (!entry) return { ok: false, reason: `record ${key} is not in the audit trail: it was written outside it` };
    let digest: string;
    try {
      digest = recordDigest(record);
    } catch {
      digest = '';
    }
    if (digest !== entry.sha256) return { ok: false, brokenAtSeq: entry.seq, reason: `record ${key} differs from what seq ${entry.seq} recorded: it was altered` };
    recorded.delete(key);
  }
  if (input.records) {
    const [missing] = recorded;
    if (missing) return { ok: false, brokenAtSeq: missing[1].seq, reason: `record ${missing[0]}, written at seq ${missing[1].seq}, is missing: it was removed` };
  }

  if (!head.mac) return { ok: false, reason: 'the chain head is not sealed (no MAC): the trail cannot be authenticated' };
  let sealed = false;
  try {
    sealed = await checkMac(headMessage(subject, head.seq, head.hash), head.mac);
  } catch (err) {
    return { ok: false, reason: `the head's MAC could not be checked: ${(err as Error).message}` };
  }
  if (!sealed) return { ok: false, brokenAtSeq: head.seq, reason: "the head's MAC does not verify: the trail was rewritten or truncated by someone without the audit key" };
  return { ok: true };
}
