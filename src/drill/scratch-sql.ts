import { type TableSchema, writableColumns } from '../core/table.js';
import * as mysql from '../engines/mysql/sql.js';
import * as postgres from '../engines/postgres/sql.js';
import * as sqlite from '../engines/sqlite/sql.js';

/** What every scratch table a drill creates carries, so a later drill knows it may replace it. */
export const SCRATCH_MARK = 'rowback drill scratch';

/**
 * The few statements a drill runs on its scratch database, in each engine's own SQL: create the table
 * (its writable columns, the same types, its key; nothing else) with the mark, read the mark, drop or
 * empty the table. `database` names the MySQL database (the session selects none).
 */
export interface ScratchSql {
  create(schema: TableSchema, name: string): string[];
  /** One row, one value: the table's mark text ('' when unmarked). */
  mark(name: string): string;
  drop(name: string): string;
  empty(name: string): string;
}

export function scratchSql(engine: string, database: string): ScratchSql {
  if (engine === 'mysql') {
    const table = (name: string) => `${mysql.quoteIdent(database)}.${mysql.quoteIdent(name)}`;
    return {
      create: (schema, name) => [
        `CREATE TABLE ${table(name)} (${definitions(schema, mysql.quoteIdent)}) ENGINE=InnoDB COMMENT=${mysql.quoteString(SCRATCH_MARK)}`,
      ],
      mark: (name) =>
        `SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${mysql.quoteString(database)} AND TABLE_NAME = ${mysql.quoteString(name)}`,
      drop: (name) => `DROP TABLE ${table(name)}`,
      empty: (name) => `DELETE FROM ${table(name)}`,
    };
  }
  if (engine === 'sqlite') {
    const q = sqlite.quoteIdent;
    return {
      // SQLite keeps a table's CREATE text as written, comments included: the mark lives there.
      create: (schema, name) => [`CREATE TABLE ${q(name)} ( -- ${SCRATCH_MARK}\n${definitions(schema, q)})`],
      mark: (name) =>
        `SELECT CASE WHEN instr(sql, ${sqlite.quoteString(SCRATCH_MARK)}) > 0 THEN ${sqlite.quoteString(SCRATCH_MARK)} ELSE '' END FROM sqlite_master WHERE type = 'table' AND name = ${sqlite.quoteString(name)}`,
      drop: (name) => `DROP TABLE ${q(name)}`,
      empty: (name) => `DELETE FROM ${q(name)}`,
    };
  }
  const q = postgres.quoteIdent;
  return {
    create: (schema, name) => [
      `CREATE TABLE ${q(name)} (${definitions(schema, q)})`,
      `COMMENT ON TABLE ${q(name)} IS ${postgres.quoteString(SCRATCH_MARK)}`,
    ],
    mark: (name) =>
      `SELECT coalesce(obj_description(to_regclass(${postgres.quoteString(q(name))}), 'pg_class'), '')`,
    drop: (name) => `DROP TABLE ${q(name)}`,
    empty: (name) => `DELETE FROM ${q(name)}`,
  };
}

/** `"id" integer NOT NULL, …, PRIMARY KEY ("id")`: what a restore into the table needs, no more. */
function definitions(schema: TableSchema, quote: (name: string) => string): string {
  const columns = writableColumns(schema).map(
    (c) => `${quote(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`,
  );
  if (schema.key) columns.push(`PRIMARY KEY (${schema.key.columns.map(quote).join(', ')})`);
  return columns.join(', ');
}
