import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import { checkWhereShape } from '../../core/where.js';
import type { ReadOptions, RowStream } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { mapError } from './errors.js';
import { checkCancelled } from './lock.js';
import { mergeTerms } from './merge.js';
import { rowChunks } from './rows.js';
import { byteOrder, fieldOf, quoteIdent, quoteTable, userFilter } from './sql.js';

/** The SELECT that `read` runs: each column as its exact field text (see fieldOf), then match fields. */
export function readQuery(session: SqliteSession, table: TableSchema, options: ReadOptions): string {
  const select = options.columns.map((c) => fieldOf(`t.${quoteIdent(c)}`));
  let order: string | undefined;
  if (options.merge) {
    const terms = mergeTerms(session, options.merge, options.scope);
    select.push(...terms.fields);
    order = terms.orderBy;
  } else if (options.scope !== undefined) {
    select.push(
      `CAST(CASE WHEN EXISTS (SELECT 1 WHERE ${userFilter(options.scope)}) THEN 't' ELSE 'f' END AS BLOB)`,
    );
  }
  if (!order && options.orderByKey && table.key) order = byteOrder(table.key.columns, 't');
  const from = `FROM ${quoteTable(table.ref)} AS t WHERE ${userFilter(options.where)}`;
  return `SELECT ${select.join(', ') || 'NULL'} ${from}${order ? ` ORDER BY ${order}` : ''}`;
}

/** Streams rows out in the text row format; the values are the SQL-built field texts, never decoded. */
export async function* readRows(session: SqliteSession, table: TableSchema, options: ReadOptions): RowStream {
  const doing = `reading ${table.ref.schema}.${table.ref.name}`;
  let rows: IterableIterator<(Buffer | bigint | null)[]>;
  try {
    checkCancelled(session);
    const statement = session.db.prepare(readQuery(session, table, options)).raw(true);
    rows = statement.iterate() as IterableIterator<(Buffer | bigint | null)[]>;
  } catch (error) {
    throw mapError(error, doing, { interrupted: session.cancelled });
  }
  try {
    yield* rowChunks(rows, () => checkCancelled(session));
  } catch (error) {
    throw mapError(error, doing, { interrupted: session.cancelled });
  }
}

/** Asks SQLite whether `where` is a filter on the table: preparing the statement parses and resolves it. */
export function checkWhere(session: SqliteSession, table: TableSchema, where: string): void {
  const text = checkWhereShape(where);
  try {
    session.db.prepare(`SELECT 1 FROM ${quoteTable(table.ref)} WHERE ${userFilter(text)}`);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    throw new RowbackError(
      'bad-where',
      `--where "${where}" does not work on ${table.ref.schema}.${table.ref.name}: ${message}.`,
      { hint: "Give one boolean SQL expression over the table's columns.", cause: error },
    );
  }
}

export function count(session: SqliteSession, table: TableSchema, where?: string): number {
  const found = session.db
    .prepare(`SELECT count(*) FROM ${quoteTable(table.ref)} WHERE ${userFilter(where)}`)
    .pluck()
    .get() as bigint;
  return Number(found);
}

/** Without counting: one row is enough. */
export function isEmpty(session: SqliteSession, table: TableSchema): boolean {
  return session.db.prepare(`SELECT 1 FROM ${quoteTable(table.ref)} LIMIT 1`).get() === undefined;
}
