import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectClient } from '../../harness/clients.js';
import { tempDir } from '../../harness/index.js';
import { byId, described, dump, rowback, TIMEOUT, undoRun } from './cli-support.js';
import { type BinlogDb, binlogDb, nextSecond } from './support.js';

/**
 * The application's writer: its own session, inserting new keys and updating the ones it wrote, one
 * autocommit statement at a time, remembering what each of its rows must hold.
 */
function startWriter(url: string) {
  const rows = new Map<number, string>();
  let stopping = false;
  let writes = 0;
  const done = (async () => {
    const client = await connectClient('mysql', url);
    try {
      for (let n = 0; !stopping; n++) {
        const id = 100_000 + n;
        await client.exec(`INSERT INTO orders VALUES (${id}, 'new ${n}', ${n})`);
        rows.set(id, `${id}\tnew ${n}\t${n}`);
        if (n % 3 === 2) {
          const old = 100_000 + Math.floor(n / 2);
          await client.exec(`UPDATE orders SET v = 'updated at ${n}', n = n + 1 WHERE id = ${old}`);
          const [, , count] = rows.get(old)!.split('\t');
          rows.set(old, `${old}\tupdated at ${n}\t${Number(count) + 1}`);
        }
        writes++;
      }
    } finally {
      await client.close();
    }
  })();
  return {
    rows,
    get writes() {
      return writes;
    },
    async stop() {
      stopping = true;
      await done;
    },
  };
}

describe('a restore from the binlog while the application keeps writing', () => {
  let db: BinlogDb;

  beforeAll(async () => {
    db = await binlogDb('rows');
  });

  afterAll(async () => {
    await db?.close();
  });

  test(
    'puts back every deleted row, loses none of the writes made during it, and undoes only its own',
    async () => {
      const stateDir = await tempDir();
      await db.sql.exec('CREATE TABLE orders (id int PRIMARY KEY, v varchar(40), n int) ENGINE=InnoDB');
      const values = Array.from({ length: 3000 }, (_, i) => `(${i + 1}, 'order ${i + 1}', ${i})`);
      await db.sql.exec(`INSERT INTO orders VALUES ${values.join(', ')}`);
      const moment = await nextSecond(db.sql);
      const atMoment = await dump(db, 'orders');
      await db.sql.exec('DELETE FROM orders');

      const writer = startWriter(db.url);
      let restored: Awaited<ReturnType<typeof rowback>>;
      let during: number;
      try {
        while (writer.writes < 20) await new Promise((r) => setTimeout(r, 20));
        const before = writer.writes;
        restored = await rowback([
          'restore',
          'orders',
          '--from',
          'binlog',
          '--as-of',
          moment,
          '--to',
          db.url,
          '--yes',
          '--json',
          '--state-dir',
          stateDir,
        ]);
        during = writer.writes - before;
        while (writer.writes < before + during + 20) await new Promise((r) => setTimeout(r, 20));
      } finally {
        await writer.stop();
      }
      expect(restored.code, described(restored)).toBe(0);
      expect(restored.json?.['applied']).toEqual({ inserted: 3000, updated: 0, deleted: 0 });
      expect(during).toBeGreaterThan(0);

      // Every row of the moment back, and every row the writer wrote as it last wrote it.
      const written = [...writer.rows.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => line);
      expect(await dump(db, 'orders')).toEqual([...atMoment, ...written]);

      // The undo takes out the 3000 rows it put back; the writer's rows stay.
      await undoRun(db, restored, stateDir);
      expect(await dump(db, 'orders')).toEqual(written);
      expect(byId(written).size).toBe(writer.rows.size);
    },
    TIMEOUT,
  );
});
