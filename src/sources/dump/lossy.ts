import type { TableSchema } from '../../core/table.js';
import type { Look } from './reader.js';

/**
 * What a dump itself lost, said before anything is applied, naming the columns. mysqldump prints FLOAT
 * (single precision) with 6 significant digits: 3.1415927 is dumped as 3.14159 and reloads as
 * 3.141590118408203, so a FLOAT value restored from a mysqldump is an approximation (DOUBLE is exact).
 * Without mysqldump's default --tz-utc, TIMESTAMP values are in the dumping session's time zone.
 */
export function lossyColumns(engine: 'postgres' | 'mysql', schema: TableSchema, look: Look): string[] {
  if (engine !== 'mysql') return [];
  const warnings: string[] = [];
  const floats = schema.columns.filter((c) => /^float\b/i.test(c.type)).map((c) => c.name);
  if (floats.length) {
    warnings.push(
      `${floats.length === 1 ? 'Column' : 'Columns'} ${floats.join(', ')} ${floats.length === 1 ? 'is' : 'are'} FLOAT: mysqldump writes FLOAT values with 6 significant digits, so the restored values are approximations of the stored ones (DOUBLE columns are exact).`,
    );
  }
  const stamps = schema.columns.filter((c) => /^timestamp\b/i.test(c.type)).map((c) => c.name);
  if (stamps.length && !look.notes.utc) {
    warnings.push(
      `The dump does not set TIME_ZONE='+00:00' (it was taken with --skip-tz-utc): TIMESTAMP ${stamps.join(', ')} ${stamps.length === 1 ? 'is' : 'are'} read as UTC but were written in the dumping session's time zone.`,
    );
  }
  return warnings;
}
