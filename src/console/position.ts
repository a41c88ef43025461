import type { MarkPosition } from '../core/audit.js';
import type { Connection } from '../engines/engine.js';
import type { Dialect } from './guard.js';

/** Where the server stands now. A part the server cannot tell (no binary log, a standby) is left out. */
export async function readPosition(connection: Connection, dialect: Dialect): Promise<MarkPosition> {
  const first = async (sql: string) => (await connection.query(sql).catch(() => undefined))?.rows[0];
  if (dialect === 'postgres') {
    // The insert position, not pg_current_wal_lsn() (what is written so far): with synchronous_commit off
    // a commit already made can still lie past the written position, and recovery would stop before it.
    const lsn = (await first('SELECT pg_current_wal_insert_lsn()::text'))?.[0];
    return lsn ? { lsn } : {};
  }
  if (dialect === 'sqlite') return {};
  // MySQL 8.4 renamed SHOW MASTER STATUS; MariaDB and older MySQL know only the old name.
  const result =
    (await connection.query('SHOW BINARY LOG STATUS').catch(() => undefined)) ??
    (await connection.query('SHOW MASTER STATUS').catch(() => undefined));
  const row = result?.rows[0];
  const position: MarkPosition = {};
  if (row?.[0] && row[1]) position.binlog = { file: row[0], position: row[1] };
  const gtid =
    dialect === 'mariadb'
      ? (await first('SELECT @@gtid_binlog_pos'))?.[0]
      : row?.[result!.columns.indexOf('Executed_Gtid_Set')];
  if (gtid) position.gtid = gtid;
  return position;
}
