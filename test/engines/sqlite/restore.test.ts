import { copyFile, readFile, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isRowbackError, restore, undo } from '../../../src/index.js';
import { exactRows, filePair, filesBeside, run } from './support.js';

/** Every awkward value SQLite can store, each in a column whose affinity keeps it as it is. */
const VALUES = `
CREATE TABLE v (id INTEGER PRIMARY KEY, x, r REAL, t TEXT, b BLOB);
INSERT INTO v VALUES
  (1, 9223372036854775807, 0.1, 'plain', x'00ff'),
  (2, -9223372036854775808, 5e-324, '', x''),
  (3, 9007199254740993, 2.2250738585072014e-308, CAST(x'61ff0062' AS TEXT), NULL),
  (4, '1', 1e308, 'tab	and
newline \\ back', x'5c4e'),
  (5, -0.0, 9e999, '\\N', x'0a0d09'),
  (6, 1.0, -9e999, 'ü 😀', x'31'),
  (7, x'31', 1.0000000000000002, NULL, NULL),
  (8, 4.9406564584124654e-324, -1.5e-320, 'x', x'');`;

describe('SQLite restore', () => {
  it('restores deleted rows with every value exactly as SQLite stored it, and undo puts the table back', async () => {
    const files = await filePair(VALUES);
    run(
      files.target,
      `DELETE FROM v WHERE id IN (2, 3, 5, 7, 8); UPDATE v SET t = 'changed since' WHERE id = 4; INSERT INTO v (id, t) VALUES (9, 'new');`,
    );
    const before = exactRows(files.target, 'v', 'id');
    const report = await restore({
      table: 'v',
      from: files.source,
      to: files.target,
      stateDir: files.stateDir,
      changed: 'take-source',
    });
    expect(report.plan).toEqual({ missing: 5, changed: 1, extra: 1, same: 2 });
    expect(report.applied).toEqual({ inserted: 5, updated: 1, deleted: 0 });
    const source = exactRows(files.source, 'v', 'id');
    const after = exactRows(files.target, 'v', 'id');
    expect(after.slice(0, 8)).toEqual(source);
    expect(after[8]).toBe('integer:39 null null text:6e6577 null');
    // the storage classes the affinities kept: text '1' in an untyped column, -0.0, a blob, infinities
    expect(after[3]).toMatch(/^integer:34 text:31 real:7fe1ccf385ebc8a0 /);
    expect(after[4]).toMatch(
      /^integer:35 real:8000000000000000 real:7ff0000000000000 text:5c4e blob:0a0d09$/,
    );
    expect(after[6]).toMatch(/^integer:37 blob:31 real:3ff0000000000001 null null$/);
    const undone = await undo({ id: report.id, to: files.target, stateDir: files.stateDir });
    expect(undone.applied).toEqual({ inserted: 0, updated: 1, deleted: 5 });
    expect(exactRows(files.target, 'v', 'id')).toEqual(before);
  });

  it('matches keys as SQLite does: a blob key and a text key with the same bytes are two rows', async () => {
    const files = await filePair(`
      CREATE TABLE k (k PRIMARY KEY, v TEXT) WITHOUT ROWID;
      INSERT INTO k VALUES ('a', 'text a'), (x'61', 'blob a'), (1, 'one'), ('1', 'text one');`);
    run(
      files.target,
      `DELETE FROM k WHERE k = x'61' OR k = '1'; UPDATE k SET v = 'one since' WHERE k = 1.0;`,
    );
    const report = await restore({
      table: 'k',
      from: files.source,
      to: files.target,
      stateDir: files.stateDir,
    });
    expect(report.plan).toEqual({ missing: 2, changed: 1, extra: 0, same: 1 });
    expect(exactRows(files.target, 'k', 'k')).toEqual([
      'integer:31 text:6f6e652073696e6365',
      'text:31 text:74657874206f6e65',
      'text:61 text:746578742061',
      'blob:61 text:626c6f622061',
    ]);
  });

  it('reads a WAL-mode backup without a file appearing beside it, and writes a target an application holds open', async () => {
    const files = await filePair(`PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
      INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');`);
    // The backup keeps un-checkpointed pages in its -wal: copied with its log, as a backup tool would.
    const writer = new Database(files.source);
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec(`INSERT INTO t VALUES (4, 'only in the wal')`);
    await copyFile(files.source, `${files.dir}/copy.db`);
    await copyFile(`${files.source}-wal`, `${files.dir}/copy.db-wal`);
    writer.close();
    const backup = `${files.dir}/copy.db`;
    const bytes = await readFile(backup);
    const wal = await readFile(`${backup}-wal`);
    const app = new Database(files.target);
    app.pragma('wal_autocheckpoint = 0');
    app.exec(`DELETE FROM t WHERE id < 3; INSERT INTO t VALUES (10, 'written since')`);
    try {
      const report = await restore({ table: 't', from: backup, to: files.target, stateDir: files.stateDir });
      expect(report.applied).toEqual({ inserted: 3, updated: 0, deleted: 0 });
      expect(app.prepare('SELECT id, v FROM t ORDER BY id').raw(true).all()).toEqual([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
        [4, 'only in the wal'],
        [10, 'written since'],
      ]);
      expect(app.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      app.close();
    }
    expect(await filesBeside(files.dir, 'copy.db')).toEqual(['copy.db', 'copy.db-wal']);
    expect((await readFile(backup)).equals(bytes)).toBe(true);
    expect((await readFile(`${backup}-wal`)).equals(wal)).toBe(true);
    // no work table left in the target: rowback's live in the connection's own temp database
    expect(exactRows(files.target, 't', 'id')).toHaveLength(5);
    const schema = new Database(files.target, { readonly: true });
    expect(schema.prepare(`SELECT name FROM sqlite_schema`).pluck().all()).toEqual(['t']);
    schema.close();
  });

  it('refuses an undo aimed at a copy of the file it restored (wrong-target, nothing written)', async () => {
    const files = await filePair(
      `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');`,
    );
    run(files.target, `DELETE FROM t`);
    const report = await restore({
      table: 't',
      from: files.source,
      to: files.target,
      stateDir: files.stateDir,
    });
    const copy = `${files.dir}/elsewhere.db`;
    await copyFile(files.target, copy);
    const before = await stat(copy);
    const error = await undo({ id: report.id, to: copy, stateDir: files.stateDir }).catch((e: unknown) => e);
    expect(isRowbackError(error) && error.code).toBe('wrong-target');
    expect((error as Error).message).toContain('elsewhere.db');
    expect(exactRows(copy, 't', 'id')).toEqual(['integer:31 text:61', 'integer:32 text:62']);
    expect((await stat(copy)).mtimeMs).toBe(before.mtimeMs);
  });
});
