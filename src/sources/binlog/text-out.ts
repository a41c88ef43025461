const BACKSLASH = 0x5c;
/** Below this many bytes a loop copies faster than Buffer#copy. */
const SHORT = 128;

/**
 * A growing byte buffer that values are written into in the text row format (see RowStream): text and
 * binary bytes escaped (`\\`, `\t`, `\n`, `\r`), numbers and temporals as ASCII.
 */
export class TextOut {
  buf: Buffer;
  length = 0;

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** ASCII text (digits, dates, signs): never needs escaping. */
  ascii(text: string): void {
    this.ensure(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.length++] = text.charCodeAt(i);
  }

  /** Raw bytes, escaped for the row format. */
  escaped(src: Buffer, start: number, end: number): void {
    this.ensure((end - start) * 2);
    const out = this.buf;
    let at = this.length;
    // Byte by byte: values are short, and Buffer#copy costs more than the loop below a few dozen bytes.
    if (end - start < SHORT) {
      for (let i = start; i < end; i++) {
        const b = src[i]!;
        if (b > BACKSLASH || (b !== BACKSLASH && b !== 0x09 && b !== 0x0a && b !== 0x0d)) {
          out[at++] = b;
          continue;
        }
        out[at++] = BACKSLASH;
        out[at++] = b === BACKSLASH ? BACKSLASH : b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : 0x72;
      }
      this.length = at;
      return;
    }
    let from = start;
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      if (b > BACKSLASH || (b !== BACKSLASH && b !== 0x09 && b !== 0x0a && b !== 0x0d)) continue;
      if (i > from) at += src.copy(out, at, from, i);
      out[at++] = BACKSLASH;
      out[at++] = b === BACKSLASH ? BACKSLASH : b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : 0x72;
      from = i + 1;
    }
    if (end > from) at += src.copy(out, at, from, end);
    this.length = at;
  }

  /** Copies bytes already in the row format. */
  copy(src: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    if (end - start < SHORT) {
      const out = this.buf;
      let at = this.length;
      for (let i = start; i < end; i++) out[at++] = src[i]!;
      this.length = at;
      return;
    }
    this.length += src.copy(this.buf, this.length, start, end);
  }

  /** A whole number of at most 2^53 in decimal, `-` first when negative. */
  integer(value: number): void {
    if (value < 0) {
      this.byte(0x2d);
      this.digits(-value, 1);
    } else {
      this.digits(value, 1);
    }
  }

  /** A non-negative whole number (below 2^53) in decimal, left-padded with zeros to `width` digits. */
  digits(value: number, width: number): void {
    let count = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) count++;
    const size = Math.max(count, width);
    this.ensure(size);
    const out = this.buf;
    let at = this.length + size - 1;
    let rest = value;
    for (let i = 0; i < size; i++) {
      const next = Math.floor(rest / 10);
      out[at--] = 0x30 + (rest - next * 10);
      rest = next;
    }
    this.length += size;
  }

  /** The bytes written, copied out; the buffer is then emptied for reuse. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }
}

/** Left-pads a non-negative integer with zeros to `width` digits. */
export function pad(value: number, width: number): string {
  const text = String(value);
  return text.length >= width ? text : '0'.repeat(width - text.length) + text;
}
