import type { RowClass } from '../../core/plan.js';
import { type TableSchema, writableColumns } from '../../core/table.js';
import type { RowStream, StageOptions } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { checkCancelled } from './lock.js';
import { type SqlitePlan, stagedOfClasses } from './plan.js';
import { rowChunks } from './rows.js';
import { columnList, fieldOf, keyEquals, quoteIdent, quoteTable } from './sql.js';
import { writeRows } from './stage.js';

/** The target's current rows of some classes, all writable columns as exact field texts. */
export async function* image(session: SqliteSession, plan: SqlitePlan, classes: RowClass[]): RowStream {
  const target = plan.staged.target;
  const columns = writableColumns(target).map((c) => c.name);
  const list = classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
  const select = `SELECT ${columns.map((c) => fieldOf(`t.${quoteIdent(c)}`)).join(', ')} FROM ${quoteTable(target.ref)} AS t
    JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 't', 'p', plan.collations)} WHERE p.${plan.classColumn} IN (${list})`;
  const rows = session.db.prepare(select).raw(true).iterate() as IterableIterator<(Buffer | null)[]>;
  yield* rowChunks(rows, () => checkCancelled(session));
}

export function insertMissing(session: SqliteSession, plan: SqlitePlan): number {
  const { staged } = plan;
  const result = session.db
    .prepare(
      `INSERT INTO ${quoteTable(staged.target.ref)} (${columnList(staged.columns)})
       SELECT ${columnList(staged.columns, 's')} FROM ${stagedOfClasses(plan, ['missing'])}`,
    )
    .run();
  return result.changes;
}

/**
 * Sets every staged column of the changed rows, key columns too: the key's equality may match a
 * different value (integer 1 and real 1.0, 'A' and 'a' under NOCASE), and the source's must win.
 */
export function updateChanged(session: SqliteSession, plan: SqlitePlan): number {
  const { staged } = plan;
  const set = staged.columns.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`);
  if (set.length === 0) return 0;
  const result = session.db
    .prepare(
      `UPDATE ${quoteTable(staged.target.ref)} AS t SET ${set.join(', ')}
       FROM ${stagedOfClasses(plan, ['changed'])} WHERE ${keyEquals(plan.key, 't', 's', plan.collations)}`,
    )
    .run();
  return result.changes;
}

export function deleteExtra(session: SqliteSession, plan: SqlitePlan): number {
  const result = session.db
    .prepare(
      `DELETE FROM ${quoteTable(plan.staged.target.ref)} AS t WHERE EXISTS (
         SELECT 1 FROM ${plan.table} AS p WHERE p.${plan.classColumn} = 'extra' AND ${keyEquals(plan.key, 't', 'p', plan.collations)})`,
    )
    .run();
  return result.changes;
}

/** The direct path: the rows straight into the (empty, locked) table, inside the open transaction. */
export function copyIn(
  session: SqliteSession,
  target: TableSchema,
  rows: RowStream,
  options: StageOptions,
): Promise<number> {
  return writeRows(session, quoteTable(target.ref), options.columns, rows, options.onProgress);
}
