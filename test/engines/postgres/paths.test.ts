import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { PostImage } from '../../../src/core/images.js';
import { writableColumns } from '../../../src/core/table.js';
import type { Connection } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { applyOf, directOf, scriptOf, undoOf } from '../flow.js';
import { memoryUndo, type ScratchDb, scratchDb, tableText } from './support.js';

const DDL = `
CREATE TABLE billing (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account text NOT NULL,
  amount numeric(38,10),
  memo text,
  tags text[],
  doubled numeric GENERATED ALWAYS AS (amount * 2) STORED
);
INSERT INTO billing (account, amount, memo, tags) OVERRIDING SYSTEM VALUE
SELECT 'acct ' || (g % 7), g / 3.0, CASE WHEN g % 5 = 0 THEN NULL WHEN g % 5 = 1 THEN '' ELSE E'it''s a\\ttab\\\\ \\n' || g END,
       ARRAY['a', NULL, 'c"d']
FROM generate_series(1, 500) g;`;

const ALL = 'SELECT * FROM billing ORDER BY id';

let source: ScratchDb;
let target: ScratchDb;
let src: Connection;
let dst: Connection;

beforeEach(async () => {
  await afterAllCleanup();
  [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  await source.client.query(DDL);
  await target.client.query(DDL);
  src = await postgresEngine.connect(source.url);
  dst = await postgresEngine.connect(target.url);
}, 60_000);

async function afterAllCleanup() {
  await src?.close();
  await dst?.close();
  await source?.drop();
  await target?.drop();
}
afterAll(afterAllCleanup);

async function sourceRows() {
  const schema = await dst.describe({ name: 'billing' });
  const columns = writableColumns(schema).map((c) => c.name);
  return { schema, columns, rows: src.read(await src.describe({ name: 'billing' }), { columns }) };
}

describe('postgres direct path and script', () => {
  it('copies straight into an emptied table, tees the rows to the undo file and moves the identity', async () => {
    await target.client.query('TRUNCATE billing RESTART IDENTITY');
    const { schema, columns, rows } = await sourceRows();
    const undo = memoryUndo();
    const result = await directOf(dst, schema, rows, { columns, undo });
    expect(result?.replanned).toBe(false);
    expect(result?.applied).toEqual({ inserted: 500, updated: 0, deleted: 0 });
    expect(result?.counters).toEqual([
      { name: 'public.billing_id_seq', from: '1', value: '500', moved: true },
    ]);
    expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));
    expect(undo.after.toString()).toBe(
      await tableText(source.client, `SELECT ${columns.join(', ')} FROM billing`),
    );
    const next = await target.client.query<{ id: string }>(
      `INSERT INTO billing (account) VALUES ('new') RETURNING id::text`,
    );
    expect(next.rows[0]!.id).toBe('501');

    // Undo removes exactly what the direct path inserted and leaves the row written since.
    const dry = await undoOf(dst, schema, undo.bundle(), { dryRun: true });
    expect(dry.applied).toEqual({ inserted: 0, updated: 0, deleted: 500 });
    expect(await dst.count(schema)).toBe(501);
    await undoOf(dst, schema, undo.bundle(), {});
    expect(await tableText(target.client, 'SELECT id, account FROM billing')).toBe('501\tnew\n');
  });

  it('declines, writing nothing, when the target still has rows', async () => {
    await target.client.query('DELETE FROM billing WHERE id > 1');
    const before = await tableText(target.client, ALL);
    const { schema, columns, rows } = await sourceRows();
    expect(await directOf(dst, schema, rows, { columns, undo: memoryUndo() })).toBeUndefined();
    expect(await tableText(target.client, ALL)).toBe(before);
  });

  it('writes a script that, run as is, gives the same table as apply', async () => {
    await target.client.query(`DELETE FROM billing WHERE id % 3 = 0`);
    await target.client.query(`UPDATE billing SET memo = 'edited' WHERE id % 10 = 1`);
    await target.client.query(`INSERT INTO billing (account) VALUES ('since')`);
    const { schema, columns, rows } = await sourceRows();
    const staged = await dst.stage(schema, rows, { columns });
    const policy = { changed: 'take-source', extra: 'delete' } as const;
    const parts: string[] = [];
    await scriptOf(dst, staged, { policy, write: async (text) => void parts.push(text) });
    const script = parts.join('');
    expect(script).toMatch(
      /^-- rowback restore of public\.billing: 166 missing, 34 changed, 1 extra, 300 same/,
    );
    expect(script).toContain('OVERRIDING SYSTEM VALUE SELECT');
    expect(script).toContain('LOCK TABLE "public"."billing" IN SHARE ROW EXCLUSIVE MODE;');

    // Apply on a copy of the target: the same database state, then compare.
    const copy = await scratchDb();
    try {
      await copy.client.query(DDL);
      await copy.client.query(`DELETE FROM billing WHERE id % 3 = 0`);
      await copy.client.query(`UPDATE billing SET memo = 'edited' WHERE id % 10 = 1`);
      await copy.client.query(`INSERT INTO billing (account) VALUES ('since')`);
      await copy.client.query(script);
      const result = await applyOf(dst, staged, { policy, undo: memoryUndo() });
      expect(result.applied).toEqual({ inserted: 166, updated: 34, deleted: 1 });
      expect(await tableText(copy.client, ALL)).toBe(await tableText(target.client, ALL));
      expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));
      const seq = 'SELECT last_value::text, is_called::text FROM billing_id_seq';
      expect(await tableText(copy.client, seq)).toBe(await tableText(target.client, seq));
    } finally {
      await copy.drop();
    }
  });

  it('rolls the direct copy back when the undo file cannot be written, and the session stays usable', async () => {
    await target.client.query('DELETE FROM billing');
    const { schema, columns, rows } = await sourceRows();
    const failing = {
      ...memoryUndo(),
      async writeAfter(_form: PostImage, stream: AsyncIterable<Buffer>): Promise<number> {
        for await (const _chunk of stream) throw new Error('disk full');
        return 0;
      },
    };
    const error = await directOf(dst, schema, rows, { columns, undo: failing }).catch((e: Error) => e);
    expect((error as Error).message).toContain('disk full');
    expect(await dst.count(schema)).toBe(0);
  });

  it('reports a bad row while staging and keeps the session usable', async () => {
    const schema = await dst.describe({ name: 'billing' });
    const columns = ['id', 'account', 'amount'];
    async function* rows() {
      yield Buffer.from('1\tok\t1.5\n');
      yield Buffer.from('2\tbad\tnot a number\n');
    }
    const error = await dst.stage(schema, rows(), { columns }).catch((e: Error) => e);
    expect((error as Error).message).toContain('staging rows of public.billing');
    expect(await dst.count(schema)).toBe(500);
  });
});
