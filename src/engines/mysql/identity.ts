import type { TableSchema } from '../../core/table.js';
import type { Identity } from '../engine.js';
import type { Session } from './connect.js';

/**
 * The server is MySQL's `@@server_uuid` (made once per data directory, in auto.cnf) or MariaDB's
 * `@@server_uid` (MariaDB has no server_uuid: a hash of the host's MAC address and the port, so a copy
 * started on the same host and port shares it). The database is the session's own, the one the URL names:
 * one MySQL session reaches every database of its server, and an undo file names its table with its
 * database, so a URL naming another database would otherwise still reach the restored table unasked
 * (MySQL keeps no id for a database). The table is its database, name and CREATE_TIME, which tells a
 * table dropped and created again apart (to the second); where the session may read it (PROCESS), the
 * InnoDB table id, given anew to every table created, tells them apart within the second too. MariaDB also
 * changes CREATE_TIME on every ALTER TABLE, `ALTER TABLE … AUTO_INCREMENT` included: the core reads the
 * identity again once a restore's counters have moved; an ALTER by anyone else between a restore and its
 * undo makes the undo refuse, and `--skip-identity-check` is the way on.
 */
export async function identity(session: Session, table: TableSchema): Promise<Identity> {
  const version = (await session.scalar('SELECT VERSION()')) ?? '';
  const server = /mariadb/i.test(version)
    ? `MariaDB server_uid ${(await session.scalar('SELECT @@server_uid')) ?? '?'}`
    : `MySQL server_uuid ${(await session.scalar('SELECT @@server_uuid')) ?? '?'}`;
  const database = await session.scalar('SELECT DATABASE()');
  // The session's time zone is pinned to UTC, so the time reads the same on every run.
  const created = await session.scalar(
    'SELECT CREATE_TIME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [table.ref.schema, table.ref.name],
  );
  const tableId = await innodbTableId(session, table, /mariadb/i.test(version));
  return {
    server,
    database: database === null ? 'no database (the URL names none)' : `database ${database}`,
    table: `table ${table.ref.schema}.${table.ref.name} (created ${created ?? 'at an unknown time'})`,
    ...(tableId === undefined ? {} : { tableId: `InnoDB ${tableId}` }),
  };
}

/**
 * The InnoDB table id, or undefined where it cannot be read: without the PROCESS privilege, for another
 * storage engine, or for a name InnoDB stores encoded (anything but letters, digits and `_`).
 */
async function innodbTableId(
  session: Session,
  table: TableSchema,
  mariadb: boolean,
): Promise<string | undefined> {
  const plain = /^[A-Za-z0-9_]+$/;
  if (!plain.test(table.ref.schema) || !plain.test(table.ref.name)) return undefined;
  const view = mariadb ? 'INNODB_SYS_TABLES' : 'INNODB_TABLES';
  try {
    const id = await session.scalar(`SELECT TABLE_ID FROM information_schema.${view} WHERE NAME = ?`, [
      `${table.ref.schema}/${table.ref.name}`,
    ]);
    return id ?? undefined;
  } catch {
    return undefined; // no PROCESS privilege: the creation time alone tells tables apart
  }
}
