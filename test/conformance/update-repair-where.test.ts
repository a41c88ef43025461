import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { diff, restore, undo } from '../../src/index.js';
import { type Scratch, tempDir } from '../harness/index.js';
import { AFTER_ACCIDENT, ORDER_BY, UPDATE_ACCIDENT, UPDATE_DDL, UPDATE_SEED } from './scenarios-update.js';
import { cli, describeRun, prepareScenario, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';

const run = promisify(execFile);
const MARK = "plan = 'free'";

/**
 * `--where "plan = 'free'" --extra delete` after the UPDATE without WHERE: the source's only free row is
 * 3 (changed since: seats; kept under keep-current). 1, 4, 6 and 7 read 'free' only because of the
 * accident: the source holds their keys (as pro or team), so they are not extra and stay as they are.
 * 9 was written since and reads 'free': the only extra row, deleted. Everything else is untouched.
 */
const EXPECTED = [
  '1\tann\tfree\t5',
  '2\tbob\tpro\t3',
  '3\tcy\tfree\t4',
  '4\tdee\tfree\t9',
  '5\teve\tpro\t8',
  '6\tfay2\tfree\t1',
  '7\tgus\tfree\t6',
  '10\tjo\tteam\t2',
];

const PLAN = { missing: 0, changed: 1, extra: 1, same: 0, outside: 4 };

function accident(s: Scratch): Promise<void> {
  return prepareScenario(s, { ddl: UPDATE_DDL, seed: UPDATE_SEED, accident: UPDATE_ACCIDENT });
}

/** The keys of the samples of one kind, as text. */
function keysOf(samples: { key: Record<string, string | null>; class: string; outside?: boolean }[]) {
  return {
    extra: samples.filter((x) => x.class === 'extra' && !x.outside).map((x) => x.key.id),
    outside: samples.filter((x) => x.outside).map((x) => x.key.id),
  };
}

describe.each(SCENARIO_ENGINES)('--where with --extra delete after an UPDATE accident on %s', (engine) => {
  test(
    'a live source is read whole: rows whose key the source holds outside --where are kept, not deleted',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const stateDir = await tempDir();
        const common = { table: 'accounts', from: s.sourceUrl, to: s.targetUrl, stateDir, where: MARK };
        const compared = await diff(common);
        expect(compared.path).toBe('staged');
        expect(compared.plan).toEqual(PLAN);
        expect(keysOf(compared.samples)).toEqual({ extra: ['9'], outside: ['1', '4', '6', '7'] });
        const merged = await diff({ ...common, path: 'merge' });
        expect(merged.plan).toEqual(PLAN);
        expect(keysOf(merged.samples)).toEqual({ extra: ['9'], outside: ['1', '4', '6', '7'] });
        const report = await restore({ ...common, extra: 'delete' });
        expect(report.plan).toEqual(PLAN);
        expect(keysOf(report.samples)).toEqual({ extra: ['9'], outside: ['1', '4', '6', '7'] });
        expect(report.applied).toEqual({ inserted: 0, updated: 0, deleted: 1 });
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(EXPECTED);
        await undo({ id: report.id, to: s.targetUrl, stateDir });
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(AFTER_ACCIDENT);
      });
    },
    TIMEOUT,
  );

  test(
    'the CLI shows the kept rows in the preview and in --json',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const stateDir = await tempDir();
        const args = ['restore', 'accounts', '--from', s.sourceUrl, '--to', s.targetUrl, '--where', MARK];
        const preview = await cli([
          ...args,
          '--extra',
          'delete',
          '--dry-run',
          '--yes',
          '--state-dir',
          stateDir,
        ]);
        expect(preview.code, describeRun(preview)).toBe(0);
        const text = preview.stdout + preview.stderr;
        expect(text).toMatch(/extra +1 +only in the target \(written since\) +→ delete/);
        expect(text).toMatch(
          /kept +4 +row\(s\) match --where now but not in the source \(their key is there\) → kept/,
        );
        expect(text).toContain('kept     id=1  (matches --where now, not in the source: its key is there)');
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(AFTER_ACCIDENT);
        const json = await cli([...args, '--extra', 'delete', '--yes', '--json', '--state-dir', stateDir]);
        expect(json.code, describeRun(json)).toBe(0);
        expect(json.json?.plan).toEqual(PLAN);
        expect(json.json?.applied).toEqual({ inserted: 0, updated: 0, deleted: 1 });
        const samples = json.json?.samples as Parameters<typeof keysOf>[0];
        expect(keysOf(samples)).toEqual({ extra: ['9'], outside: ['1', '4', '6', '7'] });
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(EXPECTED);
      });
    },
    TIMEOUT,
  );
});

describe('--where with --extra delete from a pg_dump file', () => {
  test(
    'the dump stages every row: rows whose key it holds outside --where are kept, not deleted',
    async () => {
      await withScratch('postgres', async (s) => {
        await accident(s);
        const stateDir = await tempDir();
        const file = join(await tempDir(), 'accounts.dump');
        await run('pg_dump', ['-d', s.sourceUrl, '-Fc', '-f', file]);
        const common = { table: 'accounts', from: file, to: s.targetUrl, stateDir, where: MARK };
        const compared = await diff(common);
        expect(compared.plan).toEqual(PLAN);
        const report = await restore({ ...common, extra: 'delete' });
        expect(report.plan).toEqual(PLAN);
        expect(keysOf(report.samples)).toEqual({ extra: ['9'], outside: ['1', '4', '6', '7'] });
        expect(report.applied).toEqual({ inserted: 0, updated: 0, deleted: 1 });
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(EXPECTED);
        await undo({ id: report.id, to: s.targetUrl, stateDir });
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(AFTER_ACCIDENT);
      });
    },
    TIMEOUT,
  );
});
