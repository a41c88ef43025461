import { describe, expect, it } from 'vitest';
import { type Dialect, type GuardResult, guardStatements } from '../../src/console/guard.js';

/** Each statement's verdict, in a short form: `refuse t1,t2: reason`, `write t`, `run`, `begin`, … */
async function verdicts(sql: string, dialect: Dialect): Promise<string[] | string> {
  const result: GuardResult = await guardStatements(sql, dialect);
  if ('error' in result) return `error at ${result.error.line}:${result.error.column}`;
  return result.statements.map(({ verdict }) => {
    switch (verdict.kind) {
      case 'refuse':
        return `refuse ${verdict.tables.join(',')}: ${verdict.reason}`;
      case 'write':
        return `write ${verdict.tables.join(',')}`;
      case 'transaction':
        return verdict.action;
      case 'unknown':
        return `unknown ${verdict.what}`;
      default:
        return verdict.kind;
    }
  });
}

const ALL: Dialect[] = ['postgres', 'mysql', 'mariadb', 'sqlite'];

/** Statements every engine reads the same way. */
const COMMON: [string, string[]][] = [
  ['DELETE FROM t;', ['refuse t: DELETE without a WHERE']],
  ['delete from t', ['refuse t: DELETE without a WHERE']],
  ['DELETE FROM t WHERE id = 3', ['write t']],
  ['DELETE FROM t WHERE 1=1', ['refuse t: DELETE whose WHERE is always true']],
  ['DELETE FROM t WHERE 1 = 1 AND 2 > 1', ['refuse t: DELETE whose WHERE is always true']],
  ['DELETE FROM t WHERE id = 3 OR 1=1', ['refuse t: DELETE whose WHERE is always true']],
  ['DELETE FROM t WHERE id = 3 AND 1=1', ['write t']],
  ['DELETE FROM t WHERE true', ['refuse t: DELETE whose WHERE is always true']],
  ['DELETE FROM t WHERE NOT false', ['refuse t: DELETE whose WHERE is always true']],
  ['DELETE FROM t WHERE 1 IS NOT NULL', ['refuse t: DELETE whose WHERE is always true']],
  ['DELETE FROM t WHERE false', ['write t']],
  ['DELETE FROM t WHERE 1 = 0', ['write t']],
  ["DELETE FROM t WHERE 'a' = 'a'", ['refuse t: DELETE whose WHERE does not depend on the row']],
  ['DELETE FROM t WHERE id IN (SELECT id FROM u)', ['write t']],
  ['UPDATE t SET a = 1', ['refuse t: UPDATE without a WHERE']],
  ['UPDATE t SET a = 1 WHERE true', ['refuse t: UPDATE whose WHERE is always true']],
  ['UPDATE t SET a = 1 WHERE id = 2', ['write t']],
  ['TRUNCATE t', ['refuse t: TRUNCATE']],
  ['TRUNCATE TABLE t', ['refuse t: TRUNCATE']],
  ['DROP TABLE t', ['refuse t: DROP TABLE']],
  ['DROP TABLE IF EXISTS t', ['refuse t: DROP TABLE']],
  ['INSERT INTO t VALUES (1)', ['write t']],
  ['SELECT * FROM t', ['run']],
  ["SELECT 'DELETE FROM t;'", ['run']],
  ['CREATE TABLE t2 (id int PRIMARY KEY)', ['run']],
  ['BEGIN', ['begin']],
  ['COMMIT', ['commit']],
  ['ROLLBACK', ['rollback']],
  // Comments and literals do not hide a statement, nor make one.
  ['/* harmless */ DELETE FROM t', ['refuse t: DELETE without a WHERE']],
  ['-- a note\nDELETE FROM t', ['refuse t: DELETE without a WHERE']],
  ['DELETE FROM t -- WHERE id = 3', ['refuse t: DELETE without a WHERE']],
  ['DELETE FROM t /* WHERE id = 3 */', ['refuse t: DELETE without a WHERE']],
  ["SELECT ';'; DELETE FROM t", ['run', 'refuse t: DELETE without a WHERE']],
  ["DELETE FROM t WHERE a = 'x;y'", ['write t']],
  ["DELETE FROM t WHERE a = 'it''s'; SELECT 1", ['write t', 'run']],
  [
    'SELECT 1; DELETE FROM t WHERE id = 1; DELETE FROM u;',
    ['run', 'write t', 'refuse u: DELETE without a WHERE'],
  ],
  ['DELETE FROM t WHERE (id = 1)', ['write t']],
];

describe.each(ALL)('the statement guard on %s', (dialect) => {
  it.each(COMMON)('%s', async (sql, expected) => {
    expect(await verdicts(sql, dialect)).toEqual(expected);
  });

  it('stops at SQL no grammar reads, at the place it stopped, and sorts nothing', async () => {
    const result = await guardStatements('SELECT 1;\nDELETE FRM t WHERE id = 1;', dialect);
    expect('error' in result && result.error.line).toBe(2);
    expect('error' in result && result.error.message.length > 0).toBe(true);
  });

  it('takes blank input and lone comments as nothing to run', async () => {
    expect(await verdicts(' ; -- nothing\n', dialect)).toEqual([]);
  });
});

describe('PostgreSQL syntax', () => {
  const cases: [string, string[]][] = [
    ['DELETE FROM "my;table"', ['refuse my;table: DELETE without a WHERE']],
    ['DELETE FROM public.t USING u WHERE t.id = u.id', ['write public.t']],
    ['DELETE FROM t USING u', ['refuse t: DELETE without a WHERE']],
    ['UPDATE t SET a = u.a FROM u WHERE t.id = u.id', ['write t']],
    ['UPDATE t SET a = u.a FROM u', ['refuse t: UPDATE without a WHERE']],
    [
      'WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone',
      ['refuse t: DELETE without a WHERE'],
    ],
    ['WITH gone AS (DELETE FROM t WHERE id < 5 RETURNING *) SELECT * FROM gone', ['write t']],
    ['EXPLAIN ANALYZE DELETE FROM t', ['refuse t: DELETE without a WHERE']],
    ["DELETE FROM t WHERE 't'::boolean", ['refuse t: DELETE whose WHERE is always true']],
    ['DELETE FROM t WHERE CURRENT OF c', ['write t']],
    [
      "DELETE FROM t WHERE now() > now() - interval '1 day'",
      ['refuse t: DELETE whose WHERE does not depend on the row'],
    ],
    ['SELECT $$DELETE FROM t;$$; DELETE FROM t', ['run', 'refuse t: DELETE without a WHERE']],
    ["SELECT E'\\';DELETE FROM t'", ['run']],
    ['TRUNCATE a, b', ['refuse a,b: TRUNCATE']],
    ['DROP TABLE a, s.b', ['refuse a,s.b: DROP TABLE']],
    ['DROP DATABASE shop', ['refuse shop: DROP DATABASE']],
    ['DROP SCHEMA s CASCADE', ['refuse s: DROP SCHEMA']],
    ['DROP INDEX i', ['unknown DROP INDEX']],
    ['ALTER TABLE t DROP COLUMN a', ['unknown AlterTable']],
    ['START TRANSACTION', ['begin']],
    ['SAVEPOINT a', ['other']],
    ['SELECT pg_sleep(1)', ['run']],
    ['COPY t FROM STDIN', ['write t']],
    ['/* nested /* comment; */ still */ DELETE FROM t', ['refuse t: DELETE without a WHERE']],
  ];
  it.each(cases)('%s', async (sql, expected) => {
    expect(await verdicts(sql, 'postgres')).toEqual(expected);
  });
});

describe.each(['mysql', 'mariadb'] as const)('MySQL syntax on %s', (dialect) => {
  const cases: [string, string[]][] = [
    ['DELETE FROM `my;table`', ['refuse my;table: DELETE without a WHERE']],
    ['DELETE FROM t WHERE 1', ['refuse t: DELETE whose WHERE is always true']],
    ['DELETE FROM t WHERE 1 LIMIT 5', ['refuse t: DELETE whose WHERE is always true']],
    ['DELETE FROM t WHERE id > 3 ORDER BY id LIMIT 2', ['write t']],
    ['DELETE FROM t LIMIT 5', ['refuse t: DELETE without a WHERE']],
    ['DELETE t FROM t JOIN u ON t.id = u.id', ['refuse t: DELETE without a WHERE']],
    ['DELETE t FROM t JOIN u ON t.id = u.id WHERE u.gone = 1', ['write t']],
    ['UPDATE t JOIN u ON t.id = u.id SET t.a = u.a', ['refuse t,u: UPDATE without a WHERE']],
    ['UPDATE t, u SET t.a = u.a WHERE t.id = u.id', ['write t,u']],
    ["DELETE FROM t WHERE a = 'x\\';DELETE FROM t'", ['write t']],
    ['# a note\nDELETE FROM t', ['refuse t: DELETE without a WHERE']],
    ['DELETE FROM shop.t', ['refuse shop.t: DELETE without a WHERE']],
    ['REPLACE INTO t VALUES (1)', ['write t']],
    ['DROP DATABASE shop', ['refuse shop: DROP DATABASE']],
    ['DROP SCHEMA shop', ['refuse shop: DROP SCHEMA']],
    ['START TRANSACTION', ['begin']],
    ['SHOW TABLES', ['run']],
    ['DESCRIBE t', ['run']],
    ['SELECT SLEEP(1)', ['run']],
    ['ALTER TABLE t DROP COLUMN a', ['unknown ALTER']],
    ['SAVEPOINT a', ['other']],
    ['EXPLAIN DELETE FROM t', ['run']],
    ['DELETE QUICK FROM t WHERE id = 1', ['write t']],
    ['DELETE QUICK FROM t', ['refuse t: DELETE without a WHERE']],
    ['EXPLAIN ANALYZE DELETE FROM t', ['unknown EXPLAIN ANALYZE']],
    ['ANALYZE DELETE FROM t', ['unknown ANALYZE']],
  ];
  it.each(cases)('%s', async (sql, expected) => {
    expect(await verdicts(sql, dialect)).toEqual(expected);
  });
});

describe('SQLite syntax', () => {
  const cases: [string, string[]][] = [
    ['DELETE FROM "my;table"', ['refuse my;table: DELETE without a WHERE']],
    ['DELETE FROM t WHERE 1', ['refuse t: DELETE whose WHERE is always true']],
    ['DELETE FROM t WHERE id > 3 LIMIT 2', ['write t']],
    ['UPDATE t SET a = u.a FROM u WHERE t.id = u.id', ['write t']],
    ['UPDATE t SET a = u.a FROM u', ['refuse t: UPDATE without a WHERE']],
    ['DELETE FROM t RETURNING *', ['refuse t: DELETE without a WHERE']],
    ['DELETE FROM t WHERE id = 1 RETURNING *', ['write t']],
    ["DELETE FROM t WHERE a = 'x' || 'y'", ['write t']],
    ['PRAGMA table_info(t)', ['run']],
    ['PRAGMA foreign_keys = off', ['unknown PRAGMA']],
    ['SAVEPOINT a', ['other']],
    ['BEGIN IMMEDIATE', ['begin']],
    ['BEGIN EXCLUSIVE TRANSACTION', ['begin']],
    ['END', ['commit']],
    ["INSERT OR REPLACE INTO t VALUES (1, 'a')", ['write t']],
    ["INSERT INTO t VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = excluded.name", ['write t']],
    ["ATTACH DATABASE 'x.db' AS y", ['unknown ATTACH']],
  ];
  it.each(cases)('%s', async (sql, expected) => {
    expect(await verdicts(sql, 'sqlite')).toEqual(expected);
  });
});
