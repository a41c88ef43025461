import { RowbackError } from '../../core/errors.js';
import type { UndoBundle } from '../../core/images.js';
import type { AppliedCounts } from '../../core/plan.js';
import type { TableSchema } from '../../core/table.js';
import type { UndoResult } from '../legacy.js';
import { beginLocked, checkApplicable, endTransaction, rollbackQuietly } from './apply.js';
import type { Session } from './connect.js';
import { showValue } from './samples.js';
import { suspendSelfReferenceChecks } from './self-references.js';
import {
  columnList,
  exactList,
  findColumn,
  keyMatch,
  quoteIdent,
  quoteTable,
  sameBytes,
  workNames,
} from './sql.js';
import { columnTypes, createStageTable, loadRows } from './stage.js';

/**
 * Reverts a restore (see Connection.undo). The pre-images (B) and post-images (A) are staged first; then, in
 * one locked transaction: every A row must still hold its post-image bytes and every key the restore deleted
 * must still be absent (else RowbackError('conflict')); rows the restore inserted are deleted, updated rows get
 * their pre-image back, deleted rows are inserted again; then each key is re-read.
 */
export async function undoRestore(
  session: Session,
  target: TableSchema,
  bundle: UndoBundle,
  options: { dryRun?: boolean },
): Promise<UndoResult> {
  checkApplicable(target, {});
  const name = `${target.ref.schema}.${target.ref.name}`;
  const key = target.key?.columns;
  if (!key)
    throw new RowbackError('no-key', `${name} has no key; undo matches rows by key.`, {
      hint: 'Give the same --key as the restore.',
    });
  const fields = bundle.origin ? [...bundle.columns, workNames(target).origin] : bundle.columns;
  const before = await createStageTable(session, target, bundle.columns, bundle.origin);
  const after = await createStageTable(session, target, bundle.columns, bundle.origin);
  try {
    const types = columnTypes(target, fields);
    await loadRows(
      session,
      quoteIdent(before),
      fields,
      bundle.before(),
      `the undo pre-images of ${name}`,
      types,
    );
    await loadRows(
      session,
      quoteIdent(after),
      fields,
      bundle.after(),
      `the undo post-images of ${name}`,
      types,
    );
    const t = quoteTable(target.ref);
    const a = quoteIdent(after);
    const b = quoteIdent(before);
    const cols = bundle.columns;
    try {
      await beginLocked(session, target);
      await refuseConflicts(session, target, key, cols, a, b);
      const applied: AppliedCounts = { inserted: 0, updated: 0, deleted: 0 };
      const resume = await suspendSelfReferenceChecks(session, target);
      applied.deleted = (
        await session.exec(
          `DELETE t FROM ${t} t JOIN ${a} a ON ${keyMatch(key, 't', 'a')} WHERE NOT EXISTS (SELECT 1 FROM ${b} b WHERE ${keyMatch(key, 'b', 'a')})`,
        )
      ).affectedRows;
      const set = cols.map((c) => `t.${quoteIdent(c)} = b.${quoteIdent(c)}`).join(', ');
      applied.updated = (
        await session.exec(
          `UPDATE ${t} t JOIN ${b} b ON ${keyMatch(key, 't', 'b')} SET ${set} WHERE EXISTS (SELECT 1 FROM ${a} a WHERE ${keyMatch(key, 'a', 'b')})`,
        )
      ).affectedRows;
      applied.inserted = (
        await session.exec(
          `INSERT INTO ${t} (${columnList(cols)}) SELECT ${columnList(cols, 'b')} FROM ${b} b
           WHERE NOT EXISTS (SELECT 1 FROM ${a} a WHERE ${keyMatch(key, 'a', 'b')})`,
        )
      ).affectedRows;
      await resume();
      const [[checked, badBefore]] = (await session.text(
        `SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM ${t} t WHERE ${keyMatch(key, 't', 'b')} AND ${sameBytes(target, cols, 't', 'b')})), 0) FROM ${b} b`,
      )) as [[string, string]];
      const [[checkedGone, badGone]] = (await session.text(
        `SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM ${t} t WHERE ${keyMatch(key, 't', 'a')})), 0) FROM ${a} a
         WHERE NOT EXISTS (SELECT 1 FROM ${b} b WHERE ${keyMatch(key, 'b', 'a')})`,
      )) as [[string, string]];
      const verification = {
        checked: Number(checked) + Number(checkedGone),
        mismatched: Number(badBefore) + Number(badGone),
      };
      if (verification.mismatched > 0 && target.triggers.length === 0) {
        throw new RowbackError(
          'verify-failed',
          `${verification.mismatched} of ${verification.checked} row(s) of ${name} do not hold their pre-restore values after the undo; the transaction was rolled back.`,
          { details: { ...verification } },
        );
      }
      await endTransaction(session, !options.dryRun);
      return { applied, verification };
    } catch (error) {
      await rollbackQuietly(session);
      throw error;
    }
  } catch (error) {
    throw session.wrap(error, `while undoing the restore of ${name}`);
  } finally {
    await session
      .exec(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdent(before)}, ${quoteIdent(after)}`)
      .catch(() => {});
  }
}

/** Rows changed since the restore make the undo refuse: it would overwrite someone's later write. */
async function refuseConflicts(
  session: Session,
  target: TableSchema,
  key: string[],
  cols: string[],
  a: string,
  b: string,
): Promise<void> {
  const t = quoteTable(target.ref);
  const changed = `SELECT ${exactList(target, key, 'a')} FROM ${a} a WHERE NOT EXISTS (SELECT 1 FROM ${t} t WHERE ${keyMatch(key, 't', 'a')} AND ${sameBytes(target, cols, 't', 'a')})`;
  const reinserted = `SELECT ${exactList(target, key, 'b')} FROM ${b} b WHERE NOT EXISTS (SELECT 1 FROM ${a} a WHERE ${keyMatch(key, 'a', 'b')})
    AND EXISTS (SELECT 1 FROM ${t} t WHERE ${keyMatch(key, 't', 'b')})`;
  // Two statements: MySQL cannot open one temporary table twice in a query.
  const count =
    Number(await session.scalar(`SELECT COUNT(*) FROM (${changed}) x`)) +
    Number(await session.scalar(`SELECT COUNT(*) FROM (${reinserted}) y`));
  if (count === 0) return;
  const sample = [
    ...(await session.run(`${changed} LIMIT 5`)),
    ...(await session.run(`${reinserted} LIMIT 5`)),
  ]
    .slice(0, 5)
    .map((row) =>
      key.map((k, i) => `${k}=${showValue(row[i] ?? null, findColumn(target, k)?.type ?? '')}`).join(', '),
    );
  throw new RowbackError(
    'conflict',
    `${count} row(s) of ${target.ref.schema}.${target.ref.name} changed since the restore (e.g. ${sample.join('; ')}); the undo would overwrite those writes, so nothing was changed.`,
    {
      hint: 'Inspect those rows and revert them by hand, or restore again from the source.',
      details: { conflicts: count, sample },
    },
  );
}
