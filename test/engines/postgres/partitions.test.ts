import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { applyOf, planOf, samplesOf } from '../flow.js';
import { memoryUndo, type ScratchDb, scratchDb, tableText } from './support.js';

const DDL = `
CREATE TABLE measures (id int, at date, v float8, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE measures_2025 PARTITION OF measures FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measures_2026 PARTITION OF measures FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO measures SELECT g, date '2025-06-01' + g * 2, g / 7.0 FROM generate_series(1, 200) g;`;

const ALL = 'SELECT tableoid::regclass::text, * FROM measures ORDER BY id, at';

let source: ScratchDb;
let target: ScratchDb;
let src: Connection;
let dst: Connection;

beforeAll(async () => {
  [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  await source.client.query(DDL);
  await target.client.query(DDL);
  await target.client.query(`DELETE FROM measures WHERE id % 4 = 0`);
  await target.client.query(`UPDATE measures SET v = -0.0 WHERE id % 10 = 1`);
  await target.client.query(`INSERT INTO measures VALUES (1000, '2026-05-05', 1), (10, '2025-01-02', 2)`);
  src = await postgresEngine.connect(source.url);
  dst = await postgresEngine.connect(target.url);
}, 60_000);

afterAll(async () => {
  await src?.close();
  await dst?.close();
  await source?.drop();
  await target?.drop();
});

describe('postgres declarative partitions and --where', () => {
  it('restores only the rows under the userFilter, routing each into its partition', async () => {
    const where = 'id < 100';
    const schema = await dst.describe({ name: 'measures' });
    const columns = schema.columns.map((c) => c.name);
    const rows = src.read(await src.describe({ name: 'measures' }), { columns, where });
    const staged = await dst.stage(schema, rows, { columns });
    const plan = await planOf(dst, staged, { where });
    expect(plan).toEqual({ missing: 24, changed: 10, extra: 1, same: 65 });
    const extra = await samplesOf(dst, staged, 'extra', 5, { where });
    expect(extra.map((s) => s.key)).toEqual([{ id: '10', at: '2025-01-02' }]);

    const result = await applyOf(dst, staged, {
      policy: { changed: 'take-source', extra: 'delete' },
      where,
      undo: memoryUndo(),
    });
    expect(result.applied).toEqual({ inserted: 24, updated: 10, deleted: 1 });
    const restored = await tableText(target.client, ALL.replace('ORDER BY', 'WHERE id < 100 ORDER BY'));
    expect(restored).toBe(await tableText(source.client, ALL.replace('ORDER BY', 'WHERE id < 100 ORDER BY')));
    // Outside the userFilter nothing moved: the row written since at id 1000 is still there.
    expect(await tableText(target.client, `SELECT * FROM measures WHERE id >= 1000`)).toBe(
      '1000\t2026-05-05\t1\n',
    );
  });
});
