/**
 * What a function learns from its environment: resource names and the branch configuration.
 * The same variable names are set by the CDK stack and by local mode (infra/manifest.ts ENV).
 */
import { ENV } from '../../infra/manifest.js';
import { parseBranchConfig, type BranchConfig } from '../domain/branch-config.js';
import { branchCalendar, type DeadlineOptions } from '../domain/calendar.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

let cachedConfig: { raw: string; config: BranchConfig; deadlineOptions: DeadlineOptions } | undefined;

function loadConfig() {
  const raw = required(ENV.branchConfig);
  if (cachedConfig?.raw !== raw) {
    const config = parseBranchConfig(JSON.parse(raw), ENV.branchConfig);
    cachedConfig = { raw, config, deadlineOptions: { calendar: branchCalendar(config.calendar), timeZone: config.timeZone, officeDayEnd: config.officeDayEnd } };
  }
  return cachedConfig;
}

export const env = {
  get documentsTable() {
    return required(ENV.documentsTable);
  },
  get registersTable() {
    return required(ENV.registersTable);
  },
  get tasksTable() {
    return required(ENV.tasksTable);
  },
  get auditTable() {
    return required(ENV.auditTable);
  },
  get peopleTable() {
    return required(ENV.peopleTable);
  },
  get inboxBucket() {
    return required(ENV.inboxBucket);
  },
  get archiveBucket() {
    return required(ENV.archiveBucket);
  },
  /** The state machine of a route. */
  stateMachineArn(routeId: string): string {
    return `${required(ENV.stateMachineArnPrefix)}${routeId}`;
  },
  get userPoolId() {
    return required(ENV.userPoolId);
  },
  get auditMacKeyId() {
    return required(ENV.auditMacKeyId);
  },
  get branchConfig(): BranchConfig {
    return loadConfig().config;
  },
  /** The branch calendar and office hours that deadlines are counted in. */
  get deadlineOptions(): DeadlineOptions {
    return loadConfig().deadlineOptions;
  },
};
