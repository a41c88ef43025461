import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type { RowClass } from '../../core/plan.js';
import { comparedColumns } from '../../core/restrict.js';
import { imageColumns, isGenerated, type TableSchema } from '../../core/table.js';
import type { RowStream, StageOptions } from '../engine.js';
import type { PgSession } from './connect.js';
import { copyRows, typesOf } from './copy-rows.js';
import { type PgPlan, stagedOfClasses } from './plan.js';
import { copyOut, originExpression } from './read.js';
import { copyRowsInto, tablesWithInsertRules } from './rules.js';
import { columnList, keyEquals, quoteIdent, quoteString, quoteTable } from './sql.js';
import { originColumn } from './stage.js';

/** Resolves origin texts (`schema.child`) to the quoted names of the target or one of its children. */
export async function resolveOrigins(
  client: pg.Client,
  target: TableSchema,
  origins: (string | null)[],
): Promise<Map<string | null, string>> {
  const found = await client.query<{ origin: string; name: string | null }>(
    `WITH RECURSIVE tree(oid) AS (
       SELECT $1::regclass::oid UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
     SELECT o.origin, format('%I.%I', n.nspname, c.relname) AS name
     FROM unnest($2::text[]) AS o(origin)
     LEFT JOIN pg_class c ON c.oid = to_regclass(o.origin) AND c.oid IN (SELECT oid FROM tree)
     LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [quoteTable(target.ref), origins.filter((o) => o !== null)],
  );
  const map = new Map<string | null, string>([[null, quoteTable(target.ref)]]);
  for (const row of found.rows) {
    if (!row.name) {
      throw new RowbackError(
        'schema-mismatch',
        `Rows come from table ${row.origin}, which is not ${target.ref.schema}.${target.ref.name} or one of its child tables in the target.`,
        { hint: 'Create the child table in the target (same name), then run this again.' },
      );
    }
    // format('%I.%I') quotes only where needed; quote both parts for the statement.
    const [schema, name] = splitQualified(row.name);
    map.set(row.origin, `${quoteIdent(schema)}.${quoteIdent(name)}`);
  }
  return map;
}

/** Splits `a.b` / `"a.x"."b"` as produced by format('%I.%I'). */
function splitQualified(text: string): [string, string] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === '.') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return [parts[0]!, parts[1]!];
}

/** `OVERRIDING SYSTEM VALUE` when an identity column is written, so restored keys keep their values. */
export function overriding(target: TableSchema, columns: string[]): string {
  const written = new Set(columns);
  return target.columns.some((c) => written.has(c.name) && c.identity !== 'no')
    ? 'OVERRIDING SYSTEM VALUE'
    : '';
}

/**
 * Inserts the rows of `rows` (a FROM item aliased `s`) into the target. With an origin column, each row
 * goes into the child table it came from: an INSERT into an inheritance parent may be rewritten by its
 * rules (Sakila's `payment` replaces the key with DEFAULT), so rows must land where they lived. Rows bound
 * for a table with INSERT rules (the parent itself, rows the source kept there) are copied in, which
 * fires no rule (see rules.ts).
 */
async function insertRows(
  session: PgSession,
  target: TableSchema,
  columns: string[],
  rows: string,
  originColumn: string | undefined,
): Promise<number> {
  const { client } = session;
  const written = columns.filter((c) => !isGenerated(target, c));
  const list = columnList(written);
  const values = columnList(written, 's');
  const clause = overriding(target, written);
  const origin = originColumn ? `s.${quoteIdent(originColumn)}` : undefined;
  const distinct = origin
    ? (await client.query<{ origin: string | null }>(`SELECT DISTINCT ${origin} AS origin FROM ${rows}`)).rows
    : [{ origin: null }];
  const tables = await resolveOrigins(
    client,
    target,
    distinct.map((r) => r.origin),
  );
  const ruled = await tablesWithInsertRules(client, [...new Set(tables.values())]);
  let inserted = 0;
  for (const row of distinct) {
    const table = tables.get(row.origin)!;
    const only = origin
      ? `WHERE ${origin} IS NOT DISTINCT FROM ${row.origin === null ? 'NULL' : quoteString(row.origin)}::text`
      : '';
    if (ruled.has(table)) {
      inserted += await copyRowsInto(session, table, list, `SELECT ${values} FROM ${rows} ${only}`);
      continue;
    }
    const result = await client.query(
      `INSERT INTO ${table} (${list}) ${clause} SELECT ${values} FROM ${rows} ${only}`,
    );
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

/**
 * Updates target rows to the values of `rows` (a FROM item aliased `s`, matched by key). Key columns are
 * set too: the key's equality may match a different text (1.0 = 1.00, 'A' = 'a' under a case-insensitive
 * collation); an unchanged value leaves the row's index entries alone. Identity ALWAYS and generated
 * columns are not set, the server refuses to.
 */
async function updateRows(
  client: pg.Client,
  target: TableSchema,
  key: string[],
  columns: string[],
  rows: string,
): Promise<number> {
  const fixed = new Set(
    target.columns.filter((c) => c.identity === 'always' || c.generated !== 'no').map((c) => c.name),
  );
  const set = columns.filter((c) => !fixed.has(c));
  if (set.length === 0) return 0;
  const assignments = set.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ');
  const result = await client.query(
    `UPDATE ${quoteTable(target.ref)} AS t SET ${assignments} FROM ${rows} WHERE ${keyEquals(key, 't', 's')}`,
  );
  return result.rowCount ?? 0;
}

/**
 * The target's current rows of some classes, all image columns (then the origin of each row when the
 * table's rows live in inheritance children), copied out as they are read.
 */
export async function* image(session: PgSession, plan: PgPlan, classes: RowClass[]): RowStream {
  const target = plan.staged.target;
  const columns = imageColumns(target).map((c) => c.name);
  const origin =
    target.partitioning === 'inheritance' ? `, ${await originExpression(session.client, target, 't')}` : '';
  const list = classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
  const select = `SELECT ${columnList(columns, 't')}${origin} FROM ${quoteTable(target.ref)} AS t
    JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 't')} WHERE p.${plan.classColumn} IN (${list})`;
  yield* copyOut(
    session,
    select,
    `reading the ${classes.join(' and ')} rows of ${target.ref.schema}.${target.ref.name}`,
  );
}

export function insertMissing(session: PgSession, plan: PgPlan): Promise<number> {
  const { staged } = plan;
  return insertRows(
    session,
    staged.target,
    staged.columns,
    stagedOfClasses(plan, ['missing']),
    originColumn(staged),
  );
}

export function updateChanged(session: PgSession, plan: PgPlan): Promise<number> {
  const { staged } = plan;
  return updateRows(
    session.client,
    staged.target,
    plan.key,
    comparedColumns(plan),
    stagedOfClasses(plan, ['changed']),
  );
}

export async function deleteExtra(session: PgSession, plan: PgPlan): Promise<number> {
  const result = await session.client.query(
    `DELETE FROM ${quoteTable(plan.staged.target.ref)} AS t USING ${plan.table} AS p
     WHERE p.${plan.classColumn} = 'extra' AND ${keyEquals(plan.key, 't', 'p')}`,
  );
  return result.rowCount ?? 0;
}

/**
 * COPY the rows straight into the table: the direct path's empty, locked table, the ordered merge's
 * missing rows (as binary COPY where the types allow, see copyRows).
 */
export function copyIn(
  session: PgSession,
  target: TableSchema,
  rows: RowStream,
  options: StageOptions,
): Promise<number> {
  const { columns } = options;
  return copyRows(session, quoteTable(target.ref), columns, typesOf(target, columns), rows);
}
