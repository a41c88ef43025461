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
export function nativeRowsOf(session: SqliteSession, rows: RowStream | undefined): NativeRows | undefined {
  const native = (rows as { [NATIVE]?: NativeRows } | undefined)?.[NATIVE];
  if (!native || session.db.inTransaction) return undefined;
  const encoding = String(session.db.pragma('encoding', { simple: true }));
  return native.encoding === encoding ? native : undefined;
}

/** Attaches the file a marked stream reads, under a fresh name; returns the quoted source table. */
export function attachNative(session: SqliteSession, native: NativeRows): string {
  const alias = `rowback_source_${session.nextId++}`;
  session.db.prepare(`ATTACH DATABASE ? AS ${quoteIdent(alias)}`).run(native.file);
  session.attached = alias;
  return quoteTable({ schema: alias, name: native.table.name });
}

/** Detaches what attachNative attached, once no transaction is open (DETACH is refused inside one). */
export function detachNative(session: SqliteSession): void {
  const alias = session.attached;
  if (!alias || session.closed || session.db.inTransaction) return;
  session.attached = undefined;
  session.db.exec(`DETACH DATABASE ${quoteIdent(alias)}`);
}

/** INSERT … SELECT of the columns from an attached source table into `into`; the rows copied. */
export function insertFrom(session: SqliteSession, source: string, into: string, columns: string[]): number {
  const list = columnList(columns);
  return session.db
    .prepare(`INSERT INTO ${into} (${list}) SELECT ${columnList(columns, 't')} FROM ${source} AS t`)
    .run().changes;
}

/**
 * Copies the marked table's rows into `into` (quoted) through an attachment, then detaches; returns the
 * rows copied. The attached file is only read: a file in WAL mode is attached through its private copy,
 * one in rollback mode is read under a shared lock and left as it was.
 */
export async function copyNative(
  session: SqliteSession,
  native: NativeRows,
  into: string,
  columns: string[],
  write: (run: () => number) => Promise<number>,
): Promise<number> {
  const source = attachNative(session, native);
  try {
    return await write(() => insertFrom(session, source, into, columns));
  } finally {
    detachNative(session);
  }
}

/** Reads a stream to its end (its other reader, the undo file, gets every row) and counts its lines. */
export async function drain(rows: RowStream): Promise<number> {
  let lines = 0;
  for await (const chunk of rows) {
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
  }
  return lines;
}
