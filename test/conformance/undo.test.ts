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
    ['a row the restore inserted', `UPDATE accounts SET owner = 'zed' WHERE id = 1`],
    ['a row the restore updated', 'UPDATE accounts SET balance = 0 WHERE id = 3'],
    ['a row the restore deleted (written again)', `INSERT INTO accounts VALUES (7, 'gus', 70.00, 'eu')`],
    ['a row the restore inserted (deleted again)', 'DELETE FROM accounts WHERE id = 2'],
  ])(
    'refuses with exit 8 and changes nothing after a write since the restore to %s',
    async (_what, write) => {
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
        await expect(undo({ id: report.id, to: s.targetUrl, stateDir })).rejects.toMatchObject({
          code: 'conflict',
        });
        expect(await dumpTable(s, SCENARIO)).toEqual(changed);
      });
    },
    TIMEOUT,
  );

  test(
    'refuses with exit 12 on another database holding the same rows, changing and consuming nothing; then undoes on its own',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, SCENARIO);
        const before = await dumpTable(s, SCENARIO);
        const stateDir = await tempDir();
        const report = await restoreScenario(s, SCENARIO, stateDir);
        const restored = await dumpTable(s, SCENARIO);
        await withScratch(engine, async (other) => {
          // The same table restored the same way in another database of the same server: only its identity differs.
          await prepareScenario(other, SCENARIO);
          await restoreScenario(other, SCENARIO);
          const elsewhere = await dumpTable(other, SCENARIO);
          expect(elsewhere).toEqual(restored);
          const args = [
            'undo',
            report.id,
            '--to',
            other.targetUrl,
            '--yes',
            '--json',
            '--state-dir',
            stateDir,
          ];
          const refused = await cli(args);
          expect(refused.code, describeRun(refused)).toBe(12);
          const error = refused.json?.['error'] as { code: string; message: string };
          expect(error.code).toBe('wrong-target');
          expect(error.message).toContain('database: the restore wrote to database ');
          expect(await dumpTable(other, SCENARIO)).toEqual(elsewhere);
        });
        expect(await dumpTable(s, SCENARIO)).toEqual(restored);
        const args = ['undo', report.id, '--to', s.targetUrl, '--yes', '--json', '--state-dir', stateDir];
        const undone = await cli(args);
        expect(undone.code, describeRun(undone)).toBe(0);
        expect(await dumpTable(s, SCENARIO)).toEqual(before);
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
