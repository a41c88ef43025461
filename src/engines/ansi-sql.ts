import type { TableRef } from '../core/table.js';

/**
 * Quoting shared by the engines whose SQL follows the standard here (PostgreSQL and SQLite; MySQL quotes
 * with backticks and escapes backslashes in strings, in `mysql/sql.ts`).
 */

/** Quotes an identifier with double quotes: always, so case, spaces and keywords survive. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** `"schema"."name"` for a resolved table. */
export function quoteTable(ref: Required<TableRef>): string {
  return quoteIdent(ref.schema) + '.' + quoteIdent(ref.name);
}

/** A string literal, for the few places a parameter cannot go (DDL, COPY, catalog queries). */
export function quoteString(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** `a."x", a."y"` (or without alias). */
export function columnList(columns: string[], alias?: string): string {
  const prefix = alias ? alias + '.' : '';
  return columns.map((c) => prefix + quoteIdent(c)).join(', ');
}
