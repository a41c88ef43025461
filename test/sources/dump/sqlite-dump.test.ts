import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { diff, isRowbackError, restore } from '../../../src/index.js';
import { exactRows, run } from '../../engines/sqlite/support.js';
import { SAKILA_DIR, tempDir } from '../../harness/index.js';

const exec = promisify(execFile);

/** Runs the real sqlite3 shell on a database file with `input` on its stdin; returns what it printed. */
async function shell(db: string, args: string[], input?: string): Promise<string> {
  const child = exec('sqlite3', [db, ...args], { maxBuffer: 1 << 28, encoding: 'latin1' });
  if (input !== undefined) child.child.stdin!.end(Buffer.from(input, 'latin1'));
  return (await child).stdout;
}

/** Loads a dump file as `sqlite3 db < dump.sql` would. */
async function load(db: string, dump: string): Promise<void> {
  await shell(db, [], await readFile(dump, 'latin1'));
}

/**
 * Every awkward value the SQLite engine's type matrix has, and what the shell writes with replace(…):
 * newlines and carriage returns, a text already holding `\n` (the shell picks another marker), raw
 * control characters, invalid UTF-8, a quote, reals that need all 20 digits the shell writes, the
 * infinities, an integral real, a generated column, AUTOINCREMENT, and a name that needs quoting.
 */
const MATRIX = `
CREATE TABLE "v x" (id INTEGER PRIMARY KEY, x, r REAL, t TEXT, b BLOB, n NUMERIC, g AS (id * 2));
INSERT INTO "v x" (id, x, r, t, b, n) VALUES
  (1, 9223372036854775807, 0.1, 'plain', x'00ff', '12.50'),
  (2, -9223372036854775808, 5e-324, '', x'', 'abc'),
  (3, 9007199254740993, 2.2250738585072014e-308, CAST(x'61ff0062' AS TEXT), NULL, 1e400),
  (4, '1', 1e308, 'tab	and
newline \\ back', x'5c4e', 9007199254740993),
  (5, -0.0, 9e999, '\\N', x'0a0d09', -0.0),
  (6, 1.0, -9e999, 'ü 😀', x'31', '  7'),
  (7, x'31', 1.0000000000000002, NULL, NULL, NULL),
  (8, 4.9406564584124654e-324, -1.5e-320, 'x', x'', 1.5),
  (9, 'it''s', 'a\\nb' || char(10) || 'c', 'cr' || char(13) || 'lf' || char(10) || '\\012', 'x' || char(1, 31, 127), 'NULL'),
  (10, 1e15, 123456789012345680000.0, 'nul' || char(0) || 'cut', 'a' || char(0) || 'b', 0.30000000000000004),
  (11, 3.141592653589793, -2.5, '"quoted";(paren)', 'VALUES(', 100000000000000000000);
CREATE TABLE after (k INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
INSERT INTO after (v) VALUES ('first'), ('second');
CREATE INDEX v_t ON "v x" (t);`;

/** The matrix's table, as a dump file the real shell wrote, and the source database it came from. */
async function matrixDump(): Promise<{ dir: string; source: string; dump: string }> {
  const dir = await tempDir();
  const source = join(dir, 'source.db');
  run(source, MATRIX);
  const dump = join(dir, 'nightly.sql');
  await writeFile(dump, await shell(source, ['.dump']), 'latin1');
  return { dir, source, dump };
}

/** Each cell of one row of exactRows, by column. */
const cells = (row: string) => row.split(' ');

describe('sqlite3 .dump as a source', () => {
  it('restores every value as the sqlite3 shell loads the same dump, reals as the dump writes them', async () => {
    const { dir, source, dump } = await matrixDump();
    const text = await readFile(dump, 'latin1');
    // what this shell writes: 20-digit reals, replace(…) for newlines, a text cut at its NUL, -0.0 as 0.0
    expect(text).toMatch(/^PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n/);
    expect(text).toContain('0.10000000000000000555');
    expect(text).toMatch(/replace\(|unistr\(/);
    // The target was loaded from the same dump, then rows were lost and changed.
    const target = join(dir, 'app.db');
    await load(target, dump);
    const table = 'v x';
    run(target, `DELETE FROM "v x" WHERE id <> 4; UPDATE "v x" SET t = 'since' WHERE id = 4;`);
    const report = await restore({
      table,
      from: dump,
      to: target,
      stateDir: join(dir, 'state'),
      changed: 'take-source',
    });
    expect(report.plan).toEqual({ missing: 10, changed: 1, extra: 0, same: 0 });
    expect(report.warnings).toContain(
      'sqlite3 .dump writes a text only up to its first NUL byte: a text holding NUL in x, t, b comes back cut short, and the dump cannot show which.',
    );
    expect(report.warnings).toContain(
      'sqlite3 .dump writes the real -0.0 as 0.0: a -0.0 in x, b comes back as 0.0.',
    );

    const fresh = join(dir, 'fresh.db');
    await load(fresh, dump);
    const restored = exactRows(target, table, 'id');
    const shellLoaded = exactRows(fresh, table, 'id');
    const original = exactRows(source, table, 'id');
    expect(restored).toHaveLength(11);
    // Cell by cell the same as the shell's own load, storage class and bytes, except where this shell
    // misreads its own 20-digit text of a real: there rowback has the dumped database's value.
    const misread: string[] = [];
    restored.forEach((row, r) => {
      const [got, shellCells, originalCells] = [cells(row), cells(shellLoaded[r]!), cells(original[r]!)];
      got.forEach((cell, c) => {
        if (cell === shellCells[c]) return;
        misread.push(`${r + 1}:${c}`);
        expect(cell).toMatch(/^real:/);
        expect(cell).toBe(originalCells[c]);
      });
    });
    const shellVersion = (await exec('sqlite3', ['--version'])).stdout;
    // 3.40 reads 4.9406564584124654428e-324 (the smallest subnormal) as 0.0, in x of row 8 and r of row 2
    if (shellVersion.startsWith('3.40.')) expect(misread).toEqual(['2:2', '8:1']);
    // What the dump itself lost: the NULs cut texts short, -0.0 came back 0.0 (x of row 5).
    expect(cells(restored[9]!)[3]).toBe(`text:${Buffer.from('nul').toString('hex')}`);
    expect(cells(restored[4]!)[1]).toBe('real:0000000000000000');
    expect(cells(original[4]!)[1]).toBe('real:8000000000000000');
    // the rest is the source database exactly
    const lost = new Set(['3:3', '5:1', '10:3', '10:4']);
    for (const [r, row] of restored.entries()) {
      for (const [c, cell] of cells(row).entries()) {
        if (!lost.has(`${r + 1}:${c}`)) expect(cell).toBe(cells(original[r]!)[c]);
      }
    }
  });

  it('reads each of 5,000 reals of every magnitude back to the bits the dumped database held', async () => {
    const dir = await tempDir();
    const source = join(dir, 'reals.db');
    const db = new Database(source);
    db.exec('CREATE TABLE f (id INTEGER PRIMARY KEY, r)');
    const insert = db.prepare('INSERT INTO f VALUES (?, ?)');
    const bits = Buffer.alloc(8);
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    db.transaction(() => {
      for (let id = 1; id <= 5000; id++) {
        for (let k = 0; k < 8; k += 2) bits.writeUInt16BE(next() & 0xffff, k);
        if (id % 5 === 0) bits[0]! &= 0x80; // subnormal and tiny
        if (id % 5 === 0) bits[1]! &= 0x0f;
        const value = bits.readDoubleBE(0);
        insert.run(id, Number.isFinite(value) ? value : id + 0.5);
      }
    })();
    db.close();
    const dump = join(dir, 'reals.sql');
    await writeFile(dump, await shell(source, ['.dump']), 'latin1');
    const target = join(dir, 'app.db');
    run(target, 'CREATE TABLE f (id INTEGER PRIMARY KEY, r)');
    const report = await restore({ table: 'f', from: dump, to: target, stateDir: join(dir, 'state') });
    expect(report.plan.missing).toBe(5000);
    expect(exactRows(target, 'f', 'id')).toEqual(exactRows(source, 'f', 'id'));
  });

  it('reads the unistr(…) form newer shells write for control characters, and hand-edited expressions', async () => {
    const dir = await tempDir();
    const target = join(dir, 'app.db');
    run(target, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v, w TEXT)');
    const dump = join(dir, 'edited.sql');
    await writeFile(
      dump,
      [
        'PRAGMA foreign_keys=OFF;',
        'BEGIN TRANSACTION;',
        'CREATE TABLE t (id INTEGER PRIMARY KEY, v, w TEXT);',
        "INSERT INTO t VALUES(1,unistr('a\\u000ab\\\\c\\u0009''q'''),'x');",
        "INSERT INTO t VALUES(2,CAST('a'||char(0)||'b' AS TEXT),CAST(X'ff00' AS TEXT));",
        "INSERT INTO t VALUES(3,replace(replace('x(\\n1)y(\\n2)','(\\n1)',char(10)),'(\\n2)',char(13)),unistr('\\U0001F600\\+00263A\\00e9'));",
        'INSERT INTO t VALUES(4,9223372036854775808,-9223372036854775809);',
        "INSERT INTO t VALUES(5,1E3,X'AbCd');",
        'COMMIT;',
        '',
      ].join('\n'),
    );
    await restore({ table: 't', from: dump, to: target, stateDir: join(dir, 'state') });
    const fresh = join(dir, 'fresh.db');
    // SQLite itself (the one rowback links: it has unistr) runs the same statements
    run(fresh, await readFile(dump, 'utf8'));
    expect(exactRows(target, 't', 'id')).toEqual(exactRows(fresh, 't', 'id'));
    expect(exactRows(target, 't', 'id')[0]).toBe(
      `integer:31 text:${Buffer.from("a\nb\\c\t'q'").toString('hex')} text:78`,
    );
  });

  it('finds one table in a whole-database dump of Sakila and stops reading after its section', async () => {
    const dir = await tempDir();
    const source = join(dir, 'sakila.db');
    await shell(source, [], await readFile(join(SAKILA_DIR, 'sqlite-sakila-schema.sql'), 'latin1'));
    run(source, `INSERT INTO language VALUES (1, 'English', '2006-02-15 05:02:19');`);
    const db = new Database(source);
    const film = db.prepare(
      `INSERT INTO film (film_id, title, description, release_year, language_id, rental_duration, rental_rate, length, replacement_cost, rating, special_features, last_update)
       VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, '2006-02-15 05:03:42')`,
    );
    const text = db.prepare('INSERT INTO film_text VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 1000; i++) {
        const title = `FILM ${i} O'NEIL`;
        const description =
          i % 7 === 0 ? null : `A Epic Drama of a ${i % 3 ? 'Feminist' : 'Mad\r\nScientist'}`;
        const rate = ['0.99', '2.99', '4.99'][i % 3]!;
        const rating = ['G', 'PG', 'PG-13', 'R', 'NC-17'][i % 5]!;
        const features = i % 4 ? 'Trailers,Deleted Scenes' : null;
        film.run(
          i,
          title,
          description,
          String(2000 + (i % 7)),
          3 + (i % 5),
          rate,
          60 + (i % 120),
          `${10 + (i % 20)}.99`,
          rating,
          features,
        );
        text.run(i, title, description);
      }
    })();
    db.close();
    const dump = join(dir, 'sakila.sql');
    await writeFile(dump, await shell(source, ['.dump']), 'latin1');
    const target = join(dir, 'app.db');
    await load(target, dump);
    run(
      target,
      "DELETE FROM film_text WHERE film_id > 10; UPDATE film_text SET title = 'SINCE' WHERE film_id = 3",
    );
    const state = join(dir, 'state');
    const report = await restore({
      table: 'film_text',
      from: dump,
      to: target,
      stateDir: state,
      changed: 'take-source',
    });
    expect(report.plan).toEqual({ missing: 990, changed: 1, extra: 0, same: 9 });
    // description is declared BLOB SUB_TYPE TEXT: untyped, so a NUL could have been cut there too
    expect(report.warnings).toContain(
      'sqlite3 .dump writes a text only up to its first NUL byte: a text holding NUL in title, description comes back cut short, and the dump cannot show which.',
    );
    const expected = exactRows(source, 'film_text', 'film_id');
    const fresh = join(dir, 'fresh.db');
    await load(fresh, dump);
    expect(exactRows(fresh, 'film_text', 'film_id')).toEqual(expected);
    expect(exactRows(target, 'film_text', 'film_id')).toEqual(expected);

    // The bytes after film_text's section cut mid-string: a reader that stops at the first statement
    // after the section never reaches the cut.
    const dumped = await readFile(dump, 'latin1');
    const section = dumped.indexOf('\n', dumped.lastIndexOf('INSERT INTO film_text VALUES')) + 1;
    const next = dumped.indexOf(';\n', section) + 2;
    expect(dumped.slice(section, next)).toMatch(/^CREATE TABLE inventory/);
    const cut = join(dir, 'cut.sql');
    await writeFile(cut, `${dumped.slice(0, next)}INSERT INTO inventory VALUES(1,'cut`, 'latin1');
    run(target, 'DELETE FROM film_text WHERE film_id > 500');
    const again = await restore({ table: 'film_text', from: cut, to: target, stateDir: state });
    expect(again.plan.missing).toBe(500);
    expect(exactRows(target, 'film_text', 'film_id')).toEqual(expected);

    // Cut inside the section: truncated, at a byte offset, nothing written.
    const inside = join(dir, 'inside.sql');
    await writeFile(
      inside,
      dumped.slice(0, dumped.indexOf('INSERT INTO film_text VALUES(700,') + 40),
      'latin1',
    );
    run(target, 'DELETE FROM film_text WHERE film_id > 500');
    const before = exactRows(target, 'film_text', 'film_id');
    const error = await restore({ table: 'film_text', from: inside, to: target, stateDir: state }).catch(
      (e: unknown) => e,
    );
    expect(isRowbackError(error) && error.code).toBe('bad-source');
    expect(String((error as Error).message)).toMatch(
      /inside\.sql \(sqlite3 \.dump SQL\) is truncated at byte \d+: expected the rest of an INSERT statement/,
    );
    expect(exactRows(target, 'film_text', 'film_id')).toEqual(before);
  });

  it('reads [bracketed] names holding a quote or a semicolon, and says why a CREATE TABLE could not be read', async () => {
    const dir = await tempDir();
    const source = join(dir, 'source.db');
    const tables = `CREATE TABLE [it's; here] ([a"b] INTEGER PRIMARY KEY, [c;d] TEXT);
      CREATE TABLE coll (id INTEGER PRIMARY KEY, v TEXT);`;
    // coll as an application that registers its own collation would have it (the shell has no such collation)
    await shell(
      source,
      [],
      `${tables}
      INSERT INTO [it's; here] VALUES (1, 'one'), (2, 'it''s');
      INSERT INTO coll VALUES (1, 'c');
      PRAGMA writable_schema = ON;
      UPDATE sqlite_schema SET sql = replace(sql, 'v TEXT', 'v TEXT COLLATE app_order') WHERE name = 'coll';`,
    );
    const dump = join(dir, 'nightly.sql');
    await writeFile(dump, await shell(source, ['.dump']), 'latin1');
    expect(await readFile(dump, 'latin1')).toContain(
      `CREATE TABLE [it's; here] ([a"b] INTEGER PRIMARY KEY, [c;d] TEXT);`,
    );
    const target = join(dir, 'app.db');
    run(target, tables);
    const state = join(dir, 'state');
    const quoted = await restore({ table: `"it's; here"`, from: dump, to: target, stateDir: state });
    expect(quoted.plan.missing).toBe(2);
    expect(quoted.warnings.filter((w) => w.includes('CREATE TABLE'))).toEqual([]);
    expect(exactRows(target, "it's; here")).toEqual(exactRows(source, "it's; here"));
    const collated = await restore({ table: 'coll', from: dump, to: target, stateDir: state });
    expect(collated.plan.missing).toBe(1);
    expect(collated.warnings).toContain(
      "SQLite cannot read the dump's CREATE TABLE for coll on its own (no such collation sequence: app_order): its columns are taken to have the target's types.",
    );
  });

  it('names the tables a dump holds when the wanted one is not in it', async () => {
    const { dir, dump } = await matrixDump();
    const target = join(dir, 'app.db');
    run(target, 'CREATE TABLE afterr (k INTEGER PRIMARY KEY, v TEXT)');
    const error = await diff({ table: 'afterr', from: dump, to: target }).catch((e: unknown) => e);
    expect(isRowbackError(error) && error.code).toBe('table-not-found');
    expect((error as Error).message).toContain('There is no table afterr in');
    expect(isRowbackError(error) && error.hint).toBe('Did you mean after? The dump holds: "v x", after.');
    // names are shown as the table argument takes them: a space (or dot, or quote) inside one is quoted
    run(target, 'CREATE TABLE "v y" (id INTEGER PRIMARY KEY)');
    const spaced = await diff({ table: '"v y"', from: dump, to: target }).catch((e: unknown) => e);
    expect(isRowbackError(spaced) && spaced.hint).toBe('Did you mean "v x"? The dump holds: "v x", after.');
  });
});
