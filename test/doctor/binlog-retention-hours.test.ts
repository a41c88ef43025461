import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectClient } from '../harness/clients.js';
import { runCli, type SqlClient } from '../harness/index.js';
import { databaseOn, privateBinlogServer } from '../sources/binlog/support.js';

interface Report {
  status: string;
  checks: { id: string; status: string; summary: string; fix?: string }[];
  facts: { retentionSeconds?: number };
}

/**
 * Amazon RDS for MySQL/MariaDB keeps binlogs as long as `binlog retention hours` says, read with its
 * `mysql.rds_show_configuration` procedure. A MariaDB of this file's own plays RDS: the procedure is
 * created the way RDS has it (name, value, description), answering what the test sets.
 */
describe('rowback doctor on MySQL/MariaDB at Amazon RDS: binlog retention hours', () => {
  let server: { url: string; stop(): Promise<void> };
  let admin: SqlClient;
  let url: string;

  async function retentionHours(value: string): Promise<void> {
    await admin.exec('DROP PROCEDURE IF EXISTS mysql.rds_show_configuration');
    await admin.exec(`CREATE PROCEDURE mysql.rds_show_configuration()
      SELECT 'binlog retention hours' AS name, ${value} AS value,
             'binlog retention hours specifies the duration in hours before binary logs are automatically deleted.' AS description
      UNION ALL SELECT 'source delay', '0', 'source delay specifies replication delay in seconds'`);
  }

  async function doctor(): Promise<{ code: number | null; report: Report }> {
    const run = await runCli(['doctor', url, '--json']);
    return { code: run.code, report: JSON.parse(run.stdout) as Report };
  }

  beforeAll(async () => {
    server = await privateBinlogServer();
    admin = await connectClient('mysql', server.url);
    const db = await databaseOn(server.url);
    await db.sql.exec('CREATE TABLE billing (id int PRIMARY KEY) ENGINE=InnoDB');
    await db.close();
    url = db.url;
  }, 120_000);
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  test('NULL (RDS’s default): binlogs are purged at once, not recoverable, exit 21, with the CALL that fixes it', async () => {
    await retentionHours('NULL');
    const { code, report } = await doctor();
    expect(code).toBe(21);
    expect(report.checks.map((c) => c.id)).toEqual([
      'binary-log',
      'binlog-format',
      'row-image',
      'row-metadata',
      'privileges',
      'binlog-retention-hours',
      'tables',
    ]);
    expect(report.checks.find((c) => c.id === 'binlog-retention-hours')).toEqual({
      id: 'binlog-retention-hours',
      status: 'fail',
      summary: expect.stringMatching(
        /^RDS purges binlogs as soon as it can \(binlog retention hours is NULL\); the binlog covers \d{4}-\d\d-\d\d /,
      ),
      fix: "CALL mysql.rds_set_configuration('binlog retention hours', 168);",
    });
  });

  test('12 hours: kept too briefly, a warning', async () => {
    await retentionHours("'12'");
    const { report } = await doctor();
    expect(report.checks.find((c) => c.id === 'binlog-retention-hours')).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/^RDS keeps binlogs for 12 hour\(s\) \(binlog retention hours 12\)/),
    });
    expect(report.facts.retentionSeconds).toBe(12 * 3600);
  });

  test('168 hours: ok, and the server’s own expiry settings are not judged', async () => {
    await retentionHours("'168'");
    const { report } = await doctor();
    expect(report.checks.find((c) => c.id === 'binlog-retention-hours')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/^RDS keeps binlogs for 7 day\(s\) \(binlog retention hours 168\)/),
    });
    expect(report.checks.some((c) => c.id === 'retention')).toBe(false);
    expect(report.facts.retentionSeconds).toBe(168 * 3600);
  });
});
