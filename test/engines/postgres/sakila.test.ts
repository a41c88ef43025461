import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/core/plan.js';
import { writableColumns } from '../../../src/core/table.js';
import type { Connection } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { applyOf, planOf, undoOf } from '../flow.js';
import { loadSakila, memoryUndo, type ScratchDb, scratchDb, tableText } from './support.js';

// Sakila's payment is an inheritance parent whose INSERT rules send 2007 rows to monthly children with
// payment_id DEFAULT. The data puts every row in the parent, so move two customers' rows into children
// (keeping their keys) the way a real history would have.
const MOVE_TO_CHILDREN = `
WITH moved AS (DELETE FROM ONLY payment WHERE customer_id = 1 RETURNING *)
INSERT INTO payment_p2007_01 SELECT payment_id, customer_id, staff_id, rental_id, amount,
  timestamp '2007-01-01 10:00:00' + (payment_id % 28) * interval '1 day' FROM moved;
WITH moved AS (DELETE FROM ONLY payment WHERE customer_id = 2 RETURNING *)
INSERT INTO payment_p2007_02 SELECT payment_id, customer_id, staff_id, rental_id, amount,
  timestamp '2007-02-01 10:00:00' + (payment_id % 28) * interval '1 day' FROM moved;`;

const WHERE_ROWS_LIVE = 'SELECT tableoid::regclass::text, * FROM payment ORDER BY payment_id';

let source: ScratchDb;
let target: ScratchDb;
let src: Connection;
let dst: Connection;

beforeAll(async () => {
  [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  await Promise.all([loadSakila(source.client), loadSakila(target.client)]);
  await source.client.query(MOVE_TO_CHILDREN);
  await target.client.query(MOVE_TO_CHILDREN);
  src = await postgresEngine.connect(source.url);
  dst = await postgresEngine.connect(target.url);
}, 120_000);

afterAll(async () => {
  await src?.close();
  await dst?.close();
  await source?.drop();
  await target?.drop();
});

describe('postgres engine on Sakila payment (inheritance + INSERT rules)', () => {
  it('describes the parent with its children, rules, key, sequence and foreign keys', async () => {
    const schema = await dst.describe({ name: 'payment' });
    expect(schema.ref).toEqual({ schema: 'public', name: 'payment' });
    expect(schema.partitioning).toBe('inheritance');
    expect(schema.children.map((c) => c.name)).toEqual([1, 2, 3, 4, 5, 6].map((m) => `payment_p2007_0${m}`));
    expect(schema.rules).toHaveLength(6);
    expect(schema.key).toEqual({ columns: ['payment_id'], origin: 'primary', name: 'payment_pkey' });
    expect(schema.sequences).toEqual([{ column: 'payment_id', name: 'public.payment_payment_id_seq' }]);
    expect(schema.foreignKeys.map((f) => f.name).sort()).toEqual([
      'payment_customer_id_fkey',
      'payment_rental_id_fkey',
      'payment_staff_id_fkey',
    ]);
    expect(schema.columns.find((c) => c.name === 'amount')).toMatchObject({
      type: 'numeric(5,2)',
      nullable: false,
    });
    expect(schema.triggers).toEqual([]);
  });

  it('restores deleted rows into the child table each came from, with their original keys', async () => {
    // The accident, then a payment written since (routed by a rule to a child, with a new key).
    await target.client.query('DELETE FROM payment WHERE customer_id IN (1, 2, 3)');
    await target.client.query(
      `INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date) VALUES (4, 1, 1, 9.99, '2007-01-15 12:00:00')`,
    );
    const newRow = await tableText(
      target.client,
      `SELECT tableoid::regclass::text, * FROM payment WHERE customer_id = 4 AND amount = 9.99`,
    );
    expect(newRow).toMatch(/^payment_p2007_01\t/);

    const schema = await dst.describe({ name: 'payment' });
    const columns = writableColumns(schema).map((c) => c.name);
    const rows = src.read(await src.describe({ name: 'payment' }), {
      columns,
      origin: true,
      orderByKey: true,
    });
    const staged = await dst.stage(schema, rows, { columns, origin: true });
    expect(staged.rows).toBe(16049);
    const plan = await planOf(dst, staged);
    expect(plan.missing).toBe(32 + 27 + 26);
    expect(plan.extra).toBe(1);

    const beforeRestore = await tableText(target.client, WHERE_ROWS_LIVE);
    const undo = memoryUndo();
    const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo, expected: plan });
    expect(result.applied.inserted).toBe(85);
    expect(result.verification.mismatched).toBe(0);
    expect(undo.after.toString()).toContain('\tpublic.payment_p2007_01\n');

    const restored = await tableText(
      target.client,
      WHERE_ROWS_LIVE.replace('ORDER BY', 'WHERE NOT (customer_id = 4 AND amount = 9.99) ORDER BY'),
    );
    expect(restored).toBe(await tableText(source.client, WHERE_ROWS_LIVE));
    expect(
      await tableText(
        target.client,
        `SELECT tableoid::regclass::text, * FROM payment WHERE customer_id = 4 AND amount = 9.99`,
      ),
    ).toBe(newRow);

    const undone = await undoOf(dst, schema, undo.bundle(), {});
    expect(undone.applied).toEqual({ inserted: 0, updated: 0, deleted: 85 });
    expect(await tableText(target.client, WHERE_ROWS_LIVE)).toBe(beforeRestore);
  }, 60_000);

  it('with take-source and delete, makes payment equal to the source, rows in their children, and undo puts it back', async () => {
    await target.client.query(`UPDATE payment SET amount = amount + 1 WHERE customer_id IN (1, 2, 5)`);
    await target.client.query(`DELETE FROM payment WHERE customer_id = 6`);
    const beforeRestore = await tableText(target.client, WHERE_ROWS_LIVE);
    const schema = await dst.describe({ name: 'payment' });
    const columns = writableColumns(schema).map((c) => c.name);
    const rows = src.read(await src.describe({ name: 'payment' }), { columns, origin: true });
    const staged = await dst.stage(schema, rows, { columns, origin: true });
    const undo = memoryUndo();
    const result = await applyOf(dst, staged, { policy: { changed: 'take-source', extra: 'delete' }, undo });
    expect(result.verification.mismatched).toBe(0);
    expect(result.applied.deleted).toBe(1);
    expect(await tableText(target.client, WHERE_ROWS_LIVE)).toBe(
      await tableText(source.client, WHERE_ROWS_LIVE),
    );

    await undoOf(dst, schema, undo.bundle(), {});
    expect(await tableText(target.client, WHERE_ROWS_LIVE)).toBe(beforeRestore);
  }, 60_000);
});
