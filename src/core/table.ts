/** A table named by the user: `name` or `schema.name` (schema = PostgreSQL schema or MySQL database). */
export interface TableRef {
  schema?: string;
  name: string;
}

/** A table a session lists, for "did you mean". */
export interface ListedTable extends Required<TableRef> {
  /** Named without its schema, the session reaches it (PostgreSQL's search_path, MySQL's database). */
  visible: boolean;
}

/** One column as the engine declares it. Types are the engine's own spelling, compared as text. */
export interface Column {
  name: string;
  /** The declared type, e.g. `numeric(38,10)`, `bigint unsigned`, `varchar(20) COLLATE utf8mb4_bin`. */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  /** Generated (computed) columns are never written by rowback; the server recomputes them. */
  generated: 'no' | 'stored' | 'virtual';
  /** Identity / auto-increment columns get their counter moved past restored values. */
  identity: 'no' | 'always' | 'by-default' | 'auto-increment';
}

/** The columns that identify a row. */
export interface Key {
  columns: string[];
  origin: 'primary' | 'unique' | 'user';
  /** The constraint or index name, when the key comes from one. */
  name?: string;
}

export interface ForeignKey {
  name: string;
  /** Columns in the referencing (child) table. */
  columns: string[];
  /** The table on the other side: the parent for outgoing keys, the child for incoming ones. */
  table: TableRef;
  /** Columns in the referenced (parent) table. */
  referencedColumns: string[];
}

export interface Sequence {
  column: string;
  /** The sequence name (PostgreSQL) or the table itself (MySQL AUTO_INCREMENT). */
  name: string;
}

/** Everything rowback needs to know about one table, as `Connection.describe` reports it. */
export interface TableSchema {
  /** Fully resolved: `schema` is always set. */
  ref: Required<TableRef>;
  columns: Column[];
  /** Undefined when the table has no primary key, no unique NOT NULL key and none was given. */
  key: Key | undefined;
  /** Outgoing: this table references a parent. */
  foreignKeys: ForeignKey[];
  /** Incoming: other tables reference this one. */
  referencedBy: ForeignKey[];
  /** Enabled user triggers (not internal constraint triggers). */
  triggers: string[];
  /** PostgreSQL rewrite rules (e.g. INSERT rules redirecting to child tables). */
  rules: string[];
  sequences: Sequence[];
  /** Inheritance children or partitions whose rows a read of this table includes. */
  children: Required<TableRef>[];
  partitioning: 'none' | 'inheritance' | 'declarative' | 'mysql';
  /** False for MySQL tables on MyISAM, Aria, MEMORY…: no atomic apply possible. */
  transactional: boolean;
  /** Storage engine (MySQL) or access method, for messages. */
  storage?: string;
  /** Table-level character set / collation (MySQL), for messages and staging. */
  collation?: string;
}

export function columnNames(schema: TableSchema): string[] {
  return schema.columns.map((c) => c.name);
}

/** Columns rowback writes: everything but generated columns. */
export function writableColumns(schema: TableSchema): Column[] {
  return schema.columns.filter((c) => c.generated === 'no');
}

/**
 * Columns an undo image keeps, in table order: the writable ones, and generated columns of the key,
 * which identify the row (they are read and matched, never written: the server computes them).
 */
export function imageColumns(schema: TableSchema): Column[] {
  const key = schema.key?.columns ?? [];
  return schema.columns.filter((c) => c.generated === 'no' || key.includes(c.name));
}

/** True when a column is generated (computed by the server, so never written by rowback). */
export function isGenerated(schema: TableSchema, column: string): boolean {
  return schema.columns.some((c) => c.name === column && c.generated !== 'no');
}

/**
 * `schema.name` as the table argument takes it back (parseTableRef): a part holding anything but letters,
 * digits, `_` and `$` (a dot, a quote, a space) is double-quoted, so `"a.b"` is never read as a.b.
 */
export function formatTable(ref: TableRef): string {
  return ref.schema ? `${namePart(ref.schema)}.${namePart(ref.name)}` : namePart(ref.name);
}

function namePart(name: string): string {
  return /^[\p{L}\p{N}_$]+$/u.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** Parses `name` or `schema.name`; a quoted part ("a.b", `x``y`) keeps its dot and doubled quotes. */
export function parseTableRef(text: string): TableRef {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch !== quote) {
        current += ch;
      } else if (text[i + 1] === quote) {
        current += ch; // a doubled quote is the quote itself
        i++;
      } else {
        quote = undefined;
      }
    } else if (ch === '"' || ch === '`') {
      quote = ch;
    } else if (ch === '.') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  if (parts.length === 1) return { name: parts[0]! };
  if (parts.length === 2 && parts[0] && parts[1]) return { schema: parts[0], name: parts[1] };
  throw new Error(`invalid table name: ${text}`);
}
