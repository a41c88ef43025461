import type { RowStream } from '../engines/engine.js';

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/**
 * Reads a row stream one line at a time. Within a chunk a line comes synchronously (`next`); only at a
 * chunk boundary does the caller wait (`nextAsync`), so a merge over millions of rows does not pay for a
 * promise per row. The next chunk is asked for as soon as the current one is taken, so the server keeps
 * sending while the caller works. Memory: one chunk, one chunk ahead, and a row split across chunks.
 */
export class RowCursor {
  private chunk: Buffer = EMPTY;
  private pos = 0;
  private ahead: Promise<IteratorResult<Buffer>> | undefined;
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(stream: RowStream) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** The next line (without its newline) if the current chunk holds one, else undefined. */
  next(): Buffer | undefined {
    const nl = this.chunk.indexOf(NEWLINE, this.pos);
    if (nl === -1) return undefined;
    const line = this.chunk.subarray(this.pos, nl);
    this.pos = nl + 1;
    return line;
  }

  /** The next line, waiting for more of the stream when needed; undefined at its end. */
  async nextAsync(): Promise<Buffer | undefined> {
    for (;;) {
      const line = this.next();
      if (line !== undefined || this.ended) return line;
      await this.load();
    }
  }

  /** Stops reading (the server cancels what it was sending). Safe to call twice. */
  async close(): Promise<void> {
    this.ended = true;
    this.ahead?.catch(() => {});
    await this.iterator.return?.();
  }

  private async load(): Promise<void> {
    const result = await (this.ahead ?? this.iterator.next());
    this.ahead = undefined;
    const rest = this.chunk.subarray(this.pos);
    this.pos = 0;
    if (result.done) {
      this.ended = true;
      // A last row without its newline still counts.
      this.chunk = rest.length ? Buffer.concat([rest, Buffer.from([NEWLINE])]) : EMPTY;
      return;
    }
    this.chunk = rest.length ? Buffer.concat([rest, result.value]) : result.value;
    this.ahead = this.iterator.next();
    // Rejections surface when awaited in load(); do not let an early one go unhandled meanwhile.
    this.ahead.catch(() => {});
  }
}
