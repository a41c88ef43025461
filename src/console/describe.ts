import type { Dialect } from './guard.js';

/**
 * `\d` and `\d name`, as psql has them: the tables of the database, or one table's columns. Read from the
 * catalogs, so they run as any SELECT does; the name is passed as a string literal, never spliced as SQL.
 */
export const DESCRIBE = /^\s*\\dt?\+?(?:\s+(.+?))?\s*;?\s*$/;

export function describeSql(dialect: Dialect, name: string | undefined): string {
  if (dialect === 'postgres') return name === undefined ? PG_TABLES : pgColumns(name);
  if (dialect === 'sqlite') return name === undefined ? SQLITE_TABLES : sqliteColumns(name);
  return name === undefined ? 'SHOW FULL TABLES' : `DESCRIBE \`${unquote(name, '`').replace(/`/g, '``')}\``;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

function unquote(name: string, quote: string): string {
  return name.startsWith(quote) && name.endsWith(quote) && name.length > 1 ? name.slice(1, -1) : name;
}

const PG_TABLES = `SELECT n.nspname AS schema, c.relname AS name,
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
    WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'sequence' END AS type
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND pg_table_is_visible(c.oid)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1, 2`;

function pgColumns(name: string): string {
  return `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
  CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ${literal(name)}::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;
}

const SQLITE_TABLES = `SELECT name, type FROM sqlite_schema
WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`;

function sqliteColumns(name: string): string {
  return `SELECT name AS "column", type, CASE WHEN "notnull" THEN 'not null' ELSE '' END AS nullable,
  dflt_value AS "default", pk FROM pragma_table_info(${literal(unquote(unquote(name, '"'), '`'))})`;
}
