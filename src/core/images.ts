import type { RowStream } from '../engines/engine.js';

/**
 * Where an apply writes what `rowback undo` needs, inside the apply transaction and before COMMIT.
 * Sections are row streams in the text row format with the columns given; with `origin`, each row ends
 * with its origin field.
 */
export interface UndoSink {
  /** Pre-image of every row the apply updated or deleted (all writable columns). */
  writeBefore(columns: string[], origin: boolean, rows: RowStream): Promise<number>;
  /** Post-image of every row the apply inserted or updated (all writable columns). */
  writeAfter(columns: string[], origin: boolean, rows: RowStream): Promise<number>;
}

/** What an undo reads back: the sections an UndoSink received. */
export interface UndoBundle {
  columns: string[];
  origin: boolean;
  before(): RowStream;
  after(): RowStream;
}
