import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../harness/index.js';
import { type RdsWorld, rdsWorld, runRecords } from '../sources/rds/support.js';
import { type DrillJson, expectedChecksum } from './support.js';

/**
 * A drill of the RDS runbook, against the stand-in for the RDS and EC2 APIs: the instance restored to
 * as-of, billing restored from it into a scratch database, compared with production, the instance deleted.
 */
let world: RdsWorld;
let spare: Scratch;

beforeAll(async () => {
  [world, spare] = await Promise.all([rdsWorld(), scratch('postgres')]);
}, 120_000);

afterAll(async () => {
  await Promise.all([world?.close(), spare?.close()]);
});

function drillArgs(asOf: string, ...extra: string[]): string[] {
  return [
    'drill',
    'billing',
    '--from',
    'rds:prod',
    '--as-of',
    asOf,
    '--live',
    world.db.targetUrl,
    '--from-database',
    world.restoredDatabase,
    '--to',
    spare.targetUrl,
    '--state-dir',
    world.stateDir,
    '--json',
    ...extra,
  ];
}

describe('rowback drill <table> --from rds:INSTANCE --as-of T', () => {
  it('restores the instance, the table into the scratch, compares with production, deletes the instance', async () => {
    const run = await world.cli(drillArgs(world.asOf));
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DrillJson;
    expect(report.steps.map((s) => [s.step, s.ok])).toEqual([
      ['scratch', true],
      ['recover', true],
      ['restore', true],
      ['checksum', true],
      ['compare', true],
      ['cleanup', true],
    ]);
    expect(report.source).toMatch(/^rds:prod as of .* \(restored into rowback-billing-/);
    expect(report.restored).toEqual(expectedChecksum(await world.db.dump('source', 'billing', ['id'])));
    expect(report.liveTable).toEqual(expectedChecksum(await world.db.dump('target', 'billing', ['id'])));
    expect(report.comparison).toBe('differs');
    const [restored] = world.aws.history;
    expect(restored?.deleted).toMatchObject({ SkipFinalSnapshot: 'true', DeleteAutomatedBackups: 'true' });
    expect(world.aws.instances.has(restored!.id)).toBe(false);
    expect(await runRecords(world.stateDir)).toEqual([]);
    // The scratch table was the drill's: gone again.
    expect(await spare.target.query("SELECT to_regclass('billing')::text")).toEqual([[null]]);
  }, 180_000);

  it('a moment outside the restorable window fails at recover, before any instance is created', async () => {
    const restores = () => world.aws.actions().filter((a) => a === 'RestoreDBInstanceToPointInTime').length;
    const before = restores();
    const run = await world.cli(drillArgs('2001-01-01 00:00:00+00'));
    expect(run.code).toBe(22);
    const report = JSON.parse(run.stdout) as DrillJson;
    expect(report.failure).toMatchObject({
      step: 'recover',
      error: { code: 'usage', message: expect.stringMatching(/is before the restorable window of rds:prod/) },
    });
    expect(restores()).toBe(before);
  }, 120_000);

  it('without --live a restored instance has no user to log in with: a command line it refuses (exit 2)', async () => {
    const run = await world.cli(['drill', 'billing', '--from', 'rds:prod', '--as-of', world.asOf]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "rds:prod needs --live: the restored instance is logged into with the live database's user and password.",
    );
  });
});
