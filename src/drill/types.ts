import type { AskPassword, ProgressEvent, SourceFlags } from '../core/options.js';

/**
 * `rowback drill`: the restore rehearsed end to end into a scratch table, never production — the source
 * made ready (an instance restored, a backup recovered), the table restored into the scratch, counted and
 * checksummed, compared with the live table, everything removed — each step timed, for cron and alerting.
 */
export interface DrillOptions {
  /** The table to rehearse: `billing` or `schema.billing`, as named in the source and the live database. */
  table: string;
  /** The source, as for restore: a backup directory, rds:INSTANCE, a dump file, a URL. */
  from: string;
  /** The moment: `2026-11-24 10:14:59+00`, `5 minutes ago`, `now`. */
  asOf?: string;
  sourceFlags?: SourceFlags;
  /**
   * The scratch target: a database URL (or file) where the table may be created. Its table must not
   * exist, or be empty, or be one a drill created (it carries rowback's mark). Default: a throwaway
   * server of the source's engine, started for the drill and removed after it.
   */
  to?: string;
  /**
   * The live database holding the table. It gives the user, password and database a restored instance is
   * logged into (rds:) and the database read in a backup, and its table is what the restored one is
   * compared with. Only read.
   */
  live?: string;
  /** Key columns when the table has none (as restore's --key). */
  key?: string[];
  /**
   * The live table is not written between as-of and the drill (a reference table, a quiet hour): a
   * restored table that differs from it is then a failure, not a fact.
   */
  expectSame?: boolean;
  /** Keep the scratch table after the drill (default: dropped, or emptied when it existed before). */
  keep?: boolean;
  /** Where run state files go, so `rowback cleanup` finds what a killed drill left. */
  stateDir?: string;
  operator?: string;
  /** Webhooks told the outcome (as restore's notify; ROWBACK_NOTIFY adds more). */
  notify?: string[];
  onProgress?: (event: ProgressEvent) => void;
  onNotice?: (text: string) => void;
  signal?: AbortSignal;
  askPassword?: AskPassword;
}

/** The steps of a drill, in order. `recover` and `restore` together are the time to recovery. */
export type DrillStepName = 'scratch' | 'recover' | 'restore' | 'checksum' | 'compare' | 'cleanup';

export interface DrillStep {
  step: DrillStepName;
  ok: boolean;
  durationMs: number;
  /** What the step did, or why it failed. */
  detail: string;
  error?: { code: string; message: string; hint?: string };
}

/** A table's row count and checksum: the sum of each row's SHA-256 (first 64 bits), mod 2^64, in hex. */
export interface TableChecksum {
  rows: number;
  checksum: string;
}

/**
 * How the restored table compares with the live one. With a MySQL/MariaDB live server whose binlog covers
 * the moment, with the live table as it was at as-of: `match`, or `mismatch` (the drill fails). Elsewhere
 * with the live table as it is now: `match`, or `differs` — a table written since as-of differs, and so
 * does one a broken restore produced, so `differs` fails the drill only with `expectSame`. `skipped`: no
 * live database was given.
 */
export type Comparison = 'match' | 'mismatch' | 'differs' | 'skipped';

export interface DrillReport {
  command: 'drill';
  id: string;
  table: string;
  source: string;
  asOf?: string;
  scratch: string;
  live?: string;
  outcome: 'passed' | 'failed';
  steps: DrillStep[];
  /** recover + restore: how long this restore would take in an incident. */
  timeToRecoveryMs: number;
  restored?: TableChecksum;
  liveTable?: TableChecksum;
  /** What the live table's checksum was taken of: its state at as-of (from its binlog), or now. */
  liveAt?: 'as-of' | 'now';
  comparison: Comparison;
  /** The step that failed, and why. */
  failure?: DrillStep;
  warnings: string[];
  durationMs: number;
}

/** Exit code of a drill that ran and failed (any step); 0 when it passed. */
export const DRILL_FAILED_EXIT = 22;
