import { describe, expect, test } from 'vitest';
import { diff, restore, undo } from '../../src/index.js';
import { type Scratch, tempDir } from '../harness/index.js';
import { AFTER_ACCIDENT, ORDER_BY, UPDATE_ACCIDENT, UPDATE_DDL, UPDATE_SEED } from './scenarios-update.js';
import { prepareScenario, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';

const MARK = "plan = 'free'";

function accident(s: Scratch): Promise<void> {
  return prepareScenario(s, { ddl: UPDATE_DDL, seed: UPDATE_SEED, accident: UPDATE_ACCIDENT });
}

describe.each(SCENARIO_ENGINES)('column repairs beside the other paths on %s', (engine) => {
  test(
    'the merge diff compares only --columns, as the staged one does; --target-where needs the staged one',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const common = { table: 'accounts', from: s.sourceUrl, to: s.targetUrl, stateDir: await tempDir() };
        const merged = await diff({ ...common, columns: ['plan'], path: 'merge' });
        expect(merged.path).toBe('merge');
        expect(merged.plan).toEqual({ missing: 1, changed: 6, extra: 2, same: 1 });
        const staged = await diff({ ...common, columns: ['plan'], path: 'staged' });
        expect(staged.plan).toEqual(merged.plan);
        await expect(diff({ ...common, targetWhere: MARK, path: 'merge' })).rejects.toMatchObject({
          code: 'unsupported',
          message: expect.stringContaining('--target-where needs a staged comparison'),
        });
      });
    },
    TIMEOUT,
  );

  test(
    '--target-where with --extra delete and whole rows: only rows still marked are rewritten or deleted',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const stateDir = await tempDir();
        const report = await restore({
          table: 'accounts',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir,
          targetWhere: MARK,
          extra: 'delete',
        });
        // Whole rows under take-source: 3's seats, 4's seats and 6's owner written since are put back too.
        expect(report.applied).toEqual({ inserted: 0, updated: 5, deleted: 1 });
        expect(report.plan.excluded).toEqual({ missing: 1, changed: 2, extra: 1 });
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual([
          '1\tann\tpro\t5',
          '2\tbob\tpro\t3',
          '3\tcy\tfree\t1',
          '4\tdee\tpro\t2',
          '5\teve\tpro\t8',
          '6\tfay\tpro\t1',
          '7\tgus\tteam\t6',
          '10\tjo\tteam\t2',
        ]);
        await undo({ id: report.id, to: s.targetUrl, stateDir });
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(AFTER_ACCIDENT);
      });
    },
    TIMEOUT,
  );
});
