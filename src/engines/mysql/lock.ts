import { createHash } from 'node:crypto';
import { RowbackError } from '../../core/errors.js';
import type { TableRef } from '../../core/table.js';
import type { Session } from './connect.js';

/** GET_LOCK names are at most 64 characters. */
const MAX_NAME = 64;

/** The user lock that one rowback writer of a table holds: `rowback:<db>.<table>`, hashed when too long. */
export function tableLockName(ref: Required<TableRef>): string {
  const name = `rowback:${ref.schema}.${ref.name}`;
  if ([...name].length <= MAX_NAME) return name;
  return `rowback:${createHash('sha256')
    .update(name)
    .digest('hex')
    .slice(0, MAX_NAME - 8)}`;
}

/**
 * Takes the rowback lock of a table before its transaction starts, so two rowback runs on one table take
 * turns. Row locks alone do not serialize them: a locking read of an empty table takes only gap locks,
 * which do not conflict, and the two inserts that follow then deadlock. The lock is the session's (not the
 * transaction's), so `releaseTableLock` must follow COMMIT or ROLLBACK; a lost session drops it. Waits as
 * long as a row lock would (innodb_lock_wait_timeout), then throws RowbackError('busy').
 */
export async function takeTableLock(session: Session, ref: Required<TableRef>): Promise<void> {
  const name = tableLockName(ref);
  const got = await session.scalar('SELECT GET_LOCK(?, @@SESSION.innodb_lock_wait_timeout)', [name]);
  if (got === '1') {
    session.heldLock = name;
    return;
  }
  if (session.cancelled)
    throw new RowbackError('interrupted', 'Interrupted; the transaction was rolled back.');
  const holder = await session.scalar('SELECT IS_USED_LOCK(?)', [name]).catch(() => null);
  const waited = await session.scalar('SELECT @@SESSION.innodb_lock_wait_timeout').catch(() => null);
  throw new RowbackError(
    'busy',
    `Another rowback run${holder ? ` (connection ${holder})` : ''} is writing ${ref.schema}.${ref.name}; waited ${waited ?? '?'} s for it to finish. Nothing was written.`,
    {
      hint: 'Run the command again when the other restore or undo has finished.',
      details: holder ? { connection: holder } : undefined,
    },
  );
}

/** Releases the table lock this session holds, if any (after COMMIT or ROLLBACK). */
export async function releaseTableLock(session: Session): Promise<void> {
  const name = session.heldLock;
  if (!name) return;
  session.heldLock = undefined;
  await session.exec('DO RELEASE_LOCK(?)', [name]).catch(() => {});
}
