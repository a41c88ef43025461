import type { TableSchema } from '../../core/table.js';
import type { Counter, Staged } from '../engine.js';
import type { PgSession } from './connect.js';
import { quoteIdent, quoteString, quoteTable } from './sql.js';
import { stagedTable } from './stage.js';

/**
 * The statement moving one sequence past the largest value its column now holds: never backwards, and
 * not at all when the table is empty or the sequence is already ahead. Returns the new value when moved.
 * One statement, so the largest value and the move agree whatever runs alongside.
 */
export function setvalStatement(table: TableSchema, column: string, sequence: string): string {
  return `SELECT setval(${quoteString(sequence)}::regclass, m.v, true)::text AS value
FROM (SELECT max(${quoteIdent(column)})::bigint AS v FROM ${quoteTable(table.ref)}) AS m, ${sequence} AS q
WHERE m.v IS NOT NULL AND (m.v > q.last_value OR (NOT q.is_called AND m.v >= q.last_value))`;
}

/**
 * Each owned or default sequence of the table: its last value, and the column's largest when past it;
 * with `staged`, the column's largest value among the staged rows too.
 */
export async function counters(session: PgSession, table: TableSchema, staged?: Staged): Promise<Counter[]> {
  const found: Counter[] = [];
  for (const seq of table.sequences) {
    const inStaged = staged?.columns.includes(seq.column)
      ? `(SELECT max(${quoteIdent(seq.column)})::bigint::text FROM ${stagedTable(staged)})`
      : 'NULL';
    const result = await session.client.query<{
      value: string;
      called: boolean;
      next: string | null;
      staged: string | null;
    }>(
      `SELECT q.last_value::text AS value, q.is_called AS called,
              CASE WHEN m.v IS NOT NULL AND (m.v > q.last_value OR (NOT q.is_called AND m.v >= q.last_value))
                   THEN m.v::text END AS next,
              ${inStaged} AS staged
       FROM (SELECT max(${quoteIdent(seq.column)})::bigint AS v FROM ${quoteTable(table.ref)}) AS m, ${seq.name} AS q`,
    );
    const row = result.rows[0]!;
    found.push({
      name: seq.name,
      column: seq.column,
      value: row.value,
      state: `${row.value} ${row.called ? 'called' : 'not called'}`,
      ...(row.next === null ? {} : { next: row.next }),
      ...(staged ? { staged: row.staged } : {}),
    });
  }
  return found;
}

/** Moves the sequences that need it (setval is not transactional: never called on a dry run). */
export async function moveCounters(
  session: PgSession,
  table: TableSchema,
  wanted: Counter[],
): Promise<Counter[]> {
  const moved: Counter[] = [];
  for (const counter of wanted) {
    if (counter.next === undefined) {
      moved.push(counter);
      continue;
    }
    const result = await session.client.query<{ value: string }>(
      setvalStatement(table, counter.column, counter.name),
    );
    moved.push({ name: counter.name, column: counter.column, value: result.rows[0]?.value ?? counter.value });
  }
  return moved;
}

/**
 * Puts sequences back to the `last_value` and `is_called` of their `state` (setval, which no ROLLBACK
 * undoes): for a dry run whose inserts drew from a sequence through a column's default.
 */
export async function resetCounters(session: PgSession, wanted: Counter[]): Promise<void> {
  for (const counter of wanted) {
    const [value, ...called] = (counter.state ?? '').split(' ');
    if (!value) continue;
    await session.client.query('SELECT setval($1::regclass, $2::bigint, $3::boolean)', [
      counter.name,
      value,
      called.join(' ') === 'called',
    ]);
  }
}
