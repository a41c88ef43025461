import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildAsOf } from '../../../src/sources/binlog/as-of.js';
import { SpillDir } from '../../../src/sources/binlog/spill.js';
import { type BinlogDb, binlogDb, nextSecond, readBinlog, tableLines } from './support.js';

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean);

describe('the as-of image of the keys the binlog saw change', () => {
  let db: BinlogDb;
  beforeAll(async () => {
    db = await binlogDb('rows');
  });
  afterAll(async () => {
    await db?.close();
  });

  test('is the same when its keys are split into partitions beyond the memory budget, and is the table as it was', async () => {
    await db.sql.exec('CREATE TABLE k (id int PRIMARY KEY, v varchar(20)) ENGINE=InnoDB');
    await db.sql.exec(
      `INSERT INTO k VALUES ${Array.from({ length: 60 }, (_, i) => `(${i + 1}, 'v${i + 1}')`).join(', ')}`,
    );
    const moment = await nextSecond(db.sql);
    const then = await tableLines(db.url, 'k');
    await db.sql.exec("UPDATE k SET v = CONCAT(v, ' changed') WHERE id % 3 = 0");
    await db.sql.exec('UPDATE k SET id = id + 1000 WHERE id % 5 = 0');
    await db.sql.exec('DELETE FROM k WHERE id % 7 = 0');
    await db.sql.exec("INSERT INTO k VALUES (7, 'back'), (500, 'new'), (501, 'new too')");
    await db.sql.exec("UPDATE k SET v = 'again' WHERE id IN (1, 2, 1005, 500)");
    const now = await tableLines(db.url, 'k');

    const read = await readBinlog(db.url, 'k', { time: moment });
    const other = await SpillDir.create();
    try {
      const file = {
        path: read.history.path,
        transactions: read.history.writer.transactions,
        files: read.history.writer.files,
      };
      // A budget of one byte: every key after the first goes through the partitions.
      const split = buildAsOf(file, other, 1);
      expect((await lines(split.rowsPath)).sort()).toEqual((await lines(read.asOf.rowsPath)).sort());
      expect((await lines(split.absentPath)).sort()).toEqual((await lines(read.asOf.absentPath)).sort());
      expect(split).toMatchObject({ rows: read.asOf.rows, absent: read.asOf.absent });
      // Built while reading (every transaction counted): the same files, byte for byte, as from the history.
      expect(read.streamed).toBe(true);
      expect(await readFile(read.asOf.rowsPath)).toEqual(await readFile(read.fromHistory.rowsPath));
      expect(await readFile(read.asOf.absentPath)).toEqual(await readFile(read.fromHistory.absentPath));
      expect(read.asOf).toMatchObject({ rows: read.fromHistory.rows, absent: read.fromHistory.absent });

      // Built while reading with a budget of one byte: the first key decided on the way, the rest handed
      // over to the history written from then on.
      const over = await readBinlog(db.url, 'k', { time: moment }, 1);
      try {
        expect(over.streamed).toBe(true);
        expect((await lines(over.asOf.rowsPath)).sort()).toEqual((await lines(read.asOf.rowsPath)).sort());
        expect((await lines(over.asOf.absentPath)).sort()).toEqual(
          (await lines(read.asOf.absentPath)).sort(),
        );
        expect(over.asOf).toMatchObject({ rows: read.asOf.rows, absent: read.asOf.absent });
      } finally {
        await over.dir.remove();
      }

      // Today's rows of keys never touched, the as-of rows, no absent key: the table at the moment.
      const rows = await lines(split.rowsPath);
      const touched = new Set([...rows, ...(await lines(split.absentPath))].map((l) => l.split('\t')[0]));
      const rebuilt = [...now.filter((l) => !touched.has(l.split('\t')[0])), ...rows];
      const byId = (a: string, b: string) => Number(a.split('\t')[0]) - Number(b.split('\t')[0]);
      expect(rebuilt.sort(byId)).toEqual(then);
      // Keys that did not exist then: the 12 rows moved to id + 1000, and 500 and 501.
      expect(split.absent).toBe(12 + 2);
    } finally {
      await other.remove();
      await read.dir.remove();
    }
  });
});
