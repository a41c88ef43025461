import { PassThrough } from 'node:stream';
import type { RowStream } from '../engines/engine.js';

/**
 * Two readers of one stream, each with backpressure: the source advances only when both have room, so
 * memory stays bounded whichever is slower. If either reader stops (is destroyed), the pump ends both;
 * an error of the source reaches both.
 */
export function tee(source: RowStream): { a: PassThrough; b: PassThrough; pumped: Promise<void> } {
  const a = reader();
  const b = reader();
  // A source error destroys both; each reader sees it through its own reads, and `pumped` rejects with it.
  // Without a listener, a reader that has not started (or has stopped) would crash the process instead.
  a.on('error', () => {});
  b.on('error', () => {});
  const room = (s: PassThrough) =>
    new Promise<void>((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  const pumped = (async () => {
    try {
      for await (const chunk of source) {
        if (a.destroyed || b.destroyed) break;
        a.write(chunk);
        b.write(chunk);
        // Asked after both writes: a reader may drain while the pump waits for the other.
        if (a.writableNeedDrain) await room(a);
        if (b.writableNeedDrain) await room(b);
      }
      if (!a.destroyed) a.end();
      if (!b.destroyed) b.end();
    } catch (error) {
      a.destroy(error as Error);
      b.destroy(error as Error);
      throw error;
    }
  })();
  return { a, b, pumped };
}

/**
 * Written in bytes (1 MiB before backpressure), read a chunk at a time: a byte-mode reader would join
 * whatever is buffered into one new buffer on every read (a copy of most of the rows, and the first rows
 * held back until a megabyte has gathered).
 */
function reader(): PassThrough {
  return new PassThrough({
    writableHighWaterMark: 1 << 20,
    readableObjectMode: true,
    readableHighWaterMark: 4,
  });
}
