import type { RowClass, SampleRow } from '../../core/plan.js';
import { keptClass, OUTSIDE_CLASS } from '../../core/restrict.js';
import type { Differing, SampleKind } from '../engine.js';
import type { PgSession } from './connect.js';
import type { PgPlan } from './plan.js';
import { collatableColumns } from './read.js';
import { byteOrder, columnList, keyEquals, keyText, quoteIdent, quoteTable, textOf } from './sql.js';
import { stagedTable } from './stage.js';

type Text = string | null;

function record(names: string[], values: Text[]): Record<string, Text> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? null]));
}

/** Up to `limit` rows of one class in key byte order, each side's values as text. */
export async function samples(
  session: PgSession,
  plan: PgPlan,
  rowClass: RowClass,
  limit: number,
  kept: SampleKind = false,
): Promise<SampleRow[]> {
  const { staged, key } = plan;
  const columns = staged.columns;
  const collatable = await collatableColumns(session.client, staged.target);
  // format('%s') writes a value with its type's output function: the text a read or COPY carries
  // (`t`, `ab   ` for char(5)), where a cast to text may differ (`true`, `ab`). `::text` only tells NULL,
  // since a composite whose fields are all NULL is itself `IS NULL`.
  const asText = (alias: string, names: string[]) =>
    names
      .map((c) => `${alias}.${quoteIdent(c)}`)
      .map((v) => `CASE WHEN (${v})::text IS NULL THEN NULL ELSE format('%s', ${v}) END`)
      .join(', ') || 'NULL';
  const sql = `
    WITH picked AS (
      SELECT ${columnList(key, 'p')}, p.${plan.rowColumn} FROM ${plan.table} AS p
      WHERE p.${plan.classColumn} = $1
      ORDER BY ${byteOrder(key, 'p', collatable)} LIMIT $2)
    SELECT ${asText('p', key)}, ${asText('s', columns)}, ${asText('t', columns)}
    FROM picked AS p
    LEFT JOIN ${stagedTable(staged)} AS s ON s.ctid = p.${plan.rowColumn}
    LEFT JOIN ${quoteTable(staged.target.ref)} AS t ON ${keyEquals(key, 't', 'p')}
    ORDER BY ${byteOrder(key, 'p', collatable)}`;
  const result = await session.client.query<Text[]>({
    text: sql,
    values: [classOf(rowClass, kept), limit],
    rowMode: 'array',
  });
  const width = Math.max(columns.length, 1);
  return result.rows.map((values) => {
    const keyValues = values.slice(0, key.length);
    const sourceValues = values.slice(key.length, key.length + width);
    const targetValues = values.slice(key.length + width);
    const sample: SampleRow = { class: rowClass, key: record(key, keyValues) };
    if (rowClass !== 'extra') sample.source = record(columns, sourceValues);
    if (rowClass !== 'missing') sample.target = record(columns, targetValues);
    if (rowClass === 'changed') {
      sample.changedColumns = columns.filter((_c, i) => sourceValues[i] !== targetValues[i]);
    }
    return sample;
  });
}

/** Changed rows whose text differs in at least `atLeast` of `columns`: how many, and a few keys. */
export async function differing(
  session: PgSession,
  plan: PgPlan,
  test: { columns: string[]; atLeast: number },
  limit: number,
): Promise<Differing> {
  const { staged, key } = plan;
  const collatable = await collatableColumns(session.client, staged.target);
  const differences =
    test.columns.map((c) => `(${textOf('s', c)} IS DISTINCT FROM ${textOf('t', c)})::int`).join(' + ') || '0';
  const result = await session.client.query<{ rows: string; sample: string | null }>(
    `WITH d AS (
       SELECT ${columnList(key, 'p')}, ${keyText(key, 'p')} AS rowback_key
       FROM ${plan.table} AS p
       JOIN ${stagedTable(staged)} AS s ON s.ctid = p.${plan.rowColumn}
       JOIN ${quoteTable(staged.target.ref)} AS t ON ${keyEquals(key, 't', 'p')}
       WHERE p.${plan.classColumn} = 'changed' AND ${differences} >= $1)
     SELECT (SELECT count(*) FROM d)::text AS rows,
            (SELECT json_agg(rowback_key)::text
             FROM (SELECT p.rowback_key FROM d AS p ORDER BY ${byteOrder(key, 'p', collatable)} LIMIT $2) AS few) AS sample`,
    [test.atLeast, limit],
  );
  const row = result.rows[0]!;
  return { rows: Number(row.rows), sample: row.sample ? (JSON.parse(row.sample) as string[]) : [] };
}

/** The plan-table class name of the sampled rows. */
function classOf(rowClass: RowClass, kept: SampleKind): string {
  if (kept === 'outside') return OUTSIDE_CLASS;
  return kept ? keptClass(rowClass) : rowClass;
}
