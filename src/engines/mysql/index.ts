import { type Connection, type ConnectOptions, DEFAULT_CAPABILITIES, type Engine } from '../engine.js';
import { openSession } from './connect.js';
import { MysqlConnection } from './connection.js';
import { MYSQL_DIGEST } from './digest.js';

/** MySQL and MariaDB through mysql2. `mariadb://` URLs are read as `mysql://`. */
export const mysqlEngine: Engine = {
  name: 'mysql',
  schemes: ['mysql', 'mariadb'],
  capabilities: {
    ...DEFAULT_CAPABILITIES,
    // MySQL cannot keep triggers from firing for one session (only dropping them would), so no disableTriggers
    skipForeignKeyChecks: true,
    // ALTER TABLE … AUTO_INCREMENT commits the open transaction
    countersAfterCommit: true,
    // InnoDB moves AUTO_INCREMENT past an explicit value on INSERT, and ROLLBACK leaves it there
    insertsMoveCounters: true,
    // KILL QUERY from a second connection
    cancel: true,
    // MD5 on the server takes no longer than reading the whole row out (1,000,000 rows, MariaDB)
    digestPostImage: true,
    // the plan re-checks rows against those a backout read (see unchanged-since.ts)
    unchangedSince: true,
    // LOAD DATA into a table holding rows: a present key warns, and any warning or row not taken fails it
    orderedMerge: true,
  },
  digest: MYSQL_DIGEST,
  async connect(url: string, options: ConnectOptions = {}): Promise<Connection> {
    const { session, profile } = await openSession(url, options);
    return new MysqlConnection(mysqlEngine, session, profile);
  },
};
