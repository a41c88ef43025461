import { RowbackError } from '../../core/errors.js';
import { encodeField } from '../../core/rows.js';
import type { TableSchema } from '../../core/table.js';
import { checkWhereShape } from '../../core/where.js';
import type { ReadOptions, RowStream } from '../engine.js';
import { checkBatch, type TextGuard, textGuard } from './charsets.js';
import { openBeside, type RawRow, type Session } from './connect.js';
import { liftSortLimit, mergeTerms } from './merge.js';
import { byteOrder, exactList, quoteTable } from './sql.js';

const TAB = 0x09;
const NEWLINE = 0x0a;
/** Rows are gathered into chunks of about this size before they are handed on. */
const CHUNK = 64 * 1024;

/** Throws RowbackError('bad-where') unless `where` is one boolean filter the server accepts on this table. */
export async function checkWhere(session: Session, table: TableSchema, where: string): Promise<void> {
  const text = checkWhereShape(where);
  try {
    await session.run(`SELECT 1 FROM ${quoteTable(table.ref)} WHERE (${text}) LIMIT 0`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RowbackError(
      'bad-where',
      `--where "${where}" is not a valid filter on ${table.ref.schema}.${table.ref.name}: ${message}`,
      {
        hint: "Write one boolean SQL expression over the table's columns.",
        cause: error,
      },
    );
  }
}

export async function count(session: Session, table: TableSchema, where?: string): Promise<number> {
  const filter = where ? ` WHERE (${where})` : '';
  return Number(await session.scalar(`SELECT COUNT(*) FROM ${quoteTable(table.ref)}${filter}`));
}

/** True when the table has no row; stops at the first one found. */
export async function isEmpty(session: Session, table: TableSchema): Promise<boolean> {
  return (await session.scalar(`SELECT EXISTS (SELECT 1 FROM ${quoteTable(table.ref)})`)) === '0';
}

/** Streams the table in the text row format, with constant memory whatever its size. */
export function readRows(session: Session, table: TableSchema, options: ReadOptions): RowStream {
  const guard = textGuard(table, options.columns);
  const select = options.columns.length ? [exactList(table, options.columns)] : [];
  if (options.origin) select.push(originField(table));
  let order: string | undefined;
  if (options.merge) {
    const terms = mergeTerms(options.merge, options.scope);
    select.push(...terms.fields);
    order = terms.orderBy;
  } else if (options.scope !== undefined) {
    select.push(`IF(EXISTS (SELECT 1 FROM DUAL WHERE (${options.scope})), 't', 'f')`);
  }
  if (!order && options.orderByKey) {
    if (!table.key)
      throw new RowbackError('no-key', `${table.ref.schema}.${table.ref.name} has no key to order by.`);
    order = byteOrder(table, table.key.columns);
  }
  // The guard is the last field: checkedRows takes it off before anything reads the row.
  if (guard) select.push(guard.sql);
  let sql = `SELECT ${select.join(', ')} FROM ${quoteTable(table.ref)}`;
  if (options.where) sql += ` WHERE (${options.where})`;
  if (order) sql += ` ORDER BY ${order}`;
  return wrapped(
    session,
    textRows(session, sql, guard, table),
    `while reading ${table.ref.schema}.${table.ref.name}`,
    order !== undefined,
  );
}

/**
 * readRows through a second session opened for it, so `session` may write (copyIn) while the rows come
 * (see Connection.readBeside). The read is one statement in its own transaction: it sees the rows committed
 * when it starts, never the rows `session`'s open transaction writes meanwhile, and `session`'s lock keeps
 * every other writer out. Closed when the stream ends or is dropped.
 */
export async function* readBeside(session: Session, table: TableSchema, options: ReadOptions): RowStream {
  const beside = await openBeside(session);
  try {
    yield* readRows(beside, table, options);
  } finally {
    await beside.close();
  }
}

/** A query's rows in the text row format (the guard field, if any, checked and left out). */
function textRows(
  session: Session,
  sql: string,
  guard: TextGuard | undefined,
  table: TableSchema,
): RowStream {
  if (!guard) return session.textRows(sql);
  const check = (flag: Buffer | null): Error | undefined => {
    // '0' for nearly every row: tell it apart without making text of it
    if (flag && flag.length === 1 && flag[0] === 0x30) return undefined;
    try {
      checkBatch([[flag]], guard, table);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  };
  return session.textRows(sql, 1, check);
}

/** Passes a stream on, turning a driver error into a RowbackError that says what was being read. */
async function* wrapped(session: Session, rows: RowStream, doing: string, ordered: boolean): RowStream {
  try {
    if (ordered) await liftSortLimit(session);
    yield* rows;
  } catch (error) {
    throw session.wrap(error, doing);
  }
}

/** MySQL partitions are one table to reads and writes: every row's origin is the table itself. */
function originField(table: TableSchema): string {
  return `'${`${table.ref.schema}.${table.ref.name}`.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Raw rows → text row format, batched into chunks. */
export async function* encodeRows(rows: AsyncIterable<RawRow>): RowStream {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const field = encodeField(row[i] ?? null);
      parts.push(field);
      size += field.length + 1;
      parts.push(i === row.length - 1 ? NL : TB);
    }
    if (size >= CHUNK) {
      yield Buffer.concat(parts);
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.concat(parts);
}

const TB = Buffer.from([TAB]);
const NL = Buffer.from([NEWLINE]);
