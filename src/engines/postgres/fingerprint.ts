import type pg from 'pg';
import type { TableSchema } from '../../core/table.js';
import type { PgSession } from './connect.js';
import type { PgPlan } from './plan.js';
import { quoteTable } from './sql.js';

/** The target as a plan saw it: its row count, and the row versions a later snapshot could mistake for new. */
export interface TargetFingerprint {
  rows: string;
  /**
   * The snapshot's xmin (the oldest transaction still in progress then, or its xmax when none was), as a
   * 32-bit xid (text). Every transaction the snapshot did not see finished has an xid at or past it,
   * subtransactions included (they take xids after their parent's).
   */
  xmin: string;
  /** md5 of the (ctid, xmin) of every visible row version written at or past `xmin`, in ctid order. */
  recent: string;
}

export async function takeFingerprint(client: pg.Client, target: TableSchema): Promise<TargetFingerprint> {
  const snapshot = await client.query<{ xmin: string }>(
    `SELECT (txid_snapshot_xmin(txid_current_snapshot()) % 4294967296)::text AS xmin`,
  );
  const xmin = snapshot.rows[0]!.xmin;
  const found = await client.query<{ rows: string; recent: string }>(recentVersions(target), [xmin]);
  const row = found.rows[0]!;
  return { xmin, rows: row.rows, recent: row.recent };
}

/**
 * The row count, and a digest of the row versions written by a transaction at or past `$1` (an xid): a
 * long transaction elsewhere on the server holds the snapshot's xmin back, so recent rows are compared by
 * identity rather than taken as a sign of change.
 */
function recentVersions(target: TableSchema): string {
  return `SELECT count(*)::text AS rows,
            md5(coalesce(string_agg(t.ctid::text || ':' || t.xmin::text, ',' ORDER BY t.ctid)
                         FILTER (WHERE age(t.xmin) <= age($1::text::xid)), '')) AS recent
          FROM ${quoteTable(target.ref)} AS t`;
}

/**
 * True when the target provably has not changed since the plan was built: the same number of rows, and the
 * same row versions written by a transaction at or past the plan snapshot's xmin. Every transaction the
 * snapshot did not see finished has such an xid — one that started after it, one in progress then, and a
 * savepoint of one in progress (a subtransaction's xid, which the snapshot's list of running transactions
 * leaves out). An insert or update since makes a new version there (a new ctid and xmin); a delete since
 * lowers the count unless an insert, which shows, made up for it. Anything doubtful (a version frozen or
 * moved by VACUUM since) counts as changed, which only costs a fresh classification. Call under the
 * apply's lock, so no writer can slip in after.
 */
export async function unchanged(session: PgSession, plan: PgPlan): Promise<boolean> {
  const before = plan.fingerprint;
  if (!before) return false;
  const found = await session.client.query<{ rows: string; recent: string }>(
    recentVersions(plan.staged.target),
    [before.xmin],
  );
  const now = found.rows[0]!;
  return now.rows === before.rows && now.recent === before.recent;
}
