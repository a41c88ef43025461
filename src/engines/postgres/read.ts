import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import { checkWhereShape } from '../../core/where.js';
import type { ReadOptions, RowStream } from '../engine.js';
import { cancelBackend, openBeside, type PgSession } from './connect.js';
import { mapError } from './errors.js';
import { mergeTerms } from './merge.js';
import { byteOrder, quoteIdent, quoteString, quoteTable, userFilter } from './sql.js';

/**
 * An expression giving the physical table of each row as `schema.name` (quoted only where needed, so
 * it is valid regclass input). `tableoid::regclass::text` would depend on search_path, so map oids.
 */
export async function originExpression(
  client: pg.Client,
  table: TableSchema,
  alias: string,
): Promise<string> {
  const found = await client.query<{ oid: string; name: string }>(
    `WITH RECURSIVE tree(oid) AS (
       SELECT $1::regclass::oid UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
     SELECT c.oid::text AS oid, format('%I.%I', n.nspname, c.relname) AS name
     FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [quoteTable(table.ref)],
  );
  const cases = found.rows.map((r) => `WHEN ${r.oid} THEN ${quoteString(r.name)}`).join(' ');
  return `CASE ${alias}.tableoid::oid ${cases} END`;
}

/** Columns that take a collation, so ORDER BY can ask for byte order. */
export async function collatableColumns(client: pg.Client, table: TableSchema): Promise<Set<string>> {
  const found = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND attcollation <> 0`,
    [quoteTable(table.ref)],
  );
  return new Set(found.rows.map((r) => r.name));
}

/** The SELECT that `read` copies out. */
export async function readQuery(
  client: pg.Client,
  table: TableSchema,
  options: ReadOptions,
): Promise<string> {
  const select = options.columns.map((c) => `t.${quoteIdent(c)}`);
  if (options.origin) select.push(await originExpression(client, table, 't'));
  let order: string | undefined;
  if (options.merge) {
    const terms = await mergeTerms(client, options.merge, options.scope);
    select.push(...terms.fields);
    order = terms.orderBy;
  } else if (options.scope !== undefined) {
    select.push(`EXISTS (SELECT 1 WHERE ${userFilter(options.scope)})`);
  }
  if (!order && options.orderByKey && table.key) {
    order = byteOrder(table.key.columns, 't', await collatableColumns(client, table));
  }
  const from = `FROM ${quoteTable(table.ref)} AS t WHERE ${userFilter(options.where)}`;
  return `SELECT ${select.join(', ')} ${from}${order ? ` ORDER BY ${order}` : ''}`;
}

/**
 * Streams rows out with `COPY (SELECT …) TO STDOUT` in the text format; values stay the server's bytes.
 * The COPY starts when the stream is first read.
 */
export async function* readRows(session: PgSession, table: TableSchema, options: ReadOptions): RowStream {
  let sql: string;
  try {
    sql = await readQuery(session.client, table, options);
  } catch (error) {
    throw mapError(error, `preparing to read ${table.ref.schema}.${table.ref.name}`);
  }
  yield* copyOut(session, sql, `reading ${table.ref.schema}.${table.ref.name}`);
}

/**
 * Reads the table through a session of its own opened beside `session` (see Connection.readBeside): it
 * runs in its own transaction, so it sees the table as committed when its COPY starts, without the rows
 * `session`'s open transaction writes meanwhile. Closed when the stream ends or is dropped.
 */
export async function* readBeside(session: PgSession, table: TableSchema, options: ReadOptions): RowStream {
  let beside: PgSession;
  try {
    beside = await openBeside(session);
  } catch (error) {
    throw mapError(error, `opening a second session to read ${table.ref.schema}.${table.ref.name}`);
  }
  try {
    yield* readRows(beside, table, options);
  } finally {
    await beside.client.end().catch(() => {});
  }
}

/**
 * Runs `COPY (sql) TO STDOUT` and yields its bytes with backpressure. A consumer that stops early makes
 * the server cancel the COPY, and the rest is drained, so the session stays usable.
 */
export async function* copyOut(session: PgSession, select: string, doing: string): RowStream {
  const stream = session.client.query(copyTo(`COPY (${select}) TO STDOUT`));
  let ended = false;
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
    ended = true;
  } catch (error) {
    ended = true;
    throw mapError(error, doing, { interrupted: session.cancelled });
  } finally {
    if (!ended) {
      // Listen before cancelling: the cancel's error may arrive before `finished` attaches its own.
      const drained = finished(stream).catch(() => {});
      stream.resume();
      await cancelBackend(session).catch(() => {});
      await drained;
    }
  }
}

/** Asks the server whether `where` is a boolean filter on the table; EXPLAIN parses and type-checks it. */
export async function checkWhere(session: PgSession, table: TableSchema, where: string): Promise<void> {
  const text = checkWhereShape(where);
  try {
    await session.client.query(`EXPLAIN SELECT 1 FROM ${quoteTable(table.ref)} WHERE ${userFilter(text)}`);
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    throw new RowbackError(
      'bad-where',
      `--where "${where}" does not work on ${table.ref.schema}.${table.ref.name}: ${message}.`,
      { hint: "Give one boolean SQL expression over the table's columns.", cause: error },
    );
  }
}

export async function count(session: PgSession, table: TableSchema, where?: string): Promise<number> {
  const result = await session.client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${quoteTable(table.ref)} WHERE ${userFilter(where)}`,
  );
  return Number(result.rows[0]!.n);
}

/**
 * Without counting. Not ONLY: a partitioned parent holds no rows itself, its partitions do. In key order
 * when a unique index holds the key, so the scan goes through that index: after a mass DELETE (why a
 * table is usually empty here) it visits every dead entry once and marks it dead in the index, and the
 * copy that follows checks its keys against entries it can skip instead of following each to the table
 * (a scan of the table prunes the table's pages but leaves the index as it was).
 */
export async function isEmpty(session: PgSession, table: TableSchema): Promise<boolean> {
  const key = table.key;
  const order =
    key && key.origin !== 'user' ? ` ORDER BY ${key.columns.map((c) => quoteIdent(c)).join(', ')}` : '';
  // Not inside EXISTS, whose planning drops the ORDER BY (and the index with it).
  const result = await session.client.query(`SELECT 1 FROM ${quoteTable(table.ref)}${order} LIMIT 1`);
  return result.rows.length === 0;
}
