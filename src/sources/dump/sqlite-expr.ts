/**
 * The few SQL expressions the sqlite3 shell writes for a value it cannot write as one plain literal,
 * evaluated over the dump's bytes as SQLite would:
 * `replace(replace('a\rb\nc','\r',char(13)),'\n',char(10))` (3.40 and older: newlines and carriage
 * returns, under a marker the text does not hold, `\n`, `\012`, …) and `unistr('a\u000ab')` (newer
 * shells: control characters, backslash doubled). `||`, `char()` and `CAST(… AS TEXT|BLOB)` are read
 * too, for dumps edited by hand. Anything else is refused with what was expected.
 */

/** A value of the expression: its storage class and bytes (a number's text as bytes). */
export interface SqlValue {
  kind: 'text' | 'blob' | 'integer' | 'real' | 'null';
  bytes: Buffer;
}

export class ExprError extends Error {
  constructor(
    /** Byte offset in the expression where it went wrong. */
    readonly at: number,
    readonly expected: string,
  ) {
    super(`expected ${expected}`);
  }
}

const NULL_VALUE: SqlValue = { kind: 'null', bytes: Buffer.alloc(0) };

/** Evaluates one value expression (the whole of `source`). */
export function evaluate(source: Buffer): SqlValue {
  const parser = new Expr(source);
  const value = parser.concat();
  parser.blanks();
  if (parser.i !== source.length) throw new ExprError(parser.i, 'the end of the value');
  return value;
}

class Expr {
  i = 0;
  constructor(private readonly s: Buffer) {}

  blanks(): void {
    while (
      this.i < this.s.length &&
      (this.s[this.i] === 0x20 || (this.s[this.i]! >= 0x09 && this.s[this.i]! <= 0x0d))
    )
      this.i++;
  }

  private expect(byte: number, what: string): void {
    this.blanks();
    if (this.s[this.i] !== byte) throw new ExprError(this.i, what);
    this.i++;
  }

  concat(): SqlValue {
    let value = this.term();
    for (;;) {
      this.blanks();
      if (this.s[this.i] !== 0x7c || this.s[this.i + 1] !== 0x7c) return value;
      this.i += 2;
      const right = this.term();
      value =
        value.kind === 'null' || right.kind === 'null'
          ? NULL_VALUE
          : { kind: 'text', bytes: Buffer.concat([value.bytes, right.bytes]) };
    }
  }

  private term(): SqlValue {
    this.blanks();
    const c = this.s[this.i];
    if (c === 0x27) return { kind: 'text', bytes: this.string() };
    if (c === 0x28) {
      this.i++;
      const inner = this.concat();
      this.expect(0x29, '")"');
      return inner;
    }
    if (c !== undefined && ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e))
      return this.number();
    const word = this.word();
    if (word === 'x' && this.s[this.i] === 0x27) {
      const hex = this.string().toString('latin1');
      if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new ExprError(this.i, "an even number of hex digits in X'…'");
      return { kind: 'blob', bytes: Buffer.from(hex, 'hex') };
    }
    if (word === 'null') return NULL_VALUE;
    const args = (): SqlValue[] => {
      this.expect(0x28, `"(" after ${word}`);
      const list: SqlValue[] = [];
      this.blanks();
      if (this.s[this.i] === 0x29) {
        this.i++;
        return list;
      }
      for (;;) {
        list.push(this.concat());
        this.blanks();
        if (this.s[this.i] === 0x29) {
          this.i++;
          return list;
        }
        this.expect(0x2c, '"," or ")"');
      }
    };
    if (word === 'cast') return this.cast();
    if (word === 'replace') {
      const [x, from, to] = arity(args(), 3, this.i, word) as [SqlValue, SqlValue, SqlValue];
      if (x.kind === 'null' || from.kind === 'null' || to.kind === 'null') return NULL_VALUE;
      return { kind: 'text', bytes: replaceBytes(x.bytes, from.bytes, to.bytes) };
    }
    if (word === 'char') {
      const codes = args().map((v) => codePoint(v, this.i));
      return { kind: 'text', bytes: Buffer.concat(codes.map(utf8Of)) };
    }
    if (word === 'unistr') {
      const [x] = arity(args(), 1, this.i, word) as [SqlValue];
      if (x.kind === 'null') return NULL_VALUE;
      return { kind: 'text', bytes: unistr(x.bytes, this.i) };
    }
    throw new ExprError(this.i, "a value sqlite3 .dump writes (a literal, replace(…), unistr('…'))");
  }

  private cast(): SqlValue {
    this.expect(0x28, '"(" after CAST');
    const value = this.concat();
    this.blanks();
    if (this.word() !== 'as') throw new ExprError(this.i, 'AS in CAST');
    this.blanks();
    const type = this.word();
    this.expect(0x29, '")" closing CAST');
    if (value.kind === 'null') return value;
    if (type === 'text' || type === 'blob') return { kind: type, bytes: value.bytes };
    throw new ExprError(this.i, 'CAST(… AS TEXT) or CAST(… AS BLOB)');
  }

  private word(): string {
    const from = this.i;
    while (this.i < this.s.length && /[A-Za-z0-9_]/.test(String.fromCharCode(this.s[this.i]!))) this.i++;
    if (this.i === from) throw new ExprError(from, 'a value');
    return this.s.toString('latin1', from, this.i).toLowerCase();
  }

  /** A '…' literal's bytes, `''` read as one quote. */
  private string(): Buffer {
    const parts: Buffer[] = [];
    let from = ++this.i;
    for (;;) {
      const q = this.s.indexOf(0x27, this.i);
      if (q === -1) throw new ExprError(this.s.length, "the closing ' of a string");
      if (this.s[q + 1] === 0x27) {
        parts.push(this.s.subarray(from, q + 1));
        this.i = from = q + 2;
        continue;
      }
      parts.push(this.s.subarray(from, q));
      this.i = q + 1;
      return Buffer.concat(parts);
    }
  }

  private number(): SqlValue {
    const from = this.i;
    while (this.i < this.s.length && /[0-9+\-.eE]/.test(String.fromCharCode(this.s[this.i]!))) this.i++;
    const text = this.s.toString('latin1', from, this.i);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new ExprError(from, 'a number');
    return { kind: /[.e]/i.test(text) ? 'real' : 'integer', bytes: Buffer.from(text, 'latin1') };
  }
}

function arity(values: SqlValue[], n: number, at: number, name: string): SqlValue[] {
  if (values.length !== n) throw new ExprError(at, `${n} argument${n === 1 ? '' : 's'} to ${name}()`);
  return values;
}

function codePoint(value: SqlValue, at: number): number {
  const text = value.bytes.toString('latin1');
  if (value.kind !== 'integer' || !/^\+?\d{1,7}$/.test(text) || Number(text) > 0x10ffff)
    throw new ExprError(at, 'a code point in char()');
  return Number(text);
}

/** replace(X, Y, Z) on bytes, as SQLite does it: every Y in X, left to right; an empty Y changes nothing. */
function replaceBytes(x: Buffer, from: Buffer, to: Buffer): Buffer {
  if (from.length === 0) return x;
  const parts: Buffer[] = [];
  let start = 0;
  for (let at = x.indexOf(from); at !== -1; at = x.indexOf(from, start)) {
    parts.push(x.subarray(start, at), to);
    start = at + from.length;
  }
  parts.push(x.subarray(start));
  return Buffer.concat(parts);
}

/** unistr(): `\\` is a backslash; `\XXXX`, `\uXXXX`, `\+XXXXXX`, `\UXXXXXXXX` a code point, written as UTF-8. */
function unistr(bytes: Buffer, at: number): Buffer {
  if (!bytes.includes(0x5c)) return bytes;
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x5c); i !== -1; i = bytes.indexOf(0x5c, start)) {
    parts.push(bytes.subarray(start, i));
    const next = bytes[i + 1];
    if (next === 0x5c) {
      parts.push(bytes.subarray(i, i + 1));
      start = i + 2;
      continue;
    }
    const [skip, digits] = next === 0x75 ? [2, 4] : next === 0x2b ? [2, 6] : next === 0x55 ? [2, 8] : [1, 4];
    const hex = bytes.toString('latin1', i + skip, i + skip + digits);
    const code = /^[0-9a-f]+$/i.test(hex) && hex.length === digits ? Number.parseInt(hex, 16) : -1;
    if (code < 0 || code > 0x10ffff)
      throw new ExprError(at, 'a \\XXXX, \\uXXXX, \\+XXXXXX or \\UXXXXXXXX escape in unistr()');
    parts.push(utf8Of(code));
    start = i + skip + digits;
  }
  parts.push(bytes.subarray(start));
  return Buffer.concat(parts);
}

/** A code point in UTF-8 as SQLite writes it (a surrogate's three bytes too, which JavaScript would replace). */
function utf8Of(code: number): Buffer {
  if (code < 0x80) return Buffer.of(code);
  if (code < 0x800) return Buffer.of(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
  if (code < 0x10000)
    return Buffer.of(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  return Buffer.of(
    0xf0 | (code >> 18),
    0x80 | ((code >> 12) & 0x3f),
    0x80 | ((code >> 6) & 0x3f),
    0x80 | (code & 0x3f),
  );
}
