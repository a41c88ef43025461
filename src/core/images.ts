import type { RowStream } from '../engines/engine.js';

/**
 * How the post-image keeps each row the apply wrote: its key, then a digest of the whole row as the target
 * holds it (see `Connection.digests`). Undo needs no more: an inserted row is undone by deleting its key, an
 * updated one by writing its pre-image back, and either only while the row's digest is unchanged.
 */
export interface DigestForm {
  /** The key columns the post-image's rows start with. */
  key: string[];
  /** The engine's name for how it digests a row (`Engine.digest`); undo refuses any other. */
  digest: string;
}

/**
 * Where an apply writes what `rowback undo` needs, inside the apply transaction and before COMMIT.
 * Sections are row streams in the text row format.
 */
export interface UndoSink {
  /**
   * Pre-image of every row the apply updated or deleted: all writable columns, then with `origin` each
   * row's origin field. What undo puts back.
   */
  writeBefore(columns: string[], origin: boolean, rows: RowStream): Promise<number>;
  /** Post-image of every row the apply inserted or updated: its key and digest (see DigestForm). */
  writeAfter(form: DigestForm, rows: RowStream): Promise<number>;
}

/** What an undo reads back: the sections an UndoSink received. */
export interface UndoBundle {
  /** The pre-image's columns. */
  columns: string[];
  origin: boolean;
  before(): RowStream;
  after(): RowStream;
  /**
   * The post-image's form. Absent for undo files written before digests: their post-image holds whole
   * rows in `columns` (with the origin field when `origin`), compared column by column.
   */
  digest?: DigestForm;
}
