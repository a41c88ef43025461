import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import type { Connection } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { collect, type ScratchDb, scratchDb } from './support.js';

const DDL = `
CREATE TABLE words (w text COLLATE "en_US" PRIMARY KEY, n int);
INSERT INTO words VALUES ('b', 1), ('B', 2), ('a', 3), ('é', 4), ('Z', 5), ('a b', 6);
CREATE TABLE big AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 200000) g;
CREATE SCHEMA "Hist";
CREATE TABLE "Hist"."Log" (id int PRIMARY KEY, msg text);
CREATE TABLE "Hist"."Log 2026" () INHERITS ("Hist"."Log");
INSERT INTO "Hist"."Log" VALUES (1, 'parent');
INSERT INTO "Hist"."Log 2026" VALUES (2, 'child');`;

let db: ScratchDb;
let conn: Connection;

beforeAll(async () => {
  db = await scratchDb();
  // A linguistic collation when the server has one (sorting 'a' before 'B'); the read must ignore it.
  const found = await db.client.query<{ name: string }>(
    `SELECT collname AS name FROM pg_collation WHERE collname IN ('en_US', 'en_US.utf8', 'und-x-icu') ORDER BY 1 LIMIT 1`,
  );
  const collation = found.rows[0] ? `COLLATE "${found.rows[0].name}"` : '';
  await db.client.query(DDL.replace('COLLATE "en_US"', collation));
  conn = await postgresEngine.connect(db.url);
}, 60_000);

afterAll(async () => {
  await conn?.close();
  await db?.drop();
});

describe('postgres read', () => {
  it('orders by key in byte order, whatever the column collation says', async () => {
    const schema = await conn.describe({ name: 'words' });
    const text = (await collect(conn.read(schema, { columns: ['w', 'n'], orderByKey: true }))).toString();
    expect(text).toBe('B\t2\nZ\t5\na\t3\na b\t6\nb\t1\né\t4\n');
  });

  it('filters with --where, counts, and rejects a userFilter that is not boolean', async () => {
    const schema = await conn.describe({ name: 'words' });
    const text = (
      await collect(conn.read(schema, { columns: ['n'], where: 'n > 4', orderByKey: true }))
    ).toString();
    expect(text).toBe('5\n6\n');
    expect(await conn.count(schema, 'n > 4')).toBe(2);
    const error = (await conn.checkWhere(schema, 'n + 1').catch((e) => e)) as RowbackError;
    expect(error.code).toBe('bad-where');
    expect(error.message).toContain('boolean');
    await conn.checkWhere(schema, "w <> 'x'");
  });

  it("appends each row's physical table as a schema-quoteTable name", async () => {
    const schema = await conn.describe({ schema: 'Hist', name: 'Log' });
    expect(schema.partitioning).toBe('inheritance');
    const text = (
      await collect(conn.read(schema, { columns: ['id', 'msg'], origin: true, orderByKey: true }))
    ).toString();
    expect(text).toBe('1\tparent\t"Hist"."Log"\n2\tchild\t"Hist"."Log 2026"\n');
  });

  it('leaves the session usable when the reader stops early', async () => {
    const schema = await conn.describe({ name: 'big' }, { key: ['id'] });
    for await (const chunk of conn.read(schema, { columns: ['id', 'pad'] })) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(await conn.count(schema)).toBe(200000);
  });
});
