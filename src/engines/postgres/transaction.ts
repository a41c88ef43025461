import type pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { PgSession } from './connect.js';
import { qualified } from './sql.js';

/** Stops between steps once cancel() was called (a statement in flight is cancelled by the server). */
export function checkCancelled(session: PgSession): void {
  if (session.cancelled)
    throw new RowbackError('interrupted', 'Interrupted; the transaction was rolled back.');
}

/**
 * Blocks concurrent writers of the table (and its inheritance children, which LOCK includes) until the
 * transaction ends; readers go on. Writes committed before the lock are seen by the re-plan after it.
 */
export async function lockTarget(client: pg.Client, target: TableSchema): Promise<void> {
  await client.query(`LOCK TABLE ${qualified(target.ref)} IN SHARE ROW EXCLUSIVE MODE`);
}

/** `session_replication_role = replica` for this transaction: user triggers and rules do not fire. */
export async function disableTriggers(client: pg.Client): Promise<void> {
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

/** Rolls back, ignoring a connection that is already gone (the server rolled back then). */
export async function rollback(session: PgSession): Promise<void> {
  if (session.closed) return;
  await session.client.query('ROLLBACK').catch(() => {});
}
