import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CLI_PATH } from './cli.js';
import { tempDir } from './index.js';

const exec = promisify(execFile);

/** A shell command typed at a real terminal (a tmux pane), read back from the screen as a person sees it. */
export interface TerminalRun {
  /** Presses keys, in tmux's names: 'y', 'Enter', 'C-c', 'C-d'. */
  keys(...keys: string[]): Promise<void>;
  /** Waits until the screen shows `text` (default 30 s); returns the screen. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Waits for the command to end; its exit code (the first command of a pipeline's). */
  exitCode(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The built CLI as a shell command line with these arguments. */
export function cliCommand(args: string[]): string {
  return [process.execPath, CLI_PATH, ...args].map(shellQuote).join(' ');
}

/**
 * Runs `command` (bash syntax, a pipeline allowed) in a new tmux server of its own, at a 200×50 terminal,
 * in `cwd` with `env` added. The pane stays on screen after the command ends.
 */
export async function runInTerminal(
  command: string,
  options: { cwd: string; env?: Record<string, string> },
): Promise<TerminalRun> {
  const dir = await tempDir();
  const config = join(dir, 'tmux.conf');
  await writeFile(config, 'set -g remain-on-exit on\nset -g history-limit 5000\n');
  const socket = `rowback-test-${randomBytes(4).toString('hex')}`;
  const env = { ...process.env, NO_COLOR: '1', ...options.env };
  const tmux = (...args: string[]) => exec('tmux', ['-L', socket, '-f', config, ...args], { env });
  const script = `${command}; echo "[exit \${PIPESTATUS[0]}]"`;
  await tmux('new-session', '-d', '-x', '200', '-y', '50', '-c', options.cwd, 'bash', '-c', script);
  const screen = async () => (await tmux('capture-pane', '-p', '-J', '-S', '-5000')).stdout;
  const waitFor = async (text: string | RegExp, timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const shown = await screen();
      if (typeof text === 'string' ? shown.includes(text) : text.test(shown)) return shown;
      if (Date.now() > until) throw new Error(`The terminal never showed ${String(text)}:\n${shown}`);
      await sleep(100);
    }
  };
  return {
    async keys(...keys) {
      await tmux('send-keys', ...keys);
    },
    waitFor,
    async exitCode(timeoutMs) {
      const shown = await waitFor(/\[exit \d+\]/, timeoutMs);
      return Number(/\[exit (\d+)\]/.exec(shown)?.[1]);
    },
    async close() {
      await tmux('kill-server').catch(() => undefined);
    },
  };
}
