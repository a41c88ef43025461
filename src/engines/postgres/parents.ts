import type { MissingParent, RowClass } from '../../core/plan.js';
import type { ForeignKey } from '../../core/table.js';
import type { Referencing, UnwritableColumn } from '../engine.js';
import type { PgSession } from './connect.js';
import { describeForeignKeys } from './describe.js';
import type { PgPlan } from './plan.js';
import { differentText, keyEquals, keyText, quoteIdent, quoteString, quoteTable } from './sql.js';
import { originColumn, stagedTable } from './stage.js';

function pairs(left: string, leftColumns: string[], right: string, rightColumns: string[]): string {
  return leftColumns
    .map((c, i) => `${left}.${quoteIdent(c)} = ${right}.${quoteIdent(rightColumns[i]!)}`)
    .join(' AND ');
}

/**
 * Where the plan's rows would land, as an expression over the staged row `s` and its plan row `p`: a
 * missing row goes into the table it came from (its origin; the target itself without one), a changed
 * row is updated where it lives now.
 */
function landingExpression(plan: PgPlan): string {
  const { staged } = plan;
  const target = quoteTable(staged.target.ref);
  const origin = originColumn(staged);
  const self = `${quoteString(target)}::regclass::oid`;
  const missing = origin ? `coalesce(to_regclass(s.${quoteIdent(origin)})::oid, ${self})` : self;
  return `CASE WHEN p.${plan.classColumn} = 'missing' THEN ${missing}
          ELSE (SELECT t.tableoid FROM ${target} AS t WHERE ${keyEquals(plan.key, 't', 's')} LIMIT 1) END`;
}

/** Limits a check to the rows landing in one table (an inheritance parent or one of its children). */
interface Landing {
  oid: string;
  expression: string;
}

/** Rows to write whose foreign key points at a parent row the target lacks (MATCH SIMPLE: NULLs pass). */
async function checkForeignKey(
  session: PgSession,
  plan: PgPlan,
  classes: RowClass[],
  fk: ForeignKey,
  landing: Landing | undefined,
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
        ${landing ? `AND (${landing.expression}) = ${landing.oid}::oid` : ''}
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
 * The tables the plan's rows of `classes` land in, with the foreign keys of each: an inheritance child
 * does not inherit its parent's foreign keys, and may have its own.
 */
async function landingTables(
  session: PgSession,
  plan: PgPlan,
  classes: RowClass[],
): Promise<{ landing: Landing; foreignKeys: ForeignKey[] }[]> {
  const { staged } = plan;
  const expression = landingExpression(plan);
  const found = await session.client.query<{ oid: string | null; self: string | null }>(
    `SELECT DISTINCT (${expression})::text AS oid, ((${expression}) = $2::regclass::oid)::text AS self
     FROM ${stagedTable(staged)} AS s JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 's')}
     WHERE p.${plan.classColumn} = ANY ($1::text[])`,
    [classes, quoteTable(staged.target.ref)],
  );
  const tables: { landing: Landing; foreignKeys: ForeignKey[] }[] = [];
  for (const row of found.rows) {
    if (row.oid === null) continue; // an origin the target lacks: the insert says so
    const foreignKeys =
      row.self === 'true'
        ? staged.target.foreignKeys
        : await describeForeignKeys(session.client, row.oid, false);
    tables.push({ landing: { oid: row.oid, expression }, foreignKeys });
  }
  return tables;
}

/**
 * For each outgoing foreign key whose columns are staged: the plan's rows of `classes` that reference a
 * parent row absent from the target. A self-reference to a row being written counts as present. Rows of
 * an inheritance parent are checked against the foreign keys of the table each lands in.
 */
export async function missingParents(
  session: PgSession,
  plan: PgPlan,
  classes: RowClass[],
): Promise<MissingParent[]> {
  const { staged } = plan;
  const tables =
    staged.target.partitioning === 'inheritance'
      ? await landingTables(session, plan, classes)
      : [{ landing: undefined, foreignKeys: staged.target.foreignKeys }];
  const found: MissingParent[] = [];
  for (const { landing, foreignKeys } of tables) {
    for (const fk of foreignKeys) {
      if (!fk.columns.every((c) => staged.columns.includes(c))) continue;
      const missing = await checkForeignKey(session, plan, classes, fk, landing);
      if (missing) found.push(missing);
    }
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
 * since gets a new identity value). Likewise a staged generated (key) column whose text differs: the
 * server computes it, so the two sides compute it differently.
 */
export async function unwritable(session: PgSession, plan: PgPlan): Promise<UnwritableColumn[]> {
  const { staged } = plan;
  const target = staged.target;
  const fixed = target.columns.filter(
    (c) =>
      staged.columns.includes(c.name) &&
      ((c.identity === 'always' && !plan.key.includes(c.name)) || c.generated !== 'no'),
  );
  const found: UnwritableColumn[] = [];
  for (const { name: column, generated } of fixed) {
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
      ...(generated === 'no'
        ? {
            reason: 'a GENERATED ALWAYS identity column, which PostgreSQL does not let an UPDATE set',
            remedy: `ALTER TABLE ${quoteTable(target.ref)} ALTER COLUMN ${quoteIdent(column)} SET GENERATED BY DEFAULT (and back to ALWAYS afterwards)`,
          }
        : {
            reason: 'a generated column, which the server computes from the others and no UPDATE sets',
            remedy: `give ${quoteIdent(column)} of ${quoteTable(target.ref)} the source's generation expression`,
          }),
    });
  }
  return found;
}
