/** Business figures leave a function as CloudWatch embedded metric format lines (the dashboard's source). */
import { afterEach, describe, expect, it } from 'vitest';
import { countBusiness, setMetricsSink } from '../../functions/adapters/metrics.js';
import { BUSINESS_METRICS, METRICS_NAMESPACE } from '../../infra/manifest.js';

afterEach(() => setMetricsSink(undefined));

describe('countBusiness', () => {
  it('writes one EMF line per figure: namespace Chancery, the branch as service, a count', () => {
    const lines: string[] = [];
    setMetricsSink((line) => lines.push(line));
    process.env.CHANCERY_BRANCH ??= 'hq';
    countBusiness('registered');
    countBusiness('overdue', 3);
    countBusiness('overdue', 0);
    expect(lines).toHaveLength(2);
    const [registered, overdue] = lines.map((l) => JSON.parse(l));
    expect(registered._aws.CloudWatchMetrics).toEqual([
      { Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: [{ Name: BUSINESS_METRICS.registered, Unit: 'Count' }] },
    ]);
    expect(registered.service).toBe(`chancery-${process.env.CHANCERY_BRANCH}`);
    expect(registered[BUSINESS_METRICS.registered]).toBe(1);
    // Each line carries its own figure only: nothing left over from the one before.
    expect(overdue[BUSINESS_METRICS.overdue]).toBe(3);
    expect(overdue[BUSINESS_METRICS.registered]).toBeUndefined();
  });

  it('writes nothing outside Lambda without a sink (local mode, tests)', () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      countBusiness('archived');
    } finally {
      process.stdout.write = original;
    }
    expect(written.filter((w) => w.includes(BUSINESS_METRICS.archived))).toEqual([]);
  });
});
