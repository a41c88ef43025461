import { connect } from '../open.js';

/** Statements the drill runs on its scratch database: creating, marking and dropping its table. */
export interface DdlSession {
  exec(sql: string): Promise<void>;
  rows(sql: string): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

/**
 * A plain session on the scratch database. PostgreSQL and SQLite through rowback's pinned sessions; MySQL,
 * whose engine offers none yet, through the plain session the binlog source opens (the same connection
 * options: TLS, socket, password), which selects no database, so its statements name it.
 */
export async function openDdlSession(url: string, engine: string): Promise<DdlSession> {
  if (engine === 'mysql') {
    // Loaded here: it pulls in the MySQL driver, which a PostgreSQL drill (or any other command) never needs.
    const { ReplicaConnection } = await import('../sources/binlog/replica.js');
    const session = await ReplicaConnection.open(url);
    return {
      exec: async (sql) => {
        await session.query(sql);
      },
      rows: (sql) => session.query(sql),
      close: async () => session.close(),
    };
  }
  const connection = await connect(url);
  return {
    exec: (sql) => connection.exec(sql),
    rows: async (sql) => (await connection.query(sql)).rows,
    close: () => connection.close(),
  };
}
