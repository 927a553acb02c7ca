/**
 * cfn-lint on the synthesized branch template for a commercial region and both AWS China regions
 * (`tsx tests/cdk/lint-templates.ts`; .ci/run runs it when cfn-lint is on PATH). The commercial
 * template is the hq branch's; each China one a China branch (tests/cdk/synth.ts
 * chinaBranchConfig). Exits non-zero when any region has an error; warnings are printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chinaBranchConfig, synthBranch } from './synth.js';

export const LINT_REGIONS = ['us-east-1', 'cn-north-1', 'cn-northwest-1'] as const;

/** The template a region is linted with, written to `dir`. */
export function templateFor(region: (typeof LINT_REGIONS)[number], dir: string): string {
  const s = synthBranch(region === 'us-east-1' ? { nag: false } : { config: chinaBranchConfig(region), nag: false });
  const file = join(dir, `${s.stack.stackName}.${region}.json`);
  writeFileSync(file, JSON.stringify(s.json, null, 1));
  return file;
}

if (process.argv[1] === import.meta.filename) {
  const dir = mkdtempSync(join(tmpdir(), 'chancery-lint-'));
  let failed = false;
  for (const region of LINT_REGIONS) {
    const file = templateFor(region, dir);
    const run = spawnSync('cfn-lint', ['--regions', region, '--format', 'parseable', '--', file], { encoding: 'utf8' });
    if (run.error) throw run.error;
    const lines = run.stdout.split('\n').filter(Boolean);
    // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    const errors = (run.status ?? 2) & 2 ? lines.filter((l) => /:E\d{4}:/.test(l)) : [];
    const warnings = lines.filter((l) => /:W\d{4}:/.test(l));
    console.log(`cfn-lint ${region}: ${errors.length} errors, ${warnings.length} warnings (${file})`);
    for (const l of [...errors, ...warnings]) console.log(`  ${l}`);
    if ((run.status ?? 2) & 2 || run.status === 1) failed = true;
  }
  process.exit(failed ? 1 : 0);
}
