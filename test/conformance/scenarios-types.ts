import type { Scenario } from './scenarios.js';
import { MYSQL_TABLE, N, row } from './text.js';

/**
 * The less common types: PostgreSQL geometry (box `=` compares areas), money, ranges, network types, xml,
 * tsvector, domains and composites; MySQL spatial values, CHAR padding, and a TIMESTAMP with
 * ON UPDATE CURRENT_TIMESTAMP, which an UPDATE that does not set it explicitly would overwrite.
 */
export const TYPE_SCENARIOS: Scenario[] = [
  {
    name: 'restores the less common types exactly, and calls a value changed when only its text differs',
    notOn: { sqlite: 'PostgreSQL and MySQL types (domains, enums, ranges, sets) that SQLite lacks' },
    table: 'more',
    orderBy: ['id'],
    ddl: {
      postgres: [
        'CREATE DOMAIN short_code AS text CHECK (length(VALUE) <= 5)',
        'CREATE TYPE pair AS (a int, b text)',
        `CREATE TABLE more (id int PRIMARY KEY, ts timestamp(6), tz timetz, bx box, pt point, m money, r tstzrange,
           ir int4range, ip inet, net cidr, mac macaddr, bits bit varying(12), x xml, tsv tsvector, dom short_code,
           comp pair, b boolean, c char(5), i2 smallint, f4 real)`,
      ],
      mysql: [
        `CREATE TABLE more (id int PRIMARY KEY, pt POINT, g GEOMETRY, b BOOL, mi MEDIUMINT UNSIGNED, c CHAR(5),
           v VARCHAR(10), lu TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
           ti TINYINT, f FLOAT, dbl DOUBLE, lt LONGTEXT, u CHAR(36) CHARACTER SET ascii) ${MYSQL_TABLE}`,
      ],
    },
    seed: {
      postgres: [
        `INSERT INTO more VALUES
         (1, '2026-03-01 12:34:56.123456', '12:00:00.5+02', '((0,0),(1,1))', '(1.5,-2)', 1234.5,
          '[2026-01-01 00:00+02,2026-02-01 00:00+02)', '[1,5)', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',
          B'1010', '<a x="1">t</a>', 'the quick brown fox', 'ab', ROW(1, 'x y'), true, 'ab', -32768, 3.4028235e38),
         (2, '0001-01-01 00:00:00', '00:00:00-12', '((2,0.5),(0,0))', '(0,0)', -0.01, 'empty', '(,)', '::1', '::/0',
          'ff:ff:ff:ff:ff:ff', B'', '', '', '', ROW(NULL, NULL), false, '', 32767, 1e-45)`,
      ],
      mysql: [
        `INSERT INTO more VALUES
         (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('LINESTRING(0 0,1 1.5)'), TRUE, 16777215, 'ab  ', 'ab  ',
          '2001-02-03 04:05:06.000007', -128, 3.40282e38, -2.2250738585072014e-308, REPEAT('x', 10),
          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
         (2, ST_GeomFromText('POINT(0 0)'), NULL, FALSE, 0, '', '', '2038-01-19 03:14:07.999999', 127, -0.5,
          1.7976931348623157e308, '', '')`,
      ],
    },
    accident: {
      // same area, so box = calls the two equal; the text differs
      postgres: ['DELETE FROM more WHERE id = 1', `UPDATE more SET bx = '((1,1),(0,0))' WHERE id = 2`],
      // the UPDATE also moves lu to now, through ON UPDATE CURRENT_TIMESTAMP
      mysql: ['DELETE FROM more WHERE id = 1', 'UPDATE more SET ti = 0 WHERE id = 2'],
    },
    options: { changed: 'take-source' },
    expect: {
      plan: { missing: 1, changed: 1, extra: 0, same: 0 },
      applied: { inserted: 1, updated: 1, deleted: 0 },
      final: {
        postgres: [
          row(
            '1',
            '2026-03-01 12:34:56.123456',
            '12:00:00.5+02',
            '(1,1),(0,0)',
            '(1.5,-2)',
            '$1,234.50',
            '["2025-12-31 22:00:00+00","2026-01-31 22:00:00+00")',
            '[1,5)',
            '192.168.0.1/24',
            '10.0.0.0/8',
            '08:00:2b:01:02:03',
            '1010',
            '<a x="1">t</a>',
            `'brown' 'fox' 'quick' 'the'`,
            'ab',
            '(1,"x y")',
            't',
            'ab   ',
            '-32768',
            '3.4028235e+38',
          ),
          row(
            '2',
            '0001-01-01 00:00:00',
            '00:00:00-12',
            '(2,0.5),(0,0)',
            '(0,0)',
            '-$0.01',
            'empty',
            '(,)',
            '::1',
            '::/0',
            'ff:ff:ff:ff:ff:ff',
            '',
            '',
            '',
            '',
            '(,)',
            'f',
            '     ',
            '32767',
            '1e-45',
          ),
        ],
        mysql: [
          row(
            '1',
            String.raw`\\x000000000101000000000000000000f03f0000000000000040`,
            String.raw`\\x0000000001020000000200000000000000000000000000000000000000000000000000f03f000000000000f83f`,
            '1',
            '16777215',
            'ab',
            'ab  ',
            '2001-02-03 04:05:06.000007',
            '-128',
            '3.40282e+38',
            '-2.2250738585072014e-308',
            'xxxxxxxxxx',
            'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
          ),
          row(
            '2',
            String.raw`\\x00000000010100000000000000000000000000000000000000`,
            N,
            '0',
            '0',
            '',
            '',
            '2038-01-19 03:14:07.999999',
            '127',
            '-0.5',
            '1.7976931348623157e+308',
            '',
            '',
          ),
        ],
      },
    },
  },
];
