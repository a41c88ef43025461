import { createHash } from 'node:crypto';
import { RowbackError } from '../../core/errors.js';
import { notTransactionalError } from '../../core/refusals.js';
import type { TableRef, TableSchema } from '../../core/table.js';
import type { BeginOptions } from '../engine.js';
import type { Session } from './connect.js';
import { quoteTable } from './sql.js';

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

/** What `begin` changed on a session for its transaction, put back when it ends. */
const transactions = new WeakMap<Session, { skipForeignKeyChecks: boolean }>();

/** A write transaction (`begin`) is open on the session. */
export function inTransaction(session: Session): boolean {
  return transactions.has(session);
}

/** The open transaction runs with foreign key checks off (`--skip-foreign-key-checks`). */
export function foreignKeyChecksOff(session: Session): boolean {
  return transactions.get(session)?.skipForeignKeyChecks === true;
}

/**
 * Opens the write transaction and locks the target against writers. A locking read of the whole table
 * (`FOR UPDATE` under REPEATABLE READ) takes next-key locks on every row and gap, so no other session can
 * insert, update or delete until COMMIT, while plain readers go on reading. LOCK TABLES would block
 * readers too, and START TRANSACTION releases table locks (LOCK TABLES needs autocommit off instead). The
 * locking read is the transaction's first statement, so everything read after it is the latest committed
 * state: a row another session wrote before the lock is what the classification sees. Another rowback run
 * on the same table is waited for first (see takeTableLock): gap locks alone would let two of them
 * deadlock on an empty table. A table whose storage cannot roll back gets no transaction at all.
 */
export async function begin(session: Session, target: TableSchema, options: BeginOptions): Promise<void> {
  if (!target.transactional) throw notTransactionalError(target);
  if (options.disableTriggers) {
    throw new RowbackError('unsupported', 'MySQL cannot keep triggers from firing for one session.');
  }
  const name = `${target.ref.schema}.${target.ref.name}`;
  try {
    await takeTableLock(session, target.ref);
    transactions.set(session, { skipForeignKeyChecks: options.skipForeignKeyChecks === true });
    if (options.skipForeignKeyChecks) await session.exec('SET SESSION FOREIGN_KEY_CHECKS = 0');
    await session.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await session.exec('START TRANSACTION');
    const index = target.key?.origin === 'primary' ? ' FORCE INDEX (PRIMARY)' : '';
    await session.run(`SELECT COUNT(*) FROM ${quoteTable(target.ref)}${index} FOR UPDATE`);
  } catch (error) {
    await rollback(session);
    throw session.wrap(error, `while locking ${name}`);
  }
}

/** Commits, then puts the session's foreign key checks back and releases the table lock. */
export async function commit(session: Session): Promise<void> {
  try {
    await session.exec('COMMIT');
  } catch (error) {
    await rollback(session);
    throw session.wrap(error, 'while committing');
  }
  await release(session);
}

/**
 * Rolls back and releases; quiet when the session is gone (the server has rolled back then). Runs even
 * after `cancel`, which otherwise makes every statement fail: the killed statement leaves the
 * transaction open.
 */
export async function rollback(session: Session): Promise<void> {
  const cancelled = session.cancelled;
  session.cancelled = false;
  try {
    await session.exec('ROLLBACK').catch(() => {});
    await release(session);
  } finally {
    session.cancelled = cancelled;
  }
}

async function release(session: Session): Promise<void> {
  const transaction = transactions.get(session);
  transactions.delete(session);
  if (transaction?.skipForeignKeyChecks || session.checksSuspended) {
    session.checksSuspended = false;
    await session.exec('SET SESSION FOREIGN_KEY_CHECKS = 1').catch(() => {});
  }
  await releaseTableLock(session);
}
