import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type { PlanCounts, RowClass } from '../../core/plan.js';
import type { TableSchema } from '../../core/table.js';
import type { Staged } from '../engine.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { columnList, filter, freeName, keyJoin, qualified, quoteIdent, textDiffers } from './sql.js';
import { stagedTable, tempName } from './stage.js';

/** A classification materialised on the server: one row per key with its class. */
export interface PlanTable {
  /** Quoted temporary table name. */
  table: string;
  key: string[];
  /** The quoted column holding each key's class (a name no key column has). */
  classColumn: string;
  where: string | undefined;
  /** For a plan built before the apply: what the target looked like then (see `unchangedSince`). */
  fingerprint?: TargetFingerprint;
}

/** The target as a plan saw it: its row count, and which transactions its snapshot saw finished. */
export interface TargetFingerprint {
  rows: string;
  /** The snapshot's xmax (first transaction it did not see start), as a 32-bit xid (text). */
  xmax: string;
  /** Transactions in progress when the snapshot was taken, as 32-bit xids (text). */
  inProgress: string[];
}

/** Plans built outside an apply, reused by samples() and missingParents() until the next plan(). */
const cachedPlans = new WeakMap<Staged, PlanTable>();

export function requireKey(target: TableSchema): string[] {
  const key = target.key?.columns;
  if (!key || key.length === 0) {
    throw new RowbackError(
      'no-key',
      `${target.ref.schema}.${target.ref.name} has no primary key or unique NOT NULL key.`,
      {
        hint: 'Name the columns that identify a row with --key col1,col2.',
      },
    );
  }
  return key;
}

/**
 * Turns off nested loops for the statements of the current transaction. Right after an accident the
 * target's statistics say "empty", and a nested loop over a table that in fact holds a million rows is
 * quadratic; hash and merge joins stay linear whatever the estimates say.
 */
export async function avoidNestedLoops(client: pg.Client): Promise<void> {
  await client.query('SET LOCAL enable_nestloop = off');
}

/**
 * A key the user named (`--key`) is backed by no unique index, and an inheritance parent's index does not
 * cover its children's rows: refuse such a key unless it identifies every row on both sides. A NULL
 * never matches, so its row would be inserted again; a repeated key would pair rows with the wrong
 * partners. Counts use the key's own equality, as the joins do.
 */
async function checkUnenforcedKey(session: PgSession, staged: Staged, key: string[]): Promise<void> {
  const user = staged.target.key?.origin === 'user';
  if (!user && staged.target.partitioning !== 'inheritance') return;
  const nulls = key.map((k) => `x.${quoteIdent(k)} IS NULL`).join(' OR ');
  const counts = (table: string) =>
    `(SELECT count(*) FROM ${table} AS x WHERE ${nulls})::text,
     (SELECT count(*) FROM (SELECT 1 FROM ${table} AS x GROUP BY ${columnList(key, 'x')} HAVING count(*) > 1) AS d)::text`;
  const found = await session.client.query<string[]>({
    text: `SELECT ${counts(stagedTable(staged))}, ${counts(qualified(staged.target.ref))}`,
    rowMode: 'array',
  });
  const [sourceNulls, sourceRepeats, targetNulls, targetRepeats] = found.rows[0]!;
  const problems = [
    sourceNulls !== '0' ? `${sourceNulls} source row(s) have a NULL in it` : '',
    sourceRepeats !== '0' ? `${sourceRepeats} key value(s) occur more than once in the source` : '',
    targetNulls !== '0' ? `${targetNulls} target row(s) have a NULL in it` : '',
    targetRepeats !== '0' ? `${targetRepeats} key value(s) occur more than once in the target` : '',
  ].filter(Boolean);
  if (problems.length === 0) return;
  const name = `${staged.target.ref.schema}.${staged.target.ref.name}`;
  throw new RowbackError(
    'no-key',
    `${user ? `--key ${key.join(',')}` : `The key ${key.join(',')}`} does not identify the rows of ${name}${user ? '' : ' across its child tables'}: ${problems.join('; ')}. Nothing was written.`,
    {
      hint: user
        ? 'Name columns that are NOT NULL and unique on both sides (a unique index on the target guarantees it).'
        : 'Give --key columns that are unique across the parent and all its child tables.',
    },
  );
}

/**
 * Classifies every staged key against the target into a new temporary plan table and ANALYZEs it.
 * missing: staged key absent from the target; changed: present with a different text in some staged
 * column; same: no difference; extra: target rows under `where` whose key is not staged. Call inside a
 * transaction; `onCommitDrop` ties the table's life to it.
 */
export async function createPlanTable(
  session: PgSession,
  staged: Staged,
  where: string | undefined,
  onCommitDrop: boolean,
): Promise<PlanTable> {
  const key = requireKey(staged.target);
  const unstaged = key.filter((k) => !staged.columns.includes(k));
  if (unstaged.length > 0) {
    throw new RowbackError(
      'schema-mismatch',
      `The source rows lack key column(s) ${unstaged.join(', ')} of ${staged.target.ref.schema}.${staged.target.ref.name}.`,
      { hint: 'Restore from a source that has the key columns, or choose other ones with --key.' },
    );
  }
  await checkUnenforcedKey(session, staged, key);
  const source = stagedTable(staged);
  const target = qualified(staged.target.ref);
  // Key columns are compared by text too: their own equality may call different texts equal
  // (numeric 1.0 = 1.00, float 0 = -0, a case-insensitive collation), and the source's text must win.
  const compared = staged.columns;
  const table = tempName(session, 'plan');
  const classColumn = quoteIdent(freeName('rowback_class', key));
  await avoidNestedLoops(session.client);
  await session.client.query(
    `CREATE TEMP TABLE ${table.slice('pg_temp.'.length)} ${onCommitDrop ? 'ON COMMIT DROP' : ''} AS
     SELECT CASE WHEN t.ctid IS NULL THEN 'missing' WHEN ${textDiffers(compared, 's', 't')} THEN 'changed' ELSE 'same' END
              AS ${classColumn}, ${columnList(key, 's')}
     FROM ${source} AS s LEFT JOIN ${target} AS t ON ${keyJoin(key, 't', 's')}
     UNION ALL
     SELECT 'extra', ${columnList(key, 't')}
     FROM ${target} AS t
     WHERE ${filter(where)} AND NOT EXISTS (SELECT 1 FROM ${source} AS s WHERE ${keyJoin(key, 't', 's')})`,
  );
  await session.client.query(`ANALYZE ${table}`);
  return { table, key, classColumn, where };
}

/** Counts per class of a plan table. */
export async function countPlan(client: pg.Client, plan: PlanTable): Promise<PlanCounts> {
  const found = await client.query<{ class: RowClass; n: string }>(
    `SELECT ${plan.classColumn} AS class, count(*)::text AS n FROM ${plan.table} GROUP BY 1`,
  );
  const counts: PlanCounts = { missing: 0, changed: 0, extra: 0, same: 0 };
  for (const row of found.rows) counts[row.class] = Number(row.n);
  return counts;
}

/** Runs `fn` in a transaction that is always rolled back (read-only work on temp tables). */
export async function inReadTransaction<T>(
  session: PgSession,
  doing: string,
  fn: () => Promise<T>,
): Promise<T> {
  const { client } = session;
  try {
    await client.query('BEGIN');
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw mapError(error, doing, { interrupted: session.cancelled });
  }
}

/** Classifies staged rows (see createPlanTable) and keeps the plan for samples() and missingParents(). */
export async function planStaged(
  session: PgSession,
  staged: Staged,
  where: string | undefined,
): Promise<PlanCounts> {
  const previous = cachedPlans.get(staged);
  if (previous) {
    cachedPlans.delete(staged);
    await session.client.query(`DROP TABLE IF EXISTS ${previous.table}`).catch(() => {});
  }
  return inReadTransaction(
    session,
    `planning ${staged.target.ref.schema}.${staged.target.ref.name}`,
    async () => {
      // One snapshot for the fingerprint and the plan (REPEATABLE READ), so the apply can tell whether
      // anything was written since and skip classifying again under its lock.
      await session.client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const fingerprint = await takeFingerprint(session.client, staged.target);
      const plan = { ...(await createPlanTable(session, staged, where, false)), fingerprint };
      cachedPlans.set(staged, plan);
      return countPlan(session.client, plan);
    },
  );
}

/** The cached plan for these options, building it when absent or built for another filter. */
export async function cachedPlan(
  session: PgSession,
  staged: Staged,
  where: string | undefined,
): Promise<PlanTable> {
  const plan = cachedPlans.get(staged);
  if (plan && plan.where === where) return plan;
  await planStaged(session, staged, where);
  return cachedPlans.get(staged)!;
}

/** The last plan built for these staged rows, whatever its filter (only extra rows depend on it); else a new one. */
export async function lastPlan(session: PgSession, staged: Staged): Promise<PlanTable> {
  return cachedPlans.get(staged) ?? cachedPlan(session, staged, undefined);
}

/** Drops the cached plan table of a staged table. */
export async function dropCachedPlan(session: PgSession, staged: Staged): Promise<void> {
  const plan = cachedPlans.get(staged);
  if (!plan) return;
  cachedPlans.delete(staged);
  await session.client.query(`DROP TABLE IF EXISTS ${plan.table}`);
}

async function takeFingerprint(client: pg.Client, target: TableSchema): Promise<TargetFingerprint> {
  const found = await client.query<{ xmax: string; xip: string; rows: string }>(
    `SELECT (txid_snapshot_xmax(s) % 4294967296)::text AS xmax,
            array_to_string(ARRAY(SELECT x % 4294967296 FROM txid_snapshot_xip(s) AS x), ',') AS xip,
            (SELECT count(*) FROM ${qualified(target.ref)})::text AS rows
     FROM txid_current_snapshot() AS s`,
  );
  const row = found.rows[0]!;
  return { xmax: row.xmax, inProgress: row.xip ? row.xip.split(',') : [], rows: row.rows };
}

/**
 * The plan built before the apply, when the target provably has not changed since: the same number of
 * rows and no row version written by a transaction that plan's snapshot did not see finished (one that
 * started after it, or was in progress then). An insert or update since makes such a version; a delete
 * since lowers the count unless an insert, which shows, made up for it. Anything doubtful (a very old
 * frozen xmin whose age wraps) counts as changed. Call under the apply's lock, so no writer can slip in
 * after the check.
 */
export async function unchangedSince(
  session: PgSession,
  staged: Staged,
  where: string | undefined,
): Promise<PlanTable | undefined> {
  const plan = cachedPlans.get(staged);
  if (!plan?.fingerprint || plan.where !== where) return undefined;
  const found = await session.client.query<{ rows: string; newer: string }>(
    `SELECT count(*)::text AS rows,
            coalesce(bool_or(age(t.xmin) <= age($1::text::xid) OR t.xmin::text = ANY ($2::text[])), false)::text
              AS newer
     FROM ${qualified(staged.target.ref)} AS t`,
    [plan.fingerprint.xmax, plan.fingerprint.inProgress],
  );
  const now = found.rows[0]!;
  return now.rows === plan.fingerprint.rows && now.newer === 'false' ? plan : undefined;
}

/** Forgets the plan built before the apply: after it, the target has changed. */
export function forgetPlan(staged: Staged): void {
  cachedPlans.delete(staged);
}
