import { u16, u64 } from './bytes.js';

/** A JSON value for the MySQL binary JSON encoder below (keys given in MySQL's stored order). */
export type J =
  | { obj: [string, J][] }
  | { arr: J[] }
  | { lit: 'null' | 'true' | 'false' }
  | { int16: number }
  | { int32: number }
  | { int64: bigint }
  | { uint64: bigint }
  | { double: number }
  | { str: string }
  | { opaque: number; data: Buffer };

const LITERALS = { null: 0, true: 1, false: 2 } as const;

/** MySQL's binary JSON (json_binary.h), small containers only: a type byte, then the value. */
export function jsonBinary(value: J): Buffer {
  const { type, bytes } = encode(value);
  return Buffer.concat([Buffer.from([type]), bytes]);
}

function encode(value: J): { type: number; bytes: Buffer; inline?: number } {
  if ('lit' in value)
    return { type: 0x04, bytes: Buffer.from([LITERALS[value.lit]]), inline: LITERALS[value.lit] };
  if ('int16' in value) {
    const b = Buffer.alloc(2);
    b.writeInt16LE(value.int16);
    return { type: 0x05, bytes: b, inline: b.readUInt16LE(0) };
  }
  if ('int32' in value) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value.int32);
    return { type: 0x07, bytes: b };
  }
  if ('int64' in value) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(value.int64);
    return { type: 0x09, bytes: b };
  }
  if ('uint64' in value) return { type: 0x0a, bytes: u64(value.uint64) };
  if ('double' in value) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value.double);
    return { type: 0x0b, bytes: b };
  }
  if ('str' in value) {
    const data = Buffer.from(value.str, 'utf8');
    return { type: 0x0c, bytes: Buffer.concat([varLength(data.length), data]) };
  }
  if ('opaque' in value) {
    return {
      type: 0x0f,
      bytes: Buffer.concat([Buffer.from([value.opaque]), varLength(value.data.length), value.data]),
    };
  }
  const object = 'obj' in value;
  const members: [string | undefined, J][] = object ? value.obj : value.arr.map((v) => [undefined, v]);
  const keys = members.map(([k]) => Buffer.from(k ?? '', 'utf8'));
  const encoded = members.map(([, v]) => encode(v));
  const headerSize = 4 + (object ? 4 * members.length : 0) + 3 * members.length;
  const keyBytes = object ? Buffer.concat(keys) : Buffer.alloc(0);
  let offset = headerSize + keyBytes.length;
  const keyEntries: Buffer[] = [];
  let keyOffset = headerSize;
  for (const key of object ? keys : []) {
    keyEntries.push(Buffer.concat([u16(keyOffset), u16(key.length)]));
    keyOffset += key.length;
  }
  const valueEntries: Buffer[] = [];
  const values: Buffer[] = [];
  for (const e of encoded) {
    if (e.inline !== undefined) {
      valueEntries.push(Buffer.concat([Buffer.from([e.type]), u16(e.inline)]));
    } else {
      valueEntries.push(Buffer.concat([Buffer.from([e.type]), u16(offset)]));
      values.push(e.bytes);
      offset += e.bytes.length;
    }
  }
  const body = Buffer.concat([...keyEntries, ...valueEntries, keyBytes, ...values]);
  return {
    type: object ? 0x00 : 0x02,
    bytes: Buffer.concat([u16(members.length), u16(4 + body.length), body]),
  };
}

/** Opaque and string lengths: 7 bits per byte, low first, high bit set on all but the last. */
function varLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
