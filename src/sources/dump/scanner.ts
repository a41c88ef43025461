import { DumpError, describeBytes, truncated } from './errors.js';

/** How a dialect writes strings, names and comments. */
export interface Dialect {
  /** MySQL: `\` escapes inside '…' and "…". PostgreSQL: only in E'…' (or with standard_conforming_strings off). */
  backslashStrings: boolean;
  /** MySQL: `name`. */
  backticks: boolean;
  /** SQLite: [name], which ends at the first ] (a quote or ; inside it is part of the name). */
  brackets?: boolean;
  /** MySQL: # comments. */
  hashComments: boolean;
  /** PostgreSQL: $tag$…$tag$ and nested /* … *\/. */
  dollarQuotes: boolean;
  /** psql meta-commands (`\connect`, `\restrict`) or mysql client `DELIMITER` lines, skipped whole. */
  clientLines: 'psql' | 'mysql' | 'none';
}

type Lex = 'code' | 'squote' | 'dquote' | 'backtick' | 'bracket' | 'dollar' | 'line' | 'block';

const HEAD_CAP = 256 * 1024;
/** Bytes of a comment line handed to `comment`: dumps' markers are short. */
const COMMENT_CAP = 200;

/**
 * Splits SQL text fed in chunks into statements, keeping the head of each (its first bytes, enough to
 * classify it) without keeping the whole: a statement of gigabytes (a data-only INSERT) costs no memory.
 * Subclasses classify heads and may take over the bytes of a statement (`take`) to parse its data.
 * Chunk-safe: any token may be split across chunks; unconsumed bytes wait for the next chunk.
 */
export abstract class StatementScanner {
  /** Dump offset of buf[0]. */
  protected base = 0;
  protected buf: Buffer = Buffer.alloc(0);
  protected i = 0;
  /** Done: what was wanted has been read; the caller may stop feeding. */
  done = false;

  private lex: Lex = 'code';
  private inStatement = false;
  private head: Buffer[] = [];
  private headLength = 0;
  private captureFrom = 0;
  private depth = 0;
  private blockDepth = 0;
  private escapeString = false;
  private dollarTag = '';
  private prev = 0;
  private prev2 = 0;
  protected statementOffset = 0;
  /** PostgreSQL `SET standard_conforming_strings = off`: backslashes escape in every '…'. */
  protected backslashEverywhere = false;

  constructor(protected readonly dialect: Dialect) {}

  /** Called at a `(` outside parentheses: returns true when the subclass took over the statement. */
  protected abstract openParen(head: string): boolean;
  /**
   * Set by `openParen` once it knows no later parenthesis of this statement can start the wanted data
   * (another table's INSERT, a CREATE …): the rest of the statement is then only lexed. Without it every
   * row of another table's extended INSERT would hand the whole head over again.
   */
  protected skipParens = false;
  /**
   * Set by `openParen` once the head read so far is all `statement` needs (an INSERT of another table):
   * the rest is not kept, so a statement of megabytes is not turned into text at its end.
   */
  protected headDone = false;
  /** Called when a statement ends (at its `;`), with its head. */
  protected abstract statement(head: string): void;
  /** Consumes data bytes while the subclass parses something (COPY lines, VALUES); false: need more. */
  protected abstract data(): boolean;
  /** True while `data` is in charge. */
  protected abstract inData(): boolean;
  /**
   * At the first byte of a statement: a subclass that recognises it from its bytes alone (the next of a
   * run of one-row INSERTs) may put itself in charge of its data (`inData`) and return true, sparing the
   * lexing and classifying of its head.
   */
  protected resumeData(): boolean {
    return false;
  }

  push(chunk: Buffer): void {
    if (this.done) return;
    const rest = this.buf.length - this.i;
    if (this.i > 0) this.lastByte = this.buf[this.i - 1]!;
    this.base += this.i;
    this.buf = rest > 0 ? Buffer.concat([this.buf.subarray(this.i), chunk]) : chunk;
    this.i = 0;
    this.captureFrom = 0;
    this.run();
    if (this.inStatement && !this.done) this.capture(this.i);
    this.captureFrom = this.i;
  }

  /** The input has ended: anything half-read is a truncated dump. */
  end(): void {
    if (this.done) return;
    const at = this.base + this.buf.length;
    if (this.inData()) throw truncated(at, this.expectedInData());
    if (this.lex !== 'code' && this.lex !== 'line') throw truncated(at, `the end of ${this.lexName()}`);
    if (this.inStatement) throw truncated(at, 'the rest of a statement, up to its ";"');
    const missing = this.missingEnd();
    if (missing) throw truncated(at, missing);
    this.finish();
  }

  /**
   * A `--` comment line between statements (its text after the dashes, latin1, at most COMMENT_CAP
   * bytes): dumps say in comments where they start and end and what each section holds.
   */
  protected comment(_text: string): void {}

  /** A client line between statements (psql's `\connect …`, latin1, at most COMMENT_CAP bytes). */
  protected clientCommand(_text: string): void {}

  /**
   * At the end of the input: what a complete dump of this kind ends with and this one lacks (a dump that
   * says at its start that it is one, and not where it ends, was cut), else undefined.
   */
  protected missingEnd(): string | undefined {
    return undefined;
  }

  protected expectedInData(): string {
    return 'the rest of the table data';
  }

  /** At the end of the input, outside any statement's data. */
  protected finish(): void {}

  private lexName(): string {
    return {
      squote: "a '…' string",
      dquote: 'a "…" name',
      backtick: 'a `…` name',
      bracket: 'a […] name',
      dollar: `a $${this.dollarTag}$ quoted body`,
      block: 'a /* */ comment',
      code: '',
      line: '',
    }[this.lex];
  }

  protected at(i = this.i): number {
    return this.base + i;
  }

  private run(): void {
    while (!this.done) {
      if (this.inData()) {
        if (!this.data()) return;
        continue;
      }
      if (!this.inStatement) {
        if (!this.between()) return;
        continue;
      }
      if (!this.lexStatement()) return;
    }
  }

  /** Between statements: blanks, comments, client lines. */
  private between(): boolean {
    const buf = this.buf;
    while (this.i < buf.length) {
      const b = buf[this.i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
        this.i++;
        continue;
      }
      const lineStart = this.i === 0 ? this.prevIsNewline() : buf[this.i - 1] === 0x0a;
      const client = lineStart ? this.clientLine() : false;
      if (client === undefined) return false;
      if (client) {
        const nl = buf.indexOf(0x0a, this.i);
        if (nl === -1) return false;
        this.clientCommand(buf.toString('latin1', this.i, Math.min(nl, this.i + COMMENT_CAP)));
        this.i = nl + 1;
        continue;
      }
      if (this.needs(2)) return false;
      if (b === 0x2d && buf[this.i + 1] === 0x2d) {
        const nl = buf.indexOf(0x0a, this.i);
        if (nl === -1) return false;
        this.comment(buf.toString('latin1', this.i + 2, Math.min(nl, this.i + COMMENT_CAP)));
        this.i = nl + 1;
        continue;
      }
      if (b === 0x23 && this.dialect.hashComments) {
        const nl = buf.indexOf(0x0a, this.i);
        if (nl === -1) return false;
        this.i = nl + 1;
        continue;
      }
      if (b === 0x3b) {
        this.i++; // an empty statement
        continue;
      }
      if (this.resumeData()) return true;
      this.inStatement = true;
      this.statementOffset = this.at();
      this.head = [];
      this.headLength = 0;
      this.captureFrom = this.i;
      this.depth = 0;
      this.skipParens = false;
      this.headDone = false;
      this.lex = 'code';
      this.prev = 0x20;
      this.prev2 = 0x20;
      return true;
    }
    return false;
  }

  /** The byte just before buf[0] (a newline at the start of the dump). */
  private lastByte = 0x0a;

  private prevIsNewline(): boolean {
    return this.lastByte === 0x0a;
  }

  /** A psql meta-command (`\…`) or a mysql `DELIMITER` line starts here; undefined: need more bytes. */
  private clientLine(): boolean | undefined {
    const b = this.buf[this.i]!;
    if (this.dialect.clientLines === 'none') return false;
    if (this.dialect.clientLines === 'psql') return b === 0x5c;
    if (b !== 0x44 && b !== 0x64) return false;
    if (this.needs(10)) return undefined;
    const word = this.buf.toString('latin1', this.i, this.i + 10);
    return /^delimiter\s/i.test(word);
  }

  /** True when fewer than `n` bytes are left (the caller must wait for more). */
  private needs(n: number): boolean {
    return this.i + n > this.buf.length;
  }

  private lexStatement(): boolean {
    const buf = this.buf;
    const d = this.dialect;
    while (this.i < buf.length) {
      switch (this.lex) {
        case 'squote': {
          const backslash = d.backslashStrings || this.escapeString || this.backslashEverywhere;
          const at = quoteOrBackslash(buf, this.i, 0x27, backslash);
          const q = at !== -1 && buf[at] === 0x27 ? at : -1;
          const bs = at !== -1 && q === -1 ? at : -1;
          if (bs !== -1 && (q === -1 || bs < q)) {
            if (bs + 1 >= buf.length) {
              this.i = bs;
              return false;
            }
            this.i = bs + 2;
            continue;
          }
          if (q === -1) {
            this.i = buf.length;
            return false;
          }
          if (q + 1 >= buf.length) {
            this.i = q;
            return false;
          }
          if (buf[q + 1] === 0x27) {
            this.i = q + 2;
            continue;
          }
          this.i = q + 1;
          this.lex = 'code';
          this.prev = 0x27;
          continue;
        }
        case 'dquote':
        case 'backtick': {
          const quote = this.lex === 'dquote' ? 0x22 : 0x60;
          const backslash = d.backslashStrings && quote === 0x22;
          const at = quoteOrBackslash(buf, this.i, quote, backslash);
          const q = at !== -1 && buf[at] === quote ? at : -1;
          const bs = at !== -1 && q === -1 ? at : -1;
          if (bs !== -1 && (q === -1 || bs < q)) {
            if (bs + 1 >= buf.length) {
              this.i = bs;
              return false;
            }
            this.i = bs + 2;
            continue;
          }
          if (q === -1) {
            this.i = buf.length;
            return false;
          }
          if (q + 1 >= buf.length) {
            this.i = q;
            return false;
          }
          if (buf[q + 1] === quote) {
            this.i = q + 2;
            continue;
          }
          this.i = q + 1;
          this.lex = 'code';
          this.prev = quote;
          continue;
        }
        case 'bracket': {
          const q = buf.indexOf(0x5d, this.i);
          if (q === -1) {
            this.i = buf.length;
            return false;
          }
          this.i = q + 1;
          this.lex = 'code';
          this.prev = 0x5d;
          continue;
        }
        case 'dollar': {
          const close = Buffer.from(`$${this.dollarTag}$`, 'latin1');
          const at = buf.indexOf(close, this.i);
          if (at === -1) {
            this.i = Math.max(this.i, buf.length - close.length + 1);
            return false;
          }
          this.i = at + close.length;
          this.lex = 'code';
          this.prev = 0x24;
          continue;
        }
        case 'line': {
          const nl = buf.indexOf(0x0a, this.i);
          if (nl === -1) {
            this.i = buf.length;
            return false;
          }
          this.i = nl + 1;
          this.lex = 'code';
          continue;
        }
        case 'block': {
          if (this.needs(2)) return false;
          const b = buf[this.i]!;
          if (b === 0x2a && buf[this.i + 1] === 0x2f) {
            this.i += 2;
            if (--this.blockDepth === 0) this.lex = 'code';
          } else if (d.dollarQuotes && b === 0x2f && buf[this.i + 1] === 0x2a) {
            this.i += 2;
            this.blockDepth++;
          } else {
            this.i++;
          }
          continue;
        }
        case 'code': {
          const r = this.lexCode();
          if (r !== undefined) return r;
        }
      }
    }
    return false;
  }

  /** One step in code; returns false to wait for more bytes, true after the statement ended, else undefined. */
  private lexCode(): boolean | undefined {
    const buf = this.buf;
    const d = this.dialect;
    // Most bytes of a statement (digits, commas, names) mean nothing to the lexer: skip them in one loop.
    const from = this.i;
    let k = from;
    while (k < buf.length && PLAIN_CODE[buf[k]!]) k++;
    if (k > from) {
      this.prev2 = k - from >= 2 ? buf[k - 2]! : this.prev;
      this.prev = buf[k - 1]!;
      this.i = k;
      return undefined;
    }
    const b = buf[this.i]!;
    switch (b) {
      case 0x27: // '
        this.escapeString = (this.prev === 0x45 || this.prev === 0x65) && !isIdentByte(this.prev2);
        this.lex = 'squote';
        this.i++;
        return undefined;
      case 0x22: // "
        this.lex = 'dquote';
        this.i++;
        return undefined;
      case 0x60: // `
        if (d.backticks) {
          this.lex = 'backtick';
          this.i++;
          return undefined;
        }
        break;
      case 0x5b: // [
        if (d.brackets) {
          this.lex = 'bracket';
          this.i++;
          return undefined;
        }
        break;
      case 0x23: // #
        if (d.hashComments) {
          this.lex = 'line';
          this.i++;
          return undefined;
        }
        break;
      case 0x2d: // -
        if (this.needs(2)) return false;
        if (buf[this.i + 1] === 0x2d) {
          this.lex = 'line';
          this.i += 2;
          return undefined;
        }
        break;
      case 0x2f: // /
        if (this.needs(2)) return false;
        if (buf[this.i + 1] === 0x2a) {
          this.lex = 'block';
          this.blockDepth = 1;
          this.i += 2;
          return undefined;
        }
        break;
      case 0x24: // $
        if (d.dollarQuotes && !isIdentByte(this.prev)) {
          const tag = /^\$([A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?\$/.exec(
            buf.toString('latin1', this.i, Math.min(buf.length, this.i + 66)),
          );
          if (tag) {
            this.dollarTag = tag[1] ?? '';
            this.lex = 'dollar';
            this.i += tag[0].length;
            return undefined;
          }
          if (this.needs(66) && /^\$[A-Za-z0-9_\x80-\xff]*$/.test(buf.toString('latin1', this.i))) {
            return false;
          }
        }
        break;
      case 0x28: // (
        if (this.depth++ === 0 && !this.skipParens) {
          this.capture(this.i);
          if (this.openParen(this.headText())) {
            this.inStatement = false;
            return true;
          }
        }
        break;
      case 0x29: // )
        this.depth--;
        break;
      case 0x3b: // ;
        if (this.depth <= 0) {
          this.capture(this.i);
          this.i++;
          this.inStatement = false;
          this.statement(this.headText());
          return true;
        }
        break;
    }
    this.prev2 = this.prev;
    this.prev = b;
    this.i++;
    return undefined;
  }

  private capture(to: number): void {
    if (!this.headDone && this.headLength < HEAD_CAP && to > this.captureFrom) {
      const end = Math.min(to, this.captureFrom + HEAD_CAP - this.headLength);
      this.head.push(Buffer.from(this.buf.subarray(this.captureFrom, end)));
      this.headLength += end - this.captureFrom;
    }
    this.captureFrom = to;
  }

  /** The statement's head as latin1 text: one character per byte, so offsets and bytes survive. */
  private headText(): string {
    return Buffer.concat(this.head).toString('latin1');
  }

  /** True when the head was cut at the cap (the statement is longer than what was kept). */
  protected headCut(): boolean {
    return this.headLength >= HEAD_CAP;
  }

  protected unexpected(expected: string): DumpError {
    const found = this.buf.subarray(this.i, this.i + 16);
    return new DumpError(this.at(), expected, describeBytes(found));
  }
}

/**
 * Where the first closing quote or (when backslashes escape) backslash from `i` is, or -1. Searching for
 * each with indexOf would look past the quote to the next backslash, which may be megabytes away:
 * quadratic over a dump of many short strings.
 */
function quoteOrBackslash(buf: Buffer, i: number, quote: number, backslash: boolean): number {
  if (!backslash) return buf.indexOf(quote, i);
  const n = buf.length;
  for (let k = i; k < n; k++) {
    const c = buf[k]!;
    if (c === quote || c === 0x5c) return k;
  }
  return -1;
}

/** Bytes that neither open a quote or comment nor count for parentheses or the end of a statement. */
const PLAIN_CODE = new Uint8Array(256).fill(1);
for (const b of Buffer.from(`'"\`#-/$();[`, 'latin1')) PLAIN_CODE[b] = 0;

function isIdentByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x5f ||
    b >= 0x80
  );
}
