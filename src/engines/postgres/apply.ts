import { RowbackError } from '../../core/errors.js';
import {
  type AppliedCounts,
  intendedWrites,
  type MissingParent,
  type PlanCounts,
  type Policy,
  type Verification,
} from '../../core/plan.js';
import { type TableSchema, writableColumns } from '../../core/table.js';
import type { Staged } from '../engine.js';
import type { ApplyOptions, ApplyResult } from '../legacy.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { checkReferencedExtra, findMissingParents, writtenClasses } from './parents.js';
import {
  countPlan,
  createPlanTable,
  forgetPlan,
  type PlanTable,
  requireKey,
  unchangedSince,
} from './plan.js';
import { copyOut, originExpression } from './read.js';
import { moveSequences } from './sequences.js';
import { columnList, keyJoin, qualified, quoteLiteral } from './sql.js';
import { originColumn, stagedTable } from './stage.js';
import { checkCancelled, disableTriggers, lockTarget, rollback } from './transaction.js';
import { countDifferent, countPresent } from './verify.js';
import { checkFixedColumns, insertRows, updateRows } from './writes.js';

function classList(classes: string[]): string {
  return classes.length ? classes.map(quoteLiteral).join(', ') : 'NULL';
}

/** Staged rows of some classes, as a FROM item aliased `s`. */
export function stagedOfClasses(staged: Staged, plan: PlanTable, classes: string[]): string {
  return `(SELECT s.* FROM ${stagedTable(staged)} AS s JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 's')}
           WHERE p.${plan.classColumn} IN (${classList(classes)})) AS s`;
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
          JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 't')} WHERE p.${plan.classColumn} IN (${classList(classes)})`;
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

async function deleteExtra(session: PgSession, target: TableSchema, plan: PlanTable): Promise<number> {
  const result = await session.client.query(
    `DELETE FROM ${qualified(target.ref)} AS t USING ${plan.table} AS p
     WHERE p.${plan.classColumn} = 'extra' AND ${keyJoin(plan.key, 't', 'p')}`,
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
    const extra = `(SELECT p.* FROM ${plan.table} AS p WHERE p.${plan.classColumn} = 'extra') AS s`;
    mismatched += await countPresent(client, staged.target, plan.key, extra);
  }
  return { checked, mismatched };
}

function missingParentError(name: string, missingParents: MissingParent[]): RowbackError {
  const first = missingParents[0]!;
  return new RowbackError(
    'missing-parent',
    `${first.rows} row(s) to restore into ${name} reference ${first.parent} rows that do not exist (${first.foreignKey}: ${first.sample.join(', ')}).`,
    { hint: `Restore ${first.parent} first, then run this again.`, details: { missingParents } },
  );
}

/** What the apply is doing now, for the message of whatever fails. */
interface Step {
  doing: string;
}

/** Writes the undo pre-image, inserts, updates, deletes, then writes the post-image. */
async function writePlan(
  session: PgSession,
  staged: Staged,
  plan: PlanTable,
  options: ApplyOptions,
  step: Step,
): Promise<AppliedCounts> {
  const { target } = staged;
  const name = `${target.ref.schema}.${target.ref.name}`;
  const { policy } = options;
  const origin = target.partitioning === 'inheritance';
  const columns = writableColumns(target).map((c) => c.name);
  step.doing = `writing the undo pre-image of ${name}`;
  const beforeClasses = [
    ...(policy.changed === 'take-source' ? ['changed'] : []),
    ...(policy.extra === 'delete' ? ['extra'] : []),
  ];
  const before = await targetImage(session, target, plan, beforeClasses, origin);
  await options.undo.writeBefore(columns, origin, copyOut(session, before, step.doing));
  step.doing = `inserting missing rows into ${name}`;
  const missing = stagedOfClasses(staged, plan, ['missing']);
  const inserted = await insertRows(session.client, target, staged.columns, missing, originColumn(staged));
  options.onProgress?.('insert', inserted);
  checkCancelled(session);
  step.doing = `updating changed rows of ${name}`;
  const changed = stagedOfClasses(staged, plan, ['changed']);
  const updated =
    policy.changed === 'take-source'
      ? await updateRows(session.client, target, plan.key, staged.columns, changed)
      : 0;
  options.onProgress?.('update', updated);
  step.doing = `deleting extra rows of ${name}`;
  const deleted = policy.extra === 'delete' ? await deleteExtra(session, target, plan) : 0;
  options.onProgress?.('delete', deleted);
  checkCancelled(session);
  step.doing = `writing the undo post-image of ${name}`;
  const after = await targetImage(session, target, plan, writtenClasses(policy), origin);
  await options.undo.writeAfter(columns, origin, copyOut(session, after, step.doing));
  return { inserted, updated, deleted };
}

/**
 * What the user should hear about triggers and mismatches. User triggers that fired on written rows are
 * always mentioned (they may have written elsewhere); mismatches they explain are a warning. Mismatches
 * nothing explains (a rule, a concurrent DDL…) throw verify-failed, and the caller rolls back.
 */
function judgeVerification(
  target: TableSchema,
  verification: Verification,
  options: ApplyOptions,
  applied: AppliedCounts,
  intended: AppliedCounts,
): string[] {
  const name = `${target.ref.schema}.${target.ref.name}`;
  const triggers = options.disableTriggers ? [] : target.triggers;
  const written = applied.inserted + applied.updated + applied.deleted;
  const warnings: string[] = [];
  if (written > 0 && triggers.length > 0) {
    warnings.push(
      `The triggers on ${name} (${triggers.join(', ')}) fired for the ${written} row(s) rowback wrote.`,
    );
  }
  if (verification.mismatched === 0) return warnings;
  if (triggers.length > 0) {
    warnings.push(
      `${verification.mismatched} of ${verification.checked} written row(s) of ${name} differ from the source after writing; triggers (${triggers.join(', ')}) changed them.`,
    );
    return warnings;
  }
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

/** Carries out the plan in one transaction; see Connection.apply. */
export async function applyPlan(
  session: PgSession,
  staged: Staged,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const { target } = staged;
  const name = `${target.ref.schema}.${target.ref.name}`;
  const { client } = session;
  requireKey(target);
  const step: Step = { doing: `locking ${name}` };
  try {
    await client.query('BEGIN');
    if (options.disableTriggers) await disableTriggers(client);
    await lockTarget(client, target);
    checkCancelled(session);
    step.doing = `re-planning ${name} under the lock`;
    // The preview's plan still holds when nothing was written since; otherwise classify again.
    const previewed = await unchangedSince(session, staged, options.where);
    const plan = previewed ?? (await createPlanTable(session, staged, options.where, true));
    forgetPlan(staged);
    const counts = await countPlan(client, plan);
    const warnings: string[] = [];
    const changed = planChanged(options.expected, counts);
    if (changed) warnings.push(changed);
    step.doing = `checking foreign keys of the rows to write into ${name}`;
    const missingParents = await findMissingParents(session, staged, plan, options.policy);
    if (missingParents.length > 0) throw missingParentError(name, missingParents);
    step.doing = `checking what references the extra rows of ${name}`;
    await checkReferencedExtra(session, staged, plan, options.policy);
    await checkFixedColumns(client, staged, plan, options.policy);
    checkCancelled(session);
    const applied = await writePlan(session, staged, plan, options, step);
    step.doing = `moving the sequences of ${name}`;
    const sequences = await moveSequences(client, target);
    step.doing = `checking the deferred constraints of ${name}`;
    // Deferred foreign keys would only be checked at COMMIT: never on a dry run, and too late to verify.
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    step.doing = `verifying ${name}`;
    const verification = await verifyApply(session, staged, plan, options.policy);
    const intended = intendedWrites(counts, options.policy);
    warnings.push(...judgeVerification(target, verification, options, applied, intended));
    checkCancelled(session);
    await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
    return { plan: counts, applied, verification, sequences, warnings, replanned: previewed === undefined };
  } catch (error) {
    await rollback(session);
    throw mapError(error, step.doing, { interrupted: session.cancelled, rolledBack: true });
  }
}
