import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { RowbackError } from '../../core/errors.js';
import type { OpenSourceOptions, Source, SourceReadOptions, SourceSize } from '../../core/source.js';
import { closeNames } from '../../core/suggest.js';
import { type Column, formatTable, type TableRef, type TableSchema } from '../../core/table.js';
import type { RowStream } from '../../engines/engine.js';
import { noSuchFile } from '../source.js';
import { refuseZeroDates } from '../zero-dates.js';
import { archiveReader } from './archive-reader.js';
import { convertCommand, convertedPath } from './convert-hint.js';
import { createTableColumns } from './create-table.js';
import { notInClusterDatabase, pickClusterDatabase, pickDatabase, refuseDatabaseFlag } from './databases.js';
import { badDump, DumpError, NoTableData, noTableData } from './errors.js';
import { openContent } from './input.js';
import { lossyColumns } from './lossy.js';
import { NewerArchive } from './pg-archive.js';
import type { DumpEngine, DumpReader, Look } from './reader.js';
import { sqliteCreateColumns } from './sqlite-create.js';
import type { WantedTable } from './table-data.js';
import { textReader } from './text-reader.js';

const ENGINE_NAMES: Record<DumpEngine, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL/MariaDB',
  sqlite: 'SQLite',
};

/**
 * A dump file as a source: plain, custom, tar or directory pg_dump output, mysqldump / mariadb-dump SQL,
 * or `sqlite3 .dump` output, gzip- or zstd-compressed or not, recognised by its first bytes. It holds one moment (when the dump
 * was taken) and every row of each table it holds: coverage `table`. The file is read, never written.
 */
/**
 * Client encodings whose text goes to the target as it is: UTF-8 (as rowback's sessions are pinned), and
 * SQL_ASCII, whose bytes psql also passes on unconverted.
 */
const UTF8_ALIKE = ['UTF8', 'UNICODE', 'SQL_ASCII'];

export async function openDumpSource(path: string, options: OpenSourceOptions): Promise<Source> {
  const reader = await openReader(path);
  const label = `${path} (${reader.format})`;
  if (reader.engine !== options.targetEngine) {
    throw new RowbackError(
      'unsupported',
      `${path} is a ${ENGINE_NAMES[reader.engine]} dump (${reader.format}) and the target is ${ENGINE_NAMES[options.targetEngine as DumpEngine] ?? options.targetEngine}.`,
      { hint: 'Restore from a dump of the same engine as the target.' },
    );
  }
  const database = options.flags?.database;
  const profile = options.profile;
  // A pg_dump file may be a pg_dumpall one, which --from-database picks in: known once it is looked at.
  if (reader.engine === 'sqlite') refuseDatabaseFlag(path, reader.engine, database);
  const warnings: string[] = [];
  let wanted: WantedTable | undefined;
  let dumpColumns: string[] = [];
  const fail = (error: unknown): never => {
    if (error instanceof DumpError) throw badDump(label, error);
    if (error instanceof NoTableData) throw noTableData(label, error);
    throw error;
  };
  const source: Source = {
    label,
    engine: reader.engine,
    warnings,
    async describe(table: TableRef, key: string[], target?: TableSchema): Promise<TableSchema> {
      // A SQLite dump holds one database's tables, unqualified.
      const schema =
        reader.engine === 'sqlite'
          ? undefined
          : (table.schema ?? (reader.engine === 'postgres' ? target?.ref.schema : database));
      wanted = {
        name: table.name,
        ...(schema ? { schema } : {}),
        ...(reader.engine === 'postgres' && database !== undefined ? { database } : {}),
      };
      const look = await reader.look(wanted).catch(fail);
      if (!look.found && reader.engine === 'postgres' && database !== undefined && look.databases)
        throw notInClusterDatabase(path, wanted, database, look.databases);
      // Its tables are there, in double quotes: saying it holds none would send the user looking elsewhere.
      if (!look.found && look.notes.ansiQuotes) throw ansiQuoted(path);
      if (!look.found)
        throw notFound(
          path,
          reader.engine === 'mysql' && database && !table.schema ? { ...table, schema: database } : table,
          look,
          reader.engine,
        );
      wanted = pickDatabase(path, look, wanted, target?.ref.schema);
      if (reader.engine === 'postgres') wanted = pickClusterDatabase(path, look, wanted, database);
      if (
        look.spread ||
        (reader.engine === 'postgres' && look.create && /\)\s*PARTITION\s+BY\s/i.test(look.create))
      ) {
        throw partitioned(path, formatTable(wanted));
      }
      const described = describeFrom(look, wanted, target, reader.engine);
      dumpColumns = described.dumpColumns;
      warnings.push(...described.warnings);
      if (look.notes.names && !['utf8mb4', 'utf8', 'utf8mb3'].includes(look.notes.names)) {
        throw new RowbackError(
          'unsupported',
          `${path} was written with SET NAMES ${look.notes.names}; rowback reads UTF-8 dumps only.`,
          {
            hint: "Take the dump again with --default-character-set=utf8mb4 (mysqldump's default).",
          },
        );
      }
      if (look.notes.encoding && !UTF8_ALIKE.includes(look.notes.encoding)) {
        const convert = convertCommand(path, reader.format, look.notes.encoding);
        throw new RowbackError(
          'unsupported',
          `${path} was written in ${look.notes.encoding} (its SET client_encoding); rowback reads UTF-8 dumps only.`,
          {
            hint: `Take the dump again with --encoding=UTF8 (pg_dump -E UTF8)${convert ? `, or, if this dump is the only copy, convert it and restore from ${convertedPath(path)}:\n  ${convert}` : '.'}`,
          },
        );
      }
      warnings.push(...lossyColumns(reader.engine, described.schema, look));
      if (look.notes.where) warnings.push(partialDump(look.notes.where));
      return { ...described.schema, key: { columns: key, origin: 'user' } };
    },
    // No checkWhere: a file cannot evaluate SQL, so the core filters the staged rows on the target.
    async size(): Promise<SourceSize> {
      if (!wanted) throw new RowbackError('internal', 'size before describe');
      return { bytes: await reader.bytes(wanted).catch(fail) };
    },
    read(schema: TableSchema, options: SourceReadOptions): RowStream {
      if (!wanted) throw new RowbackError('internal', 'read before describe');
      const columns = dumpColumns;
      const rows = reader.rows(
        wanted,
        (found) => {
          const fields = found ?? columns;
          const map = options.columns.map((c) => fields.indexOf(c));
          if (map.some((m) => m === -1)) {
            throw new RowbackError(
              'schema-mismatch',
              `The data of ${formatTable(wanted!)} in ${path} has no column ${options.columns[map.indexOf(-1)]}.`,
            );
          }
          return { fields: fields.length, order: sameOrder(map, fields.length) };
        },
        options.onBytes,
      );
      if (reader.engine !== 'mysql') return guarded(rows, fail);
      return refuseZeroDates(guarded(rows, fail), schema, options.columns, profile);
    },
    async cancel() {},
    async close() {},
  };
  return source;
}

/** A dump taken with mysqldump --where holds only the rows that matched. */
function partialDump(where: string): string {
  return `The dump was taken with --where "${where}": it holds only the rows that matched, so every other row of the target is classed extra. Keep them (--extra keep, the default), or restore only that part with --where "${where}"; --extra delete without it would delete every row outside the condition.`;
}

function sameOrder(map: number[], fields: number): number[] | undefined {
  return map.length === fields && map.every((m, i) => m === i) ? undefined : map;
}

async function* guarded(rows: AsyncIterable<Buffer>, fail: (error: unknown) => never): RowStream {
  try {
    yield* rows;
  } catch (error) {
    fail(error);
  }
}

async function openReader(path: string): Promise<DumpReader> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw noSuchFile(path);
  if (!info.isFile() && !info.isDirectory()) throw notAFile(path, info);
  try {
    if (info.isDirectory()) {
      const toc = await stat(`${path}/toc.dat`).catch(() => undefined);
      if (!toc) {
        throw new RowbackError(
          'usage',
          `${path} is a directory but not a pg_dump directory archive (it has no toc.dat).`,
          {
            hint: 'Give the directory pg_dump -Fd wrote, or a dump file.',
          },
        );
      }
      return await archiveReader('directory', path, undefined, info.size);
    }
    const content = await openContent(path, path);
    if (content.head.length === 0) throw empty(path, content.wrapper);
    if (content.kind === 'pg-archive') return await archiveReader('custom', path, content, info.size);
    if (content.kind === 'tar') return await archiveReader('tar', path, content, info.size);
    const engine = textEngine(content.head);
    if (!engine) {
      throw new RowbackError('usage', `${path} does not look like a dump rowback can read.`, {
        hint: 'rowback reads pg_dump output (plain, -Fc, -Fd, -Ft), mysqldump / mariadb-dump output and sqlite3 .dump output, gzip or zstd compressed or not.',
      });
    }
    return textReader(content, engine, info.size);
  } catch (error) {
    if (error instanceof NewerArchive) {
      throw new RowbackError(
        'unsupported',
        `${path} is a pg_dump archive of version ${error.version}, newer than rowback knows (1.12 to 1.16).`,
        {
          hint: 'Upgrade rowback, or write a plain dump with pg_restore -f - and use that.',
        },
      );
    }
    if (error instanceof DumpError) throw badDump(path, error);
    throw error;
  }
}

/** A pipe (`/dev/stdin`, `<(zcat x.sql.gz)`), a device or a socket: it can be read only once. */
function notAFile(path: string, info: Stats): RowbackError {
  const what = info.isFIFO() ? 'a pipe' : info.isSocket() ? 'a socket' : 'a device';
  return new RowbackError(
    'usage',
    `${path} is ${what}, not a regular file: rowback reads a dump more than once (to find the table, then its rows), so it cannot read one from a pipe.`,
    {
      hint: 'Save it to a file first (e.g. `zcat x.sql.gz > x.sql`; rowback reads .gz and .zst files itself) and give that path, or a pg_dump -Fd directory.',
    },
  );
}

/** An empty file, or a compressed one holding nothing (`gzip </dev/null`): a dump that was never written. */
function empty(path: string, wrapper: 'gzip' | 'zstd' | undefined): RowbackError {
  const holding = wrapper ? `: it is a ${wrapper} file holding nothing` : '';
  return new RowbackError('usage', `${path} is empty${holding}; it is not a dump.`, {
    hint: 'The dump was never written: did pg_dump / mysqldump / sqlite3 fail (see its error output), or the disk fill up? Take the dump again.',
  });
}

/** Tells pg_dump SQL, mysqldump SQL and `sqlite3 .dump` SQL apart by their first lines. */
function textEngine(head: Buffer): DumpEngine | undefined {
  const text = head.toString('latin1');
  // sqlite3 .dump: `PRAGMA foreign_keys=OFF;` (3.7.x on), then `BEGIN TRANSACTION;`; --data-only: INSERTs only
  if (/^(PRAGMA foreign_keys=OFF;\r?\n)?BEGIN TRANSACTION;\r?\n/.test(text)) return 'sqlite';
  if (/^INSERT INTO ("(?:[^"]|"")+"|[A-Za-z_][\w$]*)(\([^)]*\))? VALUES\(/.test(text)) return 'sqlite';
  if (/^--\s*\n--\s*PostgreSQL database (cluster )?dump/m.test(text) || /^\\restrict\s/m.test(text))
    return 'postgres';
  if (/^(\/\*M!999999\\- enable the sandbox mode \*\/|-- (MySQL|MariaDB) dump)/m.test(text)) return 'mysql';
  if (/^(COPY|SET search_path|SELECT pg_catalog\.set_config)\b/m.test(text)) return 'postgres';
  if (/^(\/\*!\d+|LOCK TABLES `|INSERT INTO `)/m.test(text)) return 'mysql';
  return undefined;
}

/** mysqldump --compatible=ansi: names in double quotes, and its text in no declared character set. */
function ansiQuoted(path: string): RowbackError {
  return new RowbackError(
    'unsupported',
    `${path} was written with mysqldump --compatible=ansi (names in double quotes, no SET NAMES); rowback reads mysqldump's own form.`,
    { hint: 'Take the dump again without --compatible=ansi.', details: { side: 'source' } },
  );
}

/** pg_dump writes a partitioned table's rows under each partition; the parent has no data of its own. */
function partitioned(path: string, table: string): RowbackError {
  return new RowbackError(
    'unsupported',
    `${table} is a partitioned table: ${path} holds its rows under its partitions, not under ${table} itself.`,
    {
      hint: 'Restore each partition by its own name (rowback restore <partition> --from … --to …); the dump lists them as tables.',
      details: { side: 'source', table },
    },
  );
}

function notFound(path: string, table: TableRef, look: Look, engine: DumpEngine): RowbackError {
  const qualified = look.tables.map((t) => (t.schema ? `${t.schema}.${t.name}` : t.name));
  const close = table.schema
    ? closeNames(`${table.schema}.${table.name}`, qualified)
    : closeNames(table.name, [...new Set(look.tables.map((t) => t.name))]);
  // Named as the table argument takes them: a dot, a quote or a space inside a name is quoted.
  const quote = engine === 'mysql' ? '`' : '"';
  const part = (name: string) =>
    /^[\p{L}\p{N}_$]+$/u.test(name) ? name : `${quote}${name.replaceAll(quote, quote + quote)}${quote}`;
  const pasteable = look.tables.map((t) => (t.schema ? `${part(t.schema)}.${part(t.name)}` : part(t.name)));
  // A table of exactly that name in another schema (database) is named qualified.
  const elsewhere = look.tables.filter((t) => t.name === table.name && t.schema && t.schema !== table.schema);
  const suggested = elsewhere.length
    ? elsewhere.map((t) => `${part(t.schema!)}.${part(t.name)}`)
    : close.map((c) => {
        const t = look.tables.find((t) => (table.schema ? `${t.schema}.${t.name}` : t.name) === c);
        return t ? (table.schema && t.schema ? `${part(t.schema)}.${part(t.name)}` : part(t.name)) : c;
      });
  const listed =
    pasteable.length > 12
      ? `${pasteable.slice(0, 12).join(', ')} and ${pasteable.length - 12} more`
      : pasteable.join(', ');
  return new RowbackError('table-not-found', `There is no table ${formatTable(table)} in ${path}.`, {
    hint: `${suggested.length ? `Did you mean ${suggested.join(', ')}? ` : ''}${qualified.length ? `The dump holds: ${listed}.` : 'The dump holds no table.'}`,
    details: { side: 'source', table: formatTable(table), suggestions: suggested, tables: qualified },
  });
}

/** The table as the dump describes it: types from its CREATE TABLE when it has one, else the target's. */
function describeFrom(
  look: Look,
  wanted: WantedTable,
  target: TableSchema | undefined,
  engine: DumpEngine,
): { schema: TableSchema; dumpColumns: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const fromSqlite =
    engine === 'sqlite' && look.create ? sqliteCreateColumns(look.create, wanted.name) : undefined;
  const refused = fromSqlite && 'refused' in fromSqlite ? fromSqlite.refused : undefined;
  const sqlite = fromSqlite && 'columns' in fromSqlite ? fromSqlite : undefined;
  let columns: Column[] | undefined =
    engine === 'sqlite' ? sqlite?.columns : look.create ? createTableColumns(look.create, engine) : undefined;
  const name = formatTable(wanted);
  // Without a column list, mariadb-dump writes every column, generated ones too (the server ignores
  // their values); pg_dump, sqlite3 and MySQL's mysqldump (which then names the columns) leave them out.
  const written = (c: Column) => engine === 'mysql' || c.generated === 'no';
  if (!columns) {
    if (!target)
      throw new RowbackError('internal', `no CREATE TABLE for ${name} and no target to take types from`);
    const byName = new Map(target.columns.map((c) => [c.name, c]));
    const listed = look.dataColumns ?? target.columns.filter(written).map((c) => c.name);
    columns = listed.map(
      (c) =>
        byName.get(c) ?? {
          name: c,
          type: 'unknown',
          nullable: true,
          hasDefault: true,
          generated: 'no',
          identity: 'no',
        },
    );
    warnings.push(
      refused
        ? `SQLite cannot read the dump's CREATE TABLE for ${name} on its own (${refused}): its columns are taken to have the target's types.`
        : `The dump has no CREATE TABLE for ${name}: its columns are taken to have the target's types.`,
    );
  }
  const dumpColumns = look.dataColumns ?? columns.filter(written).map((c) => c.name);
  const schema: TableSchema = {
    ref: { schema: wanted.schema ?? target?.ref.schema ?? '', name: wanted.name },
    columns,
    key: undefined,
    foreignKeys: [],
    referencedBy: [],
    triggers: [],
    rules: [],
    sequences: [],
    children: [],
    partitioning: 'none',
    transactional: true,
    ...(sqlite?.strict ? { storage: 'STRICT' } : {}),
  };
  return { schema, dumpColumns, warnings };
}
