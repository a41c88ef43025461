import { describe, expect, it } from 'vitest';
import { sqlClient } from '../engines/postgres/support.js';
import { connectClient } from '../harness/clients.js';
import { runCli, tempDir } from '../harness/index.js';
import { accounts, BEFORE, mysqlAccounts, RESTORED, accountTable as table } from './support.js';

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

  it('bounds the wait on MySQL/MariaDB too, in whole seconds, on restore and undo (exit 11, nothing written)', async () => {
    const { db, args } = await mysqlAccounts();
    const state = ['--state-dir', await tempDir()];
    const holder = await connectClient('mysql', db.targetUrl);
    const rows = () => db.dump('target', 'account', ['id']);
    const busy = async (command: string[], timeout: string) => {
      const started = Date.now();
      const result = await runCli([...command, '--yes', '--json', '--lock-timeout', timeout, ...state]);
      const elapsed = Date.now() - started;
      expect(result.code).toBe(11);
      const error = JSON.parse(result.stdout).error as { code: string; message: string };
      expect(error.code).toBe('busy');
      expect(error.message).toMatch(
        /^Gave up waiting for a lock another session holds while [a-z]+ .*: Lock wait timeout exceeded/,
      );
      return elapsed;
    };
    try {
      // rows locked by an open transaction, as an application's long transaction holds them
      await holder.exec('START TRANSACTION; SELECT * FROM account FOR UPDATE');
      // 1.5 s is 2 s for MySQL, which counts whole seconds; far below the server's 50 s
      const waited = await busy(['restore', ...args], '1500ms');
      expect(waited).toBeGreaterThanOrEqual(2000);
      expect(waited).toBeLessThan(20_000);
      expect(await rows()).toEqual(['1\tone', '9\tnine']);
      await holder.exec('ROLLBACK');

      const restored = await runCli(['restore', ...args, '--yes', '--json', ...state]);
      expect(restored.code).toBe(0);
      const { id } = JSON.parse(restored.stdout) as { id: string };
      await holder.exec('START TRANSACTION; SELECT * FROM account FOR UPDATE');
      expect(await busy(['undo', id, '--to', db.targetUrl], '1')).toBeGreaterThanOrEqual(1000);
      expect(await rows()).toEqual(['1\tone', '2\ttwo', '3\tthree', '9\tnine']);
    } finally {
      await holder.exec('ROLLBACK').catch(() => undefined);
      await holder.close();
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
