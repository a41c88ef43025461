import type { RowClass } from '../../core/plan.js';
import { verifiedColumns } from '../../core/restrict.js';
import type { VerifyResult } from '../engine.js';
import type { Session } from './connect.js';
import { CLASS, inClasses, type MysqlPlan, planWithStaged } from './plan.js';
import { differentText, keyEquals, quoteIdent, quoteTable, sameValue } from './sql.js';

/**
 * Re-reads what was written, inside the apply's transaction: each staged row of the `written` classes
 * against the target row of its key (exact bytes of every column; which columns differ is counted in a
 * second pass, only when some row differs), and with `deleted` every extra key, which must be gone. MySQL checks foreign keys as it writes (nothing is deferred to COMMIT).
 */
export async function verify(
  session: Session,
  plan: MysqlPlan,
  written: RowClass[],
  deleted: boolean,
): Promise<VerifyResult> {
  const { staged, key } = plan;
  const schema = staged.target;
  const target = quoteTable(schema.ref);
  const columns = verifiedColumns(plan, written);
  // A key is never NULL here: primary and unique keys are NOT NULL, and a user key was checked for NULLs.
  const present = `t.${quoteIdent(key[0]!)} IS NOT NULL`;
  const rows = `${planWithStaged(plan)} LEFT JOIN ${target} t ON ${keyEquals(key, 't', 's')}
     WHERE ${inClasses(plan, written)}`;
  const [found] = await session.text(
    `SELECT COUNT(*), COALESCE(SUM(NOT (${present})), 0), COALESCE(SUM(${present} AND ${differentText(schema, columns, 's', 't')}), 0)
     FROM ${rows}`,
  );
  const [checked, absent, differing] = (found ?? []).map(Number);
  // Which columns differ: a second pass, only when some row does (the common case compares once).
  const perColumn = columns.map(
    (c) => `COALESCE(SUM(${present} AND NOT (${sameValue(schema, c, 's', 't')})), 0)`,
  );
  const byColumn =
    differing && perColumn.length
      ? ((await session.text(`SELECT ${perColumn.join(', ')} FROM ${rows}`))[0] ?? []).map(Number)
      : [];
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
    const [gone] = await session.text(
      `SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM ${target} t WHERE ${keyEquals(key, 't', 'p')})), 0)
       FROM ${quoteIdent(plan.table)} p WHERE p.${quoteIdent(plan.names.rowClass)} = '${CLASS.extra}'`,
    );
    const [extra, still] = (gone ?? []).map(Number);
    result.checked += extra!;
    result.present = still!;
    result.mismatched += still!;
  }
  return result;
}
