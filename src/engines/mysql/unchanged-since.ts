import type { Session } from './connect.js';
import { CLASS, KEPT } from './plan.js';
import { keyEquals, quoteIdent, quoteTable, sameText } from './sql.js';
import type { MysqlStaged } from './stage.js';

/**
 * Re-classes as kept the plan rows whose target row is no longer as it was read (ClassifyOptions
 * .unchangedSince): changed and extra rows whose current row differs from the row read, or whose key had
 * no row then; missing rows whose key had a row then (deleted since). Two statements: MySQL cannot open
 * one temporary table twice in a query.
 */
export async function keepChangedSince(
  session: Session,
  plan: string,
  target: MysqlStaged,
  read: MysqlStaged,
  key: string[],
): Promise<void> {
  const rowClass = quoteIdent(target.names.rowClass);
  const table = quoteTable(target.target.ref);
  const seen = quoteIdent(read.table);
  await session.exec(
    `UPDATE ${quoteIdent(plan)} p
     SET p.${rowClass} = CASE p.${rowClass} WHEN '${CLASS.changed}' THEN '${KEPT.changed}' ELSE '${KEPT.extra}' END
     WHERE p.${rowClass} IN ('${CLASS.changed}', '${CLASS.extra}')
       AND NOT EXISTS (SELECT 1 FROM ${table} rowback_now JOIN ${seen} e ON ${keyEquals(key, 'e', 'rowback_now')}
         WHERE ${keyEquals(key, 'rowback_now', 'p')} AND ${sameText(target.target, read.columns, 'rowback_now', 'e')})`,
  );
  await session.exec(
    `UPDATE ${quoteIdent(plan)} p SET p.${rowClass} = '${KEPT.missing}'
     WHERE p.${rowClass} = '${CLASS.missing}' AND EXISTS (SELECT 1 FROM ${seen} e WHERE ${keyEquals(key, 'e', 'p')})`,
  );
}
