import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../harness/index.js';
import { StandIn } from '../sources/rds/stand-in.js';
import { awsEnv } from '../sources/rds/support.js';

interface Report {
  server: string;
  subject: string;
  status: string;
  checks: { id: string; status: string; summary: string; fix?: string }[];
  facts: {
    oldestCovered?: number;
    retentionSeconds?: number;
    restorableWindow?: { earliest?: string; latest?: string };
  };
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * `rowback doctor rds:…` reads the instance's automated backups through the real AWS SDK, against the
 * stand-in for the RDS Query API on loopback.
 */
describe('rowback doctor rds:INSTANCE and rds-cluster:CLUSTER', () => {
  const aws = new StandIn();
  const now = Date.now();
  const earliest = new Date(now - 7 * 86_400_000);
  const latest = new Date(now - 5 * 60_000);

  async function doctor(target: string) {
    const run = await runCli(['doctor', target, '--json'], { env: awsEnv(aws) });
    return {
      code: run.code,
      stdout: run.stdout,
      stderr: run.stderr,
      report: JSON.parse(run.stdout) as Report,
    };
  }

  beforeAll(async () => {
    await aws.start();
    aws.addSource({ id: 'prod', earliest, latest, retentionDays: 7 });
    aws.addSource({
      id: 'short',
      engine: 'mysql',
      earliest: new Date(now - 86_400_000),
      latest: new Date(now - 2 * 3_600_000),
      retentionDays: 1,
    });
    aws.addSource({ id: 'nobackups', retentionDays: 0 });
    aws.addCluster({ id: 'aurora', earliest, latest, retentionDays: 14 });
  });
  afterAll(async () => {
    await aws.close();
  });

  test('seven days of automated backups, the latest restorable time minutes behind: exit 0, and the window', async () => {
    const { code, report } = await doctor('rds:prod');
    expect(code).toBe(0);
    expect(report.server).toBe('rds:prod (postgres, eu-west-1)');
    expect(report.subject).toBe('rds');
    expect(report.checks).toEqual([
      { id: 'rds-backup-retention', status: 'ok', summary: 'automated backups are kept 7 days' },
      {
        id: 'rds-restorable-time',
        status: 'ok',
        summary: expect.stringMatching(
          new RegExp(
            `^restorable from ${iso(earliest)} … ${iso(latest)} \\(the latest (5 min|\\d+ s) behind now\\)$`,
          ),
        ),
      },
    ]);
    expect(report.facts.restorableWindow).toEqual({ earliest: iso(earliest), latest: iso(latest) });
    expect(report.facts.oldestCovered).toBe(Math.floor(earliest.getTime() / 1000));
    expect(aws.actions()).toEqual(['DescribeDBInstances', 'DescribeDBInstanceAutomatedBackups']);
  });

  test('one day kept and a latest restorable time two hours old: recoverable with limits, exit 20, with the commands', async () => {
    const { code, report } = await doctor('rds:short');
    expect(code).toBe(20);
    expect(report.checks).toEqual([
      {
        id: 'rds-backup-retention',
        status: 'warn',
        summary:
          'automated backups are kept 1 day(s): an accident noticed later than that cannot be restored',
        fix: 'aws rds modify-db-instance --db-instance-identifier short --backup-retention-period 7 --apply-immediately',
      },
      {
        id: 'rds-restorable-time',
        status: 'warn',
        summary: expect.stringMatching(
          /^the latest restorable time is 2 h ago \(usually about 5 min\): the transaction logs are not being uploaded; window /,
        ),
        fix: 'check the instance’s events and status (aws rds describe-events --source-identifier …)',
      },
    ]);
  });

  test('automated backups off: not restorable, exit 21', async () => {
    const { code, report, stderr } = await doctor('rds:nobackups');
    expect(code).toBe(21);
    expect(report.checks).toEqual([
      {
        id: 'rds-backup-retention',
        status: 'fail',
        summary:
          'automated backups are off (backup retention 0 days): the instance cannot be restored to a point in time',
        fix: 'aws rds modify-db-instance --db-instance-identifier nobackups --backup-retention-period 7 --apply-immediately',
      },
    ]);
    expect(stderr).toMatch(
      /Not recoverable with a point-in-time restore until the failures above are fixed\./,
    );
  });

  test('an Aurora cluster: its own retention and window', async () => {
    const { code, report } = await doctor('rds-cluster:aurora');
    expect(code).toBe(0);
    expect(report.server).toBe('rds-cluster:aurora (aurora-postgresql, eu-west-1)');
    expect(report.checks.map((c) => [c.id, c.status, c.summary.slice(0, 35)])).toEqual([
      ['rds-backup-retention', 'ok', 'automated backups are kept 14 days'],
      ['rds-restorable-time', 'ok', `restorable from ${iso(earliest)} …`.slice(0, 35)],
    ]);
  });

  test('an instance that does not exist: exit 3, naming it and the region', async () => {
    const run = await runCli(['doctor', 'rds:nosuch'], { env: awsEnv(aws) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('There is no DB instance "nosuch" in eu-west-1.');
  });

  test('a denied describe: exit 6, naming the IAM action to allow', async () => {
    aws.fail(
      'DescribeDBInstances',
      'AccessDenied',
      'User is not authorized to perform: rds:DescribeDBInstances',
      403,
    );
    const run = await runCli(['doctor', 'rds:prod', '--json'], { env: awsEnv(aws) });
    expect(run.code).toBe(6);
    const error = (JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } })
      .error;
    expect(error.code).toBe('privilege');
    expect(error.message).toMatch(/^AWS denied rds:DescribeDBInstances while describing prod/);
    expect(error.hint).toMatch(/^Allow rds:DescribeDBInstances for these credentials/);
  });
});
