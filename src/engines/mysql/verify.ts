import type { Policy, Verification } from '../../core/plan.js';
import type { TableSchema } from '../../core/table.js';
import type { Session } from './connect.js';
import { CLASS } from './plan.js';
import { keyMatch, quoteIdent, quoteTable, sameBytes } from './sql.js';
import type { MysqlStaged } from './stage.js';

/**
 * Re-reads every key the apply wrote: an inserted or updated row must now hold exactly the staged bytes, a
 * deleted key must be gone. Runs inside the apply transaction, before COMMIT.
 */
export async function verifyPlan(
  session: Session,
  staged: MysqlStaged,
  plan: string,
  policy: Policy,
): Promise<Verification> {
  const key = staged.target.key!.columns;
  const target = quoteTable(staged.target.ref);
  const written = [CLASS.missing, ...(policy.changed === 'take-source' ? [CLASS.changed] : [])].map(
    (c) => `'${c}'`,
  );
  const [[checkedWritten, badWritten]] = (await session.text(
    `SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatch(key, 't', 'p')} AND ${sameBytes(staged.target, staged.columns, 't', 's')})), 0)
     FROM ${quoteIdent(plan)} p JOIN ${quoteIdent(staged.table)} s ON s.${quoteIdent(staged.names.row)} = p.${quoteIdent(staged.names.row)}
     WHERE p.${quoteIdent(staged.names.rowClass)} IN (${written.join(', ')})`,
  )) as [[string, string]];
  let checked = Number(checkedWritten);
  let mismatched = Number(badWritten);
  if (policy.extra === 'delete') {
    const [[checkedDeleted, badDeleted]] = (await session.text(
      `SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatch(key, 't', 'p')})), 0)
       FROM ${quoteIdent(plan)} p WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.extra}'`,
    )) as [[string, string]];
    checked += Number(checkedDeleted);
    mismatched += Number(badDeleted);
  }
  return { checked, mismatched };
}

/**
 * Reads each AUTO_INCREMENT counter and the column's highest value. InnoDB moves the counter past explicitly
 * inserted values by itself; `ALTER TABLE` would commit the transaction, so a counter left behind is only
 * moved after COMMIT (see `raiseCounters`).
 */
export async function readCounters(
  session: Session,
  target: TableSchema,
): Promise<{ name: string; column: string; value: string; max: string | null }[]> {
  const out = [];
  for (const seq of target.sequences) {
    const value =
      (await session.scalar(
        'SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [target.ref.schema, target.ref.name],
      )) ?? '1';
    const max = await session.scalar(`SELECT MAX(${quoteIdent(seq.column)}) FROM ${quoteTable(target.ref)}`);
    out.push({
      name: `${target.ref.schema}.${target.ref.name}.${seq.column}`,
      column: seq.column,
      value,
      max,
    });
  }
  return out;
}

/** True when the counter would hand out a value the table already holds. */
export function counterBehind(counter: { value: string; max: string | null }): boolean {
  if (counter.max === null || !/^\d+$/.test(counter.max)) return false;
  return BigInt(counter.value) <= BigInt(counter.max);
}

/**
 * After COMMIT only: moves counters left behind past the highest value (ALTER TABLE commits implicitly).
 * The restore has landed by then, so a failure (another session's open transaction holds the table's
 * metadata lock, say) is a warning with the statement to run, never an error: an error would claim that
 * nothing was written. The wait for the metadata lock is cut short, not left to lock_wait_timeout.
 */
export async function raiseCounters(
  session: Session,
  target: TableSchema,
  counters: { name: string; value: string; max: string | null }[],
  warnings: string[],
): Promise<void> {
  for (const counter of counters) {
    if (!counterBehind(counter)) continue;
    const next = (BigInt(counter.max!) + 1n).toString();
    const alter = `ALTER TABLE ${quoteTable(target.ref)} AUTO_INCREMENT = ${next}`;
    try {
      await session.exec(
        'SET @rowback_lock_wait = @@SESSION.lock_wait_timeout, SESSION lock_wait_timeout = 10',
      );
      try {
        await session.exec(alter);
      } finally {
        await session.exec('SET SESSION lock_wait_timeout = @rowback_lock_wait');
      }
      counter.value = next;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      warnings.push(
        `The restore is committed, but ${counter.name}'s AUTO_INCREMENT could not be moved past ${counter.max} (${text}); new rows may collide with restored keys until you run: ${alter};`,
      );
    }
  }
}
