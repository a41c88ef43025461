import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Scratch, scratch } from '../harness/index.js';
import { type BinlogDb, binlogDb, nextSecond } from '../sources/binlog/support.js';
import { type DrillJson, expectedChecksum } from './support.js';

/**
 * A drill on MySQL/MariaDB: the past state on a "restored instance" (the pair's source database), the
 * live table on the target, the scratch a database of its own, where the drill creates the table.
 */
let world: Scratch;
let spare: Scratch;

const TABLE = `CREATE TABLE billing (id int PRIMARY KEY, account int NOT NULL, amount decimal(12,2),
  note varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, at datetime(6)) ENGINE=InnoDB`;

beforeAll(async () => {
  [world, spare] = await Promise.all([scratch('mysql'), scratch('mysql')]);
  await world.source.exec(TABLE);
  await world.source.exec(`INSERT INTO billing VALUES (1, 1, 1.50, 'tab\\there', '2026-11-24 10:00:00.123456'),
    (2, 2, NULL, 'back\\\\slash', NULL), (3, 3, 3.00, 'déjà vu', '2026-11-24 10:00:01')`);
  await world.target.exec(TABLE);
  await world.target.exec(`INSERT INTO billing VALUES (3, 3, 3.00, 'déjà vu', '2026-11-24 10:00:01')`);
}, 120_000);

afterAll(async () => {
  await Promise.all([world?.close(), spare?.close()]);
});

describe('rowback drill on MySQL/MariaDB', () => {
  it('creates the scratch table with the source’s types, restores into it, keeps it marked with --keep', async () => {
    const run = await runCli([
      'drill',
      'billing',
      '--from',
      world.sourceUrl,
      '--live',
      world.targetUrl,
      '--to',
      spare.targetUrl,
      '--keep',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DrillJson;
    const restored = await world.dump('source', 'billing', ['id']);
    expect(report.restored).toEqual(expectedChecksum(restored));
    expect(report.liveTable).toEqual(expectedChecksum(await world.dump('target', 'billing', ['id'])));
    expect(report.comparison).toBe('differs');
    expect(await spare.dump('target', 'billing', ['id'])).toEqual(restored);
    const [[, create]] = (await spare.target.query('SHOW CREATE TABLE billing')) as [[string, string]];
    expect(create).toContain("COMMENT='rowback drill scratch'");
    expect(create).toMatch(/`note` varchar\(40\) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin/);
    expect(report.steps.at(-1)?.detail).toMatch(/kept billing on /);
  }, 120_000);
});

describe('rowback drill compared with a MySQL/MariaDB live table at as-of, from its binlog', () => {
  let live: BinlogDb;
  let restored: Scratch;
  let into: Scratch;
  let asOf: string;

  beforeAll(async () => {
    [live, restored, into] = await Promise.all([binlogDb('rows'), scratch('mysql'), scratch('mysql')]);
    const rows = `INSERT INTO billing VALUES (1, 1, 1.50, 'tab\\there', '2026-11-24 10:00:00.123456'),
      (2, 2, NULL, 'back\\\\slash', NULL), (3, 3, 3.00, 'déjà vu', '2026-11-24 10:00:01'), (4, 4, 4.00, 'four', NULL)`;
    await live.sql.exec(TABLE);
    await live.sql.exec(rows);
    asOf = await nextSecond(live.sql);
    // The "restored instance": what a backup recovered to as-of holds.
    await restored.source.exec(TABLE);
    await restored.source.exec(rows);
    // The accident, and writes since: the live table now is not what it was.
    await live.sql.exec(`DELETE FROM billing WHERE id <= 2`);
    await live.sql.exec(`UPDATE billing SET note = 'changed since' WHERE id = 3`);
    await live.sql.exec(`INSERT INTO billing VALUES (5, 5, 5.00, 'written since', NULL)`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([live?.close(), restored?.close(), into?.close()]);
  });

  const drill = (...extra: string[]) =>
    runCli([
      'drill',
      'billing',
      '--from',
      restored.sourceUrl,
      '--live',
      live.url,
      '--to',
      into.targetUrl,
      '--as-of',
      asOf,
      '--json',
      ...extra,
    ]);

  it('the restored table equals the live table as it was at as-of: today’s rows, and the binlog’s for the keys changed since', async () => {
    const run = await drill();
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DrillJson & { liveAt?: string };
    expect(report.liveAt).toBe('as-of');
    expect(report.comparison).toBe('match');
    expect(report.restored).toEqual(expectedChecksum(await restored.dump('source', 'billing', ['id'])));
    expect(report.liveTable).toEqual(report.restored);
    expect(report.restored?.rows).toBe(4);
  }, 120_000);

  it('a restore that does not hold what the live table held at as-of fails the drill (exit 22)', async () => {
    await restored.source.exec(`UPDATE billing SET amount = 4.01 WHERE id = 4`);
    try {
      const run = await drill();
      expect(run.code).toBe(22);
      const report = JSON.parse(run.stdout) as DrillJson & { liveAt?: string };
      expect(report.liveAt).toBe('as-of');
      expect(report.comparison).toBe('mismatch');
      expect(report.failure).toMatchObject({ step: 'compare', error: { code: 'verify-failed' } });
    } finally {
      await restored.source.exec(`UPDATE billing SET amount = 4.00 WHERE id = 4`);
    }
  }, 120_000);
});
