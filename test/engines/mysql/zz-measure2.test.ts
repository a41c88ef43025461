import { it } from 'vitest';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { loadRows } from '../../../src/engines/mysql/stage.js';
import { mysqlEngine } from '../../../src/engines/mysql/index.js';
import { memoryUndo } from './support.js';

const N = 1_000_000;
async function* rows() {
  let parts: string[] = [];
  for (let i = 1; i <= N; i++) {
    parts.push(`${i}\tname number ${i} \\t ü\t\\0\\n${i % 251}\t${i}.${i % 10000}\t2026-01-01 00:00:${String(i % 60).padStart(2, '0')}.123456\n`);
    if (parts.length === 2000) {
      yield Buffer.from(parts.join(''));
      parts = [];
    }
  }
  if (parts.length) yield Buffer.from(parts.join(''));
}

it('measures a 1,000,000-row restore', { timeout: 900_000 }, async () => {
  const url = process.env['ROWBACK_TEST_MYSQL_URL']!;
  const { session } = await openSession(url);
  await session.exec('CREATE DATABASE IF NOT EXISTS rb_measure2');
  await session.exec('USE rb_measure2');
  const ddl = '(id INT PRIMARY KEY, a VARCHAR(60) CHARACTER SET utf8mb4, b VARBINARY(16), c DECIMAL(20,4), d DATETIME(6))';
  await session.exec(`CREATE OR REPLACE TABLE src ${ddl}`);
  await session.exec(`CREATE OR REPLACE TABLE dst ${ddl}`);
  await loadRows(session, 'src', ['id', 'a', 'b', 'c', 'd'], rows(), 'src');
  const conn = await mysqlEngine.connect(`${url.replace(/\/$/, '')}/rb_measure2`);
  const src = await conn.describe({ name: 'src' });
  const dst = await conn.describe({ name: 'dst' });
  const src2 = await mysqlEngine.connect(`${url.replace(/\/$/, '')}/rb_measure2`);
  const columns = ['id', 'a', 'b', 'c', 'd'];
  for (const round of ['empty target', 'all same', 'half deleted']) {
    if (round === 'half deleted') await session.exec('DELETE FROM dst WHERE id % 2 = 0');
    let t = Date.now();
    const staged = await conn.stage(dst, src2.read(src, { columns }), { columns });
    console.log(round, 'stage', Date.now() - t);
    t = Date.now();
    const plan = await conn.plan(staged);
    console.log(round, 'plan', Date.now() - t, plan);
    t = Date.now();
    const undo = memoryUndo();
    const r = await conn.apply(staged, { policy: { changed: 'keep-current', extra: 'keep' }, undo });
    console.log(round, 'apply', Date.now() - t, r.applied, r.verification);
    await conn.dropStaged(staged);
  }
  await session.exec('DROP DATABASE rb_measure2');
  await conn.close();
  await src2.close();
  await session.close();
});
