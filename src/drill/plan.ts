import { RowbackError } from '../core/errors.js';
import type { Opener } from '../core/sessions.js';
import { parseTableRef, type TableRef } from '../core/table.js';
import { isDatabaseUrl } from '../engines/index.js';
import { isMariaBackup } from '../sources/mariadb-pitr/backup.js';
import { isBaseBackup } from '../sources/postgres-pitr/backup.js';
import type { DrillOptions } from './types.js';

/** What a drill decides before it starts anything. */
export interface DrillPlan {
  ref: TableRef;
  /** The scratch's engine: --to's, else --live's, else the source's. */
  engine: string;
  /** The database to read in a backup or restored instance: --from-database, else --live's. */
  database?: string;
  /** The source travels in time (a backup, an instance restore): it is given --as-of. Others hold one moment. */
  timeTravels: boolean;
}

/**
 * Reads the command line a drill was given, refusing before anything starts what it cannot run: a
 * scratch that is the live database, a source whose database or credentials only --live can name, a
 * scratch engine nothing names.
 */
export async function scratchPlan(options: DrillOptions, opener: Opener): Promise<DrillPlan> {
  let ref: TableRef;
  try {
    ref = parseTableRef(options.table);
  } catch {
    throw new RowbackError('usage', `"${options.table}" is not a table name.`, {
      hint: 'Write table or schema.table.',
    });
  }
  if (options.to && options.live && sameDatabase(options.to, options.live)) {
    throw new RowbackError(
      'usage',
      '--to names the live database: a drill restores into a scratch database, never production.',
      {
        hint: 'Give --to a scratch database, or leave it out: rowback then starts a throwaway server for the drill.',
      },
    );
  }
  const kind = await sourceKind(options.from);
  if (kind === 'rds' && !options.live) {
    throw new RowbackError(
      'usage',
      `${options.from} needs --live: the restored instance is logged into with the live database's user and password.`,
      {
        hint: 'Add --live postgres://user@prod-host/app (only read: its table is what the restored one is compared with).',
      },
    );
  }
  // Only backups and restored instances hold several databases; --from-database is refused elsewhere.
  const holdsDatabases = kind === 'rds' || kind === 'postgres-backup' || kind === 'mysql-backup';
  const database =
    options.sourceFlags?.database ?? (holdsDatabases && options.live ? databaseOf(options.live) : undefined);
  if (holdsDatabases && kind !== 'rds' && !database) {
    throw new RowbackError('usage', `Which database of the backup ${options.from} holds ${options.table}?`, {
      hint: 'Add --from-database NAME, or --live URL (its database is read).',
    });
  }
  const engine = await engineOf(options, kind, opener);
  if (!options.to && engine !== 'postgres' && engine !== 'mysql') {
    throw new RowbackError(
      'usage',
      `rowback starts no throwaway ${engine} database for a drill: give --to.`,
      {
        hint: 'Give --to a database file to restore into (sqlite3 scratch.db "PRAGMA user_version = 1" makes an empty one).',
      },
    );
  }
  return {
    ref,
    engine,
    ...(database ? { database } : {}),
    timeTravels: holdsDatabases,
  };
}

type SourceKind = 'url' | 'rds' | 'postgres-backup' | 'mysql-backup' | 'other';

async function sourceKind(from: string): Promise<SourceKind> {
  if (/^rds(-cluster)?:/i.test(from)) return 'rds';
  if (isDatabaseUrl(from)) return 'url';
  if (await isBaseBackup(from)) return 'postgres-backup';
  if (await isMariaBackup(from)) return 'mysql-backup';
  return 'other';
}

async function engineOf(options: DrillOptions, kind: SourceKind, opener: Opener): Promise<string> {
  const named = options.to ?? options.live ?? (kind === 'url' ? options.from : undefined);
  if (named) return (await opener.engine(named)).name;
  if (kind === 'postgres-backup') return 'postgres';
  if (kind === 'mysql-backup') return 'mysql';
  throw new RowbackError(
    'usage',
    `rowback cannot tell which database engine ${options.from} restores into.`,
    {
      hint: 'Add --live URL (the live database) or --to URL (a scratch database).',
    },
  );
}

/** Same server and database, by URL: a scratch must never be the live database. */
function sameDatabase(a: string, b: string): boolean {
  const place = (url: string) => {
    try {
      const u = new URL(
        url.replace(/^(postgresql|mariadb):/i, (s) =>
          s.toLowerCase() === 'mariadb:' ? 'mysql:' : 'postgres:',
        ),
      );
      return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port}/${decodeURIComponent(u.pathname.slice(1))}`;
    } catch {
      return url;
    }
  };
  return place(a) === place(b);
}

/** The URL's database; for PostgreSQL without one, libpq's default: the user's name. */
function databaseOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || undefined;
  } catch {
    return undefined;
  }
}
