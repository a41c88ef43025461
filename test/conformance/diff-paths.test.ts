import { describe, expect, test } from 'vitest';
import { type DiffReport, diff } from '../../src/index.js';
import { tempDir } from '../harness/index.js';
import { SCENARIOS } from './scenarios.js';
import {
  named,
  prepareScenario,
  restoreOptions,
  SCENARIO_ENGINES,
  scenariosFor,
  TIMEOUT,
  withScratch,
} from './support.js';

/** Samples in a stable order: each path lists them in its own order within a class. */
function sorted(report: DiffReport) {
  return [...report.samples].sort((a, b) =>
    `${a.class}${JSON.stringify(a.key)}`.localeCompare(`${b.class}${JSON.stringify(b.key)}`),
  );
}

describe.each(SCENARIO_ENGINES)('the merge diff agrees with the staged diff on %s', (engine) => {
  test.each(named(scenariosFor(engine, SCENARIOS)))(
    'same plan and same examples by both paths: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const { stateDir: _, ...options } = restoreOptions(s, scenario, await tempDir());
        const common = { ...options, stateDir: await tempDir(), samples: 1000 };
        const staged = await diff({ ...common, path: 'staged' });
        const merged = await diff({ ...common, path: 'merge' });
        expect(staged.path).toBe('staged');
        expect(merged.path).toBe('merge');
        expect(merged.plan).toEqual(scenario.expect.plan);
        expect(sorted(merged)).toEqual(sorted(staged));
      });
    },
    TIMEOUT,
  );
});
