import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { MatchOrder, MergeKey } from '../engine.js';
import { quoteIdent, quoteTable, userFilter } from './sql.js';

/**
 * How each key column is matched in a client-side merge, after the key's own equality (what the staged
 * plan's join uses):
 * - `integer` (smallint, integer, bigint and domains over them): the integer, ordered as one;
 * - `numeric`: the text without trailing fractional zeros, so `1.0` and `1.00` are one key, as `=` says;
 * - `float` (real, double precision): the text, with `-0` written `0` (`-0 = 0`; NaN equals NaN already);
 * - `lower` (citext): `lower()` of the text, which is what citext compares;
 * - `text` (every other type, text types under a deterministic collation among them): the text. char(n)
 *   drops its trailing blanks, as its `=` ignores them.
 * A nondeterministic collation (case- or accent-insensitive ICU) calls different bytes equal in ways a
 * byte comparison cannot follow, so such a key is refused.
 */
type Form = 'integer' | 'numeric' | 'float' | 'lower' | 'text';

const KEY_TYPES_SQL = `
WITH RECURSIVE col(name, typ, coll, ord) AS (
  SELECT a.attname::text, a.atttypid, a.attcollation, array_position($2::text[], a.attname::text)
  FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = ANY ($2::text[]) AND NOT a.attisdropped
  UNION ALL
  SELECT col.name, t.typbasetype, col.coll, col.ord FROM col JOIN pg_type t ON t.oid = col.typ WHERE t.typtype = 'd'
)
SELECT col.name, t.typname AS base,
       coalesce((SELECT to_jsonb(c) ->> 'collisdeterministic' FROM pg_collation c WHERE c.oid = col.coll), 'true')
         AS deterministic,
       (SELECT c.collname FROM pg_collation c WHERE c.oid = col.coll) AS collation
FROM col JOIN pg_type t ON t.oid = col.typ
WHERE t.typtype <> 'd'
ORDER BY col.ord`;

const FORMS: Record<string, Form> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  numeric: 'numeric',
  float4: 'float',
  float8: 'float',
  citext: 'lower',
};

/** Key types whose match field is exactly the value: equal fields, equal keys, and no other way round. */
const EXACT_TYPES = new Set(['int2', 'int4', 'int8', 'text', 'varchar', 'uuid']);

/** The MergeKey of a target table (see Connection.mergeKey). */
export async function mergeKeyOf(client: pg.Client, target: TableSchema): Promise<MergeKey> {
  const key = target.key?.columns ?? [];
  const found = await client.query<{ name: string; base: string; deterministic: string; collation: string }>(
    KEY_TYPES_SQL,
    [quoteTable(target.ref), key],
  );
  const forms = found.rows.map((row): Form => {
    if (row.deterministic !== 'true') {
      throw new RowbackError(
        'unsupported',
        `Key column ${row.name} of ${target.ref.schema}.${target.ref.name} uses the nondeterministic collation ${row.collation}, whose equality a comparison of bytes cannot follow.`,
        {
          hint: 'Compare on a target where rowback can stage rows (--path staged), or name other key columns with --key.',
        },
      );
    }
    return FORMS[row.base] ?? 'text';
  });
  if (forms.length !== key.length) {
    throw new RowbackError(
      'internal',
      `Could not read the types of the key of ${target.ref.schema}.${target.ref.name}.`,
    );
  }
  return {
    target,
    forms,
    // Integers, and text whose bytes are its value (any deterministic collation orders as bytes here).
    exact: found.rows.every((row) => EXACT_TYPES.has(row.base)),
    order: forms.map((f): MatchOrder => (f === 'integer' ? 'integer' : 'bytes')),
    binary: [], // bytea already travels as its \x… hex text
  };
}

/** The match field of one key column of alias `t`, and what to ORDER BY so the fields come ascending. */
function matchField(form: string, column: string, byteOrder: (text: string) => string) {
  const c = `t.${quoteIdent(column)}`;
  switch (form) {
    case 'integer':
      return { field: c, order: c };
    case 'numeric': {
      const text = `CASE WHEN strpos(${c}::text, '.') > 0 THEN rtrim(rtrim(${c}::text, '0'), '.') ELSE ${c}::text END`;
      return { field: text, order: byteOrder(text) };
    }
    case 'float': {
      const text = `CASE WHEN ${c} = 0 THEN '0' ELSE ${c}::text END`;
      return { field: text, order: byteOrder(text) };
    }
    case 'lower':
      return { field: `lower(${c}::text)`, order: byteOrder(`lower(${c}::text)`) };
    default:
      return { field: `${c}::text`, order: byteOrder(`${c}::text`) };
  }
}

/**
 * The select-list terms and ORDER BY of a merge read over alias `t`. Byte order is the UTF-8 bytes the
 * client receives: `COLLATE "C"` on a UTF-8 server, else the text converted to UTF-8 bytes.
 */
export async function mergeTerms(
  client: pg.Client,
  merge: MergeKey,
  scope: string | undefined,
): Promise<{ fields: string[]; orderBy: string }> {
  const encoding = (await client.query<{ e: string }>(`SELECT current_setting('server_encoding') AS e`))
    .rows[0]!.e;
  const byteOrder =
    encoding === 'UTF8'
      ? (text: string) => `(${text}) COLLATE "C"`
      : (text: string) => `convert_to(${text}, 'UTF8')`;
  const key = merge.target.key?.columns ?? [];
  const terms = key.map((column, i) => matchField(merge.forms[i]!, column, byteOrder));
  const fields = terms.map((term) => term.field);
  // The filter decides a flag, not the rows read: it stays the WHERE of a SELECT, as every user filter.
  if (scope !== undefined) fields.push(`EXISTS (SELECT 1 WHERE ${userFilter(scope)})`);
  // No NULLS FIRST: a merge refuses a NULL key wherever it comes, and `ORDER BY id NULLS FIRST` cannot
  // use the key's ascending index (it sorted 1,000,000 rows where an index scan streams them).
  return { fields, orderBy: terms.map((term) => term.order).join(', ') };
}

/**
 * Why this session cannot create a temporary table: a hot standby, transactions read-only by default
 * (database, role or server setting), or no TEMP privilege on the database.
 */
export async function stagingBlocked(client: pg.Client): Promise<string | undefined> {
  const found = await client.query<{ standby: string; readonly: string; temp: string }>(
    `SELECT pg_is_in_recovery()::text AS standby, current_setting('transaction_read_only') AS readonly,
            has_database_privilege(current_database(), 'TEMP')::text AS temp`,
  );
  const row = found.rows[0]!;
  if (row.standby === 'true') return 'the target is a standby (in recovery)';
  if (row.readonly === 'on')
    return 'transactions on the target are read-only (default_transaction_read_only)';
  if (row.temp !== 'true')
    return 'the role may not create temporary tables in this database (TEMP privilege)';
  return undefined;
}
