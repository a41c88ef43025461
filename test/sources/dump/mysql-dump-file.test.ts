import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restore } from '../../../src/index.js';
import { MYSQL_VALUES } from '../../conformance/values-mysql.js';
import { runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

const run = promisify(execFile);

/** mariadb-dump's connection flags for a scratch URL. */
function flags(url: string): string {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  return `-h ${u.hostname} -P ${u.port || 3306} -u ${decodeURIComponent(u.username)}${password ? ` -p'${password}'` : ''}`;
}

/** Every variant the brief names, made by the real mariadb-dump from the source database. */
const DUMPS: Record<string, (f: string, db: string, file: string) => string> = {
  'default, one table': (f, db, file) => `mariadb-dump ${f} ${db} vals > ${file}`,
  'default, whole database': (f, db, file) => `mariadb-dump ${f} ${db} > ${file}`,
  '--hex-blob': (f, db, file) => `mariadb-dump ${f} --hex-blob ${db} > ${file}`,
  '--skip-extended-insert --complete-insert': (f, db, file) =>
    `mariadb-dump ${f} --skip-extended-insert --complete-insert ${db} > ${file}`,
  '--no-create-info': (f, db, file) => `mariadb-dump ${f} --no-create-info ${db} vals > ${file}`,
  '--skip-quote-names': (f, db, file) => `mariadb-dump ${f} --skip-quote-names ${db} vals > ${file}`,
  'gzip, --databases': (f, db, file) => `mariadb-dump ${f} --databases ${db} | gzip > ${file}`,
};

let s: Scratch;
let dir: string;
let expected: string[];

beforeAll(async () => {
  s = await scratch('mysql');
  dir = await tempDir();
  for (const sql of [...MYSQL_VALUES.ddl, ...MYSQL_VALUES.seed]) await s.source.exec(sql);
  await s.source.exec(
    "CREATE TABLE after_vals (id int PRIMARY KEY, v text); INSERT INTO after_vals VALUES (1, 'x')",
  );
  // mariadb-dump writes generated columns' values too when it names no columns
  const gen =
    'CREATE TABLE gen (id int PRIMARY KEY, twice int AS (id * 2) VIRTUAL, txt text, thrice int AS (id * 3) STORED)';
  await s.source.exec(`${gen}; INSERT INTO gen (id, txt) VALUES (1, 'one'), (2, NULL)`);
  await s.target.exec(gen);
  for (const sql of MYSQL_VALUES.ddl) await s.target.exec(sql);
  expected = await s.dump('source', 'vals', ['id']);
  const db = new URL(s.sourceUrl).pathname.slice(1);
  for (const [name, command] of Object.entries(DUMPS)) {
    await run('bash', ['-o', 'pipefail', '-c', command(flags(s.sourceUrl), db, join(dir, slug(name)))]);
  }
}, 120_000);

afterAll(async () => {
  await s?.close();
});

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/g, '-');
}

describe('restoring from a mariadb-dump file', () => {
  for (const name of Object.keys(DUMPS)) {
    it(`puts back every value as the mysql client would load it, from a ${name} dump`, async () => {
      await s.target.exec('DELETE FROM vals');
      const report = await restore({
        table: 'vals',
        from: join(dir, slug(name)),
        to: s.targetUrl,
        stateDir: dir,
      });
      expect(report.outcome).toBe('applied');
      expect(report.path).toBe('direct'); // nobody to ask: streamed into the empty table, counted as it went
      expect(report.plan.missing).toBe(4);
      expect(report.warnings).toContain(
        'Column fl is FLOAT: mysqldump writes FLOAT values with 6 significant digits, so the restored values are approximations of the stored ones (DOUBLE columns are exact), and a row whose FLOAT differs only in the last digits is classed changed: with --changed take-source, leave it out with --columns to keep the stored values.',
      );
      expect(await s.dump('target', 'vals', ['id'])).toEqual(expected);
    });
  }

  it('stops the load as soon as --max-changes is passed, having written nothing', async () => {
    await s.target.exec('DELETE FROM vals');
    const error = await restore({
      table: 'vals',
      from: join(dir, slug('default, one table')),
      to: s.targetUrl,
      stateDir: dir,
      maxChanges: 3,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'plan-grew' });
    expect((error as Error).message).toContain('the source yielded row 4, so the copy stopped there');
    expect(await s.dump('target', 'vals', ['id'])).toEqual([]);
  });

  it('puts back a table with generated columns, whose values mariadb-dump writes without a column list', async () => {
    const db = new URL(s.sourceUrl).pathname.slice(1);
    await run('bash', [
      '-c',
      `mariadb-dump ${flags(s.sourceUrl)} --no-create-info ${db} gen > ${join(dir, 'gen-data.sql')}`,
    ]);
    const want = await s.dump('source', 'gen', ['id']);
    const names = [
      'default, whole database',
      '--hex-blob',
      '--skip-extended-insert --complete-insert',
      'gzip, --databases',
    ];
    for (const file of [...names.map(slug), 'gen-data.sql']) {
      await s.target.exec('DELETE FROM gen');
      const report = await restore({ table: 'gen', from: join(dir, file), to: s.targetUrl, stateDir: dir });
      expect([file, report.plan.missing]).toEqual([file, 2]);
      expect([file, await s.dump('target', 'gen', ['id'])]).toEqual([file, want]);
    }
  });

  it('warns before applying that TIMESTAMPs of a --skip-tz-utc dump were written in the session time zone', async () => {
    const db = new URL(s.sourceUrl).pathname.slice(1);
    const stamps = 'CREATE TABLE stamps (id int PRIMARY KEY, ts TIMESTAMP(6) NULL)';
    await s.source.exec(`${stamps}; INSERT INTO stamps VALUES (1, '2026-11-24 10:14:59.5')`);
    await s.target.exec(stamps);
    const file = join(dir, 'local-time.sql');
    await run('bash', ['-c', `mariadb-dump ${flags(s.sourceUrl)} --skip-tz-utc ${db} stamps > ${file}`]);
    const report = await restore({
      table: 'stamps',
      from: file,
      to: s.targetUrl,
      stateDir: dir,
      dryRun: true,
    });
    expect(report.warnings).toContain(
      "The dump does not set TIME_ZONE='+00:00' (it was taken with --skip-tz-utc): TIMESTAMP ts is read as UTC but was written in the dumping session's time zone.",
    );
    // --compact leaves out every session setting, and dumps in UTC all the same: no claim either way
    const compact = join(dir, 'compact.sql');
    await run('bash', ['-c', `mariadb-dump ${flags(s.sourceUrl)} --compact ${db} stamps > ${compact}`]);
    const done = await restore({
      table: 'stamps',
      from: compact,
      to: s.targetUrl,
      stateDir: dir,
      dryRun: true,
    });
    expect(done.warnings).toEqual([
      "The dump sets no session settings (--compact), so it does not say which time zone TIMESTAMP ts was written in: read as UTC, mysqldump's default (--tz-utc); a dump taken with --skip-tz-utc holds them in the dumping session's time zone.",
    ]);
  });

  it('says the time-zone warning with the error when a --skip-tz-utc TIMESTAMP read as UTC does not fit, writing nothing', async () => {
    // Written in a session at +08:00 without TIME_ZONE='+00:00': 11:00 there is 03:00 UTC, inside TIMESTAMP's
    // range, but read as UTC it is past 2038-01-19 03:14:07.
    await s.target.exec('CREATE TABLE late (id int PRIMARY KEY, ts TIMESTAMP(6) NULL)');
    const file = join(dir, 'late.sql');
    await writeFile(
      file,
      [
        '/*!40101 SET NAMES utf8mb4 */;', // the session settings of a dump, without its TIME_ZONE
        'CREATE TABLE `late` (',
        '  `id` int(11) NOT NULL,',
        '  `ts` timestamp(6) NULL DEFAULT NULL,',
        '  PRIMARY KEY (`id`)',
        ') ENGINE=InnoDB;',
        "INSERT INTO `late` VALUES (1,'2026-01-01 00:00:00.000000'),(2,'2038-01-19 11:00:00.000000');",
        '',
      ].join('\n'),
    );
    const error = await restore({ table: 'late', from: file, to: s.targetUrl, stateDir: dir }).catch(
      (e: unknown) => e,
    );
    const warning =
      "The dump does not set TIME_ZONE='+00:00' (it was taken with --skip-tz-utc): TIMESTAMP ts is read as UTC but was written in the dumping session's time zone.";
    expect(error).toMatchObject({ code: 'schema-mismatch', details: { warnings: [warning] } });
    expect((error as { hint: string }).hint).toContain(`The source warned: ${warning}`);
    expect(await s.dump('target', 'late', ['id'])).toEqual([]);
  });

  it('refuses a --no-data dump and one cut between INSERTs, and names a --where dump before applying', async () => {
    await s.target.exec('DELETE FROM vals');
    await restore({
      table: 'vals',
      from: join(dir, slug('default, one table')),
      to: s.targetUrl,
      stateDir: dir,
    });
    expect(await s.dump('target', 'vals', ['id'])).toEqual(expected);
    const f = flags(s.sourceUrl);
    const db = new URL(s.sourceUrl).pathname.slice(1);
    await run('bash', ['-c', `mariadb-dump ${f} --no-data ${db} > ${join(dir, 'nodata.sql')}`]);
    await run('bash', ['-c', `mariadb-dump ${f} --where 'id < 2' ${db} vals > ${join(dir, 'where.sql')}`]);
    const rows = await readFile(join(dir, slug('--skip-extended-insert --complete-insert')));
    const second = rows.indexOf('INSERT INTO `vals`', rows.indexOf('INSERT INTO `vals`') + 1);
    await writeFile(join(dir, 'between.sql'), rows.subarray(0, second));
    const common = ['--to', s.targetUrl, '--yes', '--extra', 'delete'];
    for (const [file, code, message] of [
      [
        'nodata.sql',
        3,
        "holds vals but no data for it: the dump was taken without the table's rows (mysqldump --no-data)",
      ],
      ['between.sql', 13, 'up to its line "-- Dump completed", found the end of the file'],
    ] as const) {
      const done = await runCli(['restore', 'vals', '--from', join(dir, file), ...common]);
      expect([file, done.code]).toEqual([file, code]);
      expect(done.stderr).toContain(message);
      expect(await s.dump('target', 'vals', ['id'])).toEqual(expected);
    }
    const where = await runCli(['restore', 'vals', '--from', join(dir, 'where.sql'), ...common, '--dry-run']);
    expect(where.code).toBe(0);
    expect(where.stderr + where.stdout).toContain(
      'The dump was taken with --where "id < 2": it holds only the rows that matched',
    );
    expect(await s.dump('target', 'vals', ['id'])).toEqual(expected);
  });

  it('says a --compatible=ansi dump is not read (names in double quotes), rather than that it holds no table', async () => {
    await s.target.exec('DELETE FROM vals');
    const db = new URL(s.sourceUrl).pathname.slice(1);
    const file = join(dir, 'ansi.sql');
    await run('bash', ['-c', `mariadb-dump ${flags(s.sourceUrl)} --compatible=ansi ${db} vals > ${file}`]);
    expect(await readFile(file, 'utf8')).toContain('CREATE TABLE "vals"');
    const done = await runCli(['restore', 'vals', '--from', file, '--to', s.targetUrl, '--yes']);
    expect(done.code).toBe(4);
    expect(done.stderr).toBe(
      `rowback: ${file} was written with mysqldump --compatible=ansi (names in double quotes, no SET NAMES); rowback reads mysqldump's own form.\nhint: Take the dump again without --compatible=ansi.\n`,
    );
    expect(await s.dump('target', 'vals', ['id'])).toEqual([]);
  });

  it('says where a truncated dump ends, having written nothing', async () => {
    await s.target.exec('DELETE FROM vals');
    const whole = await readFile(join(dir, slug('default, one table')));
    const cut = whole.indexOf('(3,');
    await writeFile(join(dir, 'cut.sql'), whole.subarray(0, cut));
    const error = await restore({
      table: 'vals',
      from: join(dir, 'cut.sql'),
      to: s.targetUrl,
      stateDir: dir,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-source' });
    expect((error as Error).message).toContain(
      `is truncated at byte ${cut}: expected the rest of an INSERT statement`,
    );
    expect(await s.dump('target', 'vals', ['id'])).toEqual([]);
  });
});
