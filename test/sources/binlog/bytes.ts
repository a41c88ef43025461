import { crc32 } from '../../../src/sources/binlog/bytes.js';

/**
 * Binlog events built byte by byte from the documented formats (MySQL's `binary_log` classes and
 * MariaDB's log_event.h), for decoder tests of what the test servers cannot produce (MySQL 8).
 */

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function u64(n: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export function uint(n: number, bytes: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b.subarray(0, bytes);
}

/** MySQL's packed (length-encoded) integer. */
export function packed(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.concat([Buffer.from([0xfc]), u16(n)]);
  if (n < 0x1000000) return Buffer.concat([Buffer.from([0xfd]), uint(n, 3)]);
  return Buffer.concat([Buffer.from([0xfe]), u64(n)]);
}

export function packedBytes(bytes: Buffer | string): Buffer {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return Buffer.concat([packed(b.length), b]);
}

export interface EventOptions {
  timestamp?: number;
  serverId?: number;
  /** Where the next event starts (log_pos); 0 for artificial events. */
  next?: number;
  flags?: number;
  checksum?: boolean;
}

/** A whole event: the 19-byte header, the body, and a CRC-32 when `checksum`. */
export function event(type: number, body: Buffer, options: EventOptions = {}): Buffer {
  const size = 19 + body.length + (options.checksum ? 4 : 0);
  const header = Buffer.alloc(19);
  header.writeUInt32LE(options.timestamp ?? 1_800_000_000, 0);
  header[4] = type;
  header.writeUInt32LE(options.serverId ?? 1, 5);
  header.writeUInt32LE(size, 9);
  header.writeUInt32LE(options.next ?? 0, 13);
  header.writeUInt16LE(options.flags ?? 0, 17);
  const raw = Buffer.concat([header, body]);
  return options.checksum ? Buffer.concat([raw, u32(crc32(raw))]) : raw;
}

/** Post-header lengths a MySQL 8 FORMAT_DESCRIPTION announces, by event type (types 1 to 41). */
const MYSQL8_POST_HEADER: Record<number, number> = {
  1: 56,
  2: 13,
  4: 8,
  6: 18,
  8: 4,
  9: 4,
  10: 4,
  11: 4,
  12: 18,
  15: 98,
  17: 4,
  18: 26,
  19: 8,
  23: 8,
  24: 8,
  25: 8,
  26: 2,
  30: 10,
  31: 10,
  32: 10,
  33: 42,
  34: 42,
  36: 18,
  37: 52,
  39: 10,
  40: 40,
};
const MYSQL8_POST_HEADERS = Array.from({ length: 41 }, (_, i) => MYSQL8_POST_HEADER[i + 1] ?? 0);

/** A FORMAT_DESCRIPTION event: binlog v4, a server version, the post-header lengths, the checksum algorithm. */
export function formatDescription(version: string, checksum: boolean, options: EventOptions = {}): Buffer {
  const name = Buffer.alloc(50);
  name.write(version, 'latin1');
  const body = Buffer.concat([
    u16(4),
    name,
    u32(0),
    Buffer.from([19]),
    Buffer.from(MYSQL8_POST_HEADERS),
    Buffer.from([checksum ? 1 : 0]),
  ]);
  // The event always ends in a checksum field; with the algorithm off its value is not checked.
  const withCrc = event(15, body, { ...options, checksum: true });
  if (checksum) return withCrc;
  withCrc.fill(0, withCrc.length - 4);
  return withCrc;
}

/** ROTATE: the position in the next file, then its name. */
export function rotate(file: string, options: EventOptions = {}): Buffer {
  return event(4, Buffer.concat([u64(4), Buffer.from(file, 'utf8')]), options);
}

/** QUERY: thread id, time, db length, error code, status vars length, status vars, db, NUL, statement. */
export function query(database: string, text: string, options: EventOptions = {}): Buffer {
  const db = Buffer.from(database, 'utf8');
  const body = Buffer.concat([
    u32(7),
    u32(0),
    Buffer.from([db.length]),
    u16(0),
    u16(0),
    db,
    Buffer.from([0]),
    Buffer.from(text, 'utf8'),
  ]);
  return event(2, body, options);
}

export function xid(n: number, options: EventOptions = {}): Buffer {
  return event(16, u64(n), options);
}

/** MySQL 8 GTID event with an immediate commit timestamp in microseconds. */
export function mysqlGtid(
  uuid: string,
  sequence: number,
  commitMicros: bigint,
  options: EventOptions = {},
): Buffer {
  const body = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(uuid.replace(/-/g, ''), 'hex'),
    u64(sequence),
    Buffer.from([2]),
    u64(0),
    u64(1),
    uint(Number(commitMicros), 7),
    packed(100),
    u32(80036),
  ]);
  return event(33, body, options);
}

/** A zstd frame made of one raw (stored) block: what any zstd decoder must read. */
export function zstdStored(data: Buffer): Buffer {
  const header = Buffer.concat([
    u32(0xfd2fb528),
    // Frame header descriptor: single segment, 4-byte content size.
    Buffer.from([0b10100000]),
    u32(data.length),
  ]);
  // Block header: last block, raw, size.
  const block = uint(1 | (0 << 1) | (data.length << 3), 3);
  return Buffer.concat([header, block, data]);
}

/** MySQL 8 TRANSACTION_PAYLOAD: header fields (packed type, length, value), end mark, the compressed events. */
export function transactionPayload(events: Buffer[], options: EventOptions = {}): Buffer {
  const inner = Buffer.concat(events);
  const compressed = zstdStored(inner);
  const field = (type: number, value: number) => {
    const v = packed(value);
    return Buffer.concat([packed(type), packed(v.length), v]);
  };
  const body = Buffer.concat([
    field(1, compressed.length),
    field(2, 0),
    field(3, inner.length),
    packed(0),
    compressed,
  ]);
  return event(40, body, options);
}
