import type { RowStream } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { checkCancelled } from './lock.js';
import { rowChunks } from './rows.js';
import { quoteIdent } from './sql.js';

/**
 * Rows in the text row format built by SQLite itself, a whole line per row (or a thousand lines per
 * value), instead of one value per field that JavaScript then escapes byte by byte: the same bytes as
 * RowWriter writes, several times faster, and fewer objects for the garbage collector.
 */

/** A text's or blob's bytes with the row format's escapes: backslash, tab, newline, carriage return. */
function escaped(bytes: string): string {
  return `replace(replace(replace(replace(${bytes}, x'5c', x'5c5c'), x'09', x'5c74'), x'0a', x'5c6e'), x'0d', x'5c72')`;
}

/** A GLOB that matches a text holding a byte to escape (GLOB stops at a NUL, so NULs are looked for apart). */
const NEEDS_ESCAPES = `'*[\\'||char(9,10,13)||']*'`;

/**
 * One value as an escaped field, the same bytes as fieldOf and RowWriter give it: an integer's digits, a
 * real's text (SQLite's, as CAST gives it; `-0.0` and the infinities as fieldOf writes them), a text
 * between single quotes with escapes only where it needs them, a blob as `x'…'`, NULL as `\N`.
 */
export function valueField(x: string): string {
  const bytes = `CAST(${x} AS BLOB)`;
  return `(CASE typeof(${x})
    WHEN 'integer' THEN ${x}
    WHEN 'text' THEN x'27' || CASE WHEN ${x} GLOB ${NEEDS_ESCAPES} OR instr(${bytes}, x'00') THEN ${escaped(bytes)} ELSE ${x} END || x'27'
    WHEN 'null' THEN x'5c4e'
    WHEN 'real' THEN CASE WHEN ${x} = 0 AND atan2(${x}, -1) < 0 THEN '-0.0'
                          WHEN ${x} > 1.7976931348623157e308 THEN '9.0e+999'
                          WHEN ${x} < -1.7976931348623157e308 THEN '-9.0e+999'
                          ELSE ${x} END
    ELSE 'x''' || lower(hex(${x})) || '''' END)`;
}

/** Any field expression (a blob or NULL, see fieldOf), escaped as the row format wants. */
export function anyField(expression: string): string {
  return `coalesce(${escaped(expression)}, x'5c4e')`;
}

/** A whole line, newline included, of escaped field expressions. */
function lineOf(fields: string[]): string {
  return `CAST(${fields.join(` || x'09' || `)} || x'0a' AS BLOB)`;
}

/** A SELECT broken into parts, so it can be read a range of rowids at a time. */
export interface LinesQuery {
  /** Escaped field expressions (valueField, anyField), at least one. */
  fields: string[];
  /** `FROM … AS t JOIN …`. */
  from: string;
  /** A boolean term; `1` for every row. */
  where: string;
  /** `ORDER BY` terms when the order matters. */
  orderBy?: string;
  /** A unique integer column of the driving table (`t."rowid"`): without an order, read in ranges of it. */
  cursor?: string;
}

const LINES_PER_CHUNK = 1000;

/**
 * Streams the lines of a query. Unordered with a cursor: a thousand lines per statement, joined by
 * SQLite, each range starting past the last cursor value read. Otherwise one line per row, gathered into
 * chunks. SQL builds the bytes only in a UTF-8 database (where a blob's bytes pass through text functions
 * untouched); any other encoding is read one value at a time.
 */
export function readLines(session: SqliteSession, query: LinesQuery, plain: string[]): RowStream {
  if (!isUtf8(session)) return readValues(session, query, plain);
  if (query.cursor && !query.orderBy) return readRanges(session, query, query.cursor);
  return readRows(session, query);
}

const encodings = new WeakMap<SqliteSession, boolean>();

function isUtf8(session: SqliteSession): boolean {
  let utf8 = encodings.get(session);
  if (utf8 === undefined) {
    utf8 = String(session.db.pragma('encoding', { simple: true })) === 'UTF-8';
    encodings.set(session, utf8);
  }
  return utf8;
}

async function* readRanges(session: SqliteSession, query: LinesQuery, cursor: string): RowStream {
  const select = (from: string) =>
    session.db
      .prepare(
        `SELECT max(r), CAST(group_concat(l, '') AS BLOB) FROM (
           SELECT ${cursor} AS r, ${lineOf(query.fields)} AS l ${query.from}
           WHERE ${from} (${query.where}) ORDER BY ${cursor} LIMIT ${LINES_PER_CHUNK})`,
      )
      .raw(true);
  const first = select('');
  const next = select(`${cursor} > ? AND`);
  checkCancelled(session);
  let [last, chunk] = first.get() as [bigint | null, Buffer | null];
  while (last !== null && chunk !== null) {
    yield chunk;
    checkCancelled(session);
    [last, chunk] = next.get(last) as [bigint | null, Buffer | null];
  }
}

const CHUNK = 256 * 1024;

async function* readRows(session: SqliteSession, query: LinesQuery): RowStream {
  checkCancelled(session);
  const sql = `SELECT ${lineOf(query.fields)} ${query.from} WHERE ${query.where}${query.orderBy ? ` ORDER BY ${query.orderBy}` : ''}`;
  const rows = session.db.prepare(sql).pluck().iterate() as IterableIterator<Buffer>;
  let pending: Buffer[] = [];
  let size = 0;
  try {
    for (const line of rows) {
      pending.push(line);
      size += line.length;
      if (size >= CHUNK) {
        yield Buffer.concat(pending, size);
        pending = [];
        size = 0;
        checkCancelled(session);
      }
    }
    if (size > 0) yield Buffer.concat(pending, size);
  } finally {
    rows.return?.();
  }
}

/** The row format from one value per field (see RowWriter): for databases whose text is not UTF-8. */
function readValues(session: SqliteSession, query: LinesQuery, plain: string[]): RowStream {
  const sql = `SELECT ${plain.join(', ')} ${query.from} WHERE ${query.where}${query.orderBy ? ` ORDER BY ${query.orderBy}` : ''}`;
  const rows = session.db.prepare(sql).raw(true).iterate() as IterableIterator<(Buffer | null)[]>;
  return rowChunks(rows, () => checkCancelled(session));
}

/**
 * The integer rowid of a table read as alias `t`, under a name no column takes (`rowid`, `_rowid_` or
 * `oid`); undefined for a WITHOUT ROWID table or when every name is a column's.
 */
export function rowidOf(alias: string, columns: string[], withoutRowid: boolean): string | undefined {
  if (withoutRowid) return undefined;
  const taken = new Set(columns.map((c) => c.toLowerCase()));
  const name = ['rowid', '_rowid_', 'oid'].find((n) => !taken.has(n));
  return name ? `${alias}.${quoteIdent(name)}` : undefined;
}
