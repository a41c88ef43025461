import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type Scratch, tempDir } from '../harness/index.js';
import { runClientScript } from './client-script.js';
import type { Scenario } from './scenarios.js';
import { ACCOUNTS, TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  cli,
  describeRun,
  dumpTable,
  prepareScenario,
  restoreArgs,
  SCENARIO_ENGINES,
  TIMEOUT,
  withScratch,
} from './support.js';
import { row, sharedTable } from './text.js';

/*
 * A `--sql-out` script is run later, by hand, with the engine's own client. By then rows may have changed:
 * it writes only rows still exactly as previewed and says how many it skipped, stops having written nothing
 * when a parent row is gone, and takes the lock the apply takes.
 */

/** Writes the scenario's plan as a script through the CLI; the target is left as it was. */
async function writeScript(s: Scratch, scenario: Scenario, ...extra: string[]): Promise<string> {
  const file = join(await tempDir(), 'restore.sql');
  const before = await dumpTable(s, scenario);
  const run = await cli([
    ...restoreArgs(s, scenario),
    '--sql-out',
    file,
    '--json',
    '--state-dir',
    await tempDir(),
    ...extra,
  ]);
  expect(run.code, describeRun(run)).toBe(0);
  expect(run.json?.['outcome']).toBe('script');
  expect(await dumpTable(s, scenario)).toEqual(before);
  return file;
}

const { source, current, extra } = ACCOUNTS;

/** Parents 1 and 2; children 10 → 1, 11 → 2, 12 → 2; the accident deleted children 11 and 12. */
const CHILDREN: Scenario = {
  name: 'children whose parent row is gone by the time the script runs',
  table: 'child',
  orderBy: ['id'],
  ddl: {
    postgres: [
      ...sharedTable('CREATE TABLE parent (id int PRIMARY KEY, name varchar(20) NOT NULL)').postgres,
      ...sharedTable(
        'CREATE TABLE child (id int PRIMARY KEY, parent_id int, note varchar(20), CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id))',
      ).postgres,
    ],
    mysql: [
      ...sharedTable('CREATE TABLE parent (id int PRIMARY KEY, name varchar(20) NOT NULL)').mysql,
      ...sharedTable(
        'CREATE TABLE child (id int PRIMARY KEY, parent_id int, note varchar(20), CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id))',
      ).mysql,
    ],
  },
  seed: [
    `INSERT INTO parent VALUES (1, 'one'), (2, 'two')`,
    `INSERT INTO child VALUES (10, 1, 'a'), (11, 2, 'b'), (12, 2, 'c')`,
  ],
  accident: ['DELETE FROM child WHERE parent_id = 2'],
  expect: {
    plan: { missing: 2, changed: 0, extra: 0, same: 1 },
    applied: { inserted: 2, updated: 0, deleted: 0 },
    final: [],
  },
};

/** Customers 1 and 2; the target has signed up customer 3 since (an extra row the restore deletes). */
const CUSTOMERS: Scenario = {
  name: 'a customer signed up since, who places an order after the script was written',
  table: 'customers',
  orderBy: ['id'],
  ddl: {
    postgres: [
      ...sharedTable('CREATE TABLE customers (id int PRIMARY KEY, name varchar(20) NOT NULL)').postgres,
      ...sharedTable(
        'CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE)',
      ).postgres,
    ],
    mysql: [
      ...sharedTable('CREATE TABLE customers (id int PRIMARY KEY, name varchar(20) NOT NULL)').mysql,
      ...sharedTable(
        'CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE)',
      ).mysql,
    ],
  },
  seed: [`INSERT INTO customers VALUES (1, 'ann'), (2, 'bob')`, 'INSERT INTO orders VALUES (100, 1)'],
  accident: [`INSERT INTO customers VALUES (3, 'cy')`],
  options: { extra: 'delete' },
  expect: {
    plan: { missing: 0, changed: 0, extra: 1, same: 2 },
    applied: { inserted: 0, updated: 0, deleted: 1 },
    final: [],
  },
};

describe.each(SCENARIO_ENGINES)('--sql-out scripts run later with the engine client on %s', (engine) => {
  test(
    'write only rows still as previewed, leave rows changed since as they are, and say how many were skipped',
    async () => {
      await withScratch(engine, async (s) => {
        const scenario = TAKE_SOURCE_DELETE; // insert 1, 2; put back 3, 4; delete 7, 8
        await prepareScenario(s, scenario);
        const file = await writeScript(s, scenario);
        // After the script was written: someone writes account 1 again, edits 3 (to be put back) and
        // 7 (to be deleted).
        // (amounts quoted: SQLite keeps them as the text written, as the scenario's rows are)
        await s.target.exec(`INSERT INTO accounts VALUES (1, 'ann', '11.00', 'eu')`);
        await s.target.exec(`UPDATE accounts SET balance = '99.00' WHERE id = 3`);
        await s.target.exec(`UPDATE accounts SET owner = 'gustav' WHERE id = 7`);

        const ran = await runClientScript(engine, s.targetUrl, file);
        expect(ran.code, ran.stderr).toBe(0);
        expect(ran.stdout).toContain(
          'rowback: inserted 1 of 2, updated 1 of 2, deleted 1 of 2; 3 row(s) skipped because they changed since this script was written',
        );
        expect(await dumpTable(s, scenario)).toEqual([
          row('1', 'ann', '11.00', 'eu'),
          source[2],
          row('3', 'cy', '99.00', 'eu'),
          source[4],
          source[5],
          source[6],
          row('7', 'gustav', '70.00', 'eu'),
        ]);
      });
    },
    TIMEOUT,
  );

  test(
    'stops having written nothing when a row to insert references a parent deleted since',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, CHILDREN);
        const file = await writeScript(s, CHILDREN);
        await s.target.exec('DELETE FROM parent WHERE id = 2');
        const before = await dumpTable(s, CHILDREN);

        const ran = await runClientScript(engine, s.targetUrl, file);
        expect(ran.code, ran.stderr).not.toBe(0);
        expect(ran.stderr).toContain(
          engine === 'postgres'
            ? 'rowback: rows to write into public.child reference public.parent rows that do not exist (child_parent); nothing was written'
            : engine === 'sqlite'
              ? 'CHECK constraint failed: rowback: a row to write references a missing parent; nothing was written'
              : "Column 'rowback: a row to write has no parent row; nothing was written' cannot be null",
        );
        expect(await dumpTable(s, CHILDREN)).toEqual(before);
        expect(before).toEqual([row('10', '1', 'a')]);
      });
    },
    TIMEOUT,
  );

  test(
    'stops having written nothing when a row to delete is referenced since (ON DELETE CASCADE would delete it too)',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, CUSTOMERS);
        const file = await writeScript(s, CUSTOMERS);
        await s.target.exec('INSERT INTO orders VALUES (101, 3)');
        const orders = { table: 'orders', orderBy: ['id'] };

        const ran = await runClientScript(engine, s.targetUrl, file);
        expect(ran.code, ran.stderr).not.toBe(0);
        expect(ran.stderr).toContain(
          engine === 'postgres'
            ? 'rowback: rows to delete from public.customers are referenced by rows of public.orders (orders_customer); rowback does not change other tables, so nothing was written'
            : engine === 'sqlite'
              ? 'CHECK constraint failed: rowback: a row to delete is referenced by another row; nothing was written'
              : "Column 'rowback: a row to delete is referenced elsewhere; none written' cannot be null",
        );
        expect(await dumpTable(s, CUSTOMERS)).toEqual([row('1', 'ann'), row('2', 'bob'), row('3', 'cy')]);
        expect(await dumpTable(s, orders)).toEqual([row('100', '1'), row('101', '3')]);
      });
    },
    TIMEOUT,
  );

  test(
    `takes the lock the apply takes: waits for a writer of the table for --lock-timeout, then stops having written nothing${engine === 'sqlite' ? " (SQLite: the file's write lock, run by the sqlite3 shell)" : ''}`,
    async () => {
      await withScratch(engine, async (s) => {
        const scenario = TAKE_SOURCE_DELETE;
        await prepareScenario(s, scenario);
        const file = await writeScript(s, scenario, '--lock-timeout', '1s');
        // Another session is writing the table and has not committed.
        await s.target.exec('BEGIN');
        await s.target.exec(`UPDATE accounts SET owner = 'helga' WHERE id = 8`);
        const ran = await runClientScript(engine, s.targetUrl, file);
        await s.target.exec('COMMIT');
        expect(ran.code, ran.stderr).not.toBe(0);
        const timedOut = {
          postgres: /lock timeout/,
          mysql: /Lock wait timeout/,
          sqlite: /database is locked/,
        };
        expect(ran.stderr).toMatch(timedOut[engine]);
        const meanwhile = [
          current[3],
          current[4],
          source[5],
          source[6],
          extra[7],
          row('8', 'helga', '80.00', 'us'),
        ];
        expect(await dumpTable(s, scenario)).toEqual(meanwhile);

        // Once the writer is done the same script runs, and leaves its later write alone.
        const again = await runClientScript(engine, s.targetUrl, file);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toContain('deleted 1 of 2; 1 row(s) skipped');
        expect(await dumpTable(s, scenario)).toEqual([
          ...Object.values(source),
          row('8', 'helga', '80.00', 'us'),
        ]);
      });
    },
    TIMEOUT,
  );
});
