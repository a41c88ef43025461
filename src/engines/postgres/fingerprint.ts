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
  /**
   * md5 of the (ctid, xmin) of every visible row version written at or past `xmin`, in ctid order; null
   * when there are more than RECENT_LIMIT of them (then the target always counts as changed).
   */
  recent: string | null;
}

/** Recent row versions compared one by one at most: their digest is built in the server's memory. */
const RECENT_LIMIT = 100_000;

export async function takeFingerprint(client: pg.Client, target: TableSchema): Promise<TargetFingerprint> {
  const snapshot = await client.query<{ xmin: string }>(
    `SELECT (txid_snapshot_xmin(txid_current_snapshot()) % 4294967296)::text AS xmin`,
  );
  const xmin = snapshot.rows[0]!.xmin;
  return { xmin, ...(await recentVersions(client, target, xmin)) };
}

/**
 * The row count, and a digest of the row versions written by a transaction at or past `xmin`: a long
 * transaction elsewhere on the server holds the snapshot's xmin back, so recent rows are compared by
 * identity rather than taken as a sign of change. Two statements, in one snapshot or under the lock.
 */
async function recentVersions(
  client: pg.Client,
  target: TableSchema,
  xmin: string,
): Promise<{ rows: string; recent: string | null }> {
  const table = quoteTable(target.ref);
  const recentRow = 'age(t.xmin) <= age($1::text::xid)';
  const counted = await client.query<{ rows: string; recent: string }>(
    `SELECT count(*)::text AS rows, count(*) FILTER (WHERE ${recentRow})::text AS recent FROM ${table} AS t`,
    [xmin],
  );
  const { rows, recent } = counted.rows[0]!;
  if (Number(recent) > RECENT_LIMIT) return { rows, recent: null };
  const digest = await client.query<{ recent: string }>(
    `SELECT md5(coalesce(string_agg(t.ctid::text || ':' || t.xmin::text, ',' ORDER BY t.ctid), '')) AS recent
     FROM ${table} AS t WHERE ${recentRow}`,
    [xmin],
  );
  return { rows, recent: digest.rows[0]!.recent };
}

/**
 * True when the target provably has not changed since the plan was built: the same number of rows, and the
 * same row versions written by a transaction at or past the plan snapshot's xmin. Every transaction the
 * snapshot did not see finished has such an xid — one that started after it, one in progress then, and a
 * savepoint of one in progress (a subtransaction's xid, which the snapshot's list of running transactions
 * leaves out). An insert or update since makes a new version there (a new ctid and xmin); a delete since
 * lowers the count unless an insert, which shows, made up for it. Anything doubtful (a version frozen or
 * moved by VACUUM since, or too many recent versions to compare) counts as changed, which only costs a
 * fresh classification. Call under the apply's lock, so no writer can slip in after.
 */
export async function unchanged(session: PgSession, plan: PgPlan): Promise<boolean> {
  const before = plan.fingerprint;
  if (!before || before.recent === null) return false;
  const now = await recentVersions(session.client, plan.staged.target, before.xmin);
  return now.rows === before.rows && now.recent === before.recent;
}
