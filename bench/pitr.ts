import { spawn } from 'node:child_process';
import { appendFile, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, type SqlSession } from '../src/demo/db.js';
import { freePort } from '../src/servers/free-port.js';
import { commandAs, type OsUser, runCommand, serviceUser } from '../src/servers/os-user.js';
import { startPostgres } from '../src/servers/postgres.js';
import { findPostgresBinaries, type PostgresBinaries } from '../src/servers/postgres-binaries.js';
import type { RunningServer } from '../src/servers/server.js';
import { CHECKSUM, generated, postgresScenario } from './postgres.js';
import { running } from './process.js';
import { type Fingerprint, fingerprintOf } from './scenario.js';

/**
 * `npm run bench -- --source pitr`: a self-hosted PostgreSQL with WAL archiving, a base backup holding half
 * of billing, the other half written after it, the moment as-of, then `DELETE FROM billing`. The table is
 * put back from the backup and the archive twice in the same run, each result checked (row count and
 * checksum) before its time counts: by `rowback restore --from <backup> --wal-archive <archive> --as-of T`
 * (base backup copied, WAL replayed, the table merged), and by the manual steps a runbook lists: copy the
 * backup, write the recovery configuration, start it and wait for the replay, pg_dump the table, load it.
 */
export async function benchPitr(
  rows: number,
  cli: string,
  log: (line: string) => void,
): Promise<PitrBenchReport> {
  const binaries = await findPostgresBinaries();
  const user = await serviceUser('postgres', 'PostgreSQL');
  const work = await ownedDir('rowback-bench-pitr-', user);
  const archive = join(work, 'archive');
  await mkdir(archive);
  if (user) await chown(archive, user.uid, user.gid);
  let live: RunningServer | undefined;
  let db: SqlSession | undefined;
  try {
    log('starting the live PostgreSQL server, archiving WAL…');
    live = await startPostgres({
      binaries,
      settings: {
        wal_level: 'replica',
        archive_mode: 'on',
        archive_command: `test ! -f '${archive}/%f' && cp '%p' '${archive}/%f'`,
      },
    });
    const admin = await openSession(live.url);
    await admin.run('CREATE DATABASE app');
    await admin.close();
    const url = withDatabase(live.url, 'app');
    db = await openSession(url);
    const half = Math.floor(rows / 2);
    log(`generating ${half.toLocaleString('en-US')} rows of billing, then the base backup…`);
    await postgresScenario(binaries.binDir).create(db, half);
    const backup = join(work, 'base');
    const backupStarted = Date.now();
    await asUser(user, binaries, join(binaries.binDir, 'pg_basebackup'), [
      ...['-h', '127.0.0.1', '-p', String(live.port), '-U', 'postgres'],
      ...['-D', backup, '-Fp', '-X', 'stream', '-c', 'fast'],
    ]);
    const backupSeconds = (Date.now() - backupStarted) / 1000;
    log(`writing ${(rows - half).toLocaleString('en-US')} more rows after the backup (WAL to replay)…`);
    await db.run(`INSERT INTO billing ${generated(half + 1, rows)}`);
    await switchWal(db);
    const [{ now: asOf }] = (await db.rows(
      `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS now`,
    )) as [{ now: string }];
    await new Promise((resolve) => setTimeout(resolve, 50));
    log(`as-of ${asOf}; the accident: DELETE FROM billing`);
    await db.run('DELETE FROM billing');
    await switchWal(db);
    const want = fingerprintOf((await db.rows(`SELECT ${CHECKSUM} FROM (${generated(1, rows)}) AS b`))[0]);

    log('rowback: restore --from <base backup> --wal-archive <archive> --as-of T…');
    const rowback = await timedRowback(cli, [
      ...['restore', 'billing', '--from', backup, '--wal-archive', archive, '--as-of', asOf],
      ...['--to', url, '--yes', '--json', '--state-dir', join(work, 'state')],
    ]);
    const rowbackRight = same(await fingerprint(db), want);
    await db.run('TRUNCATE billing');

    log('manual: copy, recovery configuration, start and replay, pg_dump -t, load…');
    const manual = await manualSteps({ binaries, user, work, backup, archive, asOf, url, log });
    const manualRight = same(await fingerprint(db), want);
    return {
      rows,
      inBackup: half,
      replayed: rows - half,
      backupSeconds,
      rowback: { ...rowback, right: rowbackRight },
      manual: {
        steps: manual.steps,
        seconds: manual.steps.reduce((sum, s) => sum + s.seconds, 0),
        cleanup: manual.cleanup,
        right: manualRight,
      },
    };
  } finally {
    await db?.close().catch(() => undefined);
    await live?.stop().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

export interface PitrBenchReport {
  rows: number;
  inBackup: number;
  replayed: number;
  backupSeconds: number;
  rowback: RowbackTiming & { right: boolean };
  manual: { steps: { step: string; seconds: number }[]; seconds: number; cleanup: number; right: boolean };
}

export function formatPitrReport(r: PitrBenchReport): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const s = (seconds: number) => `${seconds.toFixed(1).padStart(7)} s`;
  const wrong = (right: boolean) => (right ? '' : '  WRONG RESULT');
  const recovered =
    r.rowback.recoveredAfter === undefined
      ? ''
      : `the recovery (copy + WAL replay) ended ${r.rowback.recoveredAfter.toFixed(1)} s into `;
  const rowback = 'rowback restore --from <base backup> --wal-archive <archive> --as-of T';
  const width = Math.max(rowback.length, ...r.manual.steps.map((step) => step.step.length + 2)) + 2;
  return [
    `PostgreSQL point-in-time recovery of billing: ${n(r.rows)} rows at as-of (${n(r.inBackup)} in the base backup, ${n(r.replayed)} replayed from the WAL archive), all deleted after it; put back into the emptied live table (base backup taken in ${r.backupSeconds.toFixed(1)} s). Time to recovery: until the table is back.`,
    `  ${rowback.padEnd(width)}${s(r.rowback.restore)}${wrong(r.rowback.right)}`,
    `    (the restore's own clock; ${recovered}the ${r.rowback.wall.toFixed(1)} s process, node start-up and the cleanup included)`,
    `  ${'the manual steps, in all'.padEnd(width)}${s(r.manual.seconds)}${wrong(r.manual.right)}`,
    ...r.manual.steps.map((step) => `    ${step.step.padEnd(width - 2)}${s(step.seconds)}`),
    `    (then stopping the server and removing the copy: ${r.manual.cleanup.toFixed(1)} s)`,
  ].join('\n');
}

interface Manual {
  binaries: PostgresBinaries;
  user: OsUser | undefined;
  work: string;
  backup: string;
  archive: string;
  asOf: string;
  url: string;
  log: (line: string) => void;
}

/** The runbook by hand, each step timed; the throwaway server is stopped and removed afterwards. */
async function manualSteps(
  m: Manual,
): Promise<{ steps: { step: string; seconds: number }[]; cleanup: number }> {
  const steps: { step: string; seconds: number }[] = [];
  const time = async (step: string, body: () => Promise<void>) => {
    const started = Date.now();
    await body();
    steps.push({ step, seconds: (Date.now() - started) / 1000 });
  };
  const data = join(m.work, 'manual');
  const socket = await ownedDir('rowback-bench-socket-', m.user);
  const port = await freePort();
  const pgCtl = join(m.binaries.binDir, 'pg_ctl');
  const dump = join(m.work, 'billing.sql');
  let started = false;
  let cleanup = 0;
  try {
    await time('copy the base backup (cp -a)', async () => {
      await run('cp', ['-a', m.backup, data]);
      await chownTree(data, m.user);
    });
    await time('recovery configuration (restore_command, target time, recovery.signal)', async () => {
      await appendFile(
        join(data, 'postgresql.auto.conf'),
        `restore_command = 'cp "${m.archive}/%f" "%p"'\nrecovery_target_time = '${m.asOf}'\nrecovery_target_action = 'promote'\narchive_mode = 'off'\n`,
      );
      await writeFile(join(data, 'recovery.signal'), '');
      await chownTree(data, m.user);
    });
    await time('start, replay the WAL to as-of, promote (pg_ctl start, wait)', async () => {
      await asUser(m.user, m.binaries, pgCtl, [
        ...['-D', data, '-l', join(socket, 'log'), '-w', '-t', '3600'],
        ...['-o', `-p ${port} -k ${socket} -c listen_addresses=127.0.0.1`, 'start'],
      ]);
      started = true;
      const restored = await openSession(`postgres://postgres@127.0.0.1:${port}/app`);
      try {
        while ((await restored.rows('SELECT pg_is_in_recovery()::text AS r'))[0]?.['r'] === 'true') {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await restored.close();
      }
    });
    await time('pg_dump --data-only -t billing > file', () =>
      run(join(m.binaries.binDir, 'pg_dump'), [
        ...['--data-only', '--table=billing', '-f', dump],
        `--dbname=postgres://postgres@127.0.0.1:${port}/app`,
      ]),
    );
    await time('psql -f file (load into the live table)', () =>
      run(join(m.binaries.binDir, 'psql'), [
        '--no-psqlrc',
        '--quiet',
        '--set=ON_ERROR_STOP=1',
        '-f',
        dump,
        `--dbname=${m.url}`,
      ]),
    );
  } finally {
    cleanup = Date.now();
    if (started)
      await asUser(m.user, m.binaries, pgCtl, ['-D', data, '-m', 'fast', 'stop']).catch(() => undefined);
    await rm(data, { recursive: true, force: true });
    await rm(socket, { recursive: true, force: true });
    cleanup = Date.now() - cleanup;
  }
  return { steps, cleanup: cleanup / 1000 };
}

/**
 * Runs rowback, noting when it said the backup was recovered (copy + replay done, the merge next). Its
 * JSON report's durationMs is the restore's own clock: from its start to the verified table, before the
 * throwaway server is stopped and the copy removed.
 */
function timedRowback(cli: string, args: string[]): Promise<RowbackTiming> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let recoveredAfter: number | undefined;
    let tail = '';
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
      if (recoveredAfter === undefined && /^Recovered /m.test(tail))
        recoveredAfter = (Date.now() - started) / 1000;
    });
    child.on('close', (code) => {
      running.delete(child);
      if (code !== 0) {
        reject(new Error(`rowback exited with ${code}: ${tail.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const report = JSON.parse(Buffer.concat(out).toString('utf8')) as { durationMs: number };
      resolve({
        wall: (Date.now() - started) / 1000,
        restore: report.durationMs / 1000,
        ...(recoveredAfter === undefined ? {} : { recoveredAfter }),
      });
    });
  });
}

interface RowbackTiming {
  /** The process, from start to exit: node start-up, the restore, then the cleanup. */
  wall: number;
  /** The restore's own clock: from its start to the verified table. */
  restore: number;
  /** When it said the backup was recovered, from the process start. */
  recoveredAfter?: number;
}

async function switchWal(db: SqlSession): Promise<void> {
  const [{ segment }] = (await db.rows('SELECT pg_walfile_name(pg_switch_wal()) AS segment')) as [
    { segment: string },
  ];
  for (;;) {
    const [{ last }] = (await db.rows(
      "SELECT coalesce(last_archived_wal, '') AS last FROM pg_stat_archiver",
    )) as [{ last: string }];
    if (last >= segment) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function fingerprint(db: SqlSession): Promise<Fingerprint> {
  return fingerprintOf((await db.rows(`SELECT ${CHECKSUM} FROM billing`))[0]);
}

function same(a: Fingerprint, b: Fingerprint): boolean {
  return a.rows === b.rows && a.checksum === b.checksum;
}

function withDatabase(url: string, database: string): string {
  const named = new URL(url);
  named.pathname = `/${database}`;
  return named.toString();
}

/** A temp dir the server's OS user owns (PostgreSQL refuses root). */
async function ownedDir(prefix: string, user: OsUser | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (user) await chown(dir, user.uid, user.gid);
  return dir;
}

async function chownTree(dir: string, user: OsUser | undefined): Promise<void> {
  if (user) await run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
}

async function asUser(
  user: OsUser | undefined,
  binaries: PostgresBinaries,
  file: string,
  args: string[],
): Promise<void> {
  await runCommand(await commandAs(user, file, args), {
    env: binaries.env,
    cwd: '/',
    what: file.replace(/^.*\//, ''),
  });
}

async function run(file: string, args: string[]): Promise<void> {
  await runCommand({ file, args }, { what: file.replace(/^.*\//, '') });
}
