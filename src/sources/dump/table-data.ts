import type { RowBuilder } from './row-builder.js';

/** A table as a dump names it; `schema` is absent when the dump does not qualify the name. */
export interface DumpTable {
  schema?: string;
  name: string;
}

/** The table asked for: schema and name must both match when the dump names a schema. */
export interface WantedTable {
  schema?: string;
  name: string;
  /** In a pg_dumpall file: the database whose table it is. */
  database?: string;
}

export function sameTable(found: DumpTable, wanted: WantedTable): boolean {
  if (found.name !== wanted.name) return false;
  return found.schema === undefined || wanted.schema === undefined || found.schema === wanted.schema;
}

/** What a dump parser learns about the wanted table while it reads. */
export interface TableData {
  /** Every table the dump creates or holds data for, in dump order. */
  readonly tables: DumpTable[];
  /** The wanted table's CREATE TABLE statement (latin1 text of its bytes), when the dump has one. */
  readonly create: string | undefined;
  /** The column list the dump gives with the wanted table's data, when it gives one. */
  readonly dataColumns: string[] | undefined;
  /** The dump holds data for the wanted table (possibly zero rows). */
  readonly foundData: boolean;
  /** The wanted table's data has been read (or, without a destination, found): stop feeding. */
  readonly done: boolean;
  push(chunk: Buffer): void;
  end(): void;
}

/** Opens the destination of the wanted table's rows once their column list is known. */
export type OpenRows = (columns: string[] | undefined, offset: number) => RowBuilder;

/** How the wanted rows are laid out: fields per dump row, and the dump field for each output column. */
export interface RowShape {
  fields: number;
  order: number[] | undefined;
}

/** Decides the row shape once the dump's column list for the wanted table is known. */
export type ShapeRows = (columns: string[] | undefined, offset: number) => RowShape;
