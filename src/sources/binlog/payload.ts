import { decompress } from 'fzstd';
import { Cursor } from './bytes.js';
import { type BinlogEvent, EventReader, HEADER_LENGTH } from './events.js';

/** TRANSACTION_PAYLOAD header fields (MySQL's `Transaction_payload_event` codec). */
const END_MARK = 0;
const COMPRESSION_TYPE = 2;
const UNCOMPRESSED_SIZE = 3;
const ZSTD = 0;
const NONE = 255;

/** A TRANSACTION_PAYLOAD that cannot be opened: unknown compression, or bytes that do not inflate. */
export class BadPayload extends Error {}

/**
 * The events inside a MySQL 8 TRANSACTION_PAYLOAD (binlog_transaction_compression=ON): header fields as
 * packed integers (type, length, value) up to an end mark, then the transaction's events compressed with
 * zstd, each a whole event without checksum. They are read with the file's post-header lengths and take
 * the payload's place in the file.
 */
export function readPayload(payload: BinlogEvent, outer: EventReader): BinlogEvent[] {
  const c = new Cursor(payload.body);
  let compression = ZSTD;
  let size: number | undefined;
  for (;;) {
    const type = c.packed();
    if (type === END_MARK) break;
    const field = new Cursor(c.bytes(c.packed()));
    const value = field.packed();
    if (type === COMPRESSION_TYPE) compression = value;
    else if (type === UNCOMPRESSED_SIZE) size = value;
  }
  const data = c.rest();
  let events: Buffer;
  if (compression === ZSTD) {
    try {
      const out = decompress(data, size === undefined ? undefined : new Uint8Array(size));
      events = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch (error) {
      throw new BadPayload(`a compressed transaction does not inflate: ${(error as Error).message}`);
    }
  } else if (compression === NONE) {
    events = data;
  } else {
    throw new BadPayload(`a transaction is compressed with unknown algorithm ${compression}`);
  }
  const reader = new EventReader(payload.file);
  reader.format = outer.format && { ...outer.format, checksum: false };
  const out: BinlogEvent[] = [];
  for (let at = 0; at < events.length; ) {
    if (events.length - at < HEADER_LENGTH)
      throw new BadPayload('a compressed transaction ends inside an event');
    const length = events.readUInt32LE(at + 9);
    if (length < HEADER_LENGTH || at + length > events.length) {
      throw new BadPayload('a compressed transaction holds an event longer than itself');
    }
    const event = reader.read(events.subarray(at, at + length));
    // Inner events carry no position of their own: they sit where the payload sits.
    out.push({ ...event, position: payload.position, next: payload.next });
    at += length;
  }
  return out;
}
