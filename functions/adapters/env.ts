/**
 * What a function learns from its environment: resource names and the branch configuration.
 * The same variable names are set by the CDK stack and by local mode (infra/manifest.ts ENV).
 */
import { parseBranchConfig, type BranchConfig } from '../domain/branch-config.js';
import { branchCalendar, type DeadlineOptions } from '../domain/calendar.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

let cachedConfig: { raw: string; config: BranchConfig; deadlineOptions: DeadlineOptions } | undefined;

function loadConfig() {
  const raw = required('CHANCERY_BRANCH_CONFIG');
  if (cachedConfig?.raw !== raw) {
    const config = parseBranchConfig(JSON.parse(raw), 'CHANCERY_BRANCH_CONFIG');
    cachedConfig = { raw, config, deadlineOptions: { calendar: branchCalendar(config.calendar), timeZone: config.timeZone, officeDayEnd: config.officeDayEnd } };
  }
  return cachedConfig;
}

export const env = {
  get documentsTable() {
    return required('DOCUMENTS_TABLE');
  },
  get registersTable() {
    return required('REGISTERS_TABLE');
  },
  get tasksTable() {
    return required('TASKS_TABLE');
  },
  get auditTable() {
    return required('AUDIT_TABLE');
  },
  get inboxBucket() {
    return required('INBOX_BUCKET');
  },
  get archiveBucket() {
    return required('ARCHIVE_BUCKET');
  },
  get superiorKeyStateMachineArn() {
    return required('SUPERIOR_KEY_STATE_MACHINE_ARN');
  },
  get userPoolId() {
    return required('USER_POOL_ID');
  },
  get branchConfig(): BranchConfig {
    return loadConfig().config;
  },
  /** The branch calendar and office hours that deadlines are counted in. */
  get deadlineOptions(): DeadlineOptions {
    return loadConfig().deadlineOptions;
  },
};
