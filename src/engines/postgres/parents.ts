import { RowbackError } from '../../core/errors.js';
import type { MissingParent, Policy } from '../../core/plan.js';
import type { ForeignKey, TableSchema } from '../../core/table.js';
import type { Staged } from '../engine.js';
import type { PgSession } from './connect.js';
import type { PlanTable } from './plan.js';
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
      WHERE p.${plan.classColumn} = ANY ($1::text[])
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

const DELETE_ACTIONS: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/**
 * How many rows of the child reference a doomed target row (child rows themselves doomed excepted).
 * `doomed(alias)` is a condition true for the target rows (of that alias) about to be deleted.
 */
async function countReferencing(
  session: PgSession,
  target: TableSchema,
  fk: ForeignKey,
  doomed: (alias: string) => string,
) {
  const ref = target.ref;
  const child = { schema: fk.table.schema ?? ref.schema, name: fk.table.name };
  const self = child.schema === ref.schema && child.name === ref.name;
  const found = await session.client.query<{ n: string; action: string | null }>(
    `SELECT (SELECT count(*) FROM ${qualified(child)} AS x
             WHERE EXISTS (SELECT 1 FROM ${qualified(ref)} AS t
                           WHERE ${pairs('t', fk.referencedColumns, 'x', fk.columns)} AND ${doomed('t')})
               ${self ? `AND NOT ${doomed('x')}` : ''})::text AS n,
            (SELECT confdeltype::text FROM pg_constraint
             WHERE conname = $1 AND conrelid = $2::regclass AND confrelid = $3::regclass) AS action`,
    [fk.name, qualified(child), qualified(ref)],
  );
  const row = found.rows[0]!;
  return {
    child: `${child.schema}.${child.name}`,
    rows: Number(row.n),
    action: DELETE_ACTIONS[row.action ?? 'a'] ?? 'NO ACTION',
  };
}

/**
 * Refuses to delete target rows other tables still reference. ON DELETE CASCADE / SET NULL would change
 * rows of those tables that no undo file records; NO ACTION / RESTRICT would fail anyway, and a
 * DEFERRABLE key only at COMMIT. `what` names the rows ("Extra rows of public.t to delete"). Throws
 * RowbackError('unsupported') naming the child table and foreign key.
 */
export async function checkReferenced(
  session: PgSession,
  target: TableSchema,
  doomed: (alias: string) => string,
  what: string,
  hint: (child: string) => string,
): Promise<void> {
  for (const fk of target.referencedBy) {
    const found = await countReferencing(session, target, fk, doomed);
    if (found.rows === 0) continue;
    const effect =
      found.action === 'CASCADE'
        ? 'would be deleted with them'
        : found.action === 'SET NULL' || found.action === 'SET DEFAULT'
          ? `would have ${fk.columns.join(', ')} ${found.action === 'SET NULL' ? 'set to NULL' : 'reset to its default'}`
          : 'would make the delete fail';
    throw new RowbackError(
      'unsupported',
      `${what} are referenced by ${found.rows} row(s) of ${found.child} (${fk.name}, ON DELETE ${found.action}), which ${effect}; rowback does not change other tables. Nothing was written.`,
      {
        hint: hint(found.child),
        details: { child: found.child, foreignKey: fk.name, rows: found.rows, onDelete: found.action },
      },
    );
  }
}

/** checkReferenced for the extra rows a plan deletes under `--extra delete`. */
export async function checkReferencedExtra(
  session: PgSession,
  staged: Staged,
  plan: PlanTable,
  policy: Policy,
): Promise<void> {
  if (policy.extra !== 'delete') return;
  const target = staged.target;
  await checkReferenced(
    session,
    target,
    (alias) =>
      `EXISTS (SELECT 1 FROM ${plan.table} AS p WHERE p.${plan.classColumn} = 'extra' AND ${keyJoin(plan.key, 'p', alias)})`,
    `Extra rows of ${target.ref.schema}.${target.ref.name} to delete`,
    (child) =>
      `Restore ${child} first (its rows written since go with --extra delete), then run this again; or keep the extra rows (--extra keep).`,
  );
}
