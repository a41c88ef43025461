import type { MissingParent, PlanCounts, RowClass, SampleRow } from '../core/plan.js';
import type { ListedTable, TableRef, TableSchema } from '../core/table.js';
import type { Capabilities } from './capabilities.js';
import type {
  BeginOptions,
  ClassifyOptions,
  Counter,
  Differing,
  Drift,
  KeyCheck,
  MergeKey,
  Plan,
  QueryResult,
  ReadOptions,
  Referencing,
  SampleKind,
  Staged,
  StageOptions,
  UnwritableColumn,
  VerifyResult,
} from './step-types.js';

/**
 * Rows on the move, as a byte stream in rowback's text row format: the PostgreSQL `COPY … TEXT` format,
 * which MySQL's `LOAD DATA` default format also reads. One row per line ending in `\n`; fields separated
 * by `\t`; NULL is `\N`; a backslash, tab, newline or carriage return inside a value is written `\\`, `\t`,
 * `\n`, `\r`; every other byte is itself. Each value is the engine's own text for it (see DESIGN.md:
 * values never pass through JS numbers or Dates), so a stream read from one server of an engine can be
 * written to another server of the same engine unchanged. Chunks need not end on a row boundary.
 */
export type RowStream = AsyncIterable<Buffer>;

/**
 * Session settings that decide how values are written as text. rowback reads them from the target once
 * and pins the same values on every connection it opens (source included), e.g. MySQL's `sql_mode`.
 */
export type SessionProfile = Record<string, string>;

export type EngineName = 'postgres' | 'mysql' | 'sqlite';

export { type Capabilities, DEFAULT_CAPABILITIES } from './capabilities.js';
export type * from './step-types.js';

/** What a password prompt is told: where the connection goes (never a secret) and as whom. */
export interface PasswordRequest {
  target: string;
  user: string;
}

/** Asks a person for a password; undefined when they gave none (Ctrl-D). */
export type AskPassword = (request: PasswordRequest) => Promise<string | undefined>;

export interface ConnectOptions {
  /** Settings read from the target (`Connection.profile`) to pin on this connection too. */
  profile?: SessionProfile;
  /** Shown in the server's process list. */
  applicationName?: string;
  /**
   * Called when the server wants a password and none was given anywhere the database's own client would
   * look (URL, environment, password file). Without it, that is a RowbackError('connection').
   */
  askPassword?: AskPassword;
  /** How long a statement may wait for a lock before failing as 'busy'. Default 10 000 (10 s). */
  lockTimeoutMs?: number;
  /**
   * rowback only reads through this connection (a source). An engine may pin it read-only on the server;
   * it must never write through it (SQLite: no journal, WAL or lock file may appear next to the file).
   */
  readOnly?: boolean;
  /**
   * `exec` may run several statements separated by `;`. For setting up scenes (tests, the demo, the bench);
   * rowback's own runs never ask for it.
   */
  multipleStatements?: boolean;
}

/**
 * An Engine is the adapter between rowback's core and one database engine. The core reaches databases only
 * through this interface and `Connection`; it owns the order of every write (see `src/core/apply.ts`) and
 * an engine supplies one set-based step per method. Adding an engine touches `src/engines/<name>/` and one
 * line of `src/engines/index.ts`. See the PostgreSQL engine as an example.
 */
export interface Engine {
  readonly name: EngineName;
  /** URL schemes this engine accepts, without the colon (`postgres`, `postgresql`; `mysql`, `mariadb`). */
  readonly schemes: readonly string[];
  readonly capabilities: Capabilities;
  /**
   * The name of how `Connection.digests` digests a row, kept in undo files: a new way gets a new name, so
   * an undo never compares digests made two different ways.
   */
  readonly digest: string;
  /**
   * For engines whose databases are files: true when these first bytes of a file (up to 100) are one of
   * this engine's databases. `--to ./app.db` then opens with `connect('./app.db')`.
   */
  recognizes?(head: Buffer): boolean;
  /**
   * Opens one session and pins its settings (time zone UTC, encoding UTF-8, exact float text, …).
   * Throws RowbackError('connection') for unreachable hosts and bad credentials; the message names the
   * redacted URL and never the password.
   */
  connect(url: string, options?: ConnectOptions): Promise<Connection>;
}

/**
 * Which database and table a session reaches, as text compared for equality: an undo refuses to run
 * where any part differs from what its restore recorded, and a restore refuses a source that is its own
 * target. Each part is exact and readable at once ("system 7313…, timeline 1"), since it is shown as is.
 */
export interface Identity {
  /**
   * The server (or file) itself. PostgreSQL: system identifier and timeline (a point-in-time copy shares
   * the identifier but starts a new timeline); MySQL `@@server_uuid`; MariaDB `@@server_uid` (a hash of
   * the host's MAC address and port); SQLite: the file's identity.
   */
  server: string;
  /** The database on that server: PostgreSQL name and oid; MySQL the session's database (the URL's); SQLite the attached name. */
  database: string;
  /** The table: PostgreSQL name and oid; MySQL name and creation time (see mysql/identity.ts); SQLite name and root page. */
  table: string;
  /**
   * An id the server gives each table it creates, where the session can read it (MySQL/MariaDB: the InnoDB
   * table id, which takes the PROCESS privilege). Compared only when both readings have it: it tells a
   * table dropped and created again within the same second apart, which `table` alone cannot on MySQL.
   */
  tableId?: string;
  /**
   * The running server the session reaches. A standby, or a server started from a copy of another's files
   * (a snapshot), has the same `server`, `database` and `table` as the original; this tells them apart.
   * PostgreSQL: when its postmaster started. Never recorded (a restart changes it); optional: without it,
   * the three parts alone decide.
   */
  instance?: string;
}

/**
 * The steps of a `--sql-out` script, each SQL text for the engine's own client (`psql -v ON_ERROR_STOP=1
 * -f`, `mysql < file`, `sqlite3 db < file`). The core writes them in order; each one is a statement (or a
 * few) ending with a newline. Work tables the script creates are the engine's own (temporary, named
 * `rowback_…`).
 */
export interface ScriptSteps {
  /** How to run the script, for its first comment: `psql -v ON_ERROR_STOP=1 -f <this file>`. */
  readonly runWith: string;
  /** Session settings the values rely on, the transaction start, and the same lock `begin` takes. */
  begin(target: TableSchema): Promise<string>;
  /**
   * Creates the work tables and fills them: the source values of the plan's rows of `classes` (to
   * insert or update), and the target's current values of its rows of `expected` classes (as previewed,
   * to guard updates and deletes). Statements stream out, a batch of rows at a time.
   */
  load(plan: Plan, classes: RowClass[], expected: RowClass[]): AsyncIterable<string>;
  /** Stops the script (an error, nothing written) when a row to write references a missing parent. */
  checkParents(plan: Plan, classes: RowClass[]): Promise<string>;
  /** Inserts the missing rows whose key is still absent; records how many. */
  insertMissing(plan: Plan): Promise<string>;
  /** Updates the changed rows still exactly as previewed; records how many. */
  updateChanged(plan: Plan): Promise<string>;
  /**
   * Deletes the extra rows still exactly as previewed; records how many. Stops the script (an error,
   * nothing written) when one of them is referenced by a row not deleted with it, as the apply refuses.
   */
  deleteExtra(plan: Plan): Promise<string>;
  /** Moves counters past restored keys (empty when inserts move them). */
  moveCounters(target: TableSchema): Promise<string>;
  /** Prints what was written and how many rows were skipped because they changed since the preview. */
  report(intended: { inserted: number; updated: number; deleted: number }): Promise<string>;
  commit(): Promise<string>;
}

/**
 * One session on one server. Methods run one at a time (never concurrently on one Connection). Every
 * statement quotes identifiers with the engine's quoting; user `where` text is only ever used as a
 * boolean filter of a SELECT. Errors are RowbackErrors saying what the step was doing (see
 * docs/engines.md). The core runs every write; each method below is one set-based step of it, and no
 * method knows which step comes next.
 */
export interface Connection {
  readonly engine: Engine;
  /** The URL with the password removed, for messages. */
  readonly redactedUrl: string;

  // ── The session ───────────────────────────────────────────────────────────────────────────────────────
  /** Settings a source connection must share with this target (see SessionProfile). */
  profile(): Promise<SessionProfile>;
  /** The server's version string, for the audit record. */
  serverVersion(): Promise<string>;
  /** Which server, database and table this is (see Identity). Reads catalogs only. */
  identity(table: TableSchema): Promise<Identity>;
  /** Runs a SELECT on this pinned session (for the demo, the bench, tests and the console). */
  query(sql: string): Promise<QueryResult>;
  /** Runs a statement (several, when connected with `multipleStatements`) on this pinned session. */
  exec(sql: string): Promise<void>;
  /** Aborts whatever runs now (Ctrl-C); see `capabilities.cancel`. The open transaction rolls back. */
  cancel(): Promise<void>;
  /** Closes the session; an open transaction rolls back. Safe to call twice. */
  close(): Promise<void>;

  // ── Reading (source and target) ───────────────────────────────────────────────────────────────────────
  /** Tables visible to this session, for "did you mean" suggestions. */
  listTables(): Promise<ListedTable[]>;
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
  /**
   * Optional, for the ordered merge (Capabilities.orderedMerge): inside `begin`'s transaction, streams the
   * target as `read` does through a second session of the engine's own, so this one is free to write
   * (copyIn) while the rows come. The rows are the table as it stood under the lock, none of this
   * transaction's own writes: the lock keeps other writers out and its writes are not committed. Without
   * it the merge reads through this session and writes once the read is done.
   */
  readBeside?(table: TableSchema, options: ReadOptions): RowStream;
  /**
   * Why this session cannot stage rows into a temporary table (a hot standby, a read-only database or
   * role, no right to create temporary tables), as a phrase for messages; undefined when it can. Writes
   * nothing that outlives the call.
   */
  stagingBlocked(): Promise<string | undefined>;
  /**
   * How a client-side merge matches this target table's keys (see MergeKey). Throws
   * RowbackError('unsupported') when a key column's equality cannot be reproduced by its match field.
   */
  mergeKey(target: TableSchema): Promise<MergeKey>;

  // ── Staging and classifying (target) ──────────────────────────────────────────────────────────────────
  /** Streams rows into a new temporary table shaped like the target's columns, then ANALYZEs it. */
  stage(target: TableSchema, rows: RowStream, options: StageOptions): Promise<Staged>;
  /** Drops a staged table (and plans built on it) early; they are dropped at close anyway. */
  dropStaged(staged: Staged): Promise<void>;
  /** Counts NULL and repeated key values on both sides (for keys no unique index enforces). */
  checkKey(staged: Staged): Promise<KeyCheck>;
  /**
   * Classifies every staged key against the target, set-based, into a plan table: `missing` (staged key
   * absent from the target), `changed` (present, some staged column's exact text differs), `same`,
   * `extra` (see ClassifyOptions). Keys match with the key's own equality; values compare by exact text.
   * Read-only for the target.
   */
  classify(staged: Staged, options: ClassifyOptions): Promise<Plan>;
  /**
   * Inside `begin`'s transaction: true when the target provably has not changed since `plan` was built
   * (outside it), so the plan still holds and need not be built again. When unsure, false.
   */
  unchanged(plan: Plan): Promise<boolean>;
  /** Rows per class; `excluded` counts the kept classes when the plan has a `targetWhere`. */
  counts(plan: Plan): Promise<PlanCounts>;
  /**
   * Up to `limit` rows of one class in key byte order, with the columns that differ for changed rows.
   * With `kept`, rows of that class's kept class instead (see ClassifyOptions.targetWhere); with
   * `'outside'`, the target rows under `where` whose key is staged outside it (asked with class extra).
   */
  samples(plan: Plan, rowClass: RowClass, limit: number, kept?: SampleKind): Promise<SampleRow[]>;
  /**
   * The `changed` rows whose exact text differs in at least `atLeast` of `columns` (every changed row
   * when `atLeast` is 0): how many, and up to `limit` of their keys. The core tells edits of a row from
   * another row under a key handed out again by it.
   */
  differing(plan: Plan, test: { columns: string[]; atLeast: number }, limit: number): Promise<Differing>;
  /** Drops a plan table; a no-op for one that ended with its transaction. */
  dropPlan(plan: Plan): Promise<void>;

  // ── Checks before writing (target) ────────────────────────────────────────────────────────────────────
  /**
   * For each outgoing foreign key whose columns are staged: the plan's rows of `classes` that reference a
   * parent row the target lacks (MATCH SIMPLE: a NULL passes). A reference to a row written by the same
   * plan counts as present.
   */
  missingParents(plan: Plan, classes: RowClass[]): Promise<MissingParent[]>;
  /** Rows of other tables (or of this one, not themselves doomed) that reference the plan's `extra` rows. */
  referencing(plan: Plan): Promise<Referencing[]>;
  /** Columns of `changed` rows the engine cannot UPDATE to the source's value (PostgreSQL identity ALWAYS). */
  unwritable(plan: Plan): Promise<UnwritableColumn[]>;

  // ── Writing (target, inside begin … commit / rollback) ────────────────────────────────────────────────
  /**
   * Opens the write transaction and takes the lock that keeps other writers of `target` (and of any
   * inheritance child) out until it ends; readers go on. Two rowback runs on one table take turns. A lock
   * held elsewhere is waited for a bounded time, then RowbackError('busy') names who holds it.
   */
  begin(target: TableSchema, options: BeginOptions): Promise<void>;
  /** Commits, then releases whatever `begin` took outside the transaction. */
  commit(): Promise<void>;
  /** Rolls back (quietly when the session is gone: the server has rolled back then) and releases. */
  rollback(): Promise<void>;
  /**
   * The target's current rows of the plan's `classes`: all writable columns in the target's order, then
   * the origin when the plan's staged rows carry one. What the undo file keeps.
   */
  image(plan: Plan, classes: RowClass[]): RowStream;
  /**
   * The key columns of the target's current rows, then one field: a digest of the row (every image
   * column's exact value, byte for byte: text that a collation calls equal, trailing spaces, a float's last
   * bit, NULL against empty, all differ). Of the plan's rows of `classes`, or of every row of the table.
   * The same row on the same server always gets the same digest, whichever session asks; computed by the
   * server, or where it lives (SQLite), never from values in JavaScript numbers. What the undo file's
   * post-image keeps.
   */
  digests(target: TableSchema, of?: { plan: Plan; classes: RowClass[] }): RowStream;
  /**
   * Stages a stream `digests` made (key columns, then the digest) into a temporary table: a Staged of the
   * key columns, usable as `ClassifyOptions.absent`, and by `drift`.
   */
  stageDigests(target: TableSchema, rows: RowStream): Promise<Staged>;
  /**
   * Inside `begin`'s transaction: the rows that differ from staged digests (see `stageDigests`): a key no
   * longer in the target (`missing`), a row whose digest differs now (`changed`), and a key of `absent`
   * not among the digests that is in the target (`extra`). How many, and up to `limit` of them, changed
   * first, then missing, then extra, in key byte order, with the target's current row where there is one.
   */
  drift(digests: Staged, absent: Staged, limit: number): Promise<Drift>;
  /** Inserts the staged rows of class `missing` (into their origin child where they carry one). */
  insertMissing(plan: Plan): Promise<number>;
  /**
   * Sets every staged column (only the plan's `columns` when it has them) of the target rows of class
   * `changed`; key columns too (their text may differ).
   */
  updateChanged(plan: Plan): Promise<number>;
  /** Deletes the target rows of class `extra`. */
  deleteExtra(plan: Plan): Promise<number>;
  /**
   * Streams rows straight into the locked target; returns rows written. The direct path copies into an
   * empty table; the ordered merge (Capabilities.orderedMerge) copies the rows it found missing into a
   * table that holds others, and needs a row whose key is present to fail the statement, never be skipped.
   */
  copyIn(target: TableSchema, rows: RowStream, options: StageOptions): Promise<number>;
  /**
   * Re-reads what was written: the target rows of `written` classes must hold exactly the staged text
   * in `verifiedColumns(plan, written)` (src/core/restrict.ts); with `deleted`, no key of class `extra`
   * may remain. Makes deferred constraints immediate first.
   */
  verify(plan: Plan, written: RowClass[], deleted: boolean): Promise<VerifyResult>;
  /**
   * The table's counters and where each must move (reads only); with `staged`, also the largest value of
   * each counter's column among those rows (`Counter.staged`).
   */
  counters(target: TableSchema, options?: { staged?: Staged }): Promise<Counter[]>;
  /** Moves counters to their `next` value, never backwards; returns them as moved. */
  moveCounters(target: TableSchema, counters: Counter[]): Promise<Counter[]>;
  /**
   * Puts counters back where they stood (`state`, else `value`) for a dry run: after its ROLLBACK where
   * `capabilities.insertsMoveCounters` (InnoDB), and inside its transaction, just before the ROLLBACK, for
   * counters its writes moved where nothing rolls them back (a PostgreSQL default drawing from a sequence).
   */
  resetCounters(target: TableSchema, counters: Counter[]): Promise<void>;

  /** The steps of a `--sql-out` script. */
  readonly script: ScriptSteps;
}
