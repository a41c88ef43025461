import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { diff, restore } from '../../src/index.js';
import { tempDir } from '../harness/index.js';
import { runClientScript } from './client-script.js';
import { forEngine, SCENARIOS } from './scenarios.js';
import { TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  dumpTable,
  execAll,
  named,
  prepareScenario,
  restoreOptions,
  SCENARIO_ENGINES,
  scenariosFor,
  TIMEOUT,
  withScratch,
} from './support.js';

describe.each(SCENARIO_ENGINES)('diff, --dry-run and --sql-out write nothing on %s', (engine) => {
  test.each(named(scenariosFor(engine, SCENARIOS)))(
    'diff reports the plan and writes nothing: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const { stateDir: _, ...options } = restoreOptions(s, scenario, await tempDir());
        const report = await diff({ ...options, stateDir: await tempDir() });
        expect(report.plan).toEqual(scenario.expect.plan);
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test.each(named(scenariosFor(engine, SCENARIOS)))(
    'dry-run reports what it would write and writes nothing: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const report = await restore({ ...restoreOptions(s, scenario, await tempDir()), dryRun: true });
        expect(report.outcome).toBe('dry-run');
        expect(report.plan).toEqual(scenario.expect.plan);
        expect(report.applied).toEqual(scenario.expect.applied);
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test.each(named(scenariosFor(engine, SCENARIOS)))(
    '--sql-out writes a script that the engine client runs to the same final table: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const sqlOut = join(await tempDir(), 'restore.sql');
        const report = await restore({ ...restoreOptions(s, scenario, await tempDir()), sqlOut });
        expect(report.outcome).toBe('script');
        expect(report.plan).toEqual(scenario.expect.plan);
        expect(await dumpTable(s, scenario)).toEqual(before);

        const ran = await runClientScript(engine, s.targetUrl, sqlOut);
        expect(ran.code, ran.stderr).toBe(0);
        expect(await dumpTable(s, scenario)).toEqual(forEngine(scenario.expect.final, engine));
        // the script moves identity / AUTO_INCREMENT counters too
        if (scenario.after) {
          await execAll(s.target, scenario.after.sql, engine);
          expect(await dumpTable(s, scenario)).toEqual(forEngine(scenario.after.final, engine));
        }
      });
    },
    TIMEOUT,
  );

  test(
    'a target that already matches the source is left alone: nothing-to-do, nothing written',
    async () => {
      await withScratch(engine, async (s) => {
        const scenario = TAKE_SOURCE_DELETE;
        await prepareScenario(s, { ...scenario, accident: [] });
        const before = await dumpTable(s, scenario);
        const report = await restore(restoreOptions(s, scenario, await tempDir()));
        expect(report.outcome).toBe('nothing-to-do');
        expect(report.plan).toEqual({ missing: 0, changed: 0, extra: 0, same: 6 });
        expect(report.applied).toEqual({ inserted: 0, updated: 0, deleted: 0 });
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );
});
