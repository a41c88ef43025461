import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { RowClass, SampleRow } from '../../core/plan.js';
import { imageColumns, type TableSchema } from '../../core/table.js';
import type { Drift, Plan, RowStream, Staged } from '../engine.js';
import type { PgSession } from './connect.js';
import { mapError } from './errors.js';
import { asPgPlan } from './plan.js';
import { collatableColumns, copyOut } from './read.js';
import { byteOrder, columnList, freeName, keyEquals, quoteIdent, quoteTable, tempName } from './sql.js';
import { keepStaged, stagedTable } from './stage.js';

/** How rows are digested (see `digestOf`); a new way needs a new name. */
export const PG_DIGEST = 'postgres-md5-record-1';

/**
 * md5 of the row's record text: each value written by its type's output function (the text COPY carries:
 * `t` for a boolean, `ab   ` for char(5), the float's shortest exact digits under the session's pinned
 * extra_float_digits, bytea in hex), double-quoted where it holds a quote, comma, parenthesis, space or
 * nothing, and NULL as no text at all, so NULL and '' differ. Bytes, never a collation's equality.
 */
function digestOf(target: TableSchema, alias: string): string {
  const columns = imageColumns(target).map((c) => c.name);
  return `md5(ROW(${columnList(columns, alias)})::text)`;
}

function keyOf(target: TableSchema): string[] {
  return target.key?.columns ?? [];
}

/** The key and digest of the target's rows: of a plan's classes, or all of them. */
export async function* digests(
  session: PgSession,
  target: TableSchema,
  of?: { plan: Plan; classes: RowClass[] },
): RowStream {
  const key = keyOf(target);
  const fields = `${columnList(key, 't')}, ${digestOf(target, 't')}`;
  let from = `${quoteTable(target.ref)} AS t`;
  if (of) {
    const plan = asPgPlan(of.plan);
    const list = of.classes.length ? of.classes.map((c) => `'${c}'`).join(', ') : 'NULL';
    from += ` JOIN ${plan.table} AS p ON ${keyEquals(plan.key, 'p', 't')} WHERE p.${plan.classColumn} IN (${list})`;
  }
  yield* copyOut(
    session,
    `SELECT ${fields} FROM ${from}`,
    `digesting the rows written to ${target.ref.schema}.${target.ref.name}`,
  );
}

/** The digest column of each table `stageDigests` made. */
const digestColumns = new WeakMap<Staged, string>();

/** Key columns with the target's types, then the digest as text. */
export async function stageDigests(
  session: PgSession,
  target: TableSchema,
  rows: RowStream,
): Promise<Staged> {
  const key = keyOf(target);
  const table = tempName(session, 'digests');
  const digest = freeName('rowback_digest', key);
  const { client } = session;
  let count = 0;
  try {
    await client.query(
      `CREATE TEMP TABLE ${table.slice('pg_temp.'.length)} AS SELECT ${columnList(key)} FROM ${quoteTable(target.ref)} WITH NO DATA`,
    );
    await client.query(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(digest)} text`);
    const sink = client.query(copyFrom(`COPY ${table} (${columnList([...key, digest])}) FROM STDIN`));
    await pipeline(rows, sink);
    count = sink.rowCount;
    await client.query(`ANALYZE ${table}`);
  } catch (error) {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    throw mapError(error, `staging the post-image of ${target.ref.schema}.${target.ref.name}`, {
      interrupted: session.cancelled,
    });
  }
  const staged: Staged = { target, columns: [...key], origin: false, rows: count };
  keepStaged(staged, table);
  digestColumns.set(staged, digest);
  return staged;
}

/**
 * Target rows that differ from staged digests, and keys of `absent` back in the target, as one set with
 * each row's class; the count in one pass, then a few of them with the target's current values.
 */
export async function drift(
  session: PgSession,
  digests: Staged,
  absent: Staged,
  limit: number,
): Promise<Drift> {
  const target = digests.target;
  const key = keyOf(target);
  const table = quoteTable(target.ref);
  const staged = stagedTable(digests);
  const digest = quoteIdent(digestColumns.get(digests) ?? 'rowback_digest');
  const drifted = `
    SELECT CASE WHEN t.ctid IS NULL THEN 'missing' ELSE 'changed' END AS rowback_class,
           ${columnList(key, 's')}
    FROM ${staged} AS s LEFT JOIN ${table} AS t ON ${keyEquals(key, 't', 's')}
    WHERE t.ctid IS NULL OR ${digestOf(target, 't')} IS DISTINCT FROM s.${digest}
    UNION ALL
    SELECT DISTINCT 'extra', ${columnList(key, 't')}
    FROM ${stagedTable(absent)} AS a JOIN ${table} AS t ON ${keyEquals(key, 't', 'a')}
    WHERE NOT EXISTS (SELECT 1 FROM ${staged} AS s WHERE ${keyEquals(key, 't', 's')})`;
  const counted = await session.client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM (${drifted}) AS d`,
  );
  const rows = Number(counted.rows[0]!.n);
  if (rows === 0) return { rows, sample: [] };
  const columns = imageColumns(target).map((c) => c.name);
  const collatable = await collatableColumns(session.client, target);
  // format('%s'): the type's output function, the text a read carries (see samples.ts).
  const asText = (alias: string, names: string[]) =>
    names
      .map((c) => `${alias}.${quoteIdent(c)}`)
      .map((v) => `CASE WHEN (${v})::text IS NULL THEN NULL ELSE format('%s', ${v}) END`)
      .join(', ');
  const rank = `CASE d.rowback_class WHEN 'changed' THEN 0 WHEN 'missing' THEN 1 ELSE 2 END`;
  const few = await session.client.query<(string | null)[]>({
    text: `SELECT d.rowback_class, ${asText('d', key)}, ${asText('t', columns)}
           FROM (${drifted}) AS d LEFT JOIN ${table} AS t ON ${keyEquals(key, 't', 'd')}
           ORDER BY ${rank}, ${byteOrder(key, 'd', collatable)} LIMIT $1`,
    values: [limit],
    rowMode: 'array',
  });
  const sample = few.rows.map((values): SampleRow => {
    const rowClass = values[0] as 'changed' | 'missing' | 'extra';
    const row: SampleRow = { class: rowClass, key: record(key, values.slice(1, 1 + key.length)) };
    if (rowClass !== 'missing') row.target = record(columns, values.slice(1 + key.length));
    return row;
  });
  return { rows, sample };
}

function record(names: string[], values: (string | null)[]): Record<string, string | null> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? null]));
}
