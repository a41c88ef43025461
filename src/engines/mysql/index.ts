import type { Connection, ConnectOptions, Engine } from '../engine.js';
import { openSession } from './connect.js';
import { MysqlConnection } from './connection.js';

/** MySQL and MariaDB through mysql2. `mariadb://` URLs are read as `mysql://`. */
export const mysqlEngine: Engine = {
  name: 'mysql',
  schemes: ['mysql', 'mariadb'],
  async connect(url: string, options: ConnectOptions = {}): Promise<Connection> {
    const { session, profile } = await openSession(url, options);
    return new MysqlConnection(mysqlEngine, session, profile);
  },
};
