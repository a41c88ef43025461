import { redactSecrets } from '../src/core/redact.js';
import type { SqlSession } from '../src/demo/db.js';
import { runCli, runPipeline } from './process.js';
import { type MethodResult, round } from './report.js';
import { CASE_TITLES, type CaseName, type Fingerprint, type Scenario } from './scenario.js';
import type { BenchServers } from './servers.js';

export interface CaseContext {
  kase: CaseName;
  rows: number;
  scenario: Scenario;
  source: SqlSession;
  target: SqlSession;
  servers: BenchServers;
  /** The built CLI's entry point. */
  cli: string;
  log: (line: string) => void;
}

/** Times rowback, the manual way and the floor on one case, the target reset to the same state before each. */
export async function runCase(context: CaseContext): Promise<MethodResult[]> {
  const { kase, rows, scenario, target, servers, log } = context;
  log(`case ${kase} (${CASE_TITLES[kase]})`);
  const full = await scenario.expected(target, 'A', rows);

  log('  replaying the accident on the target, then rowback restore…');
  await scenario.prepare(target, kase, rows);
  const rowback = await timeRowback(context, await scenario.expected(target, kase, rows));

  const manual = scenario.manual(servers.source, servers.target);
  log(`  replaying the accident on the target, then ${manual.label}…`);
  await scenario.prepare(target, kase, rows);
  const manualResult = await timed('manual', manual.label, rows, () =>
    runPipeline(manual.producer, manual.consumer),
  );
  // After case B a successful reload would be a wrong result too (the new writes would be lost or doubled).
  if (manualResult.outcome === 'ok') {
    const merged = scenario.manualMerges ? await scenario.expected(target, kase, rows) : undefined;
    await check(manualResult, target, scenario, kase === 'A' ? full : merged);
  }

  const hand = scenario.handMerge?.(servers.source, servers.target);
  let handResult: MethodResult | undefined;
  if (hand) {
    log(`  replaying the accident on the target, then the hand merge (${hand.label})…`);
    await scenario.prepare(target, kase, rows);
    handResult = await timed('hand', hand.label, rows, () => runPipeline(hand.producer, hand.consumer));
    if (handResult.outcome === 'ok') {
      await check(handResult, target, scenario, await scenario.expected(target, kase, rows));
    }
  }

  log(`  emptying the target, then ${scenario.floorLabel}…`);
  await scenario.empty(target);
  const floor = await timed('floor', scenario.floorLabel, rows, () =>
    scenario.floor(servers.source, servers.target),
  );
  if (floor.outcome === 'ok') await check(floor, target, scenario, full);
  const results = [rowback, manualResult, ...(handResult ? [handResult] : []), floor];
  for (const r of results) {
    log(`  ${r.label}: ${r.seconds === undefined ? r.outcome : `${r.seconds.toFixed(2)} s`}`);
  }
  return results;
}

async function timeRowback(context: CaseContext, expected: Fingerprint): Promise<MethodResult> {
  const { servers, cli, rows, scenario, target } = context;
  const args = ['restore', 'billing', '--from', servers.source, '--to', servers.target, '--yes', '--json'];
  let output: Awaited<ReturnType<typeof runCli>> | undefined;
  const result = await timed('rowback', 'rowback restore', rows, async () => {
    output = await runCli(cli, args);
  });
  if (result.outcome !== 'ok' || !output) return result;
  try {
    const report = JSON.parse(output.stdout) as {
      plan?: Record<string, number>;
      applied?: Record<string, number>;
      durationMs?: number;
      peakRssBytes?: number;
      timings?: Record<string, number>;
    };
    result.plan = report.plan;
    result.applied = report.applied;
    if (typeof report.durationMs === 'number') result.reportedSeconds = round(report.durationMs / 1000, 3);
    result.peakRssBytes = report.peakRssBytes ?? output.peakRssBytes;
    if (report.timings) result.timings = report.timings;
  } catch {
    return {
      ...result,
      outcome: 'wrong',
      seconds: undefined,
      rowsPerSecond: undefined,
      error: 'stdout is not JSON',
    };
  }
  await check(result, target, scenario, expected);
  return result;
}

/** Runs one method and times it; a failure is a result, not an exception. */
export async function timed(
  method: MethodResult['method'],
  label: string,
  rows: number,
  run: () => Promise<void>,
): Promise<MethodResult> {
  const start = process.hrtime.bigint();
  try {
    await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { method, label, outcome: 'failed', error: redactSecrets(message) };
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    method,
    label,
    outcome: 'ok',
    seconds: round(seconds, 3),
    rowsPerSecond: Math.round(rows / seconds),
  };
}

/**
 * Compares the target with what the method should have produced; a mismatch turns the result into
 * `wrong` and drops its time. With no expectation, any success is wrong (case B's plain reload).
 */
async function check(
  result: MethodResult,
  target: SqlSession,
  scenario: Scenario,
  expected: Fingerprint | undefined,
): Promise<void> {
  const have = await scenario.fingerprint(target);
  if (expected && have.rows === expected.rows && have.checksum === expected.checksum) return;
  result.outcome = 'wrong';
  result.error = expected
    ? `target has ${have.rows} rows (checksum ${have.checksum}), expected ${expected.rows} (${expected.checksum})`
    : `target has ${have.rows} rows; a plain reload cannot merge the new writes`;
  delete result.seconds;
  delete result.rowsPerSecond;
}
