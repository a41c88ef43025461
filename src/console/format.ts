import type { QueryResult } from '../engines/engine.js';

/**
 * A result as psql prints it: a header, a rule, one line per row with columns aligned, and the row count.
 * NULL is shown empty, as psql does by default. Widths count characters, not bytes.
 */
export function formatResult(result: QueryResult): string {
  if (result.columns.length === 0) {
    return result.affected === undefined ? 'OK' : `${result.affected} ${plural(result.affected)} changed`;
  }
  const cells = result.rows.map((row) => row.map((value) => (value ?? '').replace(/\n/g, '\\n')));
  const widths = result.columns.map((name, i) =>
    Math.max(width(name), ...cells.map((row) => width(row[i] ?? ''))),
  );
  const line = (values: string[]) =>
    ` ${values.map((v, i) => v + ' '.repeat(widths[i]! - width(v))).join(' | ')}`.trimEnd();
  const lines = [
    line(result.columns),
    widths.map((w) => '-'.repeat(w + 2)).join('+'),
    ...cells.map(line),
    `(${result.rows.length} ${plural(result.rows.length)})`,
  ];
  return lines.join('\n');
}

export function plural(count: number): string {
  return count === 1 ? 'row' : 'rows';
}

function width(text: string): number {
  return [...text].length;
}
