import { quoteIdent } from '../ansi-sql.js';
import type { PgSession } from './connect.js';

export { columnList, quoteIdent, quoteString, quoteTable } from '../ansi-sql.js';

/** `a."k1" = b."k1" AND …` (keyEquals): keys match with their own type's equality, as the unique index does. */
export function keyEquals(key: string[], a: string, b: string): string {
  return key.map((k) => `${a}.${quoteIdent(k)} = ${b}.${quoteIdent(k)}`).join(' AND ');
}

/** True when some column's text differs: values compare by exact text, never by the type's `=`. */
export function differentText(columns: string[], a: string, b: string): string {
  if (columns.length === 0) return 'false';
  return columns.map((c) => `${textOf(a, c)} IS DISTINCT FROM ${textOf(b, c)}`).join(' OR ');
}

/** True when all columns have the same text on both sides. */
export function sameText(columns: string[], a: string, b: string): string {
  if (columns.length === 0) return 'true';
  return columns.map((c) => `${textOf(a, c)} IS NOT DISTINCT FROM ${textOf(b, c)}`).join(' AND ');
}

/** A column's text in byte order (the session is pinned, so the text is stable). */
export function textOf(alias: string, column: string): string {
  return `(${alias}.${quoteIdent(column)})::text COLLATE "C"`;
}

/** `ORDER BY` terms in byte order for the given columns; `collatable` lists those that take COLLATE. */
export function byteOrder(columns: string[], alias: string, collatable: Set<string>): string {
  return columns.map((c) => `${alias}.${quoteIdent(c)}${collatable.has(c) ? ' COLLATE "C"' : ''}`).join(', ');
}

/** A user userFilter as a boolean term; `true` when absent. Only ever spliced into a WHERE. */
export function userFilter(where: string | undefined): string {
  return where ? `(${where})` : 'true';
}

/** A key as one text value for messages: `42` or `(1,abc)`. */
export function keyText(key: string[], alias: string): string {
  if (key.length === 1) return `(${alias}.${quoteIdent(key[0]!)})::text`;
  return `'(' || concat_ws(',', ${key.map((k) => `coalesce((${alias}.${quoteIdent(k)})::text, 'NULL')`).join(', ')}) || ')'`;
}

/** `base`, or `base_`, `base__`… : a column name none of `taken` uses (tables may name a column anything). */
export function freeName(base: string, taken: string[]): string {
  let name = base;
  while (taken.includes(name)) name += '_';
  return name;
}

/** A fresh temporary table name for this session, e.g. `pg_temp."rowback_stage_3"`. */
export function tempName(session: PgSession, what: string): string {
  return `pg_temp.${quoteIdent(`rowback_${what}_${session.nextId++}`)}`;
}
