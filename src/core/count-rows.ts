import type { ProgressEvent } from './options.js';
import { type Prepared, readOptions } from './prepare.js';
import { throwIfAborted } from './sessions.js';

const NEWLINE = 0x0a;

/**
 * How many rows the source yields, by reading them once: for a source that cannot count without reading
 * (a dump file), before the direct path's preview, which must say exactly how many rows it will insert.
 * Reading a file twice costs far less than staging every row on the target and merging it back. Each row
 * of the text row format ends with the one newline it holds (a newline in a value is escaped).
 */
export async function countByReading(
  p: Prepared,
  totalBytes: number | undefined,
  onProgress: (event: ProgressEvent) => void,
  signal?: AbortSignal,
): Promise<number> {
  let rows = 0;
  let bytes = 0;
  const rowStream = p.sessions.source.read(
    p.source,
    readOptions(p, (n) => (bytes = n)),
  );
  for await (const chunk of rowStream) {
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) rows++;
    onProgress({
      step: 'source',
      message: 'counting the rows',
      rows,
      ...(totalBytes === undefined ? {} : { bytes, totalBytes }),
    });
    throwIfAborted(signal);
  }
  return rows;
}
