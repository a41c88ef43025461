import type { Content } from './input.js';
import { MysqlDumpParser } from './mysql-dump.js';
import { PgPlainParser } from './pg-plain.js';
import { type DumpReader, drive, type Look } from './reader.js';
import { RowBuilder } from './row-builder.js';
import type { OpenRows, TableData, WantedTable } from './table-data.js';

/** A dump written as SQL text: plain pg_dump or mysqldump / mariadb-dump, possibly gzip- or zstd-wrapped. */
export function textReader(content: Content, engine: 'postgres' | 'mysql', size: number): DumpReader {
  const make = (wanted: WantedTable, open?: OpenRows): TableData =>
    engine === 'postgres' ? new PgPlainParser(wanted, open) : new MysqlDumpParser(wanted, open);
  const wrap = content.wrapper ? `, ${content.wrapper}` : '';
  return {
    engine,
    format: engine === 'postgres' ? `plain pg_dump SQL${wrap}` : `mysqldump SQL${wrap}`,
    size,
    // Read from the start up to the table's data, which ends where it ends: the file is the measure.
    bytes: async () => size,
    async look(wanted): Promise<Look> {
      const parser = make(wanted);
      for await (const _ of drive(content.chunks(), parser, [])) {
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
      return drive(content.chunks(onBytes), parser, emitted);
    },
  };
}
