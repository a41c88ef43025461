import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { Counter, Staged } from '../engine.js';
import type { Session } from './connect.js';
import { quoteIdent, quoteTable } from './sql.js';
import { asMysqlStaged } from './stage.js';

/** The counter's name in reports: `schema.table.column`. */
function counterName(table: TableSchema, column: string): string {
  return `${table.ref.schema}.${table.ref.name}.${column}`;
}

/** The next value AUTO_INCREMENT hands out (information_schema statistics are pinned to never be cached). */
async function nextValue(session: Session, table: TableSchema): Promise<string> {
  const value = await session.scalar(
    'SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [table.ref.schema, table.ref.name],
  );
  return value ?? '1';
}

/**
 * The AUTO_INCREMENT counter (the next value it hands out) and, when the column already holds that value
 * or more, where it must move: one past the largest. InnoDB moves the counter past explicitly inserted
 * values by itself, so it is seldom behind. With `staged`, the column's largest value among those rows.
 */
export async function counters(session: Session, table: TableSchema, staged?: Staged): Promise<Counter[]> {
  const found: Counter[] = [];
  for (const seq of table.sequences) {
    const value = await nextValue(session, table);
    const max = await session.scalar(`SELECT MAX(${quoteIdent(seq.column)}) FROM ${quoteTable(table.ref)}`);
    const behind = max !== null && /^\d+$/.test(max) && BigInt(value) <= BigInt(max);
    const inStaged = staged?.columns.includes(seq.column)
      ? await session.scalar(
          `SELECT MAX(${quoteIdent(seq.column)}) FROM ${quoteIdent(asMysqlStaged(staged).table)}`,
        )
      : null;
    found.push({
      name: counterName(table, seq.column),
      column: seq.column,
      value,
      ...(behind ? { next: (BigInt(max) + 1n).toString() } : {}),
      ...(staged ? { staged: inStaged } : {}),
    });
  }
  return found;
}

/**
 * `ALTER TABLE … AUTO_INCREMENT`, which commits any open transaction (hence `countersAfterCommit`). The
 * server never sets it at or below the largest value the column holds. The wait for the table's metadata
 * lock (another session's open transaction on it) is cut short, not left to lock_wait_timeout.
 */
async function setCounter(session: Session, table: TableSchema, value: string): Promise<void> {
  const alter = `ALTER TABLE ${quoteTable(table.ref)} AUTO_INCREMENT = ${BigInt(value).toString()}`;
  await session.exec('SET @rowback_lock_wait = @@SESSION.lock_wait_timeout, SESSION lock_wait_timeout = 10');
  try {
    await session.exec(alter);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new RowbackError('busy', `${alter} failed: ${text}; run it once the table is free`, {
      cause: error,
    });
  } finally {
    await session.exec('SET SESSION lock_wait_timeout = @rowback_lock_wait').catch(() => {});
  }
}

/** After COMMIT: moves counters left behind past the largest value (never backwards). */
export async function moveCounters(
  session: Session,
  table: TableSchema,
  wanted: Counter[],
): Promise<Counter[]> {
  const moved: Counter[] = [];
  for (const counter of wanted) {
    // Read again: since COMMIT another session may have moved it further.
    if (counter.next === undefined || BigInt(await nextValue(session, table)) >= BigInt(counter.next)) {
      moved.push({ name: counter.name, column: counter.column, value: await nextValue(session, table) });
      continue;
    }
    await setCounter(session, table, counter.next);
    moved.push({ name: counter.name, column: counter.column, value: await nextValue(session, table) });
  }
  return moved;
}

/**
 * After a ROLLBACK: puts counters back where they stood before the rolled-back inserts moved them (InnoDB
 * does not move them back). A counter already there is left alone: the ALTER takes a metadata lock.
 */
export async function resetCounters(session: Session, table: TableSchema, wanted: Counter[]): Promise<void> {
  for (const counter of wanted) {
    if (counter.value === null || (await nextValue(session, table)) === counter.value) continue;
    await setCounter(session, table, counter.value);
  }
}
