import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type { Policy } from '../../core/plan.js';
import type { TableSchema } from '../../core/table.js';
import type { Staged } from '../engine.js';
import type { PlanTable } from './plan.js';
import { columnList, keyJoin, keyText, qualified, quoteIdent, textDiffers } from './sql.js';
import { stagedTable } from './stage.js';

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
    [qualified(target.ref), origins.filter((o) => o !== null)],
  );
  const map = new Map<string | null, string>([[null, qualified(target.ref)]]);
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
 * rules (Sakila's `payment` replaces the key with DEFAULT), so rows must land where they lived.
 */
export async function insertRows(
  client: pg.Client,
  target: TableSchema,
  columns: string[],
  rows: string,
  originColumn: string | undefined,
): Promise<number> {
  const list = columnList(columns);
  const values = columnList(columns, 's');
  const clause = overriding(target, columns);
  if (!originColumn) {
    const result = await client.query(
      `INSERT INTO ${qualified(target.ref)} (${list}) ${clause} SELECT ${values} FROM ${rows}`,
    );
    return result.rowCount ?? 0;
  }
  const origin = `s.${quoteIdent(originColumn)}`;
  const distinct = await client.query<{ origin: string | null }>(
    `SELECT DISTINCT ${origin} AS origin FROM ${rows}`,
  );
  const tables = await resolveOrigins(
    client,
    target,
    distinct.rows.map((r) => r.origin),
  );
  let inserted = 0;
  for (const row of distinct.rows) {
    const table = tables.get(row.origin)!;
    const result = await client.query(
      `INSERT INTO ${table} (${list}) ${clause} SELECT ${values} FROM ${rows} WHERE ${origin} IS NOT DISTINCT FROM $1::text`,
      [row.origin],
    );
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

/**
 * Updates target rows to the values of `rows` (a FROM item aliased `s`, matched by key). Key columns are
 * set too: the key's equality may match a different text (1.0 = 1.00, 'A' = 'a' under a case-insensitive
 * collation); an unchanged value leaves the row's index entries alone. Identity ALWAYS columns are not
 * set, the server refuses to.
 */
export async function updateRows(
  client: pg.Client,
  target: TableSchema,
  key: string[],
  columns: string[],
  rows: string,
): Promise<number> {
  const fixed = new Set(target.columns.filter((c) => c.identity === 'always').map((c) => c.name));
  const set = columns.filter((c) => !fixed.has(c));
  if (set.length === 0) return 0;
  const assignments = set.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(', ');
  const result = await client.query(
    `UPDATE ${qualified(target.ref)} AS t SET ${assignments} FROM ${rows} WHERE ${keyJoin(key, 't', 's')}`,
  );
  return result.rowCount ?? 0;
}

/**
 * Refuses a take-source plan that would need to change an identity ALWAYS column of a row that stays:
 * PostgreSQL only lets UPDATE set such a column to DEFAULT, so the row could not be made equal to the
 * source (a row deleted and inserted again since gets a new identity value). Throws
 * RowbackError('unsupported') with the column and a few keys.
 */
export async function checkFixedColumns(
  client: pg.Client,
  staged: Staged,
  plan: PlanTable,
  policy: Policy,
): Promise<void> {
  if (policy.changed !== 'take-source') return;
  const target = staged.target;
  const fixed = target.columns
    .filter((c) => c.identity === 'always' && staged.columns.includes(c.name) && !plan.key.includes(c.name))
    .map((c) => c.name);
  for (const column of fixed) {
    const found = await client.query<{ n: string; sample: string | null }>(
      `WITH differ AS (
         SELECT ${keyText(plan.key, 's')} AS k FROM ${stagedTable(staged)} AS s
         JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 's')}
         JOIN ${qualified(target.ref)} AS t ON ${keyJoin(plan.key, 't', 's')}
         WHERE p.${plan.classColumn} = 'changed' AND ${textDiffers([column], 's', 't')})
       SELECT (SELECT count(*) FROM differ)::text AS n,
              (SELECT string_agg(k, ', ') FROM (SELECT k FROM differ ORDER BY k COLLATE "C" LIMIT 5) AS few) AS sample`,
    );
    const row = found.rows[0]!;
    if (row.n === '0') continue;
    throw new RowbackError(
      'unsupported',
      `${row.n} changed row(s) of ${target.ref.schema}.${target.ref.name} differ in "${column}", a GENERATED ALWAYS identity column, which PostgreSQL does not let an UPDATE set (keys ${row.sample}). Nothing was written.`,
      {
        hint: `Run with --changed keep-current, or first ALTER TABLE ${qualified(target.ref)} ALTER COLUMN ${quoteIdent(column)} SET GENERATED BY DEFAULT (and back to ALWAYS afterwards).`,
        details: { column, rows: Number(row.n) },
      },
    );
  }
}
