import type { DumpTable, ShapeRows, WantedTable } from './table-data.js';

/** The engine whose client loads a dump. */
export type DumpEngine = 'postgres' | 'mysql' | 'sqlite';

/** What a look through a dump found about the wanted table. */
export interface Look {
  tables: DumpTable[];
  /** The wanted table's CREATE TABLE (latin1 text of its bytes). */
  create: string | undefined;
  /** The column list of the wanted table's data, when the dump gives one. */
  dataColumns: string[] | undefined;
  /** The dump has the wanted table (its structure or its data). */
  found: boolean;
  /** A pg_dumpall file: the databases holding the wanted table (undefined for a dump of one database). */
  databases?: string[];
  /** The wanted table's rows are in its partitions' sections (pg_dump --load-via-partition-root). */
  spread?: boolean;
  /** Things the reader noticed that a restore should say (lossy values, settings). */
  notes: {
    names?: string;
    utc?: boolean;
    where?: string;
    /** pg_dump's `SET client_encoding`: the encoding the dump's text is written in. */
    encoding?: string;
    /** mysqldump --compatible=ansi: its names are in double quotes, which the reader does not take. */
    ansiQuotes?: boolean;
  };
}

/** One dump format, read for one table. */
export interface DumpReader {
  readonly engine: DumpEngine;
  /** e.g. `pg_dump custom archive (zlib)`, for messages. */
  readonly format: string;
  /** Bytes of the file (or directory files) the reader goes through, for progress. */
  readonly size: number;
  look(wanted: WantedTable): Promise<Look>;
  /** Bytes read to yield the wanted table's rows: its data block where the archive says, else `size`. */
  bytes(wanted: WantedTable): Promise<number>;
  /** The wanted table's rows in the text row format; `onBytes` gets the bytes read so far. */
  rows(wanted: WantedTable, shape: ShapeRows, onBytes?: (bytes: number) => void): AsyncIterable<Buffer>;
}

/** Feeds chunks to a parser and yields what it emits, stopping as soon as the parser is done. */
export async function* drive(
  input: AsyncIterable<Buffer>,
  parser: { push(chunk: Buffer): void; end(): void; readonly done: boolean },
  emitted: Buffer[],
): AsyncIterable<Buffer> {
  for await (const chunk of input) {
    parser.push(chunk);
    while (emitted.length) yield emitted.shift()!;
    if (parser.done) return;
  }
  parser.end();
  while (emitted.length) yield emitted.shift()!;
}
