import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MysqlConnection } from '../../../src/engines/mysql/connection.js';
import { openSides, type Sides, streamOf } from './support.js';

/**
 * Sessions connected to this test's own scratch database: other test files share the server and open
 * and close sessions of their own meanwhile.
 */
async function sessionsOn(sides: Sides): Promise<string | null | undefined> {
  const rows = await sides.db.target.query(
    'SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()',
  );
  return rows[0]?.[0];
}

/** readBeside: the target read through a second session while the first writes (the ordered merge). */
describe('MySQL readBeside', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
    await sides.db.target.exec('CREATE TABLE t (id bigint PRIMARY KEY, v varchar(20) NULL)');
    const values = Array.from({ length: 5000 }, (_, i) => `(${2 * i + 2}, 'row ${2 * i + 2}')`);
    await sides.db.target.exec(`INSERT INTO t VALUES ${values.join(', ')}`);
  });
  afterEach(() => sides.close());

  it('streams the table in key order as committed, while the locked session copies rows in, without those rows', async () => {
    const target = sides.target as MysqlConnection;
    const schema = await target.describe({ name: 't' });
    const merge = await target.mergeKey(schema);
    const sessions = () => sessionsOn(sides);
    const before = await sessions();
    await target.begin(schema, {});
    const read = target.readBeside(schema, { columns: ['id', 'v'], merge })[Symbol.asyncIterator]();
    const first = await read.next();
    expect(Number(await sessions())).toBe(Number(before) + 1);
    // The first session writes while the second one's read is under way.
    const odd = Array.from({ length: 5000 }, (_, i) => `${2 * i + 1}\trow ${2 * i + 1}\n`).join('');
    expect(await target.copyIn(schema, streamOf(odd), { columns: ['id', 'v'] })).toBe(5000);
    const chunks = [first.value as Buffer];
    for (let next = await read.next(); !next.done; next = await read.next()) chunks.push(next.value);
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    expect(lines[0]).toBe('2\trow 2\t2');
    expect(lines[4999]).toBe('10000\trow 10000\t10000');
    await target.commit();
    expect(await sides.db.target.query('SELECT COUNT(*) FROM t')).toEqual([['10000']]);
    // The second session ended with its stream (the server drops a quitting thread a moment later).
    for (let i = 0; i < 50 && (await sessions()) !== before; i++) await sleep(100);
    expect(await sessions()).toBe(before);
  });

  it('a reader that stops early leaves no second session behind, and the first one untouched', async () => {
    const target = sides.target as MysqlConnection;
    await sides.db.target.exec(
      "CREATE TABLE big (id bigint PRIMARY KEY, v varchar(100)) SELECT seq AS id, REPEAT('x', 90) AS v FROM seq_1_to_100000",
    );
    const schema = await target.describe({ name: 'big' });
    const sessions = () => sessionsOn(sides);
    const before = await sessions();
    let read = 0;
    for await (const chunk of target.readBeside(schema, { columns: ['id', 'v'] })) {
      read += chunk.length;
      break;
    }
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(100_000 * 90);
    for (let i = 0; i < 50 && (await sessions()) !== before; i++) await sleep(100);
    expect(await sessions()).toBe(before);
    // The first session is untouched.
    expect(await target.count(schema)).toBe(100_000);
  });
});
