import type { Scenario } from './scenarios.js';
import { MYSQL_TABLE, N, row } from './text.js';
import { FLOAT_SCENARIO } from './values-floats.js';
import { MYSQL_STORED, MYSQL_VALUES } from './values-mysql.js';

/**
 * The value matrix: every awkward value each engine has, restored byte for byte, once through the path taken
 * after `DELETE` without `WHERE` (the target holds none of the source keys) and once through staging and
 * planning (some rows deleted, one changed, one written since).
 */

export const PG_DDL = [
  `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
  `CREATE TABLE vals (id int PRIMARY KEY, big bigint, num numeric(38,10), anynum numeric, ts timestamptz,
     d date, t time, iv interval, b bytea, j json, jb jsonb, arr int[], tarr text[], m mood, u uuid, txt text,
     f8 double precision, f4 real)`,
];

export const PG_SEED = [
  String.raw`INSERT INTO vals VALUES
   (1, 9007199254740993, 1234567890123456789012345678.0123456789, 'NaN', '2026-03-01 12:34:56.123456+02',
    '2026-02-28', '23:59:59.999999', '1 year 2 mons 3 days 04:05:06.789', '\x00ff005c0a09'::bytea,
    '{"b": 1,  "a": [1, 2]}', '{"b": 1,  "a": [1, 2]}', ARRAY[1, NULL, 3], ARRAY['a b', NULL, 'c"d', ''],
    'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', E'tab\there\nnew\\back\r ü 😀', '-0', 'NaN'),
   (2, -9223372036854775808, -0.0000000001, 'Infinity', 'infinity', '-infinity', '00:00:00', '-1 days',
    '\x'::bytea, 'null', '"x"', '{}', '{}', 'sad', '00000000-0000-0000-0000-000000000000', '',
    'Infinity', '-Infinity'),
   (3, 9223372036854775807, 0, -0.5, '1999-12-31 23:59:59.000001+00', '0001-01-01', '12:00', '00:00:00.000001',
    '\x00'::bytea, '[]', '{}', '{NULL}', '{NULL}', 'ok', 'ffffffff-ffff-ffff-ffff-ffffffffffff', E'\\N',
    0.1, 0.1),
   (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
];

/** The seed as `dump` prints it (COPY text: `\\` is one backslash, `\t` a tab). */
const PG_LINES = [
  row(
    '1',
    '9007199254740993',
    '1234567890123456789012345678.0123456789',
    'NaN',
    '2026-03-01 10:34:56.123456+00',
    '2026-02-28',
    '23:59:59.999999',
    '1 year 2 mons 3 days 04:05:06.789',
    String.raw`\\x00ff005c0a09`,
    '{"b": 1,  "a": [1, 2]}',
    '{"a": [1, 2], "b": 1}',
    '{1,NULL,3}',
    String.raw`{"a b",NULL,"c\\"d",""}`,
    'happy',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    String.raw`tab\there\nnew\\back\r ü 😀`,
    '-0',
    'NaN',
  ),
  row(
    '2',
    '-9223372036854775808',
    '-0.0000000001',
    'Infinity',
    'infinity',
    '-infinity',
    '00:00:00',
    '-1 days',
    String.raw`\\x`,
    'null',
    '"x"',
    '{}',
    '{}',
    'sad',
    '00000000-0000-0000-0000-000000000000',
    '',
    'Infinity',
    '-Infinity',
  ),
  row(
    '3',
    '9223372036854775807',
    '0.0000000000',
    '-0.5',
    '1999-12-31 23:59:59.000001+00',
    '0001-01-01',
    '12:00:00',
    '00:00:00.000001',
    String.raw`\\x00`,
    '[]',
    '{}',
    '{NULL}',
    '{NULL}',
    'ok',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    String.raw`\\N`,
    '0.1',
    '0.1',
  ),
  row('4', ...Array<string>(17).fill(N)),
];

const PG_EXTRA_LINE = row('9', ...Array<string>(14).fill(N), 'written since', N, N);

const PARTIAL_ACCIDENT = {
  postgres: [
    'DELETE FROM vals WHERE id IN (1, 2)',
    `UPDATE vals SET txt = 'edited' WHERE id = 3`,
    `INSERT INTO vals (id, txt) VALUES (9, 'written since')`,
  ],
  mysql: [
    'DELETE FROM vals WHERE id IN (1, 2)',
    `UPDATE vals SET txt = 'edited' WHERE id = 3`,
    `INSERT INTO vals (id, txt) VALUES (9, 'written since')`,
  ],
};

/** PostgreSQL's nearest types to MYSQL_STORED's. */
const PG_STORED = {
  ddl: [
    `CREATE TABLE bits (id int PRIMARY KEY, b1 bit(1), b64 bit varying(64), g point, tm3 time(3), dt2 timestamp(2),
       ts4 timestamptz(4), dc numeric(5,2), d0 numeric(65,0), y smallint, lat varchar(200) COLLATE "C",
       u3 varchar(20) COLLATE "C", cb char(5) COLLATE "C", bn bytea)`,
  ],
  seed: [
    `INSERT INTO bits VALUES
     (1, B'1', B'1111111111111111111111111111111111111111111111111111111111111111', '(1,-0)', '23:59:59.999',
      '9999-12-31 23:59:59.99', '2038-01-19 03:14:07.9999+00', 999.99,
      99999999999999999999999999999999999999999999999999999999999999999, 0, 'Grüße ÿ', 'ÿ€✓', 'a  ', '\\x000000'),
     (2, B'0', B'0', '(0,0)', '00:00:00.001', '1000-01-01 00:00:00.01', '1970-01-01 00:00:01.0001+00', -0.01, -1,
      1901, 'A', 'a', ' a', '\\x0a'),
     (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     (4, B'0', NULL, NULL, NULL, NULL, NULL, 1.5, 0, 2155, 'abc', 'ABC', 'a', NULL)`,
  ],
  stored: {
    sql: 'SELECT id, float8send(g[0]), float8send(g[1]) FROM bits ORDER BY id',
    lines: [
      row('1', String.raw`\\x3ff0000000000000`, String.raw`\\x8000000000000000`),
      row('2', String.raw`\\x0000000000000000`, String.raw`\\x0000000000000000`),
      row('3', N, N),
      row('4', N, N),
      row('9', N, N),
    ],
  },
  lines: [
    row(
      '1',
      '1',
      '1'.repeat(64),
      '(1,-0)',
      '23:59:59.999',
      '9999-12-31 23:59:59.99',
      '2038-01-19 03:14:07.9999+00',
      '999.99',
      '9'.repeat(65),
      '0',
      'Grüße ÿ',
      'ÿ€✓',
      'a    ',
      String.raw`\\x000000`,
    ),
    row(
      '2',
      '0',
      '0',
      '(0,0)',
      '00:00:00.001',
      '1000-01-01 00:00:00.01',
      '1970-01-01 00:00:01.0001+00',
      '-0.01',
      '-1',
      '1901',
      'A',
      'a',
      ' a   ',
      String.raw`\\x0a`,
    ),
    row('3', ...Array<string>(13).fill(N)),
    row('4', '0', N, N, N, N, N, '1.50', '0', '2155', 'abc', 'ABC', 'a    ', N),
    row('9', ...Array<string>(10).fill(N), 'written since', N, N),
  ],
};

/** Why the PostgreSQL and MySQL type matrices do not run on SQLite. */
const SQLITE_VALUES =
  'SQLite has none of these types: its storage classes are restored bit for bit by test/engines/sqlite/restore.test.ts';

export const VALUE_SCENARIOS: Scenario[] = [
  FLOAT_SCENARIO,
  {
    name: 'restores bits, spatial values, fractional seconds, decimal scales and binary-collated text byte for byte',
    notOn: { sqlite: SQLITE_VALUES },
    table: 'bits',
    orderBy: ['id'],
    ddl: { postgres: PG_STORED.ddl, mysql: MYSQL_STORED.ddl },
    seed: { postgres: PG_STORED.seed, mysql: MYSQL_STORED.seed },
    accident: MYSQL_STORED.accident,
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 1, changed: 2, extra: 1, same: 1 },
      applied: { inserted: 1, updated: 2, deleted: 0 },
      final: { postgres: PG_STORED.lines, mysql: MYSQL_STORED.lines },
      stored: { postgres: PG_STORED.stored, mysql: MYSQL_STORED.stored },
    },
  },
  {
    name: 'restores every value type byte for byte after a DELETE without WHERE',
    notOn: { sqlite: SQLITE_VALUES },
    table: 'vals',
    orderBy: ['id'],
    ddl: { postgres: PG_DDL, mysql: MYSQL_VALUES.ddl },
    seed: { postgres: PG_SEED, mysql: MYSQL_VALUES.seed },
    accident: ['DELETE FROM vals'],
    expect: {
      plan: { missing: 4, changed: 0, extra: 0, same: 0 },
      applied: { inserted: 4, updated: 0, deleted: 0 },
      final: { postgres: PG_LINES, mysql: MYSQL_VALUES.lines },
    },
  },
  {
    name: 'restores every value type byte for byte through staging, keeping a row written since',
    notOn: { sqlite: SQLITE_VALUES },
    table: 'vals',
    orderBy: ['id'],
    ddl: { postgres: PG_DDL, mysql: MYSQL_VALUES.ddl },
    seed: { postgres: PG_SEED, mysql: MYSQL_VALUES.seed },
    accident: PARTIAL_ACCIDENT,
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 2, changed: 1, extra: 1, same: 1 },
      applied: { inserted: 2, updated: 1, deleted: 0 },
      final: {
        postgres: [...PG_LINES, PG_EXTRA_LINE],
        mysql: [...MYSQL_VALUES.lines, MYSQL_VALUES.extraLine],
      },
    },
  },
  {
    name: 'calls a row changed when its text differs even where the type calls the values equal',
    table: 'texts',
    orderBy: ['id'],
    ddl: {
      postgres: ['CREATE TABLE texts (id int PRIMARY KEY, n numeric, f float8, j json, jb jsonb, t text)'],
      // untyped columns keep a value's storage class; a REAL column stores an integer as a real
      sqlite: ['CREATE TABLE texts (id INTEGER PRIMARY KEY, x, z, r REAL, t TEXT COLLATE NOCASE, u TEXT)'],
      mysql: [
        `CREATE TABLE texts (id int PRIMARY KEY, n DECIMAL(10,2), v VARCHAR(10), j JSON, t TEXT)
           ${MYSQL_TABLE}`,
      ],
    },
    seed: {
      postgres: [
        `INSERT INTO texts SELECT i, 1.0, 0, '{"a":1}', '{"a":1}', CASE WHEN i = 5 THEN NULL ELSE 'a' END
           FROM generate_series(1, 5) AS i`,
      ],
      mysql: [
        `INSERT INTO texts VALUES (1, 1.5, 'a', '{"a":1}', 'a'), (2, 1.5, 'a', '{"a":1}', 'a'),
           (3, 1.5, 'a', '{"a":1}', 'a'), (4, 1.5, 'a', '{"a":1}', 'a'), (5, 1.5, 'a', '{"a":1}', NULL)`,
      ],
      sqlite: [
        `INSERT INTO texts VALUES (1, 1, 0.0, 0.0, 'a', 'a'), (2, 1, 0.0, 0.0, 'a', 'a'), (3, 1, 0.0, 0.0, 'a', 'a'),
           (4, 1, 0.0, 0.0, 'a', 'a'), (5, 1, 0.0, 0.0, 'a', NULL)`,
      ],
    },
    accident: {
      // numeric 1.0 = 1.00, float 0 = -0, json spacing; jsonb normalises its text, so row 4 stays the same
      postgres: [
        'UPDATE texts SET n = 1.00 WHERE id = 1',
        `UPDATE texts SET f = '-0' WHERE id = 2`,
        `UPDATE texts SET j = '{"a": 1}' WHERE id = 3`,
        `UPDATE texts SET jb = '{ "a" : 1 }' WHERE id = 4`,
        `UPDATE texts SET t = '' WHERE id = 5`,
      ],
      // PAD SPACE and case-insensitive collations call 'a ' and 'A' equal to 'a'; DECIMAL(10,2) stores 1.50
      mysql: [
        `UPDATE texts SET v = 'a ' WHERE id = 1`,
        `UPDATE texts SET v = 'A' WHERE id = 2`,
        `UPDATE texts SET j = '{"a": 1}' WHERE id = 3`,
        'UPDATE texts SET n = 1.500 WHERE id = 4',
        `UPDATE texts SET t = '' WHERE id = 5`,
      ],
      // integer 1 = real 1.0, 0.0 = -0.0, NOCASE calls 'A' equal to 'a'; the REAL column stores 0 as 0.0
      sqlite: [
        'UPDATE texts SET x = 1.0 WHERE id = 1',
        'UPDATE texts SET z = -0.0 WHERE id = 2',
        `UPDATE texts SET t = 'A' WHERE id = 3`,
        'UPDATE texts SET r = 0 WHERE id = 4',
        `UPDATE texts SET u = '' WHERE id = 5`,
      ],
    },
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 0, changed: 4, extra: 0, same: 1 },
      applied: { inserted: 0, updated: 4, deleted: 0 },
      final: {
        postgres: [1, 2, 3, 4, 5].map((i) =>
          row(String(i), '1.0', '0', '{"a":1}', '{"a": 1}', i === 5 ? N : 'a'),
        ),
        mysql: [1, 2, 3, 4, 5].map((i) => row(String(i), '1.50', 'a', '{"a":1}', i === 5 ? N : 'a')),
        sqlite: [1, 2, 3, 4, 5].map((i) => row(String(i), '1', '0.0', '0.0', 'a', i === 5 ? N : 'a')),
      },
      stored: {
        sqlite: {
          sql: 'SELECT id, typeof(x), atan2(z, -1) > 0, typeof(r) FROM texts ORDER BY id',
          lines: [1, 2, 3, 4, 5].map((i) => row(String(i), 'integer', '1', 'real')),
        },
      },
    },
  },
];
