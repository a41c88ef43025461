import { RowbackError } from '../../core/errors.js';
import { intendedWrites, type PlanCounts, type Policy, type Verification } from '../../core/plan.js';
import { type TableSchema, writableColumns } from '../../core/table.js';
import type { ApplyOptions, ApplyResult, Staged } from '../engine.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { findMissingParents, writtenClasses } from './parents.js';
import { CLASS_COLUMN, countPlan, createPlanTable, type PlanTable, requireKey } from './plan.js';
import { copyOut, originExpression } from './read.js';
import { moveSequences } from './sequences.js';
import { columnList, keyJoin, qualified, quoteIdent, quoteLiteral } from './sql.js';
import { ORIGIN_COLUMN, stagedTable } from './stage.js';
import { checkCancelled, disableTriggers, lockTarget, rollback } from './transaction.js';
import { countDifferent, countPresent } from './verify.js';
import { insertRows } from './writes.js';

function classList(classes: string[]): string {
  return classes.length ? classes.map(quoteLiteral).join(', ') : 'NULL';
}

/** Staged rows of some classes, as a FROM item aliased `s`. */
export function stagedOfClasses(staged: Staged, plan: PlanTable, classes: string[]): string {
  return `(SELECT s.* FROM ${stagedTable(staged)} AS s JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 's')}
           WHERE p.${quoteIdent(CLASS_COLUMN)} IN (${classList(classes)})) AS s`;
}

/** The SELECT of target rows of some classes (all writable columns, then the origin when asked). */
async function targetImage(
  session: PgSession,
  target: TableSchema,
  plan: PlanTable,
  classes: string[],
  origin: boolean,
) {
  const columns = writableColumns(target).map((c) => c.name);
  const originField = origin ? `, ${await originExpression(session.client, target, 't')}` : '';
  return `SELECT ${columnList(columns, 't')}${originField} FROM ${qualified(target.ref)} AS t
          JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 't')} WHERE p.${quoteIdent(CLASS_COLUMN)} IN (${classList(classes)})`;
}

function planChanged(expected: PlanCounts | undefined, actual: PlanCounts): string | undefined {
  if (!expected) return undefined;
  const keys = ['missing', 'changed', 'extra', 'same'] as const;
  const diffs = keys
    .filter((k) => expected[k] !== actual[k])
    .map((k) => `${k} ${expected[k]} → ${actual[k]}`);
  if (diffs.length === 0) return undefined;
  return `The table changed since the preview (${diffs.join(', ')}); the plan as re-checked under the lock was applied.`;
}

/** Updates changed rows to the source's values (non-key columns; identity ALWAYS columns cannot be set). */
async function updateChanged(session: PgSession, staged: Staged, plan: PlanTable): Promise<number> {
  const target = staged.target;
  const fixed = new Set(target.columns.filter((c) => c.identity === 'always').map((c) => c.name));
  const set = staged.columns.filter((c) => !plan.key.includes(c) && !fixed.has(c));
  if (set.length === 0) return 0;
  const result = await session.client.query(
    `UPDATE ${qualified(target.ref)} AS t SET ${set.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ')}
     FROM ${stagedOfClasses(staged, plan, ['changed'])} WHERE ${keyJoin(plan.key, 't', 's')}`,
  );
  return result.rowCount ?? 0;
}

async function deleteExtra(session: PgSession, target: TableSchema, plan: PlanTable): Promise<number> {
  const result = await session.client.query(
    `DELETE FROM ${qualified(target.ref)} AS t USING ${plan.table} AS p
     WHERE p.${quoteIdent(CLASS_COLUMN)} = 'extra' AND ${keyJoin(plan.key, 't', 'p')}`,
  );
  return result.rowCount ?? 0;
}

/** Re-reads what was written: written rows equal the staged text, deleted keys are gone. */
async function verifyApply(
  session: PgSession,
  staged: Staged,
  plan: PlanTable,
  policy: Policy,
): Promise<Verification> {
  const written = writtenClasses(policy);
  const counts = await countPlan(session.client, plan);
  const { client } = session;
  let checked = written.reduce((n, c) => n + counts[c as keyof PlanCounts], 0);
  let mismatched = await countDifferent(
    client,
    staged.target,
    plan.key,
    staged.columns,
    stagedOfClasses(staged, plan, written),
  );
  if (policy.extra === 'delete') {
    checked += counts.extra;
    const extra = `(SELECT p.* FROM ${plan.table} AS p WHERE p.${quoteIdent(CLASS_COLUMN)} = 'extra') AS s`;
    mismatched += await countPresent(client, staged.target, plan.key, extra);
  }
  return { checked, mismatched };
}

/** Carries out the plan in one transaction; see Connection.apply. */
export async function applyPlan(
  session: PgSession,
  staged: Staged,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const target = staged.target;
  const name = `${target.ref.schema}.${target.ref.name}`;
  const { client } = session;
  const { policy } = options;
  requireKey(target);
  const origin = target.partitioning === 'inheritance';
  const columns = writableColumns(target).map((c) => c.name);
  let doing = `locking ${name}`;
  try {
    await client.query('BEGIN');
    if (options.disableTriggers) await disableTriggers(client);
    await lockTarget(client, target);
    checkCancelled(session);
    doing = `re-planning ${name} under the lock`;
    const plan = await createPlanTable(session, staged, options.where, true);
    const counts = await countPlan(client, plan);
    const warnings: string[] = [];
    const changed = planChanged(options.expected, counts);
    if (changed) warnings.push(changed);
    doing = `checking foreign keys of the rows to write into ${name}`;
    const missingParents = await findMissingParents(session, staged, plan, policy);
    if (missingParents.length > 0) {
      const first = missingParents[0]!;
      throw new RowbackError(
        'missing-parent',
        `${first.rows} row(s) to restore into ${name} reference ${first.parent} rows that do not exist (${first.foreignKey}: ${first.sample.join(', ')}).`,
        { hint: `Restore ${first.parent} first, then run this again.`, details: { missingParents } },
      );
    }
    checkCancelled(session);
    doing = `writing the undo pre-image of ${name}`;
    const beforeClasses = [
      ...(policy.changed === 'take-source' ? ['changed'] : []),
      ...(policy.extra === 'delete' ? ['extra'] : []),
    ];
    await options.undo.writeBefore(
      columns,
      origin,
      copyOut(session, await targetImage(session, target, plan, beforeClasses, origin), doing),
    );
    doing = `inserting missing rows into ${name}`;
    const rows = stagedOfClasses(staged, plan, ['missing']);
    const inserted = await insertRows(
      client,
      target,
      staged.columns,
      rows,
      staged.origin ? ORIGIN_COLUMN : undefined,
    );
    options.onProgress?.('insert', inserted);
    checkCancelled(session);
    doing = `updating changed rows of ${name}`;
    const updated = policy.changed === 'take-source' ? await updateChanged(session, staged, plan) : 0;
    options.onProgress?.('update', updated);
    doing = `deleting extra rows of ${name}`;
    const deleted = policy.extra === 'delete' ? await deleteExtra(session, target, plan) : 0;
    options.onProgress?.('delete', deleted);
    checkCancelled(session);
    doing = `writing the undo post-image of ${name}`;
    const written = writtenClasses(policy);
    await options.undo.writeAfter(
      columns,
      origin,
      copyOut(session, await targetImage(session, target, plan, written, origin), doing),
    );
    doing = `moving the sequences of ${name}`;
    const sequences = await moveSequences(client, target);
    doing = `verifying ${name}`;
    const verification = await verifyApply(session, staged, plan, policy);
    const intended = intendedWrites(counts, policy);
    if (verification.mismatched > 0) {
      const triggers = options.disableTriggers ? [] : target.triggers;
      if (triggers.length === 0) {
        throw new RowbackError(
          'verify-failed',
          `After writing, ${verification.mismatched} of ${verification.checked} row(s) of ${name} do not match the plan; the transaction was rolled back.`,
          {
            hint: target.rules.length
              ? `The table has rules (${target.rules.join(', ')}) that may rewrite writes.`
              : 'Nothing was written.',
            details: { verification, intended },
          },
        );
      }
      warnings.push(
        `${verification.mismatched} row(s) of ${name} differ from the source after writing; triggers (${triggers.join(', ')}) changed them.`,
      );
    }
    checkCancelled(session);
    await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
    return { plan: counts, applied: { inserted, updated, deleted }, verification, sequences, warnings };
  } catch (error) {
    await rollback(session);
    throw mapError(error, doing, { interrupted: session.cancelled });
  }
}
