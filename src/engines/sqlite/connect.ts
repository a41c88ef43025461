import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RowbackError } from '../../core/errors.js';
import type { ConnectOptions, SessionProfile } from '../engine.js';
import type { ForeignKeyWatch } from './deferred.js';
import { mapError } from './errors.js';
import { type DatabaseFile, inspectFile, sidecars } from './file.js';

/**
 * How long a statement waits for another connection's lock (an application's open write transaction, a
 * sqlite3 shell) before failing as 'busy'. `ConnectOptions.lockTimeoutMs` (--lock-timeout) changes it.
 */
export const LOCK_WAIT_MS = 10_000;

/** One open database file plus what messages, identity and cleanup need. */
export interface SqliteSession {
  db: Database.Database;
  /** The database file the user named (never the private copy a source may be read from). */
  file: DatabaseFile;
  /** The path as written, for messages. */
  redactedUrl: string;
  lockTimeoutMs: number;
  /** The private directory holding a copy of a source (see openSource), removed at close. */
  copyDir: string | undefined;
  /** Set by cancel(): the next step is reported as 'interrupted'. */
  cancelled: boolean;
  closed: boolean;
  /** A counter for unique work table names in this session. */
  nextId: number;
  /** Between begin() and commit() / rollback(). */
  inTransaction: boolean;
  /** exec() may run several statements at once (scenes for tests, the demo, the bench). */
  multipleStatements: boolean;
  /** PRAGMA foreign_keys as pinned (on), to put back after a transaction that turned it off. */
  foreignKeys: boolean;
  /** A source file attached for a native copy (see native.ts), detached once the transaction ends. */
  attached?: string | undefined;
  /** The attached table the direct path's copyIn copies from, for the open transaction. */
  copyFrom?: { table: string; columns: string[] } | undefined;
  /** Foreign key violations counted as the open transaction began (see deferred.ts). */
  foreignKeyWatch?: ForeignKeyWatch | undefined;
}

/** The file path in `sqlite:PATH`, `sqlite://PATH` (`sqlite:///abs/path`) or a bare path. */
export function pathOf(location: string): string {
  const bare = location.replace(/^sqlite:/i, '');
  return bare.startsWith('//') ? bare.slice(2) : bare;
}

/**
 * A source is only read, and nothing may appear next to it. SQLite opens a WAL-mode database (or one with
 * a `-wal` or hot `-journal` beside it) by creating `-shm` and `-wal` files even for a read-only
 * connection, and leaves them there; such a source is copied, with its `-wal`, into a private directory
 * and read from the copy. Other files are opened read-only where they are.
 */
async function openSource(file: DatabaseFile): Promise<{ db: Database.Database; copyDir?: string }> {
  const beside = await sidecars(file.path);
  if (!file.wal && beside.length === 0) {
    return { db: new Database(file.path, { readonly: true, fileMustExist: true }) };
  }
  const copyDir = await mkdtemp(join(tmpdir(), 'rowback-sqlite-'));
  try {
    await chmod(copyDir, 0o700);
    const copy = join(copyDir, 'source.db');
    await copyFile(file.path, copy);
    await chmod(copy, 0o600);
    if (beside.includes('-wal')) {
      await copyFile(`${file.path}-wal`, `${copy}-wal`);
      await chmod(`${copy}-wal`, 0o600);
    }
    if (beside.includes('-journal')) {
      await copyFile(`${file.path}-journal`, `${copy}-journal`);
      await chmod(`${copy}-journal`, 0o600);
    }
    return { db: new Database(copy, { fileMustExist: true }), copyDir };
  } catch (error) {
    await rm(copyDir, { recursive: true, force: true });
    throw error;
  }
}

/** Opens a session on a database file and pins its settings. */
export async function openSession(location: string, options: ConnectOptions = {}): Promise<SqliteSession> {
  const file = await inspectFile(pathOf(location), location);
  const redactedUrl = pathOf(location);
  let opened: { db: Database.Database; copyDir?: string };
  try {
    opened = options.readOnly
      ? await openSource(file)
      : { db: new Database(file.path, { fileMustExist: true }) };
  } catch (error) {
    throw mapError(error, `opening ${redactedUrl}`);
  }
  const { db, copyDir } = opened;
  const lockTimeoutMs = options.lockTimeoutMs ?? LOCK_WAIT_MS;
  try {
    // Integers come out as BigInt, never as JS numbers; values rowback moves stay bytes anyway.
    db.defaultSafeIntegers(true);
    db.pragma(`busy_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
    // Foreign keys are enforced only where a connection asks; rowback asks, as a careful application does.
    db.pragma('foreign_keys = ON');
    // Work tables live in the connection's temp database: a file SQLite deletes as it opens it, never
    // beside the target. 16 MB of cache: at 32 MB a million-row merge came within 2 MB of 200 MB of RSS
    // for no measurable gain in CPU time (what spills goes to the OS's file cache).
    db.pragma('temp_store = FILE');
    db.pragma('temp.cache_size = -16384');
    // ANALYZE of a work table samples its index instead of reading a million rows: enough to plan joins.
    db.pragma('analysis_limit = 1000');
    if (options.readOnly) db.pragma('query_only = ON');
    checkProfile(db, options.profile, redactedUrl);
  } catch (error) {
    db.close();
    if (copyDir) await rm(copyDir, { recursive: true, force: true });
    throw mapError(error, `setting up the session on ${redactedUrl}`);
  }
  return {
    db,
    file,
    redactedUrl,
    lockTimeoutMs,
    copyDir,
    cancelled: false,
    closed: false,
    nextId: 1,
    inTransaction: false,
    multipleStatements: options.multipleStatements === true,
    foreignKeys: true,
  };
}

/**
 * What a source must share with this target: the text encoding (a text's bytes are written back as they
 * are read). A source that is the target's own file may name another table (--from-table); the same
 * table is refused by its identity, as on every engine.
 */
export function profileOf(session: SqliteSession): SessionProfile {
  return { encoding: String(session.db.pragma('encoding', { simple: true })) };
}

function checkProfile(db: Database.Database, profile: SessionProfile | undefined, label: string): void {
  const wanted = profile?.['encoding'];
  if (!wanted) return;
  const encoding = String(db.pragma('encoding', { simple: true }));
  if (encoding === wanted) return;
  throw new RowbackError(
    'unsupported',
    `The source ${label} stores text as ${encoding} and the target as ${wanted}: text bytes would not mean the same.`,
    { hint: 'Restore from a database with the same encoding (PRAGMA encoding).' },
  );
}

/** Closes the database and removes a source's private copy. */
export async function closeSession(session: SqliteSession): Promise<void> {
  if (session.closed) return;
  session.closed = true;
  try {
    if (session.db.inTransaction) session.db.exec('ROLLBACK');
  } catch {
    // closing rolls back anyway
  }
  session.db.close();
  if (session.copyDir) await rm(session.copyDir, { recursive: true, force: true });
}
