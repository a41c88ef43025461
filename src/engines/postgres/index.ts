import { type Connection, type ConnectOptions, DEFAULT_CAPABILITIES, type Engine } from '../engine.js';
import { openSession } from './connect.js';
import { PgConnection } from './connection.js';
import { PG_DIGEST } from './digest.js';

/** The PostgreSQL engine: pg for statements, pg-copy-streams for rows in and out (text COPY). */
export const postgresEngine: Engine = {
  name: 'postgres',
  schemes: ['postgres', 'postgresql'],
  capabilities: {
    ...DEFAULT_CAPABILITIES,
    // session_replication_role = replica, for one transaction (superuser, or a role granted SET on it)
    disableTriggers: true,
    // rows of INHERITS children carry their origin and go back to it
    inheritance: true,
    // pg_cancel_backend from a second connection
    cancel: true,
    // the row versions written since the preview (xmin), compared under the lock
    provesUnchanged: true,
    // COPY into a table with rows fails on a present key (unique index); reads see the locked table
    orderedMerge: true,
  },
  digest: PG_DIGEST,
  async connect(url: string, options?: ConnectOptions): Promise<Connection> {
    return new PgConnection(postgresEngine, await openSession(url, options));
  },
};
