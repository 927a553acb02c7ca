/**
 * Loads infra/branches/<branch>.json. `npx cdk deploy -c branch=<name>` picks the file for the
 * stack; local mode uses CHANCERY_BRANCH (default hq).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBranchConfig, type BranchConfig } from '../functions/domain/branch-config.js';

export type { BranchConfig };

const branchesDir = join(dirname(fileURLToPath(import.meta.url)), 'branches');

export function loadBranchConfig(branch = process.env.CHANCERY_BRANCH ?? 'hq'): BranchConfig {
  const file = join(branchesDir, `${branch}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`branch "${branch}": cannot read ${file}: ${(err as Error).message}`);
  }
  const config = parseBranchConfig(raw, file);
  if (config.branch !== branch) throw new Error(`branch "${branch}": ${file} names branch "${config.branch}"`);
  return config;
}
