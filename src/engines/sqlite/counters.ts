import type { TableSchema } from '../../core/table.js';
import type { Counter, Staged } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { quoteIdent, quoteTable } from './sql.js';
import { stagedTable } from './stage.js';

/**
 * An AUTOINCREMENT table's counter is its row in `sqlite_sequence`: the largest key ever handed out. An
 * INSERT of a larger explicit key moves it (inside the transaction, so a rollback puts it back), which
 * is what the restore's inserts do; `counters` reports where it stands and `moveCounters` moves it only
 * when the largest key held is past it anyway (a row updated to a larger key, a missing counter row).
 */
export function counters(session: SqliteSession, table: TableSchema, staged?: Staged): Counter[] {
  const sequences = `${quoteIdent(table.ref.schema)}.sqlite_sequence`;
  return table.sequences.map((seq) => {
    const inStaged = staged?.columns.includes(seq.column)
      ? `(SELECT max(${quoteIdent(seq.column)}) FROM ${stagedTable(staged)})`
      : 'NULL';
    const [value, largest, stagedLargest] = session.db
      .prepare(
        `SELECT (SELECT seq FROM ${sequences} WHERE name = ?), (SELECT max(${quoteIdent(seq.column)}) FROM ${quoteTable(table.ref)}), ${inStaged}`,
      )
      .raw(true)
      .get(table.ref.name) as (bigint | null)[];
    const past =
      largest !== null && largest !== undefined && (value === null || value === undefined || largest > value);
    return {
      name: seq.name,
      column: seq.column,
      value: value === null || value === undefined ? null : String(value),
      ...(past ? { next: String(largest) } : {}),
      ...(staged
        ? { staged: stagedLargest === null || stagedLargest === undefined ? null : String(stagedLargest) }
        : {}),
    };
  });
}

/** Moves the counters that need it, never backwards. */
export function moveCounters(session: SqliteSession, table: TableSchema, wanted: Counter[]): Counter[] {
  const sequences = `${quoteIdent(table.ref.schema)}.sqlite_sequence`;
  return wanted.map((counter) => {
    if (counter.next === undefined) return counter;
    const next = BigInt(counter.next);
    const updated = session.db
      .prepare(`UPDATE ${sequences} SET seq = ? WHERE name = ? AND seq < ?`)
      .run(next, table.ref.name, next);
    if (updated.changes === 0 && counter.value === null) {
      session.db.prepare(`INSERT INTO ${sequences} (name, seq) VALUES (?, ?)`).run(table.ref.name, next);
    }
    return { name: counter.name, column: counter.column, value: counter.next };
  });
}
