import { RowbackError } from '../../core/errors.js';

/**
 * A dump that does not read as its format says: where (byte offset in the dump's own bytes, after any
 * decompression of the whole file) and what the reader expected there. Parsers throw it; the source
 * turns it into a RowbackError naming the file.
 */
export class DumpError extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`at byte ${offset}: expected ${expected}, found ${found}`);
    this.name = 'DumpError';
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
    `${label} is ${ended ? 'truncated' : 'corrupt'} at byte ${error.offset}: expected ${error.expected}, found ${error.found}. Nothing was written.`,
    {
      hint: ended
        ? 'The file ends early: was the dump interrupted or the copy cut short? Take the dump again or copy it again.'
        : 'The file was changed after the dump was written, or it is not what its first bytes say. Take the dump again.',
      details: { offset: error.offset, expected: error.expected, found: error.found },
      cause: error,
    },
  );
}
