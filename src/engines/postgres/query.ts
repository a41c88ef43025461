import type { QueryResult } from '../engine.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';

type Result = {
  fields: { name: string }[];
  rows: (string | null)[][];
  command?: string;
  rowCount?: number | null;
};

/** A SELECT on the pinned session: every value the server's text (bytea as `\x` hex, pinned). */
export async function query(session: PgSession, sql: string): Promise<QueryResult> {
  try {
    const result = (await session.client.query({ text: sql, rowMode: 'array' })) as unknown as
      | Result
      | Result[];
    // Several statements give one result each; a query is about the last one.
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    const changed = last && last.command !== 'SELECT' && typeof last.rowCount === 'number';
    return {
      columns: last?.fields.map((f) => f.name) ?? [],
      rows: last?.rows ?? [],
      ...(changed ? { affected: last.rowCount as number } : {}),
    };
  } catch (error) {
    throw mapError(error, 'running a query', { interrupted: session.cancelled });
  }
}

/**
 * Runs SQL on the pinned session. The extended protocol takes one statement only, which is what a
 * session not opened with `multipleStatements` wants; the simple protocol runs a script.
 */
export async function exec(session: PgSession, sql: string): Promise<void> {
  try {
    await session.client.query(session.multipleStatements ? sql : { text: sql, values: [] });
  } catch (error) {
    throw mapError(error, 'running a statement', { interrupted: session.cancelled });
  }
}
