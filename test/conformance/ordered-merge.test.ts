import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { type RestoreReport, restore, undo } from '../../src/index.js';
import { connectClient } from '../harness/clients.js';
import { type EngineName, runCli, type Scratch, tempDir } from '../harness/index.js';
import type { Scenario } from './scenarios.js';
import { VALUE_SCENARIOS } from './scenarios-values.js';
import {
  dumpTable,
  engineCan,
  named,
  prepareScenario,
  restoreOptions,
  SCENARIO_ENGINES,
  scenariosFor,
  TIMEOUT,
  withScratch,
} from './support.js';
import { row, sharedTable } from './text.js';
import { FLOAT_SCENARIO } from './values-floats.js';

/**
 * The ordered merge: with nobody to confirm, the target is locked, both sides are read in key order and
 * merged in rowback, and the missing rows are copied straight in. It must give exactly what the staged
 * path gives (a confirmed restore always stages), keep what other sessions wrote, refuse --max-changes
 * with nothing written, and leave an undo that restores the table byte for byte.
 */

/** Where the engine merges under the lock, the path a restore without confirmation of `scenario` takes. */
function mergePath(engine: EngineName, scenario: Pick<Scenario, 'options'>): RestoreReport['path'] {
  const narrowed = scenario.options?.where !== undefined || scenario.options?.extra === 'delete';
  return engineCan(engine, 'orderedMerge') && !narrowed ? 'merge' : 'staged';
}

/** Restores, then undoes, checking the table is back byte for byte; returns the report and the table as restored. */
async function restoreAndUndo(s: Scratch, scenario: Scenario, confirm: boolean) {
  const before = await dumpTable(s, scenario);
  const stateDir = await tempDir();
  const report = await restore({
    ...restoreOptions(s, scenario, stateDir),
    ...(confirm ? { confirm: async () => true } : {}),
  });
  const restored = await dumpTable(s, scenario);
  const undone = await undo({ id: report.id, to: s.targetUrl, stateDir });
  expect(undone.outcome).toBe('undone');
  expect(await dumpTable(s, scenario)).toEqual(before);
  return { report, restored };
}

describe.each(SCENARIO_ENGINES)('the ordered merge on %s', (engine) => {
  test.each(named(scenariosFor(engine, [...VALUE_SCENARIOS, FLOAT_SCENARIO])))(
    'gives what the staged path gives, and undoes byte for byte: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        // an emptied table takes the direct path either way
        const emptied = (await dumpTable(s, scenario)).length === 0;
        const staged = await restoreAndUndo(s, scenario, true);
        expect(staged.report.path).toBe(emptied ? 'direct' : 'staged');
        const merged = await restoreAndUndo(s, scenario, false);
        expect(merged.report.path).toBe(emptied ? 'direct' : mergePath(engine, scenario));
        expect(merged.restored).toEqual(staged.restored);
        expect(merged.report.plan).toEqual(staged.report.plan);
        expect(merged.report.applied).toEqual(staged.report.applied);
        expect(merged.report.verification?.mismatched).toBe(0);
      });
    },
    TIMEOUT,
  );

  const ledger = {
    table: 'ledger',
    orderBy: ['id'],
    ddl: sharedTable('CREATE TABLE ledger (id int PRIMARY KEY, v varchar(40) NOT NULL)'),
    seed: [`INSERT INTO ledger VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`],
    accident: [`DELETE FROM ledger WHERE id IN (2, 4)`, `UPDATE ledger SET v = 'edited' WHERE id = 5`],
  };

  test(
    'keeps a row another session inserts while the restore waits for its lock',
    async () => {
      if (engine === 'sqlite') return; // one writer per file: covered by interference.test.ts
      await withScratch(engine, async (s) => {
        await prepareScenario(s, ledger);
        // a second session holds a write on the table; the restore waits for it, then sees its insert
        const holder = await connectClient(engine, s.targetUrl);
        try {
          await holder.exec('BEGIN');
          await holder.exec(`INSERT INTO ledger VALUES (6, 'written while waiting')`);
          const restoring = restore({
            table: 'ledger',
            from: s.sourceUrl,
            to: s.targetUrl,
            stateDir: await tempDir(),
            changed: 'take-source',
          });
          await sleep(500);
          await holder.exec('COMMIT');
          const report = await restoring;
          expect(report.path).toBe(mergePath(engine, {}));
          expect(report.plan).toEqual({ missing: 2, changed: 1, extra: 1, same: 2 });
          expect(report.applied).toEqual({ inserted: 2, updated: 1, deleted: 0 });
        } finally {
          await holder.close();
        }
        expect(await dumpTable(s, ledger)).toEqual([
          row('1', 'a'),
          row('2', 'b'),
          row('3', 'c'),
          row('4', 'd'),
          row('5', 'e'),
          row('6', 'written while waiting'),
        ]);
      });
    },
    TIMEOUT,
  );

  test(
    'under --yes refuses more than --max-changes with exit 8 and nothing written',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, ledger);
        const before = await dumpTable(s, ledger);
        const args = [
          'restore',
          'ledger',
          '--from',
          s.sourceUrl,
          '--to',
          s.targetUrl,
          '--changed',
          'take-source',
        ];
        const stateDir = await tempDir();
        const refused = await runCli([...args, '--yes', '--max-changes', '2', '--state-dir', stateDir]);
        expect(refused.code, refused.stderr).toBe(8);
        expect(refused.stderr).toContain(
          'would write 3 row(s), more than --max-changes 2. Nothing was written.',
        );
        expect(await dumpTable(s, ledger)).toEqual(before);
        const applied = await runCli([
          ...args,
          '--yes',
          '--json',
          '--max-changes',
          '3',
          '--state-dir',
          stateDir,
        ]);
        expect(applied.code, applied.stderr).toBe(0);
        expect(JSON.parse(applied.stdout).path).toBe(mergePath(engine, {}));
        expect(await dumpTable(s, ledger)).toEqual(await dumpTable(s, ledger, 'source'));
      });
    },
    TIMEOUT,
  );
});
