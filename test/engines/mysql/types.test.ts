import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { writableColumns } from '../../../src/core/table.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { columnTypes, insertRows } from '../../../src/engines/mysql/stage.js';
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
    const notNull = await sides.target
      .apply(staged, { policy: { changed: 'keep-current', extra: 'keep' }, undo: memoryUndo() })
      .catch((e: unknown) => e);
    expect((notNull as RowbackError).code).toBe('schema-mismatch');
    expect(await sides.db.dump('target', 'small', ['id'])).toEqual([]);
  });

  it('orders text keys by their UTF-8 bytes whatever the column character set', async () => {
    await sides.db.target.exec('CREATE TABLE lk (k VARCHAR(5) CHARACTER SET latin1 PRIMARY KEY)');
    await sides.db.target.exec("INSERT INTO lk VALUES ('€'), ('é'), ('a'), ('B')");
    const schema = await sides.target.describe({ name: 'lk' });
    const text = (await collect(sides.target.read(schema, { columns: ['k'], orderByKey: true }))).toString();
    expect(text).toBe('B\na\né\n€\n');
  });
});
