import type { RowClass, SampleRow } from '../../core/plan.js';
import { keptClass, OUTSIDE_CLASS } from '../../core/restrict.js';
import type { Differing, SampleKind } from '../engine.js';
import type { SqliteSession } from './connect.js';
import type { SqlitePlan } from './plan.js';
import {
  byteOrder,
  columnList,
  differentText,
  fieldOf,
  keyEquals,
  keyText,
  quoteIdent,
  quoteTable,
} from './sql.js';
import { stagedTable } from './stage.js';

type Text = string | null;

function record(names: string[], values: Text[]): Record<string, Text> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? null]));
}

/**
 * A value as the row stream carries it (see fieldOf), so that a diff shows the same examples whether it
 * staged the rows or merged two streams: texts in single quotes (the text '1' is not the integer 1),
 * integers and reals as numbers, blobs as x'…' hex.
 */
function shown(x: string): string {
  return `CAST(${fieldOf(x)} AS TEXT)`;
}

/** Up to `limit` rows of one class in key order, each side's values as text. */
export function samples(
  session: SqliteSession,
  plan: SqlitePlan,
  rowClass: RowClass,
  limit: number,
  kept: SampleKind = false,
): SampleRow[] {
  const { staged, key } = plan;
  const columns = staged.columns;
  const list = (alias: string, names: string[]) =>
    names.map((c) => shown(`${alias}.${quoteIdent(c)}`)).join(', ') || 'NULL';
  const differs = columns.map((c) => differentText([c], 's', 't')).join(', ') || 'NULL';
  const sql = `
    WITH picked AS (
      SELECT ${columnList(key, 'p')} FROM ${plan.table} AS p
      WHERE p.${plan.classColumn} = ? ORDER BY ${byteOrder(key, 'p')} LIMIT ?)
    SELECT ${list('p', key)}, ${list('s', columns)}, ${list('t', columns)}, ${differs}
    FROM picked AS p
    LEFT JOIN ${stagedTable(staged)} AS s ON ${keyEquals(key, 'p', 's', plan.collations)}
    LEFT JOIN ${quoteTable(staged.target.ref)} AS t ON ${keyEquals(key, 't', 'p', plan.collations)}
    ORDER BY ${byteOrder(key, 'p')}`;
  const rows = session.db.prepare(sql).raw(true).all(classOf(rowClass, kept), BigInt(limit)) as (
    | Text
    | bigint
  )[][];
  const width = Math.max(columns.length, 1);
  return rows.map((raw) => {
    const values = raw.map((v) => (v === null ? null : String(v)));
    const keyValues = values.slice(0, key.length);
    const sourceValues = values.slice(key.length, key.length + width);
    const targetValues = values.slice(key.length + width, key.length + 2 * width);
    const differing = values.slice(key.length + 2 * width);
    const sample: SampleRow = { class: rowClass, key: record(key, keyValues) };
    if (rowClass !== 'extra') sample.source = record(columns, sourceValues);
    if (rowClass !== 'missing') sample.target = record(columns, targetValues);
    if (rowClass === 'changed') sample.changedColumns = columns.filter((_c, i) => differing[i] === '1');
    return sample;
  });
}

/** Changed rows whose values differ exactly in at least `atLeast` of `columns`: how many, and a few keys. */
export function differing(
  session: SqliteSession,
  plan: SqlitePlan,
  test: { columns: string[]; atLeast: number },
  limit: number,
): Differing {
  const { staged, key } = plan;
  const differences = test.columns.map((c) => `(${differentText([c], 's', 't')})`).join(' + ') || '0';
  const sql = `
    WITH d AS (
      SELECT ${columnList(key, 'p')}, ${keyText(key, 'p')} AS rowback_key
      FROM ${plan.table} AS p
      JOIN ${stagedTable(staged)} AS s ON ${keyEquals(key, 's', 'p', plan.collations)}
      JOIN ${quoteTable(staged.target.ref)} AS t ON ${keyEquals(key, 't', 'p', plan.collations)}
      WHERE p.${plan.classColumn} = 'changed' AND ${differences} >= ?)
    SELECT (SELECT count(*) FROM d),
           (SELECT json_group_array(rowback_key) FROM (SELECT p.rowback_key FROM d AS p ORDER BY ${byteOrder(key, 'p')} LIMIT ?))`;
  const [rows, sample] = session.db.prepare(sql).raw(true).get(BigInt(test.atLeast), BigInt(limit)) as [
    bigint,
    string | null,
  ];
  return { rows: Number(rows), sample: sample ? (JSON.parse(sample) as string[]) : [] };
}

/** The plan-table class name of the sampled rows. */
function classOf(rowClass: RowClass, kept: SampleKind): string {
  if (kept === 'outside') return OUTSIDE_CLASS;
  return kept ? keptClass(rowClass) : rowClass;
}
