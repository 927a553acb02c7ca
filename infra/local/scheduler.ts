/** The manifest's EventBridge schedules, fired locally on an interval with the event AWS sends. */
import { randomUUID } from 'node:crypto';
import type { LocalWiring } from './wiring.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './wiring.js';

export function scheduledEvent(branch: string, scheduleId: string, time: Date) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/chancery-${branch}-${scheduleId}`],
    detail: {},
  };
}

export function startSchedules(options: {
  wiring: LocalWiring;
  everySecondsOverride?: number;
  fire: (functionId: string, event: unknown) => Promise<unknown>;
  onError: (err: unknown, scheduleId: string) => void;
}): { stop(): void } {
  const timers = options.wiring.schedules.map((s) => {
    const seconds = options.everySecondsOverride ?? s.everySeconds;
    const timer = setInterval(() => {
      options.fire(s.function, scheduledEvent(options.wiring.branch, s.id, new Date())).catch((err) => options.onError(err, s.id));
    }, seconds * 1000);
    timer.unref();
    return timer;
  });
  return { stop: () => timers.forEach(clearInterval) };
}
