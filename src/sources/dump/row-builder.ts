import { DumpError } from './errors.js';

const BACKSLASH = 0x5c;
const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;

/** Output is handed on in chunks of about this size. */
const CHUNK = 256 * 1024;

/**
 * Builds rows in the text row format (see RowStream in engines/engine.ts) from values parsed out of a
 * dump, one byte or slice at a time, and hands them on in chunks. The dump's fields come in the dump's
 * column order; `order` says which dump field goes to each output column (identity when undefined), so
 * a dump written with another column order still gives the columns asked for.
 */
export class RowBuilder {
  private out = Buffer.allocUnsafe(CHUNK * 2);
  private used = 0;
  /** Where the current row starts in `out`, and where each of its fields starts and ends. */
  private rowStart = 0;
  private starts: number[] = [];
  private ends: number[] = [];
  private scratch = Buffer.allocUnsafe(0);
  rows = 0;

  constructor(
    /** Fields each dump row must have. */
    readonly fields: number,
    /** Output column i takes dump field order[i]. */
    readonly order: number[] | undefined,
    private readonly emit: (chunk: Buffer) => void,
  ) {}

  beginField(): void {
    if (this.starts.length > 0) this.byte(TAB);
    this.starts.push(this.used);
  }

  endField(): void {
    this.ends.push(this.used);
  }

  /** A NULL field (`\N`). */
  nullField(): void {
    this.beginField();
    this.byte(BACKSLASH);
    this.byte(0x4e);
    this.endField();
  }

  /** One raw value byte, escaped for the row format. */
  valueByte(b: number): void {
    if (b === BACKSLASH || b === TAB || b === NEWLINE || b === RETURN) {
      this.byte(BACKSLASH);
      this.byte(b === BACKSLASH ? BACKSLASH : b === TAB ? 0x74 : b === NEWLINE ? 0x6e : 0x72);
    } else {
      this.byte(b);
    }
  }

  /** Raw value bytes, escaped for the row format. */
  valueBytes(source: Buffer, start: number, end: number): void {
    this.reserve(2 * (end - start));
    const out = this.out;
    let used = this.used;
    for (let i = start; i < end; i++) {
      const b = source[i]!;
      if (b === BACKSLASH || b === TAB || b === NEWLINE || b === RETURN) {
        out[used++] = BACKSLASH;
        out[used++] = b === BACKSLASH ? BACKSLASH : b === TAB ? 0x74 : b === NEWLINE ? 0x6e : 0x72;
      } else {
        out[used++] = b;
      }
    }
    this.used = used;
  }

  /** Bytes already in the row format (no escaping needed: digits, `t`, a passed-through COPY field). */
  plainBytes(source: Buffer, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    if (n > 64) {
      source.copy(this.out, this.used, start, end);
      this.used += n;
      return;
    }
    // A short value (a number, a date): a loop beats Buffer.copy's per-call cost.
    const out = this.out;
    let used = this.used;
    for (let i = start; i < end; i++) out[used++] = source[i]!;
    this.used = used;
  }

  byte(b: number): void {
    if (this.used === this.out.length) this.reserve(1);
    this.out[this.used++] = b;
  }

  /** Ends a row; `offset` (of the dump) is for the error when the row has the wrong number of fields. */
  endRow(offset: number): void {
    if (this.starts.length !== this.fields) {
      throw new DumpError(
        offset,
        `a row of ${this.fields} values`,
        `a row of ${this.starts.length} value${this.starts.length === 1 ? '' : 's'}`,
      );
    }
    if (this.order) this.reorder();
    this.byte(NEWLINE);
    this.starts.length = 0;
    this.ends.length = 0;
    this.rows++;
    this.rowStart = this.used;
    if (this.used >= CHUNK) this.flush();
  }

  /** Whole rows already in the row format, in the right column order (a COPY block's lines). */
  passRows(rows: Buffer, _offset: number): void {
    this.flush();
    let n = 0;
    for (let i = rows.indexOf(NEWLINE); i !== -1; i = rows.indexOf(NEWLINE, i + 1)) n++;
    this.rows += n;
    this.emit(rows);
  }

  /** Drops a half-built row (the dump ended inside it). */
  dropRow(): void {
    this.used = this.rowStart;
    this.starts.length = 0;
    this.ends.length = 0;
  }

  /** Hands on every complete row built so far. */
  flush(): void {
    if (this.rowStart === 0) return;
    // Hand on the buffer itself and carry the half-built row over to a fresh one: no copy of the rows.
    const done = this.out.subarray(0, this.rowStart);
    const rest = this.used - this.rowStart;
    const fresh = Buffer.allocUnsafe(Math.max(CHUNK * 2, rest * 2));
    this.out.copy(fresh, 0, this.rowStart, this.used);
    this.out = fresh;
    for (let i = 0; i < this.starts.length; i++) this.starts[i]! -= this.rowStart;
    for (let i = 0; i < this.ends.length; i++) this.ends[i]! -= this.rowStart;
    this.used = rest;
    this.rowStart = 0;
    this.emit(done);
  }

  /** Rewrites the current row with its fields in output order. */
  private reorder(): void {
    const order = this.order!;
    const length = this.used - this.rowStart;
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(length * 2);
    this.out.copy(this.scratch, 0, this.rowStart, this.used);
    let used = this.rowStart;
    for (let i = 0; i < order.length; i++) {
      if (i > 0) this.out[used++] = TAB;
      const f = order[i]!;
      used += this.scratch.copy(
        this.out,
        used,
        this.starts[f]! - this.rowStart,
        this.ends[f]! - this.rowStart,
      );
    }
    this.used = used;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.used + n + CHUNK));
    this.out.copy(bigger, 0, 0, this.used);
    this.out = bigger;
  }
}
