import { BinaryOut } from './binary-out.js';
import type { Encoder } from './binary-values.js';

const NEWLINE = 0x0a;
const TAB = 0x09;
const BACKSLASH = 0x5c;
/** Signature, flags (no OIDs), header extension length (none). */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/**
 * Output is handed on in pieces of this size (fewer messages and socket writes), except the first ones:
 * they start at `FIRST_PIECE` and grow fourfold, so the server has rows to load while this code is still
 * cold (the first megabyte of a dump converts several times slower than the rest).
 */
const PIECE = 1 << 18;
const FIRST_PIECE = 1 << 14;
/** A field count of -1 ends the data. */
const TRAILER = Buffer.from([0xff, 0xff]);

/**
 * Rows in COPY text turned into binary COPY, which the server loads with far less work: no dates,
 * timestamps or numbers to parse. Each value is converted only when its text is in the plain form the
 * server prints; at the first row that is not, conversion stops and `rest` yields that row and every
 * later one as text, for a second (text) COPY in the same transaction, so the server's own input
 * functions read them exactly as they would have.
 */
export class TextToBinary {
  /** Set when conversion stopped early: the rows still to load, as COPY text. */
  rest: AsyncIterable<Buffer> | undefined;
  private readonly out = new BinaryOut();
  private failed = false;
  /** Output is handed on once this much is pending: small at first, then `PIECE`. */
  private limit = FIRST_PIECE;

  constructor(private readonly encoders: Encoder[]) {}

  async *encode(rows: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
    yield HEADER;
    // The pieces of a line begun in an earlier chunk: joined once, when its newline comes (a value of
    // hundreds of MB arrives in thousands of chunks).
    let carry: Buffer[] = [];
    for (;;) {
      const next = await rows.next();
      if (next.done) break;
      let chunk = next.value;
      if (carry.length > 0) {
        const nl = chunk.indexOf(NEWLINE);
        if (nl === -1) {
          carry.push(chunk);
          continue;
        }
        const line = Buffer.concat([...carry, chunk.subarray(0, nl + 1)]);
        carry = [];
        chunk = chunk.subarray(nl + 1);
        if (this.lines(line, 0) < line.length) {
          this.rest = resume([line, chunk], rows);
          break;
        }
      }
      // Room for the chunk's rows up front: growing the buffer half-way would copy what is pending.
      this.out.ensure(chunk.length + (chunk.length >> 2));
      let at = 0;
      for (;;) {
        at = this.lines(chunk, at, this.limit);
        if (this.failed) {
          if (this.out.pending > 0) yield this.out.take();
          break;
        }
        if (this.out.pending < this.limit) break; // every whole line of the chunk is converted
        yield this.out.take();
        this.limit = Math.min(this.limit * 4, PIECE);
      }
      if (this.failed) {
        this.rest = resume([chunk.subarray(at)], rows);
        break;
      }
      if (at < chunk.length) carry = [chunk.subarray(at)];
    }
    if (this.out.pending > 0) yield this.out.take();
    // A last line without its newline: COPY takes it; rare enough to leave to the server as text.
    if (carry.length > 0 && !this.rest) this.rest = resume(carry, rows);
    yield TRAILER;
  }

  /**
   * Converts whole lines of `buf` from `at` until `budget` bytes are pending; returns where it stopped
   * (`failed` says why it stopped early).
   */
  private lines(buf: Buffer, at: number, budget = Number.POSITIVE_INFINITY): number {
    const last = buf.lastIndexOf(NEWLINE);
    const encoders = this.encoders;
    const n = encoders.length;
    const out = this.out;
    let start = at;
    while (start <= last && out.pending < budget) {
      // Counted from `from`: the row's bytes move with the pending ones if the buffer grows.
      const rowAt = out.pending;
      const end = this.line(buf, start, encoders, n);
      if (end < 0) {
        out.pos = out.from + rowAt;
        this.failed = true;
        return start;
      }
      start = end + 1;
    }
    return start;
  }

  /** One line from `start`: its newline's index, or -1 (nothing written that counts). */
  private line(buf: Buffer, start: number, encoders: Encoder[], n: number): number {
    // `\.` alone on a line ends COPY text's data.
    if (buf[start] === BACKSLASH && buf[start + 1] === 0x2e && buf[start + 2] === NEWLINE) return -1;
    const out = this.out;
    out.ensure(2);
    out.buf[out.pos] = n >>> 8;
    out.buf[out.pos + 1] = n;
    out.pos += 2;
    let f = start;
    for (let c = 0; c < n; c++) {
      let e: number;
      if (buf[f] === BACKSLASH && buf[f + 1] === 0x4e && (buf[f + 2] === TAB || buf[f + 2] === NEWLINE)) {
        out.ensure(4);
        const b = out.buf;
        b[out.pos] = b[out.pos + 1] = b[out.pos + 2] = b[out.pos + 3] = 0xff;
        out.pos += 4;
        e = f + 2;
      } else {
        e = encoders[c]!(buf, f, out);
        if (e < 0) return -1;
      }
      // Too few or too many columns: the server says so.
      if (buf[e] !== (c < n - 1 ? TAB : NEWLINE)) return -1;
      f = e + 1;
    }
    return f - 1;
  }
}

/** `first`'s buffers, then the rest of `rows`. */
async function* resume(first: Buffer[], rows: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  for (const b of first) if (b.length > 0) yield b;
  for (;;) {
    const next = await rows.next();
    if (next.done) return;
    yield next.value;
  }
}
