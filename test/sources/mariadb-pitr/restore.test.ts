import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../harness/index.js';
import { fingerprint } from '../postgres-pitr/fixture.js';
import { type MariaStory, playMariaStory, rows } from './fixture.js';

let story: MariaStory;

beforeAll(async () => {
  story = await playMariaStory();
}, 180_000);

afterAll(async () => {
  await story?.stop();
});

function byId(lines: string[]): Map<string, string> {
  return new Map(lines.map((line) => [line.split('\t')[0]!, line]));
}

function restore(extra: string[], to = story.url('app')): string[] {
  return ['restore', 'billing', '--from', story.backup, '--to', to, '--yes', ...extra];
}

describe('rowback restore --from <mariadb-backup> --binlog-dir <dir> --as-of T', () => {
  it('puts back the rows deleted by the accident as they were at as-of, keeping every write made since', async () => {
    const stateDir = await tempDir();
    const backupBefore = await fingerprint(story.backup);
    const current = await rows(story.db);
    const result = await runCli(
      restore(['--binlog-dir', story.binlogDir, '--as-of', story.asOf, '--json', '--state-dir', stateDir]),
      { timeoutMs: 180_000 },
    );
    expect(result.stderr).not.toContain('rowback:');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).plan).toEqual({ missing: 150, changed: 1, extra: 10, same: 69 });
    const expected = byId(current);
    for (const [id, line] of byId(story.atAsOf)) if (!expected.has(id)) expected.set(id, line);
    const want = [...expected.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, line]) => line);
    expect(await rows(story.db)).toEqual(want);
    // The backup was prepared in a private copy, never in place.
    expect(await fingerprint(story.backup)).toEqual(backupBefore);
    expect(await readdir(join(stateDir, 'runs'))).toEqual([]);
    expect(result.stderr).toMatch(
      /Cleaned up after the recovery of .* removed the MariaDB server on the backup copy/,
    );
  }, 240_000);

  it('reads exactly the table as it was at as-of, from a prepared backup too', async () => {
    const scratch = await story.createDatabase('scratch_exact');
    try {
      const prepared = await story.preparedCopy();
      const result = await runCli(
        [
          'restore',
          'billing',
          '--from',
          prepared,
          '--binlog-dir',
          story.binlogDir,
          '--as-of',
          story.asOf,
          '--to',
          story.url('scratch_exact'),
          '--from-database',
          'app',
          '--yes',
          '--state-dir',
          await tempDir(),
        ],
        { timeoutMs: 180_000 },
      );
      expect(result.stderr).not.toContain('rowback:');
      expect(result.code).toBe(0);
      expect(await rows(scratch)).toEqual(story.atAsOf);
    } finally {
      await scratch.close();
    }
  }, 240_000);

  it('reads the backup as it was taken when no --as-of is given', async () => {
    const scratch = await story.createDatabase('scratch_backup');
    try {
      const result = await runCli(
        restore(['--from-database', 'app', '--state-dir', await tempDir()], story.url('scratch_backup')),
        { timeoutMs: 180_000 },
      );
      expect(result.code).toBe(0);
      expect(await rows(scratch)).toEqual(story.atBackup);
    } finally {
      await scratch.close();
    }
  }, 240_000);

  it('names the binlog missing from the directory, before copying anything', async () => {
    const dir = await tempDir();
    const names = (await readdir(story.binlogDir)).filter((n) => /^binlog\.\d+$/.test(n)).sort();
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names)
      if (name !== names[1]) await copyFile(join(story.binlogDir, name), join(dir, name));
    const result = await runCli(
      restore(['--binlog-dir', dir, '--as-of', story.asOf, '--state-dir', await tempDir()]),
    );
    expect(result.stderr).toContain(
      `have a gap: ${names[1]} is missing (there are ${names[0]} and ${names[2]})`,
    );
    expect(result.code).toBe(3);
  }, 120_000);

  it('refuses an --as-of before the backup was taken, and --as-of without binlogs', async () => {
    const before = await runCli(
      restore([
        '--binlog-dir',
        story.binlogDir,
        '--as-of',
        '2020-01-01 00:00:00Z',
        '--state-dir',
        await tempDir(),
      ]),
    );
    expect(before.stderr).toMatch(
      /--as-of 2020-01-01 00:00:00\+00 is before the backup .* was taken \(it holds changes up to 20\d\d-/,
    );
    expect(before.code).toBe(2);
    const without = await runCli(restore(['--as-of', story.asOf, '--state-dir', await tempDir()]));
    expect(without.stderr).toContain(`--as-of needs the binlogs written after the backup ${story.backup}`);
    expect(without.code).toBe(2);
  }, 120_000);
});
