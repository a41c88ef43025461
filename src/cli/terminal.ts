import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import tty from 'node:tty';

/**
 * Questions go to the controlling terminal (/dev/tty), as git, ssh and psql ask theirs: stdin, stdout and
 * stderr may all be pipes or files (`rowback restore … 2>&1 | tee restore.log`) while a person still sits
 * at the terminal. Without one there is nobody to ask, and the caller decides what that means.
 */
interface Terminal {
  input: tty.ReadStream;
  output: tty.WriteStream;
  close(): void;
}

function openTerminal(): Terminal | undefined {
  let read: number | undefined;
  let write: number | undefined;
  try {
    read = openSync('/dev/tty', 'r');
    write = openSync('/dev/tty', 'w');
  } catch {
    if (read !== undefined) closeSync(read);
    return undefined; // no controlling terminal (ENXIO), or a system without /dev/tty
  }
  const input = new tty.ReadStream(read);
  const output = new tty.WriteStream(write);
  return {
    input,
    output,
    close() {
      if (input.isRaw) input.setRawMode(false);
      input.destroy();
      output.destroy();
    },
  };
}

export function hasTerminal(): boolean {
  const terminal = openTerminal();
  terminal?.close();
  return terminal !== undefined;
}

/** What a question ended with: a line, or the person pressing Ctrl-C or Ctrl-D instead. */
export type Answer = { line: string } | { interrupted: true } | { ended: true };

/**
 * Asks one question on the terminal and reads one line (with line editing). Returns undefined when there
 * is no terminal. Ctrl-C and Ctrl-D answer too, without a signal reaching the rest of a pipeline.
 */
export async function askLine(question: string): Promise<Answer | undefined> {
  const terminal = openTerminal();
  if (!terminal) return undefined;
  const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: true });
  try {
    return await new Promise<Answer>((resolve) => {
      rl.on('line', (line) => resolve({ line }));
      rl.on('SIGINT', () => {
        terminal.output.write('^C\n');
        resolve({ interrupted: true });
      });
      rl.on('close', () => {
        terminal.output.write('\n');
        resolve({ ended: true }); // Ctrl-D on an empty line
      });
      rl.setPrompt(question);
      rl.prompt();
    });
  } finally {
    rl.removeAllListeners('close');
    rl.close();
    terminal.close();
  }
}

/**
 * Asks for a secret on the terminal without echoing it (psql's `Password for user …:`). Returns undefined
 * when there is no terminal.
 */
export async function askSecret(question: string): Promise<Answer | undefined> {
  const terminal = openTerminal();
  if (!terminal) return undefined;
  const { input, output } = terminal;
  output.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  try {
    return await new Promise<Answer>((resolve) => {
      let secret = '';
      input.on('data', (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') return resolve({ line: secret });
          if (char === '\u0003') return resolve({ interrupted: true });
          if (char === '\u0004' && secret === '') return resolve({ ended: true });
          if (char === '\u007f' || char === '\b') secret = [...secret].slice(0, -1).join('');
          else if (char === '\u0015')
            secret = ''; // Ctrl-U: start again
          else if (char >= ' ') secret += char;
        }
      });
    });
  } finally {
    output.write('\n');
    terminal.close();
  }
}
