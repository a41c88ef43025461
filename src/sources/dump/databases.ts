import { RowbackError } from '../../core/errors.js';
import type { DumpEngine, Look } from './reader.js';
import type { WantedTable } from './table-data.js';

/**
 * A mysqldump of several databases (`--databases a b`, `--all-databases`) may hold the wanted table in
 * more than one of them. Named without its database, the table is then the one database that holds it;
 * in two or more, rowback refuses to guess and says how to name it. `target` is the target's database,
 * offered first in the hint.
 */
export function pickDatabase(path: string, look: Look, wanted: WantedTable, target?: string): WantedTable {
  if (wanted.schema !== undefined) return wanted;
  const databases = [
    ...new Set(
      look.tables.filter((t) => t.name === wanted.name && t.schema !== undefined).map((t) => t.schema!),
    ),
  ];
  if (databases.length === 1) return { ...wanted, schema: databases[0]! };
  if (databases.length === 0) return wanted;
  const first = target !== undefined && databases.includes(target) ? target : databases[0]!;
  throw new RowbackError(
    'usage',
    `${path} holds a table ${wanted.name} in ${databases.length} databases: ${databases.join(', ')}. rowback will not guess which one to read.`,
    {
      hint: `Name the database to read with --from-database ${first} (or --from-table ${first}.${wanted.name}).`,
      details: { databases },
    },
  );
}

/**
 * A pg_dumpall file holds one database after another, each with its own schemas: the wanted table is read
 * from the database `--from-database` names, else from the one database holding it; in two or more,
 * rowback refuses to guess, as for a mysqldump. A dump of one database takes no `--from-database`.
 */
export function pickClusterDatabase(
  path: string,
  look: Look,
  wanted: WantedTable,
  database: string | undefined,
): WantedTable {
  if (!look.databases) {
    refuseDatabaseFlag(path, 'postgres', database);
    return wanted;
  }
  if (database !== undefined) return { ...wanted, database };
  const [only, ...more] = look.databases;
  if (only !== undefined && more.length === 0) return { ...wanted, database: only };
  if (only === undefined) return wanted;
  const name = wanted.schema === undefined ? wanted.name : `${wanted.schema}.${wanted.name}`;
  throw new RowbackError(
    'usage',
    `${path} (pg_dumpall) holds ${name} in ${look.databases.length} databases: ${look.databases.join(', ')}. rowback will not guess which one to read.`,
    {
      hint: `Name the database to read with --from-database ${only}.`,
      details: { databases: look.databases },
    },
  );
}

/** `--from-database` picks a database in a dump of several; a pg_dump or a sqlite3 .dump holds one. */
export function refuseDatabaseFlag(path: string, engine: DumpEngine, database?: string): void {
  if (database === undefined || engine === 'mysql') return;
  throw new RowbackError(
    'usage',
    `--from-database does not apply to ${path}: a ${engine === 'postgres' ? 'pg_dump' : 'sqlite3 .dump'} holds one database.`,
    {
      hint:
        engine === 'postgres'
          ? 'Name the schema with the table instead (--from-table schema.table).'
          : 'Leave --from-database out.',
    },
  );
}

/** `--from-database` names a database of a pg_dumpall file that does not hold the table. */
export function notInClusterDatabase(path: string, wanted: WantedTable, database: string, holding: string[]) {
  const name = wanted.schema === undefined ? wanted.name : `${wanted.schema}.${wanted.name}`;
  return new RowbackError(
    'table-not-found',
    `${path} (pg_dumpall) holds no table ${name} in database ${database}.`,
    {
      hint: holding.length
        ? `It holds ${name} in ${holding.join(', ')}: --from-database ${holding[0]}.`
        : 'Check the table name and the database.',
      details: { databases: holding },
    },
  );
}
