import { describe, expect, test } from 'vitest';
import { type Scratch, spawnCli, tempDir } from '../harness/index.js';
import { cliCommand, runInTerminal } from '../harness/tmux.js';
import { ACCOUNTS, TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  type CliResult,
  classifiesUnderLock,
  describeRun,
  dumpTable,
  prepareScenario,
  restoreArgs,
  SCENARIO_ENGINES,
  TIMEOUT,
  withScratch,
} from './support.js';
import { row } from './text.js';

/*
 * The plan is shown, then taken again under the lock. Rows written by another session in between (a
 * sign-up inserted, a row deleted) make it write more than was shown: the user is asked again with the new
 * numbers; under --yes it is refused (exit 8, nothing written) unless --max-changes allows it.
 */

const SCENARIO = TAKE_SOURCE_DELETE; // insert 2 missing, overwrite 2 changed, delete 2 extra
const { source, current, extra } = ACCOUNTS;
// (the amount quoted: SQLite keeps it as the text written, as the scenario's rows are)
const SIGN_UP = `INSERT INTO accounts VALUES (9, 'ivy', '90.00', 'eu')`;
const GONE = 'DELETE FROM accounts WHERE id = 5';
/** The target after the accident and the other session's two writes: what a refused restore leaves. */
const MEANWHILE = [current[3], current[4], source[6], extra[7], extra[8], row('9', 'ivy', '90.00', 'eu')];
/** An exact rewind: the source's rows, whoever wrote what meanwhile. */
const REWOUND = Object.values(source);

/**
 * Runs the CLI while another session holds the sign-up and the deletion uncommitted (its transaction
 * opened by `opening`), and commits them once `reached` (polled every `every` ms on what the run has
 * printed on stderr so far) says the run is where the test wants the writes to land. `early` is stderr
 * as it was then.
 */
async function runWhileHolding(
  s: Scratch,
  args: string[],
  opening: string[],
  every: number,
  reached: (stderr: string) => boolean | Promise<boolean>,
): Promise<CliResult & { json: Record<string, unknown> | undefined; reached: boolean; early: string }> {
  for (const sql of opening) await s.target.exec(sql);
  await s.target.exec(SIGN_UP);
  await s.target.exec(GONE);
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  const until = Date.now() + 60_000;
  let there = await reached(stderr);
  while (!ended && !there && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, every));
    there = await reached(stderr);
  }
  const early = stderr;
  await s.target.exec('COMMIT');
  const result = await exited;
  const json = result.stdout.trim() ? (JSON.parse(result.stdout) as Record<string, unknown>) : undefined;
  return { ...result, json, reached: there, early };
}

const PREVIEW_SHOWN = /^ {2}same /m;

/**
 * Runs the CLI while another session has inserted account 9 and deleted account 5 without committing; it
 * commits once the preview is on stderr, so the plan shown never saw those writes and the plan under the
 * lock does. `opening` starts that session's transaction.
 */
async function growBehindPreview(
  s: Scratch,
  args: string[],
  opening: string[] = ['BEGIN'],
): Promise<CliResult & { json: Record<string, unknown> | undefined }> {
  const run = await runWhileHolding(s, args, opening, 20, (stderr) => PREVIEW_SHOWN.test(stderr));
  const shown = run.reached || PREVIEW_SHOWN.test(run.stderr);
  expect(shown, `the preview never showed before the run ended\n${describeRun(run)}`).toBe(true);
  return run;
}

/** The table as rowback names it: `public.accounts`, `main.accounts`, or the MySQL database and the table. */
function tableOf(s: Scratch): string {
  if (s.engine === 'sqlite') return 'main.accounts';
  return s.engine === 'postgres' ? 'public.accounts' : `${new URL(s.targetUrl).pathname.slice(1)}.accounts`;
}

function restoreCli(s: Scratch, stateDir: string, ...extraArgs: string[]): string[] {
  return [...restoreArgs(s, SCENARIO), '--yes', '--json', '--state-dir', stateDir, ...extraArgs];
}

/** Engines that, under --yes, show the plan before the lock and prove it still holds under it. */
const PREVIEW_FIRST = SCENARIO_ENGINES.filter((e) => !classifiesUnderLock(e));
/** The others classify once, under the lock: what is shown is what is applied. */
const ONCE = SCENARIO_ENGINES.filter(classifiesUnderLock);

describe.each(PREVIEW_FIRST)('a plan that grows after it was shown, on %s', (engine) => {
  test(
    'under --yes is refused with exit 8 (plan-grew), naming what grew; nothing is written',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        const run = await growBehindPreview(s, restoreCli(s, await tempDir()));
        expect(run.code, describeRun(run)).toBe(8);
        const message = `${tableOf(s)} changed since the preview: the plan now would insert 2 → 3, delete 2 → 3 rows, more than was shown. Nothing was written.`;
        expect(run.json?.['error']).toEqual({
          code: 'plan-grew',
          message,
          hint: 'Run it again to see the new plan (writes may still be arriving), or allow a margin with --max-changes N (the most rows a restore may write in all).',
          details: { shown: { inserted: 2, updated: 2, deleted: 2 }, grew: ['insert 2 → 3', 'delete 2 → 3'] },
        });
        expect(run.stderr).toContain(`rowback: ${message}\n`);
        expect(await dumpTable(s, SCENARIO)).toEqual(MEANWHILE);
      });
    },
    TIMEOUT,
  );

  test(
    'under --yes is refused when the other session wrote inside a savepoint, as ORMs nest transactions',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        // One row in, one row out: the count is the same, and the rows carry the savepoint's own xid.
        const run = await growBehindPreview(s, restoreCli(s, await tempDir()), ['BEGIN', 'SAVEPOINT nested']);
        expect(run.code, describeRun(run)).toBe(8);
        expect(run.json?.['error']).toMatchObject({
          code: 'plan-grew',
          details: { grew: ['insert 2 → 3', 'delete 2 → 3'] },
        });
        expect(await dumpTable(s, SCENARIO)).toEqual(MEANWHILE);
      });
    },
    TIMEOUT,
  );

  test(
    'under --yes is refused when --max-changes allows what was shown but not what it grew to',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        const run = await growBehindPreview(s, restoreCli(s, await tempDir(), '--max-changes', '7'));
        expect(run.code, describeRun(run)).toBe(8);
        expect((run.json?.['error'] as { code: string } | undefined)?.code).toBe('plan-grew');
        expect(await dumpTable(s, SCENARIO)).toEqual(MEANWHILE);
      });
    },
    TIMEOUT,
  );

  test(
    'under --yes is applied as it stands under the lock when --max-changes allows it, and says so',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        const run = await growBehindPreview(s, restoreCli(s, await tempDir(), '--max-changes', '8'));
        expect(run.code, describeRun(run)).toBe(0);
        expect(run.json?.['plan']).toEqual({ missing: 3, changed: 2, extra: 3, same: 1 });
        expect(run.json?.['applied']).toEqual({ inserted: 3, updated: 2, deleted: 3 });
        const warning = `${tableOf(s)} changed since the preview: the plan now would insert 2 → 3, delete 2 → 3 rows, within --max-changes; applied as it stood under the lock.`;
        expect(run.json?.['warnings']).toContain(warning);
        expect(run.stderr).toContain(`! ${warning}`);
        expect(await dumpTable(s, SCENARIO)).toEqual(REWOUND);
      });
    },
    TIMEOUT,
  );
});

/**
 * Runs the CLI while another session holds an insert and a delete uncommitted, and commits them once the
 * run waits for its lock: what used to be the moment between the preview and the apply.
 */
async function writeWhileLocking(
  s: Scratch,
  args: string[],
): Promise<CliResult & { json: Record<string, unknown> | undefined }> {
  const run = await runWhileHolding(s, args, ['BEGIN'], 50, async () => {
    // the apply's locking read, blocked by the uncommitted writes (in this test's database: the server is shared)
    const [[n]] = (await s.target.query(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%FOR UPDATE'",
    )) as [[string]];
    return Number(n) > 0;
  });
  expect(run.reached, `the run never waited for the other session\n${describeRun(run)}`).toBe(true);
  // Nothing was shown while the other session's writes were pending: the plan is taken under the lock.
  expect(run.early).not.toMatch(PREVIEW_SHOWN);
  return run;
}

describe.each(ONCE)('writes made while --yes waits for its lock, on %s', (engine) => {
  test(
    'are classified with everything else, shown, and applied exactly: the source rows, whoever wrote what',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        const run = await writeWhileLocking(s, restoreCli(s, await tempDir()));
        expect(run.code, describeRun(run)).toBe(0);
        expect(run.json?.['plan']).toEqual({ missing: 3, changed: 2, extra: 3, same: 1 });
        expect(run.json?.['applied']).toEqual({ inserted: 3, updated: 2, deleted: 3 });
        expect(run.json?.['warnings']).toEqual([]);
        expect(run.stderr).toMatch(/^ {2}missing +3 /m);
        expect(await dumpTable(s, SCENARIO)).toEqual(REWOUND);
      });
    },
    TIMEOUT,
  );

  test(
    'are counted against --max-changes: a plan beyond it is refused under the lock, nothing written',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        const run = await writeWhileLocking(s, restoreCli(s, await tempDir(), '--max-changes', '7'));
        expect(run.code, describeRun(run)).toBe(8);
        expect(run.json?.['error']).toMatchObject({
          code: 'plan-grew',
          message: `Restoring ${tableOf(s)} would write 8 row(s), more than --max-changes 7. Nothing was written.`,
        });
        expect(await dumpTable(s, SCENARIO)).toEqual(MEANWHILE);
      });
    },
    TIMEOUT,
  );
});

describe.each(SCENARIO_ENGINES)('a plan that grows while the prompt is open, on %s', (engine) => {
  /** The question, with the rows to delete and insert, for the table as rowback names it. */
  const asked = (s: Scratch, rows: number) =>
    new RegExp(
      `Apply to \\S+: DELETE ${rows} row\\(s\\) written since, overwrite 2 changed row\\(s\\), insert ${rows} missing row\\(s\\) in ${tableOf(s).replaceAll('.', '\\.')}\\? \\[y/N\\] `,
    );
  const told =
    '! The table changed since the preview: the plan now would insert 2 → 3, delete 2 → 3 rows. Nothing was written; here is the plan as it stands now.';

  for (const [answer, exit] of [
    ['y', 0],
    ['n', 10],
  ] as const) {
    test(
      `asks again with the new numbers; ${answer === 'y' ? 'yes applies the new plan' : 'no writes nothing (exit 10)'}`,
      async () => {
        await withScratch(engine, async (s) => {
          await prepareScenario(s, SCENARIO);
          const args = [...restoreArgs(s, SCENARIO), '--no-progress', '--state-dir', await tempDir()];
          const terminal = await runInTerminal(cliCommand(args), { cwd: await tempDir() });
          try {
            await terminal.waitFor(asked(s, 2), 60_000);
            // Someone signs up and someone leaves while the person reads the plan.
            await s.target.exec(SIGN_UP);
            await s.target.exec(GONE);
            await terminal.keys('y', 'Enter');
            const screen = await terminal.waitFor(asked(s, 3), 60_000);
            expect(screen).toContain(told);
            expect(screen).toMatch(/^ {2}missing +3 /m);
            expect(screen).toMatch(/^ {2}extra +3 /m);
            // Between the two questions nothing was written.
            expect(await dumpTable(s, SCENARIO)).toEqual(MEANWHILE);
            await terminal.keys(answer, 'Enter');
            expect(await terminal.exitCode(60_000)).toBe(exit);
            if (exit === 0) {
              expect(
                await terminal.waitFor(`Restored ${tableOf(s)}: 3 inserted, 2 updated, 3 deleted`),
              ).toBeTruthy();
              expect(await dumpTable(s, SCENARIO)).toEqual(REWOUND);
            } else {
              expect(await terminal.waitFor('rowback: Restore declined; nothing was written.')).toBeTruthy();
              expect(await dumpTable(s, SCENARIO)).toEqual(MEANWHILE);
            }
          } finally {
            await terminal.close();
          }
        });
      },
      TIMEOUT,
    );
  }
});
