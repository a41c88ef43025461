import { RowbackError } from '../../core/errors.js';
import type { PlanCounts, RowClass } from '../../core/plan.js';
import { comparedColumns, keptClass, OUTSIDE_CLASS, type Restricted, tally } from '../../core/restrict.js';
import type { TableSchema } from '../../core/table.js';
import type { ClassifyOptions, KeyCheck, Plan, Staged } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { keyCollations } from './describe.js';
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

/** A classification materialised in the temp database: one row per key with its class. */
export class SqlitePlan implements Plan {
  readonly columns: string[] | undefined;
  readonly targetWhere: string | undefined;
  /** Rows per class, once counted: the plan table never changes after it is made. */
  counted: PlanCounts | undefined;
  constructor(
    readonly staged: Staged,
    readonly where: string | undefined,
    readonly absent: Staged | undefined,
    /** Quoted work table name. */
    readonly table: string,
    readonly key: string[],
    /** The key's collation per column (see keyEquals). */
    readonly collations: string[],
    /** The quoted column holding each key's class (a name no key column has). */
    readonly classColumn: string,
    /** For a plan built outside a transaction: `PRAGMA data_version` as it read the target (see unchanged). */
    readonly dataVersion?: string,
    restricted: Restricted = {},
  ) {
    this.columns = restricted.columns;
    this.targetWhere = restricted.targetWhere;
  }
}

export function asSqlitePlan(plan: Plan): SqlitePlan {
  if (!(plan instanceof SqlitePlan))
    throw new RowbackError('internal', 'This plan belongs to another engine.');
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

/** NULL and repeated key values on both sides; repeats counted under the key's collation, as the joins match. */
export function checkKey(session: SqliteSession, staged: Staged): KeyCheck {
  const key = requireKey(staged.target);
  const collations = keyCollations(session.db, staged.target);
  const nulls = key.map((k) => `x.${quoteIdent(k)} IS NULL`).join(' OR ');
  const group = key
    .map((k, i) => `x.${quoteIdent(k)} COLLATE ${quoteIdent(collations[i] ?? 'BINARY')}`)
    .join(', ');
  const counts = (table: string) =>
    `(SELECT count(*) FROM ${table} AS x WHERE ${nulls}),
     (SELECT count(*) FROM (SELECT 1 FROM ${table} AS x GROUP BY ${group} HAVING count(*) > 1))`;
  const found = session.db
    .prepare(`SELECT ${counts(stagedTable(staged))}, ${counts(quoteTable(staged.target.ref))}`)
    .raw(true)
    .get() as bigint[];
  const [sourceNulls, sourceRepeats, targetNulls, targetRepeats] = found.map(Number);
  return {
    sourceNulls: sourceNulls!,
    sourceRepeats: sourceRepeats!,
    targetNulls: targetNulls!,
    targetRepeats: targetRepeats!,
  };
}

/** The staged rows under `where` (a source that cannot filter stages every row; the filter applies here). */
function stagedUnder(staged: Staged, where: string | undefined): string {
  const table = stagedTable(staged);
  return where ? `(SELECT * FROM ${table} WHERE ${userFilter(where)})` : table;
}

/**
 * The class a row of `rowClass` gets: its kept class when `--target-where` does not hold on the target's
 * current row of alias `t` (evaluated over the target alone, matched by key: the staged row's columns
 * share its names). A missing row has no current row: always kept under a `targetWhere`.
 */
function classUnder(
  rowClass: RowClass,
  staged: Staged,
  options: ClassifyOptions,
  key: string[],
  collations: string[],
): string {
  const { targetWhere } = options;
  if (targetWhere === undefined) return `'${rowClass}'`;
  if (rowClass === 'missing') return `'${keptClass(rowClass)}'`;
  const holds = `EXISTS (SELECT 1 FROM ${quoteTable(staged.target.ref)} AS rowback_now
    WHERE ${keyEquals(key, 'rowback_now', 't', collations)} AND ${userFilter(targetWhere)})`;
  return `CASE WHEN ${holds} THEN '${rowClass}' ELSE '${keptClass(rowClass)}' END`;
}

/**
 * The extra rows: target keys under `where` not staged; with `absent`, only keys listed there. A key
 * staged outside `where` (the source's row does not match it, the target's does now) is not extra: it
 * gets OUTSIDE_CLASS, so it is never deleted. The core stages the whole source when that must be known.
 */
function extraRows(staged: Staged, options: ClassifyOptions, key: string[], collations: string[]): string {
  const extra = outsideOr(
    classUnder('extra', staged, options, key, collations),
    staged,
    options,
    key,
    collations,
  );
  const source = stagedUnder(staged, options.where);
  const target = quoteTable(staged.target.ref);
  const notStaged = (alias: string) =>
    `NOT EXISTS (SELECT 1 FROM ${source} AS s WHERE ${keyEquals(key, alias, 's', collations)})`;
  if (options.absent) {
    const under = options.where ? `(SELECT * FROM ${target} WHERE ${userFilter(options.where)})` : target;
    return `SELECT DISTINCT ${extra}, ${columnList(key, 't')}
            FROM ${stagedTable(options.absent)} AS a JOIN ${under} AS t ON ${keyEquals(key, 't', 'a', collations)}
            WHERE ${notStaged('t')}`;
  }
  return `SELECT ${extra}, ${columnList(key, 't')} FROM ${target} AS t
          WHERE ${userFilter(options.where)} AND ${notStaged('t')}`;
}

/** `extra`, unless the key of the target row `t` is staged at all (under `where` or not). */
function outsideOr(
  extra: string,
  staged: Staged,
  options: ClassifyOptions,
  key: string[],
  collations: string[],
): string {
  if (options.where === undefined) return extra;
  const anywhere = `EXISTS (SELECT 1 FROM ${stagedTable(staged)} AS o WHERE ${keyEquals(key, 't', 'o', collations)})`;
  return `CASE WHEN ${anywhere} THEN '${OUTSIDE_CLASS}' ELSE ${extra} END`;
}

/**
 * Classifies every staged key against the target into a work table: missing (key absent from the target),
 * changed (some staged column's exact text differs, key columns included: integer 1 and real 1.0 are one
 * key but not one value), same, and extra (see extraRows). A key column is never NULL in a matched target
 * row, so a NULL there means no match, in rowid and WITHOUT ROWID tables alike.
 */
function createPlanTable(session: SqliteSession, staged: Staged, options: ClassifyOptions) {
  const key = requireKey(staged.target);
  const collations = keyCollations(session.db, staged.target);
  const table = tempName(session, 'plan');
  const classColumn = quoteIdent(freeName('rowback_class', key));
  const probe = `t.${quoteIdent(key[0]!)}`;
  session.db.exec(
    `CREATE TABLE ${table} AS
     SELECT CASE WHEN ${probe} IS NULL THEN ${classUnder('missing', staged, options, key, collations)}
                 WHEN ${differentText(comparedColumns({ staged, columns: options.columns }), 's', 't')}
                 THEN ${classUnder('changed', staged, options, key, collations)} ELSE 'same' END
              AS ${classColumn}, ${columnList(key, 's')}
     FROM ${stagedUnder(staged, options.where)} AS s LEFT JOIN ${quoteTable(staged.target.ref)} AS t ON ${keyEquals(key, 't', 's', collations)}
     UNION ALL
     ${extraRows(staged, options, key, collations)}`,
  );
  const parts = key.map((k, i) => `${quoteIdent(k)} COLLATE ${quoteIdent(collations[i] ?? 'BINARY')}`);
  session.db.exec(
    `CREATE INDEX ${table.replace(/"$/, '_key"')} ON ${table.slice('"temp".'.length)} (${parts.join(', ')})`,
  );
  session.db.exec(`ANALYZE ${table}`);
  return { table, key, collations, classColumn };
}

/**
 * Classifies staged rows. Outside the write transaction it reads the target in one read transaction and
 * notes `PRAGMA data_version`, which changes when another connection commits to the file: the apply can
 * then tell whether anything was written since (`unchanged`) and skip classifying again under its lock.
 */
export function classify(session: SqliteSession, staged: Staged, options: ClassifyOptions): Plan {
  const where = options.where;
  const { db } = session;
  if (session.inTransaction) {
    const built = createPlanTable(session, staged, options);
    return new SqlitePlan(
      staged,
      where,
      options.absent,
      built.table,
      built.key,
      built.collations,
      built.classColumn,
      undefined,
      options,
    );
  }
  db.exec('BEGIN');
  try {
    const version = String(db.pragma('data_version', { simple: true }));
    const built = createPlanTable(session, staged, options);
    db.exec('COMMIT');
    return new SqlitePlan(
      staged,
      where,
      options.absent,
      built.table,
      built.key,
      built.collations,
      built.classColumn,
      version,
      options,
    );
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** Rows per class. */
export function counts(session: SqliteSession, plan: SqlitePlan): PlanCounts {
  // The preview counts, then the apply that reuses its plan: one scan of a million rows is enough.
  if (plan.counted) return structuredClone(plan.counted);
  const found = session.db
    .prepare(`SELECT ${plan.classColumn} AS class, count(*) AS n FROM ${plan.table} GROUP BY 1`)
    .all() as { class: string; n: bigint }[];
  const result: PlanCounts = { missing: 0, changed: 0, extra: 0, same: 0 };
  for (const row of found) tally(result, row.class, Number(row.n));
  plan.counted = structuredClone(result);
  return result;
}

export function dropPlan(session: SqliteSession, plan: SqlitePlan): void {
  if (session.closed) return;
  session.db.exec(`DROP TABLE IF EXISTS ${plan.table}`);
}

/**
 * True when no other connection has committed to the file since the plan read it (`PRAGMA data_version`
 * is the same), so the plan still holds. Called under BEGIN IMMEDIATE, so no writer can slip in after.
 */
export function unchanged(session: SqliteSession, plan: SqlitePlan): boolean {
  if (plan.dataVersion === undefined) return false;
  // The write lock is taken, but data_version is only read again once the transaction reads the file.
  session.db.prepare(`SELECT 1 FROM ${quoteTable(plan.staged.target.ref)} LIMIT 1`).get();
  return String(session.db.pragma('data_version', { simple: true })) === plan.dataVersion;
}

/** Staged rows of some classes, as a FROM item aliased `s`. */
export function stagedOfClasses(plan: SqlitePlan, classes: RowClass[]): string {
  const list = classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
  return `(SELECT s.* FROM ${stagedTable(plan.staged)} AS s JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 's', plan.collations)}
           WHERE p.${plan.classColumn} IN (${list})) AS s`;
}
