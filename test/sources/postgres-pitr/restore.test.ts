import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type SqlClient, tempDir } from '../../harness/index.js';
import { Receiver } from '../../notify/receiver.js';
import { type ArchivingServer, fingerprint, playStory, rows, type Story, scratchBilling } from './fixture.js';

/**
 * The story on a self-hosted PostgreSQL: WAL archiving on, a base backup, writes after it, an accident,
 * later writes. rowback recovers the backup to the moment before the accident in a throwaway server and
 * merges the table back into production.
 */

let story: Story;
let pg: ArchivingServer;
let db: SqlClient;
let backup: string;
let asOf: string;
let atAsOf: string[];

beforeAll(async () => {
  story = await playStory();
  ({ pg, db, backup, asOf, atAsOf } = story);
}, 120_000);

afterAll(async () => {
  await story?.stop();
});

function byId(lines: string[]): Map<string, string> {
  return new Map(lines.map((line) => [line.split('\t')[0]!, line]));
}

describe('rowback restore --from <base backup> --wal-archive <dir> --as-of T', () => {
  it('puts back the rows deleted by the accident as they were at as-of, keeping every write made since', async () => {
    const stateDir = await tempDir();
    const backupBefore = await fingerprint(backup);
    const archiveBefore = await fingerprint(pg.archiveDir);
    const current = await rows(db, 'billing');
    const hooks = await new Receiver().start();
    const tmp = await mkdtemp(join(tmpdir(), 'rowback-test-tmp-'));
    await chmod(tmp, 0o755);
    const result = await runCli(
      [
        'restore',
        'billing',
        '--from',
        backup,
        '--wal-archive',
        pg.archiveDir,
        '--as-of',
        asOf,
        '--to',
        pg.url('app'),
        '--yes',
        '--json',
        '--state-dir',
        stateDir,
        '--notify',
        hooks.url,
      ],
      { timeoutMs: 120_000, env: { TMPDIR: tmp } },
    );
    expect(result.stderr).toContain(`Recovered ${backup} to ${asOf}`);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.plan).toEqual({ missing: 150, changed: 1, extra: 10, same: 69 });
    expect(report.applied).toEqual({ inserted: 150, updated: 0, deleted: 0 });
    // Expected: today's rows, plus the as-of image of every key the accident removed.
    const expected = byId(current);
    for (const [id, line] of byId(atAsOf)) if (!expected.has(id)) expected.set(id, line);
    const want = [...expected.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, line]) => line);
    expect(await rows(db, 'billing')).toEqual(want);
    // The backup and the archive are exactly as they were: no new timeline, no history file, no touch.
    expect(await fingerprint(backup)).toEqual(backupBefore);
    expect(await fingerprint(pg.archiveDir)).toEqual(archiveBefore);
    // Nothing left: no run record, no temp copy, no server.
    expect(await readdir(join(stateDir, 'runs'))).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
    await rm(tmp, { recursive: true });
    expect(result.stderr).toMatch(/Cleaned up after the recovery of .* removed the PostgreSQL/);
    // The team heard of every step, the cleanup last.
    const events = hooks.at('/');
    await hooks.close();
    expect(events.map((e) => e.event)).toEqual(['started', 'ready', 'planned', 'applied', 'cleaned']);
    expect(events[0]).toMatchObject({ asOf, source: backup });
    expect(events[4]?.text).toMatch(/^rowback: Cleaned up after the recovery of /);
  }, 180_000);

  it('reads exactly the table as it was at as-of: restored into an empty scratch table, it equals the captured image', async () => {
    const scratch = await scratchBilling(story, 'scratch_exact');
    try {
      const stateDir = await tempDir();
      const common = [
        'billing',
        '--from',
        backup,
        '--wal-archive',
        pg.archiveDir,
        '--as-of',
        asOf,
        '--to',
        pg.url('scratch_exact'),
        '--from-database',
        'app',
        '--state-dir',
        stateDir,
      ];
      const restored = await runCli(['restore', ...common, '--yes', '--json'], { timeoutMs: 120_000 });
      expect(restored.stderr).not.toContain('rowback:');
      expect(restored.code).toBe(0);
      expect(await rows(scratch, 'billing')).toEqual(atAsOf);
    } finally {
      await scratch.close();
    }
  }, 180_000);
});
