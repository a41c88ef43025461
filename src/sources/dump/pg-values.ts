import type { RowBuilder } from './row-builder.js';
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

export type { Step } from './values-parser.js';

/** DEFAULT stands for a generated column's value in `--inserts` without column names: it is no field. */
const WORDS = ['null', 'true', 'false', 'default'] as const;
const DEFAULT = 3;

/** In a string: 0 a byte copied as it is, 1 a byte the row format escapes, 2 backslash, 3 the quote. */
const IN_STRING = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (ROW_ESCAPE[b]) IN_STRING[b] = 1;
IN_STRING[0x5c] = 2;
IN_STRING[0x27] = 3;

/**
 * The `VALUES (…), (…);` of a pg_dump `--inserts` statement, from its first `(`, as COPY text rows.
 * pg_dump writes numbers bare (their output text), `NULL`, `true`/`false`, bit strings as `B'…'`, and
 * everything else as a string literal of the value's output text (`''` for a quote; backslashes are
 * literal unless the string is `E'…'` or standard_conforming_strings is off). The output text is
 * exactly what COPY carries, so each value is only unquoted and re-escaped.
 */
/** What pg_dump --on-conflict-do-nothing writes after an INSERT's last row (the rows are read all the same). */
const ON_CONFLICT = 'on conflict do nothing';

export class PgValues extends ValuesParser {
  /** Backslashes escape in the current string. */
  private escapes = false;
  /** Where the current bare token started (dump offset), its first byte and its length so far. */
  private tokenOffset = 0;
  private first = 0;
  private length = 0;
  /** Bitmask of the WORDS the current bare word may still be. */
  private words = 0;
  private rowOffset = 0;
  /** The words after the last row (`ON CONFLICT DO NOTHING`), and where they start in the dump. */
  private tail = '';
  private tailOffset = 0;

  constructor(
    builder: RowBuilder,
    private readonly backslashEverywhere: boolean,
  ) {
    super(builder);
  }

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
    const WORD = 8; // a bare word: NULL, true, false, the E of E'…', the B of B'…'
    const CONFLICT = 9; // pg_dump --on-conflict-do-nothing: `ON CONFLICT DO NOTHING` before the ;
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
          // The hot loop: bytes copied as they are until the quote, a backslash or a byte to escape.
          const escapes = this.escapes;
          for (; i < end; i++) {
            const d = buf[i]!;
            const kind = inString[d]!;
            if (kind === 0) out[used++] = d;
            else if (kind === 1 || (kind === 2 && !escapes)) {
              out[used++] = BACKSLASH;
              out[used++] = rowEscape[d]!;
            } else {
              state = kind === 2 ? ESCAPE : QUOTE_SEEN;
              i++;
              break;
            }
          }
          continue;
        }
        case ESCAPE: {
          const e = escapedByte(c);
          const row = rowEscape[e]!;
          if (row === 0) out[used++] = e;
          else {
            out[used++] = BACKSLASH;
            out[used++] = row;
          }
          state = STRING;
          i++;
          continue;
        }
        case QUOTE_SEEN:
          if (c === QUOTE) {
            out[used++] = c;
            state = STRING;
            i++;
            continue;
          }
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          continue;
        case NUMBER:
          while (i < end && numeric[buf[i]!]) out[used++] = buf[i++]!;
          if (i === end) continue;
          if (!bareEnd[buf[i]!]) {
            throw badToken(buf, i, base, this.tokenOffset, 'a number, NULL, true, false or a quoted value');
          }
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          continue;
        case VALUE:
          if (blank[c]) {
            i++;
            continue;
          }
          if (c === QUOTE || numberStart[c]) {
            if (field > 0) out[used++] = TAB;
            if (field < recorded) starts[field] = used;
            field++;
          }
          if (c === QUOTE) {
            this.escapes = this.backslashEverywhere;
            state = STRING;
          } else {
            this.tokenOffset = base + i;
            this.first = c;
            this.length = 1;
            if (numberStart[c]) {
              out[used++] = c;
              state = NUMBER;
            } else if (wordByte[c]) {
              this.words = matchWord(0b1111, WORDS, 0, c);
              state = WORD;
            } else throw found(buf, i, base, 'a value');
          }
          i++;
          continue;
        case WORD: {
          for (; i < end && wordByte[buf[i]!]; i++) {
            this.words = matchWord(this.words, WORDS, this.length++, buf[i]!);
          }
          if (i === end) continue;
          const d = buf[i]!;
          const first = this.first | 0x20;
          // E'…' escapes with backslashes; B'0101': the bit string's text is its digits
          const string = this.length === 1 && d === QUOTE && (first === 0x65 || first === 0x62);
          const word = !string && bareEnd[d] ? wholeWord(this.words, WORDS, this.length) : -1;
          if (!string && word === -1) {
            throw badToken(buf, i, base, this.tokenOffset, 'a number, NULL, true, false or a quoted value');
          }
          if (word === DEFAULT) {
            state = AFTER_VALUE;
            continue;
          }
          if (field > 0) out[used++] = TAB;
          if (field < recorded) starts[field] = used;
          field++;
          if (string) {
            this.escapes = first === 0x65;
            state = STRING;
            i++;
            continue;
          }
          if (word === 0) {
            out[used++] = BACKSLASH;
            out[used++] = 0x4e;
          } else out[used++] = word === 1 ? 0x74 : 0x66;
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          continue;
        }
        case CONFLICT: {
          if (c === 0x3b) {
            if (this.tail.trim().split(/\s+/).join(' ').toLowerCase() !== ON_CONFLICT)
              throw badToken(buf, i, base, this.tailOffset, '"," or ";" after a row of values');
            state = ENDED;
            i++;
            break bytes;
          }
          if (this.tail.length > 2 * ON_CONFLICT.length)
            throw badToken(buf, i, base, this.tailOffset, '"," or ";" after a row of values');
          this.tail += String.fromCharCode(c);
          i++;
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
          else if (state === AFTER_TUPLE && (c | 0x20) === 0x6f) {
            state = CONFLICT;
            this.tail = 'o';
            this.tailOffset = base + i;
          } else throw badPunctuation(buf, i, base, state);
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

/** The byte a backslash escape in E'…' stands for (pg_dump only doubles backslashes and quotes). */
function escapedByte(c: number): number {
  switch (c) {
    case 0x62:
      return 0x08;
    case 0x66:
      return 0x0c;
    case 0x6e:
      return 0x0a;
    case 0x72:
      return 0x0d;
    case 0x74:
      return 0x09;
    default:
      return c;
  }
}
