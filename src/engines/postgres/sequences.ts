import type pg from 'pg';
import type { TableSchema } from '../../core/table.js';
import { qualified, quoteIdent, quoteLiteral } from './sql.js';

/**
 * The statement moving one sequence past the largest value its column now holds: never backwards, and
 * not at all when the table is empty or the sequence is already ahead. Returns the new value when moved.
 */
export function setvalStatement(table: TableSchema, column: string, sequence: string): string {
  return `SELECT setval(${quoteLiteral(sequence)}::regclass, m.v, true)::text AS value
FROM (SELECT max(${quoteIdent(column)})::bigint AS v FROM ${qualified(table.ref)}) AS m, ${sequence} AS q
WHERE m.v IS NOT NULL AND (m.v > q.last_value OR (NOT q.is_called AND m.v >= q.last_value))`;
}

/** Moves every owned or default sequence of the table past restored values; reports those moved. */
export async function moveSequences(
  client: pg.Client,
  table: TableSchema,
): Promise<{ name: string; value: string }[]> {
  const moved: { name: string; value: string }[] = [];
  for (const seq of table.sequences) {
    const result = await client.query<{ value: string }>(setvalStatement(table, seq.column, seq.name));
    const value = result.rows[0]?.value;
    if (value !== undefined) moved.push({ name: seq.name, value });
  }
  return moved;
}
