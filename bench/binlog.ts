import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openSession, type SqlSession } from '../src/demo/db.js';
import { client, generated, mysqlScenario } from './mysql.js';
import { runCli, runPipeline } from './process.js';
import { type BenchReport, type CaseResult, caseResult, type MethodResult, round } from './report.js';
import {
  CASE_TITLES,
  type CaseName,
  type Command,
  EDIT_ROWS,
  type Fingerprint,
  NEW_WRITES,
} from './scenario.js';
import { timed } from './steps.js';

/** The flashback pipe cannot replay a big transaction under the default 16 MiB: it gets the maximum. */
const FLASHBACK_PACKET = '1073741824';

interface Moment {
  /** Where the accident starts (`FILE:POS`), and where it ends (the flashback's stop position). */
  file: string;
  start: string;
  stop: string;
}

/**
 * `npm run bench -- --engine mysql --source binlog`: the accident undone from the server's own binlog, on
 * one MariaDB with binary logging in ROW format at its default settings, by rowback (`--from binlog
 * --as-of-position`), by `mariadb-binlog --flashback | mariadb` (the accident's events reversed; the
 * packet limit raised for it alone, else it restores nothing), by reloading a mariadb-dump taken
 * before the accident, and, as the floor, by the server loading exactly the removed rows from a file. Every result is checked (row count and checksum) before its time counts.
 */
export async function benchBinlog(
  rows: number,
  cli: string,
  url: string,
  log: (line: string) => void,
): Promise<BenchReport> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-bench-binlog-'));
  const scenario = mysqlScenario();
  const db = await openSession(url);
  try {
    log(`generating ${rows.toLocaleString('en-US')} rows of billing…`);
    await scenario.create(db, rows);
    const dump = join(dir, 'billing.sql');
    log('the dump taken before the accident (mariadb-dump, not timed)…');
    await runPipeline(
      client(
        'mariadb-dump',
        url,
        ['--no-create-info', '--skip-triggers', '--single-transaction'],
        ['billing'],
      ),
      { program: 'sh', args: ['-c', 'cat > "$0"', dump] },
    );
    const cases: CaseResult[] = [];
    for (const kase of ['A', 'B'] as CaseName[]) {
      log(`case ${kase} (${CASE_TITLES[kase]})`);
      const expected = await scenario.expected(db, kase, rows);
      const results: MethodResult[] = [];
      for (const method of ['rowback', 'flashback', 'manual', 'floor'] as const) {
        log(`  replaying the accident, then ${method}…`);
        const moment = await replayAccident(db, kase, rows);
        const result = await RUN[method]({ rows, cli, url, moment, dump, db, kase });
        if (result.outcome === 'ok') await check(result, db, expected, scenario.fingerprint);
        log(`  ${result.label}: ${result.seconds === undefined ? result.outcome : `${result.seconds} s`}`);
        results.push(result);
      }
      cases.push(caseResult(kase, results));
    }
    await scenario.cleanup(db);
    return { engine: 'mysql', rows, source: 'binlog', target: url.replace(/\/\/[^@]*@/, '//'), cases };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The table refilled, the binlog started afresh (old files purged), then the case's accident. */
async function replayAccident(db: SqlSession, kase: CaseName, rows: number): Promise<Moment> {
  await db.run('TRUNCATE billing');
  await db.run(`INSERT INTO billing ${generated(1, rows)}`);
  await db.run('FLUSH BINARY LOGS');
  const [before] = await db.rows('SHOW MASTER STATUS');
  await db.run(`PURGE BINARY LOGS TO '${before!['File']}'`);
  await db.run(kase === 'A' ? 'DELETE FROM billing' : 'DELETE FROM billing WHERE id % 2 = 0');
  const [after] = await db.rows('SHOW MASTER STATUS');
  if (kase === 'B') {
    // The writes made since, which every method must keep.
    await db.run(`INSERT INTO billing ${generated(rows + 1, rows + NEW_WRITES, true)}`);
    await db.run(EDIT_ROWS);
  }
  return { file: before!['File']!, start: before!['Position']!, stop: after!['Position']! };
}

interface MethodContext {
  rows: number;
  cli: string;
  url: string;
  moment: Moment;
  dump: string;
  db: SqlSession;
  kase: CaseName;
}

const RUN: Record<'rowback' | 'flashback' | 'manual' | 'floor', (c: MethodContext) => Promise<MethodResult>> =
  {
    async rowback({ rows, cli, url, moment }) {
      const position = `${moment.file}:${moment.start}`;
      const args = ['restore', 'billing', '--from', 'binlog', '--as-of-position', position];
      let peakRssBytes: number | undefined;
      let report: {
        applied?: Record<string, number>;
        plan?: Record<string, number>;
        durationMs?: number;
        timings?: Record<string, number>;
      } = {};
      const result = await timed('rowback', 'rowback restore --from binlog', rows, async () => {
        const run = await runCli(cli, [...args, '--to', url, '--yes', '--json']);
        peakRssBytes = run.peakRssBytes;
        report = JSON.parse(run.stdout) as typeof report;
      });
      return {
        ...result,
        ...(peakRssBytes === undefined ? {} : { peakRssBytes }),
        ...(report.applied ? { applied: report.applied } : {}),
        ...(report.plan ? { plan: report.plan } : {}),
        // Its steps; the binlog is read (and the as-of image built) alongside them: the copy (case A) or
        // the stage (case B) takes the rows as they are decided.
        ...(report.timings ? { timings: report.timings } : {}),
        ...(report.durationMs === undefined ? {} : { reportedSeconds: round(report.durationMs / 1000, 3) }),
      };
    },
    async flashback({ rows, url, moment, db }) {
      await db.run(`SET GLOBAL max_allowed_packet = ${FLASHBACK_PACKET}`);
      try {
        const range = [`--start-position=${moment.start}`, `--stop-position=${moment.stop}`];
        // The binlog file as the server wrote it: read over the network, mariadb-binlog 10.11's flashback
        // of a multi-event transaction replays nothing (an empty format description), so it reads the file.
        const [where] = await db.rows('SELECT @@log_bin_basename AS base');
        const file = join(dirname(where!['base']!), moment.file);
        const producer: Command = { program: 'mariadb-binlog', args: ['--flashback', ...range, file] };
        const consumer = client('mariadb', url, [`--max-allowed-packet=${FLASHBACK_PACKET}`]);
        return await timed('flashback', 'mariadb-binlog --flashback | mariadb', rows, () =>
          runPipeline(producer, consumer),
        );
      } finally {
        await db.run('SET GLOBAL max_allowed_packet = DEFAULT');
      }
    },
    /**
     * The server's own insert of exactly the rows the accident removed, from a file on its disk (written
     * before, not timed): what any method must at least pay to put them back into this table.
     */
    async floor({ rows, db, kase }) {
      // A bare name is the database's own directory on the server, for both statements (the server
      // cannot write the bench's private temp dir); it goes with the bench server.
      const file = `rowback-bench-removed-${kase}.tsv`;
      await db.run(`${generated(1, rows)}${kase === 'B' ? ' AND n % 2 = 0' : ''} INTO OUTFILE '${file}'`);
      return timed('floor', 'LOAD DATA INFILE of the removed rows (server floor)', rows, () =>
        db.run(`LOAD DATA INFILE '${file}' INTO TABLE billing`),
      );
    },
    async manual({ rows, url, dump }) {
      return timed('manual', 'mariadb < dump taken before', rows, () =>
        runPipeline({ program: 'cat', args: [dump] }, client('mariadb', url, [])),
      );
    },
  };

async function check(
  result: MethodResult,
  db: SqlSession,
  expected: Fingerprint,
  fingerprint: (db: SqlSession) => Promise<Fingerprint>,
): Promise<void> {
  const have = await fingerprint(db);
  if (have.rows === expected.rows && have.checksum === expected.checksum) return;
  result.outcome = 'wrong';
  result.error = `the table has ${have.rows} rows (checksum ${have.checksum}), expected ${expected.rows} (${expected.checksum})`;
  delete result.seconds;
  delete result.rowsPerSecond;
}
