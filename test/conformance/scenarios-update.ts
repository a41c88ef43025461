import type { Statements } from './scenarios.js';
import { MYSQL_TABLE } from './text.js';

/**
 * The UPDATE without WHERE: `UPDATE accounts SET plan = 'free'` on the target, then the application goes on
 * writing — the same column again (2 upgraded, 5 upgraded and more seats), other columns (3's and 4's
 * seats, 6's owner), new rows (9 free, 10 team) and a row deleted (8). The source holds the table as it
 * was before the accident.
 */
export const UPDATE_DDL: Statements = {
  postgres: [
    'CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, plan text NOT NULL, seats int NOT NULL)',
  ],
  mysql: [
    `CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(20) NOT NULL, plan varchar(20) NOT NULL,
       seats int NOT NULL) ${MYSQL_TABLE}`,
  ],
  sqlite: [
    'CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, plan text NOT NULL, seats int NOT NULL)',
  ],
};

export const UPDATE_SEED: Statements = [
  `INSERT INTO accounts VALUES (1, 'ann', 'pro', 5), (2, 'bob', 'team', 3), (3, 'cy', 'free', 1),
     (4, 'dee', 'pro', 2), (5, 'eve', 'team', 4), (6, 'fay', 'pro', 1), (7, 'gus', 'team', 6), (8, 'hal', 'pro', 2)`,
];

export const UPDATE_ACCIDENT: Statements = [
  `UPDATE accounts SET plan = 'free'`,
  `UPDATE accounts SET plan = 'pro' WHERE id = 2`,
  'UPDATE accounts SET seats = 4 WHERE id = 3',
  'UPDATE accounts SET seats = 9 WHERE id = 4',
  `UPDATE accounts SET plan = 'pro', seats = 8 WHERE id = 5`,
  `UPDATE accounts SET owner = 'fay2' WHERE id = 6`,
  'DELETE FROM accounts WHERE id = 8',
  `INSERT INTO accounts VALUES (9, 'ivy', 'free', 1), (10, 'jo', 'team', 2)`,
];

/** The target just after the accident and the later writes (what undo must bring back). */
export const AFTER_ACCIDENT = [
  '1\tann\tfree\t5',
  '2\tbob\tpro\t3',
  '3\tcy\tfree\t4',
  '4\tdee\tfree\t9',
  '5\teve\tpro\t8',
  '6\tfay2\tfree\t1',
  '7\tgus\tfree\t6',
  '9\tivy\tfree\t1',
  '10\tjo\tteam\t2',
];

/**
 * `--columns plan --target-where "plan = 'free'"`: plan put back where it still reads 'free' (1, 4, 6, 7);
 * 2 and 5 were upgraded since and keep it; 3's plan was 'free' then too (only its seats changed: same);
 * every other column keeps its current value; 8 stays deleted (no current row); 9 and 10 stay.
 */
export const REPAIRED = [
  '1\tann\tpro\t5',
  '2\tbob\tpro\t3',
  '3\tcy\tfree\t4',
  '4\tdee\tpro\t9',
  '5\teve\tpro\t8',
  '6\tfay2\tpro\t1',
  '7\tgus\tteam\t6',
  '9\tivy\tfree\t1',
  '10\tjo\tteam\t2',
];

/** `--columns plan` alone: every plan differing is put back (2 and 5 too), 8 is inserted whole. */
export const COLUMNS_ONLY = [
  '1\tann\tpro\t5',
  '2\tbob\tteam\t3',
  '3\tcy\tfree\t4',
  '4\tdee\tpro\t9',
  '5\teve\tteam\t8',
  '6\tfay2\tpro\t1',
  '7\tgus\tteam\t6',
  '8\thal\tpro\t2',
  '9\tivy\tfree\t1',
  '10\tjo\tteam\t2',
];

export const ORDER_BY = ['id'];
