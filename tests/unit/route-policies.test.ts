/**
 * What each route step allows (operations) and what happens when it is late (afterDeadline), as
 * the route modules say: checked over every route, and the checks that keep a skippable step from
 * stranding a document.
 */
import { describe, expect, it } from 'vitest';
import {
  describeRoute,
  flowSteps,
  lateAct,
  operationRefusal,
  routeProblems,
  stepOf,
  type RouteDefinition,
} from '../../functions/domain/route-platform.js';
import { ROUTES } from '../../functions/routes/index.js';
import { reportGeneral } from '../../functions/routes/internal.js';
import { superiorKey } from '../../functions/routes/superior-key.js';

const routes = Object.values(ROUTES);

describe('every route module is consistent', () => {
  it.each(routes.map((r) => [r.id, r] as const))('%s has no problems', (_id, route) => {
    expect(routeProblems(route)).toEqual([]);
  });

  it('a step may be skipped only where nothing later reads its decision (no Choice, no later step, not filing)', () => {
    for (const route of routes) {
      const choiceSteps = new Set(route.flow.flatMap((n) => (typeof n === 'string' ? [] : [n.when.step])));
      for (const step of route.steps) {
        if (!step.afterDeadline || !('skip' in step.afterDeadline)) continue;
        expect(choiceSteps.has(step.id), `${route.id}.${step.id}`).toBe(false);
        expect(flowSteps(route.flow).at(-1)).not.toBe(step.id);
      }
    }
  });

  const withPolicy = (stepId: string, policy: RouteDefinition['steps'][number]['afterDeadline']): RouteDefinition => ({
    ...reportGeneral,
    steps: reportGeneral.steps.map((s) => (s.id === stepId ? { ...s, afterDeadline: policy } : s)),
  });

  it('refuses a skippable step a Choice reads', () => {
    expect(routeProblems(withPolicy('deputyRead', { skip: { afterWorkingDays: 3 } })).join('\n')).toMatch(/deputyRead: a Choice reads/);
  });

  it('refuses a skippable step whose decision a later step’s assignment reads (found by probing)', () => {
    // superior-key's 阅办 goes to the department 拟办 named; 阅处 to the deputy 阅批 named.
    const route = { ...superiorKey, steps: superiorKey.steps.map((s) => (s.id === 'propose' ? { ...s, afterDeadline: { skip: { afterWorkingDays: 2 } } } : s)) };
    expect(routeProblems(route).join('\n')).toMatch(/propose: a later step reads/);
  });

  it('refuses skipping the filing step and nonsense numbers', () => {
    expect(routeProblems(withPolicy('file', { skip: { afterWorkingDays: 3 } })).join('\n')).toMatch(/last step/);
    expect(routeProblems(withPolicy('leaderRead', { remind: { times: 0, everyWorkingDays: 1 } })).join('\n')).toMatch(/remind needs/);
  });
});

describe('GET /routes shows each step’s operations and late policy', () => {
  const described = Object.fromEntries(routes.map((r) => [r.id, describeRoute(r)]));
  const step = (route: string, id: string) => described[route].steps.find((s) => s.id === id)!;
  const ops = (route: string, id: string) => step(route, id).operations.map((o) => o.id);

  it('handling steps take 办理反馈 and 延期申请; readings and filing do not', () => {
    expect(ops('superior-key', 'departmentHandle')).toEqual(['decide', 'return', 'transfer', 'progress', 'extension', 'circulate', 'chase', 'recall']);
    expect(ops('request-general', 'execute')).toEqual(expect.arrayContaining(['progress', 'extension']));
    expect(ops('superior-key', 'instruct')).not.toContain('extension');
    expect(ops('report-general', 'departmentNote')).toEqual(['decide', 'return', 'transfer', 'chase', 'recall']);
  });

  it('filing: no 传阅 or 撤回, 退回 only to the handling step', () => {
    expect(ops('superior-key', 'file')).toEqual(['decide', 'return', 'transfer', 'chase']);
    expect(step('superior-key', 'file').returnTo).toEqual(['departmentHandle']);
    expect(step('report-general', 'file').returnTo).toEqual(['departmentNote']);
    expect(step('request-general', 'requesterFile').returnTo).toEqual(['execute']);
    // The requester's own steps are not handed on.
    expect(ops('request-general', 'requesterFile')).toEqual(['decide', 'return', 'chase']);
  });

  it('the first step has nothing to return to; the leader-named 阅处 is not transferred', () => {
    expect(ops('superior-key', 'propose')).not.toContain('return');
    expect(ops('superior-key', 'deputyHandle')).not.toContain('transfer');
  });

  it('leaders are reminded, the department’s 阅知 is skipped', () => {
    expect(step('superior-key', 'instruct').afterDeadline).toMatchObject({ remind: { times: 3, everyWorkingDays: 1 }, text: expect.stringContaining('共 3 次') });
    expect(step('report-general', 'deputyRead').afterDeadline).toMatchObject({ remind: { times: 3 } });
    expect(step('report-general', 'departmentNote').afterDeadline).toMatchObject({ skip: { afterWorkingDays: 3 }, text: expect.stringContaining('超时跳过') });
    expect(step('superior-key', 'departmentHandle').afterDeadline).toBeUndefined();
  });

  it('refuses an operation with the step’s name', () => {
    expect(operationRefusal(stepOf(superiorKey, 'file')!, 'transfer')).toBeUndefined();
    expect(operationRefusal(stepOf(superiorKey, 'file')!, 'circulate')).toBe('「立卷归档」步骤不能传阅');
    expect(operationRefusal(stepOf(superiorKey, 'instruct')!, 'extension')).toBe('「阅批」步骤不能延期申请');
  });
});

describe('what the sweep owes a late task', () => {
  const remind = { remind: { times: 3, everyWorkingDays: 1 } };
  const skip = { skip: { afterWorkingDays: 3 } };

  it('no policy: escalated once after escalateAfterWorkingDays', () => {
    expect(lateAct({}, 0, undefined, 1)).toBeUndefined();
    expect(lateAct({}, 1, undefined, 1)).toEqual({ act: 'escalate' });
    expect(lateAct({ escalatedAt: 'x' }, 5, undefined, 1)).toBeUndefined();
  });

  it('remind: one a working day, three times, then escalation a working day after the last', () => {
    expect(lateAct({}, 0, remind, 1)).toBeUndefined();
    expect(lateAct({}, 1, remind, 1)).toEqual({ act: 'remind', n: 1, of: 3 });
    expect(lateAct({ reminders: 1 }, 1, remind, 1)).toBeUndefined();
    expect(lateAct({ reminders: 1 }, 2, remind, 1)).toEqual({ act: 'remind', n: 2, of: 3 });
    expect(lateAct({ reminders: 3 }, 3, remind, 1)).toBeUndefined();
    expect(lateAct({ reminders: 3 }, 4, remind, 1)).toEqual({ act: 'escalate' });
    // A sweep that was down sends the reminder due now, not the ones it missed.
    expect(lateAct({ reminders: 0 }, 9, remind, 1)).toEqual({ act: 'remind', n: 3, of: 3 });
  });

  it('skip: escalated as usual first, skipped once the further delay passes; never a co-handler', () => {
    expect(lateAct({}, 1, skip, 1)).toEqual({ act: 'escalate' });
    expect(lateAct({ escalatedAt: 'x' }, 2, skip, 1)).toBeUndefined();
    expect(lateAct({ escalatedAt: 'x' }, 3, skip, 1)).toEqual({ act: 'skip', afterWorkingDays: 3 });
    expect(lateAct({ escalatedAt: 'x', coOf: 'lead' }, 3, skip, 1)).toBeUndefined();
    // Nor a signer's (会签 …): the step task the route waits on is settled by its signers.
    expect(lateAct({ escalatedAt: 'x', signOf: 'step' }, 3, skip, 1)).toBeUndefined();
  });
});
