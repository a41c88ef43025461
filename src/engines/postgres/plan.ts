import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type { PlanCounts, RowClass } from '../../core/plan.js';
import { comparedColumns, keptClass, OUTSIDE_CLASS, type Restricted, tally } from '../../core/restrict.js';
import type { TableSchema } from '../../core/table.js';
import type { ClassifyOptions, KeyCheck, Plan, Staged } from '../engine.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { type TargetFingerprint, takeFingerprint } from './fingerprint.js';
import {
  columnList,
  differentText,
  freeName,
  keyEquals,
  quoteIdent,
  quoteTable,
  tempName,
  userFilter,
} from './sql.js';
import { stagedTable } from './stage.js';

/** A classification materialised on the server: one row per key with its class. */
export class PgPlan implements Plan {
  readonly columns: string[] | undefined;
  readonly targetWhere: string | undefined;
  constructor(
    readonly staged: Staged,
    readonly where: string | undefined,
    readonly absent: Staged | undefined,
    /** Quoted temporary table name. */
    readonly table: string,
    readonly key: string[],
    /** The quoted column holding each key's class (a name no key column has). */
    readonly classColumn: string,
    /**
     * The quoted column holding where each missing or changed key's staged row is (its ctid; NULL for
     * extra keys): a few rows are fetched by it directly, the staged table having no index.
     */
    readonly rowColumn: string,
    /** Staged rows under the filter: those the plan table leaves out are `same`. */
    readonly considered: number,
    /** For a plan built outside a transaction: what the target looked like then (see `unchanged`). */
    readonly fingerprint?: TargetFingerprint,
    restricted: Restricted = {},
  ) {
    this.columns = restricted.columns;
    this.targetWhere = restricted.targetWhere;
  }
}

export function asPgPlan(plan: Plan): PgPlan {
  if (!(plan instanceof PgPlan)) throw new RowbackError('internal', 'This plan belongs to another engine.');
  return plan;
}

function requireKey(target: TableSchema): string[] {
  const key = target.key?.columns;
  if (!key || key.length === 0) {
    throw new RowbackError('no-key', `${target.ref.schema}.${target.ref.name} has no key.`, {
      hint: 'Name the columns that identify a row with --key col1,col2.',
    });
  }
  return key;
}

/**
 * Turns off nested loops for the statements of the current transaction. Right after an accident the
 * target's statistics say "empty", and a nested loop over a table that in fact holds a million rows is
 * quadratic; hash and merge joins stay linear whatever the estimates say. Gives those joins room too:
 * with the default 4 MB a hash join of 500,000 keys spills to disk in 8 batches, which made the
 * verification of a 1,000,000-row merge 4.8 s; a server set higher keeps its own setting.
 */
export async function avoidNestedLoops(client: pg.Client): Promise<void> {
  await client.query('SET LOCAL enable_nestloop = off');
  await client.query(
    `SELECT set_config('work_mem', '${BULK_WORK_MEM_KB}kB', true)
     FROM pg_settings WHERE name = 'work_mem' AND setting::bigint < ${BULK_WORK_MEM_KB}`,
  );
}

/** The memory per hash or sort node of rowback's own statements (64 MB), unless the server gives more. */
const BULK_WORK_MEM_KB = 65536;

/** NULL and repeated key values on both sides; counts use the key's own equality, as the joins do. */
export async function checkKey(session: PgSession, staged: Staged): Promise<KeyCheck> {
  const key = requireKey(staged.target);
  const nulls = key.map((k) => `x.${quoteIdent(k)} IS NULL`).join(' OR ');
  const counts = (table: string) =>
    `(SELECT count(*) FROM ${table} AS x WHERE ${nulls})::text,
     (SELECT count(*) FROM (SELECT 1 FROM ${table} AS x GROUP BY ${columnList(key, 'x')} HAVING count(*) > 1) AS d)::text`;
  const found = await session.client.query<string[]>({
    text: `SELECT ${counts(stagedTable(staged))}, ${counts(quoteTable(staged.target.ref))}`,
    rowMode: 'array',
  });
  const [sourceNulls, sourceRepeats, targetNulls, targetRepeats] = found.rows[0]!.map(Number);
  return {
    sourceNulls: sourceNulls!,
    sourceRepeats: sourceRepeats!,
    targetNulls: targetNulls!,
    targetRepeats: targetRepeats!,
  };
}

/**
 * The staged rows under `where`: a source that cannot filter (a dump file) stages every row, so the
 * filter applies here, to the staged copy, whose columns have the target's types.
 */
function stagedUnder(staged: Staged, where: string | undefined): string {
  const table = stagedTable(staged);
  return where ? `(SELECT * FROM ${table} WHERE ${userFilter(where)})` : table;
}

/**
 * The class a row of `rowClass` gets: its kept class when `--target-where` does not hold on the target's
 * current row of alias `t` (evaluated over the target alone, matched by key: the staged row's columns
 * share its names). A missing row has no current row: always kept under a `targetWhere`.
 */
function classUnder(rowClass: RowClass, staged: Staged, options: ClassifyOptions, key: string[]): string {
  const { targetWhere } = options;
  if (targetWhere === undefined) return `'${rowClass}'`;
  if (rowClass === 'missing') return `'${keptClass(rowClass)}'`;
  const holds = `EXISTS (SELECT 1 FROM ${quoteTable(staged.target.ref)} AS rowback_now
    WHERE ${keyEquals(key, 'rowback_now', 't')} AND ${userFilter(targetWhere)})`;
  return `CASE WHEN ${holds} THEN '${rowClass}' ELSE '${keptClass(rowClass)}' END`;
}

/**
 * The extra rows: target keys under `where` not staged; with `absent`, only keys listed there. A key
 * staged outside `where` (the source's row does not match it, the target's does now) is not extra: it
 * gets OUTSIDE_CLASS, so it is never deleted. The core stages the whole source when that must be known.
 * Each test is a top-level [NOT] EXISTS, which the planner turns into a hash (anti-)join: the staged
 * table has no index, and a correlated subquery inside a CASE would scan it once per target row.
 */
function extraRows(staged: Staged, options: ClassifyOptions, key: string[]): string {
  const extra = classUnder('extra', staged, options, key);
  const target = quoteTable(staged.target.ref);
  const notIn = (source: string) =>
    `NOT EXISTS (SELECT 1 FROM ${source} AS s WHERE ${keyEquals(key, 't', 's')})`;
  if (options.absent) {
    // Driven from the listed keys: an undo touches a few keys of what may be a very large table. The
    // filter sits in a subquery over the target alone: the absent keys' columns share its names.
    const under = options.where ? `(SELECT * FROM ${target} WHERE ${userFilter(options.where)})` : target;
    return `SELECT DISTINCT ${extra}, ${columnList(key, 't')}, NULL::tid
            FROM ${stagedTable(options.absent)} AS a JOIN ${under} AS t ON ${keyEquals(key, 't', 'a')}
            WHERE ${notIn(stagedUnder(staged, options.where))}`;
  }
  const whole = stagedTable(staged);
  const extras = `SELECT ${extra}, ${columnList(key, 't')}, NULL::tid FROM ${target} AS t
          WHERE ${userFilter(options.where)} AND ${notIn(whole)}`;
  if (options.where === undefined) return extras;
  return `${extras}
     UNION ALL
     SELECT '${OUTSIDE_CLASS}', ${columnList(key, 't')}, NULL::tid FROM ${target} AS t
     WHERE ${userFilter(options.where)} AND ${notIn(stagedUnder(staged, options.where))}
       AND EXISTS (SELECT 1 FROM ${whole} AS o WHERE ${keyEquals(key, 't', 'o')})`;
}

/**
 * Classifies every staged key against the target into a new temporary plan table and ANALYZEs it.
 * missing: staged key absent from the target; changed: present with a different text in some staged
 * column (key columns included: their own equality may call different texts equal, 1.0 = 1.00, and the
 * source's text must win); extra: see extraRows. `same` rows (no difference) are only counted: nothing
 * reads them, and after a partial loss they are most of the table, which every later step would scan.
 */
async function createPlanTable(
  session: PgSession,
  staged: Staged,
  options: ClassifyOptions,
  onCommitDrop: boolean,
): Promise<{ table: string; key: string[]; classColumn: string; rowColumn: string; considered: number }> {
  const key = requireKey(staged.target);
  const table = tempName(session, 'plan');
  const classColumn = quoteIdent(freeName('rowback_class', key));
  const rowColumn = quoteIdent(freeName('rowback_row', key));
  // The staged row's ctid: under a filter the staged rows come through a subquery, which carries it along.
  const stagedRow = freeName('rowback_row', staged.columns);
  const from = options.where
    ? `(SELECT x.*, x.ctid AS ${quoteIdent(stagedRow)} FROM ${stagedTable(staged)} AS x WHERE ${userFilter(options.where)})`
    : stagedTable(staged);
  await avoidNestedLoops(session.client);
  await session.client.query(
    `CREATE TEMP TABLE ${table.slice('pg_temp.'.length)} ${onCommitDrop ? 'ON COMMIT DROP' : ''} AS
     SELECT CASE WHEN t.ctid IS NULL THEN ${classUnder('missing', staged, options, key)}
                 ELSE ${classUnder('changed', staged, options, key)} END
              AS ${classColumn}, ${columnList(key, 's')},
            ${options.where ? `s.${quoteIdent(stagedRow)}` : 's.ctid'} AS ${rowColumn}
     FROM ${from} AS s LEFT JOIN ${quoteTable(staged.target.ref)} AS t ON ${keyEquals(key, 't', 's')}
     WHERE t.ctid IS NULL OR ${differentText(comparedColumns({ staged, columns: options.columns }), 's', 't')}
     UNION ALL
     ${extraRows(staged, options, key)}`,
  );
  await session.client.query(`ANALYZE ${table}`);
  const considered = await stagedCount(session, staged, options.where);
  return { table, key, classColumn, rowColumn, considered };
}

/** How many staged rows are under `where` (all of them without one). */
async function stagedCount(session: PgSession, staged: Staged, where: string | undefined): Promise<number> {
  if (where === undefined) return staged.rows;
  const found = await session.client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${stagedUnder(staged, where)} AS s`,
  );
  return Number(found.rows[0]!.n);
}

/**
 * Classifies staged rows. Inside the write transaction the plan table ends with it; outside, it is built
 * in a REPEATABLE READ snapshot together with a fingerprint of the target, so the apply can tell whether
 * anything was written since (`unchanged`) and skip classifying again under its lock.
 */
export async function classify(session: PgSession, staged: Staged, options: ClassifyOptions): Promise<Plan> {
  const where = options.where;
  if (session.inTransaction) {
    const built = await createPlanTable(session, staged, options, true);
    return new PgPlan(
      staged,
      where,
      options.absent,
      built.table,
      built.key,
      built.classColumn,
      built.rowColumn,
      built.considered,
      undefined,
      options,
    );
  }
  const { client } = session;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const fingerprint = await takeFingerprint(client, staged.target);
    const built = await createPlanTable(session, staged, options, false);
    await client.query('COMMIT');
    return new PgPlan(
      staged,
      where,
      options.absent,
      built.table,
      built.key,
      built.classColumn,
      built.rowColumn,
      built.considered,
      fingerprint,
      options,
    );
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw mapError(error, `classifying the rows of ${staged.target.ref.schema}.${staged.target.ref.name}`, {
      interrupted: session.cancelled,
    });
  }
}

/** Counts per class of a plan table. */
export async function counts(session: PgSession, plan: PgPlan): Promise<PlanCounts> {
  const found = await session.client.query<{ class: string; n: string }>(
    `SELECT ${plan.classColumn} AS class, count(*)::text AS n FROM ${plan.table} GROUP BY 1`,
  );
  const result: PlanCounts = { missing: 0, changed: 0, extra: 0, same: 0 };
  for (const row of found.rows) tally(result, row.class, Number(row.n));
  const excluded = (result.excluded?.missing ?? 0) + (result.excluded?.changed ?? 0);
  result.same = Math.max(0, plan.considered - result.missing - result.changed - excluded);
  return result;
}

export async function dropPlan(session: PgSession, plan: PgPlan): Promise<void> {
  if (session.closed) return;
  await session.client.query(`DROP TABLE IF EXISTS ${plan.table}`);
}

/** Staged rows of some classes, as a FROM item aliased `s`. */
export function stagedOfClasses(plan: PgPlan, classes: RowClass[]): string {
  const list = classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
  return `(SELECT s.* FROM ${stagedTable(plan.staged)} AS s JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 's')}
           WHERE p.${plan.classColumn} IN (${list})) AS s`;
}
