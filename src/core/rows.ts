/**
 * The text row format (see RowStream in engines/engine.ts): encode and decode single rows. Used for the
 * few rows rowback shows or builds itself; bulk rows stay as bytes and are never decoded in JS.
 */

const NULL_FIELD = '\\N';

/** Escapes one value's bytes for the text row format; `null` becomes `\N`. */
export function encodeField(value: Buffer | string | null): Buffer {
  if (value === null) return Buffer.from(NULL_FIELD);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let extra = 0;
  for (const b of bytes) if (b === 0x5c || b === 0x09 || b === 0x0a || b === 0x0d) extra++;
  if (extra === 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length + extra);
  let j = 0;
  for (const b of bytes) {
    if (b === 0x5c || b === 0x09 || b === 0x0a || b === 0x0d) {
      out[j++] = 0x5c;
      out[j++] = b === 0x5c ? 0x5c : b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : 0x72;
    } else {
      out[j++] = b;
    }
  }
  return out;
}

/** One row (without its newline) from its values. */
export function encodeRow(values: (Buffer | string | null)[]): Buffer {
  const parts: Buffer[] = [];
  values.forEach((v, i) => {
    if (i > 0) parts.push(TAB);
    parts.push(encodeField(v));
  });
  parts.push(NEWLINE);
  return Buffer.concat(parts);
}

const TAB = Buffer.from('\t');
const NEWLINE = Buffer.from('\n');

const ESCAPES: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/** Decodes one line (no trailing newline) into raw field bytes; `\N` becomes null. */
export function decodeRow(line: Buffer): (Buffer | null)[] {
  const fields: (Buffer | null)[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === 0x09) {
      fields.push(decodeField(line.subarray(start, i)));
      start = i + 1;
    }
  }
  return fields;
}

function decodeField(raw: Buffer): Buffer | null {
  if (raw.length === 2 && raw[0] === 0x5c && raw[1] === 0x4e) return null;
  if (!raw.includes(0x5c)) return raw;
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b !== 0x5c || i + 1 >= raw.length) {
      out.push(b);
      continue;
    }
    const next = String.fromCharCode(raw[++i]!);
    if (next in ESCAPES) out.push(ESCAPES[next]!);
    else if (/[0-7]/.test(next)) {
      let octal = next;
      while (octal.length < 3 && i + 1 < raw.length && /[0-7]/.test(String.fromCharCode(raw[i + 1]!))) {
        octal += String.fromCharCode(raw[++i]!);
      }
      out.push(Number.parseInt(octal, 8) & 0xff);
    } else out.push(raw[i]!);
  }
  return Buffer.from(out);
}

/** Splits a row stream into lines (without newlines). For small streams (samples, tests, undo checks). */
export async function* splitRows(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    let nl = pending.indexOf(0x0a, start);
    while (nl !== -1) {
      yield pending.subarray(start, nl);
      start = nl + 1;
      nl = pending.indexOf(0x0a, start);
    }
    pending = pending.subarray(start);
  }
  if (pending.length) yield pending;
}

/** Counts rows in a chunk: every 0x0A byte ends a row, because newlines inside values are escaped. */
export function countRows(chunk: Buffer): number {
  let n = 0;
  let i = chunk.indexOf(0x0a);
  while (i !== -1) {
    n++;
    i = chunk.indexOf(0x0a, i + 1);
  }
  return n;
}

/** Yields a stream unchanged while counting its rows and reporting progress. */
export async function* countingRows(
  stream: AsyncIterable<Buffer>,
  onRows: (total: number) => void,
): AsyncIterable<Buffer> {
  let total = 0;
  for await (const chunk of stream) {
    total += countRows(chunk);
    onRows(total);
    yield chunk;
  }
}
