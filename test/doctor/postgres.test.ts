import { chmod, cp, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, type Scratch, type SqlClient, scratch, tempDir } from '../harness/index.js';
import { type ArchivingServer, startArchivingServer } from '../sources/postgres-pitr/fixture.js';

interface Report {
  subject: string;
  status: string;
  checks: { id: string; status: string; summary: string; fix?: string }[];
  facts: {
    oldestCovered?: number;
    baseBackups?: { dir: string; started: string; startSegment: string }[];
    oldestWal?: string;
    newestWal?: string;
    archiver?: {
      archivedCount: number;
      failedCount: number;
      lastArchivedWal?: string;
      lastFailedWal?: string;
    };
  };
}

async function doctor(...args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const run = await runCli(['doctor', ...args, '--json']);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

const statuses = (report: Report) => report.checks.map((c) => [c.id, c.status]);
const check = (report: Report, id: string) => report.checks.find((c) => c.id === id);

/** Sets a server setting and waits until new sessions see it. */
async function setting(admin: SqlClient, name: string, value: string, shows: string): Promise<void> {
  await admin.exec(`ALTER SYSTEM SET ${name} = '${value}'`);
  await admin.exec('SELECT pg_reload_conf()');
  for (let i = 0; i < 100; i++) {
    const [[now]] = (await admin.query(`SHOW ${name}`)) as [[string]];
    if (now === shows) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not become ${shows}`);
}

/** backup_label's START TIME as seconds since the epoch, read the way a person would. */
async function labelStart(backup: string): Promise<{ text: string; seconds: number; segment: string }> {
  const label = await readFile(join(backup, 'backup_label'), 'utf8');
  const text = /^START TIME: (.*)$/m.exec(label)![1]!;
  const segment = /\(file ([0-9A-F]{24})\)/.exec(label)![1]!;
  return { text, seconds: Date.parse(text.replace(' UTC', 'Z').replace(' ', 'T')) / 1000, segment };
}

describe('rowback doctor on PostgreSQL: WAL archiving, base backups and the archive', () => {
  let pg: ArchivingServer;
  let url: string;
  let backup: string;
  let plain: Scratch;
  beforeAll(async () => {
    [pg, plain] = await Promise.all([startArchivingServer(), scratch('postgres')]);
    const db = await pg.createDatabase('app');
    await db.exec('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)');
    await db.close();
    backup = await pg.baseBackup();
    // Writes after the backup, each in a segment of its own: an archive with room for a gap.
    for (let i = 0; i < 3; i++) {
      await pg.admin.exec(`CREATE TABLE after_${i} AS SELECT generate_series(1, 100) g`);
      await pg.switchWal();
    }
    url = pg.url('app');
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pg?.stop(), plain?.close()]);
  });

  test('archiving on with archive_timeout 0: recoverable with limits, exit 20, and the setting that fixes it', async () => {
    const { code, report } = await doctor(url);
    expect(code).toBe(20);
    expect(report.subject).toBe('postgres');
    expect(statuses(report)).toEqual([
      ['archive-mode', 'ok'],
      ['archive-command', 'ok'],
      ['archiver', 'ok'],
      ['archive-timeout', 'warn'],
    ]);
    expect(check(report, 'archive-command')?.summary).toBe('WAL is archived by archive_command (test …)');
    expect(check(report, 'archive-timeout')?.fix).toBe(
      "ALTER SYSTEM SET archive_timeout = '5min'; SELECT pg_reload_conf();",
    );
    const [[last, count]] = (await pg.admin.query(
      'SELECT last_archived_wal, archived_count::text FROM pg_stat_archiver',
    )) as [[string, string]];
    expect(report.facts.archiver).toMatchObject({
      lastArchivedWal: last,
      archivedCount: Number(count),
      failedCount: 0,
    });
  });

  test('with the base backups and the archive: everything ok, exit 0, recoverable from the backup’s start on', async () => {
    await setting(pg.admin, 'archive_timeout', '60s', '1min');
    const archived = (await readdir(pg.archiveDir)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    const { code, report, stderr } = await doctor(
      url,
      '--base-backup',
      dirname(backup),
      '--wal-archive',
      pg.archiveDir,
    );
    expect(code).toBe(0);
    expect(statuses(report)).toEqual([
      ['archive-mode', 'ok'],
      ['archive-command', 'ok'],
      ['archiver', 'ok'],
      ['archive-timeout', 'ok'],
      ['base-backup', 'ok'],
      ['wal-archive', 'ok'],
    ]);
    const start = await labelStart(backup);
    expect(report.facts.baseBackups).toEqual([
      { dir: backup, started: start.text, startedMs: start.seconds * 1000, startSegment: start.segment },
    ]);
    expect(report.facts.oldestWal).toBe(archived[0]);
    // archive_timeout may have ended one more segment meanwhile
    expect(report.facts.newestWal! >= archived.at(-1)!).toBe(true);
    expect(report.facts.oldestCovered).toBe(start.seconds);
    expect(check(report, 'wal-archive')?.summary).toContain(
      `recoverable from ${start.text} (the base backup ${backup}) on`,
    );
    expect(stderr).toMatch(/Everything checked is recoverable from the base backups and the WAL archive\./);
  });

  test('directories alone: a gap in the archive is named, and the backup before it cannot reach the present (exit 21)', async () => {
    const copy = join(await tempDir(), 'wal');
    await cp(pg.archiveDir, copy, { recursive: true });
    const start = await labelStart(backup);
    const after = (await readdir(copy)).filter((n) => /^[0-9A-F]{24}$/.test(n) && n > start.segment).sort();
    expect(after.length).toBeGreaterThanOrEqual(2);
    const gone = after[0]!;
    await rm(join(copy, gone));
    const { code, report } = await doctor('--base-backup', backup, '--wal-archive', copy);
    expect(code).toBe(21);
    expect(report.subject).toBe('files');
    expect(statuses(report)).toEqual([
      ['base-backup', 'ok'],
      ['wal-archive', 'fail'],
    ]);
    expect(check(report, 'wal-archive')?.summary).toMatch(
      new RegExp(`^the archive has a gap: ${gone} missing`),
    );
    expect(report.facts.oldestCovered).toBeUndefined();
  });

  test('an archive cleaned up past the newest base backup’s start: that backup cannot be recovered (exit 21)', async () => {
    const copy = join(await tempDir(), 'wal');
    await cp(pg.archiveDir, copy, { recursive: true });
    const start = await labelStart(backup);
    const names = (await readdir(copy)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    for (const name of names.filter((n) => n <= start.segment)) await rm(join(copy, name));
    const { code, report } = await doctor('--base-backup', backup, '--wal-archive', copy);
    expect(code).toBe(21);
    expect(check(report, 'wal-archive')).toMatchObject({
      status: 'fail',
      summary: `the archive starts at ${names.find((n) => n > start.segment)}, after ${start.segment} where the newest base backup (${backup}) starts: it cannot be recovered past its end`,
    });
  });

  test('a directory without any base backup, and an empty archive: both fail', async () => {
    const [empty, wal] = [await tempDir(), await tempDir()];
    const { code, report } = await doctor('--base-backup', empty, '--wal-archive', wal);
    expect(code).toBe(21);
    expect(report.checks).toEqual([
      {
        id: 'base-backup',
        status: 'fail',
        summary: `no base backup under ${empty}`,
        fix: 'take one: pg_basebackup -D <dir>/base-$(date +%F) -Fp -X stream -c fast (and on a schedule)',
      },
      {
        id: 'wal-archive',
        status: 'fail',
        summary: `the WAL archive ${wal} holds no WAL segment`,
        fix: 'point archive_command at it and check pg_stat_archiver for failures',
      },
    ]);
  });

  test('a server that does not archive: not recoverable past a backup, exit 21', async () => {
    const { code, report } = await doctor(plain.targetUrl);
    expect(code).toBe(21);
    expect(report.checks).toEqual([
      {
        id: 'archive-mode',
        status: 'fail',
        summary: 'archive_mode is off: no WAL is archived, so a base backup recovers only to its own end',
        fix: "ALTER SYSTEM SET wal_level = 'replica'; ALTER SYSTEM SET archive_mode = 'on'; ALTER SYSTEM SET archive_command = '…'; then restart the server",
      },
    ]);
  });

  test('an archive_command that fails now: the failing segment named, exit 21', async () => {
    // The archive stops taking files (a full or read-only disk): archive_command's cp fails.
    await chmod(pg.archiveDir, 0o500);
    await pg.admin.exec('CREATE TABLE wal_filler AS SELECT generate_series(1, 1000) g');
    const [[segment]] = (await pg.admin.query('SELECT pg_walfile_name(pg_switch_wal())')) as [[string]];
    let failed = '';
    for (let i = 0; i < 200 && !failed; i++) {
      const [[name]] = (await pg.admin.query(
        "SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver",
      )) as [[string]];
      failed = name;
      if (!failed) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(failed).toBe(segment);
    const { code, report } = await doctor(url);
    expect(code).toBe(21);
    expect(check(report, 'archiver')?.status).toBe('fail');
    expect(check(report, 'archiver')?.summary).toMatch(
      new RegExp(`^archive_command is failing: \\d+ failure\\(s\\), the last on ${segment} `),
    );
    expect(report.facts.archiver?.lastFailedWal).toBe(segment);
    await chmod(pg.archiveDir, 0o700);
  });
});
