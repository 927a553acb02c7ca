/** The completion rules of several signers on one step, and 加签/减签, as pure rules. */
import { describe, expect, it } from 'vitest';
import { addSigner, newPlan, outcomeOf, removeSigner, sign, votesNeeded, type SigningPlan, type SignMode } from '../../functions/domain/countersign.js';

const plan = (mode: SignMode, people: string[], ratio?: number): SigningPlan =>
  newPlan({ mode, signers: people, ...(ratio !== undefined ? { ratio } : {}) }, people.map((p) => ({ username: p, name: p.toUpperCase(), taskId: `t-${p}` })));
const at = '2026-11-24T02:00:00Z';
function signAll(p: SigningPlan, votes: [string, boolean][]): SigningPlan {
  for (const [who, agree] of votes) {
    const change = sign(p, who, { agree, opinion: '', at });
    if (!change.ok) throw new Error(change.message);
    p = change.plan;
  }
  return p;
}

describe('completion rules', () => {
  it('会签: all must agree; one disagreement settles it at once', () => {
    expect(outcomeOf(signAll(plan('all', ['a', 'b', 'c']), [['a', true], ['b', true]]))).toEqual({ done: false });
    expect(outcomeOf(signAll(plan('all', ['a', 'b', 'c']), [['a', true], ['b', true], ['c', true]]))).toMatchObject({ done: true, passed: true, agreed: 3 });
    const refused = signAll(plan('all', ['a', 'b', 'c']), [['b', false]]);
    expect(outcomeOf(refused)).toMatchObject({ done: true, passed: false, disagreed: 1 });
    expect(refused.signers.map((s) => s.status)).toEqual(['closed', 'signed', 'closed']);
  });

  it('或签: the first signature decides, either way', () => {
    expect(outcomeOf(signAll(plan('any', ['a', 'b']), [['b', true]]))).toMatchObject({ done: true, passed: true });
    expect(outcomeOf(signAll(plan('any', ['a', 'b']), [['a', false]]))).toMatchObject({ done: true, passed: false });
  });

  it('票签: settles as soon as the vote cannot change', () => {
    const p = plan('ratio', ['a', 'b', 'c', 'd', 'e'], 0.6);
    expect(votesNeeded(p)).toBe(3);
    expect(outcomeOf(signAll(p, [['a', true], ['b', true]]))).toEqual({ done: false });
    expect(outcomeOf(signAll(p, [['a', true], ['b', true], ['c', true]]))).toMatchObject({ done: true, passed: true });
    expect(outcomeOf(signAll(p, [['a', false], ['b', false]]))).toEqual({ done: false });
    expect(outcomeOf(signAll(p, [['a', false], ['b', false], ['c', false]]))).toMatchObject({ done: true, passed: false });
    // A ratio that lands on a whole number is not rounded up past it (0.5 of 4 = 2).
    expect(votesNeeded(plan('ratio', ['a', 'b', 'c', 'd'], 0.5))).toBe(2);
    expect(votesNeeded(plan('ratio', ['a', 'b', 'c'], 1))).toBe(3);
  });

  it('依次: one after another, in order', () => {
    const p = plan('sequence', ['a', 'b', 'c']);
    expect(p.signers.map((s) => s.status)).toEqual(['pending', 'waiting', 'waiting']);
    expect(sign(p, 'b', { agree: true, opinion: '', at })).toMatchObject({ ok: false, message: expect.stringContaining('还未轮到') });
    const afterA = sign(p, 'a', { agree: true, opinion: '', at });
    expect(afterA).toMatchObject({ ok: true, activated: [{ username: 'b' }] });
    const done = signAll(p, [['a', true], ['b', true], ['c', true]]);
    expect(outcomeOf(done)).toMatchObject({ done: true, passed: true });
  });

  it('a signature twice is refused; every change bumps the version', () => {
    const once = signAll(plan('all', ['a', 'b']), [['a', true]]);
    expect(once.version).toBe(1);
    expect(sign(once, 'a', { agree: true, opinion: '', at })).toMatchObject({ ok: false, message: '您已签署，不能重复签署' });
    expect(sign(once, 'z', { agree: true, opinion: '', at })).toMatchObject({ ok: false, message: '您不是本步骤待签署的人员' });
  });
});

describe('加签 and 减签', () => {
  const x = { username: 'x', name: 'X', taskId: 't-x' };
  it('前加签 in parallel: the adder waits for the added one', () => {
    const change = addSigner(plan('all', ['a', 'b']), 'a', x, 'before');
    if (!change.ok) throw new Error(change.message);
    expect(change.plan.signers.map((s) => [s.username, s.status])).toEqual([['x', 'pending'], ['a', 'waiting'], ['b', 'pending']]);
    const signed = sign(change.plan, 'x', { agree: true, opinion: '', at });
    expect(signed).toMatchObject({ ok: true, activated: [{ username: 'a' }] });
  });

  it('后加签 in 依次: right after the adder', () => {
    const change = addSigner(plan('sequence', ['a', 'b']), 'a', x, 'after');
    if (!change.ok) throw new Error(change.message);
    expect(change.plan.signers.map((s) => [s.username, s.status])).toEqual([['a', 'pending'], ['x', 'waiting'], ['b', 'waiting']]);
    expect(sign(change.plan, 'a', { agree: true, opinion: '', at })).toMatchObject({ ok: true, activated: [{ username: 'x' }] });
  });

  it('only someone whose turn it is adds; nobody twice', () => {
    expect(addSigner(plan('sequence', ['a', 'b']), 'b', x, 'after')).toMatchObject({ ok: false });
    expect(addSigner(plan('all', ['a', 'b']), 'a', { ...x, username: 'b' }, 'after')).toMatchObject({ ok: false, message: expect.stringContaining('已在签署人员中') });
  });

  it('减签: never a signer who signed, never the last to sign; a removed 前加签 releases the one it held', () => {
    const p = signAll(plan('all', ['a', 'b', 'c']), [['a', true]]);
    expect(removeSigner(p, 'a')).toMatchObject({ ok: false, message: expect.stringContaining('已签署') });
    const less = removeSigner(p, 'b');
    if (!less.ok) throw new Error(less.message);
    expect(removeSigner(less.plan, 'c')).toMatchObject({ ok: false, message: expect.stringContaining('最后一位') });
    const held = addSigner(plan('all', ['a', 'b']), 'a', x, 'before');
    if (!held.ok) throw new Error(held.message);
    expect(removeSigner(held.plan, 'x')).toMatchObject({ ok: true, activated: [{ username: 'a' }] });
  });

  it('减签 in 依次 of the one whose turn it is brings up the next', () => {
    const change = removeSigner(plan('sequence', ['a', 'b', 'c']), 'a');
    expect(change).toMatchObject({ ok: true, activated: [{ username: 'b' }] });
  });
});

describe('routes', () => {
  it('a Choice may read only the outcome (passed) of a step that may have several signers', async () => {
    const { ROUTES } = await import('../../functions/routes/index.js');
    const { routeProblems } = await import('../../functions/domain/route-platform.js');
    const route = ROUTES['request-important'];
    expect(route.steps.find((s) => s.id === 'deputyInstruct')?.countersign).toBeDefined();
    const reading = (field: string) => ({ ...route, flow: [...route.flow.slice(0, 2), { when: { step: 'deputyInstruct', field, equals: true }, then: ['executiveMeeting'] }, ...route.flow.slice(2)] });
    expect(routeProblems(reading('opinion')).join('\n')).toMatch(/deputyInstruct: a Choice reads opinion of a step that may have several signers/);
    expect(routeProblems(reading('passed'))).toEqual([]);
  });
});
