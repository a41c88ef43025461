import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { Column } from '../../core/table.js';
import { describeTable } from '../../engines/sqlite/describe.js';

/**
 * The columns of a `sqlite3 .dump` CREATE TABLE (latin1 text of its bytes), as the SQLite engine describes
 * them: SQLite itself reads the statement, in a database of its own in memory, so any SQL it accepts is
 * understood exactly as it would be on loading the dump. `strict` tells a STRICT table. When SQLite
 * refuses the statement alone (a collation the application registers, say), `refused` says why.
 */
export function sqliteCreateColumns(
  statement: string,
  name: string,
): { columns: Column[]; strict: boolean } | { refused: string } {
  // Required here, not imported at the top: a PostgreSQL or MySQL dump never needs SQLite's native module.
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(':memory:');
  try {
    db.exec(Buffer.from(statement, 'latin1').toString('utf8'));
    const schema = describeTable(db, { schema: 'main', name }, { location: 'the dump' });
    return { columns: schema.columns, strict: /STRICT/.test(schema.storage ?? '') };
  } catch (error) {
    return { refused: (error as Error).message };
  } finally {
    db.close();
  }
}
