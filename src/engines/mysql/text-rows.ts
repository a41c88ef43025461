/**
 * A result set written straight into the text row format (see RowStream) from the protocol's packets,
 * one output buffer at a time: no Buffer per field, no array per row. Reading 1,000,000 rows, mysql2's
 * per-field Buffers and the garbage they leave were most of rowback's own CPU (a profile of the ordered
 * merge: ~2 s of ~6 s on buffer slicing and copying, 1.2 s of it collecting garbage).
 */

const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const BACKSLASH = 0x5c;
/** Output chunks are cut at about this size. */
export const TEXT_CHUNK = 256 * 1024;

/** One row packet of the text protocol, as mysql2 hands it to a row parser. */
export interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
}

/**
 * Encodes rows of `width` fields, leaving out the last `drop` of them. The last dropped field, when
 * `check` is given, is passed to it first: a row it refuses (by returning an Error) is not written, and
 * the error is kept in `failure`.
 */
export class TextRowEncoder {
  failure: Error | undefined;
  private out = Buffer.allocUnsafe(TEXT_CHUNK);
  private at = 0;
  /** Where the row being written began in `out` (grow moves it). */
  private rowStart = 0;
  private readonly done: Buffer[] = [];

  constructor(
    private readonly drop: number,
    private readonly check?: (flag: Buffer | null) => Error | undefined,
  ) {}

  /** Chunks ready to hand on. */
  get ready(): number {
    return this.done.length;
  }

  take(): Buffer | undefined {
    return this.done.shift();
  }

  /** Cuts the last chunk, however small. */
  flush(): void {
    if (this.at > 0) this.done.push(this.out.subarray(0, this.at));
    this.out = Buffer.allocUnsafe(TEXT_CHUNK);
    this.at = 0;
  }

  /** Writes one row packet (fields as length-coded strings, 0xFB for NULL). */
  row(packet: RowPacket, width: number): void {
    if (this.failure) return;
    const b = packet.buffer;
    let p = packet.offset;
    const kept = width - this.drop;
    this.rowStart = this.at;
    for (let i = 0; i < width; i++) {
      let length = b[p++]!;
      let isNull = false;
      if (length === 0xfb) isNull = true;
      else if (length === 0xfc) {
        length = b[p]! | (b[p + 1]! << 8);
        p += 2;
      } else if (length === 0xfd) {
        length = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
        p += 3;
      } else if (length === 0xfe) {
        // Eight bytes; a field is never near 2^53 bytes (a packet is at most 1 GiB).
        length = b.readUInt32LE(p) + b.readUInt32LE(p + 4) * 0x1_0000_0000;
        p += 8;
      }
      if (i >= kept) {
        if (i === width - 1 && this.check) {
          const refused = this.check(isNull ? null : b.subarray(p, p + length));
          if (refused) {
            this.failure = refused;
            this.at = this.rowStart;
            return;
          }
        }
        if (!isNull) p += length;
        continue;
      }
      // Room for the worst case: every byte escaped, then the separator.
      if (this.out.length - this.at < 2 * length + 3) this.grow(2 * length + 3);
      if (isNull) {
        this.out[this.at++] = BACKSLASH;
        this.out[this.at++] = 0x4e; // N
      } else {
        this.at = escapeInto(b, p, p + length, this.out, this.at);
        p += length;
      }
      this.out[this.at++] = i === kept - 1 ? NEWLINE : TAB;
    }
    if (this.at >= TEXT_CHUNK - 64) this.flush();
  }

  /** Moves the row being written into a new buffer with room for `more` bytes past it. */
  private grow(more: number): void {
    const begun = this.out.subarray(this.rowStart, this.at);
    const next = Buffer.allocUnsafe(Math.max(TEXT_CHUNK, begun.length + more + 1));
    begun.copy(next, 0);
    if (this.rowStart > 0) this.done.push(this.out.subarray(0, this.rowStart));
    this.out = next;
    this.at = begun.length;
    this.rowStart = 0;
  }
}

/** Copies bytes start..end of `v` to `out` at `j` with `\\`, `\t`, `\n`, `\r` escaped; returns where it ended. */
function escapeInto(v: Buffer, start: number, end: number, out: Buffer, j: number): number {
  let k = start;
  // Buffer.copy costs more than a byte loop for the short values most columns hold.
  if (end - start > LONG) {
    while (k < end) {
      const c = v[k]!;
      if (c === BACKSLASH || c === TAB || c === NEWLINE || c === RETURN) break;
      k++;
    }
    j += v.copy(out, j, start, k);
  }
  for (; k < end; k++) {
    const c = v[k]!;
    if (c === BACKSLASH || c === TAB || c === NEWLINE || c === RETURN) {
      out[j++] = BACKSLASH;
      out[j++] = c === BACKSLASH ? BACKSLASH : c === TAB ? 0x74 : c === NEWLINE ? 0x6e : 0x72;
    } else out[j++] = c;
  }
  return j;
}

/** Values longer than this are copied with Buffer.copy up to their first byte to escape. */
const LONG = 64;
