import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type {
  Column,
  ForeignKey,
  Key,
  ListedTable,
  Sequence,
  TableRef,
  TableSchema,
} from '../../core/table.js';
import { formatTable } from '../../core/table.js';

type Row = Record<string, string | null>;

async function rows(client: pg.Client, sql: string, params: unknown[]): Promise<Row[]> {
  return (await client.query<Row>(sql, params)).rows;
}

/** The oid of a table (plain or partitioned), resolving the schema from search_path when not given. */
async function findTable(
  client: pg.Client,
  table: TableRef,
): Promise<{ oid: string; schema: string } | undefined> {
  const sql = table.schema
    ? `SELECT c.oid::text AS oid, n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`
    : `SELECT c.oid::text AS oid, n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.oid = to_regclass(quote_ident($2)) AND c.relkind IN ('r', 'p') AND $1::text IS NULL`;
  const found = await rows(client, sql, [table.schema ?? null, table.name]);
  const row = found[0];
  return row ? { oid: row['oid']!, schema: row['schema']! } : undefined;
}

const COLUMNS_SQL = `
SELECT a.attname AS name,
       format_type(a.atttypid, a.atttypmod) ||
         CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
              THEN ' COLLATE ' || CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                                       ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
              ELSE '' END AS type,
       (NOT a.attnotnull)::text AS nullable, a.atthasdef::text AS has_default,
       a.attgenerated::text AS generated, a.attidentity::text AS identity
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

/**
 * format_type() leaves out the schema of types visible in search_path, so the same column would read
 * `mood` for one role and `public.mood` for another. With only pg_catalog in the path, every user type
 * is schema-quoteTable, whatever the role's search_path says.
 */
async function catalogRows(client: pg.Client, sql: string, params: unknown[]): Promise<Row[]> {
  const saved = (await rows(client, `SELECT current_setting('search_path') AS path`, []))[0]!['path']!;
  await client.query(`SELECT set_config('search_path', 'pg_catalog', false)`);
  try {
    return await rows(client, sql, params);
  } finally {
    await client.query(`SELECT set_config('search_path', $1, false)`, [saved]);
  }
}

async function describeColumns(client: pg.Client, oid: string): Promise<Column[]> {
  return (await catalogRows(client, COLUMNS_SQL, [oid])).map((r) => {
    const generated = r['generated'] === 's' ? 'stored' : r['generated'] === 'v' ? 'virtual' : 'no';
    return {
      name: r['name']!,
      type: r['type']!,
      nullable: r['nullable'] === 'true',
      hasDefault: r['has_default'] === 'true' && generated === 'no',
      generated,
      identity: r['identity'] === 'a' ? 'always' : r['identity'] === 'd' ? 'by-default' : 'no',
    };
  });
}

/**
 * Primary key, else the narrowest unique index on NOT NULL columns that is neither partial nor on
 * expressions. Only an index's first `indnkeyatts` columns are its key: `INCLUDE` columns ride along in
 * the index without taking part in uniqueness, so they neither identify a row nor need to be NOT NULL.
 */
const KEY_SQL = `
WITH candidate AS (
  SELECT i.indisprimary, ic.relname, i.indnkeyatts, (i.indkey::int2[])[0:i.indnkeyatts - 1] AS keys
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
  WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL)
SELECT c.indisprimary::text AS primary, c.relname AS name,
       array_to_json(array(SELECT a.attname FROM unnest(c.keys) WITH ORDINALITY k(attnum, pos)
                            JOIN pg_attribute a ON a.attrelid = $1::oid AND a.attnum = k.attnum
                            ORDER BY k.pos))::text AS columns
FROM candidate c
WHERE NOT EXISTS (SELECT 1 FROM unnest(c.keys) k(attnum)
                  JOIN pg_attribute a ON a.attrelid = $1::oid AND a.attnum = k.attnum
                  WHERE NOT a.attnotnull)
  AND NOT (0 = ANY (c.keys))
ORDER BY c.indisprimary DESC, c.indnkeyatts, c.relname`;

async function describeKey(client: pg.Client, oid: string): Promise<Key | undefined> {
  const row = (await rows(client, KEY_SQL, [oid]))[0];
  if (!row) return undefined;
  return {
    columns: JSON.parse(row['columns']!) as string[],
    origin: row['primary'] === 'true' ? 'primary' : 'unique',
    name: row['name']!,
  };
}

const FK_SQL = `
SELECT con.conname AS name, n.nspname AS schema, c.relname AS table,
       array_to_json(array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, pos)
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.pos))::text AS columns,
       array_to_json(array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, pos)
         JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.pos))::text AS referenced
FROM pg_constraint con
JOIN pg_class c ON c.oid = CASE WHEN $2 THEN con.confrelid ELSE con.conrelid END
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'f' AND (CASE WHEN $2 THEN con.conrelid ELSE con.confrelid END) = $1::oid
  AND con.conparentid = 0
ORDER BY con.conname`;

/** A table's foreign keys: outgoing (it references a parent) or incoming (others reference it). */
export async function describeForeignKeys(
  client: pg.Client,
  oid: string,
  incoming: boolean,
): Promise<ForeignKey[]> {
  // Outgoing: the other side ($2 = true) is the parent; incoming: the other side is the child.
  const found = await rows(client, FK_SQL, [oid, !incoming]);
  return found.map((r) => ({
    name: r['name']!,
    columns: JSON.parse(r['columns']!) as string[],
    table: { schema: r['schema']!, name: r['table']! },
    referencedColumns: JSON.parse(r['referenced']!) as string[],
  }));
}

const CHILDREN_SQL = `
WITH RECURSIVE tree(oid) AS (
  SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::oid
  UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name
FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f')
ORDER BY n.nspname, c.relname`;

/** User triggers that fire (not internal FK triggers, not disabled), on the table and its children. */
const TRIGGERS_SQL = `
SELECT CASE WHEN t.tgrelid = $1::oid THEN t.tgname ELSE c.relname || '.' || t.tgname END AS name
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgrelid = ANY ($2::oid[]) AND NOT t.tgisinternal AND t.tgenabled <> 'D'
ORDER BY t.tgrelid = $1::oid DESC, 1`;

const RULES_SQL = `SELECT rulename AS name FROM pg_rewrite WHERE ev_class = $1::oid AND rulename <> '_RETURN' ORDER BY 1`;

/** Sequences a column draws from: owned (serial, identity) or named in its default. */
const SEQUENCES_SQL = `
SELECT DISTINCT a.attname AS column, format('%I.%I', sn.nspname, s.relname) AS name, a.attnum
FROM pg_attribute a
JOIN pg_depend d ON (d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.classid = 'pg_class'::regclass
                     AND d.deptype IN ('a', 'i'))
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
WHERE a.attrelid = $1::oid
UNION
SELECT a.attname, format('%I.%I', sn.nspname, s.relname), a.attnum
FROM pg_attrdef ad
JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
WHERE ad.adrelid = $1::oid
ORDER BY 3, 2`;

/** Describes a table; see Connection.describe. */
export async function describeTable(
  client: pg.Client,
  table: TableRef,
  options: { key?: string[]; location: string },
): Promise<TableSchema> {
  const found = await findTable(client, table);
  if (!found) {
    throw new RowbackError(
      'table-not-found',
      `Table ${formatTable(table)} does not exist in ${options.location}.`,
      {
        hint: 'Check the table name (and schema); rowback sees tables in the search_path when no schema is given.',
      },
    );
  }
  const { oid } = found;
  const ref = { schema: found.schema, name: table.name };
  const kind = (
    await rows(
      client,
      'SELECT relkind::text AS kind, (SELECT amname FROM pg_am WHERE oid = relam) AS am FROM pg_class WHERE oid = $1::oid',
      [oid],
    )
  )[0]!;
  const columns = await describeColumns(client, oid);
  const childRows = await rows(client, CHILDREN_SQL, [oid]);
  const children = childRows.map((r) => ({ schema: r['schema']!, name: r['name']! }));
  const oids = [oid, ...childRows.map((r) => r['oid']!)];
  let key = await describeKey(client, oid);
  if (options.key && options.key.length > 0) {
    const names = new Set(columns.map((c) => c.name));
    const unknown = options.key.filter((k) => !names.has(k));
    if (unknown.length > 0) {
      throw new RowbackError(
        'usage',
        `--key names ${unknown.map((k) => `"${k}"`).join(', ')}, which ${formatTable(ref)} does not have.`,
        {
          hint: `Its columns are: ${columns.map((c) => c.name).join(', ')}.`,
        },
      );
    }
    key = { columns: [...options.key], origin: 'user' };
  }
  const sequences: Sequence[] = (await rows(client, SEQUENCES_SQL, [oid])).map((r) => ({
    column: r['column']!,
    name: r['name']!,
  }));
  return {
    ref,
    columns,
    key,
    foreignKeys: await describeForeignKeys(client, oid, false),
    referencedBy: await describeForeignKeys(client, oid, true),
    triggers: (await rows(client, TRIGGERS_SQL, [oid, oids])).map((r) => r['name']!),
    rules: (await rows(client, RULES_SQL, [oid])).map((r) => r['name']!),
    sequences,
    children,
    partitioning: kind['kind'] === 'p' ? 'declarative' : children.length > 0 ? 'inheritance' : 'none',
    transactional: true,
    ...(kind['am'] ? { storage: kind['am'] } : {}),
  };
}

/** Tables visible to this session, for "did you mean". */
export async function listTables(client: pg.Client): Promise<ListedTable[]> {
  const found = await rows(
    client,
    `SELECT n.nspname AS schema, c.relname AS name,
       CASE WHEN pg_table_is_visible(c.oid) THEN 'y' ELSE 'n' END AS visible FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1, 2`,
    [],
  );
  return found.map((r) => ({ schema: r['schema']!, name: r['name']!, visible: r['visible'] === 'y' }));
}
