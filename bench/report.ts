import { STEPS } from '../src/index.js';
import { CASE_TITLES, type CaseName } from './scenario.js';

/** How one method did on one case. A wrong result never gets a speed. */
export interface MethodResult {
  method: 'rowback' | 'manual' | 'hand' | 'floor' | 'flashback';
  /** What ran, e.g. `pg_dump | psql`. */
  label: string;
  outcome: 'ok' | 'failed' | 'wrong';
  /** Wall time, for outcome ok only. */
  seconds?: number;
  /** Source rows per second (every method reads the whole source table). */
  rowsPerSecond?: number;
  /** Why it failed or what is wrong. */
  error?: string;
  /** rowback only: its JSON report's counts and its peak memory. */
  plan?: Record<string, number>;
  applied?: Record<string, number>;
  peakRssBytes?: number;
  /** rowback only: the duration it reports itself (without process start). */
  reportedSeconds?: number;
  /** rowback only: milliseconds per step, from its report. */
  timings?: Record<string, number>;
}

export interface CaseResult {
  case: CaseName;
  title: string;
  results: MethodResult[];
  /** rowback's time over the other method's, when both succeeded. */
  ratios: {
    rowbackToManual?: number;
    rowbackToHand?: number;
    rowbackToFloor?: number;
    rowbackToFlashback?: number;
  };
}

export interface BenchReport {
  engine: 'postgres' | 'mysql' | 'sqlite';
  rows: number;
  source: string;
  target: string;
  cases: CaseResult[];
}

export function caseResult(kase: CaseName, results: MethodResult[]): CaseResult {
  const seconds = (method: MethodResult['method']) => results.find((r) => r.method === method)?.seconds;
  const ratio = (other: MethodResult['method']) => {
    const mine = seconds('rowback');
    const theirs = seconds(other);
    return mine !== undefined && theirs !== undefined && theirs > 0 ? round(mine / theirs, 2) : undefined;
  };
  return {
    case: kase,
    title: CASE_TITLES[kase],
    results,
    ratios: {
      rowbackToManual: ratio('manual'),
      ...(results.some((r) => r.method === 'hand') ? { rowbackToHand: ratio('hand') } : {}),
      rowbackToFloor: ratio('floor'),
      ...(results.some((r) => r.method === 'flashback') ? { rowbackToFlashback: ratio('flashback') } : {}),
    },
  };
}

/** The human table. */
export function formatReport(report: BenchReport): string {
  const lines = [
    `rowback bench: ${report.engine}, ${report.rows.toLocaleString('en-US')} rows (rows/s = source rows / wall time)`,
    `source ${report.source}`,
    `target ${report.target}`,
    '',
  ];
  const header = ['case', 'method', 'seconds', 'rows/s', 'peak RSS', 'result'];
  const table: string[][] = [header];
  for (const kase of report.cases) {
    kase.results.forEach((r, i) => {
      table.push([
        i === 0 ? `${kase.case}: ${kase.title}` : '',
        r.label,
        r.seconds === undefined ? '-' : r.seconds.toFixed(2),
        r.rowsPerSecond === undefined ? '-' : Math.round(r.rowsPerSecond).toLocaleString('en-US'),
        r.peakRssBytes === undefined ? '' : `${Math.round(r.peakRssBytes / 2 ** 20)} MB`,
        describe(r),
      ]);
    });
    const ratios: [string, number | undefined, MethodResult['method']][] = [
      ['rowback/flashback', kase.ratios.rowbackToFlashback, 'flashback'],
      ['rowback/manual', kase.ratios.rowbackToManual, 'manual'],
      ['rowback/hand merge', kase.ratios.rowbackToHand, 'hand'],
      ['rowback/floor', kase.ratios.rowbackToFloor, 'floor'],
    ];
    for (const [label, ratio, other] of ratios) {
      if (!kase.results.some((r) => r.method === other)) continue;
      table.push(['', label, ratioText(ratio), '', '', ratio === undefined ? noRatio(kase, other) : '']);
    }
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) {
    lines.push(
      row
        .map((cell, c) =>
          c === 2 || c === 3 || c === 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
        )
        .join('  ')
        .trimEnd(),
    );
  }
  return [...lines, '', ...formatSteps(report)].join('\n');
}

/** rowback's own time per step in each case, side by side (seconds), and what no step covers. */
export function formatSteps(report: BenchReport): string[] {
  const timed = report.cases.map((k) => ({ kase: k, r: k.results.find((r) => r.method === 'rowback') }));
  if (!timed.some((t) => t.r?.timings)) return [];
  const steps = STEPS.filter((step) => timed.some((t) => t.r?.timings?.[step] !== undefined));
  const cell = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
  const rows: string[][] = [['rowback step (s)', ...timed.map((t) => `case ${t.kase.case}`)]];
  for (const step of steps) rows.push([step, ...timed.map((t) => cell(t.r?.timings?.[step]))]);
  const sum = (t: (typeof timed)[number]) => Object.values(t.r?.timings ?? {}).reduce((a, b) => a + b, 0);
  rows.push(['steps in all', ...timed.map((t) => cell(t.r?.timings ? sum(t) : undefined))]);
  rows.push([
    'own clock',
    ...timed.map((t) => cell(t.r?.reportedSeconds === undefined ? undefined : t.r.reportedSeconds * 1000)),
  ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) =>
    row.map((text, c) => (c === 0 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!))).join('  '),
  );
}

function ratioText(ratio: number | undefined): string {
  return ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}x`;
}

/** Why a ratio is missing: the method that did not succeed. */
function noRatio(kase: CaseResult, other: MethodResult['method']): string {
  const failed = kase.results.filter(
    (r) => (r.method === 'rowback' || r.method === other) && r.outcome !== 'ok',
  );
  return failed.map((r) => `(${r.label} ${r.outcome})`).join(' ');
}

function describe(r: MethodResult): string {
  if (r.outcome === 'failed') return `FAILED: ${r.error ?? ''}`;
  if (r.outcome === 'wrong') return `WRONG RESULT: ${r.error ?? ''}`;
  if (r.applied) {
    const a = r.applied;
    const own = r.reportedSeconds === undefined ? '' : `; ${r.reportedSeconds.toFixed(2)} s by its own clock`;
    return `ok (inserted ${a['inserted'] ?? 0}, updated ${a['updated'] ?? 0}, deleted ${a['deleted'] ?? 0}${own})`;
  }
  return 'ok';
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Each case's ratios, the median over the rounds (a ratio missing in a round is left out of it). */
export function medianRatios(reports: BenchReport[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const kase of reports[0]?.cases ?? []) {
    const ratios: Record<string, number> = {};
    for (const key of Object.keys(kase.ratios) as (keyof CaseResult['ratios'])[]) {
      const values = reports
        .map((r) => r.cases.find((c) => c.case === kase.case)?.ratios[key])
        .filter((v): v is number => v !== undefined)
        .sort((a, b) => a - b);
      const mid = values.length >> 1;
      if (values.length)
        ratios[key] = values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
    }
    out[kase.case] = ratios;
  }
  return out;
}

export function formatMedianRatios(medians: Record<string, Record<string, number>>): string {
  const names: Record<string, string> = {
    rowbackToManual: 'rowback/manual',
    rowbackToHand: 'rowback/hand merge',
    rowbackToFloor: 'rowback/floor',
    rowbackToFlashback: 'rowback/flashback',
  };
  const lines = ['medians over the rounds:'];
  for (const [kase, ratios] of Object.entries(medians))
    lines.push(
      `  case ${kase}: ${Object.entries(ratios)
        .map(([k, v]) => `${names[k] ?? k} ${ratioText(v)}`)
        .join(', ')}`,
    );
  return lines.join('\n');
}
