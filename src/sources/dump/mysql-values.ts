import { DumpError } from './errors.js';
import { ROW_ESCAPE } from './row-builder.js';
import {
  BARE_END,
  BLANK,
  badPunctuation,
  badToken,
  found,
  matchWord,
  NUMBER_START,
  NUMERIC,
  ValuesParser,
  WORD_BYTE,
  wholeWord,
} from './values-parser.js';

const WORDS = ['null'] as const;

/** In a string: 0 a byte copied as it is, 1 a byte the row format escapes, 2 backslash, 3 a quote. */
const IN_STRING = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (ROW_ESCAPE[b]) IN_STRING[b] = 1;
IN_STRING[0x5c] = 2;
IN_STRING[0x27] = 3;
IN_STRING[0x22] = 3;

/** Hex digit values, -1 for other bytes. */
const NIBBLE = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) {
  NIBBLE['0123456789abcdef'.charCodeAt(d)] = d;
  NIBBLE['0123456789ABCDEF'.charCodeAt(d)] = d;
}

/**
 * The `VALUES (…),(…);` of a mysqldump / mariadb-dump INSERT, from its first `(`, as rows for
 * `LOAD DATA`. Each value becomes the bytes the server would have stored from the literal: strings are
 * unescaped (the seven escapes mysqldump writes, and MySQL's reading of any other `\x` as `x`), `0x…` and
 * `X'…'` become their bytes (`--hex-blob`), `_binary '…'` its bytes (MySQL 8), numbers and NULL stay as
 * they are. Works on bytes: a dump of binary columns is not valid UTF-8.
 */
export class MysqlValues extends ValuesParser {
  private quote = 0;
  /** Where the current bare token started (dump offset), its first byte and its length so far. */
  private tokenOffset = 0;
  private first = 0;
  private length = 0;
  /** Bitmask of the WORDS the current bare word may still be. */
  private words = 0;
  /** The high nibble of a hex byte whose low one is still to come, or -1. */
  private half = -1;
  private rowOffset = 0;

  protected run(buf: Buffer, i: number, end: number, base: number): number {
    // Constants are locals: V8 reads a module-level binding from memory, with a check, at every use.
    const TUPLE = 0; // expecting the ( of a row
    const AFTER_VALUE = 1; // , or ) after a value
    const AFTER_TUPLE = 2; // , or ; after a row
    const ENDED = -1; // after the statement's ;
    const VALUE = 3; // at the start of a value (0 to 3 are ValuesParser's)
    const STRING = 4; // inside a quoted string
    const ESCAPE = 5; // after a backslash in a string
    const QUOTE_SEEN = 6; // after the closing quote, or the first of a doubled one
    const NUMBER = 7; // the bytes of a bare number
    const WORD = 8; // a bare word: NULL, a _binary introducer, the X of X'…'
    const HEX = 9; // the digits of 0x…
    const HEX_QUOTED = 10; // the digits of X'…'
    const BACKSLASH = 0x5c;
    const TAB = 0x09;
    const QUOTE = 0x27;
    const blank = BLANK;
    const bareEnd = BARE_END;
    const numeric = NUMERIC;
    const numberStart = NUMBER_START;
    const wordByte = WORD_BYTE;
    const inString = IN_STRING;
    const rowEscape = ROW_ESCAPE;
    const nibble = NIBBLE;
    const b = this.builder;
    const starts = b.starts;
    const ends = b.ends;
    const recorded = starts.length;
    let out = b.out;
    let used = b.used;
    let field = b.field;
    let state = this.state;
    bytes: while (i < end) {
      const c = buf[i]!;
      switch (state) {
        case STRING: {
          // The hot loop: bytes copied as they are until a quote, a backslash or a byte to escape.
          const quote = this.quote;
          for (; i < end; i++) {
            const d = buf[i]!;
            const kind = inString[d]!;
            if (kind === 0) out[used++] = d;
            else if (kind === 1) {
              out[used++] = BACKSLASH;
              out[used++] = rowEscape[d]!;
            } else if (kind === 2) {
              state = ESCAPE;
              i++;
              break;
            } else if (d === quote) {
              state = QUOTE_SEEN;
              i++;
              break;
            } else out[used++] = d; // the other quote
          }
          continue;
        }
        case ESCAPE:
          if (c === 0x25 || c === 0x5f) {
            out[used++] = BACKSLASH; // \% and \_ keep their backslash
            out[used++] = BACKSLASH;
            out[used++] = c;
          } else {
            const e = escapedByte(c);
            const row = rowEscape[e]!;
            if (row === 0) out[used++] = e;
            else {
              out[used++] = BACKSLASH;
              out[used++] = row;
            }
          }
          state = STRING;
          i++;
          continue;
        case QUOTE_SEEN:
          if (c === this.quote) {
            out[used++] = c;
            state = STRING;
            i++;
            continue;
          }
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          continue;
        case NUMBER: {
          const from = i;
          while (i < end && numeric[buf[i]!]) out[used++] = buf[i++]!;
          this.length += i - from;
          if (i === end) continue;
          const d = buf[i]!;
          if (bareEnd[d]) {
            if (field <= recorded) ends[field - 1] = used;
            state = AFTER_VALUE;
          } else if ((d | 0x20) === 0x78 && this.first === 0x30 && this.length === 1) {
            used--; // 0x…: the 0 was not a digit of the value
            this.half = -1;
            state = HEX;
            i++;
          } else throw badToken(buf, i, base, this.tokenOffset, 'a number, NULL, 0x… or a quoted value');
          continue;
        }
        case VALUE:
          if (blank[c]) {
            i++;
            continue;
          }
          if (c === QUOTE || c === 0x22 || numberStart[c]) {
            if (field > 0) out[used++] = TAB;
            if (field < recorded) starts[field] = used;
            field++;
          }
          if (c === QUOTE || c === 0x22) {
            this.quote = c;
            state = STRING;
            i++;
            continue;
          }
          this.tokenOffset = base + i;
          this.first = c;
          this.length = 1;
          if (numberStart[c]) {
            out[used++] = c;
            state = NUMBER;
          } else if (wordByte[c]) {
            this.words = matchWord(1, WORDS, 0, c);
            state = WORD;
          } else throw found(buf, i, base, 'a value');
          i++;
          continue;
        case WORD: {
          for (; i < end && wordByte[buf[i]!]; i++)
            this.words = matchWord(this.words, WORDS, this.length++, buf[i]!);
          if (i === end) continue;
          const d = buf[i]!;
          const first = this.first | 0x20;
          if (this.first === 0x5f) {
            state = VALUE; // _binary, _utf8mb4 …: the literal that follows is the value
            continue;
          }
          const hexQuoted = this.length === 1 && d === QUOTE && first === 0x78; // X'…'
          if (this.length === 1 && d === QUOTE && first === 0x62) {
            throw badToken(buf, i, base, this.tokenOffset, "a value mysqldump writes (not b'…')");
          }
          if (!hexQuoted && !(bareEnd[d] && wholeWord(this.words, WORDS, this.length) === 0)) {
            throw badToken(buf, i, base, this.tokenOffset, 'a number, NULL, 0x… or a quoted value');
          }
          if (field > 0) out[used++] = TAB;
          if (field < recorded) starts[field] = used;
          field++;
          if (hexQuoted) {
            this.half = -1;
            state = HEX_QUOTED;
            i++;
          } else {
            out[used++] = BACKSLASH; // NULL
            out[used++] = 0x4e;
            if (field <= recorded) ends[field - 1] = used;
            state = AFTER_VALUE;
          }
          continue;
        }
        case HEX:
        case HEX_QUOTED: {
          let half = this.half;
          for (; i < end; i++) {
            const v = nibble[buf[i]!]!;
            if (v < 0) break;
            if (half < 0) half = v;
            else {
              const byte = (half << 4) | v;
              const row = rowEscape[byte]!;
              if (row === 0) out[used++] = byte;
              else {
                out[used++] = BACKSLASH;
                out[used++] = row;
              }
              half = -1;
            }
          }
          this.half = half;
          if (i === end) continue;
          const quoted = state === HEX_QUOTED;
          const d = buf[i]!;
          if (quoted ? d !== QUOTE : !bareEnd[d]) throw found(buf, i, base, 'a hex digit');
          if (half >= 0) {
            if (quoted) throw new DumpError(base + i, 'an even number of hex digits', "X'…' with an odd one");
            throw badToken(buf, i, base, this.tokenOffset, 'an even number of hex digits');
          }
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          if (quoted) i++;
          continue;
        }
        default:
          // Between values and rows.
          if (blank[c]) {
            i++;
            continue;
          }
          if (state === TUPLE && c === 0x28) {
            this.rowOffset = base + i;
            state = VALUE;
          } else if (state === AFTER_VALUE && c === 0x2c) state = VALUE;
          else if (state === AFTER_VALUE && c === 0x29) {
            b.used = used;
            b.field = field;
            b.endRow(this.rowOffset);
            out = b.out;
            used = b.used;
            field = 0;
            state = AFTER_TUPLE;
          } else if (state === AFTER_TUPLE && c === 0x3b) {
            state = ENDED; // tested before "," so that V8 sees this comparison run before it optimizes
          } else if (state === AFTER_TUPLE && c === 0x2c) state = TUPLE;
          else throw badPunctuation(buf, i, base, state);
          i++;
          if (state === ENDED) break bytes; // the one way out of the loop, for the same reason
      }
    }
    b.used = used;
    b.field = field;
    this.state = state;
    return i;
  }
}

/** The byte `\c` stands for in a MySQL string. */
function escapedByte(c: number): number {
  switch (c) {
    case 0x30:
      return 0x00;
    case 0x62:
      return 0x08;
    case 0x6e:
      return 0x0a;
    case 0x72:
      return 0x0d;
    case 0x74:
      return 0x09;
    case 0x5a:
      return 0x1a;
    default:
      return c;
  }
}
