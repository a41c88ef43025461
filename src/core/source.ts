import type {
  AskPassword,
  Counter,
  Identity,
  ReadOptions,
  RowStream,
  SessionProfile,
} from '../engines/engine.js';
import type { AsOf } from './as-of.js';
import type { ProgressEvent, SourceFlags } from './options.js';
import type { TableRef, TableSchema } from './table.js';

/**
 * How much of the table a source knows. `table`: every row as of the moment, so a target row whose key
 * the source lacks is `extra`. `keys`: only the keys it saw change (a binlog, a change journal, an undo
 * file's images), so a target row is `extra` only when its key is one of `absentKeys` (it did not exist
 * at the moment); every other target row is out of scope, never read into the plan, never deleted.
 */
export type Coverage = 'table' | 'keys';

/** How big the table is in the source, for progress. Each part only when known without reading rows. */
export interface SourceSize {
  /** Bytes the source reads to yield the table (a dump file's size, a data block's length). */
  bytes?: number;
  /** Rows it will yield (a live server counts them; a file does not know without reading). */
  rows?: number;
}

export interface SourceReadOptions extends ReadOptions {
  /** Called now and then with the bytes read so far, measured against `SourceSize.bytes`. */
  onBytes?: (bytes: number) => void;
  /**
   * The rows go into the target (a restore's ordered merge), not only compared with it (a diff): a
   * `merge` read that is written must meet the same checks as a staged or direct one.
   */
  intoTarget?: boolean;
}

/**
 * A Source yields one table as it was: its schema and its rows in the text row format. It knows nothing
 * about targets; the core and the target's engine do the rest. See `src/sources/live.ts` as an example,
 * and docs/sources.md for the contract in prose.
 */
export interface Source {
  /** What the source is, for messages and the audit record (never a secret). */
  readonly label: string;
  /** The engine whose text the rows are in (`postgres`, `mysql`). */
  readonly engine: string;
  /** Default `table`. */
  readonly coverage?: Coverage;
  /**
   * Describes the table; `key` names the target's key columns so both sides use the same key. `target` is
   * the target's table: a source that cannot describe a table fully (a dump without CREATE TABLE) takes
   * the types from it, and says so in `warnings`.
   */
  describe(table: TableRef, key: string[], target?: TableSchema): Promise<TableSchema>;
  /**
   * What the user should know about this source before applying (lossy values, assumed types), after
   * describe. A source that streams rows while it reads may add to it until its rows are read; the core
   * reads it when it builds a preview, which is after the rows are read.
   */
  readonly warnings?: string[];
  /**
   * Only for a source that evaluates SQL (a live server): throws RowbackError('bad-where') unless `where`
   * is a valid filter there, and `read` then filters by it. Without it `read` ignores `where`: the core
   * applies `--where` on the target side to the staged rows, which it does for every source anyway.
   */
  checkWhere?(schema: TableSchema, where: string): Promise<void>;
  /** How big the table is, without reading its rows. */
  size(schema: TableSchema, where?: string): Promise<SourceSize>;
  read(schema: TableSchema, options: SourceReadOptions): RowStream;
  /**
   * Coverage `keys` only: the keys that did not exist at the moment (inserted since), as rows of the key
   * columns in `key` order, in the text row format.
   */
  absentKeys?(schema: TableSchema, key: string[]): RowStream;
  /**
   * `read` honours `ReadOptions.merge` (rows in the key's match order, with their match fields) and
   * filters by `where`, so a diff can compare without staging anything on the target. A live source does;
   * a file read front to back does not.
   */
  readonly ordersByKey?: boolean;
  /**
   * `read` yields the values of generated columns it is asked for (a live server computes them; a dump
   * leaves them out). A key that contains a generated column needs it.
   */
  readonly readsGenerated?: boolean;
  /**
   * A live source: which server, database and table it reads (see `Connection.identity`), so a restore
   * can refuse a source that is its own target however the two URLs are spelled.
   */
  identity?(schema: TableSchema): Promise<Identity>;
  /** A live source: the table's counters (see `Connection.counters`), to tell a source newer than the target. */
  counters?(schema: TableSchema): Promise<Counter[]>;
  /**
   * A source with history (a binlog): the images of the accident named by `--backout`, for every key it
   * changed (see core/backout.ts). Called after describe; a source without it cannot back anything out.
   */
  backout?(schema: TableSchema): Promise<AccidentImages>;
  /** Stops whatever runs now (Ctrl-C). */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

/** One key the accident changed: the row before its first change and after its last, each in `columns`. */
export interface AccidentRow {
  /** The key columns' values in key order, as a line of the text row format (no newline). */
  key: Buffer;
  /** The row before the accident (absent: the accident inserted the key). */
  before?: Buffer;
  /** The row the accident left (absent: the accident deleted it). */
  after?: Buffer;
}

/** What an accident did to a table, key by key (see Source.backout). */
export interface AccidentImages {
  /** The columns of the `before` and `after` lines, in order. */
  columns: string[];
  rows: AccidentRow[];
  /** Transactions in the range that changed the table. */
  transactions: number;
}

export interface OpenSourceOptions extends SourceContext {
  /** The target's session settings, to read values in the same text. */
  profile: SessionProfile;
  /** The target's engine: a live source must be of the same engine. */
  targetEngine: string;
}

/** What a run tells the source besides `--from`: the moment, the source's own flags, where to report. */
export interface SourceContext {
  /** The table as the user named it (a temporary instance is named after it). */
  table?: string;
  /** The moment wanted, for sources that travel in time. */
  asOf?: AsOf;
  flags?: SourceFlags;
  /**
   * The target's URL, for sources that start an instance of the same database and log in to it with the
   * target's user (a point-in-time restore keeps the users). Never printed.
   */
  targetUrl?: string;
  /** Where run state files go (`<stateDir>/runs`), so `rowback cleanup` finds what a killed run left. */
  stateDir?: string;
  onProgress?: (event: ProgressEvent) => void;
  onNotice?: (text: string) => void;
  /** Told what was removed once a temporary instance is gone (for notifications). */
  onCleanup?: (summary: string) => void;
  /** Aborts a slow start (a server replaying WAL, a cloud restore); what was created is removed. */
  signal?: AbortSignal;
  /** Asks for the source's password when its server wants one and none was given. */
  askPassword?: AskPassword;
}

/**
 * Thrown by a source's row stream when rows it already yielded must not be used: a source that streams
 * rows before it knows they count (a binlog transaction not yet known committed) found they do not. The
 * apply that took them rolls back, and the run starts again once; the source's next read is exact.
 */
export class SourceRestart extends Error {
  override readonly name = 'SourceRestart';
}

/** The SourceRestart that `error` is or was caused by (an engine may wrap the stream's error). */
export function sourceRestartOf(error: unknown): SourceRestart | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof SourceRestart) return e;
  }
  return undefined;
}

export function isSourceRestart(error: unknown): boolean {
  return sourceRestartOf(error) !== undefined;
}
