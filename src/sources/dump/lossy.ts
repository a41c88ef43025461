import type { TableSchema } from '../../core/table.js';
import type { DumpEngine, Look } from './reader.js';

/**
 * What a dump itself lost, said before anything is applied, naming the columns. mysqldump prints FLOAT
 * (single precision) with 6 significant digits: 3.1415927 is dumped as 3.14159 and reloads as
 * 3.141590118408203, so a FLOAT value restored from a mysqldump is an approximation (DOUBLE is exact).
 * Without mysqldump's default --tz-utc, TIMESTAMP values are in the dumping session's time zone.
 */
export function lossyColumns(engine: DumpEngine, schema: TableSchema, look: Look): string[] {
  if (engine === 'sqlite') return sqliteLosses(schema);
  if (engine !== 'mysql') return [];
  const warnings: string[] = [];
  const floats = schema.columns.filter((c) => /^float\b/i.test(c.type)).map((c) => c.name);
  if (floats.length) {
    warnings.push(
      `${floats.length === 1 ? 'Column' : 'Columns'} ${floats.join(', ')} ${floats.length === 1 ? 'is' : 'are'} FLOAT: mysqldump writes FLOAT values with 6 significant digits, so the restored values are approximations of the stored ones (DOUBLE columns are exact), and a row whose ${floats.length === 1 ? 'FLOAT differs' : 'FLOATs differ'} only in the last digits is classed changed: with --changed take-source, leave ${floats.length === 1 ? 'it' : 'them'} out with --columns to keep the stored values.`,
    );
  }
  const stamps = schema.columns.filter((c) => /^timestamp\b/i.test(c.type)).map((c) => c.name);
  if (stamps.length && !look.notes.utc && look.notes.names) {
    warnings.push(
      `The dump does not set TIME_ZONE='+00:00' (it was taken with --skip-tz-utc): TIMESTAMP ${stamps.join(', ')} ${stamps.length === 1 ? 'is read as UTC but was' : 'are read as UTC but were'} written in the dumping session's time zone.`,
    );
  } else if (stamps.length && !look.notes.utc) {
    // No session settings at all (--compact, --skip-set-charset): the dump does not say either way.
    warnings.push(
      `The dump sets no session settings (--compact), so it does not say which time zone TIMESTAMP ${stamps.join(', ')} ${stamps.length === 1 ? 'was' : 'were'} written in: read as UTC, mysqldump's default (--tz-utc); a dump taken with --skip-tz-utc holds them in the dumping session's time zone.`,
    );
  }
  return warnings;
}

/**
 * `sqlite3 .dump` writes a text through C's strings, so only up to its first NUL byte, and a real equal
 * to a whole number as that number with `.0`, so −0.0 as 0.0. Neither can be seen in the dump; the
 * warning names the columns that can keep such a value: NUL texts in columns declared for text or
 * untyped (a STRICT table's TEXT and ANY), −0.0 only in untyped ones (REAL, NUMERIC and INTEGER columns
 * store a whole real as an integer, which turns −0.0 into 0.0 already).
 */
function sqliteLosses(schema: TableSchema): string[] {
  const strict = /STRICT/.test(schema.storage ?? '');
  const columns = schema.columns.filter((c) => c.generated === 'no');
  const affinity = (type: string) => (strict ? type.toUpperCase() : sqliteAffinity(type));
  const texts = columns.filter((c) => ['TEXT', 'BLOB', 'ANY'].includes(affinity(c.type))).map((c) => c.name);
  const zeros = columns
    .filter((c) => ['BLOB', 'ANY'].includes(affinity(c.type)) && (!strict || c.type.toUpperCase() === 'ANY'))
    .map((c) => c.name);
  const warnings: string[] = [];
  if (texts.length) {
    warnings.push(
      `sqlite3 .dump writes a text only up to its first NUL byte: a text holding NUL in ${texts.join(', ')} comes back cut short, and the dump cannot show which.`,
    );
  }
  if (zeros.length) {
    warnings.push(
      `sqlite3 .dump writes the real -0.0 as 0.0: a -0.0 in ${zeros.join(', ')} comes back as 0.0.`,
    );
  }
  return warnings;
}

/** A non-STRICT column's type affinity by SQLite's rules (datatype3.html, section 3.1). */
function sqliteAffinity(type: string): string {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(t)) return 'REAL';
  return 'NUMERIC';
}
