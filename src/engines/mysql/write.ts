import { RowbackError } from '../../core/errors.js';
import type { RowClass } from '../../core/plan.js';
import { comparedColumns } from '../../core/restrict.js';
import { countingRows } from '../../core/rows.js';
import { imageColumns, isGenerated, type TableSchema } from '../../core/table.js';
import type { RowStream, StageOptions } from '../engine.js';
import { checkedRows, textGuard } from './charsets.js';
import type { Session } from './connect.js';
import { errorCode } from './errors.js';
import { foreignKeyChecksOff } from './lock.js';
import { CLASS, inClasses, type MysqlPlan, planWithStaged } from './plan.js';
import { encodeRows } from './read.js';
import { suspendSelfReferenceChecks } from './self-references.js';
import { columnList, exactList, keyEquals, quoteIdent, quoteTable } from './sql.js';
import { columnTypes, loadRows, SKIPPED } from './stage.js';

/** The staged columns an INSERT or UPDATE sets: a generated key column is staged to match by, never written. */
export function writtenColumns(target: TableSchema, columns: string[]): string[] {
  return columns.filter((c) => !isGenerated(target, c));
}

/**
 * The target's current rows of some classes, all writable columns and generated key columns, as exact text (FLOAT and DOUBLE
 * through a DOUBLE, text checked to survive the trip to UTF-8): what the undo file keeps.
 */
export function image(session: Session, plan: MysqlPlan, classes: RowClass[]): RowStream {
  const target = plan.staged.target;
  const columns = imageColumns(target).map((c) => c.name);
  const guard = textGuard(target, columns, 't');
  const sql = `SELECT ${exactList(target, columns, 't')}${guard ? `, ${guard.sql}` : ''}
    FROM ${quoteIdent(plan.table)} p JOIN ${quoteTable(target.ref)} t ON ${keyEquals(plan.key, 't', 'p')}
    WHERE ${inClasses(plan, classes)}`;
  const doing = `while reading the ${classes.join(' and ')} rows of ${target.ref.schema}.${target.ref.name}`;
  return wrapped(session, encodeRows(checkedRows(session.stream(sql), guard, target)), doing);
}

async function* wrapped(session: Session, rows: RowStream, doing: string): RowStream {
  try {
    yield* rows;
  } catch (error) {
    throw session.wrap(error, doing);
  }
}

/**
 * Runs one write with the foreign key checks of a table that references itself suspended (see
 * suspendSelfReferenceChecks), so a statement may write a child row before its parent row; every key
 * into and out of the table is searched for a dangling row right after.
 */
async function withSelfReferences(session: Session, target: TableSchema, write: () => Promise<number>) {
  const resume = await suspendSelfReferenceChecks(session, target, foreignKeyChecksOff(session));
  const rows = await write();
  await resume();
  return rows;
}

/** Inserts the staged rows of class `missing`, in the order they were staged. */
export function insertMissing(session: Session, plan: MysqlPlan): Promise<number> {
  const { staged } = plan;
  const target = staged.target;
  return withSelfReferences(session, target, async () => {
    const columns = writtenColumns(target, staged.columns);
    const sql = `INSERT INTO ${quoteTable(target.ref)} (${columnList(columns)})
      SELECT ${columnList(columns, 's')} FROM ${planWithStaged(plan)}
      WHERE ${inClasses(plan, ['missing'])} ORDER BY p.${quoteIdent(plan.names.row)}`;
    const outcome = await session.exec(sql).catch((error: unknown) => {
      throw duplicateKeys(error, target);
    });
    return outcome.affectedRows;
  });
}

/**
 * Sets every staged column (the plan's compared ones under `--columns`) of the target rows of class `changed`, key columns too: the key's collation
 * may match a different text ('a' = 'A'), and the source's text must win.
 */
export function updateChanged(session: Session, plan: MysqlPlan): Promise<number> {
  const { staged } = plan;
  const set = writtenColumns(staged.target, comparedColumns(plan))
    .map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`)
    .join(', ');
  const row = quoteIdent(plan.names.row);
  if (!set) return Promise.resolve(0);
  return withSelfReferences(session, staged.target, async () => {
    const outcome = await session.exec(
      `UPDATE ${quoteTable(staged.target.ref)} t JOIN ${quoteIdent(plan.table)} p ON ${keyEquals(plan.key, 't', 'p')}
       JOIN ${quoteIdent(staged.table)} s ON s.${row} = p.${row} SET ${set} WHERE p.${quoteIdent(plan.names.rowClass)} = '${CLASS.changed}'`,
    );
    return outcome.affectedRows;
  });
}

export function deleteExtra(session: Session, plan: MysqlPlan): Promise<number> {
  const target = plan.staged.target;
  const t = quoteTable(target.ref);
  return withSelfReferences(session, target, async () => {
    const outcome = await session.exec(
      `DELETE t FROM ${t} t JOIN ${quoteIdent(plan.table)} p ON ${keyEquals(plan.key, 't', 'p')}
       WHERE p.${quoteIdent(plan.names.rowClass)} = '${CLASS.extra}'`,
    );
    return outcome.affectedRows;
  });
}

/**
 * LOAD DATA (INSERTs where LOCAL is off) straight into the locked table: empty on the direct path, holding
 * rows on the ordered merge. LOCAL skips a row whose key the table holds and only warns; any warning fails
 * the load (see loadRows), and the rows the server took must be every row sent, so a skipped row is an
 * error (the transaction rolls back, nothing written) and never a silent gap.
 */
export async function copyIn(
  session: Session,
  target: TableSchema,
  rows: RowStream,
  options: StageOptions,
): Promise<number> {
  // An origin field is read into nothing: a MySQL partitioned table is one table to reads and writes.
  const fields = options.origin ? [...options.columns, SKIPPED] : options.columns;
  const name = `${target.ref.schema}.${target.ref.name}`;
  let sent = 0;
  const outcome = await loadRows(
    session,
    quoteTable(target.ref),
    fields,
    countingRows(rows, (total) => {
      sent = total;
    }),
    name,
    columnTypes(target, fields),
  );
  if (outcome.affectedRows !== sent) {
    throw new RowbackError(
      'internal',
      `${name} took ${outcome.affectedRows} of the ${sent} rows sent to it (${outcome.info}); nothing was written.`,
      {
        hint: 'A row to insert found its key already there: run the restore again, and report this as a bug if it recurs.',
      },
    );
  }
  return outcome.affectedRows;
}

/**
 * A duplicate key while inserting rows whose keys were all missing. On the key's own index: the source
 * holds keys that differ in its collation but are equal in the target key's (say 'a' and 'A' under `_ci`).
 * On another unique index: a row to restore collides with a row of the target, often one written since.
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
