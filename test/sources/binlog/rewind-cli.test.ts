import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../../harness/index.js';
import { described, dump, rowback, TIMEOUT } from './cli-support.js';
import { type BinlogDb, binlogDb, nextSecond } from './support.js';

/** One step of the table's history, and how the moment before it is named on the command line. */
const STEPS: { sql: string; flag: '--as-of' | '--as-of-position' | '--as-of-gtid' }[] = [
  { sql: "INSERT INTO h VALUES (10, 'a', 1)", flag: '--as-of' },
  { sql: "UPDATE h SET v = 'b' WHERE id = 10; UPDATE h SET n = 100 WHERE id = 1", flag: '--as-of-gtid' },
  { sql: "UPDATE h SET v = 'c', n = 2 WHERE id = 10", flag: '--as-of' },
  { sql: 'DELETE FROM h WHERE id IN (10, 3)', flag: '--as-of-position' },
  { sql: "INSERT INTO h VALUES (10, 'again', 3), (11, 'eleven', 11)", flag: '--as-of' },
  { sql: 'UPDATE h SET id = 12 WHERE id = 11', flag: '--as-of-gtid' },
  { sql: 'DELETE FROM h WHERE id = 10', flag: '--as-of' },
  { sql: 'DELETE FROM h', flag: '--as-of-position' },
  { sql: "INSERT INTO h VALUES (2, 'two again', 22), (13, 'thirteen', 13)", flag: '--as-of' },
];

describe('a history rewound to each of several moments through the command line', () => {
  let db: BinlogDb;

  beforeAll(async () => {
    db = await binlogDb('rows');
  });

  afterAll(async () => {
    await db?.close();
  });

  test(
    'restore --changed take-source --extra delete gives the table as it was at each moment; undo gives today back',
    async () => {
      const stateDir = await tempDir();
      await db.sql.exec('CREATE TABLE h (id int PRIMARY KEY, v varchar(20), n int) ENGINE=InnoDB');
      await db.sql.exec("INSERT INTO h VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3), (4, 'four', 4)");
      const moments: { args: string[]; table: string[] }[] = [];
      for (const step of STEPS) {
        const time = await nextSecond(db.sql);
        const table = await dump(db, 'h');
        const [[file, offset]] = (await db.sql.query('SHOW MASTER STATUS')) as [[string, string]];
        await db.sql.exec(step.sql);
        // The first transaction of the step (a step of two statements is two transactions).
        const [[last]] = (await db.sql.query('SELECT @@last_gtid')) as [[string]];
        const statements = step.sql.split(';').length;
        const [domain, server, sequence] = last.split('-');
        const first = `${domain}-${server}-${Number(sequence) - statements + 1}`;
        const value = { '--as-of': time, '--as-of-position': `${file}:${offset}`, '--as-of-gtid': first };
        moments.push({ args: [step.flag, value[step.flag]], table });
      }
      const today = await dump(db, 'h');

      for (const [i, moment] of moments.entries()) {
        const restored = await rowback([
          'restore',
          'h',
          '--from',
          'binlog',
          ...moment.args,
          '--to',
          db.url,
          '--changed',
          'take-source',
          '--extra',
          'delete',
          '--yes',
          '--json',
          '--state-dir',
          stateDir,
        ]);
        const label = `before step ${i + 1} (${STEPS[i]!.sql}), ${moment.args.join(' ')}`;
        expect(restored.code, `${label}\n${described(restored)}`).toBe(0);
        expect(await dump(db, 'h'), label).toEqual(moment.table);
        const undone = await rowback([
          'undo',
          String(restored.json?.['id']),
          '--to',
          db.url,
          '--yes',
          '--json',
          '--state-dir',
          stateDir,
        ]);
        expect(undone.code, `${label}\n${described(undone)}`).toBe(0);
        expect(await dump(db, 'h'), label).toEqual(today);
      }
    },
    TIMEOUT,
  );
});
