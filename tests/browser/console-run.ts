/**
 * A browser test file's surroundings: real local mode and Debian's chromium started side by side,
 * and both closed at the end with the check that no page of the file had a script error or a CSP
 * violation. Kept apart from kit.ts, which the bench imports outside vitest.
 */
import { expect } from 'vitest';
import type { Browser } from 'playwright-core';
import type { LocalModeOptions } from '../../infra/local/local-mode.js';
import { startHarness, type Harness } from '../integration/harness.js';
import { launchChromium, pageErrors } from './kit.js';

export interface ConsoleRun {
  h: Harness;
  browser: Browser;
  /** The console's address, as `npm start` prints it (控制台), without the trailing slash. */
  origin: string;
}

export async function startConsole(options: LocalModeOptions): Promise<ConsoleRun> {
  const [h, browser] = await Promise.all([startHarness(options), launchChromium()]);
  return { h, browser, origin: h.local.consoleUrl.replace(/\/$/, '') };
}

export async function stopConsole(run: Partial<ConsoleRun>): Promise<void> {
  await run.browser?.close();
  await run.h?.close();
  expect(pageErrors).toEqual([]);
}
