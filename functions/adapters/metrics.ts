/**
 * Business figures (registered, tasks opened, decided, overdue, archived) as CloudWatch embedded
 * metric format lines (Powertools metrics): CloudWatch turns the function's log line into the
 * metric the branch dashboard graphs (infra/stacks/monitoring.ts). Each figure is written when it
 * happens, not batched to the end of the invocation, so a later failure does not lose it.
 *
 * Only inside Lambda (AWS_EXECUTION_ENV): local mode and tests would only print JSON lines no one
 * reads. A test sets a sink to see what would be written.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BUSINESS_METRICS, METRICS_NAMESPACE, metricsService, type BusinessMetric } from '../../infra/manifest.js';

type Sink = (emfLine: string) => void;

let sink: Sink | undefined;
let metrics: Metrics | undefined;

/** Where EMF lines go instead of stdout (tests); `undefined` restores the default. */
export function setMetricsSink(next: Sink | undefined): void {
  sink = next;
}

const inLambda = () => (process.env.AWS_EXECUTION_ENV ?? '').startsWith('AWS_Lambda');

export function countBusiness(metric: BusinessMetric, count = 1): void {
  const write: Sink | undefined = sink ?? (inLambda() ? (line) => process.stdout.write(`${line}\n`) : undefined);
  if (!write || count <= 0) return;
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: metricsService(process.env.CHANCERY_BRANCH ?? 'unknown') });
  metrics.addMetric(BUSINESS_METRICS[metric], MetricUnit.Count, count);
  const emf = metrics.serializeMetrics();
  metrics.clearMetrics();
  write(JSON.stringify(emf));
}
