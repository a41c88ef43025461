import type { TableRef } from '../../core/table.js';
import type { ReadOptions, RowStream } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { columnList, quoteIdent, quoteTable } from './sql.js';

/**
 * A row stream read from a SQLite database file can be copied by another SQLite connection without
 * reading it at all: the target ATTACHes the file the source reads and stages with INSERT … SELECT,
 * values going from page to page inside SQLite (storage classes, reals to the bit, blobs and texts byte
 * for byte, as the text row format carries them). The stream says which file and table it would read.
 */
const NATIVE = Symbol('rowback.sqlite.native');

export interface NativeRows {
  /** The file the source session reads: the database itself, or its private copy (see openSource). */
  file: string;
  encoding: string;
  table: Required<TableRef>;
  columns: string[];
}

/**
 * Marks a plain read (every row, no filter, order or extra fields) of a table in the session's own main
 * database as copyable. The stream is lazy: a target that copies natively never starts the read.
 */
export function markNative(
  stream: RowStream,
  session: SqliteSession,
  table: Required<TableRef>,
  options: ReadOptions,
): RowStream {
  const plain =
    options.where === undefined &&
    options.scope === undefined &&
    !options.merge &&
    !options.orderByKey &&
    !options.origin &&
    table.schema === 'main';
  if (!plain) return stream;
  const native: NativeRows = {
    file: session.db.name,
    encoding: String(session.db.pragma('encoding', { simple: true })),
    table,
    columns: [...options.columns],
  };
  return Object.assign(stream, { [NATIVE]: native });
}

/** What a marked stream reads, when this session can attach it; undefined for any other stream. */
export function nativeRowsOf(session: SqliteSession, rows: RowStream): NativeRows | undefined {
  const native = (rows as { [NATIVE]?: NativeRows })[NATIVE];
  if (!native || session.db.inTransaction) return undefined;
  const encoding = String(session.db.pragma('encoding', { simple: true }));
  return native.encoding === encoding ? native : undefined;
}

/**
 * Copies the marked table's rows into `into` (quoted) with INSERT … SELECT through an attachment, then
 * detaches; returns the rows copied. The attached file is only read: a file in WAL mode is attached
 * through its private copy, one in rollback mode is read under a shared lock and left as it was.
 */
export function copyNative(
  session: SqliteSession,
  native: NativeRows,
  into: string,
  columns: string[],
  write: (run: () => number) => Promise<number>,
): Promise<number> {
  const { db } = session;
  const alias = `rowback_source_${session.nextId++}`;
  db.prepare(`ATTACH DATABASE ? AS ${quoteIdent(alias)}`).run(native.file);
  const source = quoteTable({ schema: alias, name: native.table.name });
  const insert = db.prepare(
    `INSERT INTO ${into} (${columnList(columns)}) SELECT ${columnList(columns, 't')} FROM ${source} AS t`,
  );
  return write(() => insert.run().changes).finally(() => {
    if (!session.closed) db.exec(`DETACH DATABASE ${quoteIdent(alias)}`);
  });
}
