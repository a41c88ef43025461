import { RowbackError } from '../../core/errors.js';
import type { MissingParent, Policy } from '../../core/plan.js';
import type { ForeignKey } from '../../core/table.js';
import type { Session } from './connect.js';
import { buildPlan, CLASS } from './plan.js';
import { columnList, findColumn, isBinaryType, keyMatch, quoteIdent, quoteTable, tempName } from './sql.js';
import type { MysqlStaged } from './stage.js';

/** Staged rows the policy would write (as a WHERE over the plan alias `p`). */
export function writtenClasses(staged: MysqlStaged, policy: Policy): string {
  const classes: string[] = [CLASS.missing];
  if (policy.changed === 'take-source') classes.push(CLASS.changed);
  return `p.${quoteIdent(staged.names.rowClass)} IN (${classes.map((c) => `'${c}'`).join(', ')})`;
}

/**
 * Rows the policy would write whose foreign key points at a parent the target does not have. A parent
 * counts as present when it is in the parent table, or (self-references) among the rows written too.
 */
export async function findMissingParents(
  session: Session,
  staged: MysqlStaged,
  policy: Policy,
): Promise<MissingParent[]> {
  const plan = quoteIdent(staged.plan ?? (await buildPlan(session, staged)));
  const result: MissingParent[] = [];
  for (const fk of staged.target.foreignKeys) {
    if (!fk.columns.every((c) => staged.columns.includes(c))) continue;
    const written = await selfReferenceCopy(session, staged, fk, plan, policy);
    const parentMatch = fk.columns
      .map((c, i) => `x.${quoteIdent(fk.referencedColumns[i]!)} = s.${quoteIdent(c)}`)
      .join(' AND ');
    const notNull = fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
    const from =
      `FROM ${plan} p JOIN ${quoteIdent(staged.table)} s ON s.${quoteIdent(staged.names.row)} = p.${quoteIdent(staged.names.row)}
       WHERE ${writtenClasses(staged, policy)} AND ${notNull}
         AND NOT EXISTS (SELECT 1 FROM ${quoteTable(fk.table as Required<typeof fk.table>)} x WHERE ${parentMatch})` +
      (written ? ` AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(written)} x WHERE ${parentMatch})` : '');
    const rows = Number(await session.scalar(`SELECT COUNT(*) ${from}`));
    const sample =
      rows > 0
        ? await session.text(`SELECT DISTINCT CONCAT_WS(', ', ${shownKey(staged, fk)}) ${from} LIMIT 5`)
        : [];
    if (written) await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdent(written)}`);
    if (rows === 0) continue;
    result.push({
      foreignKey: fk.name,
      columns: fk.columns,
      parent: `${fk.table.schema}.${fk.table.name}`,
      rows,
      sample: sample.map((r) => r[0] ?? ''),
    });
  }
  return result;
}

/** The foreign key's values of a staged row, as text (binary values as `\x` hex). */
function shownKey(staged: MysqlStaged, fk: ForeignKey): string {
  return fk.columns
    .map((c) => {
      const ref = `s.${quoteIdent(c)}`;
      return isBinaryType(findColumn(staged.target, c)?.type ?? '') ? `CONCAT('\\\\x', HEX(${ref}))` : ref;
    })
    .join(', ');
}

/**
 * For a foreign key onto the table itself, the referenced values of the rows to be written, copied to a
 * temporary table: MySQL cannot open one temporary table twice in a query.
 */
async function selfReferenceCopy(
  session: Session,
  staged: MysqlStaged,
  fk: ForeignKey,
  plan: string,
  policy: Policy,
): Promise<string | undefined> {
  const self =
    fk.table.name === staged.target.ref.name &&
    (fk.table.schema ?? staged.target.ref.schema) === staged.target.ref.schema;
  if (!self || !fk.referencedColumns.every((c) => staged.columns.includes(c))) return undefined;
  const name = tempName('parents');
  await session.exec(
    `CREATE TEMPORARY TABLE ${quoteIdent(name)} AS SELECT DISTINCT ${fk.referencedColumns.map((c) => `s.${quoteIdent(c)}`).join(', ')}
     FROM ${plan} p JOIN ${quoteIdent(staged.table)} s ON s.${quoteIdent(staged.names.row)} = p.${quoteIdent(staged.names.row)} WHERE ${writtenClasses(staged, policy)}`,
  );
  return name;
}

/**
 * Refuses a plan that deletes extra rows other tables still reference: ON DELETE CASCADE / SET NULL would
 * change rows of those tables that no undo file records, and RESTRICT / NO ACTION would fail the delete
 * anyway (with foreign key checks off, it would leave orphans). Throws RowbackError('unsupported') naming
 * the child table and key, as the PostgreSQL engine does.
 */
export async function checkReferencedExtra(
  session: Session,
  staged: MysqlStaged,
  policy: Policy,
): Promise<void> {
  if (policy.extra !== 'delete' || staged.target.referencedBy.length === 0) return;
  const plan = staged.plan ?? (await buildPlan(session, staged));
  const target = staged.target;
  const key = target.key!.columns;
  // The extra keys, copied: MySQL cannot open one temporary table twice in a query.
  const extra = tempName('extra');
  await session.exec(
    `CREATE TEMPORARY TABLE ${quoteIdent(extra)} AS SELECT ${columnList(key, 'p')} FROM ${quoteIdent(plan)} p
     WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.extra}'`,
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
             JOIN ${quoteIdent(plan)} p ON ${keyMatch(key, 't', 'p')} WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.extra}' AND ${refers})
           ${self ? `AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(extra)} e WHERE ${keyMatch(key, 'e', 'x')})` : ''}`,
        ),
      );
      if (rows === 0) continue;
      const action =
        (await session.scalar(
          `SELECT DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS
           WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?`,
          [child.schema, child.name, fk.name],
        )) ?? 'NO ACTION';
      throw referencedError(target, `${child.schema}.${child.name}`, fk, rows, action);
    }
  } finally {
    await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdent(extra)}`).catch(() => {});
  }
}

function referencedError(
  target: MysqlStaged['target'],
  child: string,
  fk: ForeignKey,
  rows: number,
  action: string,
): RowbackError {
  const effect =
    action === 'CASCADE'
      ? 'would be deleted with them'
      : action === 'SET NULL' || action === 'SET DEFAULT'
        ? `would have ${fk.columns.join(', ')} ${action === 'SET NULL' ? 'set to NULL' : 'reset to its default'}`
        : 'would make the delete fail';
  return new RowbackError(
    'unsupported',
    `Extra rows of ${target.ref.schema}.${target.ref.name} to delete are referenced by ${rows} row(s) of ${child} (${fk.name}, ON DELETE ${action}), which ${effect}; rowback does not change other tables. Nothing was written.`,
    {
      hint: `Restore ${child} first (its rows written since go with --extra delete), then run this again; or keep the extra rows (--extra keep).`,
      details: { child, foreignKey: fk.name, rows, onDelete: action },
    },
  );
}
