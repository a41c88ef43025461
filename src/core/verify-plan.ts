import type { Connection, Plan, VerifyResult } from '../engines/engine.js';
import type { RowClass } from './plan.js';

/**
 * Re-reads what a plan wrote. Under `--columns` inserted rows were written whole and updated rows only in
 * the compared columns, so the two are verified apart (each against its own columns, see
 * verifiedColumns) and the results added up.
 */
export async function verifyPlan(
  target: Connection,
  plan: Plan,
  written: RowClass[],
  deleted: boolean,
): Promise<VerifyResult> {
  if (!plan.columns || !written.includes('missing') || written.length === 1) {
    return target.verify(plan, written, deleted);
  }
  const inserted = await target.verify(plan, ['missing'], false);
  const rest = await target.verify(
    plan,
    written.filter((c) => c !== 'missing'),
    deleted,
  );
  const columns: Record<string, number> = { ...inserted.columns };
  for (const [c, n] of Object.entries(rest.columns)) columns[c] = (columns[c] ?? 0) + n;
  return {
    checked: inserted.checked + rest.checked,
    mismatched: inserted.mismatched + rest.mismatched,
    absent: inserted.absent + rest.absent,
    present: inserted.present + rest.present,
    columns,
  };
}
