import type { TextOut } from './text-out.js';

/** Bytes used by 0..9 leftover decimal digits in the binary DECIMAL format. */
const DIGIT_BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const GROUP = 9;

/** Bytes a DECIMAL(precision, scale) value takes in a row. */
export function decimalLength(precision: number, scale: number): number {
  const integer = precision - scale;
  return (
    Math.floor(integer / GROUP) * 4 +
    DIGIT_BYTES[integer % GROUP]! +
    Math.floor(scale / GROUP) * 4 +
    DIGIT_BYTES[scale % GROUP]!
  );
}

/**
 * Writes a binary DECIMAL (groups of 9 digits in 4 big-endian bytes, leftover digits in fewer bytes, the
 * sign in the top bit, negative values with every bit inverted) as the server prints it: no leading zeros
 * but one, exactly `scale` fraction digits. Digits go straight into `out`, with no string between.
 */
export function writeDecimal(
  src: Buffer,
  at: number,
  precision: number,
  scale: number,
  out: TextOut,
): number {
  const length = decimalLength(precision, scale);
  const negative = (src[at]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  const integer = precision - scale;
  out.ensure(precision + 3);
  const start = out.length;
  if (negative) out.byte(0x2d);
  let pos = at;
  let started = false;
  let nonZero = false;
  const lead = integer % GROUP;
  if (lead > 0) {
    const size = DIGIT_BYTES[lead]!;
    const value = readGroup(src, pos, size, mask, at);
    pos += size;
    if (value > 0) {
      out.digits(value, 1);
      started = nonZero = true;
    }
  }
  for (let i = Math.floor(integer / GROUP); i > 0; i--) {
    const value = readGroup(src, pos, 4, mask, at);
    pos += 4;
    if (started) {
      out.digits(value, GROUP);
    } else if (value > 0) {
      out.digits(value, 1);
      started = nonZero = true;
    }
  }
  if (!started) out.byte(0x30);
  if (scale > 0) {
    out.byte(0x2e);
    for (let i = Math.floor(scale / GROUP); i > 0; i--) {
      const value = readGroup(src, pos, 4, mask, at);
      pos += 4;
      if (value > 0) nonZero = true;
      out.digits(value, GROUP);
    }
    const tail = scale % GROUP;
    if (tail > 0) {
      const value = readGroup(src, pos, DIGIT_BYTES[tail]!, mask, at);
      if (value > 0) nonZero = true;
      out.digits(value, tail);
    }
  }
  if (negative && !nonZero) {
    // A negative zero prints as 0: drop the sign.
    out.buf.copy(out.buf, start, start + 1, out.length);
    out.length--;
  }
  return at + length;
}

/** One big-endian group of `size` bytes, its bits inverted by `mask`, the sign bit of the value's first byte flipped. */
function readGroup(src: Buffer, pos: number, size: number, mask: number, first: number): number {
  let value = 0;
  for (let i = pos; i < pos + size; i++) {
    const b = src[i]! ^ mask ^ (i === first ? 0x80 : 0);
    value = value * 256 + b;
  }
  return value;
}
