/**
 * Each route's state machine is generated from its route module (infra/asl.ts): the committed
 * file must be what generation gives today (run `npm run asl` after changing a route), valid ASL,
 * one waitForTaskToken Task per human step, and nothing a handler would have to know by name.
 */
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { aslFile, aslOf, aslText, longestPathSteps, STANDARD_EXECUTION_LIMIT_SECONDS, STEP_BACKSTOP_SECONDS, stepBackstopSeconds } from '../../infra/asl.js';
import { ROUTES } from '../../functions/routes/index.js';
import { SERVICE_INTEGRATIONS, serviceIntegrationArn } from '../../infra/manifest.js';
import { flowSteps, happyPath } from '../../functions/domain/route-platform.js';

describe.each(Object.values(ROUTES).map((r) => [r.id, r] as const))('%s', (_, route) => {
  it('the committed ASL file is what generation gives (npm run asl)', () => {
    expect(readFileSync(aslFile(route.id), 'utf8')).toBe(aslText(route));
  });

  it.each(['aws', 'aws-cn'])('is valid Amazon States Language in the %s partition', (partition) => {
    const text = Object.entries(SERVICE_INTEGRATIONS).reduce((t, [name, action]) => t.replaceAll(`\${${name}}`, serviceIntegrationArn(partition, action)), aslText(route));
    const { isValid, errorsText } = aslValidator(JSON.parse(text) as never);
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('has one human Task per step, in the order of the flow, each naming its route and step', () => {
    const asl = aslOf(route) as { States: Record<string, any>; StartAt: string };
    const human = Object.values(asl.States).filter((s) => s.Resource === '${LambdaInvokeWaitForTaskToken}');
    expect(human.map((s) => s.Parameters.Payload.step)).toEqual(flowSteps(route.flow));
    for (const s of human) expect(s.Parameters.Payload.route).toBe(route.id);
    expect(new Set(human.map((s) => s.Parameters.Payload.step))).toEqual(new Set(route.steps.filter((s) => s.retired === undefined).map((s) => s.id)));
  });

  it('names no partition: every Task resource is a service integration placeholder, filled per stack (aws, aws-cn)', () => {
    expect(aslText(route)).not.toMatch(/arn:aws/);
    const resources = Object.values((aslOf(route) as { States: Record<string, { Resource?: string }> }).States).flatMap((s) => (s.Resource ? [s.Resource] : []));
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) expect(Object.keys(SERVICE_INTEGRATIONS).map((name) => `\${${name}}`)).toContain(r);
  });

  it("its longest pass (every detour taken) times the step backstop fits Standard's one-year limit", () => {
    const asl = aslOf(route) as { States: Record<string, { TimeoutSeconds?: number; Resource?: string }> };
    const timeouts = Object.values(asl.States).filter((s) => s.Resource === '${LambdaInvokeWaitForTaskToken}').map((s) => s.TimeoutSeconds);
    expect(timeouts).toHaveLength(longestPathSteps(route));
    for (const t of timeouts) expect(t).toBe(stepBackstopSeconds(route));
    expect(stepBackstopSeconds(route)).toBeLessThanOrEqual(STEP_BACKSTOP_SECONDS);
    // A backstop is weeks, never days: a deadline is chased long before it.
    expect(stepBackstopSeconds(route)).toBeGreaterThanOrEqual(30 * 24 * 3600);
    expect(timeouts.reduce((a, b) => a! + b!, 0)).toBeLessThanOrEqual(STANDARD_EXECUTION_LIMIT_SECONDS);
  });

  it('the happy path costs one transition per step, one per detour not taken, the archive and the end', () => {
    const asl = aslOf(route) as { States: Record<string, any>; StartAt: string };
    let state: string | undefined = asl.StartAt;
    const path: string[] = [];
    while (state) {
      path.push(state);
      state = asl.States[state].Next ?? asl.States[state].Default;
    }
    const detours = route.flow.filter((n) => typeof n !== 'string').length;
    expect(path).toHaveLength(happyPath(route.flow).length + detours + 2);
    expect(path.at(-2)).toBe('Archive');
    expect(path.at(-1)).toBe('Filed');
  });
});
