import type { AskPassword, Connection } from '../engines/engine.js';
import type { BackoutSummary } from './backout-source.js';

export type { AskPassword, PasswordRequest } from '../engines/engine.js';

import type { CounterMove } from './counters.js';
import type {
  AppliedCounts,
  ChangedPolicy,
  ExtraPolicy,
  MissingParent,
  PlanCounts,
  Policy,
  SampleRow,
  Verification,
} from './plan.js';

import type { Source } from './source.js';
import type { Timings } from './timings.js';

/** Progress of a long step, for the CLI's progress line. `total` is known for some steps only. */
export interface ProgressEvent {
  step:
    | 'connect'
    | 'describe'
    | 'source'
    | 'stage'
    | 'plan'
    | 'compare'
    | 'apply'
    | 'verify'
    | 'undo'
    | 'script';
  rows?: number;
  total?: number;
  /** What `rows` / `total` count when not rows (`segments`, `%`). */
  unit?: string;
  /** Bytes of the source read so far, where the source measures in bytes (a file). */
  bytes?: number;
  totalBytes?: number;
  message?: string;
  /** Time spent in this step so far, and the estimated time left, when known. */
  elapsedMs?: number;
  etaMs?: number;
}

/** How to reach the past state when `from` alone does not say it all. */
export interface SourceFlags {
  /** Backups and cloud restores hold every database: the one to read (default: the target URL's). */
  database?: string;
  /** PostgreSQL base backup: the WAL archive directory (what archive_command copied to). */
  walArchive?: string;
  /** PostgreSQL base backup: a restore_command with %f and %p (pgBackRest archive-get, wal-g wal-fetch). */
  restoreCommand?: string;
  /** mariadb-backup directory: the server's binlog files. */
  binlogDir?: string;
  /** binlog source: the moment as a binlog position, `FILE:POSITION` (instead of --as-of). */
  asOfPosition?: string;
  /**
   * PostgreSQL base backup: stop recovery just before this WAL LSN (`--as-of mark:<id>` sets it from the
   * mark's recorded position; `--as-of` keeps the mark's time for the checks and messages).
   */
  asOfLsn?: string;
  /** binlog source: the moment as the GTID of the first transaction to undo (instead of --as-of). */
  asOfGtid?: string;
  /** A source with history: the accident to back out (`--backout`, see CommonOptions.backout). */
  backout?: string;
  /** rds: make the restored instance publicly accessible (`--public`; default: not). */
  publiclyAccessible?: boolean;
}

export interface CommonOptions {
  /** The target table: `billing` or `schema.billing`. */
  table: string;
  /** The source: a URL (the instance holding the past state) or a file, or an already-open Source. */
  from: string | Source;
  /** The target: a URL (the live database) or a file, or an already-open connection (left open). */
  to: string | Connection;
  /** The table's name in the source, when it differs. */
  fromTable?: string;
  /** Boolean SQL limiting both sides to a subset of rows. */
  where?: string;
  /**
   * Compare and write only these columns (`--columns`): a row differing only in other columns is `same`,
   * an update sets only these (every other column keeps the target's current value). The key always
   * identifies the row and may not be named. Missing rows are still inserted whole from the source;
   * deleting extra rows (`extra: 'delete'`) is refused with it.
   */
  columns?: string[];
  /**
   * Boolean SQL on the target's CURRENT row that must hold for the row to be touched (`--target-where`,
   * e.g. `plan = 'free'`: the accident's mark is still there). Checked in the plan and again under the
   * apply's lock; rows it excludes are counted per class in `plan.excluded` and never written. A missing
   * row has no current row, so it is never inserted under a `targetWhere`.
   */
  targetWhere?: string;
  /**
   * Back out one accident (`--backout`), with a source that has history (a binlog): the transactions
   * between two moments (`FROM..TO`: times, binlog positions `FILE:POS`, GTIDs) or one GTID. Each column
   * the accident changed is set back where it still holds the accident's value; a column changed again
   * since is a conflict (see `conflicts`). Rows and columns it did not change are never touched.
   */
  backout?: string;
  /** `--backout`: a column changed again since the accident is left alone (default) or set back anyway. */
  conflicts?: 'keep-current' | 'take-source';
  /** Key columns when the table has no primary / unique NOT NULL key (or to override it). */
  key?: string[];
  /** The moment whose state is wanted, for sources that travel in time (`2026-11-24 10:14:59+00`). */
  asOf?: string;
  /** What the source needs besides `from` (WAL archive, binlog dir…). */
  sourceFlags?: SourceFlags;
  /**
   * Where undo files, the audit log and run state files live (made private: 0700, files 0600). Default:
   * the per-user state directory, `$XDG_STATE_HOME/rowback`, else `~/.local/state/rowback`.
   */
  stateDir?: string;
  /** Who runs this, for the audit record. Default: the OS user. */
  operator?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Lines worth telling the user that are not progress: an assumed time zone, what cleanup removed. */
  onNotice?: (text: string) => void;
  /** Called once a temporary instance the source created has been removed, with what was removed. */
  onCleanup?: (summary: string) => void;
  /** Aborting rolls back whatever transaction is open and rejects with RowbackError('interrupted'). */
  signal?: AbortSignal;
  /**
   * Asked for a password when a server wants one and none was given where its own client would look
   * (the URL; PGPASSWORD or ~/.pgpass; MYSQL_PWD or ~/.my.cnf). Without it, that is a 'connection' error.
   */
  askPassword?: AskPassword;
  /**
   * How long to wait for a lock another session holds on the target before giving up as 'busy' (exit 11),
   * having written nothing. Default 10 000 (10 s).
   */
  lockTimeoutMs?: number;
}

export interface DiffOptions extends CommonOptions {
  /** Example rows per class. Default 5. */
  samples?: number;
  /** How to compare (see DiffPath). Default: chosen by rowback (`DiffReport.path` says which). */
  path?: DiffPath;
}

/**
 * How a diff compares: `staged` copies the source rows into a temporary table on the target and classifies
 * them there with SQL; `merge` reads both tables in key order and walks them side by side in rowback,
 * writing nothing anywhere (a standby, a read-only database or role can be compared this way).
 */
export type DiffPath = 'staged' | 'merge';

export interface RestoreOptions extends CommonOptions {
  /** Default `keep-current`; `take-source` when `columns` or `targetWhere` is given (they say what to write). */
  changed?: ChangedPolicy;
  extra?: ExtraPolicy;
  /** Plan, apply and verify in a transaction, then roll back. */
  dryRun?: boolean;
  /** Write the plan as a SQL script to this file instead of applying it. */
  sqlOut?: string;
  disableTriggers?: boolean;
  /**
   * Keep what user triggers wrote into the rows rowback wrote (an `updated_at` stamp). Without it, rows that
   * differ from the source after writing fail the verification and the transaction rolls back.
   */
  allowTriggerChanges?: boolean;
  /** MySQL only: `SET FOREIGN_KEY_CHECKS=0` during the apply. */
  skipForeignKeyChecks?: boolean;
  /**
   * Asked with the preview before anything is written; false → RowbackError('declined'). Asked again when,
   * under the lock, the plan would write more rows of some kind than the preview showed. Without it the
   * previewed plan is applied, and a plan that grew beyond it is refused (RowbackError('plan-grew')).
   */
  confirm?: (preview: Preview) => Promise<boolean>;
  /** Receives every preview before it is (or would be) confirmed: the first, and a grown one. */
  onPreview?: (preview: Preview) => void;
  /**
   * Webhooks told when the restore starts, when its source is ready, its plan, its outcome (or failure)
   * and when cleanup is done: Slack's format for Slack's URLs, generic JSON otherwise. ROWBACK_NOTIFY adds
   * more; an empty list turns them off, ROWBACK_NOTIFY included. A failing webhook is a warning, never a
   * failure.
   */
  notify?: string[];
  /**
   * The most rows the restore may write in all (inserted + updated + deleted): a larger plan is refused,
   * and under the lock the plan may grow beyond the preview up to it without asking again.
   */
  maxChanges?: number;
  /** Example rows per class in the preview. Default 5. */
  samples?: number;
}

export interface UndoOptions {
  /** The restore id printed by `restore` (and in its JSON output). */
  id: string;
  /** The target: a URL or file, or an already-open connection (left open). */
  to: string | Connection;
  /** As for restore. An undo file is also looked for in `./.rowback`, where rowback 0.1 kept it. */
  stateDir?: string;
  operator?: string;
  dryRun?: boolean;
  /** As for restore. */
  askPassword?: AskPassword;
  /** As for restore. */
  lockTimeoutMs?: number;
  /** PostgreSQL: keep user triggers from firing while the rows are put back (needs superuser). */
  disableTriggers?: boolean;
  /** As for restore: keep what user triggers wrote into the rows put back. */
  allowTriggerChanges?: boolean;
  /**
   * Run even where the target's identity (server, database, table) differs from the one the restore
   * recorded: for the same database moved, copied back or failed over since.
   */
  skipIdentityCheck?: boolean;
  confirm?: (preview: UndoPreview) => Promise<boolean>;
  /** Receives the preview before it is (or would be) confirmed. */
  onPreview?: (preview: UndoPreview) => void;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** What diff shows and what restore asks confirmation for. */
export interface Preview {
  id: string;
  table: string;
  source: string;
  target: string;
  key: string[];
  columns: string[];
  /** `--columns`: the only columns compared and written (besides the key). */
  restrictedTo?: string[];
  /** `--target-where`, as given. */
  targetWhere?: string;
  /** `--backout`: the accident's range, what it changed and what stands in the way (conflicts). */
  backout?: BackoutSummary;
  /** `literal`: sample values are SQL literals that say their type (SQLite), shown as they are. */
  values?: 'literal';
  policy: Policy;
  plan: PlanCounts;
  /** What the apply would write with this policy. */
  intended: AppliedCounts;
  samples: SampleRow[];
  missingParents: MissingParent[];
  warnings: string[];
}

export interface DiffReport extends Preview {
  command: 'diff';
  path: DiffPath;
  /** Why this path: asked for, or what kept the target from staging. */
  pathReason: string;
}

export interface RestoreReport extends Preview {
  command: 'restore';
  outcome: 'applied' | 'dry-run' | 'script' | 'nothing-to-do';
  /**
   * `direct`: the target was empty and the source streamed straight in; `merge`: both sides read in key
   * order and merged in rowback under the lock, the missing rows copied straight in; `staged`: merged via
   * a staging table.
   */
  path: 'direct' | 'merge' | 'staged';
  /** What was written (zero for script / nothing-to-do; what would have been for dry-run). */
  applied: AppliedCounts;
  verification?: Verification;
  /** Counters moved past restored keys (on a dry run: where they would move; they were left alone). */
  sequences: CounterMove[];
  /** Where the undo images are, an absolute path (applied restores only). */
  undoFile?: string;
  sqlOut?: string;
  /**
   * Bytes of a file source read, every pass together: the table's data once when it streamed straight in
   * with nobody to ask; twice when it was counted first for a prompt. Absent for a live server.
   */
  sourceBytesRead?: number;
  durationMs: number;
  /** Wall time per step in milliseconds, in the order the steps first ran (see Step). */
  timings?: Timings;
}

export interface UndoPreview {
  id: string;
  restoreId: string;
  table: string;
  target: string;
  /** What the restore wrote, which undo reverts. */
  restored: AppliedCounts;
  warnings: string[];
}

export interface UndoReport extends UndoPreview {
  command: 'undo';
  outcome: 'undone' | 'dry-run';
  applied: AppliedCounts;
  verification: Verification;
  /** Counters moved (on a dry run: where they would move; they were left alone). */
  sequences: CounterMove[];
  durationMs: number;
}
