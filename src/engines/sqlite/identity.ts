import type { TableSchema } from '../../core/table.js';
import type { Identity } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { quoteIdent } from './sql.js';

/**
 * A SQLite database has no identifier of its own, so its identity is the file's: the real path and the
 * device and inode it names. A copy (`cp app.db other.db`), a file moved into its place or restored from a
 * backup is another file; a rename keeps the inode but changes the path, so it is refused too (an undo
 * can be run with --skip-identity-check when that was intended). The table is its name and root page,
 * which change when it is dropped and created again (or rebuilt by a migration tool).
 */
export function identity(session: SqliteSession, table: TableSchema): Identity {
  const found = session.db
    .prepare(
      `SELECT rootpage FROM ${quoteIdent(table.ref.schema)}.sqlite_schema WHERE type = 'table' AND name = ?`,
    )
    .get(table.ref.name) as { rootpage: bigint | number } | undefined;
  return {
    server: `SQLite file ${session.file.realPath} (${session.file.id})`,
    database: `database ${table.ref.schema}`,
    table: `table ${table.ref.schema}.${table.ref.name} (root page ${String(found?.rootpage ?? '?')})`,
  };
}
