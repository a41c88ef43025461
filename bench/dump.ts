import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openSession, type SqlSession } from '../src/demo/db.js';
import { openDumpSource } from '../src/sources/dump/index.js';
import { mysqlScenario } from './mysql.js';
import { CHECKSUM, generated, postgresScenario, tool } from './postgres.js';
import { runCli, runTimed } from './process.js';
import { fingerprintOf } from './scenario.js';
import { serverCpuSeconds } from './server-cpu.js';
import { openServers } from './servers.js';

const run = promisify(execFile);

/**
 * `npm run bench -- --source dump`: a custom-format pg_dump whose `billing` (`rows` rows) is stored after
 * `a_early` (a quarter as many), restored into an empty target by rowback and by `pg_restore --data-only
 * -t` in turn, five times each, each checked (row count and checksum) before its time counts, with the
 * target server's CPU time for each; then how fast the dump readers parse a plain pg_dump file, a
 * `pg_dump --inserts` file (one INSERT per row), a mariadb-dump file and a `sqlite3 .dump` file (MB of file
 * read per second, rows yielded; three runs each, once every server has stopped).
 */
export async function benchDump(rows: number, log: (line: string) => void): Promise<DumpBenchReport> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-bench-dump-'));
  const servers = await openServers('postgres', log);
  const sessions: SqlSession[] = [];
  try {
    const source = await openSession(servers.source);
    sessions.push(source);
    const target = await openSession(servers.target);
    sessions.push(target);
    const early = Math.max(1, Math.floor(rows / 4));
    log(
      `generating a_early (${early.toLocaleString('en-US')} rows) and billing (${rows.toLocaleString('en-US')})…`,
    );
    const scenario = postgresScenario(servers.binDir);
    await scenario.create(source, rows);
    await source.run('DROP TABLE IF EXISTS a_early');
    await source.run('CREATE TABLE a_early (LIKE billing INCLUDING ALL)');
    await source.run(`INSERT INTO a_early ${generated(1, early)}`);
    await scenario.create(target, 1);
    const want = await scenario.expected(source, 'A', rows);
    const custom = join(dir, 'billing.dump');
    const plain = join(dir, 'billing.sql');
    const inserts = join(dir, 'billing-inserts.sql');
    const pgDump = tool('pg_dump', servers.binDir);
    log('pg_dump -Fc, plain and --inserts…');
    await run(pgDump, ['-Fc', '-f', custom, `--dbname=${servers.source}`]);
    await run(pgDump, ['-f', plain, `--dbname=${servers.source}`]);
    await run(pgDump, ['--inserts', '-t', 'billing', '-f', inserts, `--dbname=${servers.source}`]);

    // The source's writes of the rows are still being flushed: not while the first restore is timed.
    await checkpoint(source);
    // An untimed restore first: a fresh server zero-fills each new WAL segment, which made the first timed
    // restore (whichever method ran it) a second slower; later ones reuse the segments.
    log('pg_restore once, untimed, so the target server has its WAL files…');
    await target.run('TRUNCATE billing');
    await run(tool('pg_restore', servers.binDir), [
      '--data-only',
      '-t',
      'billing',
      `--dbname=${servers.target}`,
      custom,
    ]);
    const restores: RestoreTiming[] = [];
    // Alternating rounds: on a shared machine one pair of runs can differ by more than the methods do.
    for (let round = 1; round <= ROUNDS; round++)
      for (const method of ['rowback', 'pg_restore'] as const) {
        await target.run('TRUNCATE billing');
        await target.run('VACUUM ANALYZE billing');
        // Each restore writes more WAL than max_wal_size allows: without a checkpoint first, one would
        // start in the middle of whichever restore came next.
        await checkpoint(target);
        log(`${method} (round ${round} of ${ROUNDS}): restoring billing into the empty target…`);
        const cpuBefore = await settledCpu(target, servers.targetDataDir);
        let path: string | undefined;
        let done: Awaited<ReturnType<typeof runTimed>>;
        // Both from spawn to exit, under /usr/bin/time: not the bench's temp state dir around rowback.
        if (method === 'rowback') {
          const cli = new URL('../dist/bin/rowback.js', import.meta.url).pathname;
          const args = ['restore', 'billing', '--from', custom, '--to', servers.target, '--yes', '--json'];
          done = await runCli(cli, args);
          path = (JSON.parse(done.stdout) as { path?: string }).path;
        } else {
          const pgRestore = tool('pg_restore', servers.binDir);
          const args = ['--data-only', '-t', 'billing', `--dbname=${servers.target}`, custom];
          done = await runTimed({ program: pgRestore, args });
        }
        const { seconds, peakRssBytes, cpuSeconds } = done;
        const cpuAfter = await settledCpu(target, servers.targetDataDir);
        const have = fingerprintOf((await target.rows(`SELECT ${CHECKSUM} FROM billing`))[0]);
        const right = have.rows === want.rows && have.checksum === want.checksum;
        restores.push({
          method,
          round,
          seconds,
          right,
          ...(cpuBefore !== undefined && cpuAfter !== undefined
            ? { serverCpuSeconds: cpuAfter - cpuBefore }
            : {}),
          ...(peakRssBytes ? { peakRssBytes } : {}),
          ...(cpuSeconds === undefined ? {} : { clientCpuSeconds: cpuSeconds }),
          ...(path ? { path } : {}),
        });
      }

    // Parsed with no server running: a server that has just loaded millions of rows is still busy
    // (autovacuum, InnoDB purge and page flushing) and would take the CPU the parse is timed on.
    for (const s of sessions.splice(0)) await s.close();
    await servers.stop();
    const parses: ParseTiming[] = [await parseRuns(plain, 'postgres', 'plain pg_dump')];
    parses.push(await parseRuns(inserts, 'postgres', 'pg_dump --inserts'));
    parses.push(await mariadbParse(rows, dir, log));
    parses.push(await sqliteParse(rows, dir, log));
    return { rows, early, customBytes: (await stat(custom)).size, restores, parses };
  } finally {
    for (const s of sessions) await s.close().catch(() => {});
    await servers.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** A mariadb-dump of billing from a throwaway MariaDB server, parsed once the server has stopped. */
async function mariadbParse(rows: number, dir: string, log: (line: string) => void): Promise<ParseTiming> {
  const file = join(dir, 'billing-mariadb.sql');
  const servers = await openServers('mysql', log);
  try {
    const db = await openSession(servers.source);
    try {
      log(`generating billing (${rows.toLocaleString('en-US')} rows) on MariaDB…`);
      await mysqlScenario().create(db, rows);
    } finally {
      await db.close();
    }
    const url = new URL(servers.source);
    const password = decodeURIComponent(url.password);
    log('mariadb-dump…');
    await run(
      'bash',
      [
        '-c',
        `mariadb-dump --protocol=TCP -h ${url.hostname} -P ${url.port || 3306} -u ${decodeURIComponent(url.username) || 'root'} ${url.pathname.slice(1)} > ${file}`,
      ],
      { env: { ...process.env, ...(password ? { MYSQL_PWD: password } : {}) } },
    );
  } finally {
    await servers.stop();
  }
  return await parseRuns(file, 'mysql', 'mariadb-dump');
}

/**
 * A `sqlite3 .dump` of a billing-like table (integers, a NUMERIC amount, texts with a newline in one row
 * of ten, an 8-byte blob, a real), then parsed: one INSERT per row, reals in 20 digits.
 */
async function sqliteParse(rows: number, dir: string, log: (line: string) => void): Promise<ParseTiming> {
  const db = join(dir, 'billing.db');
  const file = join(dir, 'billing-sqlite.sql');
  log(`generating billing (${rows.toLocaleString('en-US')} rows) in SQLite, and sqlite3 .dump…`);
  const sql = `CREATE TABLE billing (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, amount NUMERIC,
      currency TEXT, note TEXT, created_at TEXT, payload BLOB, ratio REAL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO billing SELECT i, i % 5000, (i * 7 % 100000) / 100.0, 'EUR',
      'note for ' || i || CASE WHEN i % 10 = 0 THEN char(10) || 'second line' ELSE '' END,
      '2026-11-' || (10 + i % 20) || ' 12:34:56.123456', randomblob(8), i / 7.0 FROM n;`;
  await run('sqlite3', [db, sql]);
  await run('bash', ['-c', `sqlite3 ${db} .dump > ${file}`]);
  try {
    return await parseRuns(file, 'sqlite', 'sqlite3 .dump');
  } finally {
    await rm(db, { force: true });
  }
}

/** PARSE_RUNS parses of the file, the first one warming the JIT: the run of median time, with every run's MB/s. */
async function parseRuns(
  file: string,
  engine: 'postgres' | 'mysql' | 'sqlite',
  label: string,
): Promise<ParseTiming> {
  const runs: ParseTiming[] = [];
  for (let run = 0; run < PARSE_RUNS; run++) runs.push(await parse(file, engine, label));
  const median = [...runs].sort((a, b) => a.seconds - b.seconds)[runs.length >> 1]!;
  return { ...median, mbPerSecond: runs.map((r) => r.bytesRead / MB / r.seconds) };
}

/** Reads billing's rows out of a dump file as rowback does, counting the file bytes read. */
async function parse(
  file: string,
  engine: 'postgres' | 'mysql' | 'sqlite',
  label: string,
): Promise<ParseTiming> {
  const source = await openDumpSource(file, { profile: {}, targetEngine: engine });
  const schema = await source.describe({ name: 'billing' }, ['id']);
  let bytes = 0;
  let lines = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const columns = schema.columns.map((c) => c.name);
  for await (const chunk of source.read(schema, { columns, onBytes: (n) => (bytes = n) })) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { label, fileBytes: (await stat(file)).size, bytesRead: bytes, rows: lines, seconds, cpuSeconds };
}

/**
 * The target server's CPU seconds so far, once the backends of the last restore (and their parallel
 * workers) have ended and been reaped; undefined when the bench did not start the server.
 */
async function settledCpu(target: SqlSession, dataDir: string | undefined): Promise<number | undefined> {
  if (!dataDir) return undefined;
  for (let waited = 0; waited < 10_000; waited += 50) {
    const [row] = await target.rows(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND backend_type IN ('client backend', 'parallel worker')`,
    );
    if (Number(row?.['n']) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The postmaster adds an ended backend's CPU to its own when it reaps it, at once on SIGCHLD.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return serverCpuSeconds(dataDir);
}

/** CHECKPOINT, where the bench's role may run it (a URL's own user may not: the restores are then noisier). */
async function checkpoint(target: SqlSession): Promise<void> {
  await target.run('CHECKPOINT').catch(() => {});
}

/** Each method restores the table this many times, the two taking turns (five: the noise of one shared machine). */
const ROUNDS = 5;
/** Each dump file is parsed this many times. */
const PARSE_RUNS = 3;

export interface RestoreTiming {
  method: 'rowback' | 'pg_restore';
  round: number;
  seconds: number;
  right: boolean;
  peakRssBytes?: number;
  /** rowback's path: `direct` (the empty target streamed into) or `staged`. */
  path?: string;
  /** CPU seconds the target server spent on this restore (its every process), when they can be read. */
  serverCpuSeconds?: number;
  /** CPU seconds of the restoring process itself (rowback, or pg_restore), from /usr/bin/time. */
  clientCpuSeconds?: number;
}

export interface ParseTiming {
  label: string;
  fileBytes: number;
  bytesRead: number;
  rows: number;
  seconds: number;
  /** CPU time of the bench process while parsing: on a shared machine, steadier than `seconds`. */
  cpuSeconds: number;
  /** Of each run, in the order run, when the file was parsed more than once (this timing is the median run). */
  mbPerSecond?: number[];
}

export interface DumpBenchReport {
  rows: number;
  early: number;
  customBytes: number;
  restores: RestoreTiming[];
  parses: ParseTiming[];
}

const MB = 1_000_000;

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatDumpReport(r: DumpBenchReport): string {
  const lines = [
    `billing: ${r.rows.toLocaleString('en-US')} rows stored after a_early (${r.early.toLocaleString('en-US')} rows) in a custom-format dump of ${(r.customBytes / MB).toFixed(1)} MB, restored into an empty target:`,
  ];
  const medians: number[] = [];
  const serverMedians: number[] = [];
  const clientMedians: number[] = [];
  for (const method of ['rowback', 'pg_restore'] as const) {
    const runs = r.restores.filter((t) => t.method === method);
    const median = medianOf(runs.map((t) => t.seconds));
    medians.push(median);
    const peak = Math.max(...runs.map((t) => t.peakRssBytes ?? 0));
    const path = runs.find((t) => t.path)?.path;
    const rss = `${path ? `, ${path} path` : ''}${peak ? `, peak RSS ${(peak / MB).toFixed(0)} MB` : ''}`;
    const times = runs.map((t) => `${t.seconds.toFixed(2)}${t.right ? '' : ' WRONG RESULT'}`).join(', ');
    lines.push(`  ${method.padEnd(11)} median ${median.toFixed(2)} s (runs: ${times} s)${rss}`);
    const cpu = runs.flatMap((t) => (t.serverCpuSeconds === undefined ? [] : [t.serverCpuSeconds]));
    if (cpu.length === runs.length) serverMedians.push(medianOf(cpu));
    const own = runs.flatMap((t) => (t.clientCpuSeconds === undefined ? [] : [t.clientCpuSeconds]));
    if (own.length === runs.length) clientMedians.push(medianOf(own));
  }
  lines.push(`  rowback/pg_restore ${(medians[0]! / medians[1]!).toFixed(2)}x (medians)`);
  if (serverMedians.length === 2) {
    const [ours, theirs] = serverMedians as [number, number];
    lines.push(
      `  the target server's CPU time per restore (median): rowback ${ours.toFixed(2)} s, pg_restore ${theirs.toFixed(2)} s (${(ours / theirs).toFixed(2)}x)`,
    );
  }
  if (clientMedians.length === 2) {
    const [ours, theirs] = clientMedians as [number, number];
    const total =
      serverMedians.length === 2
        ? `; with the server's, rowback ${(ours + serverMedians[0]!).toFixed(2)} s, pg_restore ${(theirs + serverMedians[1]!).toFixed(2)} s`
        : '';
    lines.push(
      `  the restoring process's own CPU time (median): rowback ${ours.toFixed(2)} s, pg_restore ${theirs.toFixed(2)} s${total}`,
    );
  }
  lines.push(
    `parse throughput (billing read out of the file, rows in the text row format; the median of ${PARSE_RUNS} runs, no server running):`,
  );
  for (const p of r.parses) {
    const runs = p.mbPerSecond ? `; runs: ${p.mbPerSecond.map((v) => v.toFixed(0)).join(', ')} MB/s` : '';
    lines.push(
      `  ${p.label.padEnd(17)} ${(p.bytesRead / MB / p.seconds).toFixed(0).padStart(5)} MB/s, ${(p.bytesRead / MB / p.cpuSeconds).toFixed(0).padStart(5)} MB per CPU second  (${(p.bytesRead / MB).toFixed(0)} MB read of ${(p.fileBytes / MB).toFixed(0)} MB, ${p.rows.toLocaleString('en-US')} rows, ${p.seconds.toFixed(1)} s, ${p.cpuSeconds.toFixed(1)} s CPU${runs})`,
    );
  }
  return lines.join('\n');
}
