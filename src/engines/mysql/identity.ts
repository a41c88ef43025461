import type { TableSchema } from '../../core/table.js';
import type { Identity } from '../engine.js';
import type { Session } from './connect.js';

/**
 * The server is MySQL's `@@server_uuid` (made once per data directory, in auto.cnf) or MariaDB's
 * `@@server_uid` (MariaDB has no server_uuid: a hash of the host's MAC address and the port, so a copy
 * started on the same host and port shares it). The database is the session's own, the one the URL names:
 * one MySQL session reaches every database of its server, and an undo file names its table with its
 * database, so a URL naming another database would otherwise still reach the restored table unasked
 * (MySQL keeps no id for a database). The table is its database and name alone. Its CREATE_TIME is no identity: MariaDB writes the table's
 * definition again, and so changes CREATE_TIME, on every ALTER TABLE, the `ALTER TABLE … AUTO_INCREMENT`
 * that moves a counter after a restore commits among them, so an undo would refuse its own restore; and
 * the InnoDB table id, which survives that, is readable only with the PROCESS privilege. A table dropped
 * and created again under the same name is caught by the undo's own check that every row the restore
 * touched is still as it left it.
 */
export async function identity(session: Session, table: TableSchema): Promise<Identity> {
  const version = (await session.scalar('SELECT VERSION()')) ?? '';
  const server = /mariadb/i.test(version)
    ? `MariaDB server_uid ${(await session.scalar('SELECT @@server_uid')) ?? '?'}`
    : `MySQL server_uuid ${(await session.scalar('SELECT @@server_uuid')) ?? '?'}`;
  const database = await session.scalar('SELECT DATABASE()');
  return {
    server,
    database: database === null ? 'no database (the URL names none)' : `database ${database}`,
    table: `table ${table.ref.schema}.${table.ref.name}`,
  };
}
