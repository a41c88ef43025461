import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { restore } from '../../src/index.js';
import { type EngineName, runCli, type Scratch, spawnCli, tempDir } from '../harness/index.js';
import { startWriter, twoRestores, writeLockHeld } from './sqlite-sessions.js';
import { dumpTable, prepareScenario, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';
import { row, sharedTable } from './text.js';

/** Other sessions and sudden death: a restore is one transaction whatever happens around it. */

/** A `ledger` of `rows` rows (id 1…rows, v = id) on both sides; by default the accident deletes every even id. */
function ledger(engine: EngineName, rows: number, accident = 'DELETE FROM ledger WHERE id % 2 = 0') {
  const seed =
    engine === 'postgres'
      ? [`INSERT INTO ledger SELECT i, i FROM generate_series(1, ${rows}) AS i`]
      : engine === 'sqlite'
        ? [
            `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${rows})
               INSERT INTO ledger SELECT i, i FROM s`,
          ]
        : [
            // no generate_series in MySQL: a cross join of digits, cut to size
            'CREATE TABLE digits (d int PRIMARY KEY)',
            'INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)',
            `INSERT INTO ledger SELECT n, n FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d
             + 100000 * g.d AS n FROM digits a, digits b, digits c, digits e, digits f, digits g) AS t
             WHERE n <= ${rows}`,
          ];
  return {
    table: 'ledger',
    orderBy: ['id'],
    ddl: sharedTable('CREATE TABLE ledger (id int PRIMARY KEY, v int NOT NULL)'),
    seed,
    accident: [accident],
  };
}

/** Counts other sessions of the target database matching a condition (`count(*)` as a number). */
async function countOthers(s: Scratch, postgres: string, mysql: string): Promise<number> {
  const sql =
    s.engine === 'postgres'
      ? `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND ${postgres}`
      : `SELECT COUNT(*) FROM information_schema.PROCESSLIST p WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID()
           AND ${mysql}`;
  const [[n]] = (await s.target.query(sql)) as [[string]];
  return Number(n);
}

/** True while another session runs an INSERT into `ledger`: the apply is writing. */
async function applyWriting(s: Scratch): Promise<boolean> {
  // SQLite: the apply holds the file's write lock from BEGIN IMMEDIATE to its end; staging does not
  if (s.engine === 'sqlite') return writeLockHeld(s.targetUrl);
  // the apply's INSERT … SELECT, or the direct path's COPY / LOAD DATA straight into the table
  const n = await countOthers(
    s,
    String.raw`state = 'active' AND query ~* '^\s*(INSERT\s+INTO|COPY)\s+\S*"ledger"'`,
    "p.INFO REGEXP '^[[:space:]]*(INSERT[[:space:]]+INTO|LOAD DATA .* INTO TABLE)[[:space:]]+[^[:space:]]*`ledger`'",
  );
  return n > 0;
}

/** True while another session has a transaction open on the target database. */
async function transactionOpen(s: Scratch): Promise<boolean> {
  if (s.engine === 'sqlite') return writeLockHeld(s.targetUrl);
  const n = await countOthers(
    s,
    'xact_start IS NOT NULL',
    'p.ID IN (SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX)',
  );
  return n > 0;
}

type Ledger = ReturnType<typeof ledger>;

/** The ledger after a restore that ran while the application wrote: every row back, every write kept. */
async function expectWritesKept(
  s: Scratch,
  scenario: Ledger,
  rows: number,
  report: Awaited<ReturnType<typeof restore>>,
  writes: { inserted: number[]; bumped: Map<number, number>; updates: boolean },
): Promise<void> {
  const missing = writes.updates ? rows / 2 : rows;
  expect(report.plan.missing).toBe(missing);
  expect(report.applied).toEqual({ inserted: missing, updated: 0, deleted: 0 });
  expect(writes.inserted.length).toBeGreaterThan(0);
  const expected: string[] = [];
  for (let id = 1; id <= rows; id++) {
    expected.push(row(String(id), String(id + 1000 * (writes.bumped.get(id) ?? 0))));
  }
  for (const id of writes.inserted) expected.push(row(String(id), String(id - rows)));
  expect(await dumpTable(s, scenario)).toEqual(expected);
}

/** The same on SQLite, the application writing from a process of its own (see sqlite-sessions.ts). */
async function keepsWritesOnSqlite(s: Scratch, scenario: Ledger, rows: number, updates: boolean) {
  const writer = startWriter(s.targetUrl, rows, updates);
  const restoring = (async () => {
    await writer.started;
    return restore({ table: 'ledger', from: s.sourceUrl, to: s.targetUrl, stateDir: await tempDir() });
  })();
  const outcome = await restoring.then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );
  const writes = await writer.stop();
  if ('error' in outcome) throw outcome.error;
  const report = outcome.report;
  await expectWritesKept(s, scenario, rows, report, { ...writes, updates });
}

describe.each(SCENARIO_ENGINES)('interference on %s', (engine) => {
  test.each([
    ['after some rows were deleted', 'DELETE FROM ledger WHERE id % 2 = 0', true],
    ['after DELETE without WHERE', 'DELETE FROM ledger', false],
  ])(
    'keeps every write another session commits while the restore runs %s',
    async (_when, accident, updates) => {
      const rows = 20_000;
      await withScratch(engine, async (s) => {
        const scenario = ledger(engine, rows, accident);
        await prepareScenario(s, scenario);
        if (engine === 'sqlite') {
          await keepsWritesOnSqlite(s, scenario, rows, updates);
          return;
        }
        const inserted: number[] = [];
        const bumped = new Map<number, number>();
        let done = false;
        // each write commits on its own; while the apply holds its lock, the writer waits.
        // Updates touch odd ids only, which the partial accident left in place.
        const writer = (async () => {
          for (let i = 1; !done && 2 * i - 1 <= rows; i++) {
            await s.target.exec(`INSERT INTO ledger VALUES (${rows + i}, ${i})`);
            inserted.push(rows + i);
            if (!updates) continue;
            const id = 2 * i - 1;
            await s.target.exec(`UPDATE ledger SET v = v + 1000 WHERE id = ${id}`);
            bumped.set(id, (bumped.get(id) ?? 0) + 1);
          }
        })();
        let report: Awaited<ReturnType<typeof restore>>;
        try {
          report = await restore({
            table: 'ledger',
            from: s.sourceUrl,
            to: s.targetUrl,
            stateDir: await tempDir(),
          });
        } finally {
          done = true;
          await writer;
        }
        await expectWritesKept(s, scenario, rows, report, { inserted, bumped, updates });
      });
    },
    TIMEOUT,
  );

  test.each([
    ['after some rows were deleted', 'DELETE FROM ledger WHERE id % 2 = 0', 10_000],
    ['after DELETE without WHERE', 'DELETE FROM ledger', 20_000],
  ])(
    'two restores of one table at once write each missing row once %s',
    async (_when, accident, missing) => {
      const rows = 20_000;
      await withScratch(engine, async (s) => {
        const scenario = ledger(engine, rows, accident);
        await prepareScenario(s, scenario);
        const options = { table: 'ledger', from: s.sourceUrl, to: s.targetUrl };
        // the second waits for the first's lock, then re-plans (or finds the table no longer empty) and
        // finds nothing missing
        const inserted =
          engine === 'sqlite'
            ? (
                await twoRestores(
                  ['restore', 'ledger', '--from', s.sourceUrl, '--to', s.targetUrl],
                  [await tempDir(), await tempDir()],
                )
              ).map((r) => Number((r.json?.['applied'] as { inserted?: number } | undefined)?.inserted))
            : (
                await Promise.all([
                  restore({ ...options, stateDir: await tempDir() }),
                  restore({ ...options, stateDir: await tempDir() }),
                ])
              ).map((r) => r.applied.inserted);
        expect(inserted.sort((a, b) => a - b)).toEqual([0, missing]);
        expect(await dumpTable(s, scenario)).toEqual(await dumpTable(s, scenario, 'source'));
      });
    },
    TIMEOUT,
  );

  test.each([
    ['while it writes staged rows', 'DELETE FROM ledger WHERE id % 2 = 0', 100_000],
    ['while it streams rows straight in after DELETE without WHERE', 'DELETE FROM ledger', 200_000],
  ])(
    'a restore killed with SIGKILL %s leaves the target exactly as it was',
    async (_when, accident, missing) => {
      await withScratch(engine, async (s) => {
        const scenario = ledger(engine, 200_000, accident);
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const args = ['restore', 'ledger', '--from', s.sourceUrl, '--to', s.targetUrl, '--yes', '--json'];
        const stateDir = await tempDir();
        const child = spawnCli([...args, '--state-dir', stateDir]);
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.once('exit', (code, signal) => resolve({ code, signal })),
        );
        let finished = false;
        void exited.then(() => {
          finished = true;
        });
        while (!finished && !(await applyWriting(s))) await sleep(5);
        child.kill('SIGKILL');
        const end = await exited;
        expect(end.signal, 'the restore finished before it could be killed').toBe('SIGKILL');

        expect(await dumpTable(s, scenario)).toEqual(before);
        // once the server has noticed the lost session and rolled back, nothing of it remains
        for (let i = 0; i < 300 && (await transactionOpen(s)); i++) await sleep(100);
        expect(await transactionOpen(s)).toBe(false);
        expect(await dumpTable(s, scenario)).toEqual(before);

        // its undo file was left pending: undo refuses and says the restore most likely never committed
        const [killedId] = await readdir(join(stateDir, 'undo'));
        const undone = await runCli([
          'undo',
          killedId!,
          '--to',
          s.targetUrl,
          '--yes',
          '--state-dir',
          stateDir,
        ]);
        expect(undone.code, undone.stderr).toBe(8);
        expect(undone.stderr).toContain(`Restore ${killedId} was interrupted before it finished`);
        expect(await dumpTable(s, scenario)).toEqual(before);

        const again = await restore({
          table: 'ledger',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir: await tempDir(),
        });
        expect(again.applied).toEqual({ inserted: missing, updated: 0, deleted: 0 });
        expect(await dumpTable(s, scenario)).toEqual(await dumpTable(s, scenario, 'source'));
      });
    },
    TIMEOUT * 2,
  );

  test(
    'a restore interrupted with Ctrl-C mid-apply rolls back, says so and exits 130',
    async () => {
      await withScratch(engine, async (s) => {
        const scenario = ledger(engine, 200_000);
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const args = ['restore', 'ledger', '--from', s.sourceUrl, '--to', s.targetUrl, '--yes'];
        const child = spawnCli([...args, '--state-dir', await tempDir()]);
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        const exited = new Promise<{ code: number | null }>((resolve) =>
          child.once('exit', (code) => resolve({ code })),
        );
        let finished = false;
        void exited.then(() => {
          finished = true;
        });
        while (!finished && !(await applyWriting(s))) await sleep(5);
        child.kill('SIGINT');
        const end = await exited;
        expect(end.code, stderr).toBe(130);
        expect(stderr).toContain('Interrupted');
        // rowback waits for the rollback before exiting: no session of it is left holding anything
        expect(await transactionOpen(s)).toBe(false);
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT * 2,
  );
});
