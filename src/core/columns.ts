import { RowbackError } from './errors.js';
import { type Column, formatTable, type TableSchema } from './table.js';

export interface ColumnMatch {
  /** Target columns rowback reads from the source and writes, in target order. */
  columns: string[];
  warnings: string[];
}

/** Character set and collation are settings of a column, not its type: servers differ in defaults. */
function bareType(column: Column): string {
  return column.type
    .replace(/\s+(CHARACTER SET|CHARSET|COLLATE)\s+("[^"]*"|`[^`]*`|\S+)/gi, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * Decides which columns a restore carries. Columns both sides have, with the same type, are restored.
 * A target column the source lacks is left to its default when it may be (nullable or has a default),
 * otherwise the restore is refused; a retyped column is refused (its text could mean something else).
 * Generated columns are left to the server, except those of the key: they identify rows, so they are
 * carried (read, staged and matched, never written) when `generatedKeys` is true, and otherwise refused
 * for the reason it gives.
 */
export function matchColumns(
  source: TableSchema,
  target: TableSchema,
  key: string[],
  options: { generatedKeys?: true | string } = {},
): ColumnMatch {
  const sourceByName = new Map(source.columns.map((c) => [c.name, c]));
  const targetNames = new Set(target.columns.map((c) => c.name));
  const columns: string[] = [];
  const warnings: string[] = [];
  const retyped: string[] = [];
  const required: string[] = [];
  const table = formatTable(target.ref);

  const generatedKey: string[] = [];
  for (const column of target.columns) {
    if (column.generated !== 'no' && !key.includes(column.name)) continue; // the server computes it
    if (column.generated !== 'no' && options.generatedKeys !== true) {
      generatedKey.push(column.name);
      continue;
    }
    const other = sourceByName.get(column.name);
    if (!other) {
      if (!column.nullable && !column.hasDefault && column.identity === 'no') required.push(column.name);
      else
        warnings.push(
          `Column ${column.name} of ${table} is not in the source; restored rows get its default.`,
        );
      continue;
    }
    if (bareType(other) !== bareType(column)) {
      retyped.push(`${column.name} is ${other.type} in the source and ${column.type} in the target`);
      continue;
    }
    columns.push(column.name);
  }
  for (const column of source.columns) {
    if (!targetNames.has(column.name)) {
      warnings.push(`Column ${column.name} exists only in the source; it is not restored.`);
    }
  }
  const missingKey = key.filter((k) => !columns.includes(k));
  if (retyped.length || required.length || missingKey.length) {
    const reasons = [
      ...retyped.map((r) => `column ${r}`),
      ...required.map(
        (c) => `column ${c} is NOT NULL without a default in the target but absent from the source`,
      ),
      ...missingKey
        .filter((k) => !retyped.some((r) => r.startsWith(`${k} `)))
        .map((k) =>
          generatedKey.includes(k)
            ? `key column ${k} is generated, and ${options.generatedKeys ?? 'generated columns cannot be read from this source'}`
            : `key column ${k} cannot be read from the source`,
        ),
    ];
    throw new RowbackError(
      'schema-mismatch',
      `The source and target ${table} differ: ${reasons.join('; ')}.`,
      {
        hint: generatedKey.length
          ? 'Restore from a live copy of the database (it reads generated columns), or give --key with stored columns that identify a row.'
          : 'Make the columns match (e.g. ALTER TABLE on a copy) or restore from a source with the same schema.',
        details: { retyped, required, missingKey },
      },
    );
  }
  return { columns, warnings };
}
