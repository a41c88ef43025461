import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Scratch, scratch } from '../harness/index.js';
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
  });
});
