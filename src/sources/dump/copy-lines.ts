import type { RowBuilder } from './row-builder.js';

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const TAB = 0x09;
/** A line holding only `\.` ends a COPY block. */
const END_LINE = Buffer.from('\n\\.\n', 'latin1');
/** The start of a line that may be the `\.` line, held back at a chunk's end until the next chunk says. */
const HELD = [Buffer.alloc(0), Buffer.from('\\', 'latin1'), Buffer.from('\\.', 'latin1')];

/**
 * The data lines of one `COPY … FROM stdin;` block, up to its `\.` line. COPY text is already the text
 * row format, so the wanted table's bytes pass through untouched when its columns are in the order asked
 * for: whole chunks, found with `indexOf` and never looked at byte by byte, with no line held back (a
 * row stream's chunks need not end on a row boundary). Otherwise lines are cut at tabs and reordered.
 * Without a builder the lines are skipped the same way.
 */
export class CopyLines {
  ended = false;
  /** The next byte starts a line. */
  private lineStart = true;
  /** How many bytes of a `\.` line were read at the end of the last chunk and not passed on yet. */
  private held = 0;

  constructor(
    readonly builder: RowBuilder | undefined,
    /** False while the rest of the COPY statement's own line is still to be skipped. */
    private started = false,
  ) {}

  /**
   * Consumes `buf` from `i`; returns where it stopped, or `-(bytes left) - 1` when it needs more input
   * (the bytes from there on wait for the next chunk: only when reordering, which takes whole lines).
   */
  step(buf: Buffer, i: number, base: number): number {
    if (!this.started) {
      const nl = buf.indexOf(NEWLINE, i);
      if (nl === -1) return -1;
      this.started = true;
      i = nl + 1;
    }
    if (!this.builder?.order) return this.pass(buf, i);
    const last = buf.lastIndexOf(NEWLINE);
    if (last < i) return i - buf.length - 1;
    let end: number;
    if (buf[i] === BACKSLASH && buf[i + 1] === DOT && buf[i + 2] === NEWLINE) end = i;
    else {
      const found = buf.indexOf(END_LINE, i);
      end = found !== -1 && found + 3 <= last ? found + 1 : -1;
    }
    const stop = end === -1 ? last + 1 : end;
    if (stop > i) this.rows(buf, i, stop, base);
    if (end === -1) return stop;
    this.ended = true;
    return end + 3;
  }

  /** Passes (or skips) every byte of `buf` from `i` up to the `\.` line. */
  private pass(buf: Buffer, i: number): number {
    const n = buf.length;
    if (this.lineStart) {
      const held = this.held;
      let k = held;
      let j = i;
      while (k < 3 && j < n && buf[j] === END_LINE[k + 1]) {
        k++;
        j++;
      }
      if (k === 3) {
        this.ended = true;
        return j;
      }
      if (j === n) {
        this.held = k;
        return -1;
      }
      if (held > 0) this.emit(HELD[held]!); // not the `\.` line after all: data
      this.held = 0;
      this.lineStart = false;
    }
    const found = buf.indexOf(END_LINE, i);
    if (found !== -1) {
      if (found + 1 > i) this.emit(buf.subarray(i, found + 1));
      this.ended = true;
      return found + 4;
    }
    // Hold back what may begin the `\.` line: a last line reading `\` or `\.` so far.
    let cut = n;
    if (n - 2 >= i && buf[n - 2] === NEWLINE && buf[n - 1] === BACKSLASH) cut = n - 1;
    else if (n - 3 >= i && buf[n - 3] === NEWLINE && buf[n - 2] === BACKSLASH && buf[n - 1] === DOT)
      cut = n - 2;
    if (cut > i) this.emit(buf.subarray(i, cut));
    this.held = n - cut;
    this.lineStart = cut < n || (n > i && buf[n - 1] === NEWLINE);
    return -1;
  }

  private emit(bytes: Buffer): void {
    this.builder?.passRows(bytes);
  }

  private rows(buf: Buffer, start: number, end: number, base: number): void {
    const builder = this.builder!;
    if (!builder.order) {
      builder.passRows(buf.subarray(start, end));
      return;
    }
    let line = start;
    while (line < end) {
      const nl = buf.indexOf(NEWLINE, line);
      builder.reserve(nl - line + 1);
      let field = line;
      for (let k = line; k <= nl; k++) {
        const c = buf[k]!;
        if (c !== TAB && c !== NEWLINE) continue;
        builder.beginField();
        builder.plainBytes(buf, field, k);
        builder.endField();
        field = k + 1;
      }
      builder.endRow(base + line);
      line = nl + 1;
    }
  }
}
