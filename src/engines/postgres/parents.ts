import type { MissingParent, RowClass } from '../../core/plan.js';
import type { ForeignKey } from '../../core/table.js';
import type { Referencing, UnwritableColumn } from '../engine.js';
import type { PgSession } from './connect.js';
import type { PgPlan } from './plan.js';
import { differentText, keyEquals, keyText, quoteIdent, quoteTable } from './sql.js';
import { stagedTable } from './stage.js';

function pairs(left: string, leftColumns: string[], right: string, rightColumns: string[]): string {
  return leftColumns
    .map((c, i) => `${left}.${quoteIdent(c)} = ${right}.${quoteIdent(rightColumns[i]!)}`)
    .join(' AND ');
}

/** Rows to write whose foreign key points at a parent row the target lacks (MATCH SIMPLE: NULLs pass). */
async function checkForeignKey(
  session: PgSession,
  plan: PgPlan,
  classes: RowClass[],
  fk: ForeignKey,
): Promise<MissingParent | undefined> {
  const { staged } = plan;
  const source = stagedTable(staged);
  const parent = { schema: fk.table.schema ?? staged.target.ref.schema, name: fk.table.name };
  const self = parent.schema === staged.target.ref.schema && parent.name === staged.target.ref.name;
  const selfStaged = self && fk.referencedColumns.every((c) => staged.columns.includes(c));
  const sql = `
    WITH bad AS (
      SELECT ${keyText(fk.columns, 's')} AS k
      FROM ${source} AS s JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 's')}
      WHERE p.${plan.classColumn} = ANY ($1::text[])
        AND ${fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
        AND NOT EXISTS (SELECT 1 FROM ONLY ${quoteTable(parent)} AS x WHERE ${pairs('x', fk.referencedColumns, 's', fk.columns)})
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
 * For each outgoing foreign key whose columns are staged: the plan's rows of `classes` that reference a
 * parent row absent from the target. A self-reference to a row being written counts as present.
 */
export async function missingParents(
  session: PgSession,
  plan: PgPlan,
  classes: RowClass[],
): Promise<MissingParent[]> {
  const found: MissingParent[] = [];
  for (const fk of plan.staged.target.foreignKeys) {
    if (!fk.columns.every((c) => plan.staged.columns.includes(c))) continue;
    const missing = await checkForeignKey(session, plan, classes, fk);
    if (missing) found.push(missing);
  }
  return found;
}

const DELETE_ACTIONS: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/** Rows of other tables (or of this one, themselves not doomed) referencing the plan's extra rows. */
export async function referencing(session: PgSession, plan: PgPlan): Promise<Referencing[]> {
  const target = plan.staged.target;
  const ref = target.ref;
  const doomed = (alias: string) =>
    `EXISTS (SELECT 1 FROM ${plan.table} AS p WHERE p.${plan.classColumn} = 'extra' AND ${keyEquals(plan.key, 'p', alias)})`;
  const found: Referencing[] = [];
  for (const fk of target.referencedBy) {
    const child = { schema: fk.table.schema ?? ref.schema, name: fk.table.name };
    const self = child.schema === ref.schema && child.name === ref.name;
    const result = await session.client.query<{ n: string; action: string | null }>(
      `SELECT (SELECT count(*) FROM ${quoteTable(child)} AS x
               WHERE EXISTS (SELECT 1 FROM ${quoteTable(ref)} AS t
                             WHERE ${pairs('t', fk.referencedColumns, 'x', fk.columns)} AND ${doomed('t')})
                 ${self ? `AND NOT ${doomed('x')}` : ''})::text AS n,
              (SELECT confdeltype::text FROM pg_constraint
               WHERE conname = $1 AND conrelid = $2::regclass AND confrelid = $3::regclass) AS action`,
      [fk.name, quoteTable(child), quoteTable(ref)],
    );
    const row = result.rows[0]!;
    if (row.n === '0') continue;
    found.push({
      child: `${child.schema}.${child.name}`,
      foreignKey: fk.name,
      columns: fk.columns,
      rows: Number(row.n),
      onDelete: DELETE_ACTIONS[row.action ?? 'a'] ?? 'NO ACTION',
    });
  }
  return found;
}

/**
 * Identity ALWAYS columns of changed rows whose value differs: PostgreSQL only lets UPDATE set such a
 * column to DEFAULT, so the row could not be made equal to the source (a row deleted and inserted again
 * since gets a new identity value).
 */
export async function unwritable(session: PgSession, plan: PgPlan): Promise<UnwritableColumn[]> {
  const { staged } = plan;
  const target = staged.target;
  const fixed = target.columns
    .filter((c) => c.identity === 'always' && staged.columns.includes(c.name) && !plan.key.includes(c.name))
    .map((c) => c.name);
  const found: UnwritableColumn[] = [];
  for (const column of fixed) {
    const result = await session.client.query<{ n: string; sample: string | null }>(
      `WITH differ AS (
         SELECT ${keyText(plan.key, 's')} AS k FROM ${stagedTable(staged)} AS s
         JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 's')}
         JOIN ${quoteTable(target.ref)} AS t ON ${keyEquals(plan.key, 't', 's')}
         WHERE p.${plan.classColumn} = 'changed' AND ${differentText([column], 's', 't')})
       SELECT (SELECT count(*) FROM differ)::text AS n,
              (SELECT json_agg(k)::text FROM (SELECT k FROM differ ORDER BY k COLLATE "C" LIMIT 5) AS few) AS sample`,
    );
    const row = result.rows[0]!;
    if (row.n === '0') continue;
    found.push({
      column,
      rows: Number(row.n),
      sample: row.sample ? (JSON.parse(row.sample) as string[]) : [],
      reason: 'a GENERATED ALWAYS identity column, which PostgreSQL does not let an UPDATE set',
      remedy: `ALTER TABLE ${quoteTable(target.ref)} ALTER COLUMN ${quoteIdent(column)} SET GENERATED BY DEFAULT (and back to ALWAYS afterwards)`,
    });
  }
  return found;
}
