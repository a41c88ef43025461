import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../harness/index.js';
import { cliCommand, runInTerminal } from '../harness/tmux.js';
import { accounts, BEFORE, RESTORED, accountTable as table } from './support.js';

/** `rowback restore … 2>&1 | tee restore.log` typed at a terminal, as a person logs a repair. */
async function restoreThroughTee(extra: string[] = []) {
  const { target, args } = await accounts();
  const cwd = await tempDir();
  const state = await tempDir();
  const command = `${cliCommand(['restore', ...args, '--no-progress', '--state-dir', state, ...extra])} 2>&1 | tee restore.log`;
  const terminal = await runInTerminal(command, { cwd });
  const log = () => readFile(join(cwd, 'restore.log'), 'utf8');
  const audit = async () =>
    (await readFile(join(state, 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { outcome: string; error?: { code: string } });
  return { target, terminal, log, audit };
}

const QUESTION =
  /Apply to postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: insert 2 missing row\(s\) in public\.account\? \[y\/N\] /;

describe('the confirmation, asked on the terminal', () => {
  it('is asked on the terminal when stdout and stderr go to `tee`, and y applies the restore', async () => {
    const { target, terminal, log } = await restoreThroughTee();
    try {
      await terminal.waitFor(QUESTION);
      await terminal.keys('y', 'Enter');
      expect(await terminal.exitCode()).toBe(0);
      const logged = await log();
      expect(logged).toContain('missing             2  in the source, gone from the target  → insert');
      expect(logged).toMatch(new RegExp(`${QUESTION.source}y\\n`));
      expect(logged).toContain('Restored public.account: 2 inserted, 0 updated, 0 deleted');
      expect(await table(target)).toBe(RESTORED);
    } finally {
      await terminal.close();
    }
  });

  for (const [key, name, shown] of [
    ['C-c', 'Ctrl-C', '^C'],
    ['C-d', 'Ctrl-D', '^D'],
  ] as const) {
    it(`takes ${name} at the prompt as no: exit 10, declined, nothing written`, async () => {
      const { target, terminal, log, audit } = await restoreThroughTee(['--extra', 'delete']);
      try {
        await terminal.waitFor(
          /Apply to .*: DELETE 1 row\(s\) written since, insert 2 missing row\(s\) in public\.account\? \[y\/N\] /,
        );
        await terminal.keys(key);
        expect(await terminal.exitCode()).toBe(10);
        const logged = await log();
        expect(logged).toContain(`[y/N] ${shown}\n`);
        expect(logged).toContain('rowback: Restore declined; nothing was written.');
        expect(await table(target)).toBe(BEFORE);
        expect((await audit()).map((r) => [r.outcome, r.error?.code])).toEqual([['declined', 'declined']]);
      } finally {
        await terminal.close();
      }
    });
  }

  it('answers anything but y as no', async () => {
    const { target, terminal } = await restoreThroughTee();
    try {
      await terminal.waitFor(QUESTION);
      await terminal.keys('n', 'o', 'p', 'e', 'Enter');
      expect(await terminal.exitCode()).toBe(10);
      expect(await table(target)).toBe(BEFORE);
    } finally {
      await terminal.close();
    }
  });

  it('refuses without a controlling terminal (exit 2), and applies with --yes', async () => {
    const { target, args } = await accounts();
    const refused = await runCli(['restore', ...args, '--json']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).error).toEqual({
      code: 'usage',
      message: 'Confirmation needed, but there is no terminal to ask on.',
      hint: 'Review the plan with `rowback diff` or `--dry-run`, then pass --yes to apply without a prompt.',
    });
    expect(await table(target)).toBe(BEFORE);
    const applied = await runCli(['restore', ...args, '--yes']);
    expect(applied.code).toBe(0);
    expect(await table(target)).toBe(RESTORED);
  });
});
