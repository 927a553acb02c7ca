import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, chainEvent, verifyChain, type AuditEvent, type ChainedAuditEvent } from '../../functions/domain/audit-chain.js';

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
