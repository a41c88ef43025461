import type { RowClass } from '../../core/plan.js';
import { comparedColumns } from '../../core/restrict.js';
import { type TableSchema, writableColumns } from '../../core/table.js';
import type { Plan, ScriptSteps } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { literalOf } from './literals.js';
import { asSqlitePlan, type SqlitePlan } from './plan.js';
import {
  byteOrder,
  columnList,
  fieldOf,
  freeName,
  keyEquals,
  quoteIdent,
  quoteString,
  quoteTable,
  sameText,
} from './sql.js';
import { stagedTable } from './stage.js';

const BATCH = 500;
const SOURCE = '"temp"."rowback_source"';
const EXPECTED = '"temp"."rowback_expected"';
const RESULT = '"temp"."rowback_result"';
const STOP = '"temp"."rowback_stop"';
const REFERENCED = '"temp"."rowback_referenced"';

function classList(classes: RowClass[]): string {
  return classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
}

/** The work tables' class column, named so that no column of the table is shadowed. */
function classColumn(plan: SqlitePlan): string {
  const taken = [...plan.staged.columns, ...plan.staged.target.columns.map((c) => c.name)];
  return quoteIdent(freeName('rowback_class', taken));
}

/**
 * Rows of a SELECT of field texts as `INSERT INTO table VALUES …` statements of BATCH rows, each value an
 * exact literal (see literals.ts). The statement's rows are read a batch at a time.
 */
async function* inserts(session: SqliteSession, table: string, select: string): AsyncIterable<string> {
  const rows = session.db.prepare(select).raw(true).iterate() as IterableIterator<(Buffer | null)[]>;
  let batch: string[] = [];
  try {
    for (const row of rows) {
      batch.push(`  (${row.map(literalOf).join(', ')})`);
      if (batch.length >= BATCH) {
        yield `INSERT INTO ${table} VALUES\n${batch.join(',\n')};\n`;
        batch = [];
      }
    }
  } finally {
    rows.return?.();
  }
  if (batch.length) yield `INSERT INTO ${table} VALUES\n${batch.join(',\n')};\n`;
}

/**
 * Work tables without declared types (so a value keeps its storage class until it reaches the table): the
 * source rows to write with their class, the target rows as previewed, and the counts written.
 */
async function* load(session: SqliteSession, plan: SqlitePlan, classes: RowClass[], expected: RowClass[]) {
  const { staged, key } = plan;
  const target = staged.target;
  const cls = classColumn(plan);
  const order = byteOrder(key, 's');
  const fields = (alias: string, columns: string[]) =>
    columns.map((c) => fieldOf(`${alias}.${quoteIdent(c)}`));
  yield `CREATE TEMP TABLE rowback_source (${columnList(staged.columns)}, ${cls});\n`;
  yield* inserts(
    session,
    SOURCE,
    `SELECT ${[...fields('s', staged.columns), fieldOf(`p.${plan.classColumn}`)].join(', ')}
     FROM ${stagedTable(staged)} AS s JOIN ${plan.table} AS p ON ${keyEquals(key, 'p', 's', plan.collations)}
     WHERE p.${plan.classColumn} IN (${classList(classes)}) ORDER BY ${order}`,
  );
  const columns = writableColumns(target).map((c) => c.name);
  yield `CREATE TEMP TABLE rowback_expected (${columnList(columns)}, ${cls});\n` +
    `CREATE TEMP TABLE rowback_result (step TEXT, n INTEGER);\n`;
  yield* inserts(
    session,
    EXPECTED,
    `SELECT ${[...fields('s', columns), fieldOf(`p.${plan.classColumn}`)].join(', ')}
     FROM ${quoteTable(target.ref)} AS s JOIN ${plan.table} AS p ON ${keyEquals(key, 's', 'p', plan.collations)}
     WHERE p.${plan.classColumn} IN (${classList(expected)}) ORDER BY ${order}`,
  );
}

function pairs(left: string, leftColumns: string[], right: string, rightColumns: string[]): string {
  return leftColumns
    .map((c, i) => `${left}.${quoteIdent(c)} = ${right}.${quoteIdent(rightColumns[i]!)}`)
    .join(' AND ');
}

/**
 * SQL has no statement that fails on a condition outside a trigger, so a row inserted into a work table
 * whose CHECK refuses it stops the script (run with .bail on), naming the reason in the constraint.
 */
function checkParents(plan: SqlitePlan, classes: RowClass[]): string {
  const { staged } = plan;
  const target = staged.target;
  const cls = classColumn(plan);
  const checks = target.foreignKeys
    .filter((fk) => fk.columns.every((c) => staged.columns.includes(c)))
    .map((fk) => {
      const parent = { schema: fk.table.schema ?? target.ref.schema, name: fk.table.name };
      const self = parent.name.toLowerCase() === target.ref.name.toLowerCase();
      const why = `rowback: rows to write into ${target.ref.schema}.${target.ref.name} reference ${parent.schema}.${parent.name} rows that do not exist (${fk.name}); nothing was written`;
      return `INSERT INTO ${STOP} SELECT ${quoteString(why)} WHERE EXISTS (SELECT 1 FROM ${SOURCE} AS s WHERE s.${cls} IN (${classList(classes)})
  AND ${fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
  AND NOT EXISTS (SELECT 1 FROM ${quoteTable(parent)} AS x WHERE ${pairs('x', fk.referencedColumns, 's', fk.columns)})
  ${self ? `AND NOT EXISTS (SELECT 1 FROM ${SOURCE} AS s2 WHERE s2.${cls} IN (${classList(classes)}) AND ${pairs('s2', fk.referencedColumns, 's', fk.columns)})` : ''});\n`;
    });
  if (checks.length === 0) return '';
  return `CREATE TEMP TABLE rowback_stop (why TEXT, CONSTRAINT "rowback: a row to write references a missing parent; nothing was written" CHECK (why IS NULL));\n${checks.join('')}`;
}

function counted(step: string, statement: string): string {
  return `${statement};\nINSERT INTO ${RESULT} VALUES (${quoteString(step)}, changes());\n`;
}

function insertMissing(plan: SqlitePlan): string {
  const { staged, key } = plan;
  const t = quoteTable(staged.target.ref);
  const cls = classColumn(plan);
  return counted(
    'insert',
    `INSERT INTO ${t} (${columnList(staged.columns)}) SELECT ${columnList(staged.columns, 's')} FROM ${SOURCE} AS s
  WHERE s.${cls} = 'missing' AND NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${keyEquals(key, 't', 's', plan.collations)})`,
  );
}

/** Target rows still exactly as previewed (`e`, the expected work table) get written; others are skipped. */
function asPreviewed(plan: SqlitePlan, rowClass: RowClass): string {
  const columns = writableColumns(plan.staged.target).map((c) => c.name);
  return `e.${classColumn(plan)} = '${rowClass}' AND ${keyEquals(plan.key, 't', 'e', plan.collations)} AND ${sameText(columns, 't', 'e')}`;
}

function updateChanged(plan: SqlitePlan): string {
  const { staged } = plan;
  const set = comparedColumns(plan).map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`);
  if (set.length === 0) return '';
  return counted(
    'update',
    `UPDATE ${quoteTable(staged.target.ref)} AS t SET ${set.join(', ')} FROM ${SOURCE} AS s, ${EXPECTED} AS e
  WHERE s.${classColumn(plan)} = 'changed' AND ${keyEquals(plan.key, 't', 's', plan.collations)} AND ${asPreviewed(plan, 'changed')}`,
  );
}

/**
 * Stops the script when a row it is about to delete is referenced by a row of another table (or of this
 * one, not deleted with it), as the apply refuses: ON DELETE CASCADE or SET NULL would change rows nobody
 * previewed, and the rows referencing them may have been written after the script was.
 */
function refuseReferenced(plan: SqlitePlan): string {
  const target = plan.staged.target;
  const ref = target.ref;
  if (target.referencedBy.length === 0) return '';
  const cls = classColumn(plan);
  const columns = writableColumns(target).map((c) => c.name);
  const checks = target.referencedBy.map((fk) => {
    const child = { schema: fk.table.schema ?? ref.schema, name: fk.table.name };
    const self = child.schema === ref.schema && child.name.toLowerCase() === ref.name.toLowerCase();
    const why = `rowback: rows to delete from ${ref.schema}.${ref.name} are referenced by rows of ${child.schema}.${child.name} (${fk.name}); nothing was written`;
    const stillDoomed = `EXISTS (SELECT 1 FROM ${EXPECTED} AS e2 WHERE e2.${cls} = 'extra' AND ${keyEquals(plan.key, 'x', 'e2', plan.collations)} AND ${sameText(columns, 'x', 'e2')})`;
    return `INSERT INTO ${REFERENCED} SELECT ${quoteString(why)} WHERE EXISTS (SELECT 1 FROM ${quoteTable(child)} AS x
  JOIN ${quoteTable(ref)} AS t ON ${pairs('t', fk.referencedColumns, 'x', fk.columns)}
  JOIN ${EXPECTED} AS e ON ${asPreviewed(plan, 'extra')}${self ? `\n  WHERE NOT ${stillDoomed}` : ''});\n`;
  });
  return `CREATE TEMP TABLE rowback_referenced (why TEXT, CONSTRAINT "rowback: a row to delete is referenced by another row; nothing was written" CHECK (why IS NULL));\n${checks.join('')}`;
}

function deleteExtra(plan: SqlitePlan): string {
  return `${refuseReferenced(plan)}${counted(
    'delete',
    `DELETE FROM ${quoteTable(plan.staged.target.ref)} AS t WHERE EXISTS (SELECT 1 FROM ${EXPECTED} AS e WHERE ${asPreviewed(plan, 'extra')})`,
  )}`;
}

/** Inserts move an AUTOINCREMENT counter already; this covers a counter row that is missing or behind. */
function moveCounters(target: TableSchema): string {
  return target.sequences
    .map((seq) => {
      const largest = `(SELECT max(${quoteIdent(seq.column)}) FROM ${quoteTable(target.ref)})`;
      const sequences = `${quoteIdent(target.ref.schema)}.sqlite_sequence`;
      const name = quoteString(target.ref.name);
      return `UPDATE ${sequences} SET seq = ${largest} WHERE name = ${name} AND seq < ${largest};\n`;
    })
    .join('');
}

function report(intended: { inserted: number; updated: number; deleted: number }): string {
  const sum = (step: string) => `coalesce(sum(CASE WHEN step = '${step}' THEN n END), 0)`;
  const { inserted, updated, deleted } = intended;
  return `SELECT printf('rowback: inserted %d of %d, updated %d of %d, deleted %d of %d; %d row(s) skipped because they changed since this script was written',
    r.i, ${inserted}, r.u, ${updated}, r.d, ${deleted}, ${inserted + updated + deleted} - r.i - r.u - r.d) AS rowback
  FROM (SELECT ${sum('insert')} AS i, ${sum('update')} AS u, ${sum('delete')} AS d FROM ${RESULT}) AS r;\n`;
}

/** The script steps for the sqlite3 shell: see ScriptSteps. */
export function scriptSteps(session: SqliteSession): ScriptSteps {
  return {
    runWith: 'sqlite3 <database file> < <this file>',
    begin: async () =>
      '.bail on\n' +
      `.timeout ${session.lockTimeoutMs}\n` +
      'PRAGMA foreign_keys = ON;\n' +
      // The same lock as the apply: the whole file's write lock, taken before anything is read.
      'BEGIN IMMEDIATE;\n',
    load: (plan: Plan, classes: RowClass[], expected: RowClass[]) =>
      load(session, asSqlitePlan(plan), classes, expected),
    checkParents: async (plan: Plan, classes: RowClass[]) => checkParents(asSqlitePlan(plan), classes),
    insertMissing: async (plan: Plan) => insertMissing(asSqlitePlan(plan)),
    updateChanged: async (plan: Plan) => updateChanged(asSqlitePlan(plan)),
    deleteExtra: async (plan: Plan) => deleteExtra(asSqlitePlan(plan)),
    moveCounters: async (target: TableSchema) => moveCounters(target),
    report: async (intended) => report(intended),
    commit: async () => 'COMMIT;\n',
  };
}
