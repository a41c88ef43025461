import type { BinaryOut } from './binary-out.js';

/**
 * Reads one COPY text field from `src[start]` up to its delimiter (a tab or the newline) and writes its
 * binary COPY field: the length, then the value as the type's receive function reads it. Returns the
 * delimiter's index, or -1 when the text is not in the one plain form the server itself prints for the
 * type: that row then goes as text, so the server's own input function decides (and words any error)
 * exactly as it would have. An encoder may have written part of a field before it returns -1: the caller
 * drops the whole row's bytes (TextToBinary resets `out.pos` to the row's start). Every field ends at a
 * newline before the buffer does (the caller passes whole lines only).
 *
 * Integers are computed in JS numbers only below 2^53, where every integer is exact; larger ones go
 * through BigInt.
 */
export type Encoder = (src: Buffer, start: number, out: BinaryOut) => number;

const TAB = 0x09;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const DOT = 0x2e;
const BACKSLASH = 0x5c;
const TWO_32 = 4294967296;
/** 1 for the bytes that end a field: the tab and the newline. */
const END = new Uint8Array(256);
END[TAB] = 1;
END[NEWLINE] = 1;

function writeInt32(b: Buffer, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** Exact integers below 2^53 as 8 bytes, big-endian two's complement. */
function writeInt64(b: Buffer, p: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  writeInt32(b, p, hi);
  writeInt32(b, p + 4, v - hi * TWO_32);
}

function integer(bytes: 2 | 4 | 8): Encoder {
  const max = bytes === 2 ? 32767 : 2147483647;
  return (src, start, out) => {
    let i = start;
    const negative = src[i] === MINUS;
    if (negative) i++;
    const first = i;
    let v = 0;
    for (;;) {
      const d = src[i]! - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    const n = i - first;
    if (n === 0 || n > 19 || !END[src[i]!]) return -1;
    out.ensure(4 + bytes);
    const b = out.buf;
    const p = out.pos;
    writeInt32(b, p, bytes);
    if (bytes === 8) {
      if (n <= 15) writeInt64(b, p + 4, negative ? -v : v);
      else {
        const big = BigInt(src.toString('latin1', start, i));
        if (big < -(1n << 63n) || big >= 1n << 63n) return -1;
        b.writeBigInt64BE(big, p + 4);
      }
    } else {
      if (n > 10 || v > max + (negative ? 1 : 0)) return -1;
      if (negative) v = -v;
      if (bytes === 4) writeInt32(b, p + 4, v);
      else {
        b[p + 4] = v >>> 8;
        b[p + 5] = v;
      }
    }
    out.pos = p + 4 + bytes;
    return i;
  };
}

/** `[-]digits[.digits]` as numeric's base-10000 digits; NaN, infinities and exponents go as text. */
const numeric: Encoder = (src, start, out) => {
  let i = start;
  const negative = src[i] === MINUS;
  if (negative) i++;
  while (src[i] === 0x30) i++;
  const intStart = i;
  while (src[i]! >= 0x30 && src[i]! <= 0x39) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (src[i] === DOT) {
    fracStart = ++i;
    while (src[i]! >= 0x30 && src[i]! <= 0x39) i++;
    fracEnd = i;
  }
  if (!END[src[i]!] || (intEnd === start + (negative ? 1 : 0) && fracEnd === fracStart)) return -1;
  const dscale = fracEnd - fracStart;
  const intDigits = intEnd - intStart;
  if (intDigits > 1000 || dscale > 1000) return -1;
  out.ensure(12 + 2 * (Math.ceil(intDigits / 4) + Math.ceil(dscale / 4)));
  const b = out.buf;
  const head = out.pos;
  let p = head + 12;
  let weight = Math.ceil(intDigits / 4) - 1;
  /** Where the digits end once trailing zero groups are dropped. */
  let end = p;
  let g = 0;
  let inGroup = intDigits % 4 || 4;
  for (let j = intStart; j < intEnd; j++) {
    g = g * 10 + src[j]! - 0x30;
    if (--inGroup === 0) {
      b[p] = g >>> 8;
      b[p + 1] = g;
      p += 2;
      if (g !== 0) end = p;
      g = 0;
      inGroup = 4;
    }
  }
  for (let j = fracStart; j < fracEnd; j += 4) {
    g = 0;
    for (let k = j; k < j + 4; k++) g = g * 10 + (k < fracEnd ? src[k]! - 0x30 : 0);
    if (g === 0 && p === head + 12) {
      weight--; // a leading zero group: not stored
      continue;
    }
    b[p] = g >>> 8;
    b[p + 1] = g;
    p += 2;
    if (g !== 0) end = p;
  }
  const ndigits = (end - head - 12) / 2;
  if (ndigits === 0) weight = 0;
  writeInt32(b, head, 8 + 2 * ndigits);
  b[head + 4] = ndigits >>> 8;
  b[head + 5] = ndigits;
  b[head + 6] = weight >>> 8;
  b[head + 7] = weight;
  b[head + 8] = negative && ndigits > 0 ? 0x40 : 0;
  b[head + 9] = 0;
  b[head + 10] = dscale >>> 8;
  b[head + 11] = dscale;
  out.pos = end;
  return i;
};

/** Two digits at `i` as a number, or -1. */
function two(src: Buffer, i: number): number {
  const a = src[i]! - 0x30;
  const b = src[i + 1]! - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** PostgreSQL's epoch, 2000-01-01, in days since 1970-01-01. */
const PG_EPOCH_DAYS = 10957;

/** Days from 1970-01-01 to a proleptic Gregorian date (year ≥ 1). */
function civilDays(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** What readDate read: days since 2000-01-01, the year, and where the date ended (-1: not a date). */
const date_ = { days: 0, year: 0, at: -1 };

/** `YYYY-MM-DD` at `i`, a year of 4 to 6 digits (AD, as ISO output prints it), into `date_`. */
function readDate(src: Buffer, i: number): void {
  date_.at = -1;
  let y = 0;
  const first = i;
  for (;;) {
    const d = src[i]! - 0x30;
    if (d < 0 || d > 9) break;
    y = y * 10 + d;
    i++;
  }
  if (i - first < 4 || i - first > 6 || y < 1 || src[i] !== MINUS || src[i + 3] !== MINUS) return;
  const m = two(src, i + 1);
  const d = two(src, i + 4);
  if (m < 1 || m > 12 || d < 1) return;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > MONTH_DAYS[m - 1]! + (leap ? 1 : 0)) return;
  date_.days = civilDays(y, m, d) - PG_EPOCH_DAYS;
  date_.year = y;
  date_.at = i + 6;
}

const date: Encoder = (src, start, out) => {
  readDate(src, start);
  const at = date_.at;
  if (at < 0 || !END[src[at]!]) return -1;
  out.ensure(8);
  writeInt32(out.buf, out.pos, 4);
  writeInt32(out.buf, out.pos + 4, date_.days);
  out.pos += 8;
  return at;
};

/** Years 1 to 294276 (the server's range): seconds stay below 2^53, microseconds below 2^63. */
function timestamp(withZone: boolean): Encoder {
  return (src, start, out) => {
    readDate(src, start);
    let i = date_.at;
    if (i < 0 || date_.year > 294276) return -1;
    if (src[i] !== 0x20 || src[i + 3] !== 0x3a || src[i + 6] !== 0x3a) return -1;
    const h = two(src, i + 1);
    const mi = two(src, i + 4);
    const s = two(src, i + 7);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return -1;
    i += 9;
    let micros = 0;
    if (src[i] === DOT) {
      const first = ++i;
      for (;;) {
        const d = src[i]! - 0x30;
        if (d < 0 || d > 9) break;
        micros = micros * 10 + d;
        i++;
      }
      const n = i - first;
      if (n === 0 || n > 6) return -1;
      for (let k = n; k < 6; k++) micros *= 10;
    }
    let offset = 0;
    if (withZone) {
      const sign = src[i] === MINUS ? -1 : src[i] === 0x2b ? 1 : 0;
      const oh = two(src, i + 1);
      if (sign === 0 || oh < 0) return -1;
      i += 3;
      let om = 0;
      let os = 0;
      if (src[i] === 0x3a) {
        om = two(src, i + 1);
        i += 3;
        if (src[i] === 0x3a) {
          os = two(src, i + 1);
          i += 3;
        }
      }
      if (om < 0 || om > 59 || os < 0 || os > 59) return -1;
      offset = sign * (oh * 3600 + om * 60 + os);
    }
    if (!END[src[i]!]) return -1;
    const seconds = date_.days * 86400 + h * 3600 + mi * 60 + s - offset;
    out.ensure(12);
    const b = out.buf;
    writeInt32(b, out.pos, 8);
    // Exact as a number while |seconds| < 2^53 / 10^6 (about 285 years either side of 2000).
    if (Math.abs(seconds) < 9_000_000_000) writeInt64(b, out.pos + 4, seconds * 1_000_000 + micros);
    else b.writeBigInt64BE(BigInt(seconds) * 1_000_000n + BigInt(micros), out.pos + 4);
    out.pos += 12;
    return i;
  };
}

const timestamptz = timestamp(true);
const timestampNoZone = timestamp(false);

const boolean: Encoder = (src, start, out) => {
  const c = src[start];
  if ((c !== 0x74 && c !== 0x66) || !END[src[start + 1]!]) return -1;
  out.ensure(5);
  writeInt32(out.buf, out.pos, 1);
  out.buf[out.pos + 4] = c === 0x74 ? 1 : 0;
  out.pos += 5;
  return start + 1;
};

/** `\b \f \n \r \t \v`, by the letter's byte. */
const ESCAPED = new Uint8Array(128);
for (let c = 0; c < 128; c++) ESCAPED[c] = c;
ESCAPED[0x62] = 8;
ESCAPED[0x66] = 12;
ESCAPED[0x6e] = 10;
ESCAPED[0x72] = 13;
ESCAPED[0x74] = 9;
ESCAPED[0x76] = 11;

function hex(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/**
 * The text of a field with COPY's escapes undone, as the server's COPY reader does: `\b \f \n \r \t \v`,
 * octal `\ooo`, hex `\xhh`, and any other escaped byte as itself. Left to the server: a raw carriage
 * return (it refuses one), `\.` (its end-of-data mark), a backslash before the delimiter (it would read the
 * two as one escaped byte),
 * and an escape making a NUL or a non-ASCII byte (how that is checked against the encoding differs).
 * `prefix`: jsonb's version byte first.
 */
function unescaped(src: Buffer, start: number, out: BinaryOut, prefix: number): number {
  let end = start;
  let plain = true;
  for (;;) {
    const c = src[end]!;
    if (END[c]) break;
    if (c === BACKSLASH || c === 13) plain = false;
    end++;
  }
  out.ensure(4 + prefix + (end - start));
  const b = out.buf;
  const lengthAt = out.pos;
  let p = lengthAt + 4;
  if (prefix) b[p++] = 1;
  if (plain) {
    if (end - start > 32) p += src.copy(b, p, start, end);
    else for (let i = start; i < end; i++) b[p++] = src[i]!;
    writeInt32(b, lengthAt, p - lengthAt - 4);
    out.pos = p;
    return end;
  }
  for (let i = start; i < end; i++) {
    let c = src[i]!;
    if (c === BACKSLASH) {
      if (++i === end) return -1;
      c = src[i]!;
      if (c >= 0x30 && c <= 0x37) {
        let v = c - 0x30;
        for (let k = 0; k < 2 && i + 1 < end && src[i + 1]! >= 0x30 && src[i + 1]! <= 0x37; k++)
          v = v * 8 + (src[++i]! - 0x30);
        c = v & 0xff;
        if (c === 0 || c > 0x7f) return -1;
      } else if (c === 0x78 && i + 1 < end && hex(src[i + 1]) >= 0) {
        let v = hex(src[++i]);
        const next = i + 1 < end ? hex(src[i + 1]) : -1;
        if (next >= 0) {
          v = v * 16 + next;
          i++;
        }
        c = v;
        if (c === 0 || c > 0x7f) return -1;
      } else if (c === DOT)
        return -1; // the server reads `\.` as the end of the data (or refuses it)
      else if (c < 128) c = ESCAPED[c]!;
    } else if (c === 13) return -1;
    b[p++] = c;
  }
  writeInt32(b, lengthAt, p - lengthAt - 4);
  out.pos = p;
  return end;
}

const text: Encoder = (src, start, out) => unescaped(src, start, out, 0);
/** jsonb's binary form is a version byte, 1, before the text. */
const jsonb: Encoder = (src, start, out) => unescaped(src, start, out, 1);

/** bytea as the server prints it (hex): `\\x` then pairs of hex digits. */
const bytea: Encoder = (src, start, out) => {
  if (src[start] !== BACKSLASH || src[start + 1] !== BACKSLASH || src[start + 2] !== 0x78) return -1;
  let end = start + 3;
  while (!END[src[end]!]) end++;
  const n = end - start - 3;
  if (n % 2) return -1;
  out.ensure(4 + n / 2);
  const b = out.buf;
  let p = out.pos + 4;
  for (let i = start + 3; i < end; i += 2) {
    const hi = hex(src[i]);
    const lo = hex(src[i + 1]);
    if (hi < 0 || lo < 0) return -1;
    b[p++] = hi * 16 + lo;
  }
  writeInt32(b, out.pos, n / 2);
  out.pos = p;
  return end;
};

/** A uuid as the server prints it: 8-4-4-4-12 hex digits. */
const uuid: Encoder = (src, start, out) => {
  out.ensure(20);
  const b = out.buf;
  let p = out.pos + 4;
  let i = start;
  for (let k = 0; k < 36; ) {
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (src[i] !== MINUS) return -1;
      i++;
      k++;
      continue;
    }
    const hi = hex(src[i]);
    const lo = hex(src[i + 1]);
    if (hi < 0 || lo < 0) return -1;
    b[p++] = hi * 16 + lo;
    i += 2;
    k += 2;
  }
  if (!END[src[i]!]) return -1;
  writeInt32(b, out.pos, 16);
  out.pos = p;
  return i;
};

/**
 * The encoder for a column's declared type (as format_type words it), for the types whose binary form is
 * simple and the same on every supported server; undefined for any other (the table then goes as text).
 */
export function encoderFor(type: string): Encoder | undefined {
  const bare = type.replace(/ COLLATE .*$/, '');
  if (Object.hasOwn(PLAIN, bare)) return PLAIN[bare];
  if (/^numeric\(\d+(,-?\d+)?\)$/.test(bare)) return numeric;
  if (/^(character varying|character)(\(\d+\))?$/.test(bare)) return text;
  const ts = /^timestamp(\(\d\))? with(out)? time zone$/.exec(bare);
  if (ts) return ts[2] === undefined ? timestamptz : timestampNoZone;
  return undefined;
}

/** Types whose format_type name is one word. */
const PLAIN: Record<string, Encoder> = {
  smallint: integer(2),
  integer: integer(4),
  bigint: integer(8),
  numeric,
  date,
  boolean,
  uuid,
  bytea,
  text,
  bpchar: text,
  json: text,
  jsonb,
};
