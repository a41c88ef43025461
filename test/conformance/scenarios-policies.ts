import type { Scenario } from './scenarios.js';
import { MYSQL_TABLE, row } from './text.js';

/**
 * One dataset with two rows of each class: 1, 2 missing (deleted by the accident); 3, 4 changed since;
 * 5, 6 the same; 7, 8 extra (written since). Each policy combination, then a `--where` subset.
 */
const DDL = {
  postgres: [
    'CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2), region text)',
  ],
  mysql: [
    `CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(20) NOT NULL, balance DECIMAL(12,2),
       region varchar(2)) ${MYSQL_TABLE}`,
  ],
  // SQLite has no fixed-scale decimal: the balance is its text, as an application keeping cents exact would
  sqlite: ['CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance text, region text)'],
};

const SERVER_SEED = [
  `INSERT INTO accounts VALUES (1, 'ann', 10.00, 'eu'), (2, 'bob', 20.00, 'us'), (3, 'cy', 30.00, 'eu'),
     (4, 'di', 40.00, 'us'), (5, 'ed', 50.00, 'eu'), (6, 'flo', 60.00, 'us')`,
];

const SEED = {
  postgres: SERVER_SEED,
  mysql: SERVER_SEED,
  sqlite: [
    `INSERT INTO accounts VALUES (1, 'ann', '10.00', 'eu'), (2, 'bob', '20.00', 'us'), (3, 'cy', '30.00', 'eu'),
       (4, 'di', '40.00', 'us'), (5, 'ed', '50.00', 'eu'), (6, 'flo', '60.00', 'us')`,
  ],
};

const SERVER_ACCIDENT = [
  'DELETE FROM accounts WHERE id IN (1, 2)',
  'UPDATE accounts SET balance = balance + 1 WHERE id IN (3, 4)',
  `INSERT INTO accounts VALUES (7, 'gus', 70.00, 'eu'), (8, 'hal', 80.00, 'us')`,
];

const ACCIDENT = {
  postgres: SERVER_ACCIDENT,
  mysql: SERVER_ACCIDENT,
  sqlite: [
    'DELETE FROM accounts WHERE id IN (1, 2)',
    `UPDATE accounts SET balance = printf('%.2f', balance + 1) WHERE id IN (3, 4)`,
    `INSERT INTO accounts VALUES (7, 'gus', '70.00', 'eu'), (8, 'hal', '80.00', 'us')`,
  ],
};

const SOURCE = {
  1: row('1', 'ann', '10.00', 'eu'),
  2: row('2', 'bob', '20.00', 'us'),
  3: row('3', 'cy', '30.00', 'eu'),
  4: row('4', 'di', '40.00', 'us'),
  5: row('5', 'ed', '50.00', 'eu'),
  6: row('6', 'flo', '60.00', 'us'),
};
const CURRENT = { 3: row('3', 'cy', '31.00', 'eu'), 4: row('4', 'di', '41.00', 'us') };
const EXTRA = { 7: row('7', 'gus', '70.00', 'eu'), 8: row('8', 'hal', '80.00', 'us') };

const PLAN = { missing: 2, changed: 2, extra: 2, same: 2 };

function policyScenario(
  changed: 'keep-current' | 'take-source',
  extra: 'keep' | 'delete',
  applied: { inserted: number; updated: number; deleted: number },
  final: string[],
): Scenario {
  return {
    name: `inserts missing rows, ${changed === 'keep-current' ? 'keeps changed rows as they are now' : 'puts changed rows back'} and ${extra === 'keep' ? 'keeps' : 'deletes'} rows written since (--changed ${changed} --extra ${extra})`,
    table: 'accounts',
    orderBy: ['id'],
    ddl: DDL,
    seed: SEED,
    accident: ACCIDENT,
    options: { changed, extra },
    expect: { plan: PLAN, applied, final },
  };
}

/** Every class written (2 inserted, 2 updated, 2 deleted): the dataset the CLI and undo tests use. */
export const TAKE_SOURCE_DELETE = policyScenario(
  'take-source',
  'delete',
  { inserted: 2, updated: 2, deleted: 2 },
  Object.values(SOURCE),
);

export const POLICY_SCENARIOS: Scenario[] = [
  policyScenario('keep-current', 'keep', { inserted: 2, updated: 0, deleted: 0 }, [
    SOURCE[1],
    SOURCE[2],
    CURRENT[3],
    CURRENT[4],
    SOURCE[5],
    SOURCE[6],
    EXTRA[7],
    EXTRA[8],
  ]),
  policyScenario('take-source', 'keep', { inserted: 2, updated: 2, deleted: 0 }, [
    ...Object.values(SOURCE),
    EXTRA[7],
    EXTRA[8],
  ]),
  policyScenario('keep-current', 'delete', { inserted: 2, updated: 0, deleted: 2 }, [
    SOURCE[1],
    SOURCE[2],
    CURRENT[3],
    CURRENT[4],
    SOURCE[5],
    SOURCE[6],
  ]),
  TAKE_SOURCE_DELETE,
  {
    name: 'with --where restores only the rows the filter selects, on both sides',
    table: 'accounts',
    orderBy: ['id'],
    ddl: DDL,
    seed: SEED,
    accident: ACCIDENT,
    options: { changed: 'take-source', extra: 'delete', where: `region = 'eu'` },
    expect: {
      plan: { missing: 1, changed: 1, extra: 1, same: 1 },
      applied: { inserted: 1, updated: 1, deleted: 1 },
      final: [SOURCE[1], SOURCE[3], CURRENT[4], SOURCE[5], SOURCE[6], EXTRA[8]],
    },
  },
  {
    // MySQL: the source server runs with ANSI_QUOTES, where "eu" would be a column; the target's sql_mode
    // is pinned on both sides, so it is a string on both
    name: 'reads --where with the target session settings on both sides',
    table: 'accounts',
    orderBy: ['id'],
    ddl: DDL,
    seed: SEED,
    accident: ACCIDENT,
    options: {
      changed: 'take-source',
      where: {
        postgres: `region = 'eu' AND balance::text LIKE '%.00'`,
        mysql: 'region = "eu"',
        sqlite: `region = 'eu' AND balance LIKE '%.00'`,
      },
    },
    expect: {
      plan: { missing: 1, changed: 1, extra: 1, same: 1 },
      applied: { inserted: 1, updated: 1, deleted: 0 },
      final: [SOURCE[1], SOURCE[3], CURRENT[4], SOURCE[5], SOURCE[6], EXTRA[7], EXTRA[8]],
    },
  },
];

/** The policy dataset, for tests that need it outside the scenario table (CLI, dry-run, undo). */
export const ACCOUNTS = {
  ddl: DDL,
  seed: SEED,
  accident: ACCIDENT,
  source: SOURCE,
  current: CURRENT,
  extra: EXTRA,
};
