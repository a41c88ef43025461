import type Database from 'better-sqlite3';
import { RowbackError } from '../../core/errors.js';
import type {
  Column,
  ForeignKey,
  Key,
  ListedTable,
  Sequence,
  TableRef,
  TableSchema,
} from '../../core/table.js';
import { formatTable } from '../../core/table.js';
import { quoteIdent, quoteString } from './sql.js';

type Row = Record<string, unknown>;

function all(db: Database.Database, sql: string, ...params: unknown[]): Row[] {
  return db.prepare(sql).all(...params) as Row[];
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

/** The table as stored (SQLite names are case-insensitive), from `pragma_table_list`. */
function findTable(db: Database.Database, table: TableRef): Row | undefined {
  return all(
    db,
    `SELECT schema, name, type, wr, strict FROM pragma_table_list
     WHERE name = ? COLLATE NOCASE AND schema = ? AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    table.name,
    table.schema ?? 'main',
  )[0];
}

/** The CREATE TABLE text, for what no pragma tells (AUTOINCREMENT). */
function createSql(db: Database.Database, ref: Required<TableRef>): string {
  const found = all(
    db,
    `SELECT sql FROM ${quoteIdent(ref.schema)}.sqlite_schema WHERE type = 'table' AND name = ?`,
    ref.name,
  );
  return text(found[0]?.['sql']);
}

/** The INTEGER PRIMARY KEY column of a rowid table (an alias of the rowid), if it has one. */
export function rowidAlias(db: Database.Database, ref: Required<TableRef>): string | undefined {
  const info = all(
    db,
    `SELECT name, type, pk FROM pragma_table_xinfo(?, ?) WHERE pk > 0`,
    ref.name,
    ref.schema,
  );
  const list = all(
    db,
    `SELECT wr FROM pragma_table_list WHERE schema = ? AND name = ?`,
    ref.schema,
    ref.name,
  );
  if (info.length !== 1 || Number(list[0]?.['wr'] ?? 0) !== 0) return undefined;
  return text(info[0]!['type']).toUpperCase() === 'INTEGER' ? text(info[0]!['name']) : undefined;
}

function describeColumns(db: Database.Database, ref: Required<TableRef>, autoincrement: string | undefined) {
  return all(db, `SELECT * FROM pragma_table_xinfo(?, ?) ORDER BY cid`, ref.name, ref.schema).map(
    (r): Column => {
      const hidden = Number(r['hidden']);
      const generated = hidden === 2 ? 'virtual' : hidden === 3 ? 'stored' : 'no';
      const name = text(r['name']);
      return {
        name,
        type: text(r['type']),
        nullable: Number(r['notnull']) === 0,
        hasDefault: r['dflt_value'] !== null && generated === 'no',
        generated,
        identity: name === autoincrement ? 'auto-increment' : 'no',
      };
    },
  );
}

/** The primary key, else the narrowest unique index on NOT NULL columns, neither partial nor on expressions. */
function describeKey(db: Database.Database, ref: Required<TableRef>, columns: Column[]): Key | undefined {
  const pk = all(
    db,
    `SELECT name FROM pragma_table_xinfo(?, ?) WHERE pk > 0 ORDER BY pk`,
    ref.name,
    ref.schema,
  );
  const indexes = all(
    db,
    `SELECT name, "unique", origin, partial FROM pragma_index_list(?, ?)`,
    ref.name,
    ref.schema,
  );
  if (pk.length > 0) {
    const index = indexes.find((i) => i['origin'] === 'pk');
    return {
      columns: pk.map((r) => text(r['name'])),
      origin: 'primary',
      ...(index ? { name: text(index['name']) } : {}),
    };
  }
  const notNull = new Set(columns.filter((c) => !c.nullable).map((c) => c.name));
  const candidates = indexes
    .filter((i) => Number(i['unique']) === 1 && Number(i['partial']) === 0)
    .map((i) => {
      const parts = all(
        db,
        `SELECT cid, name FROM pragma_index_info(?, ?) ORDER BY seqno`,
        i['name'],
        ref.schema,
      );
      return { name: text(i['name']), parts };
    })
    .filter((i) => i.parts.every((p) => Number(p['cid']) >= 0 && notNull.has(text(p['name']))))
    .sort((a, b) => a.parts.length - b.parts.length || (a.name < b.name ? -1 : 1));
  const best = candidates[0];
  if (!best) return undefined;
  return { columns: best.parts.map((p) => text(p['name'])), origin: 'unique', name: best.name };
}

/**
 * The collation each key column is matched under: the key index's, else BINARY (an INTEGER PRIMARY KEY
 * holds integers only; a --key without an index is matched as the columns compare).
 */
export function keyCollations(db: Database.Database, table: TableSchema): string[] {
  const key = table.key;
  if (!key) return [];
  if (!key.name) return key.columns.map(() => 'BINARY');
  const parts = all(
    db,
    `SELECT name, coll FROM pragma_index_xinfo(?, ?) WHERE key = 1`,
    key.name,
    table.ref.schema,
  );
  return key.columns.map((c) => text(parts.find((p) => p['name'] === c)?.['coll']) || 'BINARY');
}

export function fkName(columns: string[], parent: string): string {
  return `foreign key (${columns.join(', ')}) references ${parent}`;
}

/** Groups pragma_foreign_key_list rows (one per column) into keys. */
function groupKeys(
  rows: Row[],
  other: (r: Row) => string,
  schema: string,
  parentPk: (t: string) => string[],
) {
  const byId = new Map<string, Row[]>();
  for (const r of rows) {
    const id = `${other(r)}\u0000${text(r['id'])}`;
    byId.set(id, [...(byId.get(id) ?? []), r]);
  }
  return [...byId.values()].map((parts): ForeignKey => {
    parts.sort((a, b) => Number(a['seq']) - Number(b['seq']));
    const columns = parts.map((p) => text(p['from']));
    const parent = text(parts[0]!['table']);
    const referenced = parts.some((p) => p['to'] === null)
      ? parentPk(parent)
      : parts.map((p) => text(p['to']));
    return {
      name: fkName(columns, parent),
      columns,
      table: { schema, name: other(parts[0]!) },
      referencedColumns: referenced,
    };
  });
}

function describeForeignKeys(db: Database.Database, ref: Required<TableRef>) {
  const parentPk = (t: string) =>
    all(db, `SELECT name FROM pragma_table_xinfo(?, ?) WHERE pk > 0 ORDER BY pk`, t, ref.schema).map((r) =>
      text(r['name']),
    );
  const outgoing = all(db, `SELECT * FROM pragma_foreign_key_list(?, ?)`, ref.name, ref.schema);
  const incoming = all(
    db,
    `SELECT m.name AS child, f.* FROM ${quoteIdent(ref.schema)}.sqlite_schema AS m, pragma_foreign_key_list(m.name, ${quoteString(ref.schema)}) AS f
     WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE`,
    ref.name,
  );
  return {
    foreignKeys: groupKeys(outgoing, (r) => text(r['table']), ref.schema, parentPk),
    referencedBy: groupKeys(incoming, (r) => text(r['child']), ref.schema, parentPk),
  };
}

/** Describes a table; see Connection.describe. */
export function describeTable(
  db: Database.Database,
  table: TableRef,
  options: { key?: string[]; location: string },
): TableSchema {
  const found = findTable(db, table);
  if (!found) {
    throw new RowbackError(
      'table-not-found',
      `Table ${formatTable(table)} does not exist in ${options.location}.`,
      {
        hint: 'Check the table name; a SQLite database file holds its tables in schema main.',
      },
    );
  }
  const ref = { schema: text(found['schema']), name: text(found['name']) };
  const alias = rowidAlias(db, ref);
  const autoincrement = alias && /\bAUTOINCREMENT\b/i.test(createSql(db, ref)) ? alias : undefined;
  const columns = describeColumns(db, ref, autoincrement);
  let key = describeKey(db, ref, columns);
  if (options.key && options.key.length > 0) {
    const names = new Set(columns.map((c) => c.name));
    const unknown = options.key.filter((k) => !names.has(k));
    if (unknown.length > 0) {
      throw new RowbackError(
        'usage',
        `--key names ${unknown.map((k) => `"${k}"`).join(', ')}, which ${formatTable(ref)} does not have.`,
        { hint: `Its columns are: ${columns.map((c) => c.name).join(', ')}.` },
      );
    }
    key = { columns: [...options.key], origin: 'user' };
  }
  const sequences: Sequence[] = autoincrement
    ? [{ column: autoincrement, name: `${ref.schema}.${ref.name}.${autoincrement}` }]
    : [];
  const triggers = all(
    db,
    `SELECT name FROM ${quoteIdent(ref.schema)}.sqlite_schema WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE ORDER BY name`,
    ref.name,
  ).map((r) => text(r['name']));
  const storage = [
    Number(found['wr']) ? 'WITHOUT ROWID' : 'rowid',
    ...(Number(found['strict']) ? ['STRICT'] : []),
  ];
  return {
    ref,
    columns,
    key,
    ...describeForeignKeys(db, ref),
    triggers,
    rules: [],
    sequences,
    children: [],
    partitioning: 'none',
    transactional: true,
    storage: storage.join(', '),
  };
}

/** Tables of the main database, for "did you mean". */
export function listTables(db: Database.Database): ListedTable[] {
  return all(
    db,
    `SELECT schema, name FROM pragma_table_list
     WHERE type = 'table' AND schema = 'main' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
  ).map((r) => ({ schema: text(r['schema']), name: text(r['name']), visible: true }));
}
