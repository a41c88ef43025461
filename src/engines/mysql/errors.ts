import { RowbackError } from '../../core/errors.js';

/** A mysql2 error's code (`ER_…`, `ECONNREFUSED`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Codes that mean the session itself is gone (not that one statement failed). */
const LOST_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_NET_READ_ERROR',
  'ER_NET_WRITE_INTERRUPTED',
]);

/** Codes of a value that the target column refuses. */
const DATA_CODES = new Set([
  'ER_BAD_NULL_ERROR',
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_INVALID_JSON_TEXT',
  'ER_CONSTRAINT_FAILED',
  'ER_CHECK_CONSTRAINT_VIOLATED',
  'WARN_DATA_TRUNCATED',
]);

/** True when this error means the session is gone (the server or the network dropped it). */
export function isConnectionLost(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && LOST_CODES.has(code);
}

/** Wraps a server error with what rowback was doing; lost sessions and cancelled statements get their code. */
export function wrapServerError(error: unknown, doing: string, redactedUrl: string): RowbackError {
  if (error instanceof RowbackError) return error;
  const code = errorCode(error);
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'ER_QUERY_INTERRUPTED' || code === 'ER_STATEMENT_TIMEOUT') {
    return new RowbackError('interrupted', `Interrupted ${doing}; the transaction was rolled back.`, {
      cause: error,
    });
  }
  if (isConnectionLost(error)) {
    return new RowbackError('connection', `Lost the session to ${redactedUrl} ${doing}: ${text}`, {
      hint: 'Nothing was committed. Check the server and run the command again.',
      cause: error,
    });
  }
  if (code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_LOCK_DEADLOCK') {
    const what =
      code === 'ER_LOCK_DEADLOCK'
        ? 'Deadlocked with another session'
        : 'Gave up waiting for a lock another session holds';
    return new RowbackError('busy', `${what} ${doing}: ${text}`, {
      hint: 'Nothing was written. Find the open transaction holding the table (information_schema.INNODB_TRX, SHOW PROCESSLIST), let it finish, then run the command again.',
      cause: error,
      details: { code },
    });
  }
  if (
    code === 'ER_TABLEACCESS_DENIED_ERROR' ||
    code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' ||
    code === 'ER_DBACCESS_DENIED_ERROR'
  ) {
    // Staging and planning happen in temporary tables: the right most often missing, so say which it is.
    const sql = (error as { sql?: unknown }).sql;
    if (typeof sql === 'string' && /^\s*CREATE TEMPORARY TABLE/i.test(sql)) {
      return new RowbackError(
        'privilege',
        `Permission denied ${doing}: rowback stages rows in temporary tables, and the user lacks the CREATE TEMPORARY TABLES privilege (${text}). Nothing was written.`,
        {
          hint: 'GRANT CREATE TEMPORARY TABLES ON <database>.* TO the user (with SELECT, INSERT, UPDATE, DELETE).',
          cause: error,
          details: { code },
        },
      );
    }
    return new RowbackError('privilege', `Permission denied ${doing}: ${text}`, {
      hint: 'Grant the user SELECT, INSERT, UPDATE, DELETE and CREATE TEMPORARY TABLES on the database.',
      cause: error,
    });
  }
  if (code === 'ER_OPTION_PREVENTS_STATEMENT' || code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') {
    return new RowbackError(
      'privilege',
      `Failed ${doing}: the server is read-only (${text}). Nothing was written.`,
      {
        hint: 'The target is a replica, or read_only / super_read_only is set. Point --to at the primary; `rowback diff` works on a read-only server.',
        cause: error,
        details: { code },
      },
    );
  }
  if (code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_NO_REFERENCED_ROW') {
    return new RowbackError(
      'missing-parent',
      `A row references a parent row that does not exist, ${doing}: ${text}`,
      {
        hint: 'Restore the parent table first, or narrow the restore with --where. Nothing was written.',
        cause: error,
      },
    );
  }
  if (code === 'ER_ROW_IS_REFERENCED_2' || code === 'ER_ROW_IS_REFERENCED') {
    // The user's data, like any foreign key failure: the same code as a missing parent.
    return new RowbackError(
      'missing-parent',
      `A row to delete is still referenced by another table, ${doing}: ${text}`,
      {
        hint: 'Keep the extra rows (--extra keep), or delete their child rows first. Nothing was written.',
        cause: error,
        details: { code },
      },
    );
  }
  if (code === 'ER_SIGNAL_EXCEPTION') {
    // SIGNAL from a trigger (or a routine it calls): the target's own rule refuses the user's data.
    return new RowbackError('schema-mismatch', `A trigger on the target refused a row ${doing}: ${text}`, {
      hint: "Check the table's triggers (SHOW TRIGGERS); nothing was written. Restore a subset with --where to leave out the rows it refuses.",
      cause: error,
      details: { code },
    });
  }
  if (code !== undefined && DATA_CODES.has(code)) {
    return new RowbackError(
      'schema-mismatch',
      `A source value does not fit the target column, ${doing}: ${text}`,
      {
        hint: 'Compare the source and target column definitions (type, length, NULL); nothing was written.',
        cause: error,
        details: { code },
      },
    );
  }
  return new RowbackError('internal', `MySQL error ${doing}: ${text}`, {
    cause: error,
    details: code ? { code } : undefined,
  });
}
