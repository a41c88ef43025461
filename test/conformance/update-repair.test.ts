import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { confirmQuestion, diff, restore, undo } from '../../src/index.js';
import { type Scratch, tempDir } from '../harness/index.js';
import { runClientScript } from './client-script.js';
import {
  AFTER_ACCIDENT,
  COLUMNS_ONLY,
  ORDER_BY,
  REPAIRED,
  UPDATE_ACCIDENT,
  UPDATE_DDL,
  UPDATE_SEED,
} from './scenarios-update.js';
import { cli, describeRun, prepareScenario, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';

const TABLE = { table: 'accounts', orderBy: ORDER_BY };
const MARK = "plan = 'free'";

function accident(s: Scratch): Promise<void> {
  return prepareScenario(s, { ddl: UPDATE_DDL, seed: UPDATE_SEED, accident: UPDATE_ACCIDENT });
}

function dump(s: Scratch): Promise<string[]> {
  return s.dump('target', TABLE.table, TABLE.orderBy);
}

describe.each(SCENARIO_ENGINES)('repairing an UPDATE without WHERE on %s', (engine) => {
  test(
    '--columns plan --target-where: only rows still marked, only that column; undo brings back the table before',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        expect(await dump(s)).toEqual(AFTER_ACCIDENT);
        const stateDir = await tempDir();
        const args = [
          'restore',
          'accounts',
          '--from',
          s.sourceUrl,
          '--to',
          s.targetUrl,
          '--state-dir',
          stateDir,
        ];
        const run = await cli([...args, '--columns', 'plan', '--target-where', MARK, '--yes', '--json']);
        expect(run.code, describeRun(run)).toBe(0);
        const report = run.json as {
          id: string;
          plan: Record<string, unknown>;
          applied: Record<string, number>;
          policy: Record<string, string>;
        };
        expect(report.policy.changed).toBe('take-source');
        expect(report.plan).toEqual({
          missing: 0,
          changed: 4,
          extra: 1,
          same: 1,
          excluded: { missing: 1, changed: 2, extra: 1 },
        });
        expect(report.applied).toEqual({ inserted: 0, updated: 4, deleted: 0 });
        expect(await dump(s)).toEqual(REPAIRED);
        // The preview, as a person reads it: what the condition kept, per class, and never wrote.
        expect(run.stderr).toMatch(
          /kept +2 {2}changed rows that do not match --target-where \(plan = 'free'\) now/,
        );
        expect(run.stderr).toMatch(/kept +1 {2}missing rows: no current row/);

        const back = await cli([
          'undo',
          report.id,
          '--to',
          s.targetUrl,
          '--yes',
          '--json',
          '--state-dir',
          stateDir,
        ]);
        expect(back.code, describeRun(back)).toBe(0);
        expect(await dump(s)).toEqual(AFTER_ACCIDENT);
      });
    },
    TIMEOUT,
  );

  test(
    '--columns plan alone: every differing plan put back, other columns kept, a missing row inserted whole',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const stateDir = await tempDir();
        const common = { table: 'accounts', from: s.sourceUrl, to: s.targetUrl, stateDir, columns: ['plan'] };
        const compared = await diff(common);
        // 3 differs only in seats: same under --columns plan.
        expect(compared.plan).toEqual({ missing: 1, changed: 6, extra: 2, same: 1 });
        const changed = compared.samples.filter((x) => x.class === 'changed');
        expect(changed.map((x) => x.changedColumns)).toEqual(changed.map(() => ['plan']));
        const report = await restore(common);
        expect(report.applied).toEqual({ inserted: 1, updated: 6, deleted: 0 });
        expect(report.verification?.mismatched).toBe(0);
        expect(await dump(s)).toEqual(COLUMNS_ONLY);
        await undo({ id: report.id, to: s.targetUrl, stateDir });
        expect(await dump(s)).toEqual(AFTER_ACCIDENT);
      });
    },
    TIMEOUT,
  );

  test(
    'the preview lists the rows --target-where kept, with samples; excluded rows are never written',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const common = { table: 'accounts', from: s.sourceUrl, to: s.targetUrl, stateDir: await tempDir() };
        const report = await diff({ ...common, columns: ['plan'], targetWhere: MARK });
        expect(report.plan.excluded).toEqual({ missing: 1, changed: 2, extra: 1 });
        const kept = report.samples.filter((x) => x.kept).map((x) => `${x.class} ${x.key.id}`);
        expect(kept).toEqual(['missing 8', 'changed 2', 'changed 5', 'extra 10']);
        // What a restore with the same flags would write: --columns takes the source's values.
        expect(report.policy.changed).toBe('take-source');
        expect(report.intended).toEqual({ inserted: 0, updated: 4, deleted: 0 });
        expect(await dump(s)).toEqual(AFTER_ACCIDENT);
      });
    },
    TIMEOUT,
  );

  test(
    '--where is a row subset of both sides: source rows and extra target rows outside it are left out',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const common = { table: 'accounts', from: s.sourceUrl, to: s.targetUrl, stateDir: await tempDir() };
        const low = await diff({ ...common, where: 'id <= 4' });
        expect(low.plan).toEqual({ missing: 0, changed: 4, extra: 0, same: 0 });
        const high = await diff({ ...common, where: 'id >= 8' });
        expect(high.plan).toEqual({ missing: 1, changed: 0, extra: 2, same: 0 });
        const both = await diff({ ...common, where: 'id >= 4', columns: ['plan'], targetWhere: MARK });
        expect(both.plan).toEqual({
          missing: 0,
          changed: 3,
          extra: 1,
          same: 0,
          excluded: { missing: 1, changed: 1, extra: 1 },
        });
      });
    },
    TIMEOUT,
  );

  test(
    '--sql-out writes the same repair: run with the database client, it leaves the repaired table',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const dir = await tempDir();
        const file = join(dir, 'repair.sql');
        const args = ['restore', 'accounts', '--from', s.sourceUrl, '--to', s.targetUrl, '--state-dir', dir];
        const run = await cli([
          ...args,
          '--columns',
          'plan',
          '--target-where',
          MARK,
          '--sql-out',
          file,
          '--json',
        ]);
        expect(run.code, describeRun(run)).toBe(0);
        expect(await dump(s)).toEqual(AFTER_ACCIDENT);
        const ran = await runClientScript(engine, s.targetUrl, file);
        expect(ran.code, ran.stderr).toBe(0);
        expect(await dump(s)).toEqual(REPAIRED);
      });
    },
    TIMEOUT,
  );

  test(
    '--target-where is checked again under the lock: a row edited after the preview is kept',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const report = await restore({
          table: 'accounts',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir: await tempDir(),
          columns: ['plan'],
          targetWhere: MARK,
          confirm: async (preview) => {
            expect(preview.intended.updated).toBe(4);
            expect(confirmQuestion(preview)).toMatch(
              /^Apply to \S+: set plan on 4 changed row\(s\) in \S*accounts\?$/,
            );
            await s.target.exec(`UPDATE accounts SET plan = 'team', seats = 7 WHERE id = 1`);
            return true;
          },
        });
        expect(report.applied).toEqual({ inserted: 0, updated: 3, deleted: 0 });
        expect(report.plan.excluded).toEqual({ missing: 1, changed: 3, extra: 1 });
        expect(await dump(s)).toEqual(['1\tann\tteam\t7', ...REPAIRED.slice(1)]);
      });
    },
    TIMEOUT,
  );
});
