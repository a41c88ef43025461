import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../harness/index.js';
import { cliCommand, runInTerminal, shellQuote } from '../harness/tmux.js';
import { accounts, accountTable as table } from './support.js';

const run = promisify(execFile);

describe('progress on a terminal', () => {
  it('draws a bar of MB read while a dump streams in, clears it when done, and restores every row', async () => {
    const { source, target } = await accounts();
    // Enough rows that the copy lasts several of the bar's redraws (5 a second).
    await source.client.query(
      "INSERT INTO account SELECT g, 'account ' || g FROM generate_series(4, 1000000) AS g",
    );
    await target.client.query('TRUNCATE account');
    const dir = await tempDir();
    const dump = join(dir, 'account.dump');
    await run('pg_dump', ['-d', source.url, '-Fc', '-t', 'public.account', '-f', dump]);
    const cli = cliCommand([
      'restore',
      'account',
      '--from',
      dump,
      '--to',
      target.url,
      '--yes',
      '--state-dir',
      dir,
    ]);
    // Through script(1), which keeps every frame the terminal was sent, not only what is left on screen.
    const frames = join(dir, 'frames.log');
    const command = `script -qefc ${shellQuote(cli)} ${shellQuote(frames)}`;
    const terminal = await runInTerminal(command, { cwd: dir });
    try {
      const drawing = await terminal.waitFor(
        /apply {2}\[[=-]+\] \d+\.\d\/\d+\.\d MB read, [\d,]+ rows/,
        60_000,
      );
      expect(drawing).not.toContain('[exit');
      expect(await terminal.exitCode(120_000)).toBe(0);
      const shown = await terminal.waitFor('Restored public.account: 1,000,000 inserted');
      expect(shown).not.toContain('MB read');
      expect(await table(target)).toBe(await table(source));
      const sent = await readFile(frames, 'utf8');
      const drawn = sent.match(/apply {2}\[[=-]+\][^\x1b]*/g) ?? [];
      expect(drawn.length).toBeGreaterThan(1);
      // Every frame, the first included, shows amounts: none shows the bar's bare {placeholders}.
      for (const frame of drawn)
        expect(frame).toMatch(/^apply {2}\[[=-]{40}\] \d+\.\d\/\d+\.\d MB read, [\d,]+ rows {2}\d+s$/);
    } finally {
      await terminal.close();
    }
  }, 180_000);
});
