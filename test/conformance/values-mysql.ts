import { MYSQL_TABLE, N, row } from './text.js';

/** The MySQL/MariaDB half of the value matrix (see scenarios-values.ts). */
export const MYSQL_VALUES = {
  ddl: [
    `CREATE TABLE vals (id int PRIMARY KEY, big BIGINT, ubig BIGINT UNSIGNED, dec65 DECIMAL(65,30),
       dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), bt BIT(10), bin BINARY(4),
       vb VARBINARY(10), bl BLOB, j JSON, e ENUM('sad', 'ok', 'happy'), st SET('a', 'b', 'c'), txt TEXT,
       f DOUBLE, fl FLOAT, d DATE, yr YEAR) ${MYSQL_TABLE}`,
  ],
  seed: [
    String.raw`INSERT INTO vals VALUES
     (1, 9007199254740993, 18446744073709551615,
      12345678901234567890123456789012345.123456789012345678901234567890, '2026-03-01 12:34:56.123456',
      '2026-03-01 12:34:56.654321', '838:59:59.000000', b'1010000001', X'00FF5C0A', X'00090D5C', X'000102FF',
      '{"b": 1,  "a": [1, 2]}', 'happy', 'a,c', 'tab\there\nnew\\back\r ü 😀 𝄞', 1e308, 0.5,
      '2026-02-28', 2026),
     (2, -9223372036854775808, 9223372036854775808, -0.000000000000000000000000000001,
      '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01.000000', '-838:59:59', b'0', X'00000000', X'', X'',
      'null', 'sad', '', '', -1.5, -1.5, '1000-01-01', 1901),
     (3, 9223372036854775807, 9007199254740993, 0, '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999',
      '-00:00:00.000001', b'1111111111', X'5C4E0000', X'5C4E', X'0D0A', '[]', 'ok', 'a,b,c', '\\N', 0.1, 0.1,
      '9999-12-31', 2155),
     (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL)`,
  ],
  /** The seed as `dump` prints it (binary values as hex, `\\x…`, like PostgreSQL's bytea). */
  lines: [
    row(
      '1',
      '9007199254740993',
      '18446744073709551615',
      '12345678901234567890123456789012345.123456789012345678901234567890',
      '2026-03-01 12:34:56.123456',
      '2026-03-01 12:34:56.654321',
      '838:59:59.000000',
      String.raw`\\x0281`,
      String.raw`\\x00ff5c0a`,
      String.raw`\\x00090d5c`,
      String.raw`\\x000102ff`,
      '{"b": 1,  "a": [1, 2]}',
      'happy',
      'a,c',
      String.raw`tab\there\nnew\\back\r ü 😀 𝄞`,
      '1e+308',
      '0.5',
      '2026-02-28',
      '2026',
    ),
    row(
      '2',
      '-9223372036854775808',
      '9223372036854775808',
      '-0.000000000000000000000000000001',
      '1000-01-01 00:00:00.000001',
      '1970-01-01 00:00:01.000000',
      '-838:59:59.000000',
      String.raw`\\x0000`,
      String.raw`\\x00000000`,
      String.raw`\\x`,
      String.raw`\\x`,
      'null',
      'sad',
      '',
      '',
      '-1.5',
      '-1.5',
      '1000-01-01',
      '1901',
    ),
    row(
      '3',
      '9223372036854775807',
      '9007199254740993',
      '0.000000000000000000000000000000',
      '9999-12-31 23:59:59.999999',
      '2038-01-19 03:14:07.999999',
      '-00:00:00.000001',
      String.raw`\\x03ff`,
      String.raw`\\x5c4e0000`,
      String.raw`\\x5c4e`,
      String.raw`\\x0d0a`,
      '[]',
      'ok',
      'a,b,c',
      String.raw`\\N`,
      '0.1',
      '0.1',
      '9999-12-31',
      '2155',
    ),
    row('4', ...Array<string>(18).fill(N)),
  ],
  extraLine: row('9', ...Array<string>(13).fill(N), 'written since', N, N, N, N),
};

/**
 * Values whose text could hide a difference in how they are stored: BIT, spatial values (SRID and a -0
 * coordinate), fractional seconds of each precision, DECIMAL scale, YEAR 0000, latin1 bytes 0x80–0xFF
 * under a binary collation, utf8mb3 and CHAR under _bin collations, BINARY padding. `stored` reads their
 * bytes with HEX() (of a BIT, its value in hex); the PostgreSQL half uses its nearest types.
 */
/** The bytes 0x80–0xFF. */
const HIGH_BYTES = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));

/**
 * 0x80–0xFF read as MySQL's latin1, which is Windows-1252 with its five unassigned bytes kept as the C1
 * controls of the same number (WHATWG's windows-1252 table; Node's TextDecoder reads that label as ISO-8859-1).
 */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178' +
  HIGH_BYTES.subarray(32).toString('latin1');

/** POLYGON((0 0, 1 0, 1 1, 0 0)) with SRID 0, as stored. */
const POLYGON =
  '000000000103000000010000000400000000000000000000000000000000000000000000000000F03F' +
  '0000000000000000000000000000F03F000000000000F03F00000000000000000000000000000000';

export const MYSQL_STORED = {
  ddl: [
    `CREATE TABLE bits (id int PRIMARY KEY, b1 BIT(1), b64 BIT(64), g GEOMETRY, tm3 TIME(3), dt2 DATETIME(2),
       ts4 TIMESTAMP(4) NULL DEFAULT NULL, dc DECIMAL(5,2), d0 DECIMAL(65,0), y YEAR,
       lat VARCHAR(200) CHARACTER SET latin1 COLLATE latin1_bin, u3 VARCHAR(20) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin,
       cb CHAR(5) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, bn BINARY(3)) ${MYSQL_TABLE}`,
  ],
  seed: [
    `INSERT INTO bits VALUES
     (1, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
      ST_GeomFromText('POINT(1 -0)', 4326), '-838:59:59.999', '9999-12-31 23:59:59.99', '2038-01-19 03:14:07.9999',
      999.99, 99999999999999999999999999999999999999999999999999999999999999999, 0,
      X'808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF', 'ÿ€✓', 'a  ', X'000000'),
     (2, b'0', b'0', ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'), '00:00:00.001', '1000-01-01 00:00:00.01',
      '1970-01-01 00:00:01.0001', -0.01, -1, 1901, 'A', 'a', ' a', X'0A'),
     (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     (4, b'0', NULL, NULL, NULL, NULL, NULL, 1.5, 0, 2155, 'abc', 'ABC', 'a', NULL)`,
  ],
  accident: [
    'DELETE FROM bits WHERE id = 1',
    `UPDATE bits SET dt2 = '1000-01-01 00:00:00.02' WHERE id = 2`,
    // equal under a case-insensitive collation, not under _bin; 1.50 and 'a ' store what is there already
    `UPDATE bits SET u3 = 'abc', dc = 1.50, cb = 'a ' WHERE id = 4`,
    `INSERT INTO bits (id, u3) VALUES (9, 'written since')`,
  ],
  stored: {
    sql: `SELECT id, HEX(b1), HEX(b64), HEX(g), HEX(CAST(lat AS BINARY)), HEX(CAST(u3 AS BINARY)),
      HEX(CAST(cb AS BINARY)), HEX(bn), y + 0 FROM bits ORDER BY id`,
    lines: [
      row(
        '1',
        '1',
        'FFFFFFFFFFFFFFFF',
        'E61000000101000000000000000000F03F0000000000000080',
        HIGH_BYTES.toString('hex').toUpperCase(),
        'C3BFE282ACE29C93',
        '61',
        '000000',
        '0',
      ),
      row('2', '0', '0', POLYGON, '41', '61', '2061', '0A0000', '1901'),
      row('3', N, N, N, N, N, N, N, N),
      row('4', '0', N, N, '616263', '414243', '61', N, '2155'),
      row('9', N, N, N, N, '7772697474656E2073696E6365', N, N, N),
    ],
  },
  /** As `dump` prints it after the restore (row 9 written since; the latin1 bytes as cp1252, MySQL's latin1). */
  lines: [
    row(
      '1',
      String.raw`\\x01`,
      String.raw`\\xffffffffffffffff`,
      String.raw`\\xe61000000101000000000000000000f03f0000000000000080`,
      '-838:59:59.999',
      '9999-12-31 23:59:59.99',
      '2038-01-19 03:14:07.9999',
      '999.99',
      '9'.repeat(65),
      '0000',
      CP1252_HIGH,
      'ÿ€✓',
      'a',
      String.raw`\\x000000`,
    ),
    row(
      '2',
      String.raw`\\x00`,
      String.raw`\\x0000000000000000`,
      String.raw`\\x000000000103000000010000000400000000000000000000000000000000000000000000000000f03f0000000000000000000000000000f03f000000000000f03f00000000000000000000000000000000`,
      '00:00:00.001',
      '1000-01-01 00:00:00.01',
      '1970-01-01 00:00:01.0001',
      '-0.01',
      '-1',
      '1901',
      'A',
      'a',
      ' a',
      String.raw`\\x0a0000`,
    ),
    row('3', ...Array<string>(13).fill(N)),
    row('4', String.raw`\\x00`, N, N, N, N, N, '1.50', '0', '2155', 'abc', 'ABC', 'a', N),
    row('9', ...Array<string>(10).fill(N), 'written since', N, N),
  ],
};
