import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { Staged, UndoBundle, UndoResult } from '../engine.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { avoidNestedLoops, requireKey } from './plan.js';
import { keyJoin, keyText, qualified, quoteIdent, textEquals } from './sql.js';
import { dropStagedTable, ORIGIN_COLUMN, stagedTable, stageRows } from './stage.js';
import { checkCancelled, lockTarget, rollback } from './transaction.js';
import { countDifferent, countPresent } from './verify.js';
import { insertRows } from './writes.js';

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
  let doing = `staging the undo images of ${name}`;
  const staged: Staged[] = [];
  try {
    staged.push(await stageRows(session, target, bundle.before(), stageOptions));
    staged.push(await stageRows(session, target, bundle.after(), stageOptions));
    const before = stagedTable(staged[0]!);
    const after = stagedTable(staged[1]!);
    doing = `locking ${name}`;
    await client.query('BEGIN');
    await avoidNestedLoops(client);
    await lockTarget(client, target);
    checkCancelled(session);
    doing = `checking ${name} for changes since the restore`;
    const conflicts = await findConflicts(session, target, key, columns, before, after);
    if (conflicts.rows > 0) {
      throw new RowbackError(
        'conflict',
        `${conflicts.rows} row(s) of ${name} changed since the restore (keys ${conflicts.sample.join(', ')}); nothing was undone.`,
        {
          hint: 'Undo reverts only rows still exactly as the restore left them. Repair these rows by hand, or restore again.',
          details: { rows: conflicts.rows, sample: conflicts.sample },
        },
      );
    }
    const t = qualified(target.ref);
    const onlyAfter = `(SELECT a.* FROM ${after} AS a WHERE NOT EXISTS (SELECT 1 FROM ${before} AS b WHERE ${keyJoin(key, 'b', 'a')})) AS s`;
    const bothSides = `(SELECT b.* FROM ${before} AS b WHERE EXISTS (SELECT 1 FROM ${after} AS a WHERE ${keyJoin(key, 'a', 'b')})) AS s`;
    const onlyBefore = `(SELECT b.* FROM ${before} AS b WHERE NOT EXISTS (SELECT 1 FROM ${after} AS a WHERE ${keyJoin(key, 'a', 'b')})) AS s`;
    doing = `deleting the rows the restore inserted into ${name}`;
    const deleted =
      (await client.query(`DELETE FROM ${t} AS t USING ${onlyAfter} WHERE ${keyJoin(key, 't', 's')}`))
        .rowCount ?? 0;
    doing = `putting back the rows the restore updated in ${name}`;
    const fixed = new Set(target.columns.filter((c) => c.identity === 'always').map((c) => c.name));
    const set = columns.filter((c) => !key.includes(c) && !fixed.has(c));
    const updated = set.length
      ? ((
          await client.query(
            `UPDATE ${t} AS t SET ${set.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ')} FROM ${bothSides} WHERE ${keyJoin(key, 't', 's')}`,
          )
        ).rowCount ?? 0)
      : 0;
    doing = `inserting again the rows the restore deleted from ${name}`;
    const inserted = await insertRows(
      client,
      target,
      columns,
      onlyBefore,
      bundle.origin ? ORIGIN_COLUMN : undefined,
    );
    doing = `verifying ${name}`;
    const beforeRows = `(SELECT * FROM ${before}) AS s`;
    const checkedBefore = Number(
      (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${before}`)).rows[0]!.n,
    );
    const mismatched =
      (await countDifferent(client, target, key, columns, beforeRows)) +
      (await countPresent(client, target, key, onlyAfter));
    const verification = { checked: checkedBefore + deleted, mismatched };
    if (mismatched > 0 && target.triggers.length === 0) {
      throw new RowbackError(
        'verify-failed',
        `After undoing, ${mismatched} row(s) of ${name} do not match the pre-image; the transaction was rolled back.`,
        {
          details: { verification },
        },
      );
    }
    checkCancelled(session);
    await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
    return { applied: { inserted, updated, deleted }, verification };
  } catch (error) {
    await rollback(session);
    throw mapError(error, doing, { interrupted: session.cancelled });
  } finally {
    for (const s of staged) await dropStagedTable(session, s).catch(() => {});
  }
}
