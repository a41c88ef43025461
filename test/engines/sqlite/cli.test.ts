import { execFile } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/index.js';
import { exactRows, filePair, filesBeside, run } from './support.js';

const BILLING = `CREATE TABLE billing (id INTEGER PRIMARY KEY AUTOINCREMENT, amount REAL NOT NULL, who TEXT);
  INSERT INTO billing (amount, who) VALUES (1.5, 'a'), (0.1, 'b'), (5e-324, 'c'), (-0.0, 'd'), (1e300, 'e');`;

/** The accident: every row deleted, then a row written since. */
async function accident() {
  const files = await filePair(BILLING);
  run(
    files.target,
    `DELETE FROM billing WHERE id < 5; UPDATE billing SET who = 'since' WHERE id = 5; INSERT INTO billing (amount, who) VALUES (9, 'new');`,
  );
  return files;
}

describe('SQLite through the CLI', () => {
  it('takes database files by path and by sqlite: URL; --dry-run writes nothing', async () => {
    const files = await accident();
    const before = await readFile(files.target);
    const dry = await runCli([
      'restore',
      'billing',
      '--from',
      files.source,
      '--to',
      `sqlite:${files.target}`,
      '--dry-run',
      '--yes',
      '--state-dir',
      files.stateDir,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('missing             4');
    expect(dry.stdout).toContain('would have 4 inserted, 0 updated, 0 deleted; rolled back');
    expect((await readFile(files.target)).equals(before)).toBe(true);
    const done = await runCli([
      'restore',
      'billing',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
      '--json',
      '--state-dir',
      files.stateDir,
    ]);
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout) as { applied: unknown; counters: unknown[] };
    expect(report.applied).toEqual({ inserted: 4, updated: 0, deleted: 0 });
    const rows = exactRows(files.target, 'billing', 'id');
    expect(rows.slice(0, 4)).toEqual(exactRows(files.source, 'billing', 'id').slice(0, 4));
    // AUTOINCREMENT: the counter stays past every key, restored or written since
    const db = new Database(files.target, { readonly: true });
    expect(db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'billing'`).pluck().get()).toBe(6);
    db.close();
  });

  it('writes a --sql-out script the sqlite3 shell runs to the same table, skipping rows changed since', async () => {
    const files = await accident();
    const applied = join(files.dir, 'applied.db');
    await copyFile(files.target, applied);
    const script = join(files.dir, 'fix.sql');
    const args = [
      'restore',
      'billing',
      '--from',
      files.source,
      '--changed',
      'take-source',
      '--extra',
      'delete',
    ];
    const written = await runCli([
      ...args,
      '--to',
      files.target,
      '--sql-out',
      script,
      '--state-dir',
      files.stateDir,
    ]);
    expect(written.code).toBe(0);
    expect(exactRows(files.target, 'billing', 'id')).toEqual(exactRows(applied, 'billing', 'id'));
    const apply = await runCli([...args, '--to', applied, '--yes', '--state-dir', files.stateDir]);
    expect(apply.code).toBe(0);
    // Written since the script: the row it would update is left as it is now, and counted as skipped.
    run(files.target, `UPDATE billing SET who = 'later' WHERE id = 5`);
    const ran = await sqliteShell(files.target, await readFile(script, 'utf8'));
    expect(ran.stdout).toContain(
      'rowback: inserted 4 of 4, updated 0 of 1, deleted 1 of 1; 1 row(s) skipped',
    );
    const final = exactRows(files.target, 'billing', 'id');
    const expected = exactRows(applied, 'billing', 'id');
    expect(final.slice(0, 4)).toEqual(expected.slice(0, 4));
    expect(final.slice(0, 4)).toEqual(exactRows(files.source, 'billing', 'id').slice(0, 4));
    expect(final[4]).toBe(
      expected[4]!.replace(/text:[0-9a-f]+$/, `text:${Buffer.from('later').toString('hex')}`),
    );
    expect(final).toHaveLength(5);
  });
});

/** Runs a script with the sqlite3 shell, as a user would: `sqlite3 app.db < fix.sql`. */
function sqliteShell(database: string, script: string): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('sqlite3', [database], (error, stdout, stderr) =>
      error ? reject(new Error(`sqlite3 failed: ${stderr}`)) : resolve({ stdout }),
    );
    child.stdin?.end(script);
  });
}

/**
 * Marks the file read-only the way SQLite itself honours whoever opens it (root included, whom file
 * permissions do not stop): a header write version above 2.
 */
async function makeReadOnly(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes[18] = 3;
  await writeFile(path, bytes);
}

describe('SQLite bad input', () => {
  it('says what a file that is not a SQLite database looks like', async () => {
    const files = await filePair(BILLING);
    const cases: [string, Buffer | string, string][] = [
      ['dump.sql', 'CREATE TABLE x (a int);\n', 'is SQL text'],
      ['dump.sql.gz', gzipSync('CREATE TABLE x (a int);\n'), 'is a gzip file'],
      ['nightly.dump', Buffer.from('PGDMP\u0001\u000e\u0000', 'latin1'), 'is a pg_dump archive'],
    ];
    for (const [name, content, says] of cases) {
      const path = join(files.dir, name);
      await writeFile(path, content);
      const result = await runCli(['restore', 'billing', '--from', files.source, '--to', path, '--yes']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${path} ${says}, not a database rowback can connect to`);
    }
    const missing = await runCli([
      'restore',
      'billing',
      '--from',
      files.source,
      '--to',
      join(files.dir, 'nope.db'),
      '--yes',
    ]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('There is no database file at');
  });

  it('refuses a WAL file without its database, and a source that is the target itself', async () => {
    const files = await filePair(`PRAGMA journal_mode = WAL; ${BILLING}`);
    const db = new Database(files.source);
    db.pragma('wal_autocheckpoint = 0');
    db.exec(`INSERT INTO billing (amount) VALUES (7)`);
    const wal = join(files.dir, 'lost.db-wal');
    await copyFile(`${files.source}-wal`, wal);
    db.close();
    const before = exactRows(files.target, 'billing', 'id');
    const fromWal = await runCli(['restore', 'billing', '--from', wal, '--to', files.target, '--yes']);
    expect(fromWal.code).toBe(2);
    expect(fromWal.stderr).toContain('is a SQLite write-ahead log (-wal), not a database');
    const toWal = await runCli([
      'restore',
      'billing',
      '--from',
      files.source,
      '--to',
      join(files.dir, 'lost.db'),
      '--yes',
    ]);
    expect(toWal.code).toBe(5);
    expect(toWal.stderr).toContain('lost.db-wal is there without its database');
    const same = await runCli([
      'restore',
      'billing',
      '--from',
      `sqlite:${files.target}`,
      '--to',
      files.target,
      '--yes',
    ]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('--from and --to are the same table: table main.billing (root page');
    expect(exactRows(files.target, 'billing', 'id')).toEqual(before);
  });

  it('gives up on a database another connection holds (exit 11), and on a read-only file (exit 6)', async () => {
    const files = await accident();
    const holder = new Database(files.target);
    holder.exec('BEGIN IMMEDIATE');
    const busy = await runCli([
      'restore',
      'billing',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
      '--lock-timeout',
      '1s',
    ]);
    holder.exec('ROLLBACK');
    holder.close();
    expect(busy.code).toBe(11);
    expect(busy.stderr).toContain('held by another connection; nothing was written');
    await makeReadOnly(files.target);
    const before = await readFile(files.target);
    const readOnly = await runCli([
      'restore',
      'billing',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
    ]);
    expect(readOnly.stderr).toContain('read-only');
    expect(readOnly.code).toBe(6);
    expect((await readFile(files.target)).equals(before)).toBe(true);
    const diff = await runCli(['diff', 'billing', '--from', files.source, '--to', files.target, '--json']);
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ plan: { missing: 4, changed: 1, extra: 1, same: 0 } });
  });

  it('refuses a --key that repeats in the source even into an emptied table, writing nothing', async () => {
    const files = await filePair(
      `CREATE TABLE k (a INTEGER NOT NULL, v TEXT); INSERT INTO k VALUES (1, 'one'), (2, 'two'), (2, 'again');`,
    );
    run(files.target, 'DELETE FROM k');
    const args = [
      'restore',
      'k',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
      '--state-dir',
      files.stateDir,
    ];
    const repeated = await runCli([...args, '--key', 'a']);
    expect(repeated.code).toBe(3);
    expect(repeated.stderr).toContain(
      '--key a does not identify the rows of main.k: 1 key value(s) occur more than once in the source. Nothing was written.',
    );
    expect(await exactRows(files.target, 'k', 'a, v')).toEqual([]);
    const unique = await runCli([...args, '--key', 'a,v']);
    expect(unique.code).toBe(0);
    expect(await exactRows(files.target, 'k', 'a, v')).toEqual(await exactRows(files.source, 'k', 'a, v'));
  });

  it('names a table missing on either side', async () => {
    const files = await filePair(BILLING);
    run(files.source, 'CREATE TABLE only_source (id INTEGER PRIMARY KEY)');
    const target = await runCli([
      'restore',
      'only_source',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
    ]);
    expect(target.code).toBe(3);
    expect(target.stderr).toContain('There is no table only_source in the target');
    run(files.target, 'CREATE TABLE only_target (id INTEGER PRIMARY KEY)');
    const source = await runCli([
      'restore',
      'only_target',
      '--from',
      files.source,
      '--to',
      files.target,
      '--yes',
    ]);
    expect(source.code).toBe(3);
    expect(source.stderr).toContain('There is no table only_target in the source');
    expect(await filesBeside(files.dir, 'backup.db')).toEqual(['backup.db']);
  });
});
