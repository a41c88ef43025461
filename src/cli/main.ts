#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '../index.js';
import { cleanupCommand } from './cleanup.js';
import { demoCommand } from './demo.js';
import { diffCommand } from './diff.js';
import { doctorCommand } from './doctor.js';
import { drillCommand } from './drill.js';
import { reportError } from './io.js';
import { marksCommand } from './marks.js';
import { isParseFailure, usageErrorOf } from './parse-errors.js';
import { restoreCommand } from './restore.js';
import { sqlCommand } from './sql.js';
import { undoCommand } from './undo.js';

// pg asks whether it runs in a Cloudflare Worker: by navigator.userAgent where there is one (Node ≥ 21),
// else by constructing a fetch Response, which on Node 20 loads undici: about 30 ms of every command. Node
// 20 gets the navigator that later versions have (pg is loaded after this line runs, on demand).
if (!('navigator' in globalThis)) {
  const userAgent = `Node.js/${process.versions.node.split('.')[0]}`;
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent },
    configurable: true,
    writable: true,
  });
}

// A reader that stops early (`rowback restore --help | head`) closes the pipe: what is left to print is
// not wanted, and no crash trace should follow it.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('rowback')
  .version(version)
  .description(
    'Put one table — or just the rows that matter — back the way it was, merged with everything written since.\nPostgreSQL, MySQL/MariaDB and SQLite.',
  )
  .addHelpText(
    'after',
    `
The story starts at the prompt: \`rowback sql postgres://…production…\` refuses DELETE FROM billing; without
its WHERE, asks commit? before any other write, and records a restore point first (\`rowback marks\`).
When it was not used: someone ran DELETE FROM billing; without its WHERE. Your provider restored the instance
to a minute before into a temporary instance. Then:
  rowback diff    billing --from postgres://…restored… --to postgres://…production…
  rowback restore billing --from postgres://…restored… --to postgres://…production…
  rowback undo    <restore-id> --to postgres://…production…

Exit codes: 0 ok, 1 sql: a statement failed, 2 usage / bad --where / --from is the --to table, 3 table, key or restore id not found, 4 schema mismatch or
unsupported, 5 connection, 6 privilege, 7 missing parent rows, 8 changed since (undo conflict, or the plan grew
past what was confirmed), 9 verification failed, 10 declined, 11 target busy (locked), 12 not the database or
table the restore wrote to, 13 source file truncated or corrupt, 20 / 21 doctor: recoverable with limits / not
recoverable, 22 drill failed (a step failed), 70 internal error (a bug: please report it), 130 interrupted.`,
  )
  .addCommand(sqlCommand())
  .addCommand(marksCommand())
  .addCommand(diffCommand())
  .addCommand(restoreCommand())
  .addCommand(undoCommand())
  .addCommand(doctorCommand())
  .addCommand(drillCommand())
  .addCommand(cleanupCommand())
  .addCommand(demoCommand());

// Parse errors are thrown, not printed by commander, so they are reported like every other error.
for (const command of [program, ...program.commands]) {
  command.exitOverride().configureOutput({ outputError: () => {} });
}

const args = process.argv.slice(2);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isParseFailure(error)) {
    process.exitCode = reportError(usageErrorOf(error, args), args.includes('--json'));
  } else if (error instanceof CommanderError) {
    // --help and --version: 0; `rowback` with no command printed its help: a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_CODES.usage;
  } else {
    throw error;
  }
}
