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
  options: { interrupted?: boolean; rolledBack?: boolean; sourceRows?: boolean } = {},
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
  if (options.sourceRows && (code === 'SQLITE_CONSTRAINT_DATATYPE' || code === 'SQLITE_MISMATCH')) {
    return valuesDoNotFit(error, code, text, doing, options);
  }
  const named = code ? ` (${code})` : '';
  return new RowbackError('internal', `Failed while ${doing}: ${text}${named}.${outcome}`, { cause: error });
}

/**
 * A value from the source that a STRICT table's column (or an INTEGER PRIMARY KEY) refuses, while its
 * rows were staged or copied in: the source does not match the target, or its bytes were damaged.
 */
function valuesDoNotFit(
  error: unknown,
  code: string,
  text: string,
  doing: string,
  options: { rolledBack?: boolean },
): RowbackError {
  // `cannot store TEXT value in INTEGER column t.code`: the staged table's name is rowback's, not the user's
  const column = text.match(/ column (?:\S+\.)?(\S+)$/)?.[1];
  const outcome = options.rolledBack
    ? 'the transaction was rolled back, nothing was written'
    : 'nothing was written';
  return new RowbackError(
    'schema-mismatch',
    `A source value does not fit the target${column ? ` column ${column}` : ''} while ${doing}: ${text}; ${outcome}.`,
    {
      cause: error,
      hint: "Check that the source is intact (a dump file: `gzip -t` / `zstd -t` on a compressed one; a plain one may have been edited or cut) and that the target's column types match the source's (a dump without CREATE TABLE is read with the target's types).",
      details: { code, ...(column ? { column } : {}) },
    },
  );
}
