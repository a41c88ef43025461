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
  options: { interrupted?: boolean; rolledBack?: boolean; sourceRows?: boolean } = {},
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
  if (options.sourceRows && isDataException(e?.code)) return valuesDoNotFit(error, doing, options);
  // A trigger raising an error names itself only in the context line.
  const context = e?.where && /function/i.test(e.where) ? ` [${e.where.split('\n')[0]}]` : '';
  const outcome = options.rolledBack ? ' The transaction was rolled back; nothing was written.' : '';
  return new RowbackError('internal', `Failed while ${doing}: ${text}${detail}${context}.${outcome}`, {
    cause: error,
    ...(e?.hint ? { hint: e.hint } : {}),
  });
}

/**
 * SQLSTATE class 22, data exception: a value the column's type refuses. 22P03 (invalid binary
 * representation) is left out: rowback's own binary COPY encoder wrote those bytes, not the source.
 */
function isDataException(code: string | undefined): boolean {
  return code?.startsWith('22') === true && code !== '22P03';
}

/**
 * A value from the source that the target's column refuses, while its rows were staged or copied in: the
 * source does not match the target (a changed column type, a data-only dump read with the target's
 * types) or its bytes were damaged. Either way the source and target columns do not match.
 */
function valuesDoNotFit(error: unknown, doing: string, options: { rolledBack?: boolean }): RowbackError {
  const e = error as DriverError;
  const detail = e.detail ? ` (${e.detail})` : '';
  // COPY's context line says where: `COPY rowback_stage_1, line 2, column amount: "2.Z99"`
  const column = e.where?.match(/^COPY [^,]+, line \d+, column ([^:]+):/)?.[1];
  const outcome = options.rolledBack
    ? 'the transaction was rolled back, nothing was written'
    : 'nothing was written';
  return new RowbackError(
    'schema-mismatch',
    `A source value does not fit the target${column ? ` column ${column}` : ''} while ${doing}: ${e.message}${detail}; ${outcome}.`,
    {
      cause: error,
      hint: "Check that the source is intact (a dump file: `gzip -t` / `zstd -t` on a compressed one; a plain one may have been edited or cut) and that the target's column types match the source's (a dump without CREATE TABLE is read with the target's types).",
      details: { sqlstate: e.code, ...(column ? { column } : {}) },
    },
  );
}
