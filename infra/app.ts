/**
 * CDK app: one stack per branch. `npx cdk synth -c branch=<name>` (default: CHANCERY_BRANCH or hq)
 * loads infra/branches/<name>.json and synthesizes `Chancery-<name>` with cdk-nag's AwsSolutions
 * checks running as a validation plugin (after building the web console into web/dist if needed).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadBranchConfig, type BranchConfig } from './branch-config.js';
import { ensureWebBuilt } from './local/build-web.js';
import { BranchStack, repoRoot } from './stacks/branch-stack.js';

export interface BuildAppOptions {
  /** Branch to build; default: context `branch`, then CHANCERY_BRANCH, then `hq`. */
  branch?: string;
  /** Branch configuration to use instead of infra/branches/<branch>.json. */
  config?: BranchConfig;
  /** Extra context (e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip esbuild in tests). */
  context?: Record<string, unknown>;
  /** Cloud assembly directory (tests use a temporary one). */
  outdir?: string;
  /** Run cdk-nag's AwsSolutions pack at synth (default true). */
  nag?: boolean;
}

/**
 * The `context` of cdk.json (feature flags), so an app built in a test behaves like the one the
 * CLI runs. Context the CLI passes (cdk.json, `-c`) still takes precedence over these defaults.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function stackName(branch: string): string {
  return `Chancery-${branch}`;
}

export function buildBranchStack(app: App, config: BranchConfig): BranchStack {
  return new BranchStack(app, stackName(config.branch), {
    config,
    description: `Chancery document suite, branch ${config.branch} (${config.displayName})`,
    // Environment-agnostic unless the CLI knows the target account/region: synth needs neither
    // credentials nor network; `cdk deploy` fills them in from the profile.
    // A branch config naming its region (a China branch, typically) fixes the region whatever
    // the profile says, so ARNs are built for its partition at synth.
    env: config.region
      ? { region: config.region, ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}) }
      : process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
        ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
        : undefined,
    terminationProtection: true,
  });
}

export function buildApp(options: BuildAppOptions = {}): { app: App; stack: BranchStack; config: BranchConfig } {
  const appProps: AppProps = {
    context: { ...cdkJsonContext(), ...(options.context ?? {}) },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  };
  const app = new App(appProps);
  const fromContext = app.node.tryGetContext('branch') as string | undefined;
  const branch = options.config?.branch ?? options.branch ?? fromContext ?? process.env.CHANCERY_BRANCH ?? 'hq';
  const config = options.config ?? loadBranchConfig(branch);
  const stack = buildBranchStack(app, config);
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, config };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  // The stack deploys web/dist (the console): build it first when missing or stale, as `npm start` does.
  await ensureWebBuilt((message) => console.error(message));
  buildApp().app.synth();
}
