import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { BeginOptions } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { watchForeignKeys } from './deferred.js';
import { mapError } from './errors.js';
import { attachNative, detachNative, type NativeRows, nativeRowsOf } from './native.js';

/** Stops between steps once cancel() was called. */
export function checkCancelled(session: SqliteSession): void {
  if (session.cancelled)
    throw new RowbackError('interrupted', 'Interrupted; the transaction was rolled back.');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}

/**
 * Opens the write transaction with BEGIN IMMEDIATE: SQLite's write lock is the whole file's, taken now
 * rather than at the first write, so the plan built under it is the one applied and no other writer
 * (an application, a sqlite3 shell, a second rowback) can slip in; readers go on. Waits the session's
 * busy timeout for a writer to finish, then fails as 'busy'. `skipForeignKeyChecks` turns the
 * connection's foreign key enforcement off first (a PRAGMA that does nothing inside a transaction), and
 * a source the direct path will copy natively is attached first (ATTACH is refused inside one).
 */
export function begin(session: SqliteSession, target: TableSchema, options: BeginOptions): void {
  checkCancelled(session);
  const { db } = session;
  const name = `${target.ref.schema}.${target.ref.name}`;
  try {
    if (options.skipForeignKeyChecks) db.pragma('foreign_keys = OFF');
    beginWithSource(session, nativeRowsOf(session, options.copying));
    session.inTransaction = true;
    watchForeignKeys(session, target, options);
  } catch (error) {
    restoreSettings(session);
    const code = (error as { code?: string })?.code ?? '';
    if (code.startsWith('SQLITE_BUSY')) {
      throw new RowbackError(
        'busy',
        `Waited ${seconds(session.lockTimeoutMs)} for the write lock on ${session.redactedUrl} (to write ${name}), held by another connection; nothing was written.`,
        {
          cause: error,
          hint: 'Let that transaction finish (an application, a sqlite3 shell or a backup writing the file), then run this again; --lock-timeout waits longer.',
        },
      );
    }
    throw mapError(error, `starting a transaction on ${name}`, { interrupted: session.cancelled });
  }
}

/**
 * BEGIN IMMEDIATE with the source attached. It asks for the write lock of every attached file too: a
 * source SQLite may not write (a read-only file or mount) refuses it, and is then left unattached.
 */
function beginWithSource(session: SqliteSession, native: NativeRows | undefined): void {
  const { db } = session;
  if (native) {
    session.copyFrom = { table: attachNative(session, native), columns: native.columns };
    try {
      db.exec('BEGIN IMMEDIATE');
      return;
    } catch (error) {
      if (!String((error as { code?: string })?.code).startsWith('SQLITE_READONLY')) throw error;
      session.copyFrom = undefined;
      detachNative(session);
    }
  }
  db.exec('BEGIN IMMEDIATE');
}

export function commit(session: SqliteSession): void {
  try {
    session.db.exec('COMMIT');
  } catch (error) {
    rollback(session);
    throw mapError(error, 'committing', { interrupted: session.cancelled, rolledBack: true });
  } finally {
    session.inTransaction = false;
    restoreSettings(session);
  }
}

/** Rolls back, quietly when nothing is open. */
export function rollback(session: SqliteSession): void {
  session.inTransaction = false;
  if (session.closed) return;
  try {
    if (session.db.inTransaction) session.db.exec('ROLLBACK');
  } catch {
    // a failed COMMIT may have rolled back already
  }
  restoreSettings(session);
}

/** Puts back what begin changed outside the transaction. */
function restoreSettings(session: SqliteSession): void {
  if (session.closed || session.db.inTransaction) return;
  session.copyFrom = undefined;
  session.foreignKeyWatch = undefined;
  detachNative(session);
  session.db.pragma(`foreign_keys = ${session.foreignKeys ? 'ON' : 'OFF'}`);
}
