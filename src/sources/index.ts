import { stat } from 'node:fs/promises';
import { RowbackError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import type { OpenSourceOptions, Source } from '../core/source.js';
import { noSuchFile } from './source.js';

/** One kind of file or log source: how it recognises what the user wrote after `--from`, and how it opens it. */
export interface SourceKind {
  readonly name: string;
  /** The options it takes besides `--from` (others given with it are refused, not ignored). */
  readonly takes?: readonly TakenOption[];
  recognise(from: string): Promise<boolean>;
  open(from: string, options: OpenSourceOptions): Promise<Source>;
}

type TakenOption =
  | '--as-of'
  | '--as-of-position'
  | '--as-of-gtid'
  | '--backout'
  | '--wal-archive'
  | '--restore-command'
  | '--binlog-dir'
  | '--from-database';

/**
 * The kinds of source that are not a database of the target's engine (`src/open.ts` opens those as live
 * sources, by URL scheme or database file header), tried in order. A dump is recognised by its first bytes
 * once opened; binlog, journal and cloud sources come here too.
 */
export const SOURCE_KINDS: readonly SourceKind[] = [
  {
    name: 'binlog',
    takes: ['--as-of', '--as-of-position', '--as-of-gtid', '--backout'],
    recognise: async (from) => /^binlog(:|$)/i.test(from),
    open: async (from, options) => (await import('./binlog/index.js')).openBinlogSource(from, options),
  },
  {
    name: 'rds',
    takes: ['--as-of', '--from-database'],
    recognise: async (from) => /^rds(-cluster)?:[^/]/i.test(from),
    open: async (from, options) => {
      const [scheme, id] = [
        from.slice(0, from.indexOf(':')).toLowerCase(),
        from.slice(from.indexOf(':') + 1),
      ];
      const { openRdsSource } = await import('./rds/index.js');
      return openRdsSource(scheme === 'rds' ? 'instance' : 'cluster', id, options);
    },
  },
  {
    name: 'mariadb-pitr',
    takes: ['--as-of', '--binlog-dir', '--from-database'],
    recognise: async (from) => (await import('./mariadb-pitr/backup.js')).isMariaBackup(from),
    open: async (from, options) => (await import('./mariadb-pitr/index.js')).openMariaPitr(from, options),
  },
  {
    name: 'postgres-pitr',
    takes: ['--as-of', '--wal-archive', '--restore-command', '--from-database'],
    recognise: async (from) => (await import('./postgres-pitr/backup.js')).isBaseBackup(from),
    open: async (from, options) => (await import('./postgres-pitr/index.js')).openPostgresPitr(from, options),
  },
  {
    name: 'dump',
    takes: ['--from-database'],
    recognise: async (from) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(from) && (await exists(from)),
    open: async (from, options) => (await import('./dump/index.js')).openDumpSource(from, options),
  },
];

/**
 * A --from no kind recognised that is meant as a file (a path, or a dump's usual ending): it is missing,
 * which is worth saying as such. A bare word may be a typo of anything, and keeps the general message.
 */
function looksLikePath(from: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) return false;
  return (
    /[/\\]/.test(from) ||
    from.startsWith('.') ||
    /\.(sql|dump|gz|zst|zstd|lz4|xz|bz2|tar|tgz|backup|bak|pgdump|db|db3|sqlite3?)$/i.test(from)
  );
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** Opens a source that is not a live database: a dump file today. */
export async function openSource(from: string, options: OpenSourceOptions): Promise<Source> {
  for (const kind of SOURCE_KINDS) {
    if (!(await kind.recognise(from))) continue;
    refuseOptions(kind, from, options);
    return kind.open(from, options);
  }
  if (looksLikePath(from)) throw noSuchFile(from);
  throw new RowbackError(
    'usage',
    `rowback cannot read "${redactUrl(from)}" as a source: it is neither a connection URL nor a file.`,
    {
      hint: 'Give a connection URL to an instance holding the past state (postgres://…, mysql://…) or the path of a dump file.',
    },
  );
}

export type { Source } from '../core/source.js';

/** `--backout` needs a source that knows every change since (a log), not one moment of the table. */
export function backoutRefused(from: string, kind: string): RowbackError {
  const can = SOURCE_KINDS.filter((k) => k.takes?.includes('--backout')).map((k) => k.name);
  return new RowbackError(
    'usage',
    `--backout needs a source with history, and ${redactUrl(from)} (read as ${kind}) holds one moment of the table, not the changes made to it.`,
    {
      hint: `Sources that can back out an accident: ${can.map((n) => `--from ${n}`).join(', ')} (the MySQL/MariaDB target's own binary log; binlog:mysql://… another server's). Without --backout, --columns and --target-where repair an UPDATE from any source.`,
    },
  );
}

/** Options meant for another kind of source are a mistake worth saying, not ignoring. */
function refuseOptions(kind: SourceKind, from: string, options: OpenSourceOptions): void {
  const flags = options.flags ?? {};
  if (flags.backout !== undefined && !kind.takes?.includes('--backout'))
    throw backoutRefused(from, kind.name);
  const given: [TakenOption, unknown][] = [
    ['--as-of', options.asOf],
    ['--wal-archive', flags.walArchive],
    ['--restore-command', flags.restoreCommand],
    ['--binlog-dir', flags.binlogDir],
    ['--as-of-position', flags.asOfPosition],
    ['--as-of-gtid', flags.asOfGtid],
    ['--from-database', flags.database],
  ];
  const wrong = given.filter(([name, value]) => value !== undefined && !kind.takes?.includes(name));
  if (wrong.length === 0) return;
  throw new RowbackError(
    'usage',
    `${wrong.map(([name]) => name).join(', ')} does not apply to ${from} (read as a ${kind.name} source).`,
    {
      hint: '--as-of, --wal-archive and --restore-command go with a PostgreSQL base backup directory or rds:INSTANCE; --as-of, --as-of-position and --as-of-gtid with --from binlog.',
    },
  );
}
