import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../harness/index.js';
import { forEngine, SCENARIOS, type Scenario } from './scenarios.js';
import { TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  classifiesUnderLock,
  cli,
  describeRun,
  dumpTable,
  named,
  prepareScenario,
  restoreArgs,
  SCENARIO_ENGINES,
  scenariosFor,
  TIMEOUT,
  withScratch,
} from './support.js';

/** A representative subset of the scenarios, run through the command line instead of the library. */
const CLI_SCENARIOS: Scenario[] = [
  ...SCENARIOS.filter((s) =>
    [
      'restores every value type byte for byte after a DELETE without WHERE',
      'matches rows by a composite primary key',
      'with --where restores only the rows the filter selects, on both sides',
    ].includes(s.name),
  ),
  TAKE_SOURCE_DELETE,
];

describe.each(SCENARIO_ENGINES)('restore and undo through the command line on %s', (engine) => {
  test('the command-line subset names scenarios that exist', () => {
    expect(CLI_SCENARIOS.length).toBe(4);
  });

  // SQLite leaves out the type matrix (see its notOn): its storage classes are restored bit for bit in test/engines/sqlite.
  test.each(named(scenariosFor(engine, CLI_SCENARIOS)))(
    '%s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const stateDir = await tempDir();

        const restored = await cli([...restoreArgs(s, scenario), '--yes', '--json', '--state-dir', stateDir]);
        expect(restored.code, describeRun(restored)).toBe(0);
        const json = restored.json!;
        expect(typeof json['id']).toBe('string');
        expect(json['plan']).toEqual(scenario.expect.plan);
        expect(json['applied']).toEqual(scenario.expect.applied);
        // stdout carries the JSON only; progress and messages go to stderr
        expect(restored.stderr).not.toContain('"plan"');
        expect(await dumpTable(s, scenario)).toEqual(forEngine(scenario.expect.final, engine));

        const undone = await cli([
          'undo',
          String(json['id']),
          '--to',
          s.targetUrl,
          '--yes',
          '--json',
          '--state-dir',
          stateDir,
        ]);
        expect(undone.code, describeRun(undone)).toBe(0);
        expect(typeof undone.json?.['id']).toBe('string');
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  const policy = TAKE_SOURCE_DELETE;

  test(
    'prints a human summary with the way to undo without --json, and exits 0',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, policy);
        const stateDir = await tempDir();
        const restored = await cli([...restoreArgs(s, policy), '--yes', '--state-dir', stateDir]);
        expect(restored.code, describeRun(restored)).toBe(0);
        // the counts, and how to undo
        expect(restored.stdout + restored.stderr).toMatch(/\b2\b/);
        expect(restored.stdout + restored.stderr).toMatch(/rowback undo /);
        expect(() => JSON.parse(restored.stdout)).toThrow();
        expect(await dumpTable(s, policy)).toEqual(forEngine(policy.expect.final, engine));
      });
    },
    TIMEOUT,
  );

  test(
    'with --verbose says how long each step took, in the order they ran; --json carries the same steps',
    async () => {
      const order = [
        'stage',
        // --yes: taken under the lock where a plan built before it would be built again
        ...(classifiesUnderLock(engine) ? ['lock', 'classify'] : ['classify', 'lock']),
        'pre-image',
        'insert',
        'update',
        'delete',
        'post-image',
        'verify',
        'commit',
      ];
      await withScratch(engine, async (s) => {
        await prepareScenario(s, policy);
        const stateDir = await tempDir();
        const restored = await cli([
          ...restoreArgs(s, policy),
          '--yes',
          '--verbose',
          '--state-dir',
          stateDir,
        ]);
        expect(restored.code, describeRun(restored)).toBe(0);
        const line = (restored.stdout + restored.stderr).split('\n').find((l) => l.startsWith('Steps: '));
        const ran = [...(line ?? '').matchAll(/([a-z-]+) (\d+\.\d\d) s/g)].map((m) => m[1]);
        expect(ran.filter((step) => order.includes(step!))).toEqual(order);
        expect(await dumpTable(s, policy)).toEqual(forEngine(policy.expect.final, engine));
      });
      await withScratch(engine, async (s) => {
        await prepareScenario(s, policy);
        const stateDir = await tempDir();
        const json = await cli([...restoreArgs(s, policy), '--yes', '--json', '--state-dir', stateDir]);
        expect(json.code, describeRun(json)).toBe(0);
        const timings = json.json?.['timings'] as Record<string, number>;
        expect(Object.keys(timings).filter((step) => order.includes(step))).toEqual(order);
        for (const ms of Object.values(timings)) expect(ms).toBeGreaterThanOrEqual(0);
        const total = Object.values(timings).reduce((a, b) => a + b, 0);
        expect(total).toBeLessThanOrEqual((json.json?.['durationMs'] as number) + 1);
      });
    },
    TIMEOUT,
  );

  test(
    'refuses to apply without --yes when there is no terminal to ask, exits 2 and writes nothing',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, policy);
        const before = await dumpTable(s, policy);
        const stateDir = await tempDir();
        const result = await runCli([...restoreArgs(s, policy), '--state-dir', stateDir], {
          timeoutMs: TIMEOUT - 10_000,
        });
        expect(result.code, describeRun(result)).toBe(2);
        expect(result.stderr).toMatch(/--yes/);
        expect(await dumpTable(s, policy)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    'diff --json prints the plan and writes nothing',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, policy);
        const before = await dumpTable(s, policy);
        const result = await cli([
          'diff',
          policy.table,
          '--from',
          s.sourceUrl,
          '--to',
          s.targetUrl,
          '--json',
        ]);
        expect(result.code, describeRun(result)).toBe(0);
        expect(result.json?.['plan']).toEqual(policy.expect.plan);
        expect(await dumpTable(s, policy)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    '--from-table restores from a source table with another name',
    async () => {
      await withScratch(engine, async (s) => {
        const renamed = (sql: string) => sql.replace('accounts', 'accounts_snapshot');
        const ddl = forEngine(policy.ddl, engine);
        for (const sql of [...ddl, ...forEngine(policy.seed, engine)]) await s.source.exec(renamed(sql));
        for (const sql of [
          ...ddl,
          ...forEngine(policy.seed, engine),
          ...forEngine(policy.accident, engine),
        ]) {
          await s.target.exec(sql);
        }
        const args = [...restoreArgs(s, policy), '--from-table', 'accounts_snapshot', '--yes', '--json'];
        const result = await cli([...args, '--state-dir', await tempDir()]);
        expect(result.code, describeRun(result)).toBe(0);
        expect(result.json?.['plan']).toEqual(policy.expect.plan);
        expect(await dumpTable(s, policy)).toEqual(forEngine(policy.expect.final, engine));
      });
    },
    TIMEOUT,
  );

  test(
    '--dry-run and --sql-out exit 0, print the plan and write nothing to the target',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, policy);
        const before = await dumpTable(s, policy);
        const stateDir = await tempDir();
        const dry = await cli([...restoreArgs(s, policy), '--dry-run', '--json', '--state-dir', stateDir]);
        expect(dry.code, describeRun(dry)).toBe(0);
        expect(dry.json?.['plan']).toEqual(policy.expect.plan);
        expect(dry.json?.['applied']).toEqual(policy.expect.applied);
        expect(await dumpTable(s, policy)).toEqual(before);

        const sqlOut = join(stateDir, 'restore.sql');
        const script = await cli([
          ...restoreArgs(s, policy),
          '--sql-out',
          sqlOut,
          '--yes',
          '--json',
          '--state-dir',
          stateDir,
        ]);
        expect(script.code, describeRun(script)).toBe(0);
        expect(script.json?.['plan']).toEqual(policy.expect.plan);
        expect((await stat(sqlOut)).size).toBeGreaterThan(0);
        expect(await dumpTable(s, policy)).toEqual(before);
      });
    },
    TIMEOUT,
  );
});
