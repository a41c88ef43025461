import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { RowStream } from '../engine.js';
import { TextToBinary } from './binary-copy.js';
import { type Encoder, encoderFor } from './binary-values.js';
import type { PgSession } from './connect.js';
import { columnList } from './sql.js';

/**
 * COPYs rows in the text row format into `table` (quoted), whose `columns` have the declared `types`.
 * When every type has a binary encoder, the rows go as binary COPY, which the server loads with about a
 * quarter less work (no dates or numbers to parse); TextToBinary says how a row that cannot be converted
 * exactly is left to the server's text input, in a second COPY. Returns the rows loaded.
 */
export async function copyRows(
  session: PgSession,
  table: string,
  columns: string[],
  types: (string | undefined)[],
  rows: RowStream,
): Promise<number> {
  const copy = (format: string) =>
    session.client.query(copyFrom(`COPY ${table} (${columnList(columns)}) FROM STDIN${format}`));
  const encoders = await binaryEncoders(session, types);
  if (!encoders) {
    const sink = copy('');
    await pipeline(rows, sink);
    return sink.rowCount;
  }
  const source = rows[Symbol.asyncIterator]();
  try {
    const binary = new TextToBinary(encoders);
    const sink = copy(' (FORMAT binary)');
    await pipeline(binary.encode(source), sink);
    if (!binary.rest) return sink.rowCount;
    const text = copy('');
    await pipeline(binary.rest, text);
    return sink.rowCount + text.rowCount;
  } catch (error) {
    // Stop the source too (a stream is destroyed), as piping it would have.
    await source.return?.();
    throw error;
  }
}

/**
 * One encoder per column, or undefined when a type has none. Only on a UTF8 database (the session's
 * client encoding): nothing is converted, so both formats check a value's bytes the same way.
 */
async function binaryEncoders(
  session: PgSession,
  types: (string | undefined)[],
): Promise<Encoder[] | undefined> {
  const encoders: Encoder[] = [];
  for (const type of types) {
    const encoder = type === undefined ? undefined : encoderFor(type);
    if (!encoder) return undefined;
    encoders.push(encoder);
  }
  if (session.serverEncoding === undefined) {
    const found = await session.client.query<{ encoding: string }>(
      `SELECT current_setting('server_encoding') AS encoding`,
    );
    session.serverEncoding = found.rows[0]?.encoding ?? '';
  }
  return session.serverEncoding === 'UTF8' ? encoders : undefined;
}

/** The declared types of `columns` in `table` (undefined for a name it lacks). */
export function typesOf(table: { columns: { name: string; type: string }[] }, columns: string[]) {
  return columns.map((name) => table.columns.find((c) => c.name === name)?.type);
}
