import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAsOf } from '../../../src/core/as-of.js';
import type { Source } from '../../../src/core/source.js';
import { openBinlogSource } from '../../../src/sources/binlog/index.js';
import { type BinlogDb, binlogDb, nextSecond, tableLines } from './support.js';

/** Opens the binlog source on the database's server as `--from binlog --as-of <moment>` would. */
async function binlogSource(
  db: BinlogDb,
  asOf: string | undefined,
  flags: Record<string, string> = {},
): Promise<Source> {
  return openBinlogSource('binlog', {
    profile: { sql_mode: '' },
    targetEngine: 'mysql',
    targetUrl: db.url,
    ...(asOf ? { asOf: parseAsOf(asOf) } : {}),
    flags,
  });
}

async function collect(stream: AsyncIterable<Buffer>): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
}

/**
 * The table as the binlog source rebuilds it for a moment, the way a restore with `--changed take-source
 * --extra delete` would leave it: today's rows for keys the binlog did not see change, the as-of rows for
 * the keys it did, and no row for keys that did not exist then.
 */
async function rebuilt(
  db: BinlogDb,
  table: string,
  asOf: string | undefined,
  flags: Record<string, string> = {},
): Promise<{ lines: string[]; warnings: string[] }> {
  const source = await binlogSource(db, asOf, flags);
  try {
    const schema = await source.describe({ name: table }, ['id']);
    const rows = await collect(source.read(schema, { columns: schema.columns.map((c) => c.name) }));
    const absent = await collect(source.absentKeys!(schema, ['id']));
    const touched = new Set([...rows.map((r) => r.split('\t')[0]!), ...absent]);
    const untouched = (await tableLines(db.url, table)).filter((l) => !touched.has(l.split('\t')[0]!));
    const byKey = (a: string, b: string) => Number(a.split('\t')[0]) - Number(b.split('\t')[0]);
    return { lines: [...untouched, ...rows].sort(byKey), warnings: [...(source.warnings ?? [])] };
  } finally {
    await source.close();
  }
}

describe('the binlog source rewinds a table to a moment', () => {
  let db: BinlogDb;
  beforeAll(async () => {
    db = await binlogDb('full');
  });
  afterAll(async () => {
    await db?.close();
  });

  test('a history of insert, two updates, delete, re-insert, delete again and an ALTER, to each moment', async () => {
    await db.sql.exec('CREATE TABLE h (id int PRIMARY KEY, v varchar(20), n int) ENGINE=InnoDB');
    await db.sql.exec("INSERT INTO h VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)");
    const steps = [
      "INSERT INTO h VALUES (10, 'a', 1)",
      "UPDATE h SET v = 'b' WHERE id = 10; UPDATE h SET n = 100 WHERE id = 1",
      "UPDATE h SET v = 'c', n = 2 WHERE id = 10",
      'DELETE FROM h WHERE id IN (10, 3)',
      "INSERT INTO h VALUES (10, 'again', 3), (11, 'eleven', 11)",
      'DELETE FROM h WHERE id = 10',
      "ALTER TABLE h ADD COLUMN w varchar(5) NOT NULL DEFAULT 'w0', DROP COLUMN n",
      "UPDATE h SET w = 'w2', v = 'TWO' WHERE id = 2; INSERT INTO h VALUES (12, 'twelve', 'w12')",
    ];
    // Before each step: the moment, and the table as it is then, in today's shape (n dropped, w its default).
    const moments: { asOf: string; table: string[] }[] = [];
    for (const step of steps) {
      const asOf = await nextSecond(db.sql);
      const lines = await tableLines(db.url, 'h');
      const shaped = lines.map((l) =>
        l.split('\t').length === 3 ? `${l.split('\t').slice(0, 2).join('\t')}\tw0` : l,
      );
      moments.push({ asOf, table: shaped });
      await db.sql.exec(step);
    }
    for (const [i, moment] of moments.entries()) {
      const { lines, warnings } = await rebuilt(db, 'h', moment.asOf);
      expect(lines, `as of step ${i + 1} (${steps[i]})`).toEqual(moment.table);
      // Moments before the ALTER (step 7) read rows of the table's older shape.
      if (i <= 6) expect(warnings.join('\n')).toMatch(/was altered since the moment/);
      else expect(warnings.join('\n')).not.toMatch(/altered|another shape/);
    }
    const last = await rebuilt(db, 'h', moments[0]!.asOf);
    expect(last.warnings.join('\n')).toMatch(
      /column\(s\) n dropped since: ignored; column\(s\) w added since: their default/,
    );
  });

  test('a transaction rolled back after the moment is never used (the image then comes from the history, read again)', async () => {
    await db.sql.exec('CREATE TABLE r (id int PRIMARY KEY, v varchar(20)) ENGINE=InnoDB');
    await db.sql.exec("INSERT INTO r VALUES (1, 'one'), (2, 'two')");
    const moment = await nextSecond(db.sql);
    const then = await tableLines(db.url, 'r');
    await db.sql.exec("XA START 'undone'");
    await db.sql.exec("DELETE FROM r WHERE id = 1; INSERT INTO r VALUES (5, 'five')");
    await db.sql.exec("XA END 'undone'");
    await db.sql.exec("XA PREPARE 'undone'");
    await db.sql.exec("XA ROLLBACK 'undone'");
    await db.sql.exec("UPDATE r SET v = 'dos' WHERE id = 2; INSERT INTO r VALUES (6, 'six')");
    const { lines } = await rebuilt(db, 'r', moment);
    expect(lines).toEqual(then);
  });

  test('the same moment named by a binlog position or by the GTID of the first transaction to undo', async () => {
    await db.sql.exec('CREATE TABLE p (id int PRIMARY KEY, v varchar(20)) ENGINE=InnoDB');
    await db.sql.exec("INSERT INTO p VALUES (1, 'one'), (2, 'two')");
    const before = await tableLines(db.url, 'p');
    const [[file, position]] = (await db.sql.query('SHOW MASTER STATUS')) as [[string, string]];
    const [[gtids]] = (await db.sql.query('SELECT @@gtid_binlog_pos')) as [[string]];
    const [domain, server, sequence] = gtids.split(',')[0]!.split('-');
    await db.sql.exec("UPDATE p SET v = 'uno' WHERE id = 1");
    await db.sql.exec("DELETE FROM p WHERE id = 2; INSERT INTO p VALUES (3, 'three')");
    const byPosition = await rebuilt(db, 'p', undefined, { asOfPosition: `${file}:${position}` });
    expect(byPosition.lines).toEqual(before);
    const byGtid = await rebuilt(db, 'p', undefined, {
      asOfGtid: `${domain}-${server}-${Number(sequence) + 1}`,
    });
    expect(byGtid.lines).toEqual(before);
    // One transaction later, the first UPDATE stays.
    const later = await rebuilt(db, 'p', undefined, {
      asOfGtid: `${domain}-${server}-${Number(sequence) + 2}`,
    });
    expect(later.lines).toEqual(['1\tuno', '2\ttwo']);
  });
});
