import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  canonicalJson,
  chainEvent,
  headMessage,
  recordDigest,
  sealHead,
  verifyChain,
  verifyTrail,
  type AuditEvent,
  type ChainedAuditEvent,
  type Mac,
  type MacCheck,
} from '../../functions/domain/audit-chain.js';

function build(n: number): ChainedAuditEvent[] {
  const out: ChainedAuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e: AuditEvent = {
      seq,
      at: `2026-11-22T06:0${seq}:00.000Z`,
      actor: seq % 2 ? 'zhangsan' : 'lisi',
      action: seq === 1 ? 'register' : 'decide',
      subject: 'doc#收〔2026〕12号',
      details: { opinion: `意见 ${seq}`, nested: { b: 2, a: [1, { d: null, c: true }] } },
    };
    const c = chainEvent(e, prev);
    out.push(c);
    prev = c.hash;
  }
  return out;
}

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson('中文"\n')).toBe('"中文\\"\\n"');
    expect(canonicalJson([1, 'a', null, true, -0, 1e21])).toBe('[1,"a",null,true,0,1e+21]');
  });

  it('hashes the same before and after a JSON round trip', () => {
    const v = { when: new Date('2026-11-22T06:05:00Z'), skip: undefined, list: [undefined, 1] };
    expect(canonicalJson(v)).toBe(canonicalJson(JSON.parse(JSON.stringify(v))));
    expect(canonicalJson(v)).toBe('{"list":[null,1],"when":"2026-11-22T06:05:00.000Z"}');
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ x: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson({ x: 1n })).toThrow(TypeError);
    expect(() => canonicalJson({ x: new Map() })).toThrow(TypeError);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow(/circular/);
  });
});

describe('chainEvent', () => {
  it('hashes sha256(prevHash + canonicalJson(event))', () => {
    const e: AuditEvent = { seq: 1, at: '2026-11-22T06:05:00.000Z', actor: 'zhangsan', action: 'register', subject: 'doc#1', details: { b: 1, a: 2 } };
    const c = chainEvent(e, GENESIS_HASH);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(c.prevHash).toBe(GENESIS_HASH);
    const expected = createHash('sha256')
      .update(GENESIS_HASH + '{"action":"register","actor":"zhangsan","at":"2026-11-22T06:05:00.000Z","details":{"a":2,"b":1},"seq":1,"subject":"doc#1"}')
      .digest('hex');
    expect(c.hash).toBe(expected);
  });

  it('ignores extra fields on the input and validates prevHash', () => {
    const [first] = build(1);
    const again = chainEvent({ ...first, extra: 'x' } as AuditEvent, GENESIS_HASH);
    expect(again.hash).toBe(first.hash);
    expect(again).not.toHaveProperty('extra');
    expect(() => chainEvent({ ...first, seq: 2 }, 'abc')).toThrow(RangeError);
    expect(() => chainEvent(first, 'f'.repeat(64))).toThrow(/GENESIS/);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain, also after a JSON round trip, and an empty one', () => {
    const chain = build(5);
    expect(verifyChain(chain)).toEqual({ ok: true });
    expect(verifyChain(JSON.parse(JSON.stringify(chain)))).toEqual({ ok: true });
    expect(verifyChain([])).toEqual({ ok: true });
  });

  it('detects an altered event', () => {
    const chain = build(5);
    chain[2] = { ...chain[2], details: { ...chain[2].details, opinion: '不同意' } };
    expect(verifyChain(chain)).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });

  it('detects an altered event whose hash was recomputed (the next link breaks)', () => {
    const chain = build(5);
    chain[2] = chainEvent({ ...chain[2], actor: 'mallory' }, chain[1].hash);
    expect(verifyChain(chain)).toMatchObject({ ok: false, brokenAtSeq: 4 });
  });

  it('detects removed, reordered and mis-started events', () => {
    const chain = build(5);
    expect(verifyChain([...chain.slice(0, 2), ...chain.slice(3)])).toMatchObject({ ok: false, brokenAtSeq: 3 });
    expect(verifyChain([chain[0], chain[2], chain[1], chain[3]])).toMatchObject({ ok: false, brokenAtSeq: 2 });
    expect(verifyChain(chain.slice(1))).toMatchObject({ ok: false, brokenAtSeq: 1 });
    const forgedGenesis = { ...chain[0], prevHash: 'f'.repeat(64) };
    const r = verifyChain([forgedGenesis]);
    expect(r).toMatchObject({ ok: false, brokenAtSeq: 1 });
    if (!r.ok) expect(r.reason).toContain('prevHash');
  });

  it('detects a tampered hash field', () => {
    const chain = build(3);
    chain[2] = { ...chain[2], hash: 'a'.repeat(64) };
    expect(verifyChain(chain)).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });
});

/** An in-memory HMAC-SHA-256 key, as KMS GenerateMac/VerifyMac would use it. */
function hmacKey(key = randomBytes(32)): { mac: Mac; check: MacCheck } {
  const mac = async (m: string) => createHmac('sha256', key).update(m, 'utf8').digest('base64');
  const check = async (m: string, given: string) => {
    const expected = Buffer.from(await mac(m), 'base64');
    const actual = Buffer.from(given, 'base64');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  return { mac, check };
}

describe('verifyTrail (keyed head, slip lines covered)', () => {
  const subject = 'DOC#d1';
  const key = hmacKey();
  const line = (n: number) => ({ step: 'propose', stepName: '拟办', actorName: '李强', actorUsername: 'liqiang', role: '办公室主任', at: `2026-11-22T06:0${n}:00.000Z`, opinion: `意见 ${n}`, details: [{ label: '承办科室', value: '生产技术科' }] });

  /** A trail of n events; event 2 and 4 wrote a slip line each. */
  async function trail(n = 5, mac: Mac = key.mac) {
    const events: ChainedAuditEvent[] = [];
    const records: { key: string; record: Record<string, unknown> }[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= n; seq++) {
      const covers = seq % 2 === 0 ? [{ key: `${subject}|SLIP#${seq}`, record: line(seq) }] : [];
      records.push(...covers);
      const e = chainEvent(
        { seq, at: `2026-11-22T06:0${seq}:00.000Z`, actor: 'liqiang', action: 'task.decided', subject, details: { n: seq }, ...(covers.length ? { covers: covers.map((c) => ({ key: c.key, sha256: recordDigest(c.record) })) } : {}) },
        prev,
      );
      events.push(e);
      prev = e.hash;
    }
    const head = await sealHead(subject, events.at(-1) ?? { seq: 0, hash: GENESIS_HASH }, mac);
    return { subject, events, head, records };
  }
  /** What a table writer without the key can do: recompute every link from `from` on with SHA-256. */
  function relink(events: ChainedAuditEvent[], from: number): ChainedAuditEvent[] {
    const out = events.slice(0, from);
    for (let i = from; i < events.length; i++) out.push(chainEvent(events[i], i === 0 ? GENESIS_HASH : out[i - 1].hash));
    return out;
  }

  it('accepts an intact trail, also after a JSON round trip, and an empty one with or without a head', async () => {
    const t = await trail();
    expect(await verifyTrail(t, key.check)).toEqual({ ok: true });
    expect(await verifyTrail(JSON.parse(JSON.stringify(t)), key.check)).toEqual({ ok: true });
    expect(await verifyTrail({ subject, events: [], head: undefined, records: [] }, key.check)).toEqual({ ok: true });
    expect(await verifyTrail(await trail(0), key.check)).toEqual({ ok: true });
  });

  it('seals subject, seq and hash under the key', async () => {
    const t = await trail(2);
    expect(t.head.mac).toBe(await key.mac(headMessage(subject, 2, t.events[1].hash)));
    expect(headMessage('DOC#a', 1, 'x')).not.toBe(headMessage('DOC#b', 1, 'x'));
  });

  it('detects an edited middle event', async () => {
    const t = await trail();
    t.events[2] = { ...t.events[2], details: { n: 99 } };
    expect(await verifyTrail(t, key.check)).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });

  it('detects the last event, or several, deleted', async () => {
    const t = await trail();
    const one = await verifyTrail({ ...t, events: t.events.slice(0, 4) }, key.check);
    expect(one).toMatchObject({ ok: false, brokenAtSeq: 5 });
    if (!one.ok) expect(one.reason).toContain('removed');
    expect(await verifyTrail({ ...t, events: t.events.slice(0, 2), records: t.records.slice(0, 1) }, key.check)).toMatchObject({ ok: false, brokenAtSeq: 3 });
    // And the head moved back to match, without the key: its MAC no longer verifies.
    const last = t.events[3];
    const moved = await verifyTrail({ ...t, events: t.events.slice(0, 4), head: { ...t.head, seq: last.seq, hash: last.hash } }, key.check);
    expect(moved).toMatchObject({ ok: false });
    if (!moved.ok) expect(moved.reason).toContain('MAC');
  });

  it('detects an edited event whose later hashes and head were recomputed with SHA-256, or sealed with another key', async () => {
    const t = await trail();
    const events = relink([...t.events.slice(0, 1), { ...t.events[1], actor: 'mallory' }, ...t.events.slice(2)], 1);
    expect(verifyChain(events)).toEqual({ ok: true }); // the links alone are fooled
    const last = events.at(-1)!;
    const stale = await verifyTrail({ ...t, events, head: { ...t.head, hash: last.hash } }, key.check);
    expect(stale).toMatchObject({ ok: false });
    if (!stale.ok) expect(stale.reason).toContain('MAC');
    const plain = createHash('sha256').update(headMessage(subject, last.seq, last.hash)).digest('base64');
    expect(await verifyTrail({ ...t, events, head: { seq: last.seq, hash: last.hash, mac: plain } }, key.check)).toMatchObject({ ok: false });
    const forged = await sealHead(subject, last, hmacKey().mac);
    expect(await verifyTrail({ ...t, events, head: forged }, key.check)).toMatchObject({ ok: false });
    // Only the real key can seal it.
    expect(await verifyTrail({ ...t, events, head: await sealHead(subject, last, key.mac) }, key.check)).toEqual({ ok: true });
  });

  it('refuses a head without a MAC and a chain without a head', async () => {
    const t = await trail();
    expect(await verifyTrail({ ...t, head: { seq: t.head.seq, hash: t.head.hash } }, key.check)).toMatchObject({ ok: false, reason: expect.stringContaining('not sealed') });
    expect(await verifyTrail({ ...t, head: undefined }, key.check)).toMatchObject({ ok: false, reason: expect.stringContaining('head is missing') });
  });

  it('refuses a head and events copied from another subject', async () => {
    const t = await trail();
    expect(await verifyTrail({ ...t, subject: 'DOC#other' }, key.check)).toMatchObject({ ok: false });
    const foreignHead = await sealHead('DOC#other', t.events.at(-1)!, key.mac);
    expect(await verifyTrail({ ...t, head: foreignHead }, key.check)).toMatchObject({ ok: false });
  });

  it('detects a slip line edited, removed or added outside the trail', async () => {
    const t = await trail();
    const edited = t.records.map((r, i) => (i === 1 ? { ...r, record: { ...r.record, opinion: '不同意' } } : r));
    const e = await verifyTrail({ ...t, records: edited }, key.check);
    expect(e).toMatchObject({ ok: false, brokenAtSeq: 4 });
    if (!e.ok) expect(e.reason).toContain('altered');
    expect(await verifyTrail({ ...t, records: t.records.slice(1) }, key.check)).toMatchObject({ ok: false, brokenAtSeq: 2, reason: expect.stringContaining('removed') });
    const extra = [...t.records, { key: `${subject}|SLIP#x`, record: line(9) }];
    expect(await verifyTrail({ ...t, records: extra }, key.check)).toMatchObject({ ok: false, reason: expect.stringContaining('outside') });
  });

  it('reports a MAC check that cannot run as not verified, with the cause', async () => {
    const t = await trail(2);
    const r = await verifyTrail(t, async () => {
      throw new Error('KMS unreachable');
    });
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('KMS unreachable') });
  });
});
