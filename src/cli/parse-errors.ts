import { CommanderError } from 'commander';
import { RowbackError } from '../index.js';

/** Options that take the table's place in pg_dump / mysqldump habits; rowback's table is the first argument. */
const TABLE_FLAGS = new Set(['-t', '--table', '-T']);

/**
 * An option-parser error as a RowbackError('usage'), so it is reported like every other failure: one JSON
 * object under --json, `rowback: …` and a hint on stderr, exit 2. `argv` is the user's arguments (after
 * `node main.js`), to name the command and suggest the fix.
 */
export function usageErrorOf(error: CommanderError, argv: string[]): RowbackError {
  const message = error.message.replace(/^error:\s*/, '').trim();
  const command = argv.find((a) => !a.startsWith('-'));
  const help = command ? `rowback ${command} --help` : 'rowback --help';
  let hint = `See ${help} for the arguments and options.`;
  const unknown = /^unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown && TABLE_FLAGS.has(unknown)) {
    hint = `The table is the first argument, not an option: rowback ${command ?? 'diff'} billing --from … --to … (see ${help}).`;
  } else if (error.code === 'commander.unknownCommand') {
    hint = 'The commands are diff, restore, undo and demo; see rowback --help.';
  }
  return new RowbackError('usage', sentence(message), { hint });
}

function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * A parse error to report. --help and --version end with code 0, and `rowback` alone prints its help
 * (`commander.help`): neither is an error message.
 */
export function isParseFailure(error: unknown): error is CommanderError {
  return error instanceof CommanderError && error.exitCode !== 0 && error.code !== 'commander.help';
}
