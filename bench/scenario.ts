import type { SqlSession } from '../src/demo/db.js';

/** The two accidents the bench repairs. */
export type CaseName = 'A' | 'B';

export const CASE_TITLES: Record<CaseName, string> = {
  A: 'all rows deleted',
  B: '50% deleted + 10,000 new + 10,000 edited',
};

/** Rows written on the target after the accident in case B. */
export const NEW_WRITES = 10_000;

/** Rows edited on the target after the accident in case B: surviving (odd) keys, the lowest ones. */
export const EDITS = 10_000;
const EDITED = `id % 2 = 1 AND id < ${2 * EDITS}`;

/** The edit made after the accident (the same SQL on every engine). */
export const EDIT_ROWS = `UPDATE billing SET amount = amount + 1, status = 'void' WHERE ${EDITED}`;

/** How many rows the edit touches in a table of keys 1..rows. */
export function editedCount(rows: number): number {
  return Math.min(EDITS, Math.ceil(rows / 2));
}

/** Generated rows (a SELECT with the billing columns) as they read once the edit was made. */
export function withEdits(rows: string): string {
  return `SELECT id, account_id, CASE WHEN ${EDITED} THEN amount + 1 ELSE amount END AS amount, currency,
      CASE WHEN ${EDITED} THEN 'void' ELSE status END AS status, created_at, note FROM (${rows}) AS g`;
}

/** Row count and an order-independent checksum of a table's content, both as decimal text. */
export interface Fingerprint {
  rows: string;
  checksum: string;
}

/** One shell-free process: a program, its arguments and extra environment (passwords go there, never in argv). */
export interface Command {
  program: string;
  args: string[];
  env?: Record<string, string>;
}

/** `producer | consumer`. */
export interface Pipeline {
  label: string;
  producer: Command;
  consumer: Command;
}

/**
 * How one engine builds the bench's `billing` table and moves it. Row values come from a deterministic
 * generator over the key, so the content expected after a repair can be computed on any server.
 */
export interface Scenario {
  readonly engine: 'postgres' | 'mysql' | 'sqlite';
  /** The manual way merges (case B is then checked against the repair, not refused outright). */
  readonly manualMerges?: boolean;
  /** Drops and creates `billing` with rows 1..rows (the source, and the target before its accident). */
  create(db: SqlSession, rows: number): Promise<void>;
  /** Puts the target in the state right after the case's accident (filled, then the accident replayed). */
  prepare(db: SqlSession, kase: CaseName, rows: number): Promise<void>;
  /** Empties the target's table, for the physical floor. */
  empty(db: SqlSession): Promise<void>;
  /** What `billing` holds now. */
  fingerprint(db: SqlSession): Promise<Fingerprint>;
  /** What `billing` must hold after rowback repaired the case (computed by the generator on this server). */
  expected(db: SqlSession, kase: CaseName, rows: number): Promise<Fingerprint>;
  /** The manual way: dump the table's data from the source and load it into the target. */
  manual(source: string, target: string): Pipeline;
  /**
   * The expert's hand merge, typed at the clients: the source's rows into a stage table with the native
   * loader, ANALYZE, then an anti-join INSERT … SELECT of the keys the target lacks. Not atomic, no undo,
   * nothing verified: the time rowback has to beat while doing all of that.
   */
  handMerge?(source: string, target: string): Pipeline;
  /** Names the physical floor in the report. */
  readonly floorLabel: string;
  /** The physical floor: the table's raw text moved from the source into the emptied target, nothing else. */
  floor(source: string, target: string): Promise<void>;
  /** Drops whatever helper objects `create` made. */
  cleanup(db: SqlSession): Promise<void>;
}

/** The checksum query's shape is the same on both engines: sum of 60 bits of each row's md5. */
export function fingerprintOf(row: Record<string, string | null> | undefined): Fingerprint {
  return { rows: row?.['rows'] ?? '0', checksum: row?.['checksum'] ?? '0' };
}
