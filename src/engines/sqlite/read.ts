import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import { checkWhereShape } from '../../core/where.js';
import type { ReadOptions, RowStream } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { mapError } from './errors.js';
import { anyField, type LinesQuery, readLines, rowidOf, valueField } from './lines.js';
import { checkCancelled } from './lock.js';
import { mergeTerms } from './merge.js';
import { markNative } from './native.js';
import { byteOrder, fieldOf, quoteIdent, quoteTable, userFilter } from './sql.js';

/**
 * What `read` selects: each column as its exact field (see fieldOf), then match fields or the scope flag;
 * ordered by the key's match order for a merge, else read in ranges of rowid where the table has one.
 */
export function readQuery(session: SqliteSession, table: TableSchema, options: ReadOptions): LinesQuery {
  const fields = options.columns.map((c) => valueField(`t.${quoteIdent(c)}`));
  let orderBy: string | undefined;
  if (options.merge) {
    const terms = mergeTerms(session, options.merge, options.scope);
    fields.push(...terms.fields.map(anyField));
    orderBy = terms.orderBy;
  } else if (options.scope !== undefined) {
    fields.push(`CASE WHEN EXISTS (SELECT 1 WHERE ${userFilter(options.scope)}) THEN x'74' ELSE x'66' END`);
  }
  if (!orderBy && options.orderByKey && table.key) orderBy = byteOrder(table.key.columns, 't');
  const withoutRowid = /WITHOUT ROWID/.test(table.storage ?? '');
  const cursor = rowidOf(
    't',
    table.columns.map((c) => c.name),
    withoutRowid,
  );
  return {
    fields: fields.length ? fields : [`x'5c4e'`],
    from: `FROM ${quoteTable(table.ref)} AS t`,
    where: userFilter(options.where),
    ...(orderBy ? { orderBy } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

/** The same fields one value each, for a database whose text is not UTF-8 (see readLines). */
function plainFields(session: SqliteSession, options: ReadOptions): string[] {
  const fields = options.columns.map((c) => fieldOf(`t.${quoteIdent(c)}`));
  if (options.merge) fields.push(...mergeTerms(session, options.merge, options.scope).fields);
  else if (options.scope !== undefined) {
    fields.push(
      `CAST(CASE WHEN EXISTS (SELECT 1 WHERE ${userFilter(options.scope)}) THEN 't' ELSE 'f' END AS BLOB)`,
    );
  }
  return fields.length ? fields : ['NULL'];
}

/**
 * Streams rows out in the text row format, built by SQLite (see readLines); never decoded. A plain read
 * is marked so that a SQLite target may copy it without reading (see native.ts). Outside a
 * transaction, ranges of rowid are read in one read transaction, so they are one snapshot of the file.
 */
export function readRows(session: SqliteSession, table: TableSchema, options: ReadOptions): RowStream {
  return markNative(readText(session, table, options), session, table.ref, options);
}

async function* readText(session: SqliteSession, table: TableSchema, options: ReadOptions): RowStream {
  const doing = `reading ${table.ref.schema}.${table.ref.name}`;
  const { db } = session;
  let own = false;
  try {
    checkCancelled(session);
    const query = readQuery(session, table, options);
    own = !db.inTransaction && query.cursor !== undefined && query.orderBy === undefined;
    if (own) db.exec('BEGIN');
    yield* readLines(session, query, plainFields(session, options));
    if (own && db.inTransaction) db.exec('COMMIT');
  } catch (error) {
    throw mapError(error, doing, { interrupted: session.cancelled });
  } finally {
    if (own && db.inTransaction && !session.closed) db.exec('ROLLBACK');
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
