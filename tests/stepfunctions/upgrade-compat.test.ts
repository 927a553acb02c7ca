/**
 * The upgrade path: every state machine definition a branch may still have executions on
 * (statemachines/released/<release>/<route>.asl.json) must be servable by the current route
 * modules — a Standard execution keeps its definition across a deploy, so a document mid-route
 * goes on on the old graph with the new code. This fails the build when someone renames or removes
 * a step, a form field or a value an old graph still reads (infra/DEPLOY.md, "Upgrading a branch").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { aslOf } from '../../infra/asl.js';
import { repoRoot } from '../../infra/local/wiring.js';
import { form, opinion, returnTargets, routeProblems, type RouteDefinition } from '../../functions/domain/route-platform.js';
import { asl, gotoTargetsFrom, upgradeProblems } from '../../functions/domain/route-upgrade.js';
import { routeById, ROUTES } from '../../functions/routes/index.js';

const releasedDir = join(repoRoot, 'statemachines', 'released');
const releases = readdirSync(releasedDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const released = releases.flatMap((release) =>
  readdirSync(join(releasedDir, release))
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => ({ release, routeId: f.slice(0, -'.asl.json'.length), graph: asl(JSON.parse(readFileSync(join(releasedDir, release, f), 'utf8'))) })),
);
const readGraph = (release: string, routeId: string) => released.find((r) => r.release === release && r.routeId === routeId)!.graph;
const current = (route: RouteDefinition) => asl(aslOf(route));

describe('the record of released definitions', () => {
  it('names each release by its date and holds definitions of routes that exist', () => {
    expect(releases.length).toBeGreaterThanOrEqual(3);
    for (const r of releases) expect(r).toMatch(/^\d{4}-\d{2}-\d{2}(\.\d+)?$/);
    expect(released.length).toBeGreaterThanOrEqual(10);
    for (const { routeId } of released) expect(Object.keys(ROUTES)).toContain(routeId);
  });
});

describe.each(released.map((r) => [`${r.release}/${r.routeId}`, r] as const))('%s', (_, { routeId, graph }) => {
  it('is served by the current route module: its steps, the decisions its Choices read, its Goto targets', () => {
    expect(upgradeProblems(routeId, graph, current(routeById(routeId)!), routeById(routeId))).toEqual([]);
  });
});

describe('the checks fail where running documents would be stranded', () => {
  const superiorKey = ROUTES['superior-key']!;
  const oldest = readGraph('2026-11-22', 'superior-key');

  it('a step renamed or removed', () => {
    const renamed: RouteDefinition = {
      ...superiorKey,
      steps: superiorKey.steps.map((s) => (s.id === 'deputyHandle' ? { ...s, id: 'deputyRead' } : s)),
      flow: superiorKey.flow.map((n) => (n === 'deputyHandle' ? 'deputyRead' : n)),
    };
    expect(upgradeProblems('superior-key', oldest, current(renamed), renamed)).toEqual([
      'superior-key DeputyHandle: step deputyHandle is no longer in the route module (a document waiting there could not get its task)',
    ]);
    expect(upgradeProblems('superior-key', oldest, current(superiorKey), undefined)).toEqual([expect.stringContaining('route superior-key is gone')]);
  });

  it('passes a step taken out of the flow but kept as retired; a step left out unmarked does not load', () => {
    const withoutDeputy = (retired?: string): RouteDefinition => ({
      ...superiorKey,
      steps: superiorKey.steps.map((s) => (s.id === 'deputyHandle' && retired ? { ...s, retired } : s)),
      flow: superiorKey.flow.filter((n) => n !== 'deputyHandle'),
    });
    const kept = withoutDeputy('2026-12-01: 阅处 merged into 阅办');
    expect(routeProblems(kept)).toEqual([]);
    expect(upgradeProblems('superior-key', oldest, current(kept), kept)).toEqual([]);
    expect(returnTargets(kept, kept.steps.find((s) => s.id === 'deputyHandle')!)).toEqual([]);
    expect(routeProblems(withoutDeputy())).toEqual(['superior-key.deputyHandle: not in the flow; put it there, or mark it retired while running executions may reach it']);
    expect(routeProblems({ ...superiorKey, steps: superiorKey.steps.map((s) => ({ ...s, retired: 'x' })) })).toHaveLength(superiorKey.steps.length);
  });

  it('a field or a value a Choice reads, dropped from the form', () => {
    const route = ROUTES['request-general']!;
    const graph = readGraph('2026-11-24.1', 'request-general');
    const withForm = (f: z.ZodType): RouteDefinition => ({ ...route, steps: route.steps.map((s) => (s.id === 'deputyDecide' ? { ...s, form: f } : s)) });
    const noMeeting = withForm(form({ opinion, outcome: z.enum(['approved', 'refused']) }));
    expect(upgradeProblems('request-general', graph, current(route), noMeeting)).toEqual([
      'request-general IfDeputyDecideOutcome: compares deputyDecide.outcome to "meeting", which the form no longer accepts',
    ]);
    const noOutcome = withForm(form({ opinion }));
    expect(upgradeProblems('request-general', graph, current(route), noOutcome)).toEqual([
      "request-general IfDeputyDecideOutcome: reads deputyDecide.outcome, a field the step's form no longer has",
    ]);
  });

  it('a payload or an answer read the current handlers no longer match', () => {
    const changed = structuredClone(oldest);
    const instruct = changed.States.Instruct!.Parameters!.Payload!;
    delete instruct['decisions.$'];
    changed.States.Archive!.ResultSelector = { ...changed.States.Archive!.ResultSelector, 'box.$': '$.Payload.box' };
    changed.States.File!.Next = 'Nowhere';
    expect(upgradeProblems('superior-key', changed, current(superiorKey), superiorKey)).toEqual([
      'superior-key Instruct: sends no decisions.$, which the current handler is sent',
      'superior-key Archive: reads box.$ from $.Payload.box of the answer, which the current graph no longer reads',
      'superior-key File: goes to Nowhere, which the graph does not have',
    ]);
  });
});

describe('where a Goto (退回, 撤回, 撤销) can go on a graph', () => {
  it('nowhere on a graph released before Chancery.Goto; every earlier step and 撤销 on the current one', () => {
    const superiorKey = ROUTES['superior-key']!;
    expect(gotoTargetsFrom(readGraph('2026-11-22', 'superior-key'), 'deputyHandle')).toEqual([]);
    expect(gotoTargetsFrom(readGraph('2026-11-24.2', 'superior-key'), 'deputyHandle')).toEqual(['propose', 'instruct', 'deputyHandle', 'departmentHandle', 'file', 'withdrawn']);
    expect(gotoTargetsFrom(current(superiorKey), 'nosuchstep')).toEqual([]);
  });
});
