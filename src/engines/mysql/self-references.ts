import { RowbackError } from '../../core/errors.js';
import type { ForeignKey, TableRef, TableSchema } from '../../core/table.js';
import type { Session } from './connect.js';
import { quoteIdent, quoteTable } from './sql.js';

/** The table's foreign keys onto itself. */
export function selfReferences(target: TableSchema): ForeignKey[] {
  return target.foreignKeys.filter(
    (fk) => (fk.table.schema ?? target.ref.schema) === target.ref.schema && fk.table.name === target.ref.name,
  );
}

/**
 * InnoDB checks foreign keys row by row, not at the end of the statement, so one statement that writes a
 * child row before its parent row of the same table fails, though the end state is valid (a restore
 * deleting or inserting a whole subtree, an undo putting one back). For a table that references itself,
 * turns the checks off for the write that follows; the returned function turns them back on and searches
 * every foreign key into and out of the table for a row left dangling (RowbackError('missing-parent')).
 * Nothing to do (a no-op function) otherwise, or when the user turned the checks off.
 */
export async function suspendSelfReferenceChecks(
  session: Session,
  target: TableSchema,
  skipForeignKeyChecks?: boolean,
): Promise<() => Promise<void>> {
  if (skipForeignKeyChecks || selfReferences(target).length === 0) return async () => {};
  session.checksSuspended = true;
  await session.exec('SET SESSION FOREIGN_KEY_CHECKS = 0');
  return async () => {
    await session.exec('SET SESSION FOREIGN_KEY_CHECKS = 1');
    session.checksSuspended = false;
    for (const check of danglingChecks(target)) {
      const dangling = await session.scalar(check.count);
      if (dangling !== '0') {
        throw new RowbackError(
          'missing-parent',
          `The writes to ${target.ref.schema}.${target.ref.name} would leave ${dangling} row(s) of ${check.child} referencing a row of ${check.parent} that does not exist (${check.foreignKey}); nothing was written.`,
          { hint: 'Restore the related rows first, or narrow the restore with --where.' },
        );
      }
    }
  };
}

/** One foreign key into or out of a table, and a statement counting its rows that lack their parent. */
export interface DanglingCheck {
  foreignKey: string;
  child: string;
  parent: string;
  /** `SELECT COUNT(*) …` of the child rows whose parent row does not exist. */
  count: string;
}

/** Every foreign key into and out of the table (its keys onto itself once), as a dangling-row count. */
export function danglingChecks(target: TableSchema): DanglingCheck[] {
  const own = { schema: target.ref.schema, name: target.ref.name };
  const keys = [
    ...target.foreignKeys.map((fk) => ({ fk, child: own, parent: fk.table })),
    ...target.referencedBy
      .filter((fk) => !selfReferences(target).some((s) => s.name === fk.name))
      .map((fk) => ({ fk, child: fk.table, parent: own })),
  ];
  return keys.map(({ fk, child, parent }) => {
    const c = resolved(child, target);
    const p = resolved(parent, target);
    return {
      foreignKey: fk.name,
      child: `${c.schema}.${c.name}`,
      parent: `${p.schema}.${p.name}`,
      count: `SELECT COUNT(*) FROM ${quoteTable(c)} x WHERE ${fk.columns.map((col) => `x.${quoteIdent(col)} IS NOT NULL`).join(' AND ')}
         AND NOT EXISTS (SELECT 1 FROM ${quoteTable(p)} y WHERE ${fk.columns.map((col, i) => `y.${quoteIdent(fk.referencedColumns[i]!)} = x.${quoteIdent(col)}`).join(' AND ')})`,
    };
  });
}

function resolved(ref: TableRef, target: TableSchema): Required<TableRef> {
  return { schema: ref.schema ?? target.ref.schema, name: ref.name };
}
