import { isRowbackError, RowbackError } from '../../core/errors.js';

/** better-sqlite3's SqliteError: the extended result code as text (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_FOREIGNKEY`). */
interface DriverError {
  code?: string;
  message?: string;
}

/**
 * Wraps a driver error with what rowback was doing ("while inserting missing rows into main.billing").
 * RowbackErrors pass through unchanged.
 */
export function mapError(
  error: unknown,
  doing: string,
  options: { interrupted?: boolean; rolledBack?: boolean } = {},
): RowbackError {
  if (isRowbackError(error)) return error;
  const e = error as DriverError;
  const code = e?.code ?? '';
  const text = e?.message ?? String(error);
  const outcome = options.rolledBack ? ' The transaction was rolled back; nothing was written.' : '';
  if (options.interrupted || code === 'SQLITE_INTERRUPT') {
    return new RowbackError('interrupted', `Interrupted while ${doing}; the transaction was rolled back.`, {
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new RowbackError(
      'busy',
      `Gave up waiting for a lock while ${doing}: ${text}. Another connection holds the database (an application's open transaction, a sqlite3 shell, a backup); nothing was written.`,
      {
        cause: error,
        hint: 'Let that transaction finish, then run this again; --lock-timeout waits longer.',
      },
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new RowbackError('privilege', `Failed while ${doing}: the database is read-only (${text}).`, {
      cause: error,
      hint: 'rowback needs to write the file and create a journal beside it: check the permissions of the file and of its directory. `rowback diff` works on a read-only database.',
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new RowbackError('connection', `Cannot open the database while ${doing}: ${text}.`, {
      cause: error,
      hint: 'Check the path and that this user may read it (and write it, for a target).',
    });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new RowbackError('bad-source', `The database is damaged or not SQLite (${text}) while ${doing}.`, {
      cause: error,
      hint: 'Check the file with `sqlite3 FILE "PRAGMA integrity_check"`.',
    });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new RowbackError(
      'missing-parent',
      `A foreign key check failed while ${doing}: ${text}.${outcome}`,
      {
        cause: error,
        hint: 'Restore the parent rows first (or the child rows after), then run this again.',
      },
    );
  }
  const named = code ? ` (${code})` : '';
  return new RowbackError('internal', `Failed while ${doing}: ${text}${named}.${outcome}`, { cause: error });
}
