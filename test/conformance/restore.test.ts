import { describe, expect, test } from 'vitest';
import { undo } from '../../src/index.js';
import { tempDir } from '../harness/index.js';
import { forEngine, SCENARIOS } from './scenarios.js';
import {
  dumpTable,
  engineCan,
  execAll,
  named,
  prepareScenario,
  queryLines,
  restoreScenario,
  SCENARIO_ENGINES,
  scenariosFor,
  TIMEOUT,
  withScratch,
} from './support.js';

describe.each(SCENARIO_ENGINES)('restore through the library on %s', (engine) => {
  test.each(named(scenariosFor(engine, SCENARIOS)))(
    '%s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const source = await dumpTable(s, scenario, 'source');
        const before = await dumpTable(s, scenario);
        const stateDir = await tempDir();

        const report = await restoreScenario(s, scenario, stateDir);
        expect(report.plan).toEqual(scenario.expect.plan);
        expect(report.applied).toEqual(scenario.expect.applied);
        expect(report.outcome).toBe('applied');
        // an emptied table is refilled straight from the stream; anything else merges, under the lock in
        // key order where the engine can and nothing narrows the plan (ordered-merge.test.ts), else staged
        const merges = engineCan(engine, 'orderedMerge') && !scenario.options?.where;
        if (before.length === 0) expect(report.path).toBe('direct');
        else if (!merges) expect(report.path).toBe('staged');
        else expect(['merge', 'staged']).toContain(report.path);
        expect(await dumpTable(s, scenario)).toEqual(forEngine(scenario.expect.final, engine));
        const stored = scenario.expect.stored?.[engine];
        if (stored) expect(await queryLines(s.target, stored.sql)).toEqual(stored.lines);
        // the source is only ever read
        expect(await dumpTable(s, scenario, 'source')).toEqual(source);

        if (scenario.after) {
          await execAll(s.target, scenario.after.sql, engine);
          expect(await dumpTable(s, scenario)).toEqual(forEngine(scenario.after.final, engine));
          return;
        }
        const undone = await undo({ id: report.id, to: s.targetUrl, stateDir });
        expect(undone.outcome).toBe('undone');
        expect(undone.applied).toEqual({
          inserted: report.applied.deleted,
          updated: report.applied.updated,
          deleted: report.applied.inserted,
        });
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );
});
