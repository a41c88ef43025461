import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CliResult } from '../harness/cli.js';
import { runCli, type SqlClient, tempDir } from '../harness/index.js';
import { Receiver } from '../notify/receiver.js';
import { fingerprint } from '../sources/postgres-pitr/fixture.js';
import { type DrillJson, type DrillStory, drillStory, expectedChecksum, textRows } from './support.js';

/**
 * `rowback drill` on a self-hosted PostgreSQL: the base backup recovered to as-of in a throwaway server,
 * the table restored into a scratch, counted and checksummed, compared with the live table.
 */
let story: DrillStory;
let hooks: Receiver;
let stateDir: string;

beforeAll(async () => {
  [story, hooks, stateDir] = await Promise.all([drillStory(), new Receiver().start(), tempDir()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([story?.stop(), hooks?.close()]);
});

async function drill(table: string, ...extra: string[]): Promise<{ run: CliResult; report: DrillJson }> {
  const run = await runCli(
    [
      'drill',
      table,
      '--from',
      story.backup,
      '--wal-archive',
      story.pg.archiveDir,
      '--as-of',
      story.asOf,
      '--state-dir',
      stateDir,
      '--json',
      ...extra,
    ],
    { timeoutMs: 240_000 },
  );
  return { run, report: JSON.parse(run.stdout) as DrillJson };
}

async function scratchDatabase(name: string): Promise<{ url: string; client: SqlClient }> {
  const client = await story.pg.createDatabase(name);
  return { url: story.pg.url(name), client };
}

describe('rowback drill <table> --from <base backup> --wal-archive <dir> --as-of T', () => {
  test('into a throwaway server: the table as it was at as-of, each step timed, the team told, nothing left', async () => {
    const backupBefore = await fingerprint(story.backup);
    const archiveBefore = await fingerprint(story.pg.archiveDir);
    const live = await textRows(story.db, 'billing', 'id');
    const { run, report } = await drill(
      'billing',
      '--live',
      story.pg.url('app'),
      '--notify',
      `${hooks.url}/drill`,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(report.outcome).toBe('passed');
    expect(report.steps.map((s) => [s.step, s.ok])).toEqual([
      ['scratch', true],
      ['recover', true],
      ['restore', true],
      ['checksum', true],
      ['compare', true],
      ['cleanup', true],
    ]);
    expect(report.steps[0]!.detail).toBe('a throwaway PostgreSQL server: the table will be created');
    expect(report.restored).toEqual(expectedChecksum(story.atAsOf.billing));
    // The accident and the writes since: the live table differs, which a drill reports and does not fail.
    expect(report.liveTable).toEqual(expectedChecksum(live));
    expect(report.comparison).toBe('differs');
    const recover = report.steps.find((s) => s.step === 'recover')!.durationMs;
    const restore = report.steps.find((s) => s.step === 'restore')!.durationMs;
    expect(report.timeToRecoveryMs).toBe(recover + restore);
    expect(run.stderr).toMatch(/Passed\. Time to recovery: \d+\.\d s \(recover \+ restore\)\./);
    expect(await fingerprint(story.backup)).toEqual(backupBefore);
    expect(await fingerprint(story.pg.archiveDir)).toEqual(archiveBefore);
    expect((await readdir(join(stateDir, 'runs'))).filter((n) => n.endsWith('.json'))).toEqual([]);
    const [posted] = hooks.at('/drill');
    expect(hooks.at('/drill')).toHaveLength(1);
    expect(posted).toMatchObject({
      event: 'drill',
      command: 'drill',
      table: 'billing',
      outcome: 'passed',
      comparison: 'differs',
      restored: expectedChecksum(story.atAsOf.billing),
      timeToRecoveryMs: report.timeToRecoveryMs,
    });
    expect(String(posted!.text)).toMatch(
      /^rowback drill of billing from .* as of .*: passed in .*; time to recovery .* \(recover .*, restore .*\); 220 rows restored, the live table now has 80 rows/,
    );
  }, 240_000);

  test('into a scratch database given with --to and --keep: the kept table equals the table at as-of, marked as the drill’s', async () => {
    const scratch = await scratchDatabase('drill_keep');
    try {
      const { run, report } = await drill('billing', '--to', scratch.url, '--from-database', 'app', '--keep');
      expect(run.code, run.stderr).toBe(0);
      expect(report.comparison).toBe('skipped');
      expect(await textRows(scratch.client, 'billing', 'id')).toEqual(story.atAsOf.billing);
      const [[mark]] = (await scratch.client.query(
        "SELECT obj_description('billing'::regclass, 'pg_class')",
      )) as [[string]];
      expect(mark).toBe('rowback drill scratch');

      // The next drill may replace what a drill left; --expect-same then fails on a table written since.
      const again = await drill(
        'billing',
        '--to',
        scratch.url,
        '--live',
        story.pg.url('app'),
        '--expect-same',
        '--notify',
        `${hooks.url}/again`,
      );
      expect(again.run.code, again.run.stderr).toBe(22);
      expect(again.report.outcome).toBe('failed');
      expect(again.report.steps.map((s) => [s.step, s.ok])).toEqual([
        ['scratch', true],
        ['recover', true],
        ['restore', true],
        ['checksum', true],
        ['compare', false],
        ['cleanup', true],
      ]);
      expect(again.report.steps[0]!.detail).toMatch(/: a table an earlier drill left will be replaced$/);
      expect(again.report.failure).toMatchObject({ step: 'compare', error: { code: 'verify-failed' } });
      expect(again.run.stderr).toMatch(/FAILED at compare\./);
      expect(String(hooks.at('/again')[0]?.text)).toMatch(/: FAILED at compare after /);
      // Not kept this time: the drill dropped its table.
      expect(await scratch.client.query("SELECT to_regclass('billing')::text")).toEqual([[null]]);
    } finally {
      await scratch.client.close();
    }
  }, 240_000);

  test('a table not written since as-of: --expect-same finds the same rows and checksum', async () => {
    const scratch = await scratchDatabase('drill_plans');
    try {
      const { run, report } = await drill(
        'plans',
        '--to',
        scratch.url,
        '--live',
        story.pg.url('app'),
        '--expect-same',
      );
      expect(run.code, run.stderr).toBe(0);
      expect(report.comparison).toBe('match');
      expect(report.restored).toEqual(expectedChecksum(story.atAsOf.plans));
      expect(report.liveTable).toEqual(report.restored);
      expect(await scratch.client.query("SELECT to_regclass('plans')::text")).toEqual([[null]]);
    } finally {
      await scratch.client.close();
    }
  }, 240_000);

  test('a --to table holding rows no drill made is refused before anything is recovered (exit 22)', async () => {
    const scratch = await scratchDatabase('drill_refused');
    try {
      await scratch.client.exec(
        'CREATE TABLE billing (id int PRIMARY KEY); INSERT INTO billing VALUES (1), (2)',
      );
      const { run, report } = await drill('billing', '--to', scratch.url, '--live', story.pg.url('app'));
      expect(run.code).toBe(22);
      expect(report.steps.map((s) => [s.step, s.ok])).toEqual([
        ['scratch', false],
        ['cleanup', true],
      ]);
      expect(report.failure?.error).toMatchObject({
        code: 'usage',
        message: expect.stringMatching(
          /has a table billing with rows that no drill created: a drill restores only into a scratch table, never over data\.$/,
        ),
      });
      expect(await scratch.client.query('SELECT id FROM billing ORDER BY id')).toEqual([['1'], ['2']]);
    } finally {
      await scratch.client.close();
    }
  }, 240_000);

  test('--to naming the live database is a command line rowback refuses (exit 2)', async () => {
    const { run } = await drill('billing', '--to', story.pg.url('app'), '--live', story.pg.url('app'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--to names the live database');
  }, 240_000);

  test('a moment before the base backup: the drill fails at recover, says why, and removes what it made', async () => {
    const { run, report } = await drill(
      'billing',
      '--live',
      story.pg.url('app'),
      '--as-of',
      '2001-01-01 00:00:00+00',
      '--notify',
      `${hooks.url}/early`,
    );
    expect(run.code).toBe(22);
    expect(report.steps.map((s) => [s.step, s.ok])).toEqual([
      ['scratch', true],
      ['recover', false],
      ['cleanup', true],
    ]);
    expect(report.failure?.error).toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/^--as-of 2001-01-01 00:00:00\+00 is before the base backup /),
    });
    expect(String(hooks.at('/early')[0]?.text)).toMatch(/FAILED at recover after .*: --as-of 2001-01-01/);
    expect((await readdir(join(stateDir, 'runs'))).filter((n) => n.endsWith('.json'))).toEqual([]);
  }, 240_000);
});
