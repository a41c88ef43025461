import { RowbackError } from './errors.js';
import { closeNames } from './suggest.js';
import { formatTable, type ListedTable, parseTableRef, type TableRef, type TableSchema } from './table.js';

/** What describing a table needs of a session, whichever interface its engine implements. */
type Describer = {
  readonly redactedUrl: string;
  describe(table: TableRef, options?: { key?: string[] }): Promise<TableSchema>;
  listTables(): Promise<ListedTable[]>;
};

/** Describes a table, turning "not found" into a message with close names. */
export async function describeTable(
  connection: Describer,
  name: string | TableRef,
  side: 'source' | 'target',
  key?: string[],
): Promise<TableSchema> {
  let ref: TableRef;
  try {
    ref = typeof name === 'string' ? parseTableRef(name) : name;
  } catch {
    throw new RowbackError('usage', `"${String(name)}" is not a table name.`, {
      hint: 'Write table or schema.table.',
    });
  }
  try {
    return await connection.describe(ref, key ? { key } : {});
  } catch (error) {
    if (!(error instanceof RowbackError) || error.code !== 'table-not-found') throw error;
    const tables = await connection.listTables().catch(() => []);
    const close = suggestions(ref, tables);
    throw new RowbackError(
      'table-not-found',
      `There is no table ${formatTable(ref)} in the ${side} (${connection.redactedUrl}).`,
      {
        hint: close.length
          ? `Did you mean ${close.join(', ')}?`
          : 'Check the name and the database in the URL.',
        details: { side, table: formatTable(ref), suggestions: close },
      },
    );
  }
}

/** The key rowback matches rows by; a table without one cannot be restored row by row. */
export function requireKey(schema: TableSchema): string[] {
  if (!schema.key) {
    throw new RowbackError(
      'no-key',
      `Table ${formatTable(schema.ref)} has no primary key and no unique NOT NULL key, so rows cannot be matched.`,
      { hint: 'Name the columns that identify a row with --key col1,col2.' },
    );
  }
  return schema.key.columns;
}

/**
 * Close table names, written the way the user wrote theirs (qualified only if they qualified it) and as
 * the table argument takes them back. A table of exactly that name in another schema (database) is
 * named qualified: repeating the bare name would not help. A bare name is matched only against the
 * tables it could mean (on a shared server, other databases' tables are not what was meant).
 */
function suggestions(wanted: TableRef, tables: ListedTable[]): string[] {
  const elsewhere = tables.filter((t) => t.name === wanted.name && t.schema !== wanted.schema);
  if (elsewhere.length) return [...new Set(elsewhere.map(formatTable))];
  if (wanted.schema) {
    const byText = new Map(tables.map((t) => [`${t.schema}.${t.name}`, t]));
    return closeNames(`${wanted.schema}.${wanted.name}`, [...byText.keys()]).map((c) =>
      formatTable(byText.get(c)!),
    );
  }
  const reachable = tables.filter((t) => t.visible);
  return closeNames(wanted.name, [...new Set(reachable.map((t) => t.name))]).map((name) =>
    formatTable({ name }),
  );
}
