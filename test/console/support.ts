import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type EngineName, type Scratch, scratch, tempDir } from '../harness/index.js';
import { cliCommand, runInTerminal, type TerminalRun } from '../harness/tmux.js';

let opened: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const thing of opened.reverse()) await thing.close();
  opened = [];
});

/** The table every console test starts from: three rows on the engine's target database. */
export const TABLE_BEFORE = ['1 one', '2 two', '3 three'];

export async function shop(engine: EngineName): Promise<{ db: Scratch; rows(): Promise<string[]> }> {
  const db = await scratch(engine);
  opened.push(db);
  await db.target.exec('CREATE TABLE t (id int PRIMARY KEY, name varchar(20))');
  await db.target.exec("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  const rows = async () =>
    (await db.target.query('SELECT id, name FROM t ORDER BY id')).map((row) => row.join(' '));
  return { db, rows };
}

/** `rowback sql <url>` typed at a real terminal, with its own state dir. */
export interface ConsoleRun extends TerminalRun {
  state: string;
  /** Types a line and presses Enter (a trailing `;` is escaped for tmux). */
  type(line: string): Promise<void>;
  /** Waits until `text` has been shown `times` times in all. */
  waitForNth(text: string, times: number, timeoutMs?: number): Promise<string>;
  audit(): Promise<{ command: string; id: string; statement?: string; mark?: Record<string, unknown> }[]>;
}

export async function openConsole(url: string, options: { state?: string } = {}): Promise<ConsoleRun> {
  const state = options.state ?? (await tempDir());
  const cwd = await tempDir();
  const terminal = await runInTerminal(cliCommand(['sql', url, '--state-dir', state]), { cwd });
  opened.push(terminal);
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    ...terminal,
    state,
    async type(line) {
      await terminal.keys('-l', line.replace(/;$/, '\\;')); // tmux reads a trailing ; as its own separator
      await terminal.keys('Enter');
    },
    waitForNth(text, times, timeoutMs) {
      return terminal.waitFor(new RegExp(`(?:${escaped(text)}[\\s\\S]*){${times}}`), timeoutMs);
    },
    async audit() {
      const text = await readFile(join(state, 'audit.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    },
  };
}
