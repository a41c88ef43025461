import { RowbackError } from '../../core/errors.js';
import type { Column, ForeignKey, Key, ListedTable, TableRef, TableSchema } from '../../core/table.js';
import type { Session } from './connect.js';

/** Storage engines whose writes roll back. Anything else (MyISAM, Aria, MEMORY, CSV, …) cannot apply atomically. */
const TRANSACTIONAL = new Set(['innodb', 'rocksdb', 'tokudb', 'ndbcluster', 'ndb']);

/** The database a table name without schema lives in: the URL's database (the session's default). */
export async function defaultSchema(session: Session, table: TableRef): Promise<string> {
  if (table.schema) return table.schema;
  const current = await session.scalar('SELECT DATABASE()');
  if (!current) {
    throw new RowbackError('usage', `No database given for table ${table.name}.`, {
      hint: 'Put the database in the URL (mysql://user@host/db) or name the table as db.table.',
    });
  }
  return current;
}

/** Tables rowback can restore: MariaDB lists a system-versioned table as its own type (its reads see current rows). */
const TABLE_TYPES = "'BASE TABLE', 'SYSTEM VERSIONED'";

/** Base tables visible to the session, for "did you mean" suggestions. */
export async function listTables(session: Session): Promise<ListedTable[]> {
  const rows = await session.text(
    `SELECT TABLE_SCHEMA, TABLE_NAME, IF(TABLE_SCHEMA <=> DATABASE(), 'y', 'n') FROM information_schema.TABLES
     WHERE TABLE_TYPE IN (${TABLE_TYPES})
       AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
     ORDER BY TABLE_SCHEMA, TABLE_NAME`,
  );
  return rows.map((r) => ({ schema: r[0]!, name: r[1]!, visible: r[2] === 'y' }));
}

/** Describes a table from information_schema. Throws RowbackError('table-not-found') for an unknown table. */
export async function describeTable(
  session: Session,
  table: TableRef,
  options: { key?: string[] } = {},
): Promise<TableSchema> {
  const ref = { schema: await defaultSchema(session, table), name: table.name };
  const info = await session.text(
    `SELECT ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_TYPE FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE IN (${TABLE_TYPES})`,
    [ref.schema, ref.name],
  );
  const head = info[0];
  if (!head) {
    throw new RowbackError(
      'table-not-found',
      `Table ${ref.schema}.${ref.name} does not exist on ${session.redactedUrl}.`,
      {
        hint: 'Check the table name and the database in the URL.',
      },
    );
  }
  const columns = await readColumns(session, ref);
  const storage = head[0] ?? undefined;
  const partitioned = /partitioned/i.test(head[2] ?? '') || (await isPartitioned(session, ref));
  return {
    ref,
    columns,
    key: await chooseKey(
      session,
      ref,
      columns,
      options.key,
      head[3] === 'SYSTEM VERSIONED' ? await periodColumns(session, ref) : [],
    ),
    foreignKeys: await readForeignKeys(session, ref, 'out'),
    referencedBy: await readForeignKeys(session, ref, 'in'),
    triggers: (
      await session.text(
        `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS
         WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY TRIGGER_NAME`,
        [ref.schema, ref.name],
      )
    ).map((r) => r[0]!),
    rules: [],
    sequences: columns
      .filter((c) => c.identity === 'auto-increment')
      .map((c) => ({ column: c.name, name: ref.name })),
    children: [],
    partitioning: partitioned ? 'mysql' : 'none',
    transactional: storage ? TRANSACTIONAL.has(storage.toLowerCase()) : true,
    storage,
    collation: head[1] ?? undefined,
  };
}

async function readColumns(session: Session, ref: Required<TableRef>): Promise<Column[]> {
  const rows = await session.text(
    `SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, IS_NULLABLE, COLUMN_DEFAULT, EXTRA
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [ref.schema, ref.name],
  );
  return rows.map(([name, type, charset, collation, nullable, def, extra]) => {
    const generated = /\bstored generated\b|\bpersistent generated\b/i.test(extra ?? '')
      ? 'stored'
      : /\bvirtual generated\b/i.test(extra ?? '')
        ? 'virtual'
        : 'no';
    // MariaDB reports a missing default as the text NULL for nullable columns and as null otherwise.
    const hasDefault =
      def !== null || nullable === 'YES' || /auto_increment|default_generated/i.test(extra ?? '');
    return {
      name: name!,
      type: charset && collation ? `${type} CHARACTER SET ${charset} COLLATE ${collation}` : type!,
      nullable: nullable === 'YES',
      hasDefault,
      generated,
      identity: /auto_increment/i.test(extra ?? '') ? 'auto-increment' : 'no',
    } satisfies Column;
  });
}

async function isPartitioned(session: Session, ref: Required<TableRef>): Promise<boolean> {
  const n = await session.scalar(
    `SELECT COUNT(*) FROM information_schema.PARTITIONS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL`,
    [ref.schema, ref.name],
  );
  return Number(n) > 0;
}

/**
 * The ROW END column a MariaDB system-versioned table declares (information_schema shows `ROW END` as its
 * generation expression). The server adds it to every unique index; among the current rows, which are all
 * a read or a write sees, it holds the same value, so a key leaves it out.
 */
async function periodColumns(session: Session, ref: Required<TableRef>): Promise<string[]> {
  const rows = await session.text(
    `SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
     AND GENERATION_EXPRESSION = 'ROW END'`,
    [ref.schema, ref.name],
  );
  return rows.map((r) => r[0]!);
}

/** PRIMARY, else a UNIQUE index over NOT NULL, non-prefix columns; a user key overrides both. */
async function chooseKey(
  session: Session,
  ref: Required<TableRef>,
  columns: Column[],
  userKey: string[] | undefined,
  period: string[] = [],
): Promise<Key | undefined> {
  if (userKey && userKey.length > 0) {
    const unknown = userKey.filter((k) => !columns.some((c) => c.name === k));
    if (unknown.length > 0) {
      throw new RowbackError(
        'usage',
        `--key names column(s) ${unknown.join(', ')} that ${ref.schema}.${ref.name} does not have.`,
        {
          hint: `The table's columns are: ${columns.map((c) => c.name).join(', ')}.`,
        },
      );
    }
    const generated = userKey.filter((k) => columns.find((c) => c.name === k)?.generated !== 'no');
    if (generated.length > 0) {
      throw new RowbackError(
        'usage',
        `--key column(s) ${generated.join(', ')} are generated; a key must be written columns.`,
      );
    }
    return { columns: [...userKey], origin: 'user' };
  }
  const rows = await session.text(
    `SELECT INDEX_NAME, COLUMN_NAME, SUB_PART, NULLABLE FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0
     ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    [ref.schema, ref.name],
  );
  const indexes = new Map<string, { columns: string[]; usable: boolean }>();
  for (const [index, column, subPart, nullable] of rows) {
    const entry = indexes.get(index!) ?? { columns: [], usable: true };
    if (period.includes(column!)) {
      indexes.set(index!, entry);
      continue;
    }
    entry.columns.push(column!);
    const def = columns.find((c) => c.name === column);
    if (subPart !== null || nullable === 'YES' || !def || def.nullable || def.generated !== 'no')
      entry.usable = false;
    indexes.set(index!, entry);
  }
  for (const [name, entry] of indexes) {
    if (entry.usable && entry.columns.length > 0)
      return { columns: entry.columns, origin: name === 'PRIMARY' ? 'primary' : 'unique', name };
  }
  return undefined;
}

async function readForeignKeys(
  session: Session,
  ref: Required<TableRef>,
  direction: 'in' | 'out',
): Promise<ForeignKey[]> {
  const where =
    direction === 'out'
      ? 'k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL'
      : 'k.REFERENCED_TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME = ?';
  const rows = await session.text(
    `SELECT k.CONSTRAINT_NAME, k.TABLE_SCHEMA, k.TABLE_NAME, k.COLUMN_NAME,
            k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME
     FROM information_schema.KEY_COLUMN_USAGE k
     WHERE ${where}
     ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [ref.schema, ref.name],
  );
  const keys = new Map<string, ForeignKey>();
  for (const [name, schema, table, column, refSchema, refTable, refColumn] of rows) {
    const id = `${schema}.${table}.${name}`;
    let fk = keys.get(id);
    if (!fk) {
      const other =
        direction === 'out' ? { schema: refSchema!, name: refTable! } : { schema: schema!, name: table! };
      fk = { name: name!, columns: [], table: other, referencedColumns: [] };
      keys.set(id, fk);
    }
    fk.columns.push(column!);
    fk.referencedColumns.push(refColumn!);
  }
  return [...keys.values()];
}
