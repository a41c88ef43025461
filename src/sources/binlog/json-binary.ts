import { writeDecimal } from './decimal.js';
import { doubleText } from './float-text.js';
import { TextOut } from './text-out.js';
import { ColumnType } from './types.js';

/**
 * MySQL's binary JSON (the JSON column type of MySQL 5.7+; MariaDB stores JSON as text) as MySQL prints
 * it (`Json_wrapper::to_string`): `{"a": 1, "b": [true, null]}` with ", " and ": ", keys in stored order,
 * strings escaped as MySQL escapes them, doubles as `my_gcvt` plus ".0" for whole numbers, DECIMAL as
 * itself, dates and times quoted with six fractional digits, other opaque values as "base64:typeN:…".
 */

enum Json {
  SMALL_OBJECT = 0x00,
  LARGE_OBJECT = 0x01,
  SMALL_ARRAY = 0x02,
  LARGE_ARRAY = 0x03,
  LITERAL = 0x04,
  INT16 = 0x05,
  UINT16 = 0x06,
  INT32 = 0x07,
  UINT32 = 0x08,
  INT64 = 0x09,
  UINT64 = 0x0a,
  DOUBLE = 0x0b,
  STRING = 0x0c,
  OPAQUE = 0x0f,
}

/** Nesting deeper than MySQL allows (JSON_DOCUMENT_MAX_DEPTH) means the bytes are not a JSON document. */
const MAX_DEPTH = 100;

export class BadJson extends Error {}

/** The JSON document in `src[start, end)` as MySQL's text (UTF-8, not yet escaped for the row format). */
export function jsonText(src: Buffer, start: number, end: number): Buffer {
  const out: string[] = [];
  // An empty value is what MySQL stores for a JSON null in some paths; it prints as null.
  if (end === start) return Buffer.from('null');
  const doc = src.subarray(start, end);
  writeValue(doc, doc[0]!, 1, out, 0);
  return Buffer.from(out.join(''), 'utf8');
}

function writeValue(doc: Buffer, type: number, at: number, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw new BadJson('JSON nested too deeply');
  switch (type) {
    case Json.SMALL_OBJECT:
    case Json.LARGE_OBJECT:
      writeContainer(doc, at, type === Json.LARGE_OBJECT, true, out, depth);
      return;
    case Json.SMALL_ARRAY:
    case Json.LARGE_ARRAY:
      writeContainer(doc, at, type === Json.LARGE_ARRAY, false, out, depth);
      return;
    case Json.LITERAL:
      out.push(literal(doc[at]!));
      return;
    case Json.INT16:
      out.push(String(doc.readInt16LE(at)));
      return;
    case Json.UINT16:
      out.push(String(doc.readUInt16LE(at)));
      return;
    case Json.INT32:
      out.push(String(doc.readInt32LE(at)));
      return;
    case Json.UINT32:
      out.push(String(doc.readUInt32LE(at)));
      return;
    case Json.INT64:
      out.push(doc.readBigInt64LE(at).toString());
      return;
    case Json.UINT64:
      out.push(doc.readBigUInt64LE(at).toString());
      return;
    case Json.DOUBLE: {
      const text = doubleText(doc.readDoubleLE(at));
      out.push(/[.e]/.test(text) ? text : `${text}.0`);
      return;
    }
    case Json.STRING: {
      const { length, next } = variableLength(doc, at);
      out.push(quote(doc.subarray(next, next + length).toString('utf8')));
      return;
    }
    case Json.OPAQUE:
      writeOpaque(doc, at, out);
      return;
    default:
      throw new BadJson(`unknown JSON value type 0x${type.toString(16)}`);
  }
}

function literal(code: number): string {
  if (code === 0x00) return 'null';
  if (code === 0x01) return 'true';
  if (code === 0x02) return 'false';
  throw new BadJson(`unknown JSON literal 0x${code.toString(16)}`);
}

/** Objects and arrays: count, size, key entries (objects), value entries, then keys and values by offset. */
function writeContainer(
  doc: Buffer,
  base: number,
  large: boolean,
  object: boolean,
  out: string[],
  depth: number,
): void {
  const word = large ? 4 : 2;
  const read = (at: number) => (large ? doc.readUInt32LE(at) : doc.readUInt16LE(at));
  const count = read(base);
  const keyEntry = object ? word + 2 : 0;
  const valueEntry = 1 + word;
  const keys = base + 2 * word;
  const values = keys + count * keyEntry;
  out.push(object ? '{' : '[');
  for (let i = 0; i < count; i++) {
    if (i > 0) out.push(', ');
    if (object) {
      const keyAt = keys + i * keyEntry;
      const offset = read(keyAt);
      const length = doc.readUInt16LE(keyAt + word);
      out.push(quote(doc.subarray(base + offset, base + offset + length).toString('utf8')), ': ');
    }
    const entry = values + i * valueEntry;
    const type = doc[entry]!;
    if (inlined(type, large)) writeValue(doc, type, entry + 1, out, depth + 1);
    else writeValue(doc, type, base + read(entry + 1), out, depth + 1);
  }
  out.push(object ? '}' : ']');
}

/** Literals and integers that fit the entry are stored in it instead of at an offset. */
function inlined(type: number, large: boolean): boolean {
  return (
    type === Json.LITERAL ||
    type === Json.INT16 ||
    type === Json.UINT16 ||
    (large && (type === Json.INT32 || type === Json.UINT32))
  );
}

/** Lengths of strings and opaque values: 7 bits a byte, low bits first, high bit set on all but the last. */
function variableLength(doc: Buffer, at: number): { length: number; next: number } {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    const b = doc[at + i];
    if (b === undefined) break;
    length += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { length, next: at + i + 1 };
  }
  throw new BadJson('bad JSON length');
}

function writeOpaque(doc: Buffer, at: number, out: string[]): void {
  const fieldType = doc[at]!;
  const { length, next } = variableLength(doc, at + 1);
  const data = doc.subarray(next, next + length);
  switch (fieldType) {
    case ColumnType.NEWDECIMAL: {
      const text = new TextOut(80);
      writeDecimal(data, 2, data[0]!, data[1]!, text);
      out.push(text.take().toString('latin1'));
      return;
    }
    case ColumnType.DATE:
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIME:
      out.push(`"${packedTemporal(fieldType, data.readBigInt64LE(0))}"`);
      return;
    case ColumnType.VAR_STRING:
      out.push(quote(data.toString('utf8')));
      return;
    default:
      out.push(quote(`base64:type${fieldType}:${wrappedBase64(data)}`));
  }
}

/** MySQL's base64 breaks its output into lines of 76 characters. */
function wrappedBase64(data: Buffer): string {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join('\n');
}

/** MySQL's packed temporal longlong: (date and clock bits) << 24 | microseconds, negative for negative times. */
function packedTemporal(fieldType: number, packed: bigint): string {
  const negative = packed < 0n;
  const magnitude = negative ? -packed : packed;
  const micros = Number(magnitude & 0xffffffn);
  const whole = Number(magnitude >> 24n);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const clock = whole % 2 ** 17;
  const hms = `${p2((clock >> 12) & 0x3ff)}:${p2((clock >> 6) & 0x3f)}:${p2(clock & 0x3f)}`;
  const frac = `.${String(micros).padStart(6, '0')}`;
  if (fieldType === ColumnType.TIME) {
    const hours = (whole >> 12) & 0x3ff;
    return `${negative ? '-' : ''}${p2(hours)}:${p2((whole >> 6) & 0x3f)}:${p2(whole & 0x3f)}${frac}`;
  }
  const ymd = Math.floor(whole / 2 ** 17);
  const ym = ymd >> 5;
  const date = `${String(Math.floor(ym / 13)).padStart(4, '0')}-${p2(ym % 13)}-${p2(ymd & 0x1f)}`;
  return fieldType === ColumnType.DATE ? date : `${date} ${hms}${frac}`;
}

/** A JSON string as MySQL quotes it: `"`, `\` and bytes up to 0x1F escaped, the rest as is. */
function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code > 0x1f) out += ch;
    else if (code === 0x08) out += '\\b';
    else if (code === 0x09) out += '\\t';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0c) out += '\\f';
    else if (code === 0x0d) out += '\\r';
    else out += `\\u00${code.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}
