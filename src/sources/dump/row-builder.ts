import { RowbackError } from '../../core/errors.js';
import { DumpError } from './errors.js';

const BACKSLASH = 0x5c;
const TAB = 0x09;
const NEWLINE = 0x0a;

/** Output is handed on in chunks of about this size. */
const CHUNK = 256 * 1024;
/**
 * The first chunk is smaller: the first rows reach the target sooner, and V8 sees a flush run before it
 * optimizes the parser (code optimized without having seen one is thrown away at the first).
 */
const FIRST_CHUNK = 8 * 1024;
/**
 * Parsers take their input this many bytes at a time and `reserve` room for it first: a literal never
 * grows by more than twice (a raw tab becomes `\t`), plus `SLACK` for what a pending escape adds.
 */
export const SLICE = 64 * 1024;
export const SLACK = 64;
/** Room for a full chunk plus one slice's worth of output, so a fresh chunk needs no growing. */
const CAPACITY = CHUNK + 2 * SLICE + 4 * SLACK;

/**
 * The byte after a backslash for each byte the text row format escapes (`\\`, `\t`, `\n`, `\r`), 0 for
 * bytes that pass as they are. Parsers index it in their inner loops.
 */
export const ROW_ESCAPE = new Uint8Array(256);
ROW_ESCAPE[BACKSLASH] = BACKSLASH;
ROW_ESCAPE[TAB] = 0x74;
ROW_ESCAPE[NEWLINE] = 0x6e;
ROW_ESCAPE[0x0d] = 0x72;

/**
 * Builds rows in the text row format (see RowStream in engines/engine.ts) from values parsed out of a
 * dump, and hands them on in chunks. Parsers write into `out` at `used` directly, after `reserve`-ing
 * room: writes are not bounds-checked one by one (a typed array drops a write past its end, so `endRow`
 * refuses a row that overran). The dump's fields come in the dump's column order; `order` says which
 * dump field goes to each output column (identity when undefined), so a dump written with another
 * column order still gives the columns asked for.
 */
export class RowBuilder {
  out: Buffer;
  used = 0;
  /** Complete rows are handed on once this many bytes are built. */
  private limit = FIRST_CHUNK;
  /** Where the current row starts in `out`. */
  private rowStart = 0;
  /** Fields begun in the current row (a parser keeping its own count sets it before `endRow`). */
  field = 0;
  /**
   * With `order`: where each field of the current row starts and ends in `out` (empty without `order`:
   * a parser writing fields itself records field f only when f < starts.length).
   */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private scratch = Buffer.allocUnsafe(0);

  constructor(
    /** Fields each dump row must have. */
    readonly fields: number,
    /** Output column i takes dump field order[i]. */
    readonly order: number[] | undefined,
    private readonly emit: (chunk: Buffer) => void,
  ) {
    // Stored twice, so that V8 never takes `out` for a constant field (code optimized on that
    // assumption is thrown away when `flush` replaces it).
    this.out = Buffer.alloc(0);
    this.out = Buffer.allocUnsafe(CAPACITY);
    this.starts = new Int32Array(order ? fields : 0);
    this.ends = new Int32Array(order ? fields : 0);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.used + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.used + n + CHUNK));
    this.out.copy(bigger, 0, 0, this.used);
    this.out = bigger;
  }

  beginField(): void {
    const f = this.field++;
    if (f > 0) this.out[this.used++] = TAB;
    if (f < this.starts.length) this.starts[f] = this.used;
  }

  endField(): void {
    const f = this.field - 1;
    if (f < this.ends.length) this.ends[f] = this.used;
  }

  /** A NULL field (`\N`). */
  nullField(): void {
    this.beginField();
    this.out[this.used++] = BACKSLASH;
    this.out[this.used++] = 0x4e;
    this.endField();
  }

  /** One raw value byte, escaped for the row format. */
  valueByte(b: number): void {
    const e = ROW_ESCAPE[b]!;
    if (e === 0) this.out[this.used++] = b;
    else {
      this.out[this.used++] = BACKSLASH;
      this.out[this.used++] = e;
    }
  }

  /** Bytes already in the row format (a passed-through COPY field); reserves its own room. */
  plainBytes(source: Buffer, start: number, end: number): void {
    this.reserve(end - start + 1);
    this.used += source.copy(this.out, this.used, start, end);
  }

  /** Ends a row; `offset` (of the dump) is for the error when the row has the wrong number of fields. */
  endRow(offset: number): void {
    if (this.field !== this.fields) {
      throw new DumpError(
        offset,
        `a row of ${this.fields} values`,
        `a row of ${this.field} value${this.field === 1 ? '' : 's'}`,
      );
    }
    if (this.used >= this.out.length)
      throw new RowbackError('internal', 'row builder overrun: a parser wrote without reserving');
    if (this.order) this.reorder();
    this.out[this.used++] = NEWLINE;
    this.field = 0;
    this.rowStart = this.used;
    if (this.used >= this.limit) this.flush();
  }

  /** Whole rows already in the row format, in the right column order (a COPY block's lines). */
  passRows(rows: Buffer): void {
    this.flush();
    this.emit(rows);
  }

  /** Hands on every complete row built so far. */
  flush(): void {
    if (this.rowStart === 0) return;
    // Hand on the buffer itself and carry the half-built row over to a fresh one: no copy of the rows.
    const done = this.out.subarray(0, this.rowStart);
    const rest = this.used - this.rowStart;
    const fresh = Buffer.allocUnsafe(rest * 2 + CAPACITY);
    this.out.copy(fresh, 0, this.rowStart, this.used);
    this.out = fresh;
    for (let i = 0; i < this.starts.length; i++) this.starts[i]! -= this.rowStart;
    for (let i = 0; i < this.ends.length; i++) this.ends[i]! -= this.rowStart;
    this.used = rest;
    this.rowStart = 0;
    this.limit = CHUNK;
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
}
