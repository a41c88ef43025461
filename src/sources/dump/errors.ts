import { RowbackError } from '../../core/errors.js';

/**
 * A dump that does not read as its format says: where (a byte offset) and what the reader expected
 * there. Parsers throw it; the source turns it into a RowbackError naming the file. The offset counts
 * the file's own bytes unless `within` names what it counts instead (the uncompressed text of a gzip
 * file, a table's data block): an offset past the file's size would send the reader looking in vain.
 */
export class DumpError extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
    readonly found: string,
    public within?: string,
  ) {
    super(`at byte ${offset}${within ? ` of ${within}` : ''}: expected ${expected}, found ${found}`);
    this.name = 'DumpError';
  }
}

/** Says what a parser's offsets count, on an error that does not say yet; rethrows anything else. */
export function counting(error: unknown, within: string): never {
  if (error instanceof DumpError && error.within === undefined) error.within = within;
  throw error;
}

/** The stream, its dump errors' offsets said to count in `within`. */
export async function* countingIn(stream: AsyncIterable<Buffer>, within: string): AsyncIterable<Buffer> {
  try {
    yield* stream;
  } catch (error) {
    counting(error, within);
  }
}

/** The dump ended before the reader had what it needed. */
export function truncated(offset: number, expected: string): DumpError {
  return new DumpError(offset, expected, 'the end of the file');
}

/** A few bytes as a reader would want to see them in a message. */
export function describeBytes(bytes: Buffer): string {
  if (bytes.length === 0) return 'nothing';
  const text = bytes.toString('latin1');
  if (/^[\x20-\x7e]*$/.test(text)) return JSON.stringify(text);
  return `bytes ${bytes.toString('hex').replace(/(..)/g, '$1 ').trim()}`;
}

/** The RowbackError for a dump that is truncated or corrupt. Nothing has been written when it is thrown. */
export function badDump(label: string, error: DumpError): RowbackError {
  const ended = error.found === 'the end of the file';
  return new RowbackError(
    'bad-source',
    `${label} is ${ended ? 'truncated' : 'corrupt'} at byte ${error.offset}${error.within ? ` of ${error.within}` : ''}: expected ${error.expected}, found ${error.found}. Nothing was written.`,
    {
      hint: ended
        ? 'The file ends early: was the dump interrupted or the copy cut short? Take the dump again or copy it again.'
        : 'The file was changed after the dump was written, or it is not what its first bytes say. Take the dump again.',
      details: {
        offset: error.offset,
        ...(error.within ? { within: error.within } : {}),
        expected: error.expected,
        found: error.found,
      },
      cause: error,
    },
  );
}

/**
 * The dump has the table but no data for it: taken without data (`pg_dump -s`, `--exclude-table-data`,
 * `mysqldump --no-data`), or its data left out some other way. Read as an empty table it would make
 * every target row `extra`, and `--extra delete` would delete them all.
 */
export class NoTableData extends Error {
  constructor(
    readonly table: string,
    /** The dump tool's options that leave data out. */
    readonly options: string,
  ) {
    super(`no data for ${table}`);
    this.name = 'NoTableData';
  }
}

export function noTableData(label: string, error: NoTableData): RowbackError {
  return new RowbackError(
    'table-not-found',
    `${label} holds ${error.table} but no data for it: the dump was taken without the table's rows (${error.options}), or it does not say that the table had none. Nothing was written.`,
    {
      hint: "Restore from a dump taken with the table's data. If the table was empty when the dump was taken, there is nothing to restore from this dump.",
      cause: error,
    },
  );
}
