import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { type RestoreOptions, restore, undo } from '../../../src/index.js';
import { tempDir } from '../../harness/index.js';
import { openSides, type Sides } from './support.js';

/** Tables nobody wrote a test for yet: names, types and keys, restored both ways and undone. */
describe('MySQL restores of unusual tables', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
  });
  afterEach(() => sides.close());

  const both = (sql: string) => sides.both(sql);

  /** Restores with take-source and extra delete: the target must end equal to the source; undo puts it back. */
  async function roundTrip(table: string, orderBy: string[], extra: Partial<RestoreOptions> = {}) {
    const before = await sides.db.dump('target', table, orderBy);
    const stateDir = await tempDir();
    const report = await restore({
      table,
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      changed: 'take-source',
      extra: 'delete',
      stateDir,
      ...extra,
    });
    expect(await sides.db.dump('target', table, orderBy)).toEqual(
      await sides.db.dump('source', table, orderBy),
    );
    const again = await restore({
      table,
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      stateDir: await tempDir(),
      ...extra,
    });
    expect(again.plan.missing + again.plan.changed + again.plan.extra).toBe(0);
    await undo({ id: report.id, to: sides.db.targetUrl, stateDir });
    expect(await sides.db.dump('target', table, orderBy)).toEqual(before);
    return report;
  }

  it('quotes names with backticks, spaces, reserved words, accents and a leading @, staged and straight in', async () => {
    await both(
      'CREATE TABLE `wé ird tåble` (`se``lect` INT PRIMARY KEY, `col umn` VARCHAR(10), `ü` INT, `@from` TEXT)',
    );
    await sides.db.source.exec(
      "INSERT INTO `wé ird tåble` VALUES (1, 'a', 1, 'x'), (2, 'b', 2, NULL), (3, 'c', 3, '')",
    );
    await sides.db.target.exec("INSERT INTO `wé ird tåble` VALUES (2, 'B', 2, NULL), (4, 'd', 4, 'new')");
    const report = await roundTrip('wé ird tåble', ['se`lect']);
    expect(report.applied).toEqual({ inserted: 2, updated: 1, deleted: 1 });
    await sides.db.target.exec('DELETE FROM `wé ird tåble`');
    const direct = await restore({
      table: 'wé ird tåble',
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      stateDir: await tempDir(),
    });
    expect(direct.applied.inserted).toBe(3);
    expect(await sides.db.dump('target', 'wé ird tåble', ['se`lect'])).toEqual(
      await sides.db.dump('source', 'wé ird tåble', ['se`lect']),
    );
  });

  it('round-trips geometry, year, float, double, decimal zero, tinyint(1), bit(64), binary padding and char spaces', async () => {
    await both(`CREATE TABLE odd (id INT PRIMARY KEY, g GEOMETRY NULL, p POINT NULL, y YEAR NULL,
      f FLOAT NULL, f2 FLOAT(7,3) NULL, d DOUBLE NULL, z DECIMAL(5,2) NULL, b1 TINYINT(1) NULL, b64 BIT(64) NULL,
      vb VARBINARY(8) NULL, bn BINARY(4) NULL, ch CHAR(5) CHARACTER SET utf8mb4 NULL,
      en ENUM('', 'a', 'b') NULL, st SET('x', 'y') NULL, js JSON NULL, ts TIMESTAMP(3) NULL)`);
    await sides.db.source.exec(`INSERT INTO odd VALUES
      (1, ST_GeomFromText('LINESTRING(0 0, 1.5 2.25)'), POINT(-1e-7, 3.141592653589793), 1901,
       3.40282e38, -12.345, 2.2250738585072014e-308, -0.00, 127, b'1111111111111111111111111111111111111111111111111111111111111111',
       0x610000, 0x6100, 'ab  ', '', 'x,y', '{"é": "\\\\u00e9\\\\ud83d\\\\ude00"}', '2038-01-19 03:14:07.999'),
      (2, NULL, ST_PointFromText('POINT(0 -0)'), 2155, -0, 0.001, -0, 0.00, -128, b'0', X'', 0x00000000, ' ',
       'a', '', '"\\\\""', '1970-01-01 00:00:01.000'),
      (3, NULL, NULL, 0, 1e-45, NULL, 1e308, 999.99, 2, NULL, 0x00, NULL, '', 'b', 'y', '[1.0, 1e2, -0]', NULL)`);
    await sides.db.target.exec(
      "INSERT INTO odd (id, vb, bn, ch) VALUES (1, 0x61, 0x61, 'ab'), (9, 0x00, 0x00, 'x')",
    );
    const report = await roundTrip('odd', ['id']);
    expect(report.plan).toMatchObject({ missing: 2, changed: 1, extra: 1 });
  });

  it('names the column and writes nothing when a 4-byte character does not fit a utf8mb3 target column', async () => {
    await sides.db.source.exec('CREATE TABLE e (id INT PRIMARY KEY, t TEXT CHARACTER SET utf8mb4)');
    await sides.db.target.exec('CREATE TABLE e (id INT PRIMARY KEY, t TEXT CHARACTER SET utf8mb3)');
    await sides.db.source.exec("INSERT INTO e VALUES (1, 'plain'), (2, 'smile 😀')");
    await sides.db.target.exec("INSERT INTO e VALUES (3, 'kept')");
    for (const target of [[], ['DELETE FROM e']]) {
      for (const sql of target) await sides.db.target.exec(sql);
      const before = await sides.db.dump('target', 'e', ['id']);
      const error = await restore({
        table: 'e',
        from: sides.db.sourceUrl,
        to: sides.db.targetUrl,
        stateDir: await tempDir(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('schema-mismatch');
      expect((error as RowbackError).message).toMatch(/Incorrect string value: .* for column .*`t`/);
      expect(await sides.db.dump('target', 'e', ['id'])).toEqual(before);
    }
  });

  it('refuses source keys that differ only by trailing spaces or accents when the target key calls them equal', async () => {
    await sides.db.source.exec(
      'CREATE TABLE k (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PRIMARY KEY, v INT)',
    );
    await sides.db.target.exec(
      'CREATE TABLE k (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PRIMARY KEY, v INT)',
    );
    await sides.db.source.exec("INSERT INTO k VALUES ('a', 1), ('a ', 2), ('e', 3), ('é', 4)");
    await sides.db.target.exec("INSERT INTO k VALUES ('A', 1)");
    for (const changed of ['keep-current', 'take-source'] as const) {
      const error = await restore({
        table: 'k',
        from: sides.db.sourceUrl,
        to: sides.db.targetUrl,
        changed,
        stateDir: await tempDir(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('schema-mismatch');
      expect(await sides.db.dump('target', 'k', ['k'])).toEqual(['A\t1']);
    }
  });

  it('restores a table named as db.table in another database than the URL, and from another table name', async () => {
    const other = `rb_other_${process.pid}_${Date.now() % 100000}`;
    await both(`CREATE DATABASE \`${other}\``);
    try {
      await both(`CREATE TABLE \`${other}\`.t (id INT PRIMARY KEY, v VARCHAR(5))`);
      await sides.db.source.exec(`INSERT INTO \`${other}\`.t VALUES (1, 'a'), (2, 'b')`);
      await sides.db.target.exec(`INSERT INTO \`${other}\`.t VALUES (2, 'B'), (3, 'c')`);
      await sides.db.target.exec('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(5))');
      const report = await roundTrip(`${other}.t`, ['id']);
      expect(report.applied).toEqual({ inserted: 1, updated: 1, deleted: 1 });
      expect(await sides.db.dump('target', 't', ['id'])).toEqual([]);

      await sides.db.source.exec('CREATE TABLE old_t (id INT PRIMARY KEY, v VARCHAR(5))');
      await sides.db.source.exec("INSERT INTO old_t VALUES (7, 'seven')");
      await restore({
        table: 't',
        fromTable: 'old_t',
        from: sides.db.sourceUrl,
        to: sides.db.targetUrl,
        stateDir: await tempDir(),
      });
      expect(await sides.db.dump('target', 't', ['id'])).toEqual(['7\tseven']);
    } finally {
      await both(`DROP DATABASE IF EXISTS \`${other}\``);
    }
  });

  it('restores and undoes a partitioned InnoDB table', async () => {
    await both(`CREATE TABLE parts (id INT NOT NULL, at DATE NOT NULL, v VARCHAR(5), PRIMARY KEY (id, at))
      PARTITION BY RANGE (YEAR(at)) (PARTITION p1 VALUES LESS THAN (2020), PARTITION p2 VALUES LESS THAN MAXVALUE)`);
    await sides.db.source.exec(
      "INSERT INTO parts VALUES (1, '2019-01-01', 'a'), (2, '2021-01-01', 'b'), (3, '2025-05-05', 'c')",
    );
    await sides.db.target.exec("INSERT INTO parts VALUES (2, '2021-01-01', 'B'), (4, '2018-01-01', 'd')");
    const report = await roundTrip('parts', ['id', 'at']);
    expect(report.applied).toEqual({ inserted: 2, updated: 1, deleted: 1 });
  });

  it('fails clearly and writes nothing when a BEFORE INSERT trigger refuses some rows', async () => {
    await both('CREATE TABLE guarded (id INT PRIMARY KEY, v INT)');
    await sides.db.target.exec(`CREATE TRIGGER guard BEFORE INSERT ON guarded FOR EACH ROW
      BEGIN IF NEW.v < 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'negative v refused'; END IF; END`);
    await sides.db.source.exec('INSERT INTO guarded VALUES (1, 1), (2, -2), (3, 3)');
    await sides.db.target.exec('INSERT INTO guarded VALUES (1, 1)');
    for (const setup of [[], ['DELETE FROM guarded']]) {
      for (const sql of setup) await sides.db.target.exec(sql);
      const before = await sides.db.dump('target', 'guarded', ['id']);
      const error = await restore({
        table: 'guarded',
        from: sides.db.sourceUrl,
        to: sides.db.targetUrl,
        stateDir: await tempDir(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).message).toContain('negative v refused');
      expect((error as RowbackError).message).toMatch(/^A trigger on the target refused a row/);
      expect((error as RowbackError).code).toBe('schema-mismatch');
      expect(await sides.db.dump('target', 'guarded', ['id'])).toEqual(before);
    }
  });

  it('restores into a server whose sql_mode has ANSI_QUOTES and PIPES_AS_CONCAT', async () => {
    // the other way round: the source server is the one configured with ANSI_QUOTES
    const t = 'CREATE TABLE q (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb4, b BLOB)';
    await both(t);
    await sides.db.target.exec(`INSERT INTO q VALUES (1, 'it''s "q" \\\\ 😀', 0x5C00), (2, 'two', NULL)`);
    await sides.db.source.exec(`INSERT INTO q VALUES (2, 'TWO', 0x27), (3, 'x', NULL)`);
    const stateDir = await tempDir();
    const before = await sides.db.dump('source', 'q', ['id']);
    const report = await restore({
      table: 'q',
      from: sides.db.targetUrl,
      to: sides.db.sourceUrl,
      changed: 'take-source',
      extra: 'delete',
      stateDir,
    });
    expect(report.applied).toEqual({ inserted: 1, updated: 1, deleted: 1 });
    expect(await sides.db.dump('source', 'q', ['id'])).toEqual(await sides.db.dump('target', 'q', ['id']));
    await undo({ id: report.id, to: sides.db.sourceUrl, stateDir });
    expect(await sides.db.dump('source', 'q', ['id'])).toEqual(before);
  });

  it('keeps a key 0 in an AUTO_INCREMENT column, straight into an empty table and through the plan', async () => {
    await both('CREATE TABLE zero (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(5))');
    await sides.db.source.exec(
      "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'; INSERT INTO zero VALUES (0, 'zero'), (1, 'one'), (2, 'two')",
    );
    const expected = ['0\tzero', '1\tone', '2\ttwo'];
    const direct = await restore({
      table: 'zero',
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      stateDir: await tempDir(),
    });
    expect(direct.applied.inserted).toBe(3);
    expect(await sides.db.dump('target', 'zero', ['id'])).toEqual(expected);
    await sides.db.target.exec('DELETE FROM zero WHERE id <> 1');
    await roundTrip('zero', ['id']);
    expect(await sides.db.dump('target', 'zero', ['id'])).toEqual(['1\tone']);
  });

  it('restores the current rows of a MariaDB system-versioned table, with implicit or explicit period columns', async () => {
    await both('CREATE TABLE sv (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING');
    await both(`CREATE TABLE sv2 (id INT PRIMARY KEY, v INT, s TIMESTAMP(6) GENERATED ALWAYS AS ROW START,
      e TIMESTAMP(6) GENERATED ALWAYS AS ROW END, PERIOD FOR SYSTEM_TIME (s, e)) WITH SYSTEM VERSIONING`);
    for (const t of ['sv', 'sv2']) {
      await sides.db.source.exec(`INSERT INTO ${t} (id, v) VALUES (1, 1), (2, 2)`);
      await sides.db.target.exec(`INSERT INTO ${t} (id, v) VALUES (2, 20), (3, 3)`);
    }
    const report = await roundTrip('sv', ['id']);
    expect(report.applied).toEqual({ inserted: 1, updated: 1, deleted: 1 });
    const before = await sides.db.target.query('SELECT id, v FROM sv2 ORDER BY id');
    const second = await restore({
      table: 'sv2',
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      changed: 'take-source',
      extra: 'delete',
      stateDir: await tempDir(),
    });
    expect(second.applied).toEqual({ inserted: 1, updated: 1, deleted: 1 });
    expect(before).toEqual([
      ['2', '20'],
      ['3', '3'],
    ]);
    expect(await sides.db.target.query('SELECT id, v FROM sv2 ORDER BY id')).toEqual([
      ['1', '1'],
      ['2', '2'],
    ]);
  });

  it('names the unique index when a row to restore collides with a row written since on a secondary key', async () => {
    await both('CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(20) NOT NULL, UNIQUE KEY u_email (email))');
    await sides.db.source.exec("INSERT INTO u VALUES (1, 'a@x'), (2, 'b@x')");
    await sides.db.target.exec("INSERT INTO u VALUES (2, 'b@x'), (3, 'a@x')");
    const error = await restore({
      table: 'u',
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      stateDir: await tempDir(),
    }).catch((e: unknown) => e);
    expect((error as RowbackError).code).toBe('schema-mismatch');
    expect((error as RowbackError).message).toMatch(
      /^A row to restore has the same value on unique index u_email of /,
    );
    expect(await sides.db.dump('target', 'u', ['id'])).toEqual(['2\tb@x', '3\ta@x']);
  });

  it('writes a script whose header cannot be broken out of by a line break in the table name', async () => {
    const name = 'a\nDROP TABLE victim;';
    await both(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY)`);
    await sides.db.target.exec('CREATE TABLE victim (id INT PRIMARY KEY)');
    await sides.db.source.exec(`INSERT INTO \`${name}\` VALUES (1)`);
    const dir = await tempDir();
    const report = await restore({
      table: `\`${name}\``,
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      stateDir: dir,
      sqlOut: `${dir}/out.sql`,
    });
    expect(report.outcome).toBe('script');
    const { readFile } = await import('node:fs/promises');
    const script = await readFile(`${dir}/out.sql`, 'utf8');
    expect(script.split('\n').slice(0, 4)).toEqual([
      // Quoted as the table argument takes it back; the line break is flattened to a space.
      expect.stringMatching(/^-- rowback restore of .*\."a DROP TABLE victim;": 1 missing/),
      expect.stringMatching(/^-- policy: /),
      expect.stringMatching(/^-- Rows changed since /),
      'SET NAMES utf8mb4;',
    ]);
    await sides.db.target.exec(script);
    expect(await sides.db.dump('target', name, ['id'])).toEqual(['1']);
    expect(await sides.db.dump('target', 'victim', ['id'])).toEqual([]);
  });
});
