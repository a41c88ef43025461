import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { RowbackError } from './errors.js';
import { redactSecrets } from './redact.js';
import { ensurePrivateDir, openPrivate, PRIVATE_FILE, tighten } from './state-dir.js';

/** One line of `<state-dir>/audit.jsonl`: who did what to which table, with what outcome. Never a secret. */
export interface AuditRecord {
  time: string;
  command: 'diff' | 'restore' | 'undo' | 'mark';
  id: string;
  operator: string;
  table: string;
  target: string;
  source?: string;
  restoreId?: string;
  policy?: { changed: string; extra: string };
  where?: string;
  /** `--columns` and `--target-where`, when given. */
  columns?: string[];
  targetWhere?: string;
  /** `--backout`: the accident's range, and how many conflicts it had. */
  backout?: { range: string; conflicts: number; conflictPolicy: string };
  plan?: { missing: number; changed: number; extra: number; same: number };
  applied?: { inserted: number; updated: number; deleted: number };
  outcome: string;
  error?: { code: string; message: string };
  durationMs: number;
  /** A `mark`: the restore point `rowback sql` took before a destructive statement (see MarkPosition). */
  mark?: MarkPosition;
  /** A `mark`: the statement about to run. */
  statement?: string;
}

/** Where the database stood just before a statement: enough to restore to that moment. */
export interface MarkPosition {
  /** PostgreSQL: `pg_current_wal_lsn()`. */
  lsn?: string;
  /** MySQL/MariaDB: the binary log file and position (`--as-of-position file:pos`). */
  binlog?: { file: string; position: string };
  /** MySQL `@@gtid_executed` / MariaDB `@@gtid_binlog_pos`, when GTIDs are on. */
  gtid?: string;
}

export function defaultOperator(): string {
  try {
    return process.env.ROWBACK_OPERATOR || userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Appends one record to `<stateDir>/audit.jsonl`, the log of every diff, restore and undo (kept 0600). */
export async function appendAudit(stateDir: string, record: AuditRecord): Promise<void> {
  await ensurePrivateDir(stateDir);
  const path = join(stateDir, 'audit.jsonl');
  await tighten(path, PRIVATE_FILE); // a log an earlier version wrote world-readable
  const file = await openPrivate(path, 'a');
  try {
    await file.appendFile(`${redactSecrets(JSON.stringify(record))}\n`, 'utf8');
  } finally {
    await file.close();
  }
}

/**
 * Appends the record of a finished run, whatever its end: the outcome it reached, or `declined` /
 * `failed` with the error. A record that cannot be written is reported as a process warning rather than
 * turning a finished restore into a failure.
 */
export async function recordRun(
  stateDir: string,
  record: Omit<AuditRecord, 'time' | 'outcome' | 'error' | 'durationMs'>,
  started: number,
  outcome: string | undefined,
  failure: RowbackError | undefined,
): Promise<void> {
  try {
    await appendAudit(stateDir, {
      ...record,
      time: new Date().toISOString(),
      outcome: outcome ?? (failure?.code === 'declined' ? 'declined' : 'failed'),
      ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
      durationMs: Date.now() - started,
    });
  } catch (error) {
    process.emitWarning(`rowback could not append to ${stateDir}/audit.jsonl: ${(error as Error).message}`);
  }
}
