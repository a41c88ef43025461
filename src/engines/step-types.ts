import type { SampleRow } from '../core/plan.js';
import type { TableSchema } from '../core/table.js';
import type { StepClock } from '../core/timings.js';
import type { RowStream } from './engine.js';

/** The options and results of the engine's set-based steps (see `Connection` in engine.ts). */

export interface ReadOptions {
  /** The columns to read, in this order (the row stream has exactly these fields). */
  columns: string[];
  /** A user boolean SQL filter, already checked by `checkWhere`. */
  where?: string;
  /** Order rows by key in byte order (binary collation), for merge-joins. */
  orderByKey?: boolean;
  /**
   * Append one more field: the physical table each row lives in (`schema.name` text), for tables whose
   * rows live in inheritance children. Only meaningful when `schema.partitioning === 'inheritance'`.
   */
  origin?: boolean;
  /**
   * Order the rows for a merge-join with another stream read with the same `MergeKey`: after the columns
   * (and the origin field), append one match field per key column, and send the rows in ascending order of
   * those fields, each compared as `MergeKey.order` says (a NULL key, which a merge refuses, anywhere).
   */
  merge?: MergeKey;
  /**
   * A user boolean filter (already checked by `checkWhere`) that does not filter: every row is read, and
   * one last field says whether the row passes it, `t` or `f`. Run only as the WHERE of a subquery.
   */
  scope?: string;
}

/** How the core compares one key column's match field in a merge-join. */
export type MatchOrder =
  /** As decimal integers (`-12` < `3` < `10`): the server orders by the integer itself. */
  | 'integer'
  /** As unsigned bytes, after unescaping the row format. */
  | 'bytes';

/**
 * How a client-side merge-join matches rows of a target table by key, decided by the target's engine: both
 * sides are read with it, so their match fields agree. Two rows are the same key when every match field
 * is equal; the fields follow the key's own equality on the target (numeric `1.0 = 1.00`, a
 * case-insensitive collation's `'a' = 'A'`), as the staged plan's join does.
 */
export interface MergeKey {
  /** The target table, whose key columns and their types define the match. */
  target: TableSchema;
  /** One per key column. */
  order: MatchOrder[];
  /** One per key column: the engine's own name for how its match field is formed (opaque to the core). */
  forms: string[];
  /** Columns whose values are raw bytes, shown as `\x…` hex in samples. */
  binary: string[];
  /**
   * Every match field is the key value's own text, equal exactly when the keys are equal under the
   * target's equality and ordered exactly as `order` compares (integers; text, uuid under a byte order):
   * a restore may then insert the rows a merge finds missing without the server matching them again
   * (see Capabilities.orderedMerge). Absent or false where a form only approximates (numeric, floats,
   * citext, other types' text): a diff may still merge, a restore stages.
   */
  exact?: boolean;
}

export interface StageOptions {
  /** The target columns the row stream carries, in order (a subset of the target's writable columns). */
  columns: string[];
  /** The stream carries a trailing origin field (see `ReadOptions.origin`). */
  origin?: boolean;
  /** Called now and then with the number of rows staged so far. */
  onProgress?: (rows: number) => void;
  /** Times the steps after the load (ANALYZE, indexes) apart from it. */
  clock?: StepClock;
}

/**
 * Rows staged into a temporary table on the target session. Lives until the connection closes or
 * `Connection.dropStaged` runs. Engines keep their own details (table names) out of sight, e.g. in a
 * WeakMap keyed by this object or a subclass.
 */
export interface Staged {
  readonly target: TableSchema;
  readonly columns: string[];
  readonly origin: boolean;
  /** Rows staged. */
  readonly rows: number;
}

/** Which rows of a class samples show: the class's own, its kept class, or the outside rows. */
export type SampleKind = boolean | 'outside';

export interface ClassifyOptions {
  /**
   * Limits the plan to the rows under this user filter, already checked by `checkWhere`, on both sides:
   * staged rows not under it are left out of the plan (a source that cannot evaluate SQL, a dump file,
   * stages every row), and extra rows are only target rows under it.
   */
  where?: string;
  /**
   * Coverage of the staged rows is only some keys (an undo's images, a change journal): extra rows are
   * then only the target rows whose key is in `absent` and not staged. Without it, every target row under
   * `where` whose key is not staged is extra.
   */
  absent?: Staged;
  /**
   * Compare and update only these staged columns (`--columns`); key columns always identify the row and
   * are compared too. Rows of class `missing` are still inserted whole. Default: every staged column.
   */
  columns?: string[];
  /**
   * A user boolean filter (already checked by `checkWhere`) on the target's current row (`--target-where`):
   * a row it does not hold for is never written. Such rows get their class's kept class (see KeptClass):
   * `changed` and `extra` rows whose current row fails it, and every `missing` row (no current row).
   * Evaluate it over the target table alone (a subquery matched by key), never beside the staged row,
   * whose columns share the target's names.
   */
  targetWhere?: string;
  /**
   * Target rows as they were read when the writes were decided (a backout decides from the current row):
   * a `changed` or `extra` row whose current row differs from its row here in any staged column, or that
   * has none here, and a `missing` row whose key has one here (deleted since), get their kept class.
   * Only engines with the `unchangedSince` capability take it.
   */
  unchangedSince?: Staged;
}

/**
 * The classification of staged rows against the target, materialised on the target (a temporary table
 * with each key and its class) so that every later step joins it instead of comparing again. Built inside
 * a transaction it lives as long as the transaction; outside, until `dropPlan` or the session ends.
 */
export interface Plan {
  readonly staged: Staged;
  readonly where: string | undefined;
  readonly absent: Staged | undefined;
  /** `ClassifyOptions.columns`: the columns compared and updated; undefined for every staged column. */
  readonly columns: string[] | undefined;
  readonly targetWhere: string | undefined;
}

/** Key columns of the rows staged and of the target, checked where no unique index enforces the key. */
export interface KeyCheck {
  sourceNulls: number;
  /** Key values that occur more than once. */
  sourceRepeats: number;
  targetNulls: number;
  targetRepeats: number;
}

export interface BeginOptions {
  /** Only when `capabilities.disableTriggers`. */
  disableTriggers?: boolean;
  /** Only when `capabilities.skipForeignKeyChecks`. */
  skipForeignKeyChecks?: boolean;
  /**
   * The direct path: the stream copyIn is given in this transaction. An engine that can copy such a
   * stream without reading it prepares here, before taking its lock (SQLite attaches the source file,
   * which it cannot do inside a transaction); copyIn still reads the stream to its end.
   */
  copying?: RowStream;
}

/** Rows of another table (or this one) that reference target rows about to be deleted. */
export interface Referencing {
  /** `schema.name` of the referencing table. */
  child: string;
  foreignKey: string;
  /** The referencing columns. */
  columns: string[];
  rows: number;
  /** What the server would do: `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL`, `SET DEFAULT`. */
  onDelete: string;
}

/** A column of changed rows that an UPDATE cannot set to the source's value. */
export interface UnwritableColumn {
  column: string;
  /** Changed rows whose value differs in it. */
  rows: number;
  /** A few of their keys, as text. */
  sample: string[];
  /** What the column is, e.g. "a GENERATED ALWAYS identity column". */
  reason: string;
  /** How to let it be written, in the engine's terms. */
  remedy: string;
}

/** What `verify` found when re-reading the target. */
export interface VerifyResult {
  /** Keys re-read: every written row and every deleted key. */
  checked: number;
  /** Keys whose row is not what was written (or a deleted key still there). */
  mismatched: number;
  /** Written rows whose key is no longer in the target. */
  absent: number;
  /** Deleted keys still in the target. */
  present: number;
  /** For written rows present with other values: how many rows differ in each column. */
  columns: Record<string, number>;
}

/** One identity / serial / AUTO_INCREMENT counter of a table. */
export interface Counter {
  /** The sequence name (PostgreSQL) or `schema.table.column` (MySQL, SQLite). */
  name: string;
  column: string;
  /** Where it stands now: the next value it hands out, or its last value, in the engine's terms (text). */
  value: string | null;
  /** Where it must move so the next value is past every value the column holds; absent when it is already. */
  next?: string;
  /**
   * Only when `counters` was given staged rows: the largest value of the column among them (text), null
   * when they hold none. A counter below the largest key of the past hands those keys out again.
   */
  staged?: string | null;
  /**
   * Where it stands, exactly, in the engine's own terms, when `value` alone cannot say it (PostgreSQL:
   * `last_value` and `is_called`): compared for equality and handed back to `resetCounters`.
   */
  state?: string;
}

/** Rows that differ from the digests an apply kept (see `Connection.drift`). */
export interface Drift {
  rows: number;
  sample: SampleRow[];
}

/** Changed rows that pass a `differing` test: how many, and a few of their keys. */
export interface Differing {
  rows: number;
  /** Up to the limit asked for, as text (`42`, `(1,abc)`), in key byte order. */
  sample: string[];
}

/** A SELECT's result on a pinned session: every value the engine's text, binary values as `\x` hex. */
export interface QueryResult {
  columns: string[];
  rows: (string | null)[][];
  /** For a statement that changes rows (INSERT, UPDATE, DELETE …): how many it changed, as the server says. */
  affected?: number;
}
