import { countingIn } from './errors.js';
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
          ? { ...(parser.names ? { names: parser.names } : {}), utc: parser.utc }
          : {};
      return {
        tables: parser.tables,
        create: parser.create,
        dataColumns: parser.dataColumns,
        found: parser.create !== undefined || parser.foundData,
        notes,
      };
    },
    rows(wanted, shape, onBytes) {
      const emitted: Buffer[] = [];
      const parser = make(wanted, (columns, offset) => {
        const s = shape(columns, offset);
        return new RowBuilder(s.fields, s.order, (chunk) => emitted.push(chunk));
      });
      return counted(drive(content.chunks(onBytes), parser, emitted));
    },
  };
}
