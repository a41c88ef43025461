import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DiffReport, diff, type PlanCounts } from '../../src/index.js';
import { startMariaDb } from '../../src/servers/mariadb.js';
import { startPostgres, startPostgresStandby } from '../../src/servers/postgres.js';
import type { RunningServer } from '../../src/servers/server.js';
import { connectClient } from '../harness/clients.js';
import { runCli, type Scratch, type ServerEngine, scratch, serverUrl, tempDir } from '../harness/index.js';

/**
 * `diff` writes nothing, so it works where nothing can be written: a role that may only SELECT, a
 * read-only database or server, a hot standby. There it compares by merging (it says so), and reports
 * exactly what the staged diff reports on a writable copy of the same target.
 */

const DDL = {
  postgres:
    'CREATE TABLE invoice (id int PRIMARY KEY, customer text NOT NULL, amount numeric(10,2), paid_at timestamptz)',
  mysql:
    'CREATE TABLE invoice (id int PRIMARY KEY, customer varchar(40) NOT NULL, amount decimal(10,2), paid_at datetime(6))',
};
const SEED = `INSERT INTO invoice VALUES (1, 'Acme', 10.50, '2024-01-01 10:00:00'), (2, 'Bolt', 20.00, NULL),
  (3, 'Crux', 30.25, '2024-01-03 12:30:00.123456'), (4, 'Dyna', 40.00, NULL), (5, 'Echo', 50.75, NULL),
  (6, 'Flux', 60.00, '2024-01-06 00:00:00')`;
const ACCIDENT = [
  'DELETE FROM invoice WHERE id IN (2, 5)',
  `UPDATE invoice SET amount = 31.00 WHERE id = 3`,
  `INSERT INTO invoice VALUES (7, 'Gale', 70.00, NULL)`,
];
const PLAN: PlanCounts = { missing: 2, changed: 1, extra: 1, same: 3 };
const TIMEOUT = 180_000;

async function prepare(s: Scratch, engine: ServerEngine): Promise<void> {
  for (const client of [s.source, s.target]) {
    await client.exec(DDL[engine]);
    await client.exec(SEED);
  }
  for (const sql of ACCIDENT) await s.target.exec(sql);
}

function asUser(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password ?? '';
  return u.toString();
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

const dump = (s: Scratch) => s.dump('target', 'invoice', ['id']);

/** What the staged diff reports on the writable target: the reference every merge report must equal. */
async function stagedReport(s: Scratch): Promise<DiffReport> {
  const report = await diff({
    table: 'invoice',
    from: s.sourceUrl,
    to: s.targetUrl,
    stateDir: await tempDir(),
    path: 'staged',
  });
  expect(report.plan).toEqual(PLAN);
  return report;
}

/** The parts of a report both paths must agree on. */
function comparable(report: Pick<DiffReport, 'plan' | 'samples' | 'intended' | 'key' | 'columns'>) {
  const { plan, samples, intended, key, columns } = report;
  return { plan, samples, intended, key, columns };
}

describe('diff on a PostgreSQL target that cannot be written', () => {
  test(
    'a role that may only SELECT (no TEMP privilege) gets the merge diff, through the CLI',
    async () => {
      const s = await scratch('postgres');
      const role = `rb_ro_${randomBytes(4).toString('hex')}`;
      const admin = await connectClient('postgres', await serverUrl('postgres', 'target'));
      try {
        await prepare(s, 'postgres');
        const reference = await stagedReport(s);
        await s.target.exec(`CREATE ROLE ${role} LOGIN`);
        await s.target.exec(`REVOKE TEMP ON DATABASE "${databaseOf(s.targetUrl)}" FROM PUBLIC`);
        await s.target.exec(`GRANT SELECT ON invoice TO ${role}`);
        const before = await dump(s);
        const readOnly = asUser(s.targetUrl, role);

        const run = await runCli([
          'diff',
          'invoice',
          '--from',
          s.sourceUrl,
          '--to',
          readOnly,
          '--json',
          '--state-dir',
          await tempDir(),
        ]);
        expect(run.code).toBe(0);
        const report = JSON.parse(run.stdout) as DiffReport;
        expect(report.path).toBe('merge');
        expect(report.pathReason).toBe(
          'the target cannot stage rows: the role may not create temporary tables in this database (TEMP privilege)',
        );
        expect(comparable(report)).toEqual(comparable(reference));
        expect(run.stderr).toContain(
          'Compared by reading both tables in key order and merging them in rowback; the target cannot stage rows: the role may not create temporary tables in this database (TEMP privilege).',
        );

        // Staging is what the role may not do:
        const staged = await runCli([
          'diff',
          'invoice',
          '--from',
          s.sourceUrl,
          '--to',
          readOnly,
          '--path',
          'staged',
          '--json',
          '--state-dir',
          await tempDir(),
        ]);
        expect(staged.code).toBe(6);
        expect(JSON.parse(staged.stdout).error.code).toBe('privilege');
        expect(await dump(s)).toEqual(before);
      } finally {
        await s.close();
        await admin.exec(`DROP ROLE IF EXISTS ${role}`);
        await admin.close();
      }
    },
    TIMEOUT,
  );

  test(
    'a database whose transactions are read-only by default gets the merge diff',
    async () => {
      const s = await scratch('postgres');
      try {
        await prepare(s, 'postgres');
        const reference = await stagedReport(s);
        await s.target.exec(
          `ALTER DATABASE "${databaseOf(s.targetUrl)}" SET default_transaction_read_only = on`,
        );
        const before = await dump(s);
        const report = await diff({
          table: 'invoice',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir: await tempDir(),
        });
        expect(report.path).toBe('merge');
        expect(report.pathReason).toBe(
          'the target cannot stage rows: transactions on the target are read-only (default_transaction_read_only)',
        );
        expect(comparable(report)).toEqual(comparable(reference));
        expect(await dump(s)).toEqual(before);
      } finally {
        await s.close();
      }
    },
    TIMEOUT,
  );

  describe('a hot standby', () => {
    let primary: RunningServer | undefined;
    let standby: RunningServer | undefined;
    beforeAll(async () => {
      primary = await startPostgres();
      standby = await startPostgresStandby(primary);
    }, TIMEOUT);
    afterAll(async () => {
      await standby?.stop();
      await primary?.stop();
    });

    test(
      'is compared by merging, with the same report as the staged diff on its primary',
      async () => {
        const s = await scratch('postgres');
        try {
          await prepare(s, 'postgres');
          const writer = new pg.Client({ connectionString: primary!.url });
          await writer.connect();
          try {
            await writer.query(DDL.postgres);
            await writer.query(SEED);
            for (const sql of ACCIDENT) await writer.query(sql);
            await waitForReplay(writer, standby!.url);
          } finally {
            await writer.end();
          }
          const onPrimary = await diff({
            table: 'invoice',
            from: s.sourceUrl,
            to: primary!.url,
            stateDir: await tempDir(),
          });
          expect(onPrimary.path).toBe('staged');
          expect(onPrimary.plan).toEqual(PLAN);

          const run = await runCli([
            'diff',
            'invoice',
            '--from',
            s.sourceUrl,
            '--to',
            standby!.url,
            '--samples',
            '1',
            '--state-dir',
            await tempDir(),
          ]);
          expect(run.code).toBe(0);
          expect(run.stderr).toBe('');
          expect(run.stdout).toBe(
            [
              'Table public.invoice  (key: id)',
              `  source: ${s.sourceUrl}`,
              `  target: ${standby!.url}`,
              '',
              '  missing             2  in the source, gone from the target  → insert',
              '  changed             1  different values                    → keep current values',
              '  extra               1  only in the target (written since)  → keep',
              '  same                3  identical                           → nothing',
              '',
              'Examples:',
              '  missing  id=2',
              '  changed  id=3',
              '             amount: "31.00" → source "30.25"',
              '  extra    id=7',
              '',
              'Compared by reading both tables in key order and merging them in rowback; the target cannot stage rows: the target is a standby (in recovery).',
              'A restore with the default policy would insert 2 row(s).',
              '',
            ].join('\n'),
          );
          const json = await runCli([
            'diff',
            'invoice',
            '--from',
            s.sourceUrl,
            '--to',
            standby!.url,
            '--json',
            '--state-dir',
            await tempDir(),
          ]);
          expect(json.code).toBe(0);
          expect(comparable(JSON.parse(json.stdout) as DiffReport)).toEqual(comparable(onPrimary));
        } finally {
          await s.close();
        }
      },
      TIMEOUT,
    );
  });
});

/** Waits until the standby has replayed everything the primary has written so far. */
async function waitForReplay(primary: pg.Client, standbyUrl: string): Promise<void> {
  const lsn = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  const standby = new pg.Client({ connectionString: standbyUrl });
  await standby.connect();
  try {
    for (let i = 0; i < 300; i++) {
      const caught = await standby.query<{ ok: boolean }>(
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
        [lsn],
      );
      if (caught.rows[0]!.ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the standby did not catch up within 30 s');
  } finally {
    await standby.end();
  }
}

describe('diff on a MySQL/MariaDB target that cannot be written', () => {
  test(
    'a user that may only SELECT (no CREATE TEMPORARY TABLES) gets the merge diff, through the CLI',
    async () => {
      const s = await scratch('mysql');
      const user = `rb_ro_${randomBytes(4).toString('hex')}`;
      try {
        await prepare(s, 'mysql');
        const reference = await stagedReport(s);
        await s.target.exec(`CREATE USER '${user}'@'%' IDENTIFIED BY 'ro-secret'`);
        await s.target.exec(`GRANT SELECT ON \`${databaseOf(s.targetUrl)}\`.* TO '${user}'@'%'`);
        const before = await dump(s);
        const readOnly = asUser(s.targetUrl, user, 'ro-secret');
        const run = await runCli([
          'diff',
          'invoice',
          '--from',
          s.sourceUrl,
          '--to',
          readOnly,
          '--json',
          '--state-dir',
          await tempDir(),
        ]);
        expect(run.code).toBe(0);
        const report = JSON.parse(run.stdout) as DiffReport;
        expect(report.path).toBe('merge');
        expect(report.pathReason).toBe(
          'the target cannot stage rows: the user may not create temporary tables (CREATE TEMPORARY TABLES privilege)',
        );
        expect(comparable(report)).toEqual(comparable(reference));
        expect(await dump(s)).toEqual(before);
      } finally {
        await s.target.exec(`DROP USER IF EXISTS '${user}'@'%'`);
        await s.close();
      }
    },
    TIMEOUT,
  );

  describe('a read_only server', () => {
    let server: RunningServer | undefined;
    beforeAll(async () => {
      server = await startMariaDb();
    }, TIMEOUT);
    afterAll(async () => {
      await server?.stop();
    });

    test(
      'is compared by a user without SUPER: staged where it may create temporary tables, merged where it may not',
      async () => {
        const s = await scratch('mysql');
        const root = await connectClient('mysql', server!.url);
        try {
          await prepare(s, 'mysql');
          const reference = await stagedReport(s);
          await root.exec('CREATE DATABASE app');
          await root.exec('USE app');
          await root.exec(DDL.mysql);
          await root.exec(SEED);
          for (const sql of ACCIDENT) await root.exec(sql);
          await root.exec(`CREATE USER 'app'@'%' IDENTIFIED BY 'app-secret'`);
          await root.exec(
            `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES ON app.* TO 'app'@'%'`,
          );
          await root.exec(`CREATE USER 'reader'@'%' IDENTIFIED BY 'reader-secret'`);
          await root.exec(`GRANT SELECT ON app.* TO 'reader'@'%'`);
          await root.exec('SET GLOBAL read_only = ON');
          const url = (user: string) => {
            const u = new URL(asUser(server!.url, user, `${user}-secret`));
            u.pathname = '/app';
            return u.toString();
          };
          const options = { table: 'invoice', from: s.sourceUrl, stateDir: await tempDir() };

          const app = await diff({ ...options, to: url('app') });
          expect([app.path, app.pathReason]).toEqual(['staged', 'the target can stage rows']);
          expect(comparable(app)).toEqual(comparable(reference));
          const reader = await diff({ ...options, to: url('reader') });
          expect(reader.path).toBe('merge');
          expect(reader.pathReason).toBe(
            'the target cannot stage rows: the user may not create temporary tables (CREATE TEMPORARY TABLES privilege)',
          );
          expect(comparable(reader)).toEqual(comparable(reference));
          const merged = await diff({ ...options, to: url('app'), path: 'merge' });
          expect(comparable(merged)).toEqual(comparable(reference));
          // The write a restore would need is what read_only refuses:
          const refused = await runCli([
            'restore',
            'invoice',
            '--from',
            s.sourceUrl,
            '--to',
            url('app'),
            '--yes',
            '--json',
            '--state-dir',
            await tempDir(),
          ]);
          expect(refused.code).toBe(6);
          expect(JSON.parse(refused.stdout).error.message).toBe(
            'Failed while locking app.invoice: the server is read-only (The MariaDB server is running with the --read-only option so it cannot execute this statement). Nothing was written.',
          );
          expect(await root.query('SELECT id, customer, amount FROM app.invoice ORDER BY id')).toEqual([
            ['1', 'Acme', '10.50'],
            ['3', 'Crux', '31.00'],
            ['4', 'Dyna', '40.00'],
            ['6', 'Flux', '60.00'],
            ['7', 'Gale', '70.00'],
          ]);
        } finally {
          await root.exec('SET GLOBAL read_only = OFF').catch(() => undefined);
          await root.close();
          await s.close();
        }
      },
      TIMEOUT,
    );
  });
});
