import type { MissingParent, Policy } from '../../core/plan.js';
import type { ForeignKey } from '../../core/table.js';
import type { Staged } from '../engine.js';
import type { PgSession } from './connect.js';
import { CLASS_COLUMN, type PlanTable } from './plan.js';
import { keyJoin, qualified, quoteIdent } from './sql.js';
import { stagedTable } from './stage.js';

/** The classes whose staged rows a policy writes. */
export function writtenClasses(policy: Policy): string[] {
  return policy.changed === 'take-source' ? ['missing', 'changed'] : ['missing'];
}

function pairs(left: string, leftColumns: string[], right: string, rightColumns: string[]): string {
  return leftColumns
    .map((c, i) => `${left}.${quoteIdent(c)} = ${right}.${quoteIdent(rightColumns[i]!)}`)
    .join(' AND ');
}

/** Rows to write whose foreign key points at a parent row the target lacks (MATCH SIMPLE: NULLs pass). */
async function checkForeignKey(
  session: PgSession,
  staged: Staged,
  plan: PlanTable,
  classes: string[],
  fk: ForeignKey,
): Promise<MissingParent | undefined> {
  const source = stagedTable(staged);
  const parent = { schema: fk.table.schema ?? staged.target.ref.schema, name: fk.table.name };
  const self = parent.schema === staged.target.ref.schema && parent.name === staged.target.ref.name;
  const selfStaged = self && fk.referencedColumns.every((c) => staged.columns.includes(c));
  const keyText =
    fk.columns.length === 1
      ? `(s.${quoteIdent(fk.columns[0]!)})::text`
      : `'(' || concat_ws(',', ${fk.columns.map((c) => `(s.${quoteIdent(c)})::text`).join(', ')}) || ')'`;
  const sql = `
    WITH bad AS (
      SELECT ${keyText} AS k
      FROM ${source} AS s JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 's')}
      WHERE p.${quoteIdent(CLASS_COLUMN)} = ANY ($1::text[])
        AND ${fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
        AND NOT EXISTS (SELECT 1 FROM ONLY ${qualified(parent)} AS x WHERE ${pairs('x', fk.referencedColumns, 's', fk.columns)})
        ${selfStaged ? `AND NOT EXISTS (SELECT 1 FROM ${source} AS s2 WHERE ${pairs('s2', fk.referencedColumns, 's', fk.columns)})` : ''})
    SELECT (SELECT count(*) FROM bad)::text AS rows,
           (SELECT json_agg(k)::text FROM (SELECT DISTINCT k COLLATE "C" AS k FROM bad ORDER BY 1 LIMIT 5) AS few) AS sample`;
  const found = await session.client.query<{ rows: string; sample: string | null }>(sql, [classes]);
  const row = found.rows[0]!;
  const rows = Number(row.rows);
  if (rows === 0) return undefined;
  return {
    foreignKey: fk.name,
    columns: fk.columns,
    parent: `${parent.schema}.${parent.name}`,
    rows,
    sample: row.sample ? (JSON.parse(row.sample) as string[]) : [],
  };
}

/**
 * For each outgoing foreign key whose columns are staged: the rows the policy would write that reference
 * a parent row absent from the target. A self-reference to a row being restored counts as present.
 */
export async function findMissingParents(
  session: PgSession,
  staged: Staged,
  plan: PlanTable,
  policy: Policy,
): Promise<MissingParent[]> {
  const classes = writtenClasses(policy);
  const found: MissingParent[] = [];
  for (const fk of staged.target.foreignKeys) {
    if (!fk.columns.every((c) => staged.columns.includes(c))) continue;
    const missing = await checkForeignKey(session, staged, plan, classes, fk);
    if (missing) found.push(missing);
  }
  return found;
}
