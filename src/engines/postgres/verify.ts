import type { RowClass } from '../../core/plan.js';
import { verifiedColumns } from '../../core/restrict.js';
import type { VerifyResult } from '../engine.js';
import type { PgSession } from './connect.js';
import { type PgPlan, stagedOfClasses } from './plan.js';
import { differentText, keyEquals, quoteTable, textOf } from './sql.js';

/**
 * Re-reads what was written, inside the apply's transaction: each staged row of the `written` classes
 * against the target row of its key (exact text of every column), and with `deleted` every extra key,
 * which must be gone. Which columns differ is counted in a second pass, only when some row differs: the
 * common case pays one comparison per column, not three. Deferred constraints are checked first: they
 * would otherwise only be checked at COMMIT, never on a dry run, and too late to verify.
 */
export async function verify(
  session: PgSession,
  plan: PgPlan,
  written: RowClass[],
  deleted: boolean,
): Promise<VerifyResult> {
  const { client } = session;
  const { staged, key } = plan;
  const target = quoteTable(staged.target.ref);
  await client.query('SET CONSTRAINTS ALL IMMEDIATE');
  const columns = verifiedColumns(plan, written);
  const rows = `${stagedOfClasses(plan, written)} LEFT JOIN ${target} AS t ON ${keyEquals(key, 't', 's')}`;
  const found = await client.query<string[]>({
    text: `SELECT count(*)::text, count(*) FILTER (WHERE t.ctid IS NULL)::text,
                  count(*) FILTER (WHERE t.ctid IS NOT NULL AND (${differentText(columns, 's', 't')}))::text
           FROM ${rows}`,
    rowMode: 'array',
  });
  const [checked, absent, differing] = found.rows[0]!.map(Number);
  const byColumn = differing ? await differingColumns(session, columns, rows) : [];
  const result: VerifyResult = {
    checked: checked!,
    absent: absent!,
    present: 0,
    mismatched: absent! + differing!,
    columns: {},
  };
  columns.forEach((c, i) => {
    if (byColumn[i]) result.columns[c] = byColumn[i]!;
  });
  if (deleted) {
    const gone = await client.query<string[]>({
      text: `SELECT count(*)::text, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${target} AS t WHERE ${keyEquals(key, 't', 'p')}))::text
             FROM ${plan.table} AS p WHERE p.${plan.classColumn} = 'extra'`,
      rowMode: 'array',
    });
    const [extra, present] = gone.rows[0]!.map(Number);
    result.checked += extra!;
    result.present = present!;
    result.mismatched += present!;
  }
  return result;
}

/** How many present rows differ in each column (the second pass, when some row differs). */
async function differingColumns(session: PgSession, columns: string[], rows: string): Promise<number[]> {
  const perColumn = columns.map(
    (c) =>
      `count(*) FILTER (WHERE t.ctid IS NOT NULL AND ${textOf('s', c)} IS DISTINCT FROM ${textOf('t', c)})::text`,
  );
  const found = await session.client.query<string[]>({
    text: `SELECT ${perColumn.join(', ')} FROM ${rows}`,
    rowMode: 'array',
  });
  return found.rows[0]!.map(Number);
}
