import { RowbackError } from '../../core/errors.js';
import type { ForeignKey, TableRef, TableSchema } from '../../core/table.js';
import type { Session } from './connect.js';
import { quoteIdent, quoteTable } from './sql.js';

/** The table's foreign keys onto itself. */
function selfReferences(target: TableSchema): ForeignKey[] {
  return target.foreignKeys.filter(
    (fk) => (fk.table.schema ?? target.ref.schema) === target.ref.schema && fk.table.name === target.ref.name,
  );
}

/**
 * InnoDB checks foreign keys row by row, not at the end of the statement, so one statement that writes a
 * child row before its parent row of the same table fails, though the end state is valid (a restore
 * deleting or inserting a whole subtree, an undo putting one back). For a table that references itself,
 * turns the checks off for the writes that follow; the returned function turns them back on and searches
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
    const own = { schema: target.ref.schema, name: target.ref.name };
    const keys = [
      ...target.foreignKeys.map((fk) => ({ fk, child: own, parent: fk.table })),
      ...target.referencedBy
        .filter((fk) => !selfReferences(target).some((s) => s.name === fk.name))
        .map((fk) => ({ fk, child: fk.table, parent: own })),
    ];
    for (const { fk, child, parent } of keys) {
      const c = resolved(child, target);
      const p = resolved(parent, target);
      const dangling = await session.scalar(
        `SELECT COUNT(*) FROM ${quoteTable(c)} x WHERE ${fk.columns.map((col) => `x.${quoteIdent(col)} IS NOT NULL`).join(' AND ')}
         AND NOT EXISTS (SELECT 1 FROM ${quoteTable(p)} y WHERE ${fk.columns.map((col, i) => `y.${quoteIdent(fk.referencedColumns[i]!)} = x.${quoteIdent(col)}`).join(' AND ')})`,
      );
      if (dangling !== '0') {
        throw new RowbackError(
          'missing-parent',
          `The writes to ${target.ref.schema}.${target.ref.name} would leave ${dangling} row(s) of ${c.schema}.${c.name} referencing a row of ${p.schema}.${p.name} that does not exist (${fk.name}); nothing was written.`,
          { hint: 'Restore the related rows first, or narrow the restore with --where.' },
        );
      }
    }
  };
}

function resolved(ref: TableRef, target: TableSchema): Required<TableRef> {
  return { schema: ref.schema ?? target.ref.schema, name: ref.name };
}
