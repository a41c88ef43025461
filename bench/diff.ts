import type { SqlSession } from '../src/demo/db.js';
import { runCli } from './process.js';
import { round } from './report.js';
import { editedCount, NEW_WRITES, type Scenario } from './scenario.js';
import type { BenchServers } from './servers.js';

/**
 * `npm run bench -- --diff`: the two ways `rowback diff` compares, on the same tables: staged (the source
 * rows copied into a temporary table on the target, classified there) and merge (both tables read in key
 * order and walked side by side in rowback). Each plan is checked before its time is reported.
 */

type DiffCase = 'unchanged' | 'A' | 'B';

const TITLES: Record<DiffCase, string> = {
  unchanged: 'target equal to the source',
  A: 'all rows deleted',
  B: '50% deleted + 10,000 new + 10,000 edited',
};

export interface DiffResult {
  case: DiffCase;
  path: 'staged' | 'merge';
  outcome: 'ok' | 'failed' | 'wrong';
  seconds?: number;
  peakRssBytes?: number;
  /** CPU seconds of the rowback process itself (the merge's work happens there; staging's on the server). */
  cpuSeconds?: number;
  error?: string;
}

export interface DiffContext {
  rows: number;
  scenario: Scenario;
  target: SqlSession;
  servers: BenchServers;
  cli: string;
  log: (line: string) => void;
}

/** Times both paths on each case, twice each in alternation, keeping the faster run. */
export async function runDiffBench(context: DiffContext): Promise<DiffResult[]> {
  const { rows, scenario, target, log } = context;
  const results: DiffResult[] = [];
  for (const kase of ['unchanged', 'A', 'B'] as DiffCase[]) {
    log(`diff case ${kase} (${TITLES[kase]}): preparing the target…`);
    if (kase === 'unchanged') await scenario.create(target, rows);
    else await scenario.prepare(target, kase, rows);
    const runs: DiffResult[] = [];
    for (let run = 0; run < 2; run++) {
      for (const path of ['staged', 'merge'] as const) {
        const result = await timeDiff(context, kase, path);
        log(
          `  ${path}: ${result.seconds === undefined ? `${result.outcome} ${result.error ?? ''}` : `${result.seconds.toFixed(2)} s`}`,
        );
        runs.push(result);
      }
    }
    // A failure or a wrong plan in any run is the result; else the faster run.
    const best = new Map<string, DiffResult>();
    for (const r of runs) {
      const kept = best.get(r.path);
      if (!kept || (kept.outcome === 'ok' && (r.outcome !== 'ok' || r.seconds! < kept.seconds!)))
        best.set(r.path, r);
    }
    results.push(...best.values());
  }
  return results;
}

function expectedPlan(kase: DiffCase, rows: number): Record<string, number> {
  const half = Math.floor(rows / 2);
  if (kase === 'unchanged') return { missing: 0, changed: 0, extra: 0, same: rows };
  if (kase === 'A') return { missing: rows, changed: 0, extra: 0, same: 0 };
  const edited = editedCount(rows);
  return { missing: half, changed: edited, extra: NEW_WRITES, same: rows - half - edited };
}

async function timeDiff(context: DiffContext, kase: DiffCase, path: 'staged' | 'merge'): Promise<DiffResult> {
  const { servers, cli, rows } = context;
  const args = [
    'diff',
    'billing',
    '--from',
    servers.source,
    '--to',
    servers.target,
    '--path',
    path,
    '--json',
  ];
  const start = process.hrtime.bigint();
  try {
    const output = await runCli(cli, args);
    const seconds = round(Number(process.hrtime.bigint() - start) / 1e9, 3);
    const report = JSON.parse(output.stdout) as { plan: Record<string, number>; path: string };
    const want = expectedPlan(kase, rows);
    if (JSON.stringify(report.plan) !== JSON.stringify(want) || report.path !== path) {
      return {
        case: kase,
        path,
        outcome: 'wrong',
        error: `plan ${JSON.stringify(report.plan)}, expected ${JSON.stringify(want)}`,
      };
    }
    return {
      case: kase,
      path,
      outcome: 'ok',
      seconds,
      ...(output.peakRssBytes ? { peakRssBytes: output.peakRssBytes } : {}),
      ...(output.cpuSeconds === undefined ? {} : { cpuSeconds: round(output.cpuSeconds, 2) }),
    };
  } catch (error) {
    return {
      case: kase,
      path,
      outcome: 'failed',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/** The human table: one line per case, both paths side by side. */
export function formatDiffReport(engine: string, rows: number, results: DiffResult[]): string {
  const lines = [
    `rowback diff paths: ${engine}, ${rows.toLocaleString('en-US')} rows (best of 2 runs: wall time, CPU seconds of the rowback process, its peak memory)`,
    '',
    `${'case'.padEnd(36)}${'staged'.padStart(28)}${'merge'.padStart(28)}`,
  ];
  const cell = (r: DiffResult | undefined) =>
    !r
      ? '-'
      : r.outcome !== 'ok'
        ? r.outcome
        : `${r.seconds!.toFixed(2)} s${r.cpuSeconds === undefined ? '' : ` (cpu ${r.cpuSeconds.toFixed(1)})`}${r.peakRssBytes ? ` ${Math.round(r.peakRssBytes / 2 ** 20)} MB` : ''}`;
  for (const kase of ['unchanged', 'A', 'B'] as DiffCase[]) {
    const of = (path: string) => results.find((r) => r.case === kase && r.path === path);
    lines.push(
      `${`${kase}: ${TITLES[kase]}`.padEnd(36)}${cell(of('staged')).padStart(28)}${cell(of('merge')).padStart(28)}`,
    );
  }
  return lines.join('\n');
}
