import { describe, expect, it } from 'vitest';
import { sqlClient } from '../engines/postgres/support.js';
import { runCli, tempDir } from '../harness/index.js';
import { accounts, BEFORE, RESTORED, accountTable as table } from './support.js';

describe('--lock-timeout', () => {
  it('bounds the wait for a lock another session holds, on restore and undo (exit 11, nothing written)', async () => {
    const { target, args } = await accounts();
    const state = ['--state-dir', await tempDir()];
    const holder = await sqlClient(target.url);
    try {
      await holder.query('BEGIN; LOCK TABLE account IN SHARE MODE');
      const started = Date.now();
      const busy = await runCli([
        'restore',
        ...args,
        '--yes',
        '--json',
        '--lock-timeout',
        '1500ms',
        ...state,
      ]);
      expect(busy.code).toBe(11);
      const error = JSON.parse(busy.stdout).error as { code: string; message: string };
      expect(error.code).toBe('busy');
      expect(error.message).toMatch(/^Waited 1\.5 s for a lock on public\.account, held by pid \d+ /);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      expect(await table(target)).toBe(BEFORE);
      await holder.query('COMMIT');

      const restored = await runCli(['restore', ...args, '--yes', '--json', ...state]);
      expect(restored.code).toBe(0);
      const { id } = JSON.parse(restored.stdout) as { id: string };
      await holder.query('BEGIN; LOCK TABLE account IN SHARE MODE');
      const undo = await runCli([
        'undo',
        id,
        '--to',
        target.url,
        '--yes',
        '--json',
        '--lock-timeout',
        '1',
        ...state,
      ]);
      expect(undo.code).toBe(11);
      expect(JSON.parse(undo.stdout).error.message).toMatch(/^Waited 1 s for a lock on public\.account/);
      expect(await table(target)).toBe(RESTORED);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }, 120_000);

  it('takes durations as people write them, and refuses anything else (exit 2)', async () => {
    const result = await runCli([
      'restore',
      't',
      '--from',
      'a',
      '--to',
      'b',
      '--lock-timeout',
      'soon',
      '--json',
    ]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.message).toBe(
      "Option '--lock-timeout <duration>' argument 'soon' is invalid. Expected a duration such as 30s, 500ms or 2min.",
    );
  });
});
