import type { UndoBundle, UndoSink } from '../core/images.js';
import type {
  AppliedCounts,
  MissingParent,
  PlanCounts,
  Policy,
  RowClass,
  SampleRow,
  Verification,
} from '../core/plan.js';
import type { TableRef, TableSchema } from '../core/table.js';
import type {
  Capabilities,
  ConnectOptions,
  EngineName,
  MergeKey,
  ReadOptions,
  RowStream,
  SessionProfile,
  Staged,
  StageOptions,
} from './engine.js';

/*
 * The interface every engine implemented before the write flow moved into src/core: each engine carried
 * the whole apply, direct path, undo and script. Engines leave it one at a time; see engine.ts.
 */

/**
 * An Engine is the adapter between rowback's core and one database engine. The core reaches databases only
 * through this interface; adding an engine touches `src/engines/<name>/` and one line of
 * `src/engines/index.ts`. See the PostgreSQL engine as an example.
 */
export interface LegacyEngine {
  readonly name: EngineName;
  /** URL schemes this engine accepts, without the colon (`postgres`, `postgresql`; `mysql`, `mariadb`). */
  readonly schemes: readonly string[];
  readonly capabilities: Capabilities;
  /**
   * Opens one session and pins its settings (time zone UTC, encoding UTF-8, exact float text, …).
   * Throws RowbackError('connection') for unreachable hosts and bad credentials; the message names the
   * redacted URL and never the password.
   */
  connect(url: string, options?: ConnectOptions): Promise<LegacyConnection>;
}

export interface PlanOptions {
  /** Limits the extra rows (target side) to this user filter. */
  where?: string;
}

export interface ApplyOptions {
  policy: Policy;
  where?: string;
  /** The plan the user confirmed; the apply re-plans under the lock and reports any difference. */
  expected?: PlanCounts;
  /** PostgreSQL: `SET session_replication_role = replica` for the apply (needs superuser). */
  disableTriggers?: boolean;
  /** MySQL: `SET FOREIGN_KEY_CHECKS = 0` for the apply; only behind an explicit user flag. */
  skipForeignKeyChecks?: boolean;
  /** Compute everything, write everything, verify, then roll back. */
  dryRun?: boolean;
  /** Receives the pre- and post-images before commit. */
  undo: UndoSink;
  /** Progress while writing (rows written so far). */
  onProgress?: (step: string, rows: number) => void;
}

export interface ApplyResult {
  /** The plan as classified under the lock, which is what was applied. */
  plan: PlanCounts;
  applied: AppliedCounts;
  verification: Verification;
  /** Sequences / AUTO_INCREMENT counters moved, with their new value as text. */
  sequences: { name: string; value: string }[];
  /** Things the user should know (plan changed since preview, triggers changed rows, …). */
  warnings: string[];
  /** True when the apply took the direct path (target had none of the source keys: no staging). */
  direct?: boolean;
  /**
   * Whether the apply classified the rows again under its lock. An engine may skip it only when it can
   * prove the target has not changed since `plan` ran.
   */
  replanned?: boolean;
}

export interface UndoResult {
  /** Rows put back to their pre-image, inserted again, and deleted (those the restore had inserted). */
  applied: AppliedCounts;
  verification: Verification;
  /** Things the user should know (e.g. triggers changed rows as they were put back). */
  warnings?: string[];
}

export interface ScriptOptions {
  policy: Policy;
  where?: string;
  /** Receives the SQL script text, in order. */
  write: (text: string) => Promise<void>;
}

/**
 * One session on one server. Methods run one at a time (never concurrently on one Connection).
 * Every statement quotes identifiers with the engine's quoting; user `where` text is only ever used as a
 * boolean filter of a SELECT.
 */
export interface LegacyConnection {
  readonly engine: LegacyEngine;
  /** The URL with the password removed, for messages. */
  readonly redactedUrl: string;
  /** Settings a source connection must share with this target (see SessionProfile). */
  profile(): Promise<SessionProfile>;
  /** The server's version string, for the audit record. */
  serverVersion(): Promise<string>;
  /** Tables visible to this session, for "did you mean" suggestions. */
  listTables(): Promise<Required<TableRef>[]>;
  /**
   * Describes a table. `key` overrides the key (user `--key`). Throws RowbackError('table-not-found')
   * when the table does not exist. `schema.key` is undefined when no usable key exists.
   */
  describe(table: TableRef, options?: { key?: string[] }): Promise<TableSchema>;
  /** Throws RowbackError('bad-where') unless `where` is a valid boolean filter on this table. */
  checkWhere(table: TableSchema, where: string): Promise<void>;
  /** Counts rows (under the filter). */
  count(table: TableSchema, where?: string): Promise<number>;
  /** True when the table has no row at all; cheap whatever its size (no full count). */
  isEmpty(table: TableSchema): Promise<boolean>;
  /** Streams the table out in the text row format. */
  read(table: TableSchema, options: ReadOptions): RowStream;
  /** See Connection.stagingBlocked. */
  stagingBlocked(): Promise<string | undefined>;
  /** See Connection.mergeKey. */
  mergeKey(target: TableSchema): Promise<MergeKey>;
  /** Streams rows into a new temporary table shaped like the target's columns (COPY / LOAD DATA). */
  stage(target: TableSchema, rows: RowStream, options: StageOptions): Promise<Staged>;
  /** Classifies every staged key against the target: missing / changed / extra / same. Read-only. */
  plan(staged: Staged, options?: PlanOptions): Promise<PlanCounts>;
  /** Up to `limit` example rows of one class, with column-level differences for changed rows. */
  samples(staged: Staged, rowClass: RowClass, limit: number, options?: PlanOptions): Promise<SampleRow[]>;
  /** Rows the policy would write whose foreign keys point at parents absent from the target. */
  missingParents(staged: Staged, policy: Policy): Promise<MissingParent[]>;
  /**
   * Carries out the plan in ONE transaction: lock the target against writers, re-plan under the lock,
   * write the undo images, insert / update / delete, move sequences past restored values, re-read and
   * verify, then COMMIT (or ROLLBACK on dry-run or any error, including verification failure when no
   * trigger explains it).
   */
  apply(staged: Staged, options: ApplyOptions): Promise<ApplyResult>;
  /**
   * The direct path for a target that holds none of the source's keys (e.g. after `DELETE` without
   * `WHERE`): in ONE transaction, lock, check the target still has no rows, stream the source rows
   * straight in, copy them to `undo.writeAfter` as they pass, move sequences, verify the count, COMMIT.
   * Returns undefined (having written nothing) when the target is not empty under the lock; the caller
   * then stages and applies as usual. Engines may also decline (return undefined) when the path would not be
   * exact for this table: rows that carry an origin (inheritance), enabled user triggers.
   */
  applyDirect(
    target: TableSchema,
    rows: RowStream,
    options: StageOptions & Omit<ApplyOptions, 'policy' | 'expected' | 'where' | 'onProgress'>,
  ): Promise<ApplyResult | undefined>;
  /** Writes the plan as a SQL script a human can review and run with the engine's own client. */
  script(staged: Staged, options: ScriptOptions): Promise<void>;
  /**
   * Reverts a restore in ONE transaction: lock, check every row the restore touched still equals its
   * post-image (else RowbackError('conflict') naming how many and a few keys), put pre-images back,
   * delete the rows it inserted, verify, COMMIT.
   */
  undo(target: TableSchema, bundle: UndoBundle, options: { dryRun?: boolean }): Promise<UndoResult>;
  /** Drops a staged table early (it is dropped at close anyway). */
  dropStaged(staged: Staged): Promise<void>;
  /** Closes the session; an open transaction rolls back. Safe to call twice. */
  close(): Promise<void>;
  /** Aborts whatever runs now (Ctrl-C): the server cancels the statement and the transaction rolls back. */
  cancel(): Promise<void>;
}
