import type { MissingParent, RowClass } from '../../core/plan.js';
import type { ForeignKey } from '../../core/table.js';
import type { Referencing, UnwritableColumn } from '../engine.js';
import type { Session } from './connect.js';
import { CLASS, inClasses, type MysqlPlan, planWithStaged } from './plan.js';
import { columnList, findColumn, isBinaryType, keyEquals, quoteIdent, quoteTable, tempName } from './sql.js';

/**
 * For each foreign key whose columns are staged: the plan's rows of `classes` whose key points at a parent
 * the target does not have (a NULL passes). A parent counts as present when it is in the parent table, or
 * (a key onto the table itself) among the rows written too.
 */
export async function missingParents(
  session: Session,
  plan: MysqlPlan,
  classes: RowClass[],
): Promise<MissingParent[]> {
  const { staged } = plan;
  const result: MissingParent[] = [];
  if (classes.length === 0) return result;
  for (const fk of staged.target.foreignKeys) {
    if (!fk.columns.every((c) => staged.columns.includes(c))) continue;
    const written = await selfReferenceCopy(session, plan, fk, classes);
    const parentMatch = fk.columns
      .map((c, i) => `x.${quoteIdent(fk.referencedColumns[i]!)} = s.${quoteIdent(c)}`)
      .join(' AND ');
    const notNull = fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
    const parent = { schema: fk.table.schema ?? staged.target.ref.schema, name: fk.table.name };
    const from =
      `FROM ${planWithStaged(plan)} WHERE ${inClasses(plan, classes)} AND ${notNull}
         AND NOT EXISTS (SELECT 1 FROM ${quoteTable(parent)} x WHERE ${parentMatch})` +
      (written ? ` AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(written)} x WHERE ${parentMatch})` : '');
    try {
      const rows = Number(await session.scalar(`SELECT COUNT(*) ${from}`));
      if (rows === 0) continue;
      const sample = await session.text(
        `SELECT DISTINCT CONCAT_WS(', ', ${shownKey(plan, fk)}) ${from} LIMIT 5`,
      );
      result.push({
        foreignKey: fk.name,
        columns: fk.columns,
        parent: `${parent.schema}.${parent.name}`,
        rows,
        sample: sample.map((r) => r[0] ?? ''),
      });
    } finally {
      if (written) await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdent(written)}`);
    }
  }
  return result;
}

/** The foreign key's values of a staged row, as text (binary values as `\x` hex). */
function shownKey(plan: MysqlPlan, fk: ForeignKey): string {
  return fk.columns
    .map((c) => {
      const ref = `s.${quoteIdent(c)}`;
      return isBinaryType(findColumn(plan.staged.target, c)?.type ?? '')
        ? `CONCAT('\\\\x', HEX(${ref}))`
        : ref;
    })
    .join(', ');
}

/**
 * For a foreign key onto the table itself, the referenced values of the rows to be written, copied to a
 * temporary table: MySQL cannot open one temporary table twice in a query.
 */
async function selfReferenceCopy(
  session: Session,
  plan: MysqlPlan,
  fk: ForeignKey,
  classes: RowClass[],
): Promise<string | undefined> {
  const { staged } = plan;
  const target = staged.target.ref;
  const self = fk.table.name === target.name && (fk.table.schema ?? target.schema) === target.schema;
  if (!self || !fk.referencedColumns.every((c) => staged.columns.includes(c))) return undefined;
  const name = tempName('parents');
  await session.exec(
    `CREATE TEMPORARY TABLE ${quoteIdent(name)} AS SELECT DISTINCT ${columnList(fk.referencedColumns, 's')}
     FROM ${planWithStaged(plan)} WHERE ${inClasses(plan, classes)}`,
  );
  return name;
}

/**
 * Rows of other tables (or of this one, not themselves extra) that reference the plan's extra rows, per
 * foreign key, with what the server would do on delete.
 */
export async function referencing(session: Session, plan: MysqlPlan): Promise<Referencing[]> {
  const target = plan.staged.target;
  const found: Referencing[] = [];
  if (target.referencedBy.length === 0) return found;
  const p = quoteIdent(plan.table);
  const isExtra = `p.${quoteIdent(plan.names.rowClass)} = '${CLASS.extra}'`;
  if ((await session.scalar(`SELECT EXISTS (SELECT 1 FROM ${p} p WHERE ${isExtra})`)) === '0') return found;
  // The extra keys, copied: MySQL cannot open one temporary table twice in a query.
  const extra = quoteIdent(tempName('extra'));
  await session.exec(
    `CREATE TEMPORARY TABLE ${extra} AS SELECT ${columnList(plan.key, 'p')} FROM ${p} p WHERE ${isExtra}`,
  );
  try {
    for (const fk of target.referencedBy) {
      const child = { schema: fk.table.schema ?? target.ref.schema, name: fk.table.name };
      const self = child.schema === target.ref.schema && child.name === target.ref.name;
      const refers = fk.columns
        .map((c, i) => `t.${quoteIdent(fk.referencedColumns[i]!)} = x.${quoteIdent(c)}`)
        .join(' AND ');
      const rows = Number(
        await session.scalar(
          `SELECT COUNT(*) FROM ${quoteTable(child)} x WHERE EXISTS (SELECT 1 FROM ${quoteTable(target.ref)} t
             JOIN ${p} p ON ${keyEquals(plan.key, 't', 'p')} WHERE ${isExtra} AND ${refers})
           ${self ? `AND NOT EXISTS (SELECT 1 FROM ${extra} e WHERE ${keyEquals(plan.key, 'e', 'x')})` : ''}`,
        ),
      );
      if (rows === 0) continue;
      const onDelete =
        (await session.scalar(
          `SELECT DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS
           WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?`,
          [child.schema, child.name, fk.name],
        )) ?? 'NO ACTION';
      found.push({
        child: `${child.schema}.${child.name}`,
        foreignKey: fk.name,
        columns: fk.columns,
        rows,
        onDelete,
      });
    }
  } finally {
    await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${extra}`).catch(() => {});
  }
  return found;
}

/** MySQL lets an UPDATE set every column rowback writes (generated columns are never staged). */
export async function unwritable(): Promise<UnwritableColumn[]> {
  return [];
}
