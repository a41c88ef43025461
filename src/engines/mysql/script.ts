import type { RowClass } from '../../core/plan.js';
import { comparedColumns } from '../../core/restrict.js';
import { imageColumns, type TableSchema } from '../../core/table.js';
import type { Plan, ScriptSteps } from '../engine.js';
import type { Session } from './connect.js';
import { tableLockName } from './lock.js';
import { asMysqlPlan, CLASS, type MysqlPlan } from './plan.js';
import { load, work } from './script-load.js';
import { danglingChecks, selfReferences } from './self-references.js';
import { columnList, keyEquals, quoteIdent, quoteString, quoteTable, sameText } from './sql.js';
import { writtenColumns } from './write.js';

/**
 * The script stops with an error whose text is one of these column names: a single-row INSERT of NULL
 * into a NOT NULL column fails whatever the sql_mode, on MySQL and MariaDB alike, and the client prints
 * "Column '…' cannot be null" and stops. (SIGNAL works only inside stored programs on MySQL.)
 */
const STOPS = {
  busy: 'rowback: another rowback run is writing this table; run it later',
  parent: 'rowback: a row to write has no parent row; nothing was written',
  dangling: 'rowback: a write left a row without its parent; nothing written',
  referenced: 'rowback: a row to delete is referenced elsewhere; none written',
} as const;

/** A statement that stops the script (see STOPS) when `condition` holds. */
function stopIf(target: TableSchema, stop: keyof typeof STOPS, condition: string): string {
  return `INSERT INTO ${work(target, 'stop')} (${quoteIdent(STOPS[stop])}) VALUES (IF(${condition}, NULL, 1));\n`;
}

function codes(classes: RowClass[]): string {
  return classes.length ? classes.map((c) => `'${CLASS[c]}'`).join(', ') : 'NULL';
}

/** Stops the script when a row to write references a parent row that is neither there nor written. */
function checkParents(plan: MysqlPlan, classes: RowClass[]): string {
  const { staged } = plan;
  const target = staged.target;
  const source = work(target, 'source');
  const written = `s.${quoteIdent(plan.names.rowClass)} IN (${codes(classes)})`;
  let text = '';
  staged.target.foreignKeys
    .filter((fk) => classes.length > 0 && fk.columns.every((c) => staged.columns.includes(c)))
    .forEach((fk, n) => {
      const parent = { schema: fk.table.schema ?? target.ref.schema, name: fk.table.name };
      const self = parent.schema === target.ref.schema && parent.name === target.ref.name;
      const match = (alias: string) =>
        fk.columns
          .map((c, i) => `${alias}.${quoteIdent(fk.referencedColumns[i]!)} = s.${quoteIdent(c)}`)
          .join(' AND ');
      // The rows written count as parents too; copied, since MySQL cannot open one temporary table twice.
      const copy = work(target, `parents_${n}`);
      if (self) {
        text += `CREATE TEMPORARY TABLE ${copy} AS SELECT DISTINCT ${columnList(fk.referencedColumns, 's')} FROM ${source} s WHERE ${written};\n`;
      }
      text += `-- Stops when a row to write references a row of ${inComment(`${parent.schema}.${parent.name}`)} that does not exist (${inComment(fk.name)}).\n`;
      text += stopIf(
        target,
        'parent',
        `EXISTS (SELECT 1 FROM ${source} s WHERE ${written} AND ${fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
           AND NOT EXISTS (SELECT 1 FROM ${quoteTable(parent)} x WHERE ${match('x')})${self ? ` AND NOT EXISTS (SELECT 1 FROM ${copy} x WHERE ${match('x')})` : ''})`,
      );
      if (self) text += `DROP TEMPORARY TABLE ${copy};\n`;
    });
  return text;
}

/**
 * One write and its row count. A table that references itself has its foreign key checks off for the
 * write (InnoDB checks row by row, so a child may come before its parent), then every key into and out
 * of it is searched for a row left without its parent, as the apply does.
 */
function counted(target: TableSchema, step: string, statement: string): string {
  const self = selfReferences(target).length > 0;
  let text = self ? 'SET FOREIGN_KEY_CHECKS = 0;\n' : '';
  text += `${statement};\nINSERT INTO ${work(target, 'result')} VALUES ('${step}', ROW_COUNT());\n`;
  if (!self) return text;
  text += 'SET FOREIGN_KEY_CHECKS = 1;\n';
  for (const check of danglingChecks(target)) text += stopIf(target, 'dangling', `(${check.count}) > 0`);
  return text;
}

function insertMissing(plan: MysqlPlan): string {
  const target = plan.staged.target;
  const t = quoteTable(target.ref);
  const s = `s.${quoteIdent(plan.names.rowClass)}`;
  const columns = writtenColumns(target, plan.staged.columns);
  return counted(
    target,
    'insert',
    `INSERT INTO ${t} (${columnList(columns)}) SELECT ${columnList(columns, 's')}
FROM ${work(target, 'source')} s WHERE ${s} = '${CLASS.missing}' AND NOT EXISTS (SELECT 1 FROM ${t} x WHERE ${keyEquals(plan.key, 'x', 's')})
ORDER BY s.${quoteIdent(plan.names.row)}`,
  );
}

/** Target rows still exactly as previewed (`e`, the expected work table) get written; others are skipped. */
function asPreviewed(plan: MysqlPlan, rowClass: RowClass): string {
  const columns = imageColumns(plan.staged.target).map((c) => c.name);
  return `e.${quoteIdent(plan.names.rowClass)} = '${CLASS[rowClass]}' AND ${sameText(plan.staged.target, columns, 't', 'e')}`;
}

function updateChanged(plan: MysqlPlan): string {
  const { staged } = plan;
  const target = staged.target;
  const set = writtenColumns(target, comparedColumns(plan))
    .map((c) => `t.${quoteIdent(c)} = s.${quoteIdent(c)}`)
    .join(', ');
  if (!set) return '';
  return counted(
    target,
    'update',
    `UPDATE ${quoteTable(target.ref)} t JOIN ${work(target, 'source')} s ON ${keyEquals(plan.key, 't', 's')}
JOIN ${work(target, 'expected')} e ON ${keyEquals(plan.key, 't', 'e')}
SET ${set} WHERE s.${quoteIdent(plan.names.rowClass)} = '${CLASS.changed}' AND ${asPreviewed(plan, 'changed')}`,
  );
}

/**
 * Stops the script when a row it is about to delete is referenced by a row of another table (or of this
 * one, not deleted with it), as the apply refuses: ON DELETE CASCADE or SET NULL would change rows nobody
 * previewed, and the rows referencing them may have been written after the script was. The keys about to
 * be deleted are copied first (twice for a key onto the table itself): MySQL cannot open one temporary
 * table twice in a query.
 */
function refuseReferenced(plan: MysqlPlan): string {
  const target = plan.staged.target;
  const ref = target.ref;
  if (target.referencedBy.length === 0) return '';
  const t = quoteTable(ref);
  const keys = plan.key.map((k) => `t.${quoteIdent(k)}`).join(', ');
  const copies = ['doomed', 'doomed_self'].map((n) => work(target, n));
  let text = copies
    .map(
      (copy) =>
        `CREATE TEMPORARY TABLE ${copy} AS SELECT ${keys} FROM ${t} t JOIN ${work(target, 'expected')} e ON ${keyEquals(plan.key, 't', 'e')} WHERE ${asPreviewed(plan, 'extra')};\n`,
    )
    .join('');
  for (const fk of target.referencedBy) {
    const child = { schema: fk.table.schema ?? ref.schema, name: fk.table.name };
    const self = child.schema === ref.schema && child.name === ref.name;
    const refers = fk.columns
      .map((c, i) => `t.${quoteIdent(fk.referencedColumns[i]!)} = x.${quoteIdent(c)}`)
      .join(' AND ');
    text += `-- Stops when a row to delete is referenced by a row of ${inComment(`${child.schema}.${child.name}`)} (${inComment(fk.name)}).\n`;
    text += stopIf(
      target,
      'referenced',
      `EXISTS (SELECT 1 FROM ${quoteTable(child)} x JOIN ${t} t ON ${refers} JOIN ${copies[0]} d ON ${keyEquals(plan.key, 't', 'd')}
         ${self ? `WHERE NOT EXISTS (SELECT 1 FROM ${copies[1]} d2 WHERE ${keyEquals(plan.key, 'd2', 'x')})` : ''})`,
    );
  }
  return `${text}DROP TEMPORARY TABLE ${copies.join(', ')};\n`;
}

function deleteExtra(plan: MysqlPlan): string {
  const target = plan.staged.target;
  return (
    refuseReferenced(plan) +
    counted(
      target,
      'delete',
      `DELETE t FROM ${quoteTable(target.ref)} t JOIN ${work(target, 'expected')} e ON ${keyEquals(plan.key, 't', 'e')}
WHERE ${asPreviewed(plan, 'extra')}`,
    )
  );
}

/**
 * After COMMIT (ALTER TABLE commits): moves AUTO_INCREMENT one past the largest value when the column
 * already holds the next one; never backwards. InnoDB moves it past inserted values itself, so this is
 * seldom more than `DO 0`.
 */
function moveCounters(target: TableSchema): string {
  return target.sequences
    .map((seq) => {
      const column = quoteIdent(seq.column);
      const next = `(SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quoteString(target.ref.schema)} AND TABLE_NAME = ${quoteString(target.ref.name)})`;
      return (
        `SELECT IF(MAX(${column}) >= ${next}, CONCAT(${quoteString(`ALTER TABLE ${quoteTable(target.ref)} AUTO_INCREMENT = `)}, MAX(${column}) + 1), 'DO 0')\n` +
        `  INTO @rowback_counter FROM ${quoteTable(target.ref)};\n` +
        'PREPARE rowback_counter FROM @rowback_counter;\nEXECUTE rowback_counter;\nDEALLOCATE PREPARE rowback_counter;\n'
      );
    })
    .join('');
}

function report(
  target: TableSchema,
  intended: { inserted: number; updated: number; deleted: number },
): string {
  const sum = (step: string) => `COALESCE(SUM(IF(step = '${step}', n, 0)), 0)`;
  const { inserted, updated, deleted } = intended;
  return `SELECT CONCAT('rowback: inserted ', r.i, ' of ${inserted}, updated ', r.u, ' of ${updated}, deleted ', r.d, ' of ${deleted}; ',
    ${inserted + updated + deleted} - r.i - r.u - r.d, ' row(s) skipped because they changed since this script was written') AS rowback
  FROM (SELECT ${sum('insert')} AS i, ${sum('update')} AS u, ${sum('delete')} AS d FROM ${work(target, 'result')}) AS r;\n`;
}

/** A name inside a `--` comment: a line break in it would end the comment and start a statement. */
function inComment(text: string): string {
  return text.replace(/[\r\n\x00-\x1f]/g, ' ');
}

/**
 * The settings the values rely on (as pinned on rowback's own sessions), the stop table, the same table
 * lock and locking read as `begin`.
 */
async function begin(session: Session, target: TableSchema): Promise<string> {
  const sqlMode = (await session.scalar('SELECT @@SESSION.sql_mode')) ?? '';
  const mariadb = /mariadb/i.test((await session.scalar('SELECT VERSION()')) ?? '');
  // The lock wait rowback's own session has (--lock-timeout), in whole seconds as MySQL counts it.
  const wait = Number((await session.scalar('SELECT @@SESSION.innodb_lock_wait_timeout')) ?? '10');
  const stops = Object.values(STOPS).map((s) => `${quoteIdent(s)} INT NOT NULL DEFAULT 1`);
  const index = target.key?.origin === 'primary' ? ' FORCE INDEX (PRIMARY)' : '';
  return (
    "SET NAMES utf8mb4;\nSET time_zone = '+00:00';\n" +
    `SET SESSION sql_mode = ${quoteString(sqlMode)};\n` +
    `SET SESSION innodb_lock_wait_timeout = ${wait}, SESSION lock_wait_timeout = ${wait};\n` +
    // MySQL 8 caches information_schema statistics, AUTO_INCREMENT among them; MariaDB has no such cache.
    (mariadb ? '' : 'SET SESSION information_schema_stats_expiry = 0;\n') +
    `CREATE TEMPORARY TABLE ${work(target, 'stop')} (${stops.join(', ')});\n` +
    '-- Waits for another rowback run on this table to finish, as rowback itself does.\n' +
    stopIf(
      target,
      'busy',
      `COALESCE(GET_LOCK(${quoteString(tableLockName(target.ref))}, @@SESSION.innodb_lock_wait_timeout), 0) <> 1`,
    ) +
    'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nSTART TRANSACTION;\n' +
    '-- Keeps other writers out until COMMIT (every row and gap locked); readers go on.\n' +
    `SELECT COUNT(*) INTO @rowback_rows FROM ${quoteTable(target.ref)}${index} FOR UPDATE;\n`
  );
}

/** The script steps for the `mysql` client: see ScriptSteps. */
export function scriptSteps(session: Session): ScriptSteps {
  let locked: TableSchema | undefined;
  return {
    runWith: 'mysql < <this file>',
    begin: async (target: TableSchema) => {
      locked = target;
      return begin(session, target);
    },
    load: (plan: Plan, classes: RowClass[], expected: RowClass[]) =>
      load(session, asMysqlPlan(plan), classes, expected),
    checkParents: async (plan: Plan, classes: RowClass[]) => checkParents(asMysqlPlan(plan), classes),
    insertMissing: async (plan: Plan) => insertMissing(asMysqlPlan(plan)),
    updateChanged: async (plan: Plan) => updateChanged(asMysqlPlan(plan)),
    deleteExtra: async (plan: Plan) => deleteExtra(asMysqlPlan(plan)),
    moveCounters: async (target: TableSchema) => moveCounters(target),
    report: async (intended) => report(locked!, intended),
    commit: async () => {
      if (!locked) return 'COMMIT;\n';
      const tables = ['source', 'expected', 'result', 'stop'].map((n) => work(locked!, n)).join(', ');
      return `COMMIT;\nDO RELEASE_LOCK(${quoteString(tableLockName(locked.ref))});\nDROP TEMPORARY TABLE IF EXISTS ${tables};\n`;
    },
  };
}
