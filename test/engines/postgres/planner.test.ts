import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/core/plan.js';
import { openSession, type PgSession } from '../../../src/engines/postgres/connect.js';
import { PgConnection } from '../../../src/engines/postgres/connection.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { applyOf } from '../flow.js';
import { memoryUndo, type ScratchDb, scratchDb, tableText } from './support.js';

const ROWS = 200_000;
const DDL = `CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, note text, amount numeric(12,2))
             WITH (autovacuum_enabled = off)`;
const SEED = `INSERT INTO events SELECT g, g % 97, 'note ' || g, g / 100.0 FROM generate_series(1, ${ROWS}) g`;

let source: ScratchDb;
let target: ScratchDb;
let src: PgSession;
let dst: PgSession;

beforeAll(async () => {
  [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  for (const db of [source, target]) {
    await db.client.query(DDL);
    await db.client.query(SEED);
    await db.client.query('ANALYZE events');
  }
  // The accident; VACUUM then records the table as empty, which is what the planner sees next.
  await target.client.query('DELETE FROM events');
  await target.client.query('VACUUM ANALYZE events');
  src = await openSession(source.url);
  dst = await openSession(target.url);
}, 120_000);

afterAll(async () => {
  await src?.client.end();
  await dst?.client.end();
  await source?.drop();
  await target?.drop();
});

describe('postgres planner after an accident', () => {
  it('restores 200,000 rows into a table whose statistics say empty without any nested loop', async () => {
    const onTarget = new PgConnection(postgresEngine, dst);
    const onSource = new PgConnection(postgresEngine, src);
    const schema = await onTarget.describe({ name: 'events' });
    const columns = schema.columns.map((c) => c.name);
    const rows = onSource.read(await onSource.describe({ name: 'events' }), { columns });
    const staged = await onTarget.stage(schema, rows, { columns });
    expect(staged.rows).toBe(ROWS);

    // auto_explain reports the plan of every statement the apply runs, as notices to this session.
    const plans: string[] = [];
    dst.client.on('notice', (notice) => plans.push(String(notice.message)));
    await dst.client.query(`LOAD 'auto_explain'`);
    await dst.client.query(`SET auto_explain.log_min_duration = 0`);
    await dst.client.query(`SET auto_explain.log_level = 'notice'`);
    const result = await applyOf(onTarget, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() });
    await dst.client.query(`SET auto_explain.log_min_duration = -1`);

    expect(result.applied.inserted).toBe(ROWS);
    expect(result.verification).toEqual({ checked: ROWS, mismatched: 0 });
    const joins = plans.filter((p) => /Join|Nested Loop/.test(p));
    expect(joins.length).toBeGreaterThan(2);
    expect(joins.filter((p) => p.includes('Nested Loop'))).toEqual([]);
    const all = 'SELECT * FROM events ORDER BY id';
    expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));
  }, 120_000);
});
