/**
 * A buffer that binary COPY data is written into and handed on from in pieces. A piece handed on is never
 * written over (it may still be queued): new bytes go after it, or to a new buffer.
 */
export class BinaryOut {
  buf: Buffer;
  /** Where the bytes not yet handed on start. */
  from = 0;
  pos = 0;

  constructor(private readonly size = 1 << 20) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Bytes written and not yet handed on. */
  get pending(): number {
    return this.pos - this.from;
  }

  /** Room for `n` more bytes; the pending bytes may move (to the start of a new buffer). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const moved = Buffer.allocUnsafe(Math.max(this.size, 2 * (this.pending + n)));
    this.buf.copy(moved, 0, this.from, this.pos);
    this.pos -= this.from;
    this.from = 0;
    this.buf = moved;
  }

  /** The pending bytes, handed on. */
  take(): Buffer {
    const piece = this.buf.subarray(this.from, this.pos);
    this.from = this.pos;
    if (this.buf.length - this.pos < this.size >> 4) {
      this.buf = Buffer.allocUnsafe(this.size);
      this.from = this.pos = 0;
    }
    return piece;
  }
}
