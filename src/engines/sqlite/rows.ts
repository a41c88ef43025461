import type { RowStream } from '../engine.js';

/** One value of a row read with raw(): a BLOB field (see fieldOf), an integer, or NULL. */
type Value = Buffer | bigint | string | null;

const CHUNK = 256 * 1024;
const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/**
 * Writes rows into the text row format in large chunks: a field's bytes as they are, with backslash, tab,
 * newline and carriage return escaped; NULL as `\N`. Values are never decoded: a BLOB field is the exact
 * text SQL built (see fieldOf in sql.ts), an integer its digits.
 */
export class RowWriter {
  private buffer = Buffer.allocUnsafe(CHUNK);
  private length = 0;
  private readonly full: Buffer[] = [];

  /** Appends one row. */
  row(values: Value[]): void {
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.byte(TAB);
      const value = values[i];
      if (value === null || value === undefined) {
        this.byte(BACKSLASH);
        this.byte(0x4e);
      } else if (Buffer.isBuffer(value)) this.escaped(value);
      else this.escaped(Buffer.from(String(value), 'utf8'));
    }
    this.byte(NEWLINE);
  }

  /** The rows written since the last take, once they fill a chunk (or all of them with `flush`). */
  take(flush = false): Buffer[] {
    if (flush && this.length > 0) this.seal();
    return this.full.splice(0);
  }

  private escaped(bytes: Buffer): void {
    if (this.length + bytes.length * 2 > this.buffer.length) this.seal(bytes.length * 2);
    const out = this.buffer;
    let j = this.length;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === BACKSLASH || b === TAB || b === NEWLINE || b === 0x0d) {
        out[j++] = BACKSLASH;
        out[j++] = b === BACKSLASH ? BACKSLASH : b === TAB ? 0x74 : b === NEWLINE ? 0x6e : 0x72;
      } else out[j++] = b;
    }
    this.length = j;
  }

  private byte(b: number): void {
    if (this.length >= this.buffer.length) this.seal();
    this.buffer[this.length++] = b;
  }

  private seal(room = 0): void {
    if (this.length > 0) this.full.push(this.buffer.subarray(0, this.length));
    this.buffer = Buffer.allocUnsafe(Math.max(CHUNK, room));
    this.length = 0;
  }

  /** True once a chunk is ready. */
  get ready(): boolean {
    return this.full.length > 0;
  }
}

/**
 * Streams the rows of a synchronous iterator out as row format chunks. Between chunks the event loop runs
 * (a consumer's backpressure, a Ctrl-C); `stop` is asked then, and ends the stream with its error.
 */
export async function* rowChunks(rows: IterableIterator<Value[]>, stop: () => void): RowStream {
  const writer = new RowWriter();
  try {
    for (const row of rows) {
      writer.row(row);
      if (writer.ready) {
        for (const chunk of writer.take()) yield chunk;
        stop();
      }
    }
    for (const chunk of writer.take(true)) yield chunk;
  } finally {
    rows.return?.();
  }
}

/**
 * Splits a row stream into rows of raw field bytes (escapes undone, `\N` as null), as fast as it can: the
 * way rows come back in to be bound as parameters.
 */
export async function* parseRows(stream: RowStream): AsyncIterable<(Buffer | null)[]> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    let nl = data.indexOf(NEWLINE, start);
    while (nl !== -1) {
      yield splitLine(data.subarray(start, nl));
      start = nl + 1;
      nl = data.indexOf(NEWLINE, start);
    }
    pending = Buffer.from(data.subarray(start));
  }
  if (pending.length) yield splitLine(pending);
}

function splitLine(line: Buffer): (Buffer | null)[] {
  const fields: (Buffer | null)[] = [];
  let start = 0;
  for (;;) {
    const tab = line.indexOf(TAB, start);
    const end = tab === -1 ? line.length : tab;
    fields.push(unescapeField(line.subarray(start, end)));
    if (tab === -1) return fields;
    start = tab + 1;
  }
}

const ESCAPES: Record<number, number> = {
  110: NEWLINE,
  116: TAB,
  114: 0x0d,
  92: BACKSLASH,
  98: 8,
  102: 12,
  118: 11,
};

function unescapeField(raw: Buffer): Buffer | null {
  if (raw.length === 2 && raw[0] === BACKSLASH && raw[1] === 0x4e) return null;
  if (raw.indexOf(BACKSLASH) === -1) return raw;
  const out = Buffer.allocUnsafe(raw.length);
  let j = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === BACKSLASH && i + 1 < raw.length) {
      const next = raw[++i]!;
      out[j++] = ESCAPES[next] ?? next;
    } else out[j++] = b;
  }
  return out.subarray(0, j);
}
