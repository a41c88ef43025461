import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectClient } from '../harness/clients.js';
import { runCli, type Scratch, scratch } from '../harness/index.js';
import { type BinlogDb, binlogDb } from '../sources/binlog/support.js';

interface Report {
  status: string;
  checks: { id: string; status: string; summary: string; fix?: string }[];
  facts: { oldestCovered?: number; tables?: { table: string; recoverable: boolean; why?: string }[] };
}

async function doctor(
  url: string,
  ...args: string[]
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const run = await runCli(['doctor', url, '--json', ...args]);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

const check = (report: Report, id: string) => report.checks.find((c) => c.id === id);

describe('rowback doctor', () => {
  let rows: BinlogDb;
  let minimal: BinlogDb;
  let plain: Scratch;
  beforeAll(async () => {
    [rows, minimal, plain] = await Promise.all([binlogDb('rows'), binlogDb('minimal'), scratch('mysql')]);
    await rows.sql.exec('CREATE TABLE good (id int PRIMARY KEY) ENGINE=InnoDB');
    await rows.sql.exec('CREATE TABLE nokey (a int) ENGINE=InnoDB');
    await rows.sql.exec('CREATE TABLE flat (id int PRIMARY KEY) ENGINE=MyISAM');
  });
  afterAll(async () => {
    await Promise.all([rows?.close(), minimal?.close(), plain?.close()]);
  });

  test('on a server at MariaDB defaults with a binlog in ROW format: recoverable with limits, exit 20', async () => {
    const { code, report } = await doctor(rows.url);
    expect(code).toBe(20);
    expect(report.status).toBe('warn');
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['binary-log', 'ok'],
      ['binlog-format', 'ok'],
      ['row-image', 'ok'],
      ['row-metadata', 'warn'],
      ['privileges', 'ok'],
      ['retention', 'ok'],
      ['tables', 'warn'],
    ]);
    expect(check(report, 'row-metadata')?.fix).toBe(
      "SET GLOBAL binlog_row_metadata = 'FULL' and binlog_row_metadata = FULL in the server's configuration",
    );
    expect(report.facts.oldestCovered).toBeGreaterThan(1_700_000_000);
    expect(check(report, 'retention')?.summary).toMatch(
      /kept until purged by hand; the binlog covers \d{4}-/,
    );
    expect(report.facts.tables).toEqual([
      { table: 'flat', recoverable: false, why: 'its MyISAM storage cannot be written atomically' },
      { table: 'good', recoverable: true },
      { table: 'nokey', recoverable: false, why: 'it has no primary or unique key to match rows by' },
    ]);
  });

  test('judges only the tables asked for, naming one that does not exist', async () => {
    const { report } = await doctor(rows.url, '--table', 'good', 'missing');
    expect(report.facts.tables).toEqual([
      { table: 'good', recoverable: true },
      { table: 'missing', recoverable: false, why: `no such table in ${rows.name}` },
    ]);
  });

  test('with MINIMAL row images: not recoverable, exit 21, and the statement that fixes it', async () => {
    const { code, report, stderr } = await doctor(minimal.url);
    expect(code).toBe(21);
    expect(check(report, 'row-image')).toEqual({
      id: 'row-image',
      status: 'fail',
      summary: 'binlog_row_image is MINIMAL: deleted and updated rows are logged without all their columns',
      fix: "SET GLOBAL binlog_row_image = 'FULL' and binlog_row_image = FULL in the server's configuration",
    });
    expect(stderr).toMatch(/Not recoverable from the binlog until the failures above are fixed/);
  });

  test('without binary logging: every table unrecoverable, exit 21', async () => {
    await plain.target.exec('CREATE TABLE t (id int PRIMARY KEY) ENGINE=InnoDB');
    const { code, report } = await doctor(plain.targetUrl);
    expect(code).toBe(21);
    expect(report.checks.map((c) => c.id)).toEqual(['binary-log', 'tables']);
    expect(check(report, 'binary-log')?.status).toBe('fail');
    expect(report.facts.tables).toEqual([
      { table: 't', recoverable: false, why: 'the server fails binary-log' },
    ]);
  });

  test('a user without the replication rights: which to grant', async () => {
    const admin = await connectClient('mysql', rows.admin);
    await admin.exec("CREATE USER IF NOT EXISTS 'looker'@'%' IDENTIFIED BY 'pw-looker'");
    await admin.exec(`GRANT SELECT ON \`${rows.name}\`.* TO 'looker'@'%'`);
    await admin.close();
    const url = new URL(rows.url);
    url.username = 'looker';
    url.password = 'pw-looker';
    const { code, report } = await doctor(url.toString());
    expect(code).toBe(21);
    expect(check(report, 'privileges')).toMatchObject({
      status: 'fail',
      fix: 'GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO <the user>;',
    });
    expect(JSON.stringify(report)).not.toContain('pw-looker');
  });
});
