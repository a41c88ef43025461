import type { Connection, ConnectOptions, Engine } from '../engine.js';
import { openSession } from './connect.js';
import { PgConnection } from './connection.js';

/** The PostgreSQL engine: pg for statements, pg-copy-streams for rows in and out (text COPY). */
export const postgresEngine: Engine = {
  name: 'postgres',
  schemes: ['postgres', 'postgresql'],
  async connect(url: string, options?: ConnectOptions): Promise<Connection> {
    return new PgConnection(postgresEngine, await openSession(url, options));
  },
};
