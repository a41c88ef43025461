import { type Command, InvalidArgumentError, Option } from 'commander';
import { type CommonOptions, RowbackError } from '../index.js';
import { askPassword } from './password.js';

export const STATE_DIR_HELP =
  'where undo files and audit.jsonl are kept, private to you (default: $XDG_STATE_HOME/rowback, else ~/.local/state/rowback)';

/** Flags shared by diff and restore. */
export function addSourceTargetOptions(command: Command): Command {
  return command
    .requiredOption(
      '--from <source>',
      "where the past state is: a URL to the restored instance (postgres://…, mysql://…), a SQLite backup file (./backup.db, sqlite:./backup.db), a dump file (pg_dump plain, -Fc, -Fd, -Ft; mysqldump; sqlite3 .dump; .gz / .zst), a PostgreSQL base backup directory, or binlog (the MySQL/MariaDB target's own binary log; binlog:mysql://… another server's)",
    )
    .option(
      '--as-of <time>',
      'the moment wanted, for sources that travel in time: "2026-11-24 10:14:59+00" (a zone, or the machine\'s is assumed and said), or mark:<id>, a restore point of `rowback sql` (see `rowback marks`)',
    )
    .option(
      '--as-of-position <file:pos>',
      'with --from binlog: the moment as a binlog position (every transaction starting there or later is undone)',
    )
    .option(
      '--as-of-gtid <gtid>',
      'with --from binlog: the GTID of the first transaction to undo (it and every later one)',
    )
    .option(
      '--backout <range>',
      'with --from binlog: back out one accident instead of rewinding: the transactions in FROM..TO (times, FILE:POS positions or GTIDs; see "Backing out" below) or one GTID',
    )
    .addOption(
      new Option(
        '--conflicts <policy>',
        'with --backout: a column changed again since the accident is left as it is now (keep-current, default) or set back anyway (take-source)',
      ).choices(['keep-current', 'take-source']),
    )
    .option(
      '--wal-archive <dir>',
      "with a PostgreSQL base backup: the WAL archive (archive_command's destination)",
    )
    .option(
      '--restore-command <command>',
      'with a PostgreSQL base backup: fetch WAL with this command (%f file, %p path), e.g. \'wal-g wal-fetch %f "%p"\'',
    )
    .option(
      '--binlog-dir <dir>',
      "with a mariadb-backup directory: the server's binlog files, replayed up to --as-of",
    )
    .option('--public', 'with rds: make the restored instance publicly accessible (default: not)')
    .requiredOption(
      '--to <target-url>',
      'the live database to repair (postgres://…, mysql://…, mariadb://…, or a SQLite file: ./app.db, sqlite:./app.db)',
    )
    .option('--from-table <name>', 'the table name in the source, when it differs from <table>')
    .option(
      '--from-database <name>',
      "with a backup, cloud source or dump of several databases (mysqldump --databases, pg_dumpall): the database to read in it (default: the target URL's database; in a dump, the one holding the table)",
    )
    .option('--where <sql>', 'only rows matching this boolean SQL, on both sides (e.g. "account_id = 42")')
    .option(
      '--columns <columns>',
      'compare and write only these columns, comma-separated (the key still identifies rows; other columns keep their current values; missing rows are inserted whole)',
    )
    .option(
      '--target-where <sql>',
      "touch only rows whose CURRENT target row matches this boolean SQL (e.g. \"plan = 'free'\": the accident's mark is still there); others are kept and counted",
    )
    .option(
      '--key <columns>',
      'columns identifying a row, comma-separated (default: primary key, else a unique NOT NULL key)',
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--json', 'print exactly one JSON object on stdout; human text goes to stderr')
    .option('--no-progress', 'no progress bar on stderr');
}

export interface CommonFlags {
  from: string;
  asOf?: string;
  asOfPosition?: string;
  asOfGtid?: string;
  backout?: string;
  conflicts?: 'keep-current' | 'take-source';
  fromDatabase?: string;
  walArchive?: string;
  restoreCommand?: string;
  binlogDir?: string;
  public?: boolean;
  to: string;
  fromTable?: string;
  where?: string;
  columns?: string;
  targetWhere?: string;
  key?: string;
  stateDir?: string;
  json?: boolean;
  progress: boolean;
}

export function commonOptions(table: string, flags: CommonFlags): CommonOptions {
  return {
    table,
    from: flags.from,
    to: flags.to,
    ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
    askPassword,
    ...(flags.asOf !== undefined ? { asOf: flags.asOf } : {}),
    ...(flags.backout !== undefined ? { backout: flags.backout } : {}),
    ...(flags.conflicts !== undefined ? { conflicts: flags.conflicts } : {}),
    ...sourceFlags(flags),
    onNotice: (text: string) => {
      if (text) process.stderr.write(`${text}\n`);
    },
    ...(flags.fromTable ? { fromTable: flags.fromTable } : {}),
    ...(flags.where !== undefined ? { where: flags.where } : {}),
    ...(flags.columns !== undefined ? { columns: splitList(flags.columns) } : {}),
    ...(flags.targetWhere !== undefined ? { targetWhere: flags.targetWhere } : {}),
    ...(flags.key
      ? {
          key: flags.key
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean),
        }
      : {}),
  };
}

export const changedOption = new Option(
  '--changed <policy>',
  'rows present on both sides with different values (default: keep-current; take-source with --columns or --target-where)',
).choices(['keep-current', 'take-source']);

/** `--help`: how an accident is named for --backout, and what is done with it. */
export const BACKOUT_HELP = `
Backing out an accident (--from binlog): instead of rewinding the table to a moment, revert exactly what
one statement or transaction changed, row by row and column by column, and keep everything written since.
  --backout 0-1-4711                      one transaction, by GTID (MySQL: 3E11FA47-…-C80AA9429562:23)
  --backout 0-1-4711..0-1-4720            GTIDs, both included
  --backout binlog.000042:1337..binlog.000042:2210
                                          transactions starting at or after the first position and before
                                          the second (SHOW BINLOG EVENTS: Pos .. End_log_pos)
  --backout "2026-11-24 10:14:59+00..2026-11-24 10:14:59+00"
                                          transactions committed in those seconds, both included
  A column the accident changed is set back where it still holds the accident's value; changed again
  since, it is a conflict, shown with its three values (before / accident / now) and left alone unless
  --conflicts take-source. A row it deleted is inserted again if its key is free; a row it inserted is
  deleted if still as inserted. Columns it did not change and rows it did not touch are never written
  (--columns limits it further); --changed and --extra are refused with it.
`;

/** A comma-separated list of names, blanks dropped. */
function splitList(text: string): string[] {
  return text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
}

/** --backout decides each row three-way itself: a policy for changed or extra rows given with it is refused, not ignored. */
export function refusePoliciesWithBackout(flags: { backout?: string }, command: Command): void {
  if (flags.backout === undefined) return;
  const given = ['changed', 'extra'].filter((name) => command.getOptionValueSource(name) === 'cli');
  if (given.length === 0) return;
  throw new RowbackError(
    'usage',
    `${given.map((name) => `--${name}`).join(' and ')} cannot be used with --backout: a backout sets back only what the accident changed.`,
    {
      hint: 'A column changed again since the accident is a conflict: --conflicts take-source sets it back anyway.',
    },
  );
}

export const extraOption = new Option(
  '--extra <policy>',
  'rows only in the target (written since the source moment)',
)
  .choices(['keep', 'delete'])
  .default('keep');

function sourceFlags(flags: CommonFlags): Pick<CommonOptions, 'sourceFlags'> {
  const found = {
    ...(flags.fromDatabase !== undefined ? { database: flags.fromDatabase } : {}),
    ...(flags.walArchive !== undefined ? { walArchive: flags.walArchive } : {}),
    ...(flags.restoreCommand !== undefined ? { restoreCommand: flags.restoreCommand } : {}),
    ...(flags.binlogDir !== undefined ? { binlogDir: flags.binlogDir } : {}),
    ...(flags.public ? { publiclyAccessible: true } : {}),
    ...(flags.asOfPosition !== undefined ? { asOfPosition: flags.asOfPosition } : {}),
    ...(flags.asOfGtid !== undefined ? { asOfGtid: flags.asOfGtid } : {}),
  };
  return Object.keys(found).length ? { sourceFlags: found } : {};
}

/** A whole number of rows, at least 0 (commander reports anything else as a usage error). */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('Expected a whole number, such as 5 or 0.');
  return Number.parseInt(value, 10);
}

export function samplesOption(): Option {
  return new Option('--samples <n>', 'example rows shown per class (0: none)')
    .argParser(parseCount)
    .default(5);
}

/**
 * A duration for --lock-timeout: `30` or `30s` (seconds), `500ms`, `2min`. Commander reports anything else
 * as a usage error.
 */
export function parseDuration(value: string): number {
  const found = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*$/i.exec(value);
  const amount = Number(found?.[1]);
  if (!found || !(amount > 0)) {
    throw new InvalidArgumentError('Expected a duration such as 30s, 500ms or 2min.');
  }
  const unit = (found[2] ?? 's').toLowerCase();
  return Math.round(amount * (unit === 'ms' ? 1 : unit === 'min' ? 60_000 : 1000));
}

export function lockTimeoutOption(): Option {
  return new Option(
    '--lock-timeout <duration>',
    'how long to wait for a lock another session holds on the table before giving up (exit 11), e.g. 30s, 2min (default: 10s)',
  ).argParser(parseDuration);
}
