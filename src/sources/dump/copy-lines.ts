import type { RowBuilder } from './row-builder.js';

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const TAB = 0x09;
/** A line holding only `\.` ends a COPY block. */
const END_LINE = Buffer.from('\n\\.\n', 'latin1');

/**
 * The data lines of one `COPY … FROM stdin;` block, up to its `\.` line. COPY text is already the text
 * row format, so the wanted table's lines pass through untouched when its columns are in the order asked
 * for, and are cut at tabs and reordered otherwise. Without a builder the lines are skipped, found with
 * `indexOf` and never looked at.
 */
export class CopyLines {
  ended = false;
  constructor(
    readonly builder: RowBuilder | undefined,
    /** False while the rest of the COPY statement's own line is still to be skipped. */
    private started = false,
  ) {}

  /**
   * Consumes complete lines of `buf` from `i`; returns where it stopped, or `-(bytes left) - 1` when it
   * needs more input (the bytes from there on wait for the next chunk).
   */
  step(buf: Buffer, i: number, base: number): number {
    if (!this.started) {
      const nl = buf.indexOf(NEWLINE, i);
      if (nl === -1) return -1;
      this.started = true;
      i = nl + 1;
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last < i) return i - buf.length - 1;
    let end: number;
    if (buf[i] === BACKSLASH && buf[i + 1] === 0x2e && buf[i + 2] === NEWLINE) end = i;
    else {
      const found = buf.indexOf(END_LINE, i);
      end = found !== -1 && found + 3 <= last ? found + 1 : -1;
    }
    const stop = end === -1 ? last + 1 : end;
    if (this.builder && stop > i) this.rows(buf, i, stop, base);
    if (end === -1) return stop;
    this.ended = true;
    return end + 3;
  }

  private rows(buf: Buffer, start: number, end: number, base: number): void {
    const builder = this.builder!;
    if (!builder.order) {
      builder.passRows(buf.subarray(start, end), base + start);
      return;
    }
    let line = start;
    while (line < end) {
      const nl = buf.indexOf(NEWLINE, line);
      let field = line;
      for (;;) {
        const tab = buf.indexOf(TAB, field);
        const stop = tab === -1 || tab > nl ? nl : tab;
        builder.beginField();
        builder.plainBytes(buf, field, stop);
        builder.endField();
        if (stop === nl) break;
        field = stop + 1;
      }
      builder.endRow(base + line);
      line = nl + 1;
    }
  }
}
