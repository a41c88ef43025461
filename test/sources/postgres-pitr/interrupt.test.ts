import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir } from '../../harness/index.js';
import { playStory, rows, type Story } from './fixture.js';

let story: Story;

beforeAll(async () => {
  story = await playStory();
}, 120_000);

afterAll(async () => {
  await story?.stop();
});

interface Recorded {
  type: string;
  pid?: number;
  path?: string;
}

/** Starts a restore whose WAL arrives slowly, and waits until its throwaway server is recorded. */
async function startSlowRestore(stateDir: string) {
  const child = spawnCli([
    'restore',
    'billing',
    '--from',
    story.backup,
    '--to',
    story.pg.url('app'),
    '--yes',
    '--state-dir',
    stateDir,
    '--as-of',
    story.asOf,
    '--restore-command',
    `sleep 1; cp '${story.pg.archiveDir}/%f' "%p"`,
  ]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let recorded: Recorded[] = [];
  for (let i = 0; i < 600 && !recorded.some((r) => r.type === 'process'); i++) {
    await sleep(50);
    const files = await readdir(join(stateDir, 'runs')).catch(() => [] as string[]);
    const file = files.find((name) => name.endsWith('.json'));
    if (!file) continue;
    try {
      recorded = JSON.parse(await readFile(join(stateDir, 'runs', file), 'utf8')).resources;
    } catch {
      // being rewritten
    }
  }
  expect(recorded.map((r) => r.type)).toEqual(['dir', 'process']);
  return { child, exited, recorded, stderr: () => stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(path: string): Promise<boolean> {
  return access(path).then(
    () => false,
    () => true,
  );
}

describe('a point-in-time recovery interrupted', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'by %s while WAL replays exits 130 with the server stopped, the copy removed and the table untouched',
    async (signal) => {
      const stateDir = await tempDir();
      const before = await rows(story.db, 'billing');
      const restore = await startSlowRestore(stateDir);
      restore.child.kill(signal);
      expect(await restore.exited).toBe(130);
      const server = restore.recorded.find((r) => r.type === 'process')!;
      const copy = restore.recorded.find((r) => r.type === 'dir')!;
      expect(alive(server.pid!)).toBe(false);
      expect(await gone(copy.path!)).toBe(true);
      expect(await readdir(join(stateDir, 'runs'))).toEqual([]);
      expect(restore.stderr()).toContain('what it had created was removed');
      expect(await rows(story.db, 'billing')).toEqual(before);
    },
    120_000,
  );

  it('by SIGKILL leaves a record that `rowback cleanup` uses to remove the copy (the server died with it)', async () => {
    const stateDir = await tempDir();
    const restore = await startSlowRestore(stateDir);
    restore.child.kill('SIGKILL');
    await restore.exited;
    const server = restore.recorded.find((r) => r.type === 'process')!;
    const copy = restore.recorded.find((r) => r.type === 'dir')!;
    for (let i = 0; i < 100 && alive(server.pid!); i++) await sleep(50);
    expect(alive(server.pid!)).toBe(false);
    expect(await gone(copy.path!)).toBe(false);
    expect(await readdir(join(stateDir, 'runs'))).toHaveLength(1);

    const cleanup = await runCli(['cleanup', '--state-dir', stateDir, '--json']);
    expect(cleanup.code).toBe(0);
    const report = JSON.parse(cleanup.stdout);
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0].outcome).toBe('cleaned');
    expect(report.runs[0].removed).toHaveLength(2);
    expect(await gone(copy.path!)).toBe(true);
    expect(await readdir(join(stateDir, 'runs'))).toEqual([]);

    const again = await runCli(['cleanup', '--state-dir', stateDir]);
    expect(again.stdout.trim()).toBe('Nothing to clean up.');
    expect(again.code).toBe(0);
  }, 120_000);
});
