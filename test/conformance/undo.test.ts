import { describe, expect, test } from 'vitest';
import { undo } from '../../src/index.js';
import { tempDir } from '../harness/index.js';
import { TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  cli,
  describeRun,
  dumpTable,
  prepareScenario,
  restoreScenario,
  SCENARIO_ENGINES,
  TIMEOUT,
  withScratch,
} from './support.js';

const SCENARIO = TAKE_SOURCE_DELETE;

describe.each(SCENARIO_ENGINES)('undo on %s', (engine) => {
  test.each([
    // the message shows each row as it is now (with what the restore left, where the undo file has it)
    [
      'a row the restore inserted',
      `UPDATE accounts SET owner = 'zed' WHERE id = 1`,
      /\n {2}id=1: now owner ("zed"|'zed')/,
    ],
    [
      'a row the restore updated',
      'UPDATE accounts SET balance = 0 WHERE id = 3',
      /\n {2}id=3: now .*balance ("0\.00"|'0')/,
    ],
    [
      'a row the restore deleted (written again)',
      `INSERT INTO accounts VALUES (7, 'gus', 70.00, 'eu')`,
      /\n {2}id=7 \(the restore deleted it; it is back\): now owner ("gus", balance "70\.00|'gus', balance '70\.0')/,
    ],
    [
      'a row the restore inserted (deleted again)',
      'DELETE FROM accounts WHERE id = 2',
      /\n {2}id=2: deleted since$/,
    ],
  ])(
    'refuses with exit 8 and changes nothing after a write since the restore to %s',
    async (_what, write, shown) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        const stateDir = await tempDir();
        const report = await restoreScenario(s, SCENARIO, stateDir);
        expect(report.applied).toEqual({ inserted: 2, updated: 2, deleted: 2 });
        await s.target.exec(write);
        const changed = await dumpTable(s, SCENARIO);

        const args = ['undo', report.id, '--to', s.targetUrl, '--yes', '--json', '--state-dir', stateDir];
        const result = await cli(args);
        expect(result.code, describeRun(result)).toBe(8);
        expect(await dumpTable(s, SCENARIO)).toEqual(changed);
        const error = await undo({ id: report.id, to: s.targetUrl, stateDir }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'conflict' });
        expect((error as Error).message).toMatch(shown);
        expect(await dumpTable(s, SCENARIO)).toEqual(changed);
      });
    },
    TIMEOUT,
  );

  test(
    'an unknown restore id exits 3',
    async () => {
      await withScratch(engine, async (s) => {
        const args = ['undo', 'r-19990101T000000Z-000000', '--to', s.targetUrl, '--yes', '--json'];
        const result = await cli([...args, '--state-dir', await tempDir()]);
        expect(result.code, describeRun(result)).toBe(3);
      });
    },
    TIMEOUT,
  );
});
