import { type Connection, type ConnectOptions, DEFAULT_CAPABILITIES, type Engine } from '../engine.js';
import { openSession } from './connect.js';
import { SqliteConnection } from './connection.js';
import { SQLITE_DIGEST } from './digest.js';
import { isSqliteHeader } from './file.js';

/** The SQLite engine: better-sqlite3 on the database file itself (a source on a private copy when needed). */
export const sqliteEngine: Engine = {
  name: 'sqlite',
  schemes: ['sqlite'],
  capabilities: {
    ...DEFAULT_CAPABILITIES,
    // PRAGMA foreign_keys = OFF before BEGIN IMMEDIATE, for that transaction
    skipForeignKeyChecks: true,
    // samples carry each value's storage class: 'text', x'…', 1, 1.0
    literalValues: true,
    // PRAGMA data_version tells whether another connection wrote since the preview
    provesUnchanged: true,
  },
  digest: SQLITE_DIGEST,
  recognizes: isSqliteHeader,
  async connect(url: string, options?: ConnectOptions): Promise<Connection> {
    return new SqliteConnection(sqliteEngine, await openSession(url, options));
  },
};
