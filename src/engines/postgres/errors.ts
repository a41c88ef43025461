import { isRowbackError, RowbackError } from '../../core/errors.js';

/** The fields of a server error that rowback reads (pg's DatabaseError, or a socket error). */
interface DriverError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  /** Where in the server it happened, e.g. "PL/pgSQL function no7() line 1 at RAISE". */
  where?: string;
}

const LOST_CONNECTION =
  /Connection terminated|ECONNRESET|EPIPE|Client has encountered a connection error|not queryable/i;

/** True when the session is gone (the server rolls back whatever was open). */
export function isConnectionLost(error: unknown): boolean {
  const e = error as DriverError;
  const code = e?.code ?? '';
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    LOST_CONNECTION.test(e?.message ?? '')
  );
}

/**
 * Wraps a driver error with what rowback was doing ("while inserting missing rows into public.billing").
 * RowbackErrors pass through unchanged.
 */
export function mapError(
  error: unknown,
  doing: string,
  options: { interrupted?: boolean; rolledBack?: boolean } = {},
): RowbackError {
  if (isRowbackError(error)) return error;
  const e = error as DriverError;
  const text = e?.message ?? String(error);
  const detail = e?.detail ? ` (${e.detail})` : '';
  if (options.interrupted || e?.code === '57014') {
    return new RowbackError('interrupted', `Interrupted while ${doing}; the transaction was rolled back.`, {
      cause: error,
    });
  }
  if (isConnectionLost(error)) {
    return new RowbackError(
      'connection',
      `Lost the connection while ${doing}: ${text}. The transaction was rolled back by the server.`,
      { cause: error, hint: 'Check the server is up and run the command again; nothing was written.' },
    );
  }
  if (e?.code === '55P03') {
    return new RowbackError(
      'busy',
      `Gave up waiting for a lock while ${doing}: ${text}. Another session holds a lock rowback needs (a long transaction, a migration); nothing was written.`,
      {
        cause: error,
        hint: 'Find it in pg_stat_activity / pg_locks, let it finish, then run this again.',
      },
    );
  }
  if (e?.code === '25006') {
    return new RowbackError('privilege', `Failed while ${doing}: the session is read-only (${text}).`, {
      cause: error,
      hint: 'The target is a standby, or the role or database sets default_transaction_read_only. Point --to at the primary, with a role that may write; `rowback diff` works on a read-only target.',
    });
  }
  if (e?.code === '23503') {
    return new RowbackError('missing-parent', `A foreign key check failed while ${doing}: ${text}${detail}`, {
      cause: error,
      hint: 'Restore the parent rows first (or the child rows after), then run this again.',
    });
  }
  if (e?.code === '42501') {
    const hint = /row-level security/i.test(text)
      ? 'Row-level security would hide rows from this role, so the comparison would not be exact. Run as the table owner or a role with BYPASSRLS.'
      : /temporary tables|pg_temp/i.test(text)
        ? 'rowback stages the source rows in a temporary table on the target: GRANT TEMPORARY ON DATABASE to this role, or run as one that has it.'
        : 'Run as a user that may read, lock and write this table (and create temporary tables).';
    return new RowbackError('privilege', `Permission denied while ${doing}: ${text}`, { cause: error, hint });
  }
  // A trigger raising an error names itself only in the context line.
  const context = e?.where && /function/i.test(e.where) ? ` [${e.where.split('\n')[0]}]` : '';
  const outcome = options.rolledBack ? ' The transaction was rolled back; nothing was written.' : '';
  return new RowbackError('internal', `Failed while ${doing}: ${text}${detail}${context}.${outcome}`, {
    cause: error,
    ...(e?.hint ? { hint: e.hint } : {}),
  });
}
