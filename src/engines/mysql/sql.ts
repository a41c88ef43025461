import type { Column, TableRef, TableSchema } from '../../core/table.js';

/** Quotes one identifier with backticks (a backtick inside is doubled). */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** `db`.`table`. */
export function quoteTable(ref: Required<TableRef>): string {
  return `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`;
}

/** A comma-separated column list, each qualified with `alias.` when given. */
export function columnList(columns: string[], alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return columns.map((c) => prefix + quoteIdent(c)).join(', ');
}

/**
 * Key columns of `a` and `b` are the same row: matched with the key's own collation (what the unique index
 * enforces), so 'a' and 'A' are one key under a `_ci` collation. `<=>` also matches NULLs of user keys.
 */
export function keyEquals(key: string[], a: string, b: string): string {
  return key.map((c) => `${a}.${quoteIdent(c)} <=> ${b}.${quoteIdent(c)}`).join(' AND ');
}

/**
 * The columns of `a` and `b` hold the same representation: their exact text (see `exactValue`) compared as
 * bytes, never with the type's or the collation's `=` ('abc' and 'ABC' differ; so do 1.0 and 1.00 as text,
 * and two FLOATs that print alike to 6 digits but differ in their last bit).
 */
export function sameText(schema: TableSchema, columns: string[], a: string, b: string): string {
  if (columns.length === 0) return 'TRUE';
  return columns.map((c) => sameValue(schema, c, a, b)).join(' AND ');
}

/** True when some column's exact text differs (see `sameText`). */
export function differentText(schema: TableSchema, columns: string[], a: string, b: string): string {
  if (columns.length === 0) return 'FALSE';
  return `NOT (${sameText(schema, columns, a, b)})`;
}

/**
 * One column of `a` and `b` holds the same exact text (NULL matching NULL); both sides have the column's
 * type. An integer type has one text per value and no collation, so `<=>` says the same without making
 * text of every value (casts to text are most of what comparing a million rows costs).
 */
export function sameValue(schema: TableSchema, column: string, a: string, b: string): string {
  if (isIntegerType(findColumn(schema, column)?.type ?? '')) {
    return `${a}.${quoteIdent(column)} <=> ${b}.${quoteIdent(column)}`;
  }
  return `${asBytes(exactValue(schema, column, a))} <=> ${asBytes(exactValue(schema, column, b))}`;
}

/** TINYINT … BIGINT, signed or not (BOOL is TINYINT(1)). */
function isIntegerType(type: string): boolean {
  return /^(tiny|small|medium|big)?int(eger)?\b/i.test(type);
}

/** FLOAT and DOUBLE columns (FLOAT(p), REAL and DOUBLE PRECISION are one of the two). */
export function isFloatType(type: string): boolean {
  return /^(float|double|real)\b/i.test(type);
}

/**
 * A column as the exact text of its value. FLOAT and DOUBLE go through `CAST(… AS DOUBLE)`: the column's own
 * text is rounded (FLOAT to 6 significant digits, so 16777217 reads 16777200; FLOAT(M,D) and DOUBLE(M,D) to D
 * decimals), while a DOUBLE expression prints the shortest text that reads back as the same double, and a
 * FLOAT widens to a double exactly. Every other type's text is already exact, so the column is used as is.
 */
export function exactValue(schema: TableSchema, column: string, alias?: string): string {
  const ref = `${alias ? `${alias}.` : ''}${quoteIdent(column)}`;
  return isFloatType(findColumn(schema, column)?.type ?? '') ? `CAST(${ref} AS DOUBLE)` : ref;
}

/** `columnList` with each value as its exact text (see `exactValue`), for reads whose text leaves the server. */
export function exactList(schema: TableSchema, columns: string[], alias?: string): string {
  return columns.map((c) => exactValue(schema, c, alias)).join(', ');
}

/** An expression as its bytes (`CAST … AS BINARY`; the `BINARY` operator is deprecated in MySQL 8). */
export function asBytes(expr: string): string {
  return `CAST(${expr} AS BINARY)`;
}

/**
 * Orders by the key: text in byte order (binary), whatever the collation, so two servers agree on the
 * order; numbers and temporal values in their natural order.
 */
export function byteOrder(schema: TableSchema, key: string[], alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return key
    .map((c) => {
      const ref = prefix + quoteIdent(c);
      // Ordered as the UTF-8 bytes the stream carries, not the column's own character set (latin1 is not).
      return isTextType(findColumn(schema, c)?.type ?? '') ? asBytes(`CONVERT(${ref} USING utf8mb4)`) : ref;
    })
    .join(', ');
}

/** A user filter as a boolean term; `TRUE` when absent. Only ever spliced into a WHERE. */
export function userFilter(where: string | undefined): string {
  return where ? `(${where})` : 'TRUE';
}

/** Character column types, whose order and equality depend on a collation. */
export function isTextType(type: string): boolean {
  return /^(char|varchar|tinytext|text|mediumtext|longtext|enum|set)\b/i.test(type);
}

/** A string literal for the server, with every special byte escaped (for values rowback builds itself). */
export function quoteString(text: string): string {
  return "'" + text.replace(/[\0\n\r\x1a'"\\]/g, (ch) => ESCAPES[ch] ?? ch) + "'";
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  "'": "\\'",
  '"': '\\"',
  '\\': '\\\\',
};

/** Binary-valued column types, whose values are raw bytes (shown and scripted as hex). */
export function isBinaryType(type: string): boolean {
  return /^(binary|varbinary|tinyblob|blob|mediumblob|longblob|bit|geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)\b/i.test(
    type,
  );
}

/** The column definition for a staged copy: the target's type, charset and collation; always nullable. */
export function stagedColumnDefinition(column: Column): string {
  return `${quoteIdent(column.name)} ${column.type} NULL DEFAULT NULL`;
}

export function findColumn(schema: TableSchema, name: string): Column | undefined {
  return schema.columns.find((c) => c.name === name);
}

/** The helper columns of rowback's work tables (staged rows, plans). */
export interface WorkNames {
  /** The staged rows' own row number: plan rows point at the exact staged row through it. */
  row: string;
  /** The origin field of a staged row (see ReadOptions.origin). */
  origin: string;
  /** A plan row's class (see CLASS in plan.ts). */
  rowClass: string;
}

/**
 * Helper column names that no column of the target uses: a work table holds the target's columns beside
 * them. A name in use gets underscores appended; MySQL compares column names without case.
 */
export function workNames(target: TableSchema): WorkNames {
  const taken = target.columns.map((c) => c.name);
  return {
    row: freeName('__rowback_row', taken),
    origin: freeName('__rowback_origin', taken),
    rowClass: freeName('rowback_class', taken),
  };
}

/** `base`, or `base_`, `base__`… : a column name none of `taken` uses, compared without case as MySQL does. */
export function freeName(base: string, taken: string[]): string {
  const used = new Set(taken.map((t) => t.toLowerCase()));
  let name = base;
  while (used.has(name.toLowerCase())) name += '_';
  return name;
}

let counter = 0;

/** A fresh name for a session's temporary table. */
export function tempName(kind: string): string {
  counter += 1;
  return `rowback_${kind}_${process.pid}_${counter}`;
}

/**
 * The exact SQL literal for a value the server sent as text-protocol bytes, for a column of `type`: binary
 * values as hex, integers and decimals as they are, everything else as an escaped string (the session is
 * utf8mb4 and never NO_BACKSLASH_ESCAPES).
 */
export function literalFor(type: string, value: Buffer | null): string {
  if (value === null) return 'NULL';
  if (isBinaryType(type)) return value.length === 0 ? "X''" : `0x${value.toString('hex')}`;
  const text = value.toString('utf8');
  if (
    /^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric)\b/i.test(type) &&
    /^-?\d+(\.\d+)?$/.test(text)
  ) {
    return text;
  }
  return quoteString(text);
}
