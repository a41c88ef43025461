/**
 * `npm run bench`: rowback against the manual way (dump | load) and the physical floor (raw COPY / LOAD
 * DATA), on two cases of the same accident, in the same run. Every rowback result is checked (row count and
 * checksum) before its time is reported. Progress goes to stderr, the report to stdout.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { redactSecrets, redactUrl } from '../src/core/redact.js';
import { openSession, type SqlSession } from '../src/demo/db.js';
import { benchBinlog } from './binlog.js';
import { formatDiffReport, runDiffBench } from './diff.js';
import { benchDump, formatDumpReport } from './dump.js';
import { mysqlScenario } from './mysql.js';
import { benchPitr, formatPitrReport } from './pitr.js';
import { postgresScenario } from './postgres.js';
import { running } from './process.js';
import {
  type BenchReport,
  type CaseResult,
  caseResult,
  formatMedianRatios,
  formatReport,
  medianRatios,
} from './report.js';
import { type CaseName, EDITS, NEW_WRITES } from './scenario.js';
import { type BenchServers, openBinlogServer, openServers } from './servers.js';
import { openSqlite, sqliteScenario } from './sqlite.js';
import { runCase } from './steps.js';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgres' },
    rows: { type: 'string' },
    json: { type: 'boolean', default: false },
    source: { type: 'string', default: 'live' },
    diff: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});
const engine = values.engine;
const rows = Number.parseInt((values.rows ?? '1000000').replaceAll(/[_,]/g, ''), 10);
const rounds = Number.parseInt(values.rounds, 10);
if (engine !== 'postgres' && engine !== 'mysql' && engine !== 'sqlite')
  fail('--engine must be postgres, mysql or sqlite');
if (!Number.isSafeInteger(rows) || rows < 2) fail('--rows must be a whole number of at least 2');
if (!(rounds >= 1 && rounds <= 20)) fail('--rounds must be a whole number from 1 to 20');
const cli = fileURLToPath(new URL('../dist/bin/rowback.js', import.meta.url));
if (!existsSync(cli)) fail('dist/bin/rowback.js is missing: run `npm run build` first');

const started = Date.now();
const log = (line: string) => {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
};

if (values.source === 'dump') {
  // The dump bench's own default; an explicit --rows (1000000 too) is taken as given.
  const rowsOfDump = values.rows === undefined ? 2_000_000 : rows;
  try {
    const report = await benchDump(rowsOfDump, log);
    process.stdout.write(`${values.json ? JSON.stringify(report) : formatDumpReport(report)}\n`);
    process.exit(report.restores.every((r) => r.right) ? 0 : 1);
  } catch (error) {
    log(`failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}`);
    process.exit(1);
  }
} else if (values.source === 'pitr') {
  try {
    const report = await benchPitr(rows, cli, log);
    process.stdout.write(`${values.json ? JSON.stringify(report) : formatPitrReport(report)}\n`);
    process.exit(report.rowback.right && report.manual.right ? 0 : 1);
  } catch (error) {
    log(`failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}`);
    for (const child of running) child.kill('SIGTERM');
    process.exit(1);
  }
} else if (values.source === 'binlog') {
  if (engine !== 'mysql') fail('--source binlog runs on --engine mysql');
  const server = await openBinlogServer(log);
  let code = 1;
  try {
    const report = await benchBinlog(rows, cli, server.url, log);
    process.stdout.write(`${values.json ? JSON.stringify(report) : formatReport(report)}\n`);
    code = report.cases.every((c) => c.results[0]?.outcome === 'ok') ? 0 : 1;
  } catch (error) {
    log(`failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}`);
    for (const child of running) child.kill('SIGTERM');
  }
  await server.stop();
  process.exit(code);
} else if (values.source !== 'live') {
  fail('--source must be live, dump, pitr or binlog');
}
/** Ten times case B's writes: fewer and they are most of the table. */
const MIN_MERGE_ROWS = 100_000;
if (rows < MIN_MERGE_ROWS) {
  fail(
    `--rows must be at least ${MIN_MERGE_ROWS.toLocaleString('en-US')}: case B deletes half the rows, then writes ${NEW_WRITES.toLocaleString('en-US')} new rows and edits ${EDITS.toLocaleString('en-US')}; with fewer rows those writes are most of the table and the figures say nothing about a merge`,
  );
}

let servers: BenchServers | undefined;
const sessions: SqlSession[] = [];
let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of running) child.kill('SIGTERM');
  await Promise.allSettled(sessions.map((s) => s.close()));
  await servers?.stop();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void shutdown().finally(() => process.exit(130));
  });
}

let exitCode = 0;
try {
  servers = await openServers(engine, log);
  const scenario =
    engine === 'postgres'
      ? postgresScenario(servers.binDir)
      : engine === 'mysql'
        ? mysqlScenario()
        : sqliteScenario();
  const open = (url: string) => (engine === 'sqlite' ? openSqlite(url) : openSession(url));
  const source = await open(servers.source);
  sessions.push(source);
  const target = await open(servers.target);
  sessions.push(target);

  log(`generating ${rows.toLocaleString('en-US')} rows of billing on the source…`);
  await scenario.create(source, rows);
  const [have, want] = [await scenario.fingerprint(source), await scenario.expected(source, 'A', rows)];
  if (have.rows !== want.rows || have.checksum !== want.checksum) {
    throw new Error('the generated source does not match its own checksum query; the bench is broken');
  }
  log(`generating the same rows on the target…`);
  await scenario.create(target, rows);

  if (values.diff) {
    const results = await runDiffBench({ rows, scenario, target, servers, cli, log });
    if (results.some((r) => r.outcome !== 'ok')) exitCode = 1;
    await scenario.cleanup(source);
    await scenario.cleanup(target);
    const report = { engine, rows, diff: results };
    process.stdout.write(
      `${values.json ? JSON.stringify(report) : formatDiffReport(engine, rows, results)}\n`,
    );
    await shutdown();
    process.exit(exitCode);
  }

  // --rounds N: the whole set again, N times; on a shared machine one run can differ by more than the
  // methods do, so each round's ratios are printed and their medians after.
  const reports: BenchReport[] = [];
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) log(`round ${round} of ${rounds}`);
    const cases: CaseResult[] = [];
    for (const kase of ['A', 'B'] as CaseName[]) {
      const results = await runCase({ kase, rows, scenario, source, target, servers, cli, log });
      cases.push(caseResult(kase, results));
      // A wrong result anywhere, or a failed rowback, fails the run.
      if (results.some((r) => r.outcome === 'wrong' || (r.method === 'rowback' && r.outcome === 'failed'))) {
        exitCode = 1;
      }
    }
    reports.push({
      engine,
      rows,
      source: redactUrl(servers.source),
      target: redactUrl(servers.target),
      cases,
    });
  }
  log('dropping the bench tables…');
  await scenario.cleanup(source);
  await scenario.cleanup(target);

  if (values.json) {
    const report = rounds === 1 ? reports[0] : { rounds: reports, medians: medianRatios(reports) };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(
      reports
        .map((r, i) => `${rounds > 1 ? `round ${i + 1} of ${rounds}: ` : ''}${formatReport(r)}`)
        .join('\n\n'),
    );
    process.stdout.write('\n');
    if (rounds > 1) process.stdout.write(`\n${formatMedianRatios(medianRatios(reports))}\n`);
  }
  if (!values.json) {
    process.stdout.write(
      `\ncase B: every other row deleted, then ${NEW_WRITES.toLocaleString('en-US')} new rows written and ` +
        `${EDITS.toLocaleString('en-US')} edited; a plain reload of the dump cannot merge them. The hand merge ` +
        '(stage with the native loader, ANALYZE, anti-join INSERT) can, but is not atomic, keeps no undo and verifies nothing.\n',
    );
  }
} catch (error) {
  log(`failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}`);
  exitCode = 1;
} finally {
  await shutdown();
}
process.exit(exitCode);

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
