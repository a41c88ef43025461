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
 * A post-image of whole rows: every image column (then the origin field with `origin`), compared column by
 * column at undo. The direct path keeps the very bytes it streams in, at no cost of its own, where a digest
 * would take another pass over the table.
 */
export interface WholeRows {
  columns: string[];
  origin: boolean;
}

/** How a post-image keeps its rows. */
export type PostImage = DigestForm | WholeRows;

export function isDigest(form: PostImage): form is DigestForm {
  return 'digest' in form;
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
  /**
   * Post-image of every row the apply inserted or updated: its key and digest, or the whole row. Returns
   * the rows written: `counted()` once the stream has ended, when the caller counts them anyway.
   */
  writeAfter(form: PostImage, rows: RowStream, counted?: () => number): Promise<number>;
}

/** What an undo reads back: the sections an UndoSink received. */
export interface UndoBundle {
  /** The pre-image's columns. */
  columns: string[];
  origin: boolean;
  before(): RowStream;
  after(): RowStream;
  /**
   * The post-image's digest form. Absent when it holds whole rows in `columns` (with the origin field
   * when `origin`), compared column by column: the direct path's, and every undo file written before digests.
   */
  digest?: DigestForm;
}
