import type { RowClass } from '../../core/plan.js';
import { comparedColumns } from '../../core/restrict.js';
import { type TableSchema, writableColumns } from '../../core/table.js';
import type { RowStream, StageOptions } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { type LinesQuery, readLines, rowidOf, valueField } from './lines.js';
import { drain, insertFrom } from './native.js';
import { type SqlitePlan, stagedOfClasses } from './plan.js';
import { columnList, fieldOf, keyEquals, quoteIdent, quoteTable } from './sql.js';
import { writeRows } from './stage.js';

/**
 * The target's current rows of some classes, all writable columns as exact fields, read in ranges of
 * the plan table's rowid (see readLines).
 */
export function image(session: SqliteSession, plan: SqlitePlan, classes: RowClass[]): RowStream {
  const target = plan.staged.target;
  const columns = writableColumns(target).map((c) => c.name);
  const list = classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
  const cursor = rowidOf('p', plan.key, false);
  const query: LinesQuery = {
    fields: columns.length ? columns.map((c) => valueField(`t.${quoteIdent(c)}`)) : [`x'5c4e'`],
    from: `FROM ${plan.table} AS p JOIN ${quoteTable(target.ref)} AS t ON ${keyEquals(plan.key, 't', 'p', plan.collations)}`,
    where: `p.${plan.classColumn} IN (${list})`,
    ...(cursor ? { cursor } : {}),
  };
  const plain = columns.length ? columns.map((c) => fieldOf(`t.${quoteIdent(c)}`)) : ['NULL'];
  return readLines(session, query, plain);
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
 * Sets every staged column (the plan's compared ones under `--columns`) of the changed rows, key columns too: the key's equality may match a
 * different value (integer 1 and real 1.0, 'A' and 'a' under NOCASE), and the source's must win.
 */
export function updateChanged(session: SqliteSession, plan: SqlitePlan): number {
  const { staged } = plan;
  const set = comparedColumns(plan).map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`);
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

/**
 * The direct path: the rows straight into the (empty, locked) table, inside the open transaction. A
 * source attached by begin is copied by INSERT … SELECT, and the stream read to its end for the undo
 * file; core checks both counts agree.
 */
export async function copyIn(
  session: SqliteSession,
  target: TableSchema,
  rows: RowStream,
  options: StageOptions,
): Promise<number> {
  const from = session.copyFrom;
  if (
    from &&
    from.columns.length === options.columns.length &&
    from.columns.every((c, i) => c === options.columns[i])
  ) {
    const copied = insertFrom(session, from.table, quoteTable(target.ref), options.columns);
    options.onProgress?.(copied);
    await drain(rows);
    return copied;
  }
  return writeRows(session, quoteTable(target.ref), options.columns, rows, options.onProgress);
}
