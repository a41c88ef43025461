import { quoteIdent } from '../ansi-sql.js';
import type { SqliteSession } from './connect.js';

export { columnList, quoteIdent, quoteString, quoteTable } from '../ansi-sql.js';

/**
 * `a."k1" = b."k1" COLLATE "NOCASE" AND …`: keys match as the key's unique index matches them, under its
 * collation, and as SQLite compares storage classes (integer 1 equals real 1.0; text '1' is not integer 1;
 * a blob never equals a text). `collations` holds one collation per key column (BINARY when unknown).
 */
export function keyEquals(key: string[], a: string, b: string, collations: string[] = []): string {
  return key
    .map((k, i) => {
      const collation = collations[i];
      const clause =
        collation && collation.toUpperCase() !== 'BINARY' ? ` COLLATE ${quoteIdent(collation)}` : '';
      return `${a}.${quoteIdent(k)} = ${b}.${quoteIdent(k)}${clause}`;
    })
    .join(' AND ');
}

/**
 * A value's exact text in the row format, as a BLOB (so no byte is reinterpreted on its way out): the
 * storage class is part of the text. NULL stays NULL; an integer is its decimal digits (`42`); a real is
 * SQLite's own shortest exact text, which always holds `.` or `e` (`1.0`, `0.1`, `1.0e+300`), with `-0.0`
 * kept (atan2 tells its sign) and the infinities written `9.0e+999` / `-9.0e+999` so they read back; a
 * text is its bytes between single quotes, not escaped (`'it's'`); a blob is `x'…'` in lowercase hex.
 */
export function fieldOf(expression: string): string {
  const x = expression;
  return `(CASE typeof(${x})
    WHEN 'integer' THEN CAST(${x} AS BLOB)
    WHEN 'real' THEN CAST(CASE WHEN ${x} = 0 AND atan2(${x}, -1) < 0 THEN '-0.0'
                               WHEN ${x} > 1.7976931348623157e308 THEN '9.0e+999'
                               WHEN ${x} < -1.7976931348623157e308 THEN '-9.0e+999'
                               ELSE CAST(${x} AS TEXT) END AS BLOB)
    WHEN 'text' THEN CAST(x'27' || CAST(${x} AS BLOB) || x'27' AS BLOB)
    WHEN 'blob' THEN CAST('x''' || lower(hex(${x})) || '''' AS BLOB)
  END)`;
}

/**
 * The value a field of the row format stands for (the inverse of fieldOf), from a BLOB parameter or
 * column `f` holding the field's unescaped bytes. CAST of a blob to TEXT keeps every byte, NUL and
 * invalid UTF-8 included; a real's text reads back to the same bits.
 */
export function fieldValue(f: string): string {
  return `(CASE WHEN ${f} IS NULL THEN NULL
    WHEN substr(${f}, 1, 1) = x'27' THEN CAST(substr(${f}, 2, length(${f}) - 2) AS TEXT)
    WHEN substr(${f}, 1, 1) = x'78' THEN unhex(CAST(substr(${f}, 3, length(${f}) - 3) AS TEXT))
    WHEN instr(${f}, '.') > 0 OR instr(${f}, 'e') > 0 THEN CAST(CAST(${f} AS TEXT) AS REAL)
    ELSE CAST(CAST(${f} AS TEXT) AS INTEGER) END)`;
}

/**
 * True when two values are the same value exactly: the same storage class and, for texts and blobs, the
 * same bytes (never a collation's equality), for reals the same bits (`-0.0` is not `0.0`; atan2 tells
 * their signs apart). Cheaper than comparing field texts, and the same answer.
 */
export function sameValue(a: string, b: string): string {
  return `(typeof(${a}) = typeof(${b}) AND CASE typeof(${a})
    WHEN 'null' THEN 1
    WHEN 'text' THEN CAST(${a} AS BLOB) = CAST(${b} AS BLOB)
    WHEN 'real' THEN ${a} = ${b} AND (${a} <> 0 OR atan2(${a}, -1) = atan2(${b}, -1))
    ELSE ${a} = ${b} END)`;
}

/** True when some column's value differs exactly (see sameValue); never the type's `=` alone. */
export function differentText(columns: string[], a: string, b: string): string {
  if (columns.length === 0) return '0';
  return columns
    .map((c) => `NOT ${sameValue(`${a}.${quoteIdent(c)}`, `${b}.${quoteIdent(c)}`)}`)
    .join(' OR ');
}

/** True when all columns hold exactly the same values on both sides. */
export function sameText(columns: string[], a: string, b: string): string {
  if (columns.length === 0) return '1';
  return columns.map((c) => sameValue(`${a}.${quoteIdent(c)}`, `${b}.${quoteIdent(c)}`)).join(' AND ');
}

/**
 * `ORDER BY` terms in SQLite's own total order of values, whatever a column's collation says: NULL, then
 * numbers by value (integer and real together), then texts by their bytes, then blobs by their bytes.
 */
export function byteOrder(columns: string[], alias: string): string {
  return columns.map((c) => `${alias}.${quoteIdent(c)} COLLATE BINARY`).join(', ');
}

/** A user filter as a boolean term; `1` when absent. Only ever spliced into a WHERE. */
export function userFilter(where: string | undefined): string {
  return where ? `(${where})` : '1';
}

/** A key as one text value for messages: `42` or `(1,abc)`. */
export function keyText(key: string[], alias: string): string {
  const one = (k: string) => `coalesce(CAST(${alias}.${quoteIdent(k)} AS TEXT), 'NULL')`;
  if (key.length === 1) return one(key[0]!);
  return `'(' || ${key.map(one).join(` || ',' || `)} || ')'`;
}

/**
 * `base`, or `base_`, `base__`… : a column name none of `taken` uses (tables may name a column anything).
 * SQLite column names are case-insensitive, so `ROWBACK_CLASS_` takes `rowback_class_` too.
 */
export function freeName(base: string, taken: string[]): string {
  const used = new Set(taken.map((t) => t.toLowerCase()));
  let name = base;
  while (used.has(name.toLowerCase())) name += '_';
  return name;
}

/** A fresh work table name in the connection's own `temp` database, e.g. `"temp"."rowback_stage_3"`. */
export function tempName(session: SqliteSession, what: string): string {
  return `"temp".${quoteIdent(`rowback_${what}_${session.nextId++}`)}`;
}
