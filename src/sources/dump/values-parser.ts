import { DumpError, describeBytes } from './errors.js';
import { type RowBuilder, SLACK, SLICE } from './row-builder.js';

export interface Step {
  /** Where parsing stopped. */
  at: number;
  /** The statement's `;` was read. */
  ended: boolean;
  /** The bytes from `at` on wait for the next chunk. */
  needMore: boolean;
}

/**
 * The states every dialect shares, numbered as the dialects' `run` numbers them (there as local
 * constants, for speed): expecting the `(` of a row, `,` or `)` after a value, `,` or `;` after a row.
 * A dialect numbers its own states (at the start of a value: 3) from there.
 */
const TUPLE = 0;
const AFTER_VALUE = 1;
/** After the statement's `;`. */
const ENDED = -1;

/** Blanks between tokens. */
export const BLANK = new Uint8Array(256);
for (const b of [0x20, 0x0a, 0x09, 0x0d]) BLANK[b] = 1;

/** Bytes that end a bare token (a number, NULL): `,`, `)`, blanks. */
export const BARE_END = new Uint8Array(BLANK);
BARE_END[0x2c] = 1;
BARE_END[0x29] = 1;

/** Bytes of an unquoted number as dumps write them. */
export const NUMERIC = new Uint8Array(256);
for (const b of Buffer.from('0123456789+-.eE', 'latin1')) NUMERIC[b] = 1;
/** Bytes that start one (not e or E: a word starting so is E'…' or an error). */
export const NUMBER_START = new Uint8Array(NUMERIC);
NUMBER_START[0x65] = 0;
NUMBER_START[0x45] = 0;

/** Bytes of a bare word (NULL, true, _binary, the X of X'…'). */
export const WORD_BYTE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  WORD_BYTE[b] = (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) || b === 0x5f ? 1 : 0;
}

/**
 * The `VALUES (…), (…);` of an INSERT statement, from its first `(`, as rows of the text row format: a
 * byte-level state machine over the dump's own bytes that writes straight into the row builder's chunk.
 * It is fed whole chunks, and any token may be cut by a chunk's end: its state waits for the next one,
 * so no bytes are held back or copied. A dialect implements `run` as one loop over a switch on its
 * states, with the state in locals: that is what keeps it at the speed of a copy.
 */
export abstract class ValuesParser {
  protected state = TUPLE;
  /**
   * Input bytes per `run` call: small for the first call, so that V8 sees `run` return before it
   * optimizes it (code optimized without having seen a path is thrown away the first time it takes it).
   */
  private slice = 1024;

  constructor(protected readonly builder: RowBuilder) {}

  step(buf: Buffer, i: number, base: number): Step {
    const n = buf.length;
    while (i < n) {
      // A slice at a time, so the room reserved for its output stays small.
      const end = Math.min(n, i + this.slice);
      this.builder.reserve(2 * (end - i) + SLACK);
      i = this.run(buf, i, end, base);
      this.slice = SLICE;
      if (this.state === ENDED) {
        this.ended();
        return { at: i, ended: true, needMore: false };
      }
    }
    return { at: i, ended: false, needMore: true };
  }

  /**
   * At the statement's `;`. Rows are handed on as the builder fills and by the dump parser once the
   * table's data ends (`flush`): one parser serves every INSERT of the table (`restart`), so a dump of
   * one INSERT per row gathers its rows into large chunks instead of one chunk per statement.
   */
  protected ended(): void {}

  /** Ready for the next INSERT's `(`. */
  restart(): void {
    this.state = TUPLE;
  }

  /** Hands on every complete row built so far. */
  flush(): void {
    this.builder.flush();
  }

  /**
   * Reads `buf` from `i` up to `end` (room for twice that much output, plus SLACK, is reserved), or up
   * to just after the statement's `;` (state ENDED); returns where it stopped.
   */
  protected abstract run(buf: Buffer, i: number, end: number, base: number): number;
}

export function found(buf: Buffer, i: number, base: number, expected: string): DumpError {
  // as bytes in hex unless printable ASCII: a control byte prints as nothing, UTF-8 as latin1 would mislead
  return new DumpError(base + i, expected, describeBytes(buf.subarray(i, i + 16)));
}

/** The error for a bad token that started at dump offset `offset` (maybe in an earlier chunk). */
export function badToken(buf: Buffer, i: number, base: number, offset: number, expected: string): DumpError {
  return offset >= base ? found(buf, offset - base, base, expected) : found(buf, i, base, expected);
}

/** The error for a byte out of place between values and rows. */
export function badPunctuation(buf: Buffer, i: number, base: number, state: number): DumpError {
  const expected =
    state === TUPLE
      ? '"(" starting a row of values'
      : state === AFTER_VALUE
        ? '"," or ")" after a value'
        : '"," or ";" after a row of values'; // AFTER_TUPLE
  return found(buf, i, base, expected);
}

/** Narrows the bitmask of candidate words (lower-case) by the byte at position `at` of a bare word. */
export function matchWord(mask: number, words: readonly string[], at: number, c: number): number {
  let m = mask;
  const lower = c | 0x20;
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    if (m & (1 << w) && (at >= word.length || word.charCodeAt(at) !== lower)) m &= ~(1 << w);
  }
  return m;
}

/** The candidate word read whole (`length` bytes), or -1. */
export function wholeWord(mask: number, words: readonly string[], length: number): number {
  for (let w = 0; w < words.length; w++) if (mask & (1 << w) && words[w]!.length === length) return w;
  return -1;
}
