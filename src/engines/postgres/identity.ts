import type { TableSchema } from '../../core/table.js';
import type { Identity } from '../engine.js';
import type { PgSession } from './connect.js';
import { quoteTable } from './sql.js';

/**
 * The cluster's system identifier says which initdb a server descends from, and a point-in-time copy
 * shares it; its timeline tells the copy apart (recovery to a point starts a new one; a failover of the
 * server itself does too). The database and table oids change when either is dropped and created again.
 * pg_control_system() is readable by every role since PostgreSQL 10; a server that refuses it is named
 * by what it refused. A standby or a copy started from a snapshot shares all three; its postmaster's
 * start time tells it apart (`instance`).
 */
export async function identity(session: PgSession, table: TableSchema): Promise<Identity> {
  const { client } = session;
  const found = await client.query<{ db: string; dboid: string; oid: string; started: string }>(
    `SELECT current_database() AS db, d.oid::text AS dboid, $1::regclass::oid::text AS oid,
            pg_postmaster_start_time()::text AS started
     FROM pg_database AS d WHERE d.datname = current_database()`,
    [quoteTable(table.ref)],
  );
  const row = found.rows[0]!;
  let server: string;
  try {
    const control = await client.query<{ system: string; timeline: string }>(
      `SELECT s.system_identifier::text AS system, c.timeline_id::text AS timeline
       FROM pg_control_system() AS s, pg_control_checkpoint() AS c`,
    );
    const c = control.rows[0]!;
    server = `PostgreSQL system ${c.system}, timeline ${c.timeline}`;
  } catch {
    server = 'PostgreSQL (pg_control_system() not readable by this role)';
  }
  return {
    server,
    database: `database ${row.db} (oid ${row.dboid})`,
    table: `table ${table.ref.schema}.${table.ref.name} (oid ${row.oid})`,
    instance: `server started ${row.started}`,
  };
}
