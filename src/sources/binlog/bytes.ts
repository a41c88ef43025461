import * as zlib from 'node:zlib';

/**
 * A cursor over one decoded event body. Reads little-endian integers the way the binlog stores them and
 * throws a `Truncated` error instead of reading past the end, so a malformed event never yields garbage.
 */
export class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  get left(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw new Truncated(this.pos, n, this.end);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** 6- or 8-byte integers that fit in 2^53 (table ids, positions, lengths). */
  uint(n: number): number {
    this.need(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.buf[this.pos + i]!;
    this.pos += n;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** MySQL's length-encoded ("packed") integer. */
  packed(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) return this.u24();
    if (first === 0xfe) return this.uint(8);
    throw new Truncated(this.pos - 1, 1, this.end, `an invalid packed integer (0x${first.toString(16)})`);
  }

  /** A string with a one-byte length prefix. */
  shortText(): string {
    return this.bytes(this.u8()).toString('utf8');
  }

  /** A string with a packed-integer length prefix. */
  packedText(): Buffer {
    return this.bytes(this.packed());
  }

  rest(): Buffer {
    return this.bytes(this.left);
  }
}

/** An event body ended before a field it announces. */
export class Truncated extends Error {
  constructor(at: number, want: number, end: number, what = `${want} more byte(s)`) {
    super(`truncated event: expected ${what} at offset ${at}, the body ends at ${end}`);
  }
}

/** CRC-32 (ISO-HDLC, as zlib and the binlog use). Node ≥ 20.15 has it built in; older Node gets the table. */
export const crc32: (data: Buffer) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data) => (zlib as unknown as { crc32(d: Buffer): number }).crc32(data)
    : tableCrc32;

let table: Uint32Array | undefined;

function tableCrc32(data: Buffer): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
