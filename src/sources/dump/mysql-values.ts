import { DumpError } from './errors.js';
import type { Step } from './pg-values.js';
import type { RowBuilder } from './row-builder.js';

type State = 'tuple' | 'value' | 'string' | 'hex' | 'after-value' | 'after-tuple';

const BACKSLASH = 0x5c;

/**
 * The `VALUES (…),(…);` of a mysqldump / mariadb-dump INSERT, from its first `(`, as rows for
 * `LOAD DATA`. Each value becomes the bytes the server would have stored from the literal: strings are
 * unescaped (the seven escapes mysqldump writes, and MySQL's reading of any other `\x` as `x`), `0x…` and
 * `X'…'` become their bytes (`--hex-blob`), `_binary '…'` its bytes (MySQL 8), numbers and NULL stay as
 * they are. Works on bytes: a dump of binary columns is not valid UTF-8.
 */
export class MysqlValues {
  private state: State = 'tuple';
  private quote = 0;
  private rowOffset = 0;
  private half = -1;

  constructor(private readonly builder: RowBuilder) {}

  step(buf: Buffer, i: number, base: number): Step {
    const b = this.builder;
    while (i < buf.length) {
      const c = buf[i]!;
      switch (this.state) {
        case 'string': {
          const next = this.string(buf, i);
          if (next === -1) return { at: i, ended: false, needMore: true };
          i = next;
          continue;
        }
        case 'hex':
          i = this.hex(buf, i, base);
          continue;
        case 'value': {
          const next = this.value(buf, i, base);
          if (next === -1) return { at: i, ended: false, needMore: true };
          i = next;
          continue;
        }
        default:
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
      }
    }
    return { at: i, ended: false, needMore: true };
  }

  /** Starts a value; returns where it continues, or -1 when its first token is cut by the chunk's end. */
  private value(buf: Buffer, i: number, base: number): number {
    const c = buf[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) return i + 1;
    const b = this.builder;
    if (c === 0x27 || c === 0x22) {
      this.quote = c;
      b.beginField();
      this.state = 'string';
      return i + 1;
    }
    let end = i;
    while (end < buf.length) {
      const d = buf[end]!;
      if (d === 0x2c || d === 0x29 || d === 0x20 || d === 0x0a || d === 0x09 || d === 0x0d || d === 0x27)
        break;
      end++;
    }
    if (end === buf.length) return -1;
    const first = c | 0x20;
    if (c === 0x5f) return end; // _binary, _utf8mb4 …: the literal that follows is the value
    if ((first === 0x78 || first === 0x62) && end === i + 1 && buf[end] === 0x27) {
      if (first === 0x62) throw found(buf, i, base, "a value mysqldump writes (not b'…')");
      b.beginField(); // X'…'
      this.half = -1;
      this.state = 'hex';
      return end + 1;
    }
    if (c === 0x30 && (buf[i + 1]! | 0x20) === 0x78) {
      b.beginField(); // 0x…
      this.half = -1;
      for (let k = i + 2; k < end; k++) this.hexDigit(buf, k, base);
      if (this.half !== -1) throw found(buf, i, base, 'an even number of hex digits');
      b.endField();
      this.state = 'after-value';
      return end;
    }
    if (end === i) throw found(buf, i, base, 'a value');
    if (end - i === 4 && (c | 0x20) === 0x6e && buf.toString('latin1', i, end).toLowerCase() === 'null') {
      b.nullField();
    } else {
      for (let k = i; k < end; k++) {
        const d = buf[k]!;
        if (!((d >= 0x30 && d <= 0x39) || d === 0x2d || d === 0x2b || d === 0x2e || (d | 0x20) === 0x65)) {
          throw found(buf, i, base, 'a number, NULL, 0x… or a quoted value');
        }
      }
      b.beginField();
      b.plainBytes(buf, i, end);
      b.endField();
    }
    this.state = 'after-value';
    return end;
  }

  /** Inside '…' or "…"; returns where it continues, or -1 when a quote or escape is cut by the chunk's end. */
  private string(buf: Buffer, i: number): number {
    const b = this.builder;
    const quote = this.quote;
    let k = i;
    const n = buf.length;
    while (k < n) {
      const d = buf[k]!;
      if (d === quote || d === BACKSLASH) break;
      k++;
    }
    if (k > i) b.valueBytes(buf, i, k);
    if (k === n) return n;
    if (k + 1 >= n) return k === i ? -1 : k;
    const next = buf[k + 1]!;
    if (buf[k] === BACKSLASH) {
      if (next === 0x25 || next === 0x5f) {
        b.valueByte(BACKSLASH); // \% and \_ keep their backslash
        b.valueByte(next);
      } else b.valueByte(escapedByte(next));
      return k + 2;
    }
    if (next === quote) {
      b.valueByte(quote);
      return k + 2;
    }
    b.endField();
    this.state = 'after-value';
    return k + 1;
  }

  /** Inside X'…'. */
  private hex(buf: Buffer, i: number, base: number): number {
    const q = buf.indexOf(0x27, i);
    const end = q === -1 ? buf.length : q;
    for (let k = i; k < end; k++) this.hexDigit(buf, k, base);
    if (q === -1) return end;
    if (this.half !== -1)
      throw new DumpError(base + q, 'an even number of hex digits', "X'…' with an odd one");
    this.builder.endField();
    this.state = 'after-value';
    return q + 1;
  }

  private hexDigit(buf: Buffer, k: number, base: number): void {
    const d = buf[k]!;
    const v = d <= 0x39 ? d - 0x30 : (d | 0x20) - 0x57;
    if (v < 0 || v > 15 || (d > 0x39 && ((d | 0x20) < 0x61 || (d | 0x20) > 0x66))) {
      throw found(buf, k, base, 'a hex digit');
    }
    if (this.half === -1) this.half = v;
    else {
      this.builder.valueByte((this.half << 4) | v);
      this.half = -1;
    }
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

function found(buf: Buffer, i: number, base: number, expected: string): DumpError {
  return new DumpError(base + i, expected, JSON.stringify(buf.toString('latin1', i, i + 16)));
}
