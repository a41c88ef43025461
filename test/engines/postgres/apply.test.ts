import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/core/plan.js';
import { writableColumns } from '../../../src/core/table.js';
import type { Connection } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { applyOf, planOf, samplesOf, undoOf } from '../flow.js';
import { memoryUndo, type ScratchDb, scratchDb, tableText } from './support.js';

const DDL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE tricky (
  id bigint PRIMARY KEY,
  n numeric(38,10), nn numeric, f float8, ts timestamptz, iv interval,
  b bytea, j json, jb jsonb, arr int[], m mood, u uuid, t text, bx box, cash money DEFAULT 1234.5,
  g int GENERATED ALWAYS AS (length(t)) STORED
);`;

const ROWS = `
INSERT INTO tricky (id, n, nn, f, ts, iv, b, j, jb, arr, m, u, t, bx) VALUES
 (9007199254740993, 1234567890123456789012345678.0123456789, 'NaN', -0.0, '2026-01-02 03:04:05.123456+02', '1 year 2 mons 3 days 04:05:06.789',
  '\\x00ff00'::bytea, '{"b": 1,  "a": [1, 2]}', '{"b": 1, "a": 2}', '{1,NULL,3}', 'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  E'tab\\there\\nnewline \\\\ back ü 😀', '((0,0),(1,1))'),
 (2, 1.0, 1.00, 1e300, 'infinity', '-1 days', '', '[]', 'null', '{}', 'sad', NULL, '', '((0,0),(2,2))'),
 (3, NULL, NULL, 'Infinity', '-infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 5, 5, 0.1, '2000-01-01', '00:00:00.000001', '\\x5c', '"x"', '"x"', '{{1,2},{3,4}}', 'ok', NULL, 'keep', '((1,1),(0,0))');`;

let source: ScratchDb;
let target: ScratchDb;
let src: Connection;
let dst: Connection;

beforeAll(async () => {
  source = await scratchDb('source');
  target = await scratchDb();
  for (const db of [source, target]) {
    await db.client.query(DDL);
    await db.client.query(ROWS);
  }
  // The accident and the writes since: row 9007199254740993 deleted, row 2 changed by text only
  // (numeric 1.0 vs 1.00, a box of the same area), row 4 changed, row 5 written since.
  await target.client.query(`DELETE FROM tricky WHERE id = 9007199254740993`);
  await target.client.query(`UPDATE tricky SET nn = 1.0, bx = '((1,1),(3,3))' WHERE id = 2`);
  await target.client.query(`UPDATE tricky SET t = 'changed since' WHERE id = 4`);
  await target.client.query(`INSERT INTO tricky (id, t) VALUES (5, 'new')`);
  src = await postgresEngine.connect(source.url);
  dst = await postgresEngine.connect(target.url);
}, 60_000);

afterAll(async () => {
  await src?.close();
  await dst?.close();
  await source?.drop();
  await target?.drop();
});

async function stageFromSource() {
  const schema = await dst.describe({ name: 'tricky' });
  const columns = writableColumns(schema).map((c) => c.name);
  const rows = src.read(await src.describe({ name: 'tricky' }), { columns, orderByKey: true });
  return dst.stage(schema, rows, { columns });
}

const ALL = 'SELECT * FROM tricky ORDER BY id';

describe('postgres apply', () => {
  it('classifies by exact text: numeric 1.0 vs 1.00 and equal-area boxes are changed', async () => {
    const staged = await stageFromSource();
    expect(await planOf(dst, staged)).toEqual({ missing: 1, changed: 2, extra: 1, same: 1 });
    const changed = await samplesOf(dst, staged, 'changed', 5);
    expect(changed.map((s) => [s.key['id'], s.changedColumns])).toEqual([
      ['2', ['nn', 'bx']],
      ['4', ['t']],
    ]);
    const missing = await samplesOf(dst, staged, 'missing', 5);
    expect(missing[0]?.source?.['b']).toBe('\\x00ff00');
    expect(missing[0]?.source?.['id']).toBe('9007199254740993');
    await dst.dropStaged(staged);
  });

  it('dry run writes nothing', async () => {
    const before = await tableText(target.client, ALL);
    const staged = await stageFromSource();
    const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo(), dryRun: true });
    expect(result.applied).toEqual({ inserted: 1, updated: 0, deleted: 0 });
    expect(await tableText(target.client, ALL)).toBe(before);
  });

  it('take-source + delete makes the target equal to the source byte for byte, and undo reverts it', async () => {
    const before = await tableText(target.client, ALL);
    const staged = await stageFromSource();
    const undo = memoryUndo();
    const result = await applyOf(dst, staged, {
      policy: { changed: 'take-source', extra: 'delete' },
      undo,
      expected: { missing: 1, changed: 2, extra: 1, same: 1 },
    });
    expect(result.applied).toEqual({ inserted: 1, updated: 2, deleted: 1 });
    expect(result.verification).toEqual({ checked: 4, mismatched: 0 });
    expect(result.warnings).toEqual([]);
    expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));

    const schema = await dst.describe({ name: 'tricky' });
    const undone = await undoOf(dst, schema, undo.bundle(), {});
    expect(undone.applied).toEqual({ inserted: 1, updated: 2, deleted: 1 });
    expect(await tableText(target.client, ALL)).toBe(before);
  });
});
