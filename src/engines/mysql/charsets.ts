import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { RawRow } from './connect.js';
import { findColumn, quoteIdent } from './sql.js';

/**
 * Character sets whose every stored value converts to UTF-8 and back unchanged, measured on MariaDB 10.11:
 * latin1 maps all 256 bytes, and the UTF-8, UCS-2 and UTF-16/32 sets refuse invalid text when it is stored.
 * Other sets keep bytes they cannot convert (ascii 0x80–0xFF, cp1250 0x81, a broken sjis or gbk sequence),
 * and reading those as UTF-8 turns them into '?' without a warning.
 */
const CONVERTIBLE = new Set([
  'utf8mb4',
  'utf8mb3',
  'utf8',
  'latin1',
  'binary',
  'ucs2',
  'utf16',
  'utf16le',
  'utf32',
]);

/** The character set in a described column type (`varchar(10) CHARACTER SET cp1250 COLLATE …`). */
export function charsetOf(type: string): string | undefined {
  return /\bCHARACTER SET (\w+)/i.exec(type)?.[1]?.toLowerCase();
}

/**
 * A check read beside the values: which of the text columns whose character set may hold unconvertible
 * bytes does not survive the trip to UTF-8 and back (0 when all do).
 */
export interface TextGuard {
  /** One more select-list item: the 1-based position in `columns` of the first column that fails, or 0. */
  sql: string;
  columns: string[];
}

export function textGuard(schema: TableSchema, columns: string[], alias?: string): TextGuard | undefined {
  const guarded = columns.filter((c) => {
    const charset = charsetOf(findColumn(schema, c)?.type ?? '');
    return charset !== undefined && !CONVERTIBLE.has(charset);
  });
  if (guarded.length === 0) return undefined;
  const cases = guarded.map((c, i) => {
    const ref = `${alias ? `${alias}.` : ''}${quoteIdent(c)}`;
    const charset = charsetOf(findColumn(schema, c)!.type)!;
    return `WHEN NOT (CAST(CONVERT(CONVERT(${ref} USING utf8mb4) USING ${charset}) AS BINARY) <=> CAST(${ref} AS BINARY)) THEN ${i + 1}`;
  });
  return { sql: `CASE ${cases.join(' ')} ELSE 0 END`, columns: guarded };
}

/**
 * Passes rows on without their trailing guard field; stops with RowbackError('unsupported') at the first
 * row whose guard names a column, before that row's text is used anywhere.
 */
export async function* checkedRows(
  rows: AsyncIterable<RawRow>,
  guard: TextGuard | undefined,
  schema: TableSchema,
): AsyncIterable<RawRow> {
  if (!guard) {
    yield* rows;
    return;
  }
  for await (const row of rows) {
    const flag = Number(row[row.length - 1]?.toString() ?? '0');
    if (flag > 0) throw unconvertible(schema, guard.columns[flag - 1]!);
    yield row.slice(0, -1);
  }
}

/** As checkedRows, for a batch; the rows keep their guard field (the encoder leaves it out). */
export function checkBatch(rows: RawRow[], guard: TextGuard, schema: TableSchema): void {
  for (const row of rows) {
    const flag = row[row.length - 1];
    // '0' for nearly every row: tell it apart without making text of it
    if (flag && flag.length === 1 && flag[0] === 0x30) continue;
    const n = Number(flag?.toString() ?? '0');
    if (n > 0) throw unconvertible(schema, guard.columns[n - 1]!);
  }
}

function unconvertible(schema: TableSchema, column: string): RowbackError {
  const charset = charsetOf(findColumn(schema, column)?.type ?? '');
  const table = `${schema.ref.schema}.${schema.ref.name}`;
  return new RowbackError(
    'unsupported',
    `A value of column ${column} in ${table} holds bytes that are not ${charset} text; rowback carries text as UTF-8 and would write '?' in their place, so it stopped before writing anything.`,
    {
      hint: `Find the rows with: SELECT * FROM ${table} WHERE CAST(CONVERT(CONVERT(${quoteIdent(column)} USING utf8mb4) USING ${charset}) AS BINARY) <> CAST(${quoteIdent(column)} AS BINARY). Correct those values, or restore without them (--where).`,
      details: { column, charset },
    },
  );
}
