import { RowbackError } from '../../core/errors.js';
import type { AppliedCounts, PlanCounts, Verification } from '../../core/plan.js';
import { columnNames, type TableSchema, writableColumns } from '../../core/table.js';
import type { ApplyOptions, ApplyResult } from '../legacy.js';
import { checkedRows, textGuard } from './charsets.js';
import type { Session } from './connect.js';
import { errorCode } from './errors.js';
import { releaseTableLock, takeTableLock } from './lock.js';
import { checkReferencedExtra, findMissingParents } from './parents.js';
import { buildPlan, CLASS, planCounts, stagedKey } from './plan.js';
import { encodeRows } from './read.js';
import { suspendSelfReferenceChecks } from './self-references.js';
import { columnList, exactList, keyMatch, quoteIdent, quoteTable } from './sql.js';
import type { MysqlStaged } from './stage.js';
import { counterBehind, raiseCounters, readCounters, verifyPlan } from './verify.js';

/** Refuses what MySQL cannot do atomically or at all, before anything is locked. */
export function checkApplicable(target: TableSchema, options: { disableTriggers?: boolean }): void {
  if (!target.transactional) {
    throw new RowbackError(
      'not-transactional',
      `${target.ref.schema}.${target.ref.name} uses the ${target.storage ?? 'unknown'} storage engine, which cannot roll back: rowback will not write to it, because an interrupted apply would leave it half-restored.`,
      {
        hint: '`rowback diff` and `rowback restore --sql-out FILE` still work; or convert the table first (ALTER TABLE … ENGINE=InnoDB).',
      },
    );
  }
  if (options.disableTriggers) {
    throw new RowbackError(
      'unsupported',
      'MySQL cannot disable triggers for one session; rowback will not drop and recreate them.',
      {
        hint: 'Run without --disable-triggers (the apply then warns if a trigger changed restored rows). To skip only foreign key checks, use --skip-foreign-key-checks.',
      },
    );
  }
}

/**
 * Opens the apply transaction and locks the target against writers. A locking read of the whole table
 * (`FOR UPDATE` under REPEATABLE READ) takes next-key locks on every row and gap, so no other session can
 * insert, update or delete until COMMIT, while plain readers go on reading. LOCK TABLES would block readers
 * too, and START TRANSACTION releases table locks (LOCK TABLES needs autocommit off instead). The locking read
 * is the transaction's first statement, so everything read after it is the latest committed state: a row
 * another session wrote before the lock is what the re-plan sees. Another rowback run on the same table is
 * waited for first (see takeTableLock): gap locks alone would let two of them deadlock on an empty table.
 */
export async function beginLocked(
  session: Session,
  target: TableSchema,
  skipForeignKeyChecks?: boolean,
): Promise<void> {
  await takeTableLock(session, target.ref);
  if (skipForeignKeyChecks) await session.exec('SET SESSION FOREIGN_KEY_CHECKS = 0');
  await session.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await session.exec('START TRANSACTION');
  const index = target.key?.origin === 'primary' ? ' FORCE INDEX (PRIMARY)' : '';
  await session.run(`SELECT COUNT(*) FROM ${quoteTable(target.ref)}${index} FOR UPDATE`);
}

/** COMMIT or ROLLBACK, then restores the session's foreign key checks and releases the table lock. */
export async function endTransaction(
  session: Session,
  commit: boolean,
  skipForeignKeyChecks?: boolean,
): Promise<void> {
  try {
    await session.exec(commit ? 'COMMIT' : 'ROLLBACK');
  } finally {
    if (skipForeignKeyChecks || session.checksSuspended) {
      session.checksSuspended = false;
      await session.exec('SET SESSION FOREIGN_KEY_CHECKS = 1').catch(() => {});
    }
    await releaseTableLock(session);
  }
}

/** Rolls back after a failure; a lost session has rolled back already. */
export async function rollbackQuietly(session: Session, skipForeignKeyChecks?: boolean): Promise<void> {
  const wasCancelled = session.cancelled;
  session.cancelled = false;
  await endTransaction(session, false, skipForeignKeyChecks).catch(() => {});
  session.cancelled = wasCancelled;
}

/** Carries out a staged plan in one transaction (see Connection.apply). */
export async function applyPlan(
  session: Session,
  staged: MysqlStaged,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const target = staged.target;
  checkApplicable(target, options);
  const key = stagedKey(staged);
  const name = `${target.ref.schema}.${target.ref.name}`;
  await beginLocked(session, target, options.skipForeignKeyChecks).catch(async (error) => {
    await rollbackQuietly(session, options.skipForeignKeyChecks);
    throw session.wrap(error, `while locking ${name}`);
  });
  try {
    const plan = await buildPlan(session, staged, options.where);
    const counts = await planCounts(session, staged, plan);
    const warnings = planDrift(options.expected, counts);
    await checkReferencedExtra(session, staged, options.policy);
    if (!options.skipForeignKeyChecks) await refuseMissingParents(session, staged, options);
    const all = columnNames({ ...target, columns: writableColumns(target) });
    const p = quoteIdent(plan);
    const t = quoteTable(target.ref);
    const touched = [
      ...(options.policy.changed === 'take-source' ? [CLASS.changed] : []),
      ...(options.policy.extra === 'delete' ? [CLASS.extra] : []),
    ];
    if (touched.length > 0)
      await options.undo.writeBefore(all, false, imagesOf(session, plan, staged, all, touched));
    const applied: AppliedCounts = { inserted: 0, updated: 0, deleted: 0 };
    const resume = await suspendSelfReferenceChecks(session, target, options.skipForeignKeyChecks);
    const joinStage = `JOIN ${quoteIdent(staged.table)} s ON s.${quoteIdent(staged.names.row)} = p.${quoteIdent(staged.names.row)}`;
    applied.inserted = (
      await session
        .exec(
          `INSERT INTO ${t} (${columnList(staged.columns)}) SELECT ${columnList(staged.columns, 's')}
           FROM ${p} p ${joinStage} WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.missing}' ORDER BY p.${quoteIdent(staged.names.row)}`,
        )
        .catch((error) => {
          throw duplicateKeys(error, target);
        })
    ).affectedRows;
    options.onProgress?.('insert', applied.inserted);
    if (options.policy.changed === 'take-source' && counts.changed > 0) {
      const set = staged.columns.map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ');
      applied.updated = (
        await session.exec(
          `UPDATE ${t} t JOIN ${p} p ON ${keyMatch(key, 't', 'p')} ${joinStage} SET ${set} WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.changed}'`,
        )
      ).affectedRows;
      options.onProgress?.('update', applied.updated);
    }
    if (options.policy.extra === 'delete' && counts.extra > 0) {
      applied.deleted = (
        await session.exec(
          `DELETE t FROM ${t} t JOIN ${p} p ON ${keyMatch(key, 't', 'p')} WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.extra}'`,
        )
      ).affectedRows;
      options.onProgress?.('delete', applied.deleted);
    }
    await resume();
    const written = [CLASS.missing, ...(options.policy.changed === 'take-source' ? [CLASS.changed] : [])];
    await options.undo.writeAfter(all, false, imagesOf(session, plan, staged, all, written));
    const counters = await readCounters(session, target);
    const verification = await verifyPlan(session, staged, plan, options.policy);
    checkVerification(target, verification, warnings, applied.inserted + applied.updated + applied.deleted);
    await endTransaction(session, !options.dryRun, options.skipForeignKeyChecks);
    if (!options.dryRun) await raiseCounters(session, target, counters, warnings);
    else if (counters.some(counterBehind))
      warnings.push('AUTO_INCREMENT would be moved past the restored keys after COMMIT.');
    return {
      plan: counts,
      applied,
      verification,
      sequences: counters.map((c) => ({ name: c.name, value: c.value })),
      warnings,
    };
  } catch (error) {
    await rollbackQuietly(session, options.skipForeignKeyChecks);
    throw session.wrap(error, `while applying the plan to ${name}`);
  } finally {
    await forgetPlan(session, staged);
  }
}

/**
 * The plan table describes the target before this apply; a ROLLBACK has also emptied it (its rows were
 * written inside the transaction). Later samples or plans build a fresh one.
 */
async function forgetPlan(session: Session, staged: MysqlStaged): Promise<void> {
  if (!staged.plan) return;
  const plan = staged.plan;
  staged.plan = undefined;
  const wasCancelled = session.cancelled;
  session.cancelled = false;
  await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdent(plan)}`).catch(() => {});
  session.cancelled = wasCancelled;
}

/** The target's current rows of some plan classes, in the text row format. */
function imagesOf(session: Session, plan: string, staged: MysqlStaged, columns: string[], classes: string[]) {
  const key = staged.target.key!.columns;
  const guard = textGuard(staged.target, columns, 't');
  return encodeRows(
    checkedRows(
      session.stream(
        `SELECT ${exactList(staged.target, columns, 't')}${guard ? `, ${guard.sql}` : ''} FROM ${quoteIdent(plan)} p JOIN ${quoteTable(staged.target.ref)} t ON ${keyMatch(key, 't', 'p')}
       WHERE p.${quoteIdent(staged.names.rowClass)} IN (${classes.map((c) => `'${c}'`).join(', ')})`,
      ),
      guard,
      staged.target,
    ),
  );
}

async function refuseMissingParents(
  session: Session,
  staged: MysqlStaged,
  options: ApplyOptions,
): Promise<void> {
  const missing = await findMissingParents(session, staged, options.policy);
  if (missing.length === 0) return;
  const first = missing[0]!;
  throw new RowbackError(
    'missing-parent',
    `${first.rows} row(s) to restore into ${staged.target.ref.schema}.${staged.target.ref.name} reference ${first.parent} rows that do not exist (foreign key ${first.foreignKey} on ${first.columns.join(', ')}; e.g. ${first.sample.join(' | ')}).`,
    {
      hint: `Restore the parent rows of ${first.parent} first, or narrow the restore with --where. --skip-foreign-key-checks writes them anyway.`,
      details: { missingParents: missing },
    },
  );
}

/**
 * Verification mismatches fail the apply, unless a trigger explains them (then the user is told). Triggers
 * that fired without changing the restored rows (an audit log, say) are worth a word too.
 */
export function checkVerification(
  target: TableSchema,
  verification: Verification,
  warnings: string[],
  written = 0,
): void {
  const name = `${target.ref.schema}.${target.ref.name}`;
  if (verification.mismatched === 0) {
    if (written > 0 && target.triggers.length > 0) {
      warnings.push(
        `The triggers on ${name} (${target.triggers.join(', ')}) fired for the ${written} row(s) rowback wrote.`,
      );
    }
    return;
  }
  if (target.triggers.length > 0) {
    warnings.push(
      `${verification.mismatched} of ${verification.checked} written row(s) differ from the source after writing; trigger(s) ${target.triggers.join(', ')} on ${name} may have changed them.`,
    );
    return;
  }
  throw new RowbackError(
    'verify-failed',
    `${verification.mismatched} of ${verification.checked} row(s) of ${name} do not hold the restored values after writing; the transaction was rolled back.`,
    {
      hint: 'Nothing was changed. Check the column definitions of source and target.',
      details: { ...verification },
    },
  );
}

/**
 * A duplicate key while inserting rows whose keys were all missing. On the key's own index: the source holds
 * keys that differ in its collation but are equal in the target key's (say 'a' and 'A' under `_ci`). On
 * another unique index: a row to restore collides with a row of the target, often one written since.
 */
function duplicateKeys(error: unknown, target: TableSchema): unknown {
  if (errorCode(error) !== 'ER_DUP_ENTRY') return error;
  const text = error instanceof Error ? error.message : String(error);
  const name = `${target.ref.schema}.${target.ref.name}`;
  const index = /for key '(?:[^']*\.)?([^'.]*)'$/.exec(text)?.[1];
  const onKey = index === undefined || index === (target.key?.name ?? 'PRIMARY');
  return new RowbackError(
    'schema-mismatch',
    onKey
      ? `Two source rows have keys that ${name}'s key treats as the same (${text}); nothing was written.`
      : `A row to restore has the same value on unique index ${index} of ${name} as a row already there, which rowback does not overwrite (${text}); nothing was written.`,
    {
      hint: onKey
        ? 'The source and target key columns use different collations; make them agree, or restore a subset with --where.'
        : `Inspect the target row holding that value (written since?), change or delete it, or restore without that row (--where).`,
      cause: error,
      details: index ? { index } : undefined,
    },
  );
}

function planDrift(expected: PlanCounts | undefined, actual: PlanCounts): string[] {
  if (!expected) return [];
  const changes = (['missing', 'changed', 'extra', 'same'] as const)
    .filter((k) => expected[k] !== actual[k])
    .map((k) => `${k} ${expected[k]} → ${actual[k]}`);
  return changes.length > 0
    ? [
        `The table changed since the preview; applied the plan as it stood under the lock (${changes.join(', ')}).`,
      ]
    : [];
}
