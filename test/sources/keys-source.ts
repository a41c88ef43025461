import { encodeRow } from '../../src/core/rows.js';
import type { Source, SourceSize } from '../../src/core/source.js';
import type { TableRef, TableSchema } from '../../src/core/table.js';
import type { RowStream } from '../../src/engines/engine.js';

/** One row as the source knows it: column name → its text (null for NULL). */
export type Image = Record<string, string | null>;

/**
 * A source that saw only some keys change, as a binlog or a change journal does (coverage `keys`): the
 * as-of image of each touched key that existed at the moment, and the touched keys that did not exist
 * then (inserted since). It takes its types from the target, as a source without a schema of its own does.
 */
export function keysSource(engine: string, images: Image[], absent: Image[]): Source {
  return {
    label: 'a test source that saw some keys change',
    engine,
    coverage: 'keys',
    warnings: [],
    async describe(_table: TableRef, key: string[], target?: TableSchema): Promise<TableSchema> {
      if (!target) throw new Error('the keys test source takes its columns from the target');
      return { ...target, key: { columns: key, origin: 'user' } };
    },
    async size(): Promise<SourceSize> {
      return { rows: images.length };
    },
    read(_schema, options): RowStream {
      return rowsOf(images, options.columns);
    },
    absentKeys(_schema, key): RowStream {
      return rowsOf(absent, key);
    },
    async cancel() {},
    async close() {},
  };
}

async function* rowsOf(rows: Image[], columns: string[]): RowStream {
  for (const row of rows) yield encodeRow(columns.map((c) => row[c] ?? null));
}
