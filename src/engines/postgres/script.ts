import type { RowClass } from '../../core/plan.js';
import { comparedColumns } from '../../core/restrict.js';
import { imageColumns, isGenerated, type TableSchema } from '../../core/table.js';
import type { Plan, ScriptSteps } from '../engine.js';
import { type PgSession, PINNED_SETTINGS } from './connect.js';
import { setvalStatement } from './counters.js';
import { asPgPlan, type PgPlan } from './plan.js';
import { tablesWithInsertRules } from './rules.js';
import { insertPastRules, landingKeys } from './script-landing.js';
import { classList, EXPECTED, load, RESULT, SOURCE, workNames } from './script-load.js';
import { columnList, keyEquals, quoteIdent, quoteString, quoteTable, sameText } from './sql.js';
import { originColumn, stagedTable } from './stage.js';
import { overriding, resolveOrigins } from './write.js';

/** A PL/pgSQL block: statements that must run whatever rules the table has, with a row count. */
function block(body: string): string {
  let tag = 'rowback';
  while (body.includes(`$${tag}$`)) tag += '_';
  return `DO $${tag}$ DECLARE n bigint; BEGIN\n${body}\nEND $${tag}$;\n`;
}

function counted(step: string, statement: string): string {
  return `  ${statement};\n  GET DIAGNOSTICS n = ROW_COUNT;\n  INSERT INTO ${RESULT} VALUES (${quoteString(step)}, n);`;
}

function pairs(left: string, leftColumns: string[], right: string, rightColumns: string[]): string {
  return leftColumns
    .map((c, i) => `${left}.${quoteIdent(c)} = ${right}.${quoteIdent(rightColumns[i]!)}`)
    .join(' AND ');
}

/** Stops the script when a row to write references a parent row absent, by the keys of where it lands. */
async function checkParents(session: PgSession, plan: PgPlan, classes: RowClass[]): Promise<string> {
  const { staged } = plan;
  const target = staged.target;
  const { cls, origin } = workNames(plan);
  const name = `${target.ref.schema}.${target.ref.name}`;
  const checks: string[] = [];
  for (const { table, foreignKeys, landing } of await landingKeys(session, plan, cls, origin)) {
    for (const fk of foreignKeys.filter((f) => f.columns.every((c) => staged.columns.includes(c)))) {
      const parent = { schema: fk.table.schema ?? target.ref.schema, name: fk.table.name };
      const self = parent.schema === target.ref.schema && parent.name === target.ref.name;
      const written = `s2.${cls} IN (${classList(classes)})`;
      checks.push(`  IF EXISTS (SELECT 1 FROM ${SOURCE} AS s WHERE s.${cls} IN (${classList(classes)})
      ${landing ? `AND ${landing}` : ''}
      AND ${fk.columns.map((c) => `s.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
      AND NOT EXISTS (SELECT 1 FROM ONLY ${quoteTable(parent)} AS x WHERE ${pairs('x', fk.referencedColumns, 's', fk.columns)})
      ${self ? `AND NOT EXISTS (SELECT 1 FROM ${SOURCE} AS s2 WHERE ${written} AND ${pairs('s2', fk.referencedColumns, 's', fk.columns)})` : ''}) THEN
    RAISE EXCEPTION 'rowback: rows to write into % reference % rows that do not exist (%); nothing was written',
      ${quoteString(table === name ? name : `${name} (${table})`)}, ${quoteString(`${parent.schema}.${parent.name}`)}, ${quoteString(fk.name)};
  END IF;`);
    }
  }
  return checks.length ? block(checks.join('\n')) : '';
}

/**
 * Inserts the missing rows whose key is still absent, each into the table it came from; where that table
 * has INSERT rules, checks they landed as they were (see insertPastRules).
 */
async function insertMissing(session: PgSession, plan: PgPlan): Promise<string> {
  const { staged, key } = plan;
  const target = staged.target;
  const { cls, origin } = workNames(plan);
  const written = staged.columns.filter((c) => !isGenerated(target, c));
  const head = (table: string) =>
    `INSERT INTO ${table} (${columnList(written)}) ${overriding(target, written)} SELECT ${columnList(written, 's')} FROM ${SOURCE} AS s`;
  const absent = `s.${cls} = 'missing' AND NOT EXISTS (SELECT 1 FROM ${quoteTable(target.ref)} AS t WHERE ${keyEquals(key, 't', 's')})`;
  const originName = originColumn(staged);
  // Each row goes back into the child table it came from (see insertMissing of write.ts).
  const origins = originName
    ? (
        await session.client.query<{ origin: string | null }>(
          `SELECT DISTINCT s.${quoteIdent(originName)} AS origin FROM ${stagedTable(staged)} AS s
           JOIN ${plan.table} AS p ON ${keyEquals(key, 'p', 's')} WHERE p.${plan.classColumn} = 'missing'`,
        )
      ).rows.map((r) => r.origin)
    : [null];
  const tables = await resolveOrigins(session.client, target, origins);
  const ruled = await tablesWithInsertRules(session.client, [...new Set(tables.values())]);
  const statements = origins.map((o) => {
    const table = tables.get(o)!;
    const only = originName
      ? ` AND s.${origin} IS NOT DISTINCT FROM ${o === null ? 'NULL' : quoteString(o)}`
      : '';
    const rules = ruled.get(table);
    if (!rules) return counted('insert', `${head(table)} WHERE ${absent}${only}`);
    return insertPastRules(plan, {
      table,
      label: o ?? `${target.ref.schema}.${target.ref.name}`,
      rules,
      work: SOURCE,
      cls,
      rows: `${absent}${only}`,
      insert: head(table),
      written,
      record: `INSERT INTO ${RESULT} VALUES ('insert', n);`,
    });
  });
  return statements.length ? block(statements.join('\n')) : '';
}

/**
 * Target rows (alias `t`) still exactly as previewed (`e`, the expected work table) get written; others are
 * skipped.
 */
function asPreviewed(plan: PgPlan, rowClass: RowClass, t = 't'): string {
  const { cls } = workNames(plan);
  const columns = imageColumns(plan.staged.target).map((c) => c.name);
  return `e.${cls} = '${rowClass}' AND ${keyEquals(plan.key, t, 'e')} AND ${sameText(columns, t, 'e')}`;
}

function updateChanged(plan: PgPlan): string {
  const { staged } = plan;
  const { cls } = workNames(plan);
  const fixed = new Set(
    staged.target.columns.filter((c) => c.identity === 'always' || c.generated !== 'no').map((c) => c.name),
  );
  // Key columns too: the key's equality may match a different text (see updateChanged of write.ts).
  const set = comparedColumns(plan)
    .filter((c) => !fixed.has(c))
    .map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`);
  if (set.length === 0) return '';
  return block(
    counted(
      'update',
      `UPDATE ${quoteTable(staged.target.ref)} AS t SET ${set.join(', ')} FROM ${SOURCE} AS s, ${EXPECTED} AS e
   WHERE s.${cls} = 'changed' AND ${keyEquals(plan.key, 't', 's')} AND ${asPreviewed(plan, 'changed')}`,
    ),
  );
}

/**
 * Stops the script when a row it is about to delete is referenced by a row of another table (or of this
 * one, not deleted with it), as the apply refuses: ON DELETE CASCADE or SET NULL would change rows nobody
 * previewed, and the rows referencing them may have been written after the script was.
 */
function refuseReferenced(plan: PgPlan): string {
  const target = plan.staged.target;
  const ref = target.ref;
  const doomed = (alias: string) =>
    `EXISTS (SELECT 1 FROM ${EXPECTED} AS e WHERE ${asPreviewed(plan, 'extra', alias)})`;
  const checks = target.referencedBy.map((fk) => {
    const child = { schema: fk.table.schema ?? ref.schema, name: fk.table.name };
    const self = child.schema === ref.schema && child.name === ref.name;
    return `  IF EXISTS (SELECT 1 FROM ${quoteTable(child)} AS x
      WHERE EXISTS (SELECT 1 FROM ${quoteTable(ref)} AS t WHERE ${pairs('t', fk.referencedColumns, 'x', fk.columns)} AND ${doomed('t')})
      ${self ? `AND NOT ${doomed('x')}` : ''}) THEN
    RAISE EXCEPTION 'rowback: rows to delete from % are referenced by rows of % (%); rowback does not change other tables, so nothing was written',
      ${quoteString(`${ref.schema}.${ref.name}`)}, ${quoteString(`${child.schema}.${child.name}`)}, ${quoteString(fk.name)};
  END IF;`;
  });
  return checks.length ? block(checks.join('\n')) : '';
}

function deleteExtra(plan: PgPlan): string {
  return (
    refuseReferenced(plan) +
    block(
      counted(
        'delete',
        `DELETE FROM ${quoteTable(plan.staged.target.ref)} AS t USING ${EXPECTED} AS e WHERE ${asPreviewed(plan, 'extra')}`,
      ),
    )
  );
}

function report(intended: { inserted: number; updated: number; deleted: number }): string {
  const sum = (step: string) => `coalesce(sum(rows) FILTER (WHERE step = '${step}'), 0)`;
  const { inserted, updated, deleted } = intended;
  return `SELECT format('rowback: inserted %s of %s, updated %s of %s, deleted %s of %s; %s row(s) skipped because they changed since this script was written',
    r.i, ${inserted}, r.u, ${updated}, r.d, ${deleted}, ${inserted + updated + deleted} - r.i - r.u - r.d) AS rowback
  FROM (SELECT ${sum('insert')} AS i, ${sum('update')} AS u, ${sum('delete')} AS d FROM ${RESULT}) AS r;\n`;
}

/** The script steps for psql: see ScriptSteps. */
export function scriptSteps(session: PgSession): ScriptSteps {
  return {
    runWith: 'psql -v ON_ERROR_STOP=1 -f <this file>',
    begin: async (target: TableSchema) =>
      'BEGIN;\n' +
      Object.entries(PINNED_SETTINGS)
        .map(([k, v]) => `SET LOCAL ${k} = ${quoteString(v)};\n`)
        .join('') +
      `SET LOCAL lock_timeout = ${quoteString(session.lockTimeout)};\n` +
      `LOCK TABLE ${quoteTable(target.ref)} IN SHARE ROW EXCLUSIVE MODE;\n`,
    load: (plan: Plan, classes: RowClass[], expected: RowClass[]) =>
      load(session, asPgPlan(plan), classes, expected),
    checkParents: (plan: Plan, classes: RowClass[]) => checkParents(session, asPgPlan(plan), classes),
    insertMissing: (plan: Plan) => insertMissing(session, asPgPlan(plan)),
    updateChanged: async (plan: Plan) => updateChanged(asPgPlan(plan)),
    deleteExtra: async (plan: Plan) => deleteExtra(asPgPlan(plan)),
    moveCounters: async (target: TableSchema) =>
      target.sequences
        .map((seq) => `${setvalStatement(target, seq.column, seq.name).replace(/\n/g, ' ')};\n`)
        .join(''),
    report: async (intended) => report(intended),
    commit: async () => 'COMMIT;\n',
  };
}
