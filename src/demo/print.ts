import { countText } from '../index.js';
import type { TextRow } from './db.js';

/** Rows as an aligned text table, indented; NULL shows as `NULL`. An empty table says so. */
export function formatRows(columns: readonly string[], rows: TextRow[]): string {
  if (rows.length === 0) return '    (no rows)';
  const cells = [[...columns], ...rows.map((row) => columns.map((c) => row[c] ?? 'NULL'))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  const lines = cells.map((line) =>
    line
      .map((cell, i) => (i === 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.map((line) => `    ${line}`).join('\n');
}

/** Indents a block printed by the CLI's renderers, so it reads as quoted output inside the story. */
export function quoted(block: string): string {
  return block
    .split('\n')
    .map((line) => (line ? `    │ ${line}` : '    │'))
    .join('\n');
}

/** `1 row` / `12 rows`. */
export function rows(count: number, noun = 'row'): string {
  return `${countText(count)} ${noun}${count === 1 ? '' : 's'}`;
}
