import type { MissingParent } from '../../core/plan.js';
import type { TableRef, TableSchema } from '../../core/table.js';
import type { BeginOptions } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { fkName } from './describe.js';
import { rowidOf } from './lines.js';
import { keyText, quoteTable } from './sql.js';

/**
 * A foreign key declared DEFERRABLE INITIALLY DEFERRED (or deferred by `PRAGMA defer_foreign_keys`) is
 * checked only at COMMIT: a write that breaks it succeeds, the COMMIT fails, and a dry run, which never
 * commits, would not know. So the table's violations are counted under the lock before anything is
 * written and again before COMMIT; a foreign key with more violations than before was broken by this
 * transaction (rows that broke it earlier, with foreign keys off, are not rowback's).
 */
export interface ForeignKeyWatch {
  ref: Required<TableRef>;
  before: Map<number, number>;
}

function violations(session: SqliteSession, ref: Required<TableRef>): Map<number, number> {
  const rows = session.db
    .prepare('SELECT fkid, count(*) FROM pragma_foreign_key_check(?, ?) GROUP BY fkid')
    .raw(true)
    .all(ref.name, ref.schema) as [bigint, bigint][];
  return new Map(rows.map(([id, n]) => [Number(id), Number(n)]));
}

/** Called under the lock, before any write: starts watching a table whose foreign keys SQLite enforces. */
export function watchForeignKeys(session: SqliteSession, target: TableSchema, options: BeginOptions): void {
  session.foreignKeyWatch =
    target.foreignKeys.length > 0 && !options.skipForeignKeyChecks && session.foreignKeys
      ? { ref: target.ref, before: violations(session, target.ref) }
      : undefined;
}

/** The foreign keys this transaction broke, as missing parents (see ForeignKeyWatch). */
export function brokenForeignKeys(session: SqliteSession): MissingParent[] {
  const watch = session.foreignKeyWatch;
  if (!watch) return [];
  const found: MissingParent[] = [];
  for (const [id, count] of violations(session, watch.ref)) {
    const added = count - (watch.before.get(id) ?? 0);
    if (added <= 0) continue;
    const parts = session.db
      .prepare('SELECT "table", "from" FROM pragma_foreign_key_list(?, ?) WHERE id = ? ORDER BY seq')
      .raw(true)
      .all(watch.ref.name, watch.ref.schema, id) as [string, string][];
    const columns = parts.map(([, from]) => from);
    const parent = parts[0]?.[0] ?? '?';
    found.push({
      foreignKey: fkName(columns, parent),
      columns,
      parent: `${watch.ref.schema}.${parent}`,
      rows: added,
      sample: sample(session, watch.ref, id, columns),
    });
  }
  return found;
}

/** A few of the referencing values, when the table's rows can be found again by rowid. */
function sample(session: SqliteSession, ref: Required<TableRef>, id: number, columns: string[]): string[] {
  const names = (
    session.db
      .prepare('SELECT name FROM pragma_table_xinfo(?, ?)')
      .pluck()
      .all(ref.name, ref.schema) as string[]
  ).map(String);
  const rowid = rowidOf('t', names, false);
  if (!rowid || columns.length === 0) return [];
  try {
    return session.db
      .prepare(
        `SELECT DISTINCT ${keyText(columns, 't')} FROM pragma_foreign_key_check(?, ?) AS v
         JOIN ${quoteTable(ref)} AS t ON ${rowid} = v.rowid WHERE v.fkid = ? ORDER BY 1 LIMIT 5`,
      )
      .pluck()
      .all(ref.name, ref.schema, id)
      .map(String);
  } catch {
    return []; // a WITHOUT ROWID table: no rowid to find the rows by
  }
}
