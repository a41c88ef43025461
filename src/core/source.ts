import type { ReadOptions, RowStream, SessionProfile } from '../engines/engine.js';
import type { AsOf } from './as-of.js';
import type { ProgressEvent, SourceFlags } from './options.js';
import type { TableRef, TableSchema } from './table.js';

/**
 * A Source yields one table as it was: its schema and its rows in the text row format. It knows nothing
 * about targets; the core and the target's engine do the rest. See `src/sources/live.ts` as an example.
 */
export interface Source {
  /** What the source is, for messages and the audit record (never a secret). */
  readonly label: string;
  /** The engine whose text the rows are in (`postgres`, `mysql`). */
  readonly engine: string;
  /**
   * Describes the table; `key` names the target's key columns so both sides use the same key. `target` is
   * the target's table: a source that cannot describe a table fully (a dump without CREATE TABLE) takes
   * the types from it, and says so in `warnings`.
   */
  describe(table: TableRef, key: string[], target?: TableSchema): Promise<TableSchema>;
  /** What the user should know about this source before applying (lossy values, assumed types), after describe. */
  readonly warnings?: string[];
  /** Throws RowbackError('bad-where') unless `where` is a valid filter here. */
  checkWhere(schema: TableSchema, where: string): Promise<void>;
  /** Rows (under the filter), for progress and the direct path's preview. */
  count(schema: TableSchema, where?: string): Promise<number>;
  read(schema: TableSchema, options: ReadOptions): RowStream;
  /** Stops whatever runs now (Ctrl-C). */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenSourceOptions extends SourceContext {
  /** The target's session settings, to read values in the same text. */
  profile: SessionProfile;
  /** The target's engine: a live source must be of the same engine. */
  targetEngine: string;
}

/** What a run tells the source besides `--from`: the moment, the source's own flags, where to report. */
export interface SourceContext {
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
  /** Aborts a slow start (a server replaying WAL, a cloud restore); what was created is removed. */
  signal?: AbortSignal;
}
