import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import type { Policy } from '../../../src/core/plan.js';
import { type TableRef, writableColumns } from '../../../src/core/table.js';
import type { Connection } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { findExecutable } from '../../../src/servers/os-user.js';
import { findPostgresBinaries } from '../../../src/servers/postgres-binaries.js';
import { tempDir } from '../../harness/index.js';
import { applyOf, parentsOf, planOf, samplesOf, scriptOf, undoOf } from '../flow.js';
import { memoryUndo, type ScratchDb, scratchDb, sqlClient, tableText } from './support.js';

const EXACT: Policy = { changed: 'take-source', extra: 'delete' };

let opened: { close(): Promise<void> }[] = [];
let dbs: ScratchDb[] = [];

afterEach(async () => {
  for (const c of opened) await c.close();
  for (const db of dbs) await db.drop();
  opened = [];
  dbs = [];
});

/** A source and a target database, each set up with `ddl`, then `since` run on the target. */
async function pair(ddl: string, since: string) {
  const [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  dbs.push(source, target);
  await source.client.query(ddl);
  await target.client.query(ddl);
  await target.client.query(since);
  return { source, target };
}

async function connect(url: string): Promise<Connection> {
  const c = await postgresEngine.connect(url);
  opened.push(c);
  return c;
}

/** Stages the source table on the target connection, as a restore does. */
async function stage(src: Connection, dst: Connection, table: TableRef) {
  const schema = await dst.describe(table);
  const columns = writableColumns(schema).map((c) => c.name);
  const rows = src.read(await src.describe(table, { key: schema.key!.columns }), { columns });
  return dst.stage(schema, rows, { columns });
}

async function failure(promise: Promise<unknown>): Promise<RowbackError> {
  return (await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e) => e,
  )) as RowbackError;
}

describe('postgres restores exactly what the source holds', () => {
  it('takes the source text of a key its own equality calls equal: case-insensitive collation, numeric 1.0 = 1.00, float 0 = -0', async () => {
    const ddl = `
      CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      CREATE TABLE tag (name text COLLATE ci PRIMARY KEY, note text);
      CREATE TABLE price (amount numeric PRIMARY KEY, f float8 UNIQUE NOT NULL);
      INSERT INTO tag VALUES ('Alpha', 'a'), ('beta', 'b'), ('Gamma', 'g');
      INSERT INTO price VALUES (1.0, '-0'), (2.50, 1);`;
    const { source, target } = await pair(
      ddl,
      `UPDATE tag SET name = 'BETA' WHERE name = 'beta'; DELETE FROM tag WHERE name = 'alpha';
       UPDATE price SET amount = 1.00 WHERE amount = 1; UPDATE price SET f = 0 WHERE amount = 1;`,
    );
    const src = await connect(source.url);
    const dst = await connect(target.url);
    for (const [table, all] of [
      ['tag', 'SELECT * FROM tag ORDER BY name COLLATE "C"'],
      ['price', 'SELECT amount, f FROM price ORDER BY f, amount::text COLLATE "C"'],
    ] as const) {
      const before = await tableText(target.client, all);
      const staged = await stage(src, dst, { name: table });
      const plan = await planOf(dst, staged);
      expect(plan.changed).toBe(1);
      const [sample] = await samplesOf(dst, staged, 'changed', 5);
      expect(sample!.changedColumns!.length).toBeGreaterThan(0);
      const undo = memoryUndo();
      await applyOf(dst, staged, { policy: EXACT, undo });
      expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));
      await undoOf(dst, await dst.describe({ name: table }), undo.bundle(), {});
      expect(await tableText(target.client, all)).toBe(before);
    }
  });

  it('restores tables whose columns carry the names of its own work columns: rowback_class, rowback_origin', async () => {
    const ddl = `
      CREATE TABLE t (rowback_class int PRIMARY KEY, v text);
      INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 5) g;
      CREATE TABLE parent (id int PRIMARY KEY, rowback_origin text);
      CREATE TABLE child () INHERITS (parent);
      INSERT INTO child VALUES (1, 'a'), (2, 'b'); INSERT INTO parent VALUES (3, 'c');`;
    const { source, target } = await pair(
      ddl,
      `DELETE FROM t WHERE rowback_class < 3; INSERT INTO t VALUES (9, 'since');
       DELETE FROM parent WHERE id IN (1, 3); UPDATE parent SET rowback_origin = 'x' WHERE id = 2;`,
    );
    const src = await connect(source.url);
    const dst = await connect(target.url);
    const t = await stage(src, dst, { name: 't' });
    expect(await planOf(dst, t)).toEqual({ missing: 2, changed: 0, extra: 1, same: 3 });
    await applyOf(dst, t, { policy: EXACT, undo: memoryUndo() });
    const allT = 'SELECT * FROM t ORDER BY 1';
    expect(await tableText(target.client, allT)).toBe(await tableText(source.client, allT));

    const schema = await dst.describe({ name: 'parent' });
    const columns = writableColumns(schema).map((c) => c.name);
    const rows = src.read(await src.describe({ name: 'parent' }), { columns, origin: true });
    const parent = await dst.stage(schema, rows, { columns, origin: true });
    const undo = memoryUndo();
    const before = await tableText(target.client, 'SELECT tableoid::regclass, * FROM parent ORDER BY id');
    await applyOf(dst, parent, { policy: EXACT, undo });
    const all = 'SELECT tableoid::regclass, * FROM parent ORDER BY id';
    expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));
    await undoOf(dst, schema, undo.bundle(), {});
    expect(await tableText(target.client, all)).toBe(before);
  });

  it('reads the same values whatever array_nulls, xmloption and quote_all_identifiers the target database says', async () => {
    const ddl = `
      CREATE TYPE mood AS ENUM ('sad', 'ok');
      CREATE TABLE t (id int PRIMARY KEY, a text[], m mood[], x xml);
      INSERT INTO t VALUES (1, '{NULL,"NULL",x}', '{sad,NULL}', 'text <b>fragment</b> more'), (2, NULL, '{}', '<doc/>');`;
    const { source, target } = await pair(ddl, `DELETE FROM t`);
    const database = target.url.split('/').pop();
    await target.client.query(
      `ALTER DATABASE ${database} SET array_nulls = off; ALTER DATABASE ${database} SET xmloption = document;
       ALTER DATABASE ${database} SET quote_all_identifiers = on`,
    );
    const src = await connect(source.url);
    const dst = await connect(target.url);
    expect((await src.describe({ name: 't' })).columns).toEqual((await dst.describe({ name: 't' })).columns);
    await target.client.query(`INSERT INTO t (id) VALUES (1)`);
    const staged = await stage(src, dst, { name: 't' });
    await applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() });
    const all = 'SELECT id, a, a[1] IS NULL, m, x FROM t ORDER BY id';
    expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));
  });

  it('refuses, at preview, to take the source value of a GENERATED ALWAYS identity it cannot UPDATE', async () => {
    const ddl = `CREATE TABLE t (code text PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY, v text);
      INSERT INTO t (code, v) VALUES ('a', '1'), ('b', '2');`;
    const { source, target } = await pair(
      ddl,
      `DELETE FROM t WHERE code = 'a'; INSERT INTO t (code, v) VALUES ('a', '1'), ('c', '3');`,
    );
    const src = await connect(source.url);
    const dst = await connect(target.url);
    const staged = await stage(src, dst, { name: 't' });
    expect(await planOf(dst, staged)).toEqual({ missing: 0, changed: 1, extra: 1, same: 1 });
    const preview = await failure(parentsOf(dst, staged, EXACT));
    expect(preview.code).toBe('unsupported');
    expect(preview.message).toContain(
      '1 changed row(s) of public.t differ in "n", a GENERATED ALWAYS identity',
    );
    expect(preview.hint).toContain('SET GENERATED BY DEFAULT');
    const all = 'SELECT * FROM t ORDER BY code';
    const before = await tableText(target.client, all);
    expect((await failure(applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() }))).code).toBe(
      'unsupported',
    );
    expect(await tableText(target.client, all)).toBe(before);
    // keep-current leaves the row as it is, which is exact for that policy.
    const keep: Policy = { changed: 'keep-current', extra: 'delete' };
    expect(await parentsOf(dst, staged, keep)).toEqual([]);
    expect((await applyOf(dst, staged, { policy: keep, undo: memoryUndo() })).applied.deleted).toBe(1);
  });

  it('refuses a --key that does not identify rows (NULLs, repeats) instead of inserting them again', async () => {
    const ddl = `CREATE TABLE t (a int, b text, v text);
      INSERT INTO t VALUES (1, 'x', 'one'), (2, NULL, 'two'), (3, 'z', 'three'), (3, 'z', 'again');`;
    const { source, target } = await pair(ddl, `DELETE FROM t WHERE a = 1`);
    const src = await connect(source.url);
    const dst = await connect(target.url);
    const schema = await dst.describe({ name: 't' }, { key: ['a', 'b'] });
    const columns = writableColumns(schema).map((c) => c.name);
    const read = async () => src.read(await src.describe({ name: 't' }), { columns });
    const staged = await dst.stage(schema, await read(), { columns });
    const error = await failure(planOf(dst, staged));
    expect(error.code).toBe('no-key');
    expect(error.message).toBe(
      '--key a,b does not identify the rows of public.t: 1 source row(s) have a NULL in it; 1 key value(s) occur more than once in the source; 1 target row(s) have a NULL in it; 1 key value(s) occur more than once in the target. Nothing was written.',
    );
    const all = 'SELECT * FROM t ORDER BY a, v';
    const before = await tableText(target.client, all);
    expect((await failure(applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() }))).code).toBe('no-key');
    expect(await tableText(target.client, all)).toBe(before);
    // A user key that does identify the rows works.
    const byValue = await dst.describe({ name: 't' }, { key: ['a', 'v'] });
    const good = await dst.stage(byValue, await read(), { columns });
    await applyOf(dst, good, { policy: EXACT, undo: memoryUndo() });
    expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));
  });

  it('refuses an inheritance parent whose primary key repeats across its children', async () => {
    const ddl = `CREATE TABLE parent (id int PRIMARY KEY, v text); CREATE TABLE child () INHERITS (parent);
      INSERT INTO parent VALUES (1, 'in parent'), (2, 'two'); INSERT INTO child VALUES (1, 'in child');`;
    const { source, target } = await pair(ddl, `DELETE FROM parent WHERE id = 2`);
    const src = await connect(source.url);
    const dst = await connect(target.url);
    const schema = await dst.describe({ name: 'parent' });
    const columns = writableColumns(schema).map((c) => c.name);
    const rows = src.read(await src.describe({ name: 'parent' }), { columns, origin: true });
    const staged = await dst.stage(schema, rows, { columns, origin: true });
    const error = await failure(planOf(dst, staged));
    expect(error.code).toBe('no-key');
    expect(error.message).toContain(
      'The key id does not identify the rows of public.parent across its child tables: 1 key value(s) occur more than once in the source',
    );
  });

  it('reads through a role with statement_timeout, standard_conforming_strings off and another search_path', async () => {
    const ddl = `
      CREATE TYPE mood AS ENUM ('sad', 'ok');
      CREATE DOMAIN pos AS numeric(10,2) CHECK (VALUE > 0);
      CREATE TABLE "we\\ird" (id int PRIMARY KEY, m mood[], p pos, t text);
      INSERT INTO "we\\ird" SELECT g, '{sad,ok}', g, repeat('\\', 50000) FROM generate_series(1, 400) g;`;
    const { source, target } = await pair(ddl, `DELETE FROM "we\\ird" WHERE id % 2 = 0`);
    const role = `rowback_ro_${source.url.split('/').pop()}`;
    await source.client.query(
      `CREATE ROLE ${role} LOGIN; GRANT SELECT ON "we\\ird" TO ${role};
       ALTER ROLE ${role} SET statement_timeout = '50ms';
       ALTER ROLE ${role} SET standard_conforming_strings = off;
       ALTER ROLE ${role} SET search_path = nowhere;
       ALTER ROLE ${role} SET default_transaction_read_only = on`,
    );
    try {
      const url = new URL(source.url);
      url.username = role;
      url.password = '';
      const src = await connect(url.toString());
      const dst = await connect(target.url);
      const table = { schema: 'public', name: 'we\\ird' };
      expect((await src.describe(table)).columns).toEqual((await dst.describe(table)).columns);
      const staged = await stage(src, dst, table);
      await applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() });
      const all = `SELECT * FROM "we\\ird" ORDER BY id`;
      expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));
    } finally {
      for (const c of opened) await c.close();
      opened = [];
      await source.client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('refuses a role that row-level security would show only some rows, and says what TEMP or write right it lacks', async () => {
    const ddl = `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM generate_series(1, 6) g;`;
    const { source, target } = await pair(ddl, `DELETE FROM t WHERE id IN (2, 5)`);
    const role = `rowback_rls_${target.url.split('/').pop()}`;
    const database = target.url.split('/').pop();
    await target.client.query(
      `CREATE ROLE ${role} LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON t TO ${role};
       ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY low ON t USING (id <= 3);`,
    );
    try {
      const url = new URL(target.url);
      url.username = role;
      url.password = '';
      const src = await connect(source.url);
      const dst = await connect(url.toString());
      const hidden = await failure(stage(src, dst, { name: 't' }).then((s) => planOf(dst, s)));
      expect(hidden.code).toBe('privilege');
      expect(hidden.message).toContain('row-level security policy for table "t"');
      expect(hidden.hint).toContain('BYPASSRLS');
      await target.client.query(
        `ALTER TABLE t DISABLE ROW LEVEL SECURITY; REVOKE TEMP ON DATABASE ${database} FROM PUBLIC`,
      );
      const noTemp = await failure(stage(src, await connect(url.toString()), { name: 't' }));
      expect(noTemp.code).toBe('privilege');
      expect(noTemp.hint).toContain('GRANT TEMPORARY ON DATABASE');
      await target.client.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
      const readOnly = await failure(stage(src, await connect(url.toString()), { name: 't' }));
      expect(readOnly.code).toBe('privilege');
      expect(readOnly.message).toContain('the session is read-only');
      expect(readOnly.hint).toContain('Point --to at the primary');
      expect(await tableText(target.client, 'SELECT id FROM t ORDER BY id')).toBe('1\n3\n4\n6\n');
    } finally {
      for (const c of opened) await c.close();
      opened = [];
      await target.client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('gives up on a table another transaction holds, naming its pid, and writes nothing', async () => {
    const ddl = `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM generate_series(1, 10) g;`;
    const { source, target } = await pair(ddl, `DELETE FROM t WHERE id < 4`);
    const src = await connect(source.url);
    const dst = await connect(target.url);
    const staged = await stage(src, dst, { name: 't' });
    const holder = await sqlClient(target.url);
    try {
      await holder.query(`BEGIN; INSERT INTO t VALUES (100, 'held')`);
      const pid = (await holder.query<{ pid: string }>('SELECT pg_backend_pid()::text AS pid')).rows[0]!.pid;
      const error = await failure(applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() }));
      expect(error.code).toBe('busy');
      expect(error.message).toContain(`Waited 10 s for a lock on public.t, held by pid ${pid}`);
      expect(error.message).toContain('nothing was written');
      await holder.query('ROLLBACK');
      expect(await tableText(target.client, 'SELECT count(*) FROM t')).toBe('7\n');
      // The session is still usable once the holder is gone.
      const result = await applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() });
      expect(result.applied.inserted).toBe(3);
      // A migration holding the table: even reading it would wait; rowback gives up instead of hanging.
      await holder.query(`BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE`);
      const staging = await failure(stage(src, dst, { name: 't' }));
      expect(staging.code).toBe('busy');
      expect(staging.message).toContain('Gave up waiting for a lock while staging rows of public.t');
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
  }, 45_000);

  it('writes a script for a table wider than a function takes arguments (120 columns)', async () => {
    const names = Array.from({ length: 120 }, (_, i) => `c${i}`);
    const ddl = `CREATE TABLE w (id int PRIMARY KEY, ${names.map((c) => `${c} text`).join(', ')});
      INSERT INTO w SELECT g, ${names.map((c) => `'${c}.' || g`).join(', ')} FROM generate_series(1, 10) g;`;
    const since = `DELETE FROM w WHERE id < 4; UPDATE w SET c99 = NULL WHERE id = 5;`;
    const { source, target } = await pair(ddl, since);
    const src = await connect(source.url);
    const dst = await connect(target.url);
    const staged = await stage(src, dst, { name: 'w' });
    const parts: string[] = [];
    await scriptOf(dst, staged, { policy: EXACT, write: async (text) => void parts.push(text) });
    await target.client.query(parts.join(''));
    const all = 'SELECT * FROM w ORDER BY id';
    expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));
  });

  it('writes a script that real psql runs to the same table as apply, on tricky names and types', async () => {
    const ddl = `
      CREATE SCHEMA "My Schema";
      CREATE TYPE "My Schema".pair AS (a int, "b c" text);
      CREATE TABLE "My Schema"."order" (
        "select" int PRIMARY KEY, "user" text, "Mixed ""Q"" col" text, rowback_class text, rowback_origin text,
        m money, x xml, tv tsvector, pt point, bx box, ip inet, mac macaddr, bv bit varying(20),
        ac "My Schema".pair[], md int[], ni numeric, dt date, tz timetz, cc text, ch char(5), j jsonb, b bytea);
      INSERT INTO "My Schema"."order" VALUES
        (1, 'u', 'q"', 'c', 'o', '1234.56', '<a x="1">t&amp;</a>', 'fat:2A cat:1', '(1.5,2)', '(1,1),(0,0)',
         '10.0.0.1/8', '08:00:2b:01:02:03', B'1010', ARRAY[ROW(1, 'a"b\\'), ROW(NULL, NULL)]::"My Schema".pair[],
         '{{1,2},{3,NULL}}', 'Infinity', '0044-03-15 BC', '12:34:56.789+05:30',
         (SELECT string_agg(chr(g), '') FROM generate_series(1, 127) g), 'ab', '{"a": [1, 2.50, null]}', '\\x005c0a'),
        (2, '', '', '', '', '-0.01', '<r/>', '', '(0,-0)', '(0,0),(0,0)', '::1', 'ff:ff:ff:ff:ff:ff', B'',
         '{}', '{}', '-Infinity', 'infinity', '00:00+00', E'tab\\there\\r\\n\\\\.', '     ', 'null', ''),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'NaN', '-infinity',
         NULL, E'\\\\N', 'a', '"\\u00e9"', NULL);`;
    const since = `DELETE FROM "My Schema"."order" WHERE "select" <> 2;
      UPDATE "My Schema"."order" SET cc = 'x', bx = '(2,2),(0,0)' WHERE "select" = 2;
      INSERT INTO "My Schema"."order" ("select") VALUES (9);`;
    const { source, target } = await pair(ddl, since);
    const copy = await scratchDb('target');
    dbs.push(copy);
    await copy.client.query(ddl);
    await copy.client.query(since);
    const src = await connect(source.url);
    const dst = await connect(target.url);
    const table = { schema: 'My Schema', name: 'order' };
    const staged = await stage(src, dst, table);
    const parts: string[] = [];
    await scriptOf(dst, staged, { policy: EXACT, write: async (text) => void parts.push(text) });
    const file = join(await tempDir(), 'restore.sql');
    await writeFile(file, parts.join(''));
    const psql = await findExecutable('psql', [(await findPostgresBinaries()).binDir]);
    expect(psql).toBeDefined();
    await promisify(execFile)(psql!, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, copy.url]);
    await applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() });
    const all = `SELECT * FROM "My Schema"."order" ORDER BY "select"`;
    const expected = await tableText(source.client, all);
    expect(await tableText(target.client, all)).toBe(expected);
    expect(await tableText(copy.client, all)).toBe(expected);
  });
});
