import { readFile } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import { Command } from 'commander';
import {
  type ConsoleIo,
  DELIBERATE,
  loadHistory,
  RowbackError,
  type RunOutcome,
  SQL_SCRIPT_EXIT,
  SqlConsole,
  saveHistory,
} from '../index.js';
import { STATE_DIR_HELP } from './common.js';
import { runCommand } from './io.js';
import { askPassword } from './password.js';

/** `\\q`, `exit` or `quit` on a line of its own ends the console (or a script) there. */
const QUIT = /^\s*(\\q|exit|quit)\s*;?\s*$/i;

interface SqlFlags {
  command?: string;
  file?: string;
  yes?: boolean;
  stateDir?: string;
  notify: string[];
}

export function sqlCommand(): Command {
  return new Command('sql')
    .description(
      'A SQL console that refuses the accident (DELETE without WHERE, TRUNCATE, DROP), asks commit? before other writes and records a restore point before each',
    )
    .argument('<url>', 'the database: postgres://…, mysql://…, mariadb://…, or a SQLite file')
    .option('-c, --command <sql>', 'run these statements, then exit')
    .option('-f, --file <path>', 'run the statements of this file, then exit')
    .option(
      '--yes',
      'in scripts: commit writes and run statements of unknown effect without asking (never a refused one)',
    )
    .option(
      '--notify <url>',
      'post each restore point to this webhook (Slack incoming webhook or any JSON endpoint); repeatable; also ROWBACK_NOTIFY',
      (url: string, urls: string[]) => [...urls, url],
      [] as string[],
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .addHelpText(
      'after',
      `
Statements end with ";" and may span lines. Each is parsed by the engine's grammar before it is sent:
  DELETE FROM orders;                 refused: no WHERE (also WHERE true, WHERE 1=1, TRUNCATE, DROP TABLE)
  ${DELIBERATE} DELETE FROM orders;     runs it on purpose (still in a transaction, still asks commit?)
  DELETE FROM orders WHERE id = 42;   runs in a transaction: "1 row changed in orders. commit? [y/N]"
                                      (up to 10 changed rows are named by key first: "Key (id): 42.")
Inside BEGIN … COMMIT the question comes at your COMMIT. Ctrl-C cancels the running statement; \\q, exit or
Ctrl-D quit. History is kept in the state dir. Before each write a restore point is recorded:
  rowback marks                       lists them
  rowback restore orders --from … --to … --as-of mark:<id>

Scripts (-c, -f, or statements on stdin) stop at the first statement that does not run: exit 1 it failed,
2 it cannot be parsed, 10 refused or not committed (nobody to ask: pass --yes to commit writes).`,
    )
    .action(async (url: string, flags: SqlFlags) => {
      await runCommand(false, async () => {
        const script = await scriptOf(flags);
        const interactive = script === undefined && process.stdin.isTTY === true;
        const prompts = interactive ? new Prompts() : undefined;
        const console = await SqlConsole.open({
          url,
          io: ioFor(prompts),
          askPassword,
          ...(flags.yes ? { yes: true } : {}),
          ...(flags.notify.length ? { notify: flags.notify } : {}),
          ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
        });
        try {
          if (prompts) await prompts.loop(console, flags.stateDir);
          else process.exitCode = SQL_SCRIPT_EXIT[await runScript(console, script ?? (await readStdin()))];
        } finally {
          await console.close();
        }
      });
    });
}

async function scriptOf(flags: SqlFlags): Promise<string | undefined> {
  if (flags.command !== undefined && flags.file !== undefined) {
    throw new RowbackError('usage', 'Give -c or -f, not both.');
  }
  if (flags.command !== undefined)
    return flags.command.trimEnd().endsWith(';') ? flags.command : `${flags.command};`;
  if (flags.file === undefined) return undefined;
  try {
    return await readFile(flags.file, 'utf8');
  } catch (error) {
    throw new RowbackError('usage', `Cannot read ${flags.file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A script runs as if typed: statement by statement, stopping at the first that does not run. */
async function runScript(console: SqlConsole, script: string): Promise<RunOutcome> {
  let buffer = '';
  for (const line of `${script}\n`.split('\n')) {
    if (!buffer.trim() && QUIT.test(line)) return 'ok';
    buffer += `${line}\n`;
    if (!console.isComplete(buffer)) continue;
    const outcome = await console.run(buffer);
    buffer = '';
    if (outcome !== 'ok') return outcome;
  }
  return buffer.trim() ? console.run(buffer) : 'ok';
}

function ioFor(prompts: Prompts | undefined): ConsoleIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    say: (text) => process.stderr.write(`${text}\n`),
    ask: async (question) => prompts?.ask(question),
  };
}

/** The interactive loop on node:readline: line editing, history, Ctrl-C, Ctrl-D. */
class Prompts {
  private rl: Interface | undefined;
  private buffer = '';
  private answer: ((yes: boolean) => void) | undefined;
  private running: SqlConsole | undefined;

  async loop(console: SqlConsole, stateDir: string | undefined): Promise<void> {
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: await loadHistory(stateDir),
      historySize: 500,
      removeHistoryDuplicates: true,
    });
    this.rl = rl;
    process.stdout.write(`Connected to ${console.target}. Type \\q to quit; see rowback sql --help.\n`);
    const prompt = () => {
      const mark = console.inTransaction ? '*' : '';
      rl.setPrompt(this.buffer ? `rowback${mark}-> ` : `rowback${mark}=> `);
      rl.prompt();
    };
    let queue = Promise.resolve();
    let ended = false;
    rl.on('SIGINT', () => {
      if (this.answer) return this.reply(false, '^C');
      process.stdout.write('^C\n');
      if (this.running) void this.running.cancel();
      else {
        this.buffer = '';
        prompt();
      }
    });
    rl.on('line', (line) => {
      if (this.answer) return this.reply(/^\s*y(es)?\s*$/i.test(line));
      queue = queue.then(async () => {
        if (ended) return;
        if (!this.buffer && QUIT.test(line)) {
          ended = true;
          rl.close();
          return;
        }
        this.buffer += `${line}\n`;
        if (!line.trim() && !this.buffer.trim()) this.buffer = '';
        if (this.buffer && console.isComplete(this.buffer)) {
          const input = this.buffer;
          this.buffer = '';
          await saveHistory(stateDir, input).catch(() => undefined);
          this.running = console;
          await console.run(input).finally(() => {
            this.running = undefined;
          });
        }
        if (!ended) prompt();
      });
    });
    const closed = new Promise<void>((resolve) => rl.on('close', resolve));
    prompt();
    await closed;
    ended = true;
    this.reply(false, '^D');
    await queue;
    process.stdout.write('\n');
  }

  /** Asks on the console's own prompt; the next line is the answer. */
  ask(question: string): Promise<boolean> {
    return new Promise((resolve) => {
      this.answer = resolve;
      this.rl?.setPrompt(`${question} [y/N] `);
      this.rl?.prompt();
    });
  }

  private reply(yes: boolean, shown?: string): void {
    const answer = this.answer;
    if (!answer) return;
    this.answer = undefined;
    if (shown) process.stdout.write(`${shown}\n`);
    answer(yes);
  }
}
