import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { BeginOptions } from '../engine.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { avoidNestedLoops } from './plan.js';
import { quoteString, quoteTable } from './sql.js';

/** Stops between steps once cancel() was called (a statement in flight is cancelled by the server). */
export function checkCancelled(session: PgSession): void {
  if (session.cancelled)
    throw new RowbackError('interrupted', 'Interrupted; the transaction was rolled back.');
}

/** Sessions holding a lock on the table (or a child) that conflicts with SHARE ROW EXCLUSIVE. */
async function lockHolders(client: pg.Client, target: TableSchema): Promise<string[]> {
  const tables = [target.ref, ...target.children].map((r) => quoteTable(r));
  const found = await client.query<{ who: string }>(
    `SELECT DISTINCT format('pid %s (%s, %s, %s)', a.pid, coalesce(a.usename, '?'),
             coalesce(nullif(a.application_name, ''), 'no application name'),
             coalesce(a.state, '?') || coalesce(', transaction open for ' || date_trunc('second', clock_timestamp() - a.xact_start)::text, '')) AS who
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
       AND l.relation IN (SELECT to_regclass(t)::oid FROM unnest($1::text[]) AS t)
       AND l.mode IN ('RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
                      'ExclusiveLock', 'AccessExclusiveLock')
     ORDER BY 1`,
    [tables],
  );
  return found.rows.map((r) => r.who);
}

/**
 * Blocks concurrent writers of the table (and its inheritance children, which LOCK includes) until the
 * transaction ends; readers go on. Writes committed before the lock are seen by the re-plan after it.
 * Waits at most the session's lock_timeout for the lock, here and for row locks later in the transaction;
 * a table held longer by another transaction throws RowbackError('busy') naming the sessions holding it.
 */
async function lockTarget(session: PgSession, target: TableSchema): Promise<void> {
  const { client } = session;
  await client.query(`SET LOCAL lock_timeout = ${quoteString(session.lockTimeout)}`);
  // After a mass DELETE, autovacuum is soon at work on the table. The server cancels it for a session
  // waiting on its lock only after that session's deadlock_timeout (1 s by default); where rowback may set
  // it (a superuser), it waits a tenth of that. Only lowered, for this transaction.
  await client.query(
    `SELECT set_config('deadlock_timeout', '100ms', true) FROM pg_roles
     WHERE rolname = current_user AND rolsuper AND current_setting('deadlock_timeout')::interval > interval '100ms'`,
  );
  await client.query('SAVEPOINT rowback_lock');
  try {
    await client.query(`LOCK TABLE ${quoteTable(target.ref)} IN SHARE ROW EXCLUSIVE MODE`);
  } catch (error) {
    if ((error as { code?: string })?.code !== '55P03') throw error;
    await client.query('ROLLBACK TO SAVEPOINT rowback_lock');
    const holders = await lockHolders(client, target).catch(() => []);
    const name = `${target.ref.schema}.${target.ref.name}`;
    throw new RowbackError(
      'busy',
      `Waited ${duration(session.lockTimeout)} for a lock on ${name}, held by ${holders.length ? holders.join('; ') : 'another transaction'}; nothing was written.`,
      {
        cause: error,
        hint: 'Let that transaction finish (or end it with pg_terminate_backend(pid) if it is stuck), then run this again; --lock-timeout waits longer.',
        details: { holders },
      },
    );
  }
  await client.query('RELEASE SAVEPOINT rowback_lock');
}

/** `session_replication_role = replica` for this transaction: user triggers and rules do not fire. */
async function disableTriggers(client: pg.Client): Promise<void> {
  try {
    await client.query('SET LOCAL session_replication_role = replica');
  } catch (error) {
    const e = error as { code?: string };
    if (e?.code === '42501') {
      throw new RowbackError(
        'privilege',
        'Cannot disable triggers: setting session_replication_role needs superuser.',
        {
          cause: error,
          hint: 'Run without --disable-triggers, or as a superuser (or a role granted SET on session_replication_role).',
        },
      );
    }
    throw error;
  }
}

/**
 * Opens the write transaction: nested loops off (see avoidNestedLoops), user triggers off when asked, and
 * the lock that keeps other writers out until it ends.
 */
export async function begin(session: PgSession, target: TableSchema, options: BeginOptions): Promise<void> {
  const { client } = session;
  checkCancelled(session);
  let doing = `starting a transaction on ${target.ref.schema}.${target.ref.name}`;
  try {
    await client.query('BEGIN');
    session.inTransaction = true;
    await avoidNestedLoops(client);
    if (options.disableTriggers) await disableTriggers(client);
    doing = `locking ${target.ref.schema}.${target.ref.name}`;
    await lockTarget(session, target);
    checkCancelled(session);
  } catch (error) {
    await rollback(session);
    throw mapError(error, doing, { interrupted: session.cancelled, rolledBack: true });
  }
}

export async function commit(session: PgSession): Promise<void> {
  try {
    await session.client.query('COMMIT');
  } catch (error) {
    throw mapError(error, 'committing', { interrupted: session.cancelled, rolledBack: true });
  } finally {
    session.inTransaction = false;
  }
}

/** Rolls back, ignoring a connection that is already gone (the server rolled back then). */
export async function rollback(session: PgSession): Promise<void> {
  session.inTransaction = false;
  if (session.closed) return;
  await session.client.query('ROLLBACK').catch(() => {});
}

/** `10s` → `10 s`, `2500ms` → `2.5 s`, as people read it. */
function duration(pgText: string): string {
  const [, amount, unit] = /^(\d+)(ms|s)$/.exec(pgText) ?? [];
  if (amount === undefined) return pgText;
  const ms = Number(amount) * (unit === 's' ? 1000 : 1);
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}
