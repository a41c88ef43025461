import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Scratch } from '../harness/index.js';
import { createSqliteScratch } from '../harness/sqlite.js';
import type { DrillJson } from './support.js';

/** A drill between SQLite files: last night's copy, the live file, a scratch file of its own. */
let world: Scratch;
let spare: Scratch;

const TABLE = `CREATE TABLE billing (id INTEGER PRIMARY KEY, account INTEGER NOT NULL, amount NUMERIC, note TEXT)`;
const ROWS = `INSERT INTO billing VALUES (1, 1, 1.5, 'tab\there'), (2, 2, NULL, 'back\\slash'), (3, 3, 3, 'déjà vu')`;

beforeAll(async () => {
  [world, spare] = await Promise.all([createSqliteScratch(), createSqliteScratch()]);
  for (const side of [world.source, world.target]) {
    await side.exec(TABLE);
    await side.exec(ROWS);
  }
});

afterAll(async () => {
  await Promise.all([world?.close(), spare?.close()]);
});

describe('rowback drill on SQLite files', () => {
  it('creates the scratch table in the --to file, marked in its CREATE TABLE; the same rows as the live file', async () => {
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
    expect(report.comparison).toBe('match');
    expect(report.restored?.rows).toBe(3);
    expect(await spare.dump('target', 'billing', ['id'])).toEqual(
      await world.dump('source', 'billing', ['id']),
    );
    const [[sql]] = (await spare.target.query("SELECT sql FROM sqlite_master WHERE name = 'billing'")) as [
      [string],
    ];
    expect(sql).toContain('-- rowback drill scratch');
  }, 120_000);

  it('without --to there is no throwaway SQLite: a command line rowback refuses, saying to give one (exit 2)', async () => {
    const run = await runCli(['drill', 'billing', '--from', world.sourceUrl, '--live', world.targetUrl]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('rowback starts no throwaway sqlite database for a drill: give --to.');
  }, 120_000);
});
