import { redactSecrets } from './redact.js';

/**
 * Every failure rowback reports on purpose. The code is stable (scripts match on it and the CLI maps it
 * to an exit code); the message says what happened, the hint what to do.
 */
export type ErrorCode =
  | 'usage' // bad flags or arguments
  | 'bad-where' // --where is not a single boolean expression
  | 'table-not-found'
  | 'no-key' // no primary key, no unique NOT NULL key, no --key
  | 'schema-mismatch' // source and target columns cannot be matched safely
  | 'not-transactional' // MySQL table on a non-transactional storage engine
  | 'connection' // host unreachable, wrong password, lost connection
  | 'privilege' // the user lacks a right rowback needs
  | 'missing-parent' // rows to restore reference parents absent from the target
  | 'conflict' // undo: rows changed since the restore
  | 'plan-grew' // under the lock the plan would write more rows than the user confirmed; nothing was written
  | 'wrong-target' // not the database or table the restore wrote to (undo aimed elsewhere); nothing was read or written
  | 'same-table' // --from and --to reach the same table (however spelled): it cannot be restored from itself
  | 'busy' // the target stayed locked by another session (lock timeout, deadlock); nothing was written
  | 'verify-failed' // re-read rows do not match the plan; the transaction was rolled back
  | 'declined' // the user answered no
  | 'interrupted' // Ctrl-C / SIGTERM; the transaction was rolled back
  | 'not-found' // restore id or file not found
  | 'unsupported' // a feature the engine cannot offer
  | 'bad-source' // the source file is truncated or corrupt; nothing was written
  | 'internal';

export const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2,
  'bad-where': 2,
  'table-not-found': 3,
  'no-key': 3,
  'schema-mismatch': 4,
  'not-transactional': 4,
  unsupported: 4,
  connection: 5,
  privilege: 6,
  'missing-parent': 7,
  conflict: 8,
  'plan-grew': 8,
  'wrong-target': 12,
  'same-table': 2,
  busy: 11,
  'bad-source': 13,
  'verify-failed': 9,
  'not-found': 3,
  declined: 10,
  interrupted: 130,
  internal: 70,
};

export class RowbackError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Extra facts for --json output (counts, column names…); never secrets. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(redactSecrets(message), { cause: options.cause });
    this.name = 'RowbackError';
    this.code = code;
    this.hint = options.hint === undefined ? undefined : redactSecrets(options.hint);
    this.details = options.details;
  }
}

export function isRowbackError(error: unknown): error is RowbackError {
  return error instanceof RowbackError;
}

/** Wraps an unexpected error with what rowback was doing, keeping RowbackErrors as they are. */
export function wrapError(error: unknown, doing: string): RowbackError {
  if (isRowbackError(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new RowbackError('internal', `${doing}: ${text}`, { cause: error });
}
