import type { Scenario } from './scenarios.js';
import { MYSQL_TABLE, N, row } from './text.js';

/**
 * Floating-point values to the last bit. MySQL's text protocol prints FLOAT with 6 significant digits
 * (16777217 reads back as 16777200, 123456792 and 123456800 both as 123457000) and FLOAT(M,D), DOUBLE(M,D) and
 * ZEROFILL columns in their own layout, so a copy through the text loses bits and "changed" misses a change
 * in the last bit. Extremes: the largest, smallest normal and smallest subnormal float and double, 0.1, -0
 * (MariaDB stores it as 0). The dump reads MySQL floats from their stored bits (see `SqlClient.floats`);
 * PostgreSQL prints the shortest exact text (extra_float_digits=3), and `stored` compares the bits.
 */

const MYSQL_DDL = [
  `CREATE TABLE floats (id int PRIMARY KEY, f FLOAT, f7 FLOAT(7,3), fp FLOAT(30), d DOUBLE, d6 DOUBLE(20,6),
     fz FLOAT UNSIGNED ZEROFILL) ${MYSQL_TABLE}`,
];

const PG_DDL = [
  `CREATE TABLE floats (id int PRIMARY KEY, f real, f7 real, fp double precision, d double precision,
     d6 double precision, fz real)`,
];

const SEED = [
  `INSERT INTO floats VALUES
   (1, 16777217, -12.345, 0.1, 1.7976931348623157e308, 12345678901234.123456, 16777216),
   (2, 21.991102, 999.999, 1e300, -2.2250738585072014e-308, -0.000001, 0.1),
   (3, 3.4028234e38, 0.001, -5e-324, 0.30000000000000004, 1.5, 1.4e-45),
   (4, -1.17549435e-38, NULL, 123456789012345680000, 5e-324, NULL, 3.4028234e38),
   (5, 123456789, -0.5, '-0', 1e15, 0, 0),
   (6, NULL, NULL, NULL, NULL, NULL, NULL)`,
];

/** Rows 1 and 2 deleted; 3, 4 and 5 moved by one bit each; 9 written since. */
const ACCIDENT = [
  'DELETE FROM floats WHERE id IN (1, 2)',
  // the float just below the largest; the double just above the smallest subnormal; the next float up
  'UPDATE floats SET f = 3.4028233e38 WHERE id = 3',
  'UPDATE floats SET d = 1e-323 WHERE id = 4',
  'UPDATE floats SET f = 123456800 WHERE id = 5',
  'INSERT INTO floats (id, f) VALUES (9, 0.5)',
];

const MYSQL_LINES = [
  row('1', '16777216', '-12.345', '0.1', '1.7976931348623157e+308', '12345678901234.123', '16777216'),
  // DOUBLE(20,6) rounds -0.000001 with double arithmetic: the stored double is not the one nearest -1e-6
  row('2', '21.991102', '999.999', '1e+300', '-2.2250738585072014e-308', '-0.0000010000000000287557', '0.1'),
  row('3', '3.4028235e+38', '0.001', '-5e-324', '0.30000000000000004', '1.5', '1e-45'),
  row('4', '-1.1754944e-38', N, '123456789012345680000', '5e-324', N, '3.4028235e+38'),
  row('5', '123456790', '-0.5', '0', '1000000000000000', '0', '0'),
  row('6', N, N, N, N, N, N),
];

const PG_LINES = [
  row(
    '1',
    '1.6777216e+07',
    '-12.345',
    '0.1',
    '1.7976931348623157e+308',
    '12345678901234.123',
    '1.6777216e+07',
  ),
  row('2', '21.991102', '999.999', '1e+300', '-2.2250738585072014e-308', '-1e-06', '0.1'),
  row('3', '3.4028235e+38', '0.001', '-5e-324', '0.30000000000000004', '1.5', '1e-45'),
  row('4', '-1.1754944e-38', N, '1.2345678901234568e+20', '5e-324', N, '3.4028235e+38'),
  row('5', '1.2345679e+08', '-0.5', '-0', '1e+15', '0', '0'),
  row('6', N, N, N, N, N, N),
];

/** The stored bits of the columns whose text the accident left alike (PostgreSQL: float4send/float8send). */
const PG_STORED = {
  sql: 'SELECT id, float4send(f), float8send(d), float4send(fz) FROM floats ORDER BY id',
  lines: [
    row('1', '\\\\x4b800000', '\\\\x7fefffffffffffff', '\\\\x4b800000'),
    row('2', '\\\\x41afedc7', '\\\\x8010000000000000', '\\\\x3dcccccd'),
    row('3', '\\\\x7f7fffff', '\\\\x3fd3333333333334', '\\\\x00000001'),
    row('4', '\\\\x80800000', '\\\\x0000000000000001', '\\\\x7f7fffff'),
    row('5', '\\\\x4ceb79a3', '\\\\x430c6bf526340000', '\\\\x00000000'),
    row('6', N, N, N),
    row('9', '\\\\x3f000000', N, N),
  ],
};

export const FLOAT_SCENARIO: Scenario = {
  name: 'restores floating-point values to the last bit and calls a one-bit change changed',
  notOn: {
    sqlite:
      'float4 and FLOAT(M,D) have no SQLite counterpart: SQLite reals are restored to the bit by test/engines/sqlite/restore.test.ts',
  },
  table: 'floats',
  orderBy: ['id'],
  ddl: { postgres: PG_DDL, mysql: MYSQL_DDL },
  seed: SEED,
  accident: ACCIDENT,
  options: { changed: 'take-source' },
  expect: {
    plan: { missing: 2, changed: 3, extra: 1, same: 1 },
    applied: { inserted: 2, updated: 3, deleted: 0 },
    final: {
      postgres: [...PG_LINES.slice(0, 6), row('9', '0.5', N, N, N, N, N)],
      mysql: [...MYSQL_LINES.slice(0, 6), row('9', '0.5', N, N, N, N, N)],
    },
    stored: { postgres: PG_STORED },
  },
};
