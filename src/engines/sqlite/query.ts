import type { QueryResult } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { mapError } from './errors.js';

/**
 * A value as text: integers their digits (read as BigInt, never a JS number), texts as they are, blobs as
 * `\x` hex. A real is an IEEE double in SQLite as in JavaScript; it is written by SQLite itself, in the
 * same text `read` uses.
 */
function asText(session: SqliteSession, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeof value === 'number') return realText(session, value);
  return String(value);
}

function realText(session: SqliteSession, value: number): string {
  if (Object.is(value, -0)) return '-0.0';
  if (value === Number.POSITIVE_INFINITY) return '9.0e+999';
  if (value === Number.NEGATIVE_INFINITY) return '-9.0e+999';
  return String(session.db.prepare('SELECT CAST(? AS TEXT)').pluck().get(value));
}

/** A SELECT on the session: every value as text (see asText). */
export function query(session: SqliteSession, sql: string): QueryResult {
  try {
    const statement = session.db.prepare(sql);
    if (!statement.reader) {
      const { changes } = statement.run();
      return { columns: [], rows: [], affected: changes };
    }
    const columns = statement.columns().map((c) => c.name);
    const rows = (statement.raw(true).all() as unknown[][]).map((row) => row.map((v) => asText(session, v)));
    return { columns, rows };
  } catch (error) {
    throw mapError(error, 'running a query', { interrupted: session.cancelled });
  }
}

/** Runs one statement, or several when the session was opened with `multipleStatements`. */
export function exec(session: SqliteSession, sql: string): void {
  try {
    if (session.multipleStatements) session.db.exec(sql);
    else session.db.prepare(sql).run();
  } catch (error) {
    throw mapError(error, 'running a statement', { interrupted: session.cancelled });
  }
}
