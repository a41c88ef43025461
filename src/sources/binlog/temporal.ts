import { pad, type TextOut } from './text-out.js';

/**
 * Date and time values as the server prints them with `time_zone = '+00:00'`: `YYYY-MM-DD`,
 * `YYYY-MM-DD hh:mm:ss[.f…]`, `[-]hh:mm:ss[.f…]`, with exactly the column's fractional digits.
 * TIMESTAMPs are converted from epoch seconds with integer arithmetic, never a JS Date.
 */

/** Bytes the fraction of a DATETIME2 / TIMESTAMP2 / TIME2 takes, by fractional digits. */
export function fractionBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

/** Microseconds → the column's digits: `.5` for 500000 µs in a (1) column. */
function fraction(micros: number, fsp: number): string {
  if (fsp === 0) return '';
  return `.${pad(micros, 6).slice(0, fsp)}`;
}

/** The fraction stored after DATETIME2/TIMESTAMP2/TIME2 integer parts, in microseconds. */
function readFraction(src: Buffer, at: number, fsp: number, signed: boolean): number {
  switch (fractionBytes(fsp)) {
    case 1:
      return (signed ? src.readInt8(at) : src[at]!) * 10000;
    case 2:
      return (signed ? src.readInt16BE(at) : src.readUInt16BE(at)) * 100;
    case 3:
      return signed ? src.readIntBE(at, 3) : src.readUIntBE(at, 3);
    default:
      return 0;
  }
}

/** DATE: 3 little-endian bytes, day in 5 bits, month in 4, year above. */
export function writeDate(src: Buffer, at: number, out: TextOut): number {
  const v = src.readUIntLE(at, 3);
  writeDay(v >> 9, (v >> 5) & 15, v & 31, out);
  return at + 3;
}

/** YEAR: one byte, 0 is the zero year `0000`, else 1900 + n. */
export function writeYear(src: Buffer, at: number, out: TextOut): number {
  const v = src[at]!;
  out.ascii(v === 0 ? '0000' : String(1900 + v));
  return at + 1;
}

/** DATETIME2 (MySQL 5.6 format): 40 big-endian bits (year×13+month, day, hour, minute, second), then the fraction. */
export function writeDatetime2(src: Buffer, at: number, fsp: number, out: TextOut): number {
  const packed = src.readUIntBE(at, 5) - 0x8000000000;
  const ym = Math.floor(packed / 2 ** 22) & 0x1ffff;
  const day = Math.floor(packed / 2 ** 17) & 0x1f;
  const hms = packed % 2 ** 17;
  const micros = readFraction(src, at + 5, fsp, true);
  writeDay(Math.floor(ym / 13), ym % 13, day, out);
  out.byte(0x20);
  writeHms(hms >> 12, (hms >> 6) & 0x3f, hms & 0x3f, micros, fsp, out);
  return at + 5 + fractionBytes(fsp);
}

/** TIMESTAMP2: big-endian epoch seconds (0 is the zero date), then the fraction. */
export function writeTimestamp2(src: Buffer, at: number, fsp: number, out: TextOut): number {
  const seconds = src.readUInt32BE(at);
  const micros = readFraction(src, at + 4, fsp, false);
  writeEpoch(seconds, micros, fsp, out);
  return at + 4 + fractionBytes(fsp);
}

/** The last day converted: rows written together mostly share their day. */
let lastDays = Number.NaN;
let lastDay = { year: 0, month: 0, day: 0 };

/** Epoch seconds as a UTC datetime; 0 is `0000-00-00 00:00:00`, as the server shows the zero TIMESTAMP. */
export function writeEpoch(seconds: number, micros: number, fsp: number, out: TextOut): void {
  if (seconds === 0 && micros === 0) {
    out.ascii(`0000-00-00 00:00:00${fraction(0, fsp)}`);
    return;
  }
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  if (days !== lastDays) {
    lastDays = days;
    lastDay = civilFromDays(days);
  }
  writeDay(lastDay.year, lastDay.month, lastDay.day, out);
  out.byte(0x20);
  writeHms(Math.floor(rest / 3600), Math.floor(rest / 60) % 60, rest % 60, micros, fsp, out);
}

/** `YYYY-MM-DD`, digits straight into the output. */
function writeDay(year: number, month: number, day: number, out: TextOut): void {
  out.digits(year, 4);
  out.byte(0x2d);
  out.digits(month, 2);
  out.byte(0x2d);
  out.digits(day, 2);
}

/** `hh:mm:ss[.f…]` of a time of day, digits straight into the output. */
function writeHms(
  hour: number,
  minute: number,
  second: number,
  micros: number,
  fsp: number,
  out: TextOut,
): void {
  out.digits(hour, 2);
  out.byte(0x3a);
  out.digits(minute, 2);
  out.byte(0x3a);
  out.digits(second, 2);
  if (fsp === 0) return;
  if (micros < 0 || micros >= 1000000) {
    out.ascii(fraction(micros, fsp));
    return;
  }
  out.byte(0x2e);
  out.digits(Math.floor(micros / 10 ** (6 - fsp)), fsp);
}

/** Days since 1970-01-01 → proleptic Gregorian date (Howard Hinnant's algorithm). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

/** TIME2: 24 big-endian bits offset by 2^23 (sign, hours, minutes, seconds), then the fraction. */
export function writeTime2(src: Buffer, at: number, fsp: number, out: TextOut): number {
  const bytes = fractionBytes(fsp);
  let whole: number;
  let micros: number;
  if (bytes === 3) {
    // 48 bits at once: 2^24 × whole + µs, offset by 2^47.
    const packed = src.readUIntBE(at, 6) - 0x800000000000;
    whole = Math.floor(packed / 2 ** 24);
    micros = packed - whole * 2 ** 24;
  } else {
    whole = src.readUIntBE(at, 3) - 0x800000;
    micros = readFraction(src, at + 3, fsp, false);
    // A negative value borrows from the whole part when it has a fraction (my_time_packed_from_binary).
    if (whole < 0 && micros !== 0) {
      whole += 1;
      micros -= bytes === 1 ? 0x100 * 10000 : 0x10000 * 100;
    }
  }
  // packed = whole × 2^24 + micros, in [-(2^47), 2^47): take the sign, then the parts of its magnitude.
  let packed = whole * 2 ** 24 + micros;
  const negative = packed < 0;
  if (negative) packed = -packed;
  const hms = Math.floor(packed / 2 ** 24);
  const frac = packed - hms * 2 ** 24;
  writeClock(negative, (hms >> 12) % 1024, (hms >> 6) % 64, hms % 64, frac, fsp, out);
  return at + 3 + bytes;
}

function writeClock(
  negative: boolean,
  hours: number,
  minutes: number,
  seconds: number,
  micros: number,
  fsp: number,
  out: TextOut,
): void {
  out.ascii(
    `${negative ? '-' : ''}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}${fraction(micros, fsp)}`,
  );
}

/** Classic TIMESTAMP (no fraction): 4 little-endian epoch seconds. */
export function writeTimestamp(src: Buffer, at: number, out: TextOut): number {
  writeEpoch(src.readUInt32LE(at), 0, 0, out);
  return at + 4;
}

/** Classic DATETIME (no fraction): the decimal number YYYYMMDDhhmmss in 8 little-endian bytes. */
export function writeDatetime(src: Buffer, at: number, out: TextOut): number {
  const v = src.readBigUInt64LE(at);
  const date = Number(v / 1000000n);
  const time = Number(v % 1000000n);
  out.ascii(
    `${pad(Math.floor(date / 10000), 4)}-${pad(Math.floor(date / 100) % 100, 2)}-${pad(date % 100, 2)} ` +
      `${pad(Math.floor(time / 10000), 2)}:${pad(Math.floor(time / 100) % 100, 2)}:${pad(time % 100, 2)}`,
  );
  return at + 8;
}

/** Classic TIME (no fraction): the signed decimal number hhmmss in 3 little-endian bytes. */
export function writeTime(src: Buffer, at: number, out: TextOut): number {
  const v = src.readIntLE(at, 3);
  const a = Math.abs(v);
  writeClock(v < 0, Math.floor(a / 10000), Math.floor(a / 100) % 100, a % 100, 0, 0, out);
  return at + 3;
}

/** MariaDB's own fractional formats (mysql56_temporal_format=OFF): bytes by fractional digits. */
const HIRES_DATETIME_BYTES = [5, 6, 6, 7, 7, 7, 8];
const HIRES_TIME_BYTES = [3, 4, 4, 5, 5, 5, 6];
const HIRES_TIMESTAMP_FRACTION = [0, 1, 1, 2, 2, 3, 3];
const MICROS = 1000000n;

export function hiresLength(kind: 'datetime' | 'time' | 'timestamp', fsp: number): number {
  if (kind === 'datetime') return HIRES_DATETIME_BYTES[fsp]!;
  if (kind === 'time') return HIRES_TIME_BYTES[fsp]!;
  return 4 + HIRES_TIMESTAMP_FRACTION[fsp]!;
}

/** The stored number scaled back to microseconds (MariaDB keeps only `fsp` digits: µs / 10^(6-fsp)). */
function unshift(value: bigint, fsp: number): bigint {
  return value * 10n ** BigInt(6 - fsp);
}

/** MariaDB DATETIME(n): big-endian (((((y×13+m)×32+d)×24+h)×60+mi)×60+s)×10^6+µs, at n digits. */
export function writeHiresDatetime(src: Buffer, at: number, fsp: number, out: TextOut): number {
  const length = HIRES_DATETIME_BYTES[fsp]!;
  let v = unshift(BigInt(`0x${src.subarray(at, at + length).toString('hex')}`), fsp);
  const micros = Number(v % MICROS);
  v /= MICROS;
  const second = Number(v % 60n);
  v /= 60n;
  const minute = Number(v % 60n);
  v /= 60n;
  const hour = Number(v % 24n);
  v /= 24n;
  const day = Number(v % 32n);
  v /= 32n;
  const ym = Number(v);
  out.ascii(
    `${pad(Math.floor(ym / 13), 4)}-${pad(ym % 13, 2)}-${pad(day, 2)} ` +
      `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction(micros, fsp)}`,
  );
  return at + length;
}

/** MariaDB TIME(n): big-endian ((h×60+m)×60+s)×10^6+µs at n digits, offset so that negatives sort first. */
export function writeHiresTime(src: Buffer, at: number, fsp: number, out: TextOut): number {
  const length = HIRES_TIME_BYTES[fsp]!;
  const zero = ((838n * 3600n + 59n * 60n + 59n + 1n) * MICROS) / 10n ** BigInt(6 - fsp);
  let v = unshift(BigInt(`0x${src.subarray(at, at + length).toString('hex')}`) - zero, fsp);
  const negative = v < 0n;
  if (negative) v = -v;
  const micros = Number(v % MICROS);
  const seconds = Number(v / MICROS);
  writeClock(
    negative,
    Math.floor(seconds / 3600),
    Math.floor(seconds / 60) % 60,
    seconds % 60,
    micros,
    fsp,
    out,
  );
  return at + length;
}

/** MariaDB TIMESTAMP(n): big-endian epoch seconds, then the fraction at n digits, big-endian. */
export function writeHiresTimestamp(src: Buffer, at: number, fsp: number, out: TextOut): number {
  const fractionLength = HIRES_TIMESTAMP_FRACTION[fsp]!;
  const seconds = src.readUInt32BE(at);
  const stored = fractionLength === 0 ? 0 : src.readUIntBE(at + 4, fractionLength);
  writeEpoch(seconds, stored * 10 ** (6 - fsp), fsp, out);
  return at + 4 + fractionLength;
}
