import type { RowClass, SampleRow } from '../../core/plan.js';
import type { TableSchema } from '../../core/table.js';
import type { Differing, SampleKind } from '../engine.js';
import type { Session } from './connect.js';
import { CLASS, KEPT, type MysqlPlan, OUTSIDE, planWithStaged } from './plan.js';
import {
  byteOrder,
  exactList,
  findColumn,
  isBinaryType,
  keyEquals,
  quoteIdent,
  quoteTable,
  sameValue,
} from './sql.js';

/** Up to `limit` rows of one class in key byte order; binary values are shown as `\x…` hex. */
export async function samples(
  session: Session,
  plan: MysqlPlan,
  rowClass: RowClass,
  limit: number,
  kept: SampleKind = false,
): Promise<SampleRow[]> {
  const { staged, key } = plan;
  const schema = staged.target;
  const cols = staged.columns;
  const withSource = rowClass !== 'extra';
  const withTarget = rowClass !== 'missing';
  const select = [
    ...(withSource ? [exactList(schema, cols, 's')] : []),
    ...(withTarget ? [exactList(schema, cols, 't')] : []),
  ].join(', ');
  const row = quoteIdent(plan.names.row);
  const sql =
    `SELECT ${select} FROM ${quoteIdent(plan.table)} p` +
    (withSource ? ` JOIN ${quoteIdent(staged.table)} s ON s.${row} = p.${row}` : '') +
    (withTarget ? ` JOIN ${quoteTable(schema.ref)} t ON ${keyEquals(key, 't', 'p')}` : '') +
    ` WHERE p.${quoteIdent(plan.names.rowClass)} = '${kept === 'outside' ? OUTSIDE : (kept ? KEPT : CLASS)[rowClass]}'` +
    ` ORDER BY ${byteOrder(schema, key, 'p')} LIMIT ${Math.max(0, Math.floor(limit))}`;
  const rows = await session.run(sql);
  return rows.map((values) => {
    const sourceValues = withSource ? values.slice(0, cols.length) : [];
    const targetValues = withTarget ? values.slice(withSource ? cols.length : 0) : [];
    const source = withSource ? toRecord(schema, cols, sourceValues) : undefined;
    const target = withTarget ? toRecord(schema, cols, targetValues) : undefined;
    const keyed = (source ?? target)!;
    const sample: SampleRow = {
      class: rowClass,
      key: Object.fromEntries(key.map((k) => [k, keyed[k] ?? null])),
    };
    if (source) sample.source = source;
    if (target) sample.target = target;
    if (rowClass === 'changed') {
      sample.changedColumns = cols.filter(
        (_, i) => !sameBytes(sourceValues[i] ?? null, targetValues[i] ?? null),
      );
    }
    return sample;
  });
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/** A row's values as text for display. */
function toRecord(
  schema: TableSchema,
  columns: string[],
  values: (Buffer | null)[],
): Record<string, string | null> {
  return Object.fromEntries(
    columns.map((c, i) => [c, showValue(values[i] ?? null, findColumn(schema, c)?.type ?? '')]),
  );
}

export function showValue(value: Buffer | null, type: string): string | null {
  if (value === null) return null;
  return isBinaryType(type) ? `\\x${value.toString('hex')}` : value.toString('utf8');
}

/** Changed rows whose exact text differs in at least `atLeast` of `columns`: how many, and a few keys. */
export async function differing(
  session: Session,
  plan: MysqlPlan,
  test: { columns: string[]; atLeast: number },
  limit: number,
): Promise<Differing> {
  const { staged, key } = plan;
  const schema = staged.target;
  const differences = test.columns.map((c) => `(NOT (${sameValue(schema, c, 's', 't')}))`).join(' + ') || '0';
  const from = `FROM ${planWithStaged(plan)} JOIN ${quoteTable(schema.ref)} t ON ${keyEquals(key, 't', 'p')}
    WHERE p.${quoteIdent(plan.names.rowClass)} = '${CLASS.changed}' AND ${differences} >= ${Math.floor(test.atLeast)}`;
  const rows = Number(await session.scalar(`SELECT COUNT(*) ${from}`));
  const found = await session.run(
    `SELECT ${exactList(schema, key, 'p')} ${from} ORDER BY ${byteOrder(schema, key, 'p')} LIMIT ${Math.max(0, Math.floor(limit))}`,
  );
  const sample = found.map((values) => {
    const texts = key.map(
      (k, i) => showValue(values[i] ?? null, findColumn(schema, k)?.type ?? '') ?? 'NULL',
    );
    return texts.length === 1 ? texts[0]! : `(${texts.join(',')})`;
  });
  return { rows, sample };
}
