/**
 * Function cold start (module init) for `npm run bench` (`functionInit` in its JSON): every function
 * of infra/manifest.ts bundled by esbuild with the stack's own settings (FUNCTION_BUNDLING in
 * infra/stacks/branch-stack.ts, as NodejsFunction passes them), then imported in fresh Node
 * processes, timed from the start of the import until the `handler` export is there; beside a
 * baseline bundled the same way, an SDK-only handler (tests/bench/baseline-handler.ts: the
 * DynamoDB client and its document client). Runs are interleaved (every bundle once per round) so
 * that noise from other work on the machine spreads over all of them; the first round is a
 * discarded warm-up (file cache).
 *
 * The processes see what local mode sets (the manifest's variables, the SDK's region, keys and
 * endpoints), none of which are contacted at import. Lambda's own init adds the runtime's bootstrap
 * (and, with X-Ray on, its daemon) to this; the module's share is what the code controls.
 *
 * Run alone: `npx tsx tests/bench/init.ts` prints the JSON (BENCH_INIT_RUNS, default 9 rounds).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { FUNCTION_BUNDLING, repoRoot } from '../../infra/stacks/branch-stack.js';
import { functions } from '../../infra/manifest.js';
import { loadBranchConfig } from '../../infra/branch-config.js';
import { localWiring } from '../../infra/local/wiring.js';
import { sdkEnvironment } from '../../infra/local/local-mode.js';

const BASELINE_ENTRY = 'tests/bench/baseline-handler.ts';
/** The aim: each function's module init within 1.3× the SDK-only handler's. */
export const INIT_RATIO_GOAL = 1.3;

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The esbuild flags FUNCTION_BUNDLING may pass through esbuildArgs, as build options; any other is refused. */
const ESBUILD_FLAGS: Record<string, keyof BuildOptions> = {
  '--minify-whitespace': 'minifyWhitespace',
  '--minify-syntax': 'minifySyntax',
  '--minify-identifiers': 'minifyIdentifiers',
  '--keep-names': 'keepNames',
};

/** NodejsFunction's bundling options as the esbuild options its CLI call amounts to (aws-lambda-nodejs bundling.js). */
export function esbuildOptionsOf(bundling: typeof FUNCTION_BUNDLING): BuildOptions {
  const args = Object.fromEntries(
    Object.entries(('esbuildArgs' in bundling ? bundling.esbuildArgs : undefined) ?? {}).map(([flag, value]) => {
      const option = ESBUILD_FLAGS[flag];
      if (!option || value !== true) throw new Error(`init bench: esbuild argument ${flag}=${String(value)} has no equivalent here; add it to ESBUILD_FLAGS`);
      return [option, true];
    }),
  );
  return {
    bundle: true,
    target: bundling.target,
    platform: bundling.platform as BuildOptions['platform'],
    format: bundling.format,
    mainFields: bundling.mainFields,
    banner: { js: bundling.banner },
    minify: bundling.minify,
    ...('keepNames' in bundling ? { keepNames: Boolean(bundling.keepNames) } : {}),
    sourcemap: bundling.sourceMap,
    external: bundling.externalModules,
    logLevel: 'warning',
    ...args,
  };
}

interface Bundle {
  id: string;
  entry: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** The packages (or our own folders) taking most of the bundle, bytes of output each. */
  largest: { from: string; bytes: number }[];
}

const packageOf = (input: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1];
  return input.split('/').slice(0, 2).join('/');
};

function largestInputs(meta: Metafile, top = 6): Bundle['largest'] {
  const byFrom = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) byFrom.set(packageOf(input), (byFrom.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return [...byFrom.entries()]
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([from, bytes]) => ({ from, bytes }));
}

async function bundle(id: string, entry: string, outDir: string): Promise<Bundle> {
  const file = join(outDir, id, 'index.mjs');
  const result = await build({ ...esbuildOptionsOf(FUNCTION_BUNDLING), entryPoints: [join(repoRoot, entry)], outfile: file, absWorkingDir: repoRoot, metafile: true });
  const code = readFileSync(file);
  return { id, entry, file, bytes: statSync(file).size, gzipBytes: gzipSync(code).length, largest: largestInputs(result.metafile) };
}

/** What local mode puts into process.env before it loads a handler (nothing here is contacted at import). */
function initEnvironment(): NodeJS.ProcessEnv {
  const wiring = localWiring(loadBranchConfig('hq'));
  const unused = 'http://127.0.0.1:9';
  const endpoints = { dynamodb: unused, s3: unused, stepfunctions: unused, api: unused, cognito: unused, kms: unused, ses: unused };
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return { ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])), ...sdkEnvironment(endpoints), ...wiring.environment };
}

// The child: import, check the export, report. performance.now() counts from the process's start.
const CHILD = `
const c0 = process.cpuUsage();
const t0 = performance.now();
const m = await import(process.env.BENCH_INIT_MODULE);
if (typeof m.handler !== 'function') throw new Error('no handler export');
const t1 = performance.now();
const c1 = process.cpuUsage(c0);
process.stderr.write('\\n@@init ' + JSON.stringify({ initMs: t1 - t0, cpuMs: (c1.user + c1.system) / 1000, processMs: t1 }) + '\\n');
process.exit(0);
`;

/** One fresh process importing the bundle. */
function measure(file: string, env: NodeJS.ProcessEnv): { initMs: number; cpuMs: number; processMs: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...env, BENCH_INIT_MODULE: pathToFileURL(file).href },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = /@@init (\{.*\})/.exec(r.stderr ?? '');
  if (r.status !== 0 || !line) throw new Error(`init of ${file} failed (exit ${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  return JSON.parse(line[1]);
}

export async function functionInitBench(options: { runs?: number; progress?: (message: string) => void } = {}) {
  const runs = Math.max(7, options.runs ?? 9);
  const progress = options.progress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'chancery-bench-init-'));
  try {
    progress(`init: bundling ${functions.length} functions and the SDK-only baseline`);
    const bundles = [await bundle('baseline-sdk-only', BASELINE_ENTRY, dir)];
    for (const f of functions) bundles.push(await bundle(f.id, f.entry, dir));
    const env = initEnvironment();
    const samples = new Map<string, { initMs: number; cpuMs: number; processMs: number }[]>(bundles.map((b) => [b.id, []]));
    progress(`init: ${runs} rounds of ${bundles.length} fresh processes (one warm-up round)`);
    for (let r = 0; r <= runs; r++) {
      for (const b of bundles) {
        const s = measure(b.file, env);
        if (r > 0) samples.get(b.id)!.push(s);
      }
    }
    const summary = (id: string) => {
      const xs = samples.get(id)!;
      return {
        initMs: round(median(xs.map((x) => x.initMs))),
        initMinMs: round(Math.min(...xs.map((x) => x.initMs))),
        cpuMs: round(median(xs.map((x) => x.cpuMs))),
        processMs: round(median(xs.map((x) => x.processMs))),
      };
    };
    const baseline = { ...summary('baseline-sdk-only'), bytes: bundles[0].bytes, gzipBytes: bundles[0].gzipBytes, entry: BASELINE_ENTRY };
    const byFunction = Object.fromEntries(
      bundles.slice(1).map((b) => {
        const s = summary(b.id);
        return [b.id, { entry: b.entry, bytes: b.bytes, gzipBytes: b.gzipBytes, ...s, ratioToBaseline: round(s.initMs / baseline.initMs, 2), cpuRatioToBaseline: round(s.cpuMs / baseline.cpuMs, 2), withinGoal: s.initMs / baseline.initMs <= INIT_RATIO_GOAL, largest: b.largest }];
      }),
    );
    const ratios = Object.values(byFunction).map((f) => f.ratioToBaseline);
    return {
      note: 'module init: a fresh `node --input-type=module -e` imports the bundle until its handler export is there (median of the rounds; ratioToBaseline from these wall times); cpuMs is the CPU time the import took (user + system), which other work on a shared machine disturbs less; processMs adds Node\'s own start. Bundled as the stack bundles (FUNCTION_BUNDLING); Lambda adds its runtime bootstrap to both. Code loaded on first use (await import: the seal stamp, PDF and XLSX files, the GB/T 9704 layout, pdf-lib in the upload check) stays in the one file, counted in bytes, and runs at the first request that needs it: for intake, every PDF scan',
      node: process.version,
      runs,
      bundling: { ...esbuildOptionsOf(FUNCTION_BUNDLING), banner: undefined, logLevel: undefined },
      goalRatio: INIT_RATIO_GOAL,
      baseline,
      byFunction,
      worstRatio: Math.max(...ratios),
      functionsWithinGoal: ratios.filter((r) => r <= INIT_RATIO_GOAL).length,
      functions: ratios.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await functionInitBench({ runs: process.env.BENCH_INIT_RUNS ? Number(process.env.BENCH_INIT_RUNS) : undefined, progress: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
