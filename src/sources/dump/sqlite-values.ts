import { DumpError } from './errors.js';
import { ROW_ESCAPE, SLACK } from './row-builder.js';
import { ExprError, evaluate, type SqlValue } from './sqlite-expr.js';
import {
  BARE_END,
  BLANK,
  badPunctuation,
  badToken,
  found,
  NUMBER_START,
  NUMERIC,
  ValuesParser,
  WORD_BYTE,
} from './values-parser.js';

/** In a string: 0 a byte copied as it is, 1 a byte the row format escapes, 3 the quote. */
const IN_STRING = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (ROW_ESCAPE[b]) IN_STRING[b] = 1;
IN_STRING[0x27] = 3;

const HEX_DIGIT = new Uint8Array(256);
for (const b of Buffer.from('0123456789abcdefABCDEF', 'latin1')) HEX_DIGIT[b] = 1;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * The `VALUES(…);` of the INSERTs `sqlite3 .dump` writes, as fields of the SQLite engine's row format,
 * each the value SQLite's parser makes of the literal: `'…'` with `''` stays a text (its bytes, never
 * decoded), `X'…'` a blob, an integer its digits (beyond 64 bits SQLite reads it as a real: `.0` is
 * added so it is staged as one), a real its text, NULL `\N`, and the `replace(…)` / `unistr(…)` forms
 * the shell writes for control characters the text they evaluate to. One parser serves every INSERT of
 * the table (`restart`), so its rows gather into large chunks instead of one per statement.
 */
export class SqliteValues extends ValuesParser {
  private tokenOffset = 0;
  /** Where the current number starts in the builder's output, and whether it is a real. */
  private numberAt = 0;
  private real = false;
  private word = '';
  private expr: Buffer[] = [];
  private depth = 0;
  private inQuote = false;
  private rowOffset = 0;

  protected run(buf: Buffer, i: number, end: number, base: number): number {
    const TUPLE = 0;
    const AFTER_VALUE = 1;
    const AFTER_TUPLE = 2;
    const ENDED = -1;
    const VALUE = 3;
    const STRING = 4;
    const QUOTE_SEEN = 5;
    const NUMBER = 6;
    const WORD = 7;
    const HEX = 8;
    const EXPR = 9;
    const BACKSLASH = 0x5c;
    const TAB = 0x09;
    const QUOTE = 0x27;
    const blank = BLANK;
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
          for (; i < end; i++) {
            const d = buf[i]!;
            const kind = inString[d]!;
            if (kind === 0) out[used++] = d;
            else if (kind === 1) {
              out[used++] = BACKSLASH;
              out[used++] = rowEscape[d]!;
            } else {
              state = QUOTE_SEEN;
              i++;
              break;
            }
          }
          continue;
        }
        case QUOTE_SEEN:
          out[used++] = QUOTE; // a doubled quote's one, or the closing quote of the field
          if (c === QUOTE) {
            state = STRING;
            i++;
            continue;
          }
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          continue;
        case NUMBER: {
          for (; i < end && NUMERIC[buf[i]!]; i++) {
            const d = buf[i]!;
            if (d === 0x2e || d === 0x65 || d === 0x45) this.real = true;
            out[used++] = d === 0x45 ? 0x65 : d; // the row format tells a real by "." or "e"
          }
          if (i === end) continue;
          if (!BARE_END[buf[i]!])
            throw badToken(buf, i, base, this.tokenOffset, 'a value sqlite3 .dump writes');
          if (!this.real) used = this.integer(out, used, buf, i, base);
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          continue;
        }
        case VALUE:
          if (blank[c]) {
            i++;
            continue;
          }
          this.tokenOffset = base + i;
          if (c === QUOTE || NUMBER_START[c]) {
            if (field > 0) out[used++] = TAB;
            if (field < recorded) starts[field] = used;
            field++;
          }
          if (c === QUOTE) {
            out[used++] = QUOTE;
            state = STRING;
          } else if (NUMBER_START[c]) {
            this.numberAt = used;
            this.real = c === 0x2e;
            out[used++] = c;
            state = NUMBER;
          } else if (WORD_BYTE[c]) {
            this.word = String.fromCharCode(c | 0x20);
            state = WORD;
          } else throw found(buf, i, base, 'a value');
          i++;
          continue;
        case WORD: {
          for (; i < end && WORD_BYTE[buf[i]!]; i++) this.word += String.fromCharCode(buf[i]! | 0x20);
          if (i === end) continue;
          const d = buf[i]!;
          const hex = this.word === 'x' && d === QUOTE;
          const isNull = this.word === 'null' && BARE_END[d];
          if (!hex && !isNull) {
            if (d !== 0x28) throw badToken(buf, i, base, this.tokenOffset, 'a value sqlite3 .dump writes');
            this.expr = [Buffer.from(this.word, 'latin1')];
            this.depth = 0;
            this.inQuote = false;
            state = EXPR;
            continue;
          }
          if (field > 0) out[used++] = TAB;
          if (field < recorded) starts[field] = used;
          field++;
          if (hex) {
            out[used++] = 0x78;
            out[used++] = QUOTE;
            state = HEX;
            i++;
          } else {
            out[used++] = BACKSLASH;
            out[used++] = 0x4e;
            if (field <= recorded) ends[field - 1] = used;
            state = AFTER_VALUE;
          }
          continue;
        }
        case HEX: {
          for (; i < end && HEX_DIGIT[buf[i]!]; i++) out[used++] = buf[i]! | 0x20;
          if (i === end) continue;
          if (buf[i] !== QUOTE) throw found(buf, i, base, "a hex digit or the ' closing X'…'");
          if (oddHex(out, used)) {
            throw new DumpError(base + i, 'an even number of hex digits', "X'…' with an odd one");
          }
          out[used++] = QUOTE;
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          i++;
          continue;
        }
        case EXPR: {
          const from = i;
          let closed = false;
          for (; i < end; i++) {
            const d = buf[i]!;
            if (d === QUOTE) this.inQuote = !this.inQuote;
            else if (this.inQuote) continue;
            else if (d === 0x28) this.depth++;
            else if (d === 0x29 && --this.depth === 0) {
              closed = true;
              i++;
              break;
            }
          }
          this.expr.push(Buffer.from(buf.subarray(from, i)));
          if (!closed) continue;
          b.used = used;
          used = this.value(this.evaluated(), field);
          field++;
          out = b.out;
          if (field <= recorded) ends[field - 1] = used;
          state = AFTER_VALUE;
          continue;
        }
        default:
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
            state = ENDED;
          } else if (state === AFTER_TUPLE && c === 0x2c) state = TUPLE;
          else throw badPunctuation(buf, i, base, state);
          i++;
          if (state === ENDED) break bytes;
      }
    }
    b.used = used;
    b.field = field;
    this.state = state;
    return i;
  }

  /**
   * An integer's digits as they are, unless beyond 64 bits: SQLite's parser reads such a literal as a
   * real, so `.0` makes it one here too.
   */
  private integer(out: Buffer, used: number, buf: Buffer, i: number, base: number): number {
    const length = used - this.numberAt;
    if (length < 19) return used;
    const text = out.toString('latin1', this.numberAt, used);
    if (!/^[+-]?\d+$/.test(text)) throw badToken(buf, i, base, this.tokenOffset, 'a number');
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return used;
    out[used++] = 0x2e;
    out[used++] = 0x30;
    return used;
  }

  private evaluated(): SqlValue {
    const source = Buffer.concat(this.expr);
    this.expr = [];
    try {
      return evaluate(source);
    } catch (error) {
      if (!(error instanceof ExprError)) throw error;
      const near = JSON.stringify(source.toString('latin1', error.at, error.at + 16));
      throw new DumpError(this.tokenOffset + error.at, error.expected, near);
    }
  }

  /** Writes an evaluated value as field number `field` (0-based); returns the output length after it. */
  private value(value: SqlValue, field: number): number {
    const b = this.builder;
    b.reserve(2 * value.bytes.length + 8 + SLACK);
    const out = b.out;
    let used = b.used;
    if (field > 0) out[used++] = 0x09;
    if (field < b.starts.length) b.starts[field] = used;
    if (value.kind === 'null') {
      out[used++] = 0x5c;
      out[used++] = 0x4e;
    } else if (value.kind === 'blob') {
      used += out.write(`x'${value.bytes.toString('hex')}'`, used, 'latin1');
    } else if (value.kind === 'text') {
      out[used++] = 0x27;
      for (const d of value.bytes) {
        const e = ROW_ESCAPE[d]!;
        if (e === 0) out[used++] = d;
        else {
          out[used++] = 0x5c;
          out[used++] = e;
        }
      }
      out[used++] = 0x27;
    } else {
      used += value.bytes.copy(out, used);
    }
    return used;
  }
}

/** True when the hex digits just written after `x'` are odd in number. */
function oddHex(out: Buffer, used: number): boolean {
  let n = 0;
  for (let k = used - 1; k >= 0 && out[k] !== 0x27; k--) n++;
  return n % 2 === 1;
}
