import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { writableColumns } from '../../../src/core/table.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { columnTypes, insertRows } from '../../../src/engines/mysql/stage.js';
import { applyOf, planOf, samplesOf } from '../flow.js';
import { collect, memoryUndo, openSides, restoreTable, type Sides, streamOf } from './support.js';

const TABLE = `CREATE TABLE vals (
  id INT PRIMARY KEY,
  big BIGINT, ubig BIGINT UNSIGNED, dec65 DECIMAL(65,30),
  dt DATETIME(6), ts TIMESTAMP(6) NULL, d DATE, tm TIME(6),
  bits BIT(12), bin BINARY(4), vbin VARBINARY(64), blb BLOB,
  js JSON, en ENUM('a','b','ç'), st SET('x','y','z'),
  fl FLOAT, db DOUBLE,
  t4 VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  lat VARCHAR(20) CHARACTER SET latin1,
  maybe TEXT CHARACTER SET utf8mb4
)`;

const ROWS = `INSERT INTO vals VALUES
  (1, 9223372036854775807, 18446744073709551615, 12345678901234567890123456789012345.123456789012345678901234567890,
   '2026-03-01 12:34:56.123456', '2038-01-19 03:14:07.999999', '0000-00-00', '-838:59:59.000000',
   b'101010101010', 0x000A095C, 0x00FF0A095C0D5C4E, 0xF05C5CE05C74C3F09F0AE0FF00,
   '{"a": [1, 2.50, "x\\\\ny"], "b": null}', 'ç', 'x,z',
   1.17549e-38, -2.2250738585072014e-308,
   'Grüße 😀 tab\\there', 'café', ''),
  (2, -9223372036854775808, 9007199254740993, -0.000000000000000000000000000001,
   '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '9999-12-31', '838:59:59.999999',
   b'000000000001', 0x00000000, X'', X'',
   '[]', 'a', '', 0, -0,
   'A', NULL, NULL),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

/** The IEEE bits of table fl's float columns (big-endian hex), read over the binary protocol. */
async function floatBits(sides: Sides, side: 'source' | 'target'): Promise<string[][]> {
  const client = sides.db[side];
  const rows = await client.floats!('SELECT id, f, r, d, f2 FROM fl ORDER BY id');
  return rows.map(([id, ...values]) => [
    String(Number(id)),
    ...values.map((v, i) => {
      const bytes = Buffer.alloc(i === 2 ? 8 : 4);
      if (i === 2) bytes.writeDoubleBE(Number(v));
      else bytes.writeFloatBE(Number(v));
      return bytes.toString('hex');
    }),
  ]);
}

describe('MySQL values', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
    await sides.db.source.exec("SET SESSION sql_mode = ''");
    await sides.db.source.exec(TABLE);
    await sides.db.source.exec(ROWS);
    await sides.db.target.exec(TABLE);
  });
  afterEach(() => sides.close());

  it('round-trips every type byte for byte through read, LOAD DATA staging and apply', async () => {
    const { result } = await restoreTable(sides, 'vals');
    expect(result.applied).toEqual({ inserted: 3, updated: 0, deleted: 0 });
    expect(result.verification).toEqual({ checked: 3, mismatched: 0 });
    expect(await sides.db.dump('target', 'vals', ['id'])).toEqual(
      await sides.db.dump('source', 'vals', ['id']),
    );
    const schema = await sides.target.describe({ name: 'vals' });
    const columns = writableColumns(schema).map((c) => c.name);
    const sourceSchema = await sides.source.describe({ name: 'vals' });
    const a = await collect(sides.source.read(sourceSchema, { columns, orderByKey: true }));
    const b = await collect(sides.target.read(schema, { columns, orderByKey: true }));
    expect(b.equals(a)).toBe(true);
    expect(b.toString('latin1')).toContain('\x00\xff\\n\\t\\\\\\r\\\\N');
  });

  it('classifies a second run as all same, and a changed byte as changed', async () => {
    await restoreTable(sides, 'vals');
    await sides.db.target.exec("UPDATE vals SET t4 = 'grüße 😀 tab\\there', blb = 0xF05C WHERE id = 1");
    const { preview } = await restoreTable(sides, 'vals');
    expect(preview).toEqual({ missing: 0, changed: 1, extra: 0, same: 2 });
  });

  it('stays usable after a reader stops early in a large table', async () => {
    await sides.db.target.exec(
      "CREATE TABLE many (id INT PRIMARY KEY, pad VARCHAR(200)) SELECT seq AS id, REPEAT('x', 200) AS pad FROM seq_1_to_20000",
    );
    const schema = await sides.target.describe({ name: 'many' });
    for await (const chunk of sides.target.read(schema, { columns: ['id', 'pad'], orderByKey: true })) {
      expect(chunk.toString().startsWith('1\t')).toBe(true);
      break;
    }
    expect(await sides.target.count(schema)).toBe(20000);
    const bad = await collect(
      sides.target.read(schema, { columns: ['id'], where: 'no_such_column = 1' }),
    ).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RowbackError);
    expect((bad as RowbackError).message).toContain('while reading');
    expect(await sides.target.count(schema, 'id <= 10')).toBe(10);
  });

  it('carries the same bytes as exact INSERT literals when the server refuses LOAD DATA LOCAL', async () => {
    const schema = await sides.target.describe({ name: 'vals' });
    const sourceSchema = await sides.source.describe({ name: 'vals' });
    const columns = writableColumns(schema).map((c) => c.name);
    const { session } = await openSession(sides.db.targetUrl);
    try {
      const outcome = await insertRows(
        session,
        'vals',
        columns,
        columnTypes(schema, columns),
        sides.source.read(sourceSchema, { columns }),
        'vals',
      );
      expect(outcome.affectedRows).toBe(3);
    } finally {
      await session.close();
    }
    expect(await sides.db.dump('target', 'vals', ['id'])).toEqual(
      await sides.db.dump('source', 'vals', ['id']),
    );
  });

  it('refuses a load whose rows do not fit, instead of letting LOAD DATA LOCAL truncate them quietly', async () => {
    await sides.db.target.exec('CREATE TABLE small (id INT PRIMARY KEY, c VARCHAR(3) NOT NULL)');
    const schema = await sides.target.describe({ name: 'small' });
    const tooLong = await sides.target
      .stage(schema, streamOf('1\tabcdef\n'), { columns: ['id', 'c'] })
      .catch((e: unknown) => e);
    expect((tooLong as RowbackError).code).toBe('schema-mismatch');
    expect((tooLong as RowbackError).message).toContain("column 'c'");
    const staged = await sides.target.stage(schema, streamOf('1\t\\N\n'), { columns: ['id', 'c'] });
    const notNull = await applyOf(sides.target, staged, {
      policy: { changed: 'keep-current', extra: 'keep' },
      undo: memoryUndo(),
    }).catch((e: unknown) => e);
    expect((notNull as RowbackError).code).toBe('schema-mismatch');
    expect(await sides.db.dump('target', 'small', ['id'])).toEqual([]);
  });

  it('keeps every bit of FLOAT, REAL under REAL_AS_FLOAT and DOUBLE, and calls a one-bit change changed', async () => {
    // REAL is a FLOAT under REAL_AS_FLOAT; the column keeps that type whatever sql_mode reads it later
    const floats = `CREATE TABLE fl (id INT PRIMARY KEY, f FLOAT, r REAL, d DOUBLE, f2 FLOAT(7,3) ZEROFILL)`;
    for (const side of [sides.db.source, sides.db.target]) {
      await side.exec(`SET SESSION sql_mode = 'REAL_AS_FLOAT'; ${floats}; SET SESSION sql_mode = DEFAULT`);
    }
    const seed = `INSERT INTO fl VALUES (1, 16777217, 123456789, 0.30000000000000004, 1.5),
      (2, 3.4028234e38, 1.4e-45, 4.9406564584124654e-324, 999.999), (3, 1.17549435e-38, 0.1, 1.7976931348623157e308, 0)`;
    await sides.db.source.exec(seed);
    await sides.db.target.exec(seed);
    // Each a neighbour of the value before, and the same in the text protocol's 6 digits (or 3 decimals).
    await sides.db.target.exec('UPDATE fl SET f = 16777218, r = 123456800, d = 0.3 WHERE id = 1');
    await sides.db.target.exec("UPDATE fl SET f = '3.4028232e38' WHERE id = 2");
    await sides.db.target.exec('DELETE FROM fl WHERE id = 3');
    const schema = await sides.target.describe({ name: 'fl' });
    expect(schema.columns.map((c) => c.type)).toEqual([
      'int(11)',
      'float',
      'float',
      'double',
      'float(7,3) unsigned zerofill',
    ]);
    const columns = schema.columns.map((c) => c.name);
    const source = await sides.source.describe({ name: 'fl' });
    const staged = await sides.target.stage(schema, sides.source.read(source, { columns }), { columns });
    expect(await planOf(sides.target, staged)).toEqual({ missing: 1, changed: 2, extra: 0, same: 0 });
    const changed = await samplesOf(sides.target, staged, 'changed', 5);
    expect(changed.map((c) => [c.changedColumns, c.source?.['f'], c.target?.['f']])).toEqual([
      [['f', 'r', 'd'], '16777216', '16777218'],
      [['f'], '3.4028234663852886e38', '3.4028232635611926e38'],
    ]);
    const policy = { changed: 'take-source', extra: 'keep' } as const;
    const result = await applyOf(sides.target, staged, { policy, undo: memoryUndo() });
    expect(result.applied).toEqual({ inserted: 1, updated: 2, deleted: 0 });
    expect(result.verification).toEqual({ checked: 3, mismatched: 0 });
    expect(await floatBits(sides, 'target')).toEqual(await floatBits(sides, 'source'));
    expect(await floatBits(sides, 'target')).toEqual([
      ['1', '4b800000', '4ceb79a3', '3fd3333333333334', '3fc00000'],
      ['2', '7f7fffff', '00000001', '0000000000000001', '4479fff0'],
      ['3', '00800000', '3dcccccd', '7fefffffffffffff', '00000000'],
    ]);
  });

  it('orders text keys by their UTF-8 bytes whatever the column character set', async () => {
    await sides.db.target.exec('CREATE TABLE lk (k VARCHAR(5) CHARACTER SET latin1 PRIMARY KEY)');
    await sides.db.target.exec("INSERT INTO lk VALUES ('€'), ('é'), ('a'), ('B')");
    const schema = await sides.target.describe({ name: 'lk' });
    const text = (await collect(sides.target.read(schema, { columns: ['k'], orderByKey: true }))).toString();
    expect(text).toBe('B\na\né\n€\n');
  });
});
