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
 * but one, exactly `scale` fraction digits.
 */
export function writeDecimal(
  src: Buffer,
  at: number,
  precision: number,
  scale: number,
  out: TextOut,
): number {
  const length = decimalLength(precision, scale);
  const bytes = Buffer.from(src.subarray(at, at + length));
  const negative = (bytes[0]! & 0x80) === 0;
  bytes[0] = bytes[0]! ^ 0x80;
  if (negative) for (let i = 0; i < length; i++) bytes[i] = bytes[i]! ^ 0xff;
  const integer = precision - scale;
  let pos = 0;
  const group = (digits: number): string => {
    const size = digits === GROUP ? 4 : DIGIT_BYTES[digits]!;
    const value = size === 0 ? 0 : bytes.readUIntBE(pos, size);
    pos += size;
    return String(value).padStart(digits, '0');
  };
  let whole = '';
  if (integer % GROUP > 0) whole += group(integer % GROUP);
  for (let i = 0; i < Math.floor(integer / GROUP); i++) whole += group(GROUP);
  let fraction = '';
  for (let i = 0; i < Math.floor(scale / GROUP); i++) fraction += group(GROUP);
  if (scale % GROUP > 0) fraction += group(scale % GROUP);
  whole = whole.replace(/^0+/, '') || '0';
  const zero = whole === '0' && !/[1-9]/.test(fraction);
  out.ascii(`${negative && !zero ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`);
  return at + length;
}
