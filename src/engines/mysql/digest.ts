import type { RowClass, SampleRow } from '../../core/plan.js';
import { imageColumns, type TableSchema } from '../../core/table.js';
import type { Drift, Plan, RowStream, Staged } from '../engine.js';
import { checkedRows, textGuard } from './charsets.js';
import type { Session } from './connect.js';
import { asMysqlPlan, inClasses } from './plan.js';
import { encodeRows } from './read.js';
import { showValue } from './samples.js';
import {
  asBytes,
  byteOrder,
  exactList,
  exactValue,
  findColumn,
  freeName,
  keyEquals,
  quoteIdent,
  quoteTable,
} from './sql.js';
import { asMysqlStaged, columnTypes, createStageTable, loadRows, MysqlStaged } from './stage.js';

/** How rows are digested (see `digestOf`); a new way needs a new name. */
export const MYSQL_DIGEST = 'mysql-md5-lengths-1';

/**
 * MD5 of the row's values as bytes, each one its byte length, `:` and its bytes (the exact text FLOAT
 * and DOUBLE get through a DOUBLE, see exactValue; a text in its column's own character set), NULL as
 * `N`: so NULL and '' differ, and 'a' differs from 'A' and 'a ' whatever the collation says. A row longer
 * than max_allowed_packet digests to NULL, which undo counts as changed.
 */
function digestOf(target: TableSchema, alias: string): string {
  const fields = imageColumns(target).map((c) => {
    const bytes = asBytes(exactValue(target, c.name, alias));
    return `IFNULL(CONCAT(LENGTH(${bytes}), ':', ${bytes}), 'N')`;
  });
  return `MD5(CONCAT(${fields.join(', ')}))`;
}

function keyOf(target: TableSchema): string[] {
  return target.key?.columns ?? [];
}

/** The key and digest of the target's rows: of a plan's classes, or all of them. */
export function digests(
  session: Session,
  target: TableSchema,
  of?: { plan: Plan; classes: RowClass[] },
): RowStream {
  const key = keyOf(target);
  const guard = textGuard(target, key, 't');
  let sql = `SELECT ${exactList(target, key, 't')}, ${digestOf(target, 't')}${guard ? `, ${guard.sql}` : ''}`;
  if (of) {
    const plan = asMysqlPlan(of.plan);
    sql += ` FROM ${quoteIdent(plan.table)} p JOIN ${quoteTable(target.ref)} t ON ${keyEquals(plan.key, 't', 'p')}
      WHERE ${inClasses(plan, of.classes)}`;
  } else sql += ` FROM ${quoteTable(target.ref)} t`;
  const doing = `while digesting the rows written to ${target.ref.schema}.${target.ref.name}`;
  return wrapped(session, encodeRows(checkedRows(session.stream(sql), guard, target)), doing);
}

async function* wrapped(session: Session, rows: RowStream, doing: string): RowStream {
  try {
    yield* rows;
  } catch (error) {
    throw session.wrap(error, doing);
  }
}

/** The staged digest column: a name no column of the target has. */
function digestColumn(target: TableSchema): string {
  return freeName(
    '__rowback_digest',
    target.columns.map((c) => c.name),
  );
}

/** Key columns with the target's definitions (and the staged key's index), then the digest. */
export async function stageDigests(session: Session, target: TableSchema, rows: RowStream): Promise<Staged> {
  const key = keyOf(target);
  const table = await createStageTable(session, target, key, false);
  const digest = digestColumn(target);
  await session.exec(
    `ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(digest)} CHAR(32) CHARACTER SET ascii NULL`,
  );
  const fields = [...key, digest];
  const outcome = await loadRows(
    session,
    quoteIdent(table),
    fields,
    rows,
    `the post-image of ${target.ref.schema}.${target.ref.name}`,
    columnTypes(target, fields),
  );
  return new MysqlStaged(target, key, false, outcome.affectedRows, table);
}

/**
 * Target rows that differ from staged digests, and keys of `absent` back in the target: counted class by
 * class (a temporary table can appear only once in a MySQL statement), then a few of each.
 */
export async function drift(
  session: Session,
  digests: Staged,
  absent: Staged,
  limit: number,
): Promise<Drift> {
  const staged = asMysqlStaged(digests);
  const target = staged.target;
  const key = keyOf(target);
  const table = quoteTable(target.ref);
  const s = quoteIdent(staged.table);
  const digest = `s.${quoteIdent(digestColumn(target))}`;
  const now = digestOf(target, 't');
  const classes: [RowClass, string, string][] = [
    [
      'changed',
      `FROM ${s} s JOIN ${table} t ON ${keyEquals(key, 't', 's')} WHERE ${now} IS NULL OR ${asBytes(now)} <> ${asBytes(digest)}`,
      's',
    ],
    [
      'missing',
      `FROM ${s} s WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${keyEquals(key, 't', 's')})`,
      's',
    ],
    [
      'extra',
      `FROM ${quoteIdent(asMysqlStaged(absent).table)} a JOIN ${table} t ON ${keyEquals(key, 't', 'a')}
       WHERE NOT EXISTS (SELECT 1 FROM ${s} s WHERE ${keyEquals(key, 't', 's')})`,
      't',
    ],
  ];
  const columns = imageColumns(target).map((c) => c.name);
  let rows = 0;
  const sample: SampleRow[] = [];
  for (const [rowClass, from, alias] of classes) {
    const found = Number(
      await session.scalar(
        `SELECT COUNT(*) FROM (SELECT DISTINCT ${exactList(target, key, alias)} ${from}) d`,
      ),
    );
    rows += found;
    const room = limit - sample.length;
    if (found === 0 || room <= 0) continue;
    const current = rowClass === 'missing' ? '' : `, ${exactList(target, columns, 't')}`;
    const few = await session.run(
      `SELECT ${exactList(target, key, alias)}${current} ${from}
       ORDER BY ${byteOrder(target, key, alias)} LIMIT ${Math.floor(room)}`,
    );
    for (const values of few) {
      const row: SampleRow = { class: rowClass, key: shown(target, key, values.slice(0, key.length)) };
      if (current) row.target = shown(target, columns, values.slice(key.length));
      sample.push(row);
    }
  }
  return { rows, sample };
}

function shown(
  target: TableSchema,
  names: string[],
  values: (Buffer | null)[],
): Record<string, string | null> {
  return Object.fromEntries(
    names.map((n, i) => [n, showValue(values[i] ?? null, findColumn(target, n)?.type ?? '')]),
  );
}
