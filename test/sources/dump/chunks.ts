import { RowBuilder } from '../../../src/sources/dump/row-builder.js';
import type { OpenRows, TableData } from '../../../src/sources/dump/table-data.js';

/** What a parser gave for one way of cutting its input. */
export interface Parsed {
  rows: string;
  columns: string[] | undefined;
  parser: TableData;
}

/** Feeds `bytes` to a fresh parser in the given pieces and collects the wanted table's rows as text. */
export function parseIn(
  pieces: Buffer[],
  make: (open: OpenRows) => TableData,
  fields: (columns: string[] | undefined) => { fields: number; order?: number[] },
): Parsed {
  const out: Buffer[] = [];
  let columns: string[] | undefined;
  const parser = make((found) => {
    columns = found;
    const shape = fields(found);
    return new RowBuilder(shape.fields, shape.order, (chunk) => out.push(Buffer.from(chunk)));
  });
  for (const piece of pieces) {
    if (parser.done) break;
    parser.push(piece);
  }
  parser.end();
  return { rows: Buffer.concat(out).toString('latin1'), columns, parser };
}

/** Every way of cutting `bytes` in two, plus one byte at a time. */
export function cuts(bytes: Buffer): Buffer[][] {
  const all: Buffer[][] = [[bytes]];
  for (let at = 1; at < bytes.length; at++) all.push([bytes.subarray(0, at), bytes.subarray(at)]);
  all.push([...bytes].map((b) => Buffer.from([b])));
  return all;
}
