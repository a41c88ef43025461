import { it } from 'vitest';
import { decodeRow, splitRows } from '../../../src/core/rows.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { literal } from '../../../src/engines/mysql/script.js';
import { loadRows } from '../../../src/engines/mysql/stage.js';
import { mysqlEngine } from '../../../src/engines/mysql/index.js';
import { collect } from './support.js';

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

it('measures LOAD DATA against multi-row INSERT on 1,000,000 rows', { timeout: 900_000 }, async () => {
  const url = process.env['ROWBACK_TEST_MYSQL_URL']!;
  const { session } = await openSession(url);
  await session.exec('CREATE DATABASE IF NOT EXISTS rb_measure');
  await session.exec('USE rb_measure');
  const ddl = '(id INT PRIMARY KEY, a VARCHAR(60) CHARACTER SET utf8mb4, b VARBINARY(16), c DECIMAL(20,4), d DATETIME(6))';
  await session.exec(`CREATE OR REPLACE TABLE m1 ${ddl}`);
  await session.exec(`CREATE OR REPLACE TABLE m2 ${ddl}`);
  const mem0 = process.memoryUsage().rss;
  let t = Date.now();
  await loadRows(session, 'm1', ['id', 'a', 'b', 'c', 'd'], rows(), 'm1');
  console.log('LOAD DATA', Date.now() - t, 'ms; rss growth MB', (process.memoryUsage().rss - mem0) / 1e6);
  const conn = await mysqlEngine.connect(`${url.replace(/\/$/, '')}/rb_measure`);
  const schema = await conn.describe({ name: 'm1' });
  t = Date.now();
  let batch: string[] = [];
  for await (const line of splitRows(rows())) {
    const v = decodeRow(line);
    batch.push(`(${v.map((x, i) => literal(schema, schema.columns[i]!.name, x)).join(',')})`);
    if (batch.length === 1000) {
      await session.exec(`INSERT INTO m2 VALUES ${batch.join(',')}`);
      batch = [];
    }
  }
  if (batch.length) await session.exec(`INSERT INTO m2 VALUES ${batch.join(',')}`);
  console.log('INSERT x1000', Date.now() - t, 'ms');
  const r0 = process.memoryUsage().rss;
  t = Date.now();
  let bytes = 0;
  let peak = 0;
  for await (const chunk of conn.read(schema, { columns: ['id', 'a', 'b', 'c', 'd'], orderByKey: true })) {
    bytes += chunk.length;
    peak = Math.max(peak, process.memoryUsage().rss - r0);
  }
  console.log('read', Date.now() - t, 'ms', bytes, 'bytes; peak rss growth MB', peak / 1e6);
  const a = await collect(conn.read(schema, { columns: ['id', 'a', 'b', 'c', 'd'], orderByKey: true }));
  const s2 = await conn.describe({ name: 'm2' });
  const b = await collect(conn.read(s2, { columns: ['id', 'a', 'b', 'c', 'd'], orderByKey: true }));
  console.log('equal', a.equals(b));
  await session.exec('DROP DATABASE rb_measure');
  await conn.close();
  await session.close();
});
