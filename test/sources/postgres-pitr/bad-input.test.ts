import { chown, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUser } from '../../../src/servers/os-user.js';
import { runCli, tempDir } from '../../harness/index.js';
import { fingerprint, playStory, rows, type Story, scratchBilling } from './fixture.js';

let story: Story;
const cleanups: string[] = [];

beforeAll(async () => {
  story = await playStory();
}, 120_000);

afterAll(async () => {
  await story?.stop();
  for (const dir of cleanups) await rm(dir, { recursive: true, force: true });
});

/** Copies of archive files into a dir in /tmp, owned by the server's OS user (the harness's temp root is private). */
async function archiveCopy(prefix: string, names: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `rowback-test-${prefix}-`));
  cleanups.push(dir);
  const user = await serviceUser('postgres', 'PostgreSQL');
  for (const name of names) {
    await cp(join(story.pg.archiveDir, name), join(dir, name));
    if (user) await chown(join(dir, name), user.uid, user.gid);
  }
  if (user) await chown(dir, user.uid, user.gid);
  return dir;
}

function restoreArgs(extra: string[], to = story.pg.url('app')): string[] {
  return ['restore', 'billing', '--from', story.backup, '--to', to, '--yes', ...extra];
}

describe('point-in-time recovery of a base backup, when something is wrong', () => {
  it('names the missing segment when the archive has a gap, and restores nothing', async () => {
    const inBackup = new Set(await readdir(join(story.backup, 'pg_wal')));
    const names = (await readdir(story.pg.archiveDir)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    const lastInBackup = [...inBackup]
      .filter((n) => /^[0-9A-F]{24}$/.test(n))
      .sort()
      .at(-1)!;
    const lost = names.find((name) => name > lastInBackup)!;
    const archive = await archiveCopy(
      'gap',
      names.filter((name) => name !== lost),
    );
    const before = await rows(story.db, 'billing');
    const result = await runCli(
      restoreArgs(['--wal-archive', archive, '--as-of', story.asOf, '--state-dir', await tempDir()]),
      { timeoutMs: 120_000 },
    );
    expect(result.stderr).toContain(`The WAL archive has a gap: segment ${lost} is missing`);
    expect(result.code).toBe(3);
    expect(await rows(story.db, 'billing')).toEqual(before);
  }, 180_000);

  it('says the restore command failed, with its output, before copying anything', async () => {
    const stateDir = await tempDir();
    const result = await runCli(
      restoreArgs([
        '--restore-command',
        'echo "repository unreachable: %f" >&2; exit 3 # "%p"',
        '--as-of',
        story.asOf,
        '--state-dir',
        stateDir,
      ]),
      { timeoutMs: 120_000 },
    );
    expect(result.stderr).toMatch(
      /The restore command failed \(exit code 3\) fetching [0-9A-F]{24}, the first WAL segment the base backup needs\.\nIts output: repository unreachable: [0-9A-F]{24}/,
    );
    expect(result.stderr).toContain('hint: Run it by hand to see why:');
    expect(result.code).toBe(5);
    expect(await readdir(join(stateDir, 'runs'))).toEqual([]);
  }, 60_000);

  it('recovers through a restore command (as with pgBackRest or WAL-G), reading the table as of the moment', async () => {
    const scratch = await scratchBilling(story, 'scratch_command');
    try {
      const command = `cp '${story.pg.archiveDir}/%f' "%p"`;
      const result = await runCli(
        restoreArgs(
          [
            '--restore-command',
            command,
            '--as-of',
            story.asOf,
            '--from-database',
            'app',
            '--state-dir',
            await tempDir(),
          ],
          story.pg.url('scratch_command'),
        ),
        { timeoutMs: 120_000 },
      );
      expect(result.stderr).not.toContain('rowback:');
      expect(result.code).toBe(0);
      expect(await rows(scratch, 'billing')).toEqual(story.atAsOf);
    } finally {
      await scratch.close();
    }
  }, 180_000);

  it("ignores the backup's own configuration (production port, archive_command, preload libraries) and never writes to the archive", async () => {
    const copy = join(await tempDir(), 'hostile');
    await cp(story.backup, copy, { recursive: true });
    // Debian-style: no postgresql.conf in the data directory; and an auto.conf that would do harm.
    await rm(join(copy, 'postgresql.conf'));
    const trap = join(await tempDir(), 'archive_command-ran');
    await writeFile(
      join(copy, 'postgresql.auto.conf'),
      `port = 5432\nlisten_addresses = '*'\narchive_mode = on\narchive_command = 'touch ${trap}'\nshared_preload_libraries = 'not_installed_here'\nprimary_conninfo = 'host=production'\n`,
    );
    await writeFile(join(copy, 'standby.signal'), '');
    const archiveBefore = await fingerprint(story.pg.archiveDir);
    const scratch = await scratchBilling(story, 'scratch_hostile');
    try {
      const result = await runCli(
        [
          'restore',
          'billing',
          '--from',
          copy,
          '--wal-archive',
          story.pg.archiveDir,
          '--as-of',
          story.asOf,
          '--to',
          story.pg.url('scratch_hostile'),
          '--from-database',
          'app',
          '--yes',
          '--state-dir',
          await tempDir(),
        ],
        { timeoutMs: 120_000 },
      );
      expect(result.stderr).not.toContain('rowback:');
      expect(result.code).toBe(0);
      expect(await rows(scratch, 'billing')).toEqual(story.atAsOf);
      expect(await fingerprint(story.pg.archiveDir)).toEqual(archiveBefore);
      await expect(readdir(trap)).rejects.toThrow(/ENOENT/);
    } finally {
      await scratch.close();
    }
  }, 180_000);

  it('reads the backup as it was when it finished when no --as-of and no WAL are given', async () => {
    const scratch = await scratchBilling(story, 'scratch_backup_only');
    try {
      const result = await runCli(
        restoreArgs(
          ['--from-database', 'app', '--state-dir', await tempDir()],
          story.pg.url('scratch_backup_only'),
        ),
        { timeoutMs: 120_000 },
      );
      expect(result.code).toBe(0);
      expect(await rows(scratch, 'billing')).toEqual(story.atBackup);
    } finally {
      await scratch.close();
    }
  }, 180_000);

  it('refuses an --as-of before the backup was taken, saying when it started', async () => {
    const result = await runCli(
      restoreArgs([
        '--wal-archive',
        story.pg.archiveDir,
        '--as-of',
        '2020-01-01 00:00:00Z',
        '--state-dir',
        await tempDir(),
      ]),
      { timeoutMs: 120_000 },
    );
    expect(result.stderr).toMatch(
      /--as-of 2020-01-01 00:00:00\+00 is before the base backup .* was taken \(it started 20\d\d-/,
    );
    expect(result.code).toBe(2);
  }, 180_000);

  it('says the archived WAL ends before an --as-of later than anything archived', async () => {
    const result = await runCli(
      restoreArgs([
        '--wal-archive',
        story.pg.archiveDir,
        '--as-of',
        '2099-01-01 00:00:00+00',
        '--state-dir',
        await tempDir(),
      ]),
      { timeoutMs: 120_000 },
    );
    expect(result.stderr).toMatch(
      /The archived WAL ends before --as-of 2099-01-01 00:00:00\+00: the last segment is [0-9A-F]{24}/,
    );
    expect(result.stderr).toContain('pg_switch_wal()');
    expect(result.code).toBe(3);
  }, 180_000);

  it('names the PostgreSQL version a backup needs when this machine lacks it', async () => {
    const fake = join(await tempDir(), 'pg99');
    await mkdir(join(fake, 'global'), { recursive: true });
    await writeFile(join(fake, 'PG_VERSION'), '99\n');
    await writeFile(join(fake, 'global', 'pg_control'), '');
    const result = await runCli([
      'restore',
      'billing',
      '--from',
      fake,
      '--to',
      story.pg.url('app'),
      '--yes',
      '--state-dir',
      await tempDir(),
    ]);
    expect(result.stderr).toMatch(
      /The base backup is PostgreSQL 99, and this machine has only PostgreSQL [\d, ]+ server binaries/,
    );
    expect(result.stderr).toContain('apt-get install postgresql-99');
    expect(result.code).toBe(4);
  });

  it('refuses --as-of without the WAL to reach it', async () => {
    const result = await runCli(restoreArgs(['--as-of', story.asOf, '--state-dir', await tempDir()]));
    expect(result.stderr).toContain(`--as-of needs the WAL written after the base backup ${story.backup}`);
    expect(result.code).toBe(2);
  });
});
