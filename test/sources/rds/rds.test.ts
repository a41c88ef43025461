import { afterEach, describe, expect, it } from 'vitest';
import {
  billing,
  expectedAfterRestore,
  type RdsWorld,
  rdsWorld,
  restoreArgs,
  runRecords,
} from './support.js';

let world: RdsWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('rowback restore --from rds:INSTANCE --as-of T', () => {
  it('restores a temporary instance, merges the table back, and deletes the instance: the whole runbook in one command', async () => {
    world = await rdsWorld();
    const expected = await expectedAfterRestore(world);
    const result = await world.cli(restoreArgs(world, ['--json']));
    expect(result.stderr).not.toContain('rowback:');
    expect(result.code).toBe(0);
    expect(await billing(world)).toEqual(expected);
    const report = JSON.parse(result.stdout);
    expect(report.applied).toEqual({ inserted: 50, updated: 0, deleted: 0 });
    expect(report.source).toMatch(
      /^rds:prod as of .* \(restored into rowback-billing-\d{8}-\d{6}-[0-9a-f]{6}\)$/,
    );

    // The window was checked before anything was created, then the restore asked for exactly this.
    const actions = world.aws.actions();
    expect(actions.slice(0, 3)).toEqual([
      'DescribeDBInstances',
      'DescribeDBInstanceAutomatedBackups',
      'RestoreDBInstanceToPointInTime',
    ]);
    const [restored] = world.aws.history;
    expect(restored?.created).toMatchObject({
      SourceDBInstanceIdentifier: 'prod',
      RestoreTime: new Date(world.asOf).toISOString().replace('.000Z', 'Z'),
      DBInstanceClass: 'db.r6g.large',
      DBSubnetGroupName: 'prod-subnets',
      'VpcSecurityGroupIds.VpcSecurityGroupId.1': 'sg-0a1b2c3d',
      PubliclyAccessible: 'false',
    });
    expect(restored?.tags['rowback:run-id']).toMatch(/^run-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    // Deleted for good, and waited for.
    expect(restored?.deleted).toMatchObject({ SkipFinalSnapshot: 'true', DeleteAutomatedBackups: 'true' });
    expect(world.aws.instances.has(restored!.id)).toBe(false);
    expect(actions.at(-1)).toBe('DescribeDBInstances');
    expect(world.aws.rules).toEqual([]);
    expect(await runRecords(world.stateDir)).toEqual([]);
    // What it cost: the class and how long it existed.
    expect(result.stderr).toMatch(
      /Cleaned up after the restore of rds:prod .*\(existed \d+ s, instance class db\.r6g\.large/,
    );
    expect(result.stderr).toMatch(/removed the RDS instance rowback-billing-/);
  }, 120_000);

  it('refuses an --as-of outside the restorable window, saying the window, before creating anything', async () => {
    world = await rdsWorld();
    const before = await billing(world);
    const result = await world.cli(
      restoreArgs(world).map((a) => (a === world!.asOf ? '2020-01-01 00:00:00Z' : a)),
    );
    expect(result.stderr).toMatch(
      /--as-of 2020-01-01 00:00:00\+00 is before the restorable window of rds:prod: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ … \d{4}-.* \(backup retention 7 days\)/,
    );
    expect(result.code).toBe(2);
    expect(world.aws.actions()).not.toContain('RestoreDBInstanceToPointInTime');
    expect(await billing(world)).toEqual(before);
  });

  it('says there is no such instance in the region', async () => {
    world = await rdsWorld();
    const result = await world.cli(restoreArgs(world).map((a) => (a === 'rds:prod' ? 'rds:prdo' : a)));
    expect(result.stderr).toContain('There is no DB instance "prdo" in eu-west-1.');
    expect(result.code).toBe(3);
  });

  it('names the IAM action that was denied, and leaves nothing behind', async () => {
    world = await rdsWorld();
    world.aws.fail(
      'RestoreDBInstanceToPointInTime',
      'AccessDenied',
      'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: rds:RestoreDBInstanceToPointInTime',
      403,
    );
    const result = await world.cli(restoreArgs(world));
    expect(result.stderr).toContain(
      'AWS denied rds:RestoreDBInstanceToPointInTime while restoring prod into rowback-billing-',
    );
    expect(result.stderr).toContain('hint: Allow rds:RestoreDBInstanceToPointInTime for these credentials');
    expect(result.code).toBe(6);
    expect(world.aws.history).toEqual([]);
    expect(await runRecords(world.stateDir)).toEqual([]);
  });

  it('deletes the instance when AWS keeps throttling the wait', async () => {
    world = await rdsWorld();
    world.aws.restoreTo.polls = 40;
    const before = await billing(world);
    const started = world.cli(restoreArgs(world));
    // Once the instance is being created, throttle the wait through every attempt the SDK makes (3).
    for (let i = 0; i < 800 && world.aws.history.length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    world.aws.fail('DescribeDBInstances', 'Throttling', 'Rate exceeded', 400, 3);
    const result = await started;
    expect(result.stderr).toContain(
      'AWS throttled rds:DescribeDBInstances while waiting for rowback-billing-',
    );
    expect(result.code).toBe(5);
    const [restored] = world.aws.history;
    expect(restored?.deleted).toMatchObject({ SkipFinalSnapshot: 'true', DeleteAutomatedBackups: 'true' });
    expect(world.aws.instances.has(restored!.id)).toBe(false);
    expect(await billing(world)).toEqual(before);
    expect(await runRecords(world.stateDir)).toEqual([]);
  }, 120_000);

  it('deletes an instance that fails to become available, naming its status', async () => {
    world = await rdsWorld();
    world.aws.restoreTo.fate = 'incompatible-restore';
    const result = await world.cli(restoreArgs(world));
    expect(result.stderr).toMatch(
      /The restored instance rowback-billing-\S+ did not become available: its status is "incompatible-restore"\./,
    );
    expect(result.code).toBe(5);
    const [restored] = world.aws.history;
    expect(restored?.deleted).toMatchObject({ SkipFinalSnapshot: 'true' });
    expect(world.aws.instances.size).toBe(1);
  }, 120_000);
});
