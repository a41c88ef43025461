import { RowbackError } from '../../core/errors.js';
import type { PlanCounts, RowClass } from '../../core/plan.js';
import { comparedColumns, keptClass, OUTSIDE_CLASS, type Restricted, tally } from '../../core/restrict.js';
import type { ClassifyOptions, KeyCheck, Plan, Staged } from '../engine.js';
import type { Session } from './connect.js';
import { errorCode } from './errors.js';
import { inTransaction } from './lock.js';
import {
  findColumn,
  keyEquals,
  quoteIdent,
  quoteTable,
  sameText,
  tempName,
  userFilter,
  type WorkNames,
} from './sql.js';
import { asMysqlStaged, indexPart, type MysqlStaged } from './stage.js';
import { keepChangedSince } from './unchanged-since.js';

/** The plan table's class codes. */
export const CLASS = { missing: 'm', changed: 'c', same: 's', extra: 'x' } as const;
/** Kept classes (`--target-where` did not hold): codes apart from CLASS's under a case-blind collation. */
export const KEPT = { missing: 'n', changed: 'k', extra: 'y', same: 's' } as const;
/** A target row under `where` whose key is staged outside it (see PlanCounts.outside): never written. */
export const OUTSIDE = 'o';

/** A classification materialised on the server: one row per key with its class and its staged row. */
export class MysqlPlan implements Plan {
  readonly columns: string[] | undefined;
  readonly targetWhere: string | undefined;
  constructor(
    readonly staged: MysqlStaged,
    readonly where: string | undefined,
    readonly absent: MysqlStaged | undefined,
    /** Unquoted temporary table name. */
    readonly table: string,
    readonly key: string[],
    /** Staged rows under the filter: those the plan table leaves out are `same`. */
    readonly considered: number,
    restricted: Restricted = {},
  ) {
    this.columns = restricted.columns;
    this.targetWhere = restricted.targetWhere;
  }

  /** The plan table's and the staged table's helper columns (names no target column has). */
  get names(): WorkNames {
    return this.staged.names;
  }
}

export function asMysqlPlan(plan: Plan): MysqlPlan {
  if (!(plan instanceof MysqlPlan))
    throw new RowbackError('internal', 'This plan belongs to another engine.');
  return plan;
}

/** The key columns of a staged table's target (throws RowbackError('no-key') without one). */
export function stagedKey(staged: Staged): string[] {
  const key = staged.target.key?.columns;
  if (!key || key.length === 0) {
    throw new RowbackError(
      'no-key',
      `${staged.target.ref.schema}.${staged.target.ref.name} has no primary key or unique NOT NULL key.`,
      { hint: 'Name the columns that identify a row with --key.' },
    );
  }
  const absent = key.filter((k) => !staged.columns.includes(k));
  if (absent.length > 0)
    throw new RowbackError('schema-mismatch', `The source rows lack key column(s) ${absent.join(', ')}.`);
  return key;
}

/** `p.class IN (…)` for some classes of a plan aliased `p`. */
export function inClasses(plan: MysqlPlan, classes: RowClass[]): string {
  const codes = classes.map((c) => `'${CLASS[c]}'`);
  return `p.${quoteIdent(plan.names.rowClass)} IN (${codes.length ? codes.join(', ') : 'NULL'})`;
}

/** `FROM plan p JOIN staged s`: each plan row of a staged key with the exact staged row it came from. */
export function planWithStaged(plan: MysqlPlan): string {
  const row = quoteIdent(plan.names.row);
  return `${quoteIdent(plan.table)} p JOIN ${quoteIdent(plan.staged.table)} s ON s.${row} = p.${row}`;
}

/** NULL and repeated key values on both sides, counted with the key's own equality (as GROUP BY does). */
export async function checkKey(session: Session, staged: Staged): Promise<KeyCheck> {
  const own = asMysqlStaged(staged);
  const key = stagedKey(own);
  const keys = key.map(quoteIdent).join(', ');
  const nulls = key.map((k) => `${quoteIdent(k)} IS NULL`).join(' OR ');
  // One statement per count: MySQL cannot open one temporary table twice in a query.
  const count = async (sql: string) => Number(await session.scalar(sql));
  const nullsOf = (table: string) => count(`SELECT COUNT(*) FROM ${table} WHERE ${nulls}`);
  const repeatsOf = (table: string) =>
    count(`SELECT COUNT(*) FROM (SELECT 1 FROM ${table} GROUP BY ${keys} HAVING COUNT(*) > 1) d`);
  const stagedTable = quoteIdent(own.table);
  const target = quoteTable(own.target.ref);
  return {
    sourceNulls: await nullsOf(stagedTable),
    sourceRepeats: await repeatsOf(stagedTable),
    targetNulls: await nullsOf(target),
    targetRepeats: await repeatsOf(target),
  };
}

/**
 * The staged rows under `where`, as a FROM item: a source that cannot filter (a dump file) stages every
 * row, so the filter applies here, to the staged copy, whose columns have the target's types.
 */
function stagedUnder(staged: MysqlStaged, where: string | undefined): string {
  const table = quoteIdent(staged.table);
  return where ? `(SELECT * FROM ${table} WHERE ${userFilter(where)})` : table;
}

/** A primary or unique NOT NULL key: at most one target row per staged row, and never NULL when matched. */
function uniqueKey(staged: MysqlStaged): boolean {
  return staged.target.key?.origin !== 'user';
}

/**
 * The staged rows that are not `same`, each as (class, staged row number, key): `same` rows are only
 * counted (see counts), since nothing reads them and after a partial loss they are most of the table.
 * With a unique key one LEFT JOIN probe of the target's key index decides a row's class; a user key may
 * match several target rows (one staged row must stay one plan row), so it asks EXISTS. "Changed"
 * compares every staged column's exact text as bytes, key columns included: their collation may call
 * different texts equal ('a' = 'A' under `_ci`), and the source's text must win.
 */
function classifiedRows(
  staged: MysqlStaged,
  key: string[],
  target: string,
  options: ClassifyOptions,
): string {
  const same = sameText(staged.target, comparedColumns({ staged, columns: options.columns }), 't', 's');
  const missing = classUnder('missing', staged, options, key, 's');
  const changed = classUnder('changed', staged, options, key, 's');
  const fields = `s.${quoteIdent(staged.names.row)}, ${key.map((k) => `s.${quoteIdent(k)}`).join(', ')}`;
  const from = stagedUnder(staged, options.where);
  if (uniqueKey(staged)) {
    const absent = `t.${quoteIdent(key[0]!)} IS NULL`;
    return `SELECT CASE WHEN ${absent} THEN ${missing} ELSE ${changed} END, ${fields}
       FROM ${from} s LEFT JOIN ${target} t ON ${keyEquals(key, 't', 's')}
       WHERE ${absent} OR NOT (${same})`;
  }
  const code = quoteIdent(staged.names.rowClass);
  return `SELECT * FROM (SELECT CASE
       WHEN NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keyEquals(key, 't', 's')}) THEN ${missing}
       WHEN EXISTS (SELECT 1 FROM ${target} t WHERE ${keyEquals(key, 't', 's')} AND ${same}) THEN '${CLASS.same}'
       ELSE ${changed} END AS ${code}, ${fields} FROM ${from} s) c WHERE c.${code} <> '${CLASS.same}'`;
}

/**
 * The class code of a row of `rowClass`: its kept code when `--target-where` does not hold on the
 * target's current row matching `alias`'s key (evaluated over the target alone: the staged row's columns
 * share its names). A missing row has no current row: always kept under a `targetWhere`.
 */
function classUnder(
  rowClass: 'missing' | 'changed' | 'extra',
  staged: MysqlStaged,
  options: ClassifyOptions,
  key: string[],
  alias: string,
): string {
  const { targetWhere } = options;
  if (targetWhere === undefined) return `'${CLASS[rowClass]}'`;
  if (rowClass === 'missing') return `'${KEPT.missing}'`;
  const holds = `EXISTS (SELECT 1 FROM ${quoteTable(staged.target.ref)} rowback_now
    WHERE ${keyEquals(key, 'rowback_now', alias)} AND ${userFilter(targetWhere)})`;
  return `CASE WHEN ${holds} THEN '${CLASS[rowClass]}' ELSE '${KEPT[rowClass]}' END`;
}

/**
 * The extra rows: target keys under `where` not staged; with `absent`, only keys listed there. A key
 * staged outside `where` (the source's row does not match it, the target's does now) is not extra: it
 * gets OUTSIDE afterwards (see markOutside), so it is never deleted. The core stages the whole source
 * when that must be known.
 */
function extraRows(staged: MysqlStaged, options: ClassifyOptions, key: string[]): string {
  const target = quoteTable(staged.target.ref);
  const keys = key.map((k) => `t.${quoteIdent(k)}`).join(', ');
  const notStaged = `NOT EXISTS (SELECT 1 FROM ${stagedUnder(staged, options.where)} s WHERE ${keyEquals(key, 's', 't')})`;
  const extra = classUnder('extra', staged, options, key, 't');
  if (options.absent) {
    // Driven from the listed keys: an undo touches a few keys of what may be a very large table. The
    // filter sits in a subquery over the target alone: the absent keys' columns share its names.
    const absent = asMysqlStaged(options.absent);
    const under = options.where ? `(SELECT * FROM ${target} WHERE ${userFilter(options.where)})` : target;
    return `SELECT DISTINCT ${extra}, ${keys}
            FROM ${quoteIdent(absent.table)} a JOIN ${under} t ON ${keyEquals(key, 't', 'a')}
            WHERE ${notStaged}`;
  }
  return `SELECT ${extra}, ${keys} FROM ${target} t WHERE ${userFilter(options.where)} AND ${notStaged}`;
}

/**
 * Classifies every staged row against the target on the server into a new temporary plan table (class,
 * staged row number, key), which every later step joins instead of comparing again. Keys match with the
 * key's own collation (`<=>`); values compare as exact bytes. Read-only for the target.
 */
export async function classify(
  session: Session,
  staged: Staged,
  options: ClassifyOptions,
): Promise<MysqlPlan> {
  if (inTransaction(session)) return createPlanTable(session, staged, options);
  // Outside the write transaction (a preview), read the target without locking it: in REPEATABLE READ an
  // INSERT … SELECT takes shared locks on every target row it reads, so the preview would wait for any
  // open writer and hold up writers itself. READ COMMITTED reads the latest committed rows instead. A
  // server logging statements (binlog_format=STATEMENT) refuses that for InnoDB, and keeps the old way.
  try {
    await session.exec('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await session.exec('START TRANSACTION');
    const plan = await createPlanTable(session, staged, options);
    await session.exec('COMMIT');
    return plan;
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => {});
    if (errorCode(error) !== 'ER_BINLOG_STMT_MODE_AND_ROW_ENGINE') throw error;
    return createPlanTable(session, staged, options);
  }
}

async function createPlanTable(
  session: Session,
  staged: Staged,
  options: ClassifyOptions,
): Promise<MysqlPlan> {
  const own = asMysqlStaged(staged);
  const key = stagedKey(own);
  const target = quoteTable(own.target.ref);
  const name = tempName('plan');
  const plan = quoteIdent(name);
  const rowClass = quoteIdent(own.names.rowClass);
  const row = quoteIdent(own.names.row);
  const keyDefs = key.map((k) => `${quoteIdent(k)} ${findColumn(own.target, k)!.type} NULL`);
  await session.exec(
    `CREATE TEMPORARY TABLE ${plan} (${rowClass} CHAR(1) CHARACTER SET ascii NOT NULL, ${row} BIGINT NULL, ${keyDefs.join(', ')},
     INDEX (${row}), INDEX (${key.map((k) => indexPart(own.target, k)).join(', ')}))`,
  );
  try {
    const keys = key.map(quoteIdent);
    await session.exec(
      `INSERT INTO ${plan} (${rowClass}, ${row}, ${keys.join(', ')}) ${classifiedRows(own, key, target, options)}`,
    );
    await session.exec(
      `INSERT INTO ${plan} (${rowClass}, ${keys.join(', ')}) ${extraRows(own, options, key)}`,
    );
    if (options.where !== undefined) await markOutside(session, own, name, key);
    if (options.unchangedSince) {
      await keepChangedSince(session, name, own, asMysqlStaged(options.unchangedSince), key);
    }
  } catch (error) {
    await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${plan}`).catch(() => {});
    throw error;
  }
  const absent = options.absent === undefined ? undefined : asMysqlStaged(options.absent);
  const considered = options.where
    ? Number(await session.scalar(`SELECT COUNT(*) FROM ${stagedUnder(own, options.where)} s`))
    : own.rows;
  return new MysqlPlan(own, options.where, absent, name, key, considered, options);
}

/**
 * Re-classes the extra rows whose key is staged at all (outside `where`) as OUTSIDE. A statement of its
 * own: MySQL cannot open one temporary table twice in a query, and the extra rows read the staged one.
 */
async function markOutside(session: Session, staged: MysqlStaged, plan: string, key: string[]) {
  const rowClass = quoteIdent(staged.names.rowClass);
  await session.exec(
    `UPDATE ${quoteIdent(plan)} p SET p.${rowClass} = '${OUTSIDE}'
     WHERE p.${rowClass} IN ('${CLASS.extra}', '${KEPT.extra}') AND p.${quoteIdent(staged.names.row)} IS NULL
       AND EXISTS (SELECT 1 FROM ${quoteIdent(staged.table)} o WHERE ${keyEquals(key, 'o', 'p')})`,
  );
}

/** Counts per class of a plan table. */
export async function counts(session: Session, plan: MysqlPlan): Promise<PlanCounts> {
  const rowClass = quoteIdent(plan.names.rowClass);
  const result: PlanCounts = { missing: 0, changed: 0, extra: 0, same: 0 };
  const rows = await session.text(
    `SELECT ${rowClass}, COUNT(*) FROM ${quoteIdent(plan.table)} GROUP BY ${rowClass}`,
  );
  for (const [code, n] of rows) {
    const name = (Object.keys(CLASS) as (keyof typeof CLASS)[]).find((k) => CLASS[k] === code);
    const kept = (Object.keys(KEPT) as (keyof typeof KEPT)[]).find((k) => KEPT[k] === code);
    if (code === OUTSIDE) tally(result, OUTSIDE_CLASS, Number(n));
    else if (name) tally(result, name, Number(n));
    else if (kept) tally(result, keptClass(kept), Number(n));
  }
  const excluded = (result.excluded?.missing ?? 0) + (result.excluded?.changed ?? 0);
  result.same = Math.max(0, plan.considered - result.missing - result.changed - excluded);
  return result;
}

/**
 * Nothing in MySQL tells cheaply whether a table was written since a moment outside a transaction (no
 * row versions to read, no snapshot to carry into the next transaction), so the apply classifies again
 * under its lock.
 */
export async function unchanged(): Promise<boolean> {
  return false;
}

export async function dropPlan(session: Session, plan: MysqlPlan): Promise<void> {
  await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdent(plan.table)}`);
}
