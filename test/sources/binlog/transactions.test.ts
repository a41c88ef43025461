import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type BinlogDb,
  databaseOn,
  nextSecond,
  privateBinlogServer,
  readBinlog,
  tableLines,
} from './support.js';

describe('reading the binlog across files, settings and transaction outcomes', () => {
  let server: Awaited<ReturnType<typeof privateBinlogServer>>;
  let db: BinlogDb;
  beforeAll(async () => {
    server = await privateBinlogServer();
    db = await databaseOn(server.url);
  });
  afterAll(async () => {
    await db?.close();
    await server?.stop();
  });

  test('reads every row across files written with binlog_checksum NONE and CRC32, and compressed events', async () => {
    await db.sql.exec('CREATE TABLE t (id int PRIMARY KEY, v TEXT) ENGINE=InnoDB');
    const start = await nextSecond(db.sql);
    await db.sql.exec('SET GLOBAL binlog_checksum = NONE');
    await db.sql.exec(
      `INSERT INTO t VALUES ${Array.from({ length: 10 }, (_, i) => `(${i + 1}, 'none ${i + 1}')`).join(', ')}`,
    );
    await db.sql.exec("UPDATE t SET v = CONCAT(v, ' again') WHERE id > 8");
    await db.sql.exec('SET GLOBAL binlog_checksum = CRC32');
    await db.sql.exec(
      `INSERT INTO t VALUES ${Array.from({ length: 10 }, (_, i) => `(${i + 11}, 'crc ${i + 11}')`).join(', ')}`,
    );
    await db.sql.exec('DELETE FROM t WHERE id = 5');
    await db.sql.exec('SET GLOBAL log_bin_compress = ON');
    await db.sql.exec(`INSERT INTO t VALUES (21, REPEAT('compressed ', 100)), (22, REPEAT('x', 5000))`);
    await db.sql.exec("UPDATE t SET v = REPEAT('y', 3000) WHERE id IN (1, 21)");
    await db.sql.exec('SET GLOBAL log_bin_compress = OFF');
    const now = await tableLines(db.url, 't');

    const read = await readBinlog(db.url, 't', { time: start });
    try {
      expect(read.history.from.file).not.toEqual(read.history.to?.file);
      // Replaying the writes' after images and the deletes gives the table as it is now.
      const replayed = new Map<string, string>();
      for (const change of read.changes) {
        if (change.before) replayed.delete(change.before.split('\t')[0]!);
        if (change.after) replayed.set(change.after.split('\t')[0]!, change.after);
      }
      expect([...replayed.values()].sort()).toEqual([...now].sort());
      expect(read.changes).toHaveLength(10 + 2 + 10 + 1 + 2 + 2);
      expect(read.asOf).toMatchObject({ rows: 0, absent: 22 });
    } finally {
      await read.dir.remove();
    }
  });

  test('never uses the rows of an XA transaction rolled back or left prepared, and counts one committed', async () => {
    await db.sql.exec('CREATE TABLE x (id int PRIMARY KEY) ENGINE=InnoDB');
    await db.sql.exec('INSERT INTO x VALUES (1)');
    const start = await nextSecond(db.sql);
    await db.sql.exec("XA START 'gone'");
    await db.sql.exec('INSERT INTO x VALUES (97)');
    await db.sql.exec('DELETE FROM x WHERE id = 1');
    await db.sql.exec("XA END 'gone'");
    await db.sql.exec("XA PREPARE 'gone'");
    await db.sql.exec("XA ROLLBACK 'gone'");
    await db.sql.exec("XA START 'kept', 'b', 7");
    await db.sql.exec('INSERT INTO x VALUES (96)');
    await db.sql.exec("XA END 'kept', 'b', 7");
    await db.sql.exec("XA PREPARE 'kept', 'b', 7");
    await db.sql.exec("XA COMMIT 'kept', 'b', 7");
    await db.sql.exec("XA START 'open'");
    await db.sql.exec('INSERT INTO x VALUES (95)');
    await db.sql.exec("XA END 'open'");
    await db.sql.exec("XA PREPARE 'open'");

    const read = await readBinlog(db.url, 'x', { time: start });
    try {
      expect(read.changes).toEqual([{ kind: 'write', after: '96' }]);
      expect([...read.history.writer.transactions.values()].map((t) => t.outcome)).toEqual([
        'rolled-back',
        'counted',
        'uncommitted',
      ]);
      // Rows of transactions that did not count were read on the way: the image comes from the history.
      expect(read.streamed).toBe(false);
      expect(await readFile(read.asOf.absentPath, 'utf8')).toBe('96\n');
      expect(read.asOf.rows).toBe(0);
    } finally {
      await read.dir.remove();
      await db.sql.exec("XA ROLLBACK 'open'");
    }
  });
});
