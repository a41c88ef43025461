import type { MissingParent, RowClass } from '../../core/plan.js';
import type { ForeignKey } from '../../core/table.js';
import type { Referencing, UnwritableColumn } from '../engine.js';
import type { SqliteSession } from './connect.js';
import type { SqlitePlan } from './plan.js';
import { keyEquals, keyText, quoteIdent, quoteTable } from './sql.js';
import { stagedTable } from './stage.js';

function pairs(left: string, leftColumns: string[], right: string, rightColumns: string[]): string {
  return leftColumns
    .map((c, i) => `${left}.${quoteIdent(c)} = ${right}.${quoteIdent(rightColumns[i]!)}`)
    .join(' AND ');
}

/** Rows to write whose foreign key points at a parent row the target lacks (NULLs pass, as SQLite says). */
function checkForeignKey(
  session: SqliteSession,
  plan: SqlitePlan,
  classes: RowClass[],
  fk: ForeignKey,
): MissingParent | undefined {
  const { staged } = plan;
  const source = stagedTable(staged);
  const parent = { schema: fk.table.schema ?? staged.target.ref.schema, name: fk.table.name };
  const self =
    parent.schema === staged.target.ref.schema &&
    parent.name.toLowerCase() === staged.target.ref.name.toLowerCase();
  const selfStaged = self && fk.referencedColumns.every((c) => staged.columns.includes(c));
  const list = classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
  const sql = `
    WITH bad AS (
      SELECT ${keyText(fk.columns, 's')} AS k
      FROM ${source} AS s JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 's', plan.collations)}
      WHERE p.${plan.classColumn} IN (${list})
        AND ${fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
        AND NOT EXISTS (SELECT 1 FROM ${quoteTable(parent)} AS x WHERE ${pairs('x', fk.referencedColumns, 's', fk.columns)})
        ${selfStaged ? `AND NOT EXISTS (SELECT 1 FROM ${source} AS s2 WHERE ${pairs('s2', fk.referencedColumns, 's', fk.columns)})` : ''})
    SELECT (SELECT count(*) FROM bad), (SELECT json_group_array(k) FROM (SELECT DISTINCT k FROM bad ORDER BY 1 LIMIT 5))`;
  const [rows, sample] = session.db.prepare(sql).raw(true).get() as [bigint, string | null];
  if (Number(rows) === 0) return undefined;
  return {
    foreignKey: fk.name,
    columns: fk.columns,
    parent: `${parent.schema}.${parent.name}`,
    rows: Number(rows),
    sample: sample ? (JSON.parse(sample) as string[]) : [],
  };
}

/**
 * For each outgoing foreign key whose columns are staged: the plan's rows of `classes` that reference a
 * parent row absent from the target. A self-reference to a row being written counts as present.
 */
export function missingParents(
  session: SqliteSession,
  plan: SqlitePlan,
  classes: RowClass[],
): MissingParent[] {
  const found: MissingParent[] = [];
  for (const fk of plan.staged.target.foreignKeys) {
    if (!fk.columns.every((c) => plan.staged.columns.includes(c))) continue;
    const missing = checkForeignKey(session, plan, classes, fk);
    if (missing) found.push(missing);
  }
  return found;
}

/** Rows of other tables (or of this one, themselves not doomed) referencing the plan's extra rows. */
export function referencing(session: SqliteSession, plan: SqlitePlan): Referencing[] {
  const target = plan.staged.target;
  const ref = target.ref;
  const doomed = (alias: string) =>
    `EXISTS (SELECT 1 FROM ${plan.table} AS p WHERE p.${plan.classColumn} = 'extra' AND ${keyEquals(plan.key, alias, 'p', plan.collations)})`;
  const found: Referencing[] = [];
  for (const fk of target.referencedBy) {
    const child = { schema: fk.table.schema ?? ref.schema, name: fk.table.name };
    const self = child.schema === ref.schema && child.name.toLowerCase() === ref.name.toLowerCase();
    const rows = session.db
      .prepare(
        `SELECT count(*) FROM ${quoteTable(child)} AS x
         WHERE EXISTS (SELECT 1 FROM ${quoteTable(ref)} AS t WHERE ${pairs('t', fk.referencedColumns, 'x', fk.columns)} AND ${doomed('t')})
           ${self ? `AND NOT ${doomed('x')}` : ''}`,
      )
      .pluck()
      .get() as bigint;
    if (Number(rows) === 0) continue;
    const action = session.db
      .prepare(
        `SELECT on_delete FROM pragma_foreign_key_list(?, ?) WHERE "table" = ? COLLATE NOCASE AND "from" = ?`,
      )
      .pluck()
      .get(child.name, child.schema, ref.name, fk.columns[0]) as string | undefined;
    found.push({
      child: `${child.schema}.${child.name}`,
      foreignKey: fk.name,
      columns: fk.columns,
      rows: Number(rows),
      onDelete: action ?? 'NO ACTION',
    });
  }
  return found;
}

/** SQLite lets an UPDATE set every column but generated ones, which rowback never writes. */
export function unwritable(): UnwritableColumn[] {
  return [];
}
