import type { TextOut } from './text-out.js';

/**
 * How a column's bytes become the text rowback reads (`character_set_results = utf8mb4`): UTF-8 and
 * binary bytes are kept, latin1 goes through the server's own table (Windows-1252, whose five undefined
 * bytes stay the C1 controls U+0081…), ascii keeps its 7 bits, UCS-2/UTF-16/UTF-32 are re-encoded.
 * Other character sets are refused by name rather than guessed at.
 */
export type Charset = 'utf8' | 'binary' | 'latin1' | 'ascii' | 'ucs2' | 'utf16' | 'utf16le' | 'utf32';

const KNOWN: Record<string, Charset> = {
  utf8mb4: 'utf8',
  utf8mb3: 'utf8',
  utf8: 'utf8',
  binary: 'binary',
  latin1: 'latin1',
  ascii: 'ascii',
  ucs2: 'ucs2',
  utf16: 'utf16',
  utf16le: 'utf16le',
  utf32: 'utf32',
};

/** The charset named by the server (`CHARACTER_SET_NAME`), or undefined when rowback cannot convert it. */
export function charsetNamed(name: string): Charset | undefined {
  return KNOWN[name.toLowerCase()];
}

export const SUPPORTED_CHARSETS = Object.keys(KNOWN).join(', ');

/** Windows-1252's 0x80–0x9F, with the server's choice for the five undefined bytes (their C1 code point). */
const LATIN1_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

/** Writes `src[start, end)` of a column in `charset` as escaped UTF-8. */
export function writeText(charset: Charset, src: Buffer, start: number, end: number, out: TextOut): void {
  if (charset === 'utf8' || charset === 'binary') {
    out.escaped(src, start, end);
    return;
  }
  // 7-bit text is the same bytes in latin1, ascii and UTF-8: no conversion, no view.
  if ((charset === 'latin1' || charset === 'ascii') && sevenBit(src, start, end)) {
    out.escaped(src, start, end);
    return;
  }
  const utf8 = utf8Of(charset, src.subarray(start, end));
  out.escaped(utf8, 0, utf8.length);
}

function sevenBit(src: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (src[i]! >= 0x80) return false;
  return true;
}

/** The bytes of a value in `charset` as UTF-8 (binary stays as it is). */
export function utf8Of(charset: Charset, bytes: Buffer): Buffer {
  switch (charset) {
    case 'utf8':
    case 'binary':
      return bytes;
    case 'latin1':
      return latin1ToUtf8(bytes);
    case 'ascii': {
      // The server shows a byte ascii cannot hold as `?`.
      const copy = Buffer.from(bytes);
      for (let i = 0; i < copy.length; i++) if (copy[i]! >= 0x80) copy[i] = 0x3f;
      return copy;
    }
    default:
      return wideToUtf8(charset, bytes);
  }
}

function latin1ToUtf8(src: Buffer): Buffer {
  let plain = true;
  for (let i = 0; i < src.length; i++) if (src[i]! >= 0x80) plain = false;
  if (plain) return src;
  const bytes: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    const code = b < 0x80 || b >= 0xa0 ? b : LATIN1_HIGH[b - 0x80]!;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Buffer.from(bytes);
}

function wideToUtf8(charset: Charset, src: Buffer): Buffer {
  const codes: number[] = [];
  if (charset === 'utf32') {
    for (let i = 0; i + 3 < src.length; i += 4) codes.push(src.readUInt32BE(i));
  } else {
    const le = charset === 'utf16le';
    for (let i = 0; i + 1 < src.length; i += 2) {
      const unit = le ? src.readUInt16LE(i) : src.readUInt16BE(i);
      if (charset !== 'ucs2' && unit >= 0xd800 && unit < 0xdc00 && i + 3 < src.length) {
        const low = le ? src.readUInt16LE(i + 2) : src.readUInt16BE(i + 2);
        codes.push(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
        i += 2;
      } else {
        codes.push(unit);
      }
    }
  }
  // A code point no character set maps shows as '?', as the server shows it.
  for (let i = 0; i < codes.length; i++) if (codes[i]! > 0x10ffff) codes[i] = 0x3f;
  let text = '';
  for (let i = 0; i < codes.length; i += 4096) text += String.fromCodePoint(...codes.slice(i, i + 4096));
  return Buffer.from(text, 'utf8');
}
