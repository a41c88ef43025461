import { DumpError } from './errors.js';
import type { RowBuilder } from './row-builder.js';

type State = 'tuple' | 'value' | 'string' | 'after-value' | 'after-tuple';

export interface Step {
  /** Where parsing stopped. */
  at: number;
  /** The statement's `;` was read. */
  ended: boolean;
  /** The bytes from `at` on wait for the next chunk. */
  needMore: boolean;
}

const QUOTE = 0x27;
const BACKSLASH = 0x5c;

/**
 * The `VALUES (…), (…);` of a pg_dump `--inserts` statement, from its first `(`, as COPY text rows.
 * pg_dump writes numbers bare (their output text), `NULL`, `true`/`false`, bit strings as `B'…'`, and
 * everything else as a string literal of the value's output text (`''` for a quote; backslashes are
 * literal unless the string is `E'…'` or standard_conforming_strings is off). The output text is
 * exactly what COPY carries, so each value is only unquoted and re-escaped.
 */
export class PgValues {
  private state: State = 'tuple';
  private escapes = false;
  private rowOffset = 0;

  constructor(
    private readonly builder: RowBuilder,
    private readonly backslashEverywhere: boolean,
  ) {}

  step(buf: Buffer, i: number, base: number): Step {
    const b = this.builder;
    while (i < buf.length) {
      const c = buf[i]!;
      switch (this.state) {
        case 'tuple':
        case 'after-value':
        case 'after-tuple':
          if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) {
            i++;
            continue;
          }
          if (this.state === 'tuple') {
            if (c !== 0x28) throw found(buf, i, base, '"(" starting a row of values');
            this.rowOffset = base + i;
            this.state = 'value';
          } else if (this.state === 'after-value') {
            if (c === 0x2c) this.state = 'value';
            else if (c === 0x29) {
              b.endRow(this.rowOffset);
              this.state = 'after-tuple';
            } else throw found(buf, i, base, '"," or ")" after a value');
          } else if (c === 0x2c) this.state = 'tuple';
          else if (c === 0x3b) {
            b.flush();
            return { at: i + 1, ended: true, needMore: false };
          } else throw found(buf, i, base, '"," or ";" after a row of values');
          i++;
          continue;
        case 'value': {
          const next = this.value(buf, i, base);
          if (next === -1) return { at: i, ended: false, needMore: true };
          i = next;
          continue;
        }
        case 'string': {
          const next = this.string(buf, i);
          if (next === -1) return { at: i, ended: false, needMore: true };
          i = next;
          continue;
        }
      }
    }
    return { at: i, ended: false, needMore: true };
  }

  /** Starts a value at `i`; returns where it continues, or -1 when the token is cut by the chunk's end. */
  private value(buf: Buffer, i: number, base: number): number {
    const c = buf[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) return i + 1;
    const b = this.builder;
    if (c === QUOTE || ((c | 0x20) === 0x65 && buf[i + 1] === QUOTE)) {
      if (c !== QUOTE && i + 1 >= buf.length) return -1;
      this.escapes = c !== QUOTE || this.backslashEverywhere;
      b.beginField();
      this.state = 'string';
      return c === QUOTE ? i + 1 : i + 2;
    }
    if ((c | 0x20) === 0x62 || (c | 0x20) === 0x65) {
      if (i + 1 >= buf.length) return -1;
      if (buf[i + 1] === QUOTE) {
        // B'0101': the bit string's text is its digits
        b.beginField();
        this.escapes = false;
        this.state = 'string';
        return i + 2;
      }
    }
    let end = i;
    while (end < buf.length) {
      const d = buf[end]!;
      if (d === 0x2c || d === 0x29 || d === 0x20 || d === 0x0a || d === 0x09 || d === 0x0d) break;
      end++;
    }
    if (end === buf.length) return -1;
    if (end === i) throw found(buf, i, base, 'a value');
    const word = buf.toString('latin1', i, end);
    if (/^null$/i.test(word)) b.nullField();
    else {
      b.beginField();
      if (/^true$/i.test(word)) b.byte(0x74);
      else if (/^false$/i.test(word)) b.byte(0x66);
      else if (/^[-+0-9.eE]+$/.test(word)) b.plainBytes(buf, i, end);
      else throw found(buf, i, base, 'a number, NULL, true, false or a quoted value');
      b.endField();
    }
    this.state = 'after-value';
    return end;
  }

  /** Inside a quoted value; returns where it continues, or -1 when a quote or escape is cut by the chunk's end. */
  private string(buf: Buffer, i: number): number {
    const b = this.builder;
    const q = buf.indexOf(QUOTE, i);
    const bs = this.escapes ? buf.indexOf(BACKSLASH, i) : -1;
    if (bs !== -1 && (q === -1 || bs < q)) {
      b.valueBytes(buf, i, bs);
      if (bs + 1 >= buf.length) return bs === i ? -1 : bs;
      b.valueByte(escapedByte(buf[bs + 1]!));
      return bs + 2;
    }
    if (q === -1) {
      b.valueBytes(buf, i, buf.length);
      return buf.length;
    }
    b.valueBytes(buf, i, q);
    if (q + 1 >= buf.length) return q === i ? -1 : q;
    if (buf[q + 1] === QUOTE) {
      b.valueByte(QUOTE);
      return q + 2;
    }
    b.endField();
    this.state = 'after-value';
    return q + 1;
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

function found(buf: Buffer, i: number, base: number, expected: string): DumpError {
  return new DumpError(base + i, expected, JSON.stringify(buf.toString('latin1', i, i + 16)));
}
