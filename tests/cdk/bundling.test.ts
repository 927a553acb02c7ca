/**
 * The one slow CDK test: a real synth with esbuild bundling and cdk-nag, as `npx cdk synth` does.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { functions, OUTGOING_FONTS, SEAL_IMAGES, SLIP_FONT } from '../../infra/manifest.js';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { repoRoot } from '../../infra/stacks/branch-stack.js';
import { logicalIdOfFunction, synthBranch, type Synth } from './synth.js';

let s: Synth;
beforeAll(() => {
  // Throws if any handler fails to bundle, or if cdk-nag reports a finding nobody acknowledged.
  s = synthBranch({ bundling: true });
}, 180_000);

const assetDirOf = (fnId: (typeof functions)[number]['id']) => {
  const code = s.json.Resources[logicalIdOfFunction(s, fnId)].Properties!.Code as { S3Key: string };
  const hash = code.S3Key.replace(/\.zip$/, '');
  return join(s.assembly.directory, `asset.${hash}`);
};

describe('synth with bundling', () => {
  it('bundles every handler as an ESM module with a require shim', () => {
    for (const f of functions) {
      const dir = assetDirOf(f.id);
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(bundle.slice(0, 300), f.id).toContain('createRequire');
      expect(s.json.Resources[logicalIdOfFunction(s, f.id)].Properties!.Handler).toBe('index.handler');
    }
  });

  it('minifies whitespace and syntax but keeps names: a stack trace names the function that threw', () => {
    const bundle = readFileSync(join(assetDirOf('create-task'), 'index.mjs'), 'utf8');
    // Our own function names survive (identifiers are not minified)…
    expect(bundle).toMatch(/function createTaskOrRetry\(/);
    // …while the layout is gone: far fewer lines than a readable bundle of this size would have.
    expect(bundle.split('\n').length).toBeLessThan(bundle.length / 200);
  });

  it("ships the CJK slip font in the archive function's bundle", () => {
    const font = join(assetDirOf('archive'), SLIP_FONT.to);
    expect(existsSync(font)).toBe(true);
    expect(statSync(font).size).toBe(statSync(join(repoRoot, SLIP_FONT.from)).size);
    expect(existsSync(join(assetDirOf('intake'), SLIP_FONT.to))).toBe(false);
  });

  it("ships the GB/T 9704 faces in the drafts function's bundle: the TTFs and WenKai's CSS with every piece it names", () => {
    const dir = assetDirOf('api-drafts');
    for (const f of OUTGOING_FONTS) expect(statSync(join(dir, f.to)).size, f.to).toBe(statSync(join(repoRoot, f.from)).size);
    const kai = OUTGOING_FONTS.find((f) => f.siblings)!;
    const css = readFileSync(join(dir, kai.to), 'utf8');
    const named = [...css.matchAll(/url\(['"]?\.\/([^'")]+\.woff2)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(50);
    const kaiDir = join(dir, kai.to, '..');
    for (const piece of named) expect(existsSync(join(kaiDir, piece)), piece).toBe(true);
    // Only the regular weight's pieces: the light and bold ones stay out of the bundle.
    expect(readdirSync(join(kaiDir, kai.siblings!.dir)).every((n) => n.startsWith('lxgwwenkai-regular-subset-'))).toBe(true);
    expect(existsSync(join(assetDirOf('api-registers'), OUTGOING_FONTS[0].to))).toBe(false);
  });

  it("ships the seal images with the function that applies seals (用印), where adapters/seals.ts looks for them", () => {
    const dir = assetDirOf('api-tasks');
    const readme = join(dir, SEAL_IMAGES.to);
    expect(existsSync(readme)).toBe(true);
    for (const seal of loadBranchConfig('hq').seals) {
      expect(readFileSync(join(dirname(dirname(readme)), seal.image)), seal.image).toEqual(readFileSync(join(repoRoot, 'infra/branches', seal.image)));
    }
    expect(existsSync(join(assetDirOf('api-registers'), SEAL_IMAGES.to))).toBe(false);
  });

  it('cdk-nag (AwsSolutions) leaves no unacknowledged finding', () => {
    // The validation report written into the cloud assembly by the plugin run at synth.
    const report = JSON.parse(readFileSync(join(s.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName?: string; summary?: { status?: string }; conventions?: unknown; violations?: { severity: string }[] }[];
    };
    const failing = JSON.stringify(report.pluginReports);
    expect(failing).not.toMatch(/"severity":\s*"error"/);
    // The same pack run directly over the tree: nothing left open, errors or warnings.
    const direct = new AwsSolutionsChecks().validateScope(s.app);
    expect(direct.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
    // And no error annotations on the stack.
    Annotations.fromStack(s.stack).hasNoError('*', Match.anyValue());
  });
});
