import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The console is built once before any test file runs (local mode serves web/dist).
    globalSetup: ['tests/global-setup.ts'],
    // Integration tests start real local services (DynamoDB Local is a JVM): give them room, and
    // run files one or two at a time on these 2-core machines.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    // Handlers log through Powertools; keep test output to what fails.
    env: { LOG_LEVEL: 'WARN' },
  },
});
