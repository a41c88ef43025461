import { RowbackError } from '../../core/errors.js';
import type { UndoBundle } from '../../core/images.js';
import type { AppliedCounts } from '../../core/plan.js';
import type { TableSchema } from '../../core/table.js';
import type { Staged } from '../engine.js';
import type { UndoResult } from '../legacy.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { checkReferenced } from './parents.js';
import { avoidNestedLoops, requireKey } from './plan.js';
import { keyJoin, keyText, qualified, textEquals } from './sql.js';
import { dropStagedTable, originColumn, stagedTable, stageRows } from './stage.js';
import { checkCancelled, lockTarget, rollback } from './transaction.js';
import { countDifferent, countPresent } from './verify.js';
import { insertRows, updateRows } from './writes.js';

/** Keys the restore touched whose row is no longer what the restore left: up to 5 of them, and how many. */
async function findConflicts(
  session: PgSession,
  target: TableSchema,
  key: string[],
  columns: string[],
  before: string,
  after: string,
): Promise<{ rows: number; sample: string[] }> {
  const t = qualified(target.ref);
  const sql = `
    WITH conflicts AS (
      SELECT ${keyText(key, 'a')} AS k FROM ${after} AS a
      WHERE NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${keyJoin(key, 't', 'a')} AND ${textEquals(columns, 'a', 't')})
      UNION ALL
      SELECT ${keyText(key, 'b')} FROM ${before} AS b
      WHERE NOT EXISTS (SELECT 1 FROM ${after} AS a WHERE ${keyJoin(key, 'a', 'b')})
        AND EXISTS (SELECT 1 FROM ${t} AS t WHERE ${keyJoin(key, 't', 'b')}))
    SELECT (SELECT count(*) FROM conflicts)::text AS rows,
           (SELECT json_agg(k)::text FROM (SELECT k FROM conflicts ORDER BY k COLLATE "C" LIMIT 5) AS few) AS sample`;
  const row = (await session.client.query<{ rows: string; sample: string | null }>(sql)).rows[0]!;
  return { rows: Number(row.rows), sample: row.sample ? (JSON.parse(row.sample) as string[]) : [] };
}

function conflictError(name: string, conflicts: { rows: number; sample: string[] }): RowbackError {
  return new RowbackError(
    'conflict',
    `${conflicts.rows} row(s) of ${name} changed since the restore (keys ${conflicts.sample.join(', ')}); nothing was undone.`,
    {
      hint: 'Undo reverts only rows still exactly as the restore left them. Repair these rows by hand, or restore again.',
      details: { rows: conflicts.rows, sample: conflicts.sample },
    },
  );
}

/** The staged images, split by what the restore did to each key (FROM items aliased `s`). */
function imageSets(key: string[], before: string, after: string) {
  const inAfter = (b: string) => `EXISTS (SELECT 1 FROM ${after} AS a WHERE ${keyJoin(key, 'a', b)})`;
  return {
    /** Rows the restore inserted: in the post-image only. */
    inserted: `(SELECT a.* FROM ${after} AS a WHERE NOT EXISTS (SELECT 1 FROM ${before} AS b WHERE ${keyJoin(key, 'b', 'a')})) AS s`,
    /** Pre-images of rows the restore updated. */
    updated: `(SELECT b.* FROM ${before} AS b WHERE ${inAfter('b')}) AS s`,
    /** Pre-images of rows the restore deleted. */
    deleted: `(SELECT b.* FROM ${before} AS b WHERE NOT ${inAfter('b')}) AS s`,
    /** Every pre-image. */
    all: `(SELECT * FROM ${before}) AS s`,
  };
}

/** Deletes what the restore inserted, puts back what it updated, inserts again what it deleted. */
async function revert(
  session: PgSession,
  target: TableSchema,
  key: string[],
  bundle: UndoBundle,
  sets: ReturnType<typeof imageSets>,
  origin: string | undefined,
  step: { doing: string },
): Promise<AppliedCounts> {
  const name = `${target.ref.schema}.${target.ref.name}`;
  const { client } = session;
  step.doing = `deleting the rows the restore inserted into ${name}`;
  const removed = await client.query(
    `DELETE FROM ${qualified(target.ref)} AS t USING ${sets.inserted} WHERE ${keyJoin(key, 't', 's')}`,
  );
  step.doing = `putting back the rows the restore updated in ${name}`;
  const updated = await updateRows(client, target, key, bundle.columns, sets.updated);
  step.doing = `inserting again the rows the restore deleted from ${name}`;
  const inserted = await insertRows(client, target, bundle.columns, sets.deleted, origin);
  return { inserted, updated, deleted: removed.rowCount ?? 0 };
}

/** Reverts a restore in one transaction; see Connection.undo. */
export async function undoRestore(
  session: PgSession,
  target: TableSchema,
  bundle: UndoBundle,
  options: { dryRun?: boolean },
): Promise<UndoResult> {
  const key = requireKey(target);
  const name = `${target.ref.schema}.${target.ref.name}`;
  const { client } = session;
  const { columns } = bundle;
  const stageOptions = { columns, origin: bundle.origin };
  const step = { doing: `staging the undo images of ${name}` };
  const staged: Staged[] = [];
  try {
    staged.push(await stageRows(session, target, bundle.before(), stageOptions));
    staged.push(await stageRows(session, target, bundle.after(), stageOptions));
    const before = stagedTable(staged[0]!);
    const after = stagedTable(staged[1]!);
    step.doing = `locking ${name}`;
    await client.query('BEGIN');
    await avoidNestedLoops(client);
    await lockTarget(client, target);
    checkCancelled(session);
    step.doing = `checking ${name} for changes since the restore`;
    const conflicts = await findConflicts(session, target, key, columns, before, after);
    if (conflicts.rows > 0) throw conflictError(name, conflicts);
    const sets = imageSets(key, before, after);
    step.doing = `checking what references the rows the restore inserted into ${name}`;
    await checkReferenced(
      session,
      target,
      (alias) => `EXISTS (SELECT 1 FROM ${sets.inserted} WHERE ${keyJoin(key, alias, 's')})`,
      `Rows the restore inserted into ${name}, which undo would delete,`,
      (child) => `Remove or re-point those rows of ${child} first, then run undo again.`,
    );
    const applied = await revert(session, target, key, bundle, sets, originColumn(staged[0]!), step);
    step.doing = `checking the deferred constraints of ${name}`;
    // As in apply: deferred keys would only be checked at COMMIT, never on a dry run.
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    step.doing = `verifying ${name}`;
    const mismatched =
      (await countDifferent(client, target, key, columns, sets.all)) +
      (await countPresent(client, target, key, sets.inserted));
    const verification = { checked: staged[0]!.rows + applied.deleted, mismatched };
    if (mismatched > 0 && target.triggers.length === 0) {
      throw new RowbackError(
        'verify-failed',
        `After undoing, ${mismatched} row(s) of ${name} do not match the pre-image; the transaction was rolled back.`,
        { details: { verification } },
      );
    }
    checkCancelled(session);
    await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
    return { applied, verification };
  } catch (error) {
    await rollback(session);
    throw mapError(error, step.doing, { interrupted: session.cancelled, rolledBack: true });
  } finally {
    for (const s of staged) await dropStagedTable(session, s).catch(() => {});
  }
}
