import { formatTable } from '../../core/table.js';
import { countingIn, NoTableData } from './errors.js';
import type { Content } from './input.js';
import { MysqlDumpParser } from './mysql-dump.js';
import { PgPlainParser } from './pg-plain.js';
import { type DumpEngine, type DumpReader, drive, type Look } from './reader.js';
import { RowBuilder } from './row-builder.js';
import { SqliteDumpParser } from './sqlite-dump.js';
import type { OpenRows, TableData, WantedTable } from './table-data.js';

const FORMATS: Record<DumpEngine, string> = {
  postgres: 'plain pg_dump SQL',
  mysql: 'mysqldump SQL',
  sqlite: 'sqlite3 .dump SQL',
};

/**
 * A dump written as SQL text: plain pg_dump, mysqldump / mariadb-dump or `sqlite3 .dump`, possibly gzip-
 * or zstd-wrapped.
 */
export function textReader(content: Content, engine: DumpEngine, size: number): DumpReader {
  const make = (wanted: WantedTable, open?: OpenRows): TableData =>
    engine === 'postgres'
      ? new PgPlainParser(wanted, open)
      : engine === 'mysql'
        ? new MysqlDumpParser(wanted, open)
        : new SqliteDumpParser(wanted, open);
  // In a gzip or zstd file, the parsers' offsets count the uncompressed SQL.
  const counted = (stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> =>
    content.wrapper ? countingIn(stream, `${content.label}, uncompressed`) : stream;
  const wrap = content.wrapper ? `, ${content.wrapper}` : '';
  return {
    engine,
    format: `${FORMATS[engine]}${wrap}`,
    size,
    // Read from the start up to the table's data, which ends where it ends: the file is the measure.
    bytes: async () => size,
    async look(wanted): Promise<Look> {
      const parser = make(wanted);
      for await (const _ of counted(drive(content.chunks(), parser, []))) {
        // looking only: the parser emits nothing
      }
      const notes =
        parser instanceof MysqlDumpParser
          ? {
              ...(parser.names ? { names: parser.names } : {}),
              utc: parser.utc,
              ...(parser.where ? { where: parser.where } : {}),
              ...(parser.ansiQuotes ? { ansiQuotes: true } : {}),
            }
          : parser instanceof PgPlainParser && parser.encoding
            ? { encoding: parser.encoding }
            : {};
      return {
        tables: parser.tables,
        create: parser.create,
        dataColumns: parser.dataColumns,
        found: parser.create !== undefined || parser.foundData,
        ...(parser instanceof PgPlainParser && parser.cluster ? { databases: parser.wantedIn } : {}),
        ...(parser instanceof PgPlainParser && parser.spread ? { spread: true } : {}),
        notes,
      };
    },
    rows(wanted, shape, onBytes) {
      const emitted: Buffer[] = [];
      const parser = make(wanted, (columns, offset) => {
        const s = shape(columns, offset);
        return new RowBuilder(s.fields, s.order, (chunk) => emitted.push(chunk));
      });
      const rows = content.wrapper
        ? checkedToTheEnd(content.chunks(onBytes), parser, emitted)
        : drive(content.chunks(onBytes), parser, emitted);
      return checked(counted(rows), parser, wanted, engine);
    },
  };
}

const LEAVE_DATA_OUT: Record<DumpEngine, string> = {
  postgres: 'pg_dump --schema-only or --exclude-table-data',
  mysql: 'mysqldump --no-data',
  sqlite: 'sqlite3 .schema',
};

/**
 * The rows, then a refusal when the dump never showed the table's data (not even an empty section):
 * thrown before the stream ends, so nothing read from it is applied. A `sqlite3 .dump` writes nothing for
 * a table without rows; one that is whole (its COMMIT read) holds every row, so none is none.
 */
async function* checked(
  rows: AsyncIterable<Buffer>,
  parser: TableData,
  wanted: WantedTable,
  engine: DumpEngine,
): AsyncIterable<Buffer> {
  yield* rows;
  if (engine !== 'sqlite' && !parser.foundData)
    throw new NoTableData(formatTable(wanted), LEAVE_DATA_OUT[engine]);
}

/**
 * The rows of a gzip- or zstd-wrapped dump, then the rest of it decompressed and dropped: the stream's
 * checksum is at its end, and a byte flipped before the table's data would otherwise go unseen (the
 * parser may read it as another value). The error surfaces before the rows' stream ends: nothing applied.
 */
async function* checkedToTheEnd(
  input: AsyncIterable<Buffer>,
  parser: TableData,
  emitted: Buffer[],
): AsyncIterable<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  // Without `return`, drive's early stop leaves the stream open to be read on here.
  const open: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: () => iterator.next() }) };
  let ended = false;
  try {
    yield* drive(open, parser, emitted);
    while (!(await iterator.next()).done) {
      // decompressed and dropped
    }
    ended = true;
  } finally {
    if (!ended) await iterator.return?.();
  }
}
