import { it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/core/plan.js';
import { applyPlan } from '../../../src/engines/postgres/apply.js';
import { openSession } from '../../../src/engines/postgres/connect.js';
import { describeTable } from '../../../src/engines/postgres/describe.js';
import { applyDirect } from '../../../src/engines/postgres/direct.js';
import { readRows } from '../../../src/engines/postgres/read.js';
import { stageRows } from '../../../src/engines/postgres/stage.js';
import { memoryUndo, scratchDb } from './support.js';

const ROWS = Number(process.env['N'] ?? 1_000_000);
it('bench', async () => {
  const [source, target] = await Promise.all([scratchDb(), scratchDb()]);
  const DDL = `CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, note text, amount numeric(12,2))`;
  const SEED = `INSERT INTO events SELECT g, g % 97, 'note ' || g, g / 100.0 FROM generate_series(1, ${ROWS}) g`;
  for (const db of [source, target]) {
    await db.client.query(DDL);
    await db.client.query(SEED);
    await db.client.query('ANALYZE events');
  }
  await target.client.query(process.env['ACC'] ?? 'DELETE FROM events');
  if (process.env['VAC']) await target.client.query('VACUUM ANALYZE events');
  const src = await openSession(source.url);
  const dst = await openSession(target.url);
  const schema = await describeTable(dst.client, { name: 'events' }, { location: 'target' });
  const columns = schema.columns.map((c) => c.name);
  let t = Date.now();
  const rows = readRows(src, await describeTable(src.client, { name: 'events' }, { location: 'source' }), {
    columns,
  });
  if (process.env['DIRECT']) {
    const r = await applyDirect(dst, schema, rows, { columns, undo: memoryUndo() });
    console.log('direct', Date.now() - t, r?.applied);
  } else {
    const staged = await stageRows(dst, schema, rows, { columns });
    console.log('stage', Date.now() - t);
    t = Date.now();
    const plans: string[] = [];
    dst.client.on('notice', (n) => plans.push(String(n.message)));
    await dst.client.query(`LOAD 'auto_explain'`);
    await dst.client.query(`SET auto_explain.log_min_duration = 0`);
    await dst.client.query(`SET auto_explain.log_level = 'notice'`);
    const r = await applyPlan(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() });
    console.log('apply', Date.now() - t, r.applied, r.verification);
    console.log(plans.filter((p) => /Join|Loop/.test(p)).join('\n----\n'));
  }
  await src.client.end();
  await dst.client.end();
  await source.drop();
  await target.drop();
}, 600_000);
