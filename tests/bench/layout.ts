/**
 * GB/T 9704 layout figures for `npm run bench`: ms per page rendering an outgoing document of about
 * 1 and 10 pages, cold (a fresh process: font files read and parsed, WOFF2 pieces decompressed) and
 * warm (median of several renders), beside the processing slip (文件处理笺, one CJK font, no layout
 * rules) rendered the same way in the same processes.
 *
 * Run alone: `npx tsx tests/bench/layout.ts` prints the JSON.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { PDFDocument } from 'pdf-lib';
import { renderOutgoingPdf } from '../../functions/domain/gbt9704-pdf.js';
import type { ProcessingSlip } from '../../functions/domain/processing-slip.js';
import { renderSlipPdf } from '../../functions/domain/slip-pdf.js';
import { longReport, notice } from '../unit/gbt9704-samples.js';

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function slip(lines: number): ProcessingSlip {
  const opinion = '请生产技术科于6月30日前落实检查，并将检查结果书面报综合办公室，重大隐患立即上报。';
  return {
    branchName: '××公司',
    title: '关于开展2026年安全生产大检查的通知',
    registerNumber: '收〔2026〕12号',
    receivedAt: '2026-05-20T01:30:00.000Z',
    sender: '市应急管理局',
    sourceNumber: '应急发〔2026〕31号',
    urgency: '加急',
    secrecy: '非密',
    lines: Array.from({ length: lines }, () => ({
      step: 'propose',
      stepName: '拟办',
      actorUsername: 'liqiang',
      actorName: '李强',
      role: 'office-director',
      opinion: opinion.repeat(3),
      details: [],
      at: '2026-05-20T02:00:00.000Z',
    })),
  };
}

const pageCount = async (pdf: Uint8Array): Promise<number> => (await PDFDocument.load(pdf)).getPageCount();

type Job = () => Promise<{ pages: number }>;
const JOBS = {
  outgoing1: async () => ({ pages: (await renderOutgoingPdf(notice)).pageCount }),
  outgoing10: async () => ({ pages: (await renderOutgoingPdf(longReport(40))).pageCount }),
  slip1: async () => ({ pages: await pageCount(await renderSlipPdf(slip(4))) }),
  slip10: async () => ({ pages: await pageCount(await renderSlipPdf(slip(70))) }),
} satisfies Record<string, Job>;

async function timed(job: Job): Promise<{ ms: number; pages: number }> {
  const t = performance.now();
  const { pages } = await job();
  return { ms: performance.now() - t, pages };
}

/** One job in a fresh process: its first render pays for reading and parsing the fonts. */
function cold(name: string): { ms: number; pages: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--cold', name], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

interface Figure {
  pages: number;
  coldMs: number;
  coldMsPerPage: number;
  warmMsMedian: number;
  warmMsPerPage: number;
}

export async function layoutBench(samples = 5) {
  const figures = {} as Record<keyof typeof JOBS, Figure>;
  for (const name of Object.keys(JOBS) as (keyof typeof JOBS)[]) {
    const c = cold(name);
    await JOBS[name](); // warm this process
    const warm: number[] = [];
    let pages = c.pages;
    for (let i = 0; i < samples; i++) {
      const r = await timed(JOBS[name]);
      warm.push(r.ms);
      pages = r.pages;
    }
    figures[name] = { pages, coldMs: round(c.ms), coldMsPerPage: round(c.ms / c.pages), warmMsMedian: round(median(warm)), warmMsPerPage: round(median(warm) / pages) };
  }
  const f = figures;
  return {
    note: 'outgoingN: GB/T 9704 document (renderOutgoingPdf) of about N pages; slipN: the processing slip (renderSlipPdf) of about N pages, the baseline; cold = first render in a fresh process',
    ...figures,
    ratios: {
      warmPerPage1ToSlip: round(f.outgoing1.warmMsPerPage / f.slip1.warmMsPerPage, 2),
      warmPerPage10ToSlip: round(f.outgoing10.warmMsPerPage / f.slip10.warmMsPerPage, 2),
      cold1ToSlipCold: round(f.outgoing1.coldMs / f.slip1.coldMs, 2),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--cold') {
    const r = await timed(JOBS[process.argv[3] as keyof typeof JOBS]);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(await layoutBench(), null, 2)}\n`);
  }
}
