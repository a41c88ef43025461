import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BinlogDb, binlogDb, nextSecond, readBinlog, tableLines } from './support.js';

/** Every awkward MySQL value: the conformance matrix's columns and more (latin1 C1 bytes, zerofill, hires). */
const VALUES_DDL = `CREATE TABLE vals (id int PRIMARY KEY, big BIGINT, ubig BIGINT UNSIGNED, dec65 DECIMAL(65,30),
  dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), bt BIT(10), bin BINARY(4), vb VARBINARY(10),
  bl BLOB, j JSON, e ENUM('sad', 'ok', 'happy', 'x,y', 'it''s', 'a\\\\b'), st SET('a', 'b', 'c'), txt TEXT,
  f DOUBLE, fl FLOAT, d DATE, yr YEAR, l1 VARCHAR(300) CHARACTER SET latin1, ch CHAR(5), t1 TINYINT,
  ut1 TINYINT UNSIGNED, s2 SMALLINT, m3 MEDIUMINT UNSIGNED, i4 INT UNSIGNED, dt0 DATETIME, tm0 TIME, tm3 TIME(3),
  ts0 TIMESTAMP NULL, b64 BIT(64), d10 DECIMAL(10,2), fz INT(6) ZEROFILL, df DOUBLE(8,3),
  bigset SET('m1','m2','m3','m4','m5','m6','m7','m8','m9','m10','m11','m12','m13','m14','m15','m16','m17','m18',
    'm19','m20','m21','m22','m23','m24','m25','m26','m27','m28','m29','m30','m31','m32','m33','m34','m35','m36',
    'm37','m38','m39','m40'),
  ch100 CHAR(100), fl2 FLOAT(7,2), tm1 TIME(1), dt2 DATETIME(2), ts3 TIMESTAMP(3) NULL, lb LONGBLOB,
  dz DECIMAL(7,2) ZEROFILL, fzf FLOAT(7,3) ZEROFILL, note VARCHAR(20)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

const C1 = Array.from({ length: 128 }, (_, i) => (0x80 + i).toString(16).padStart(2, '0')).join('');

const VALUES_ROWS = [
  `(1, 9007199254740993, 18446744073709551615, 12345678901234567890123456789012345.123456789012345678901234567890,
    '2026-03-01 12:34:56.123456', '2026-03-01 12:34:56.654321', '838:59:59.000000', b'1010000001', X'00FF5C0A',
    X'00090D5C', X'000102FF', '{"b": 1,  "a": [1, 2]}', 'happy', 'a,c', 'tab\\there\\nnew\\\\back\\r ü 😀 𝄞',
    1e308, 0.5, '2026-02-28', 2026, X'${C1}', 'ab', -128, 255, -32768, 16777215, 4294967295, '2024-01-02 03:04:05',
    '-12:00:01', '-00:00:00.001', '2038-01-19 03:14:07', b'1111111111111111111111111111111111111111111111111111111111111111',
    -12345678.99, 42, 12345.678, 'm1,m33,m40', 'x ', 1.5, '-00:00:00.5', '2024-01-01 00:00:00.99',
    '2020-02-29 23:59:59.999', REPEAT(X'00FF', 300000), 1.5, 16777.217, 'one')`,
  `(2, -9223372036854775808, 9223372036854775808, -0.000000000000000000000000000001, '1000-01-01 00:00:00.000001',
    '1970-01-01 00:00:01.000000', '-838:59:59', b'0', X'00000000', X'', X'', 'null', 'sad', '', '', -1.5, -1.5,
    '1000-01-01', 1901, '', '', 0, 0, 0, 0, 0, '0000-00-00 00:00:00', '00:00:00', '-01:00:00', NULL, b'0', 0, 0,
    -0.5, '', '', -99999.99, '-01:00:00.0', '0000-00-00 00:00:00.00', '1970-01-01 00:00:00.001', X'', 0, 0, 'two')`,
  `(3, 9223372036854775807, 9007199254740993, 0, '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999',
    '-00:00:00.000001', b'1111111111', X'5C4E0000', X'5C4E', X'0D0A', '[]', 'a\\\\b', 'a,b,c', '\\\\N', 0.1, 0.1,
    '9999-12-31', 2155, 'abc', 'abcde', 127, 1, 1, 1, 1, '2024-00-15 00:00:00', '100:00:00', '-838:59:58.999',
    '1970-01-01 00:00:01', b'1', 0.01, 123456, 1e4, 'm40', REPEAT('é', 100), 0.01, '838:59:59.9',
    '0099-12-31 23:59:59.01', NULL, NULL, 99999.99, 0.1, 'three')`,
  `(4, ${Array(43).fill('NULL').join(', ')})`,
  `(5, 3.4e38, 0, 1e-30, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"k": "\\\\"q\\\\"", "n": 1.5e300}', 'x,y', 'b', NULL,
    2.2250738585072014e-308, 3.4028234e38, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, 5e-324, NULL, NULL, 1.17549435e-38, NULL, NULL, NULL, NULL, NULL, 16777217, 'five')`,
];

async function matrixRoundTrip(db: BinlogDb): Promise<void> {
  await db.sql.exec(VALUES_DDL);
  const start = await nextSecond(db.sql);
  await db.sql.exec(`SET time_zone = '+05:30', sql_mode = ''`);
  await db.sql.exec(`INSERT INTO vals VALUES ${VALUES_ROWS.join(',\n')}`);
  await db.sql.exec(`INSERT INTO vals (id, e, yr, note) VALUES (6, 'nope', 0, 'six')`);
  const inserted = await tableLines(db.url, 'vals');
  const middle = await nextSecond(db.sql);
  await db.sql.exec(`UPDATE vals SET note = CONCAT('was ', COALESCE(note, 'null'))`);
  const updated = await tableLines(db.url, 'vals');
  await db.sql.exec('DELETE FROM vals');

  const all = await readBinlog(db.url, 'vals', { time: start });
  try {
    const kinds = all.changes.map((c) => c.kind);
    expect(kinds).toEqual([
      ...Array(6).fill('write'),
      ...Array(6).fill('update'),
      ...Array(6).fill('delete'),
    ]);
    expect(all.changes.slice(0, 6).map((c) => c.after)).toEqual(inserted);
    expect(all.changes.slice(6, 12).map((c) => c.before)).toEqual(inserted);
    expect(all.changes.slice(6, 12).map((c) => c.after)).toEqual(updated);
    expect(all.changes.slice(12).map((c) => c.before)).toEqual(updated);
    // As of the start, none of the rows existed.
    expect(all.asOf).toMatchObject({ rows: 0, absent: 6 });
  } finally {
    await all.dir.remove();
  }

  const later = await readBinlog(db.url, 'vals', { time: middle });
  try {
    const { readFile } = await import('node:fs/promises');
    const rows = (await readFile(later.asOf.rowsPath, 'utf8')).split('\n').filter(Boolean).sort();
    expect(rows).toEqual([...inserted].sort());
    expect(later.asOf.absent).toBe(0);
  } finally {
    await later.dir.remove();
  }
}

describe('binlog decoding of the MySQL value matrix', () => {
  let rows: BinlogDb;
  let full: BinlogDb;
  beforeAll(async () => {
    [rows, full] = await Promise.all([binlogDb('rows'), binlogDb('full')]);
  });
  afterAll(async () => {
    await Promise.all([rows?.close(), full?.close()]);
  });

  test('without column metadata, every image decodes to exactly the text rowback reads from the table', async () => {
    await matrixRoundTrip(rows);
  });

  test('with binlog_row_metadata=FULL, every image decodes to exactly the text rowback reads from the table', async () => {
    await matrixRoundTrip(full);
  });
});
