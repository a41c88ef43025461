import type { Connection } from '../engines/engine.js';
import { RowbackError } from './errors.js';
import { closeNames } from './suggest.js';
import { formatTable, parseTableRef, type TableRef, type TableSchema } from './table.js';

/** Describes a table, turning "not found" into a message with close names. */
export async function describeTable(
  connection: Connection,
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
    const close = suggestions(ref.name, tables);
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

/** Close table names; qualified only where a name exists in several schemas. */
function suggestions(wanted: string, tables: Required<TableRef>[]): string[] {
  const schemasOf = new Map<string, string[]>();
  for (const t of tables) schemasOf.set(t.name, [...(schemasOf.get(t.name) ?? []), t.schema]);
  return closeNames(wanted, [...schemasOf.keys()]).flatMap((name) => {
    const schemas = schemasOf.get(name) ?? [];
    return schemas.length > 1 ? schemas.map((schema) => `${schema}.${name}`) : [name];
  });
}
