import type { RowClass, SampleRow } from '../../core/plan.js';
import type { Session } from './connect.js';
import { buildPlan, CLASS, stagedKey } from './plan.js';
import { exactList, findColumn, isBinaryType, keyMatch, quoteIdent, quoteTable } from './sql.js';
import type { MysqlStaged } from './stage.js';

/** Up to `limit` example rows of one class; binary values are shown as `\x…` hex. */
export async function sampleRows(
  session: Session,
  staged: MysqlStaged,
  rowClass: RowClass,
  limit: number,
  where?: string,
): Promise<SampleRow[]> {
  const key = stagedKey(staged);
  const plan = quoteIdent(staged.plan ?? (await buildPlan(session, staged, where)));
  const cols = staged.columns;
  const withSource = rowClass !== 'extra';
  const withTarget = rowClass !== 'missing';
  const select = [
    ...(withSource ? [exactList(staged.target, cols, 's')] : []),
    ...(withTarget ? [exactList(staged.target, cols, 't')] : []),
  ].join(', ');
  const sql =
    `SELECT ${select} FROM ${plan} p` +
    (withSource
      ? ` JOIN ${quoteIdent(staged.table)} s ON s.${quoteIdent(staged.names.row)} = p.${quoteIdent(staged.names.row)}`
      : '') +
    (withTarget ? ` JOIN ${quoteTable(staged.target.ref)} t ON ${keyMatch(key, 't', 'p')}` : '') +
    ` WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS[rowClass]}' ORDER BY p.${quoteIdent(staged.names.row)} LIMIT ${Math.max(0, Math.floor(limit))}`;
  const rows = await session.run(sql);
  return rows.map((row) => {
    const source = withSource ? toRecord(staged, cols, row.slice(0, cols.length)) : undefined;
    const target = withTarget ? toRecord(staged, cols, row.slice(withSource ? cols.length : 0)) : undefined;
    const keyed = (source ?? target)!;
    const sample: SampleRow = {
      class: rowClass,
      key: Object.fromEntries(key.map((k) => [k, keyed[k] ?? null])),
    };
    if (source) sample.source = source;
    if (target) sample.target = target;
    if (rowClass === 'changed' && source && target) {
      const a = row.slice(0, cols.length);
      const b = row.slice(cols.length);
      sample.changedColumns = cols.filter((_, i) => !sameValue(a[i] ?? null, b[i] ?? null));
    }
    return sample;
  });
}

function sameValue(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/** A row's values as text for display. */
export function toRecord(
  staged: MysqlStaged,
  columns: string[],
  values: (Buffer | null)[],
): Record<string, string | null> {
  return Object.fromEntries(
    columns.map((c, i) => [c, showValue(values[i] ?? null, findColumn(staged.target, c)?.type ?? '')]),
  );
}

export function showValue(value: Buffer | null, type: string): string | null {
  if (value === null) return null;
  return isBinaryType(type) ? `\\x${value.toString('hex')}` : value.toString('utf8');
}
