import type { RowClass } from '../../core/plan.js';
import { verifiedColumns } from '../../core/restrict.js';
import type { VerifyResult } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { type SqlitePlan, stagedOfClasses } from './plan.js';
import { differentText, keyEquals, quoteIdent, quoteTable } from './sql.js';

/**
 * Re-reads what was written, inside the apply's transaction: each staged row of the `written` classes
 * against the target row of its key (exact text: storage class and bytes, column by column), and with
 * `deleted` every extra key, which must be gone.
 */
export function verify(
  session: SqliteSession,
  plan: SqlitePlan,
  written: RowClass[],
  deleted: boolean,
): VerifyResult {
  const { db } = session;
  const { staged, key } = plan;
  const target = quoteTable(staged.target.ref);
  const columns = verifiedColumns(plan, written);
  const present = `t.${quoteIdent(key[0]!)} IS NOT NULL`;
  const from = `FROM ${stagedOfClasses(plan, written)} LEFT JOIN ${target} AS t ON ${keyEquals(key, 't', 's', plan.collations)}`;
  const found = db
    .prepare(
      `SELECT count(*), coalesce(sum(NOT (${present})), 0), coalesce(sum(${present} AND (${differentText(columns, 's', 't')})), 0) ${from}`,
    )
    .raw(true)
    .get() as bigint[];
  const [checked, absent, differing] = found.map(Number);
  const result: VerifyResult = {
    checked: checked!,
    absent: absent!,
    present: 0,
    mismatched: absent! + differing!,
    columns: {},
  };
  // Which columns differ is only asked once some row does: it compares every column a second time.
  if (differing! > 0 && columns.length > 0) {
    const perColumn = columns.map(
      (c) => `coalesce(sum(${present} AND (${differentText([c], 's', 't')})), 0)`,
    );
    const byColumn = (
      db
        .prepare(`SELECT ${perColumn.join(', ')} ${from}`)
        .raw(true)
        .get() as bigint[]
    ).map(Number);
    columns.forEach((c, i) => {
      if (byColumn[i]) result.columns[c] = byColumn[i]!;
    });
  }
  if (deleted) {
    const gone = db
      .prepare(
        `SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM ${target} AS t WHERE ${keyEquals(key, 't', 'p', plan.collations)})), 0)
         FROM ${plan.table} AS p WHERE p.${plan.classColumn} = 'extra'`,
      )
      .raw(true)
      .get() as bigint[];
    const [extra, still] = gone.map(Number);
    result.checked += extra!;
    result.present = still!;
    result.mismatched += still!;
  }
  return result;
}
