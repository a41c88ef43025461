import { Cursor, crc32 } from './bytes.js';

/** Event type codes rowback reads (MySQL's `Log_event_type` and MariaDB's additions). */
export const EventType = {
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  GTID_TAGGED: 42,
  ANNOTATE_ROWS: 160,
  BINLOG_CHECKPOINT: 161,
  MARIADB_GTID: 162,
  MARIADB_GTID_LIST: 163,
  START_ENCRYPTION: 164,
  QUERY_COMPRESSED: 165,
  WRITE_ROWS_COMPRESSED_V1: 166,
  UPDATE_ROWS_COMPRESSED_V1: 167,
  DELETE_ROWS_COMPRESSED_V1: 168,
  WRITE_ROWS_COMPRESSED_V2: 169,
  UPDATE_ROWS_COMPRESSED_V2: 170,
  DELETE_ROWS_COMPRESSED_V2: 171,
} as const;

export const HEADER_LENGTH = 19;
const CHECKSUM_LENGTH = 4;
/** The event was made up by the server for the replica (a rotate at the start of a dump), not read from a file. */
export const ARTIFICIAL_FLAG = 0x20;

export type RowsKind = 'write' | 'update' | 'delete';

/** What a rows event does, whether it is a v2 event (extra data) and whether its rows are compressed. */
export function rowsEventKind(
  type: number,
): { kind: RowsKind; v2: boolean; compressed: boolean } | undefined {
  switch (type) {
    case EventType.WRITE_ROWS_V1:
      return { kind: 'write', v2: false, compressed: false };
    case EventType.UPDATE_ROWS_V1:
      return { kind: 'update', v2: false, compressed: false };
    case EventType.DELETE_ROWS_V1:
      return { kind: 'delete', v2: false, compressed: false };
    case EventType.WRITE_ROWS_V2:
      return { kind: 'write', v2: true, compressed: false };
    case EventType.UPDATE_ROWS_V2:
    case EventType.PARTIAL_UPDATE_ROWS:
      return { kind: 'update', v2: true, compressed: false };
    case EventType.DELETE_ROWS_V2:
      return { kind: 'delete', v2: true, compressed: false };
    case EventType.WRITE_ROWS_COMPRESSED_V1:
      return { kind: 'write', v2: false, compressed: true };
    case EventType.UPDATE_ROWS_COMPRESSED_V1:
      return { kind: 'update', v2: false, compressed: true };
    case EventType.DELETE_ROWS_COMPRESSED_V1:
      return { kind: 'delete', v2: false, compressed: true };
    case EventType.WRITE_ROWS_COMPRESSED_V2:
      return { kind: 'write', v2: true, compressed: true };
    case EventType.UPDATE_ROWS_COMPRESSED_V2:
      return { kind: 'update', v2: true, compressed: true };
    case EventType.DELETE_ROWS_COMPRESSED_V2:
      return { kind: 'delete', v2: true, compressed: true };
    default:
      return undefined;
  }
}

/** One event, its header decoded, its body without header or checksum. */
export interface BinlogEvent {
  type: number;
  /** Seconds since the epoch, as the server stamped the event. */
  timestamp: number;
  serverId: number;
  /** The binlog file the event was read from. */
  file: string;
  /** Where the event starts in its file; -1 for events the server made up (artificial ones). */
  position: number;
  /** Where the next event starts (the header's log_pos); 0 for artificial events. */
  next: number;
  flags: number;
  body: Buffer;
}

/** What a FORMAT_DESCRIPTION event says about the events that follow it in its file. */
export interface FormatDescription {
  binlogVersion: number;
  serverVersion: string;
  mariadb: boolean;
  /** `true` when the file's events end in a CRC-32 (binlog_checksum=CRC32 when the file was written). */
  checksum: boolean;
  /** Post-header length per event type (index = type code). */
  postHeader: Uint8Array;
  createdAt: number;
}

/** A checksum did not match, or the event framing is broken: the bytes cannot be trusted. */
export class CorruptEvent extends Error {}

/**
 * Turns raw events (each a whole event: header, body, maybe a checksum) into `BinlogEvent`s. Keeps what
 * one file's FORMAT_DESCRIPTION says — whether its events carry a checksum, and the post-header lengths —
 * and switches at each new file, so files written under different `binlog_checksum` settings read
 * correctly. Every checksum present is verified.
 */
export class EventReader {
  file = '';
  format: FormatDescription | undefined;

  /** `file` is the file the reading starts in (the server's first rotate confirms it). */
  constructor(file = '') {
    this.file = file;
  }

  read(raw: Buffer): BinlogEvent {
    if (raw.length < HEADER_LENGTH) throw new CorruptEvent(`an event of ${raw.length} bytes has no header`);
    const type = raw[4]!;
    const size = raw.readUInt32LE(9);
    if (size !== raw.length) {
      throw new CorruptEvent(`an event says it has ${size} bytes but ${raw.length} arrived`);
    }
    const next = raw.readUInt32LE(13);
    const flags = raw.readUInt16LE(17);
    let end = raw.length;
    if (type === EventType.FORMAT_DESCRIPTION) {
      this.format = readFormatDescription(raw);
      if (this.format.checksum) end = verified(withoutInUseFlag(raw), this.file);
      else end -= CHECKSUM_LENGTH;
    } else if ((flags & ARTIFICIAL_FLAG) !== 0 || !this.format) {
      // Made up by the server for this replica, or sent before any FORMAT_DESCRIPTION: its checksum
      // follows the replica's declared capability, not a file's. It has one when the CRC matches.
      if (raw.length >= HEADER_LENGTH + CHECKSUM_LENGTH && hasChecksum(raw)) end -= CHECKSUM_LENGTH;
    } else if (this.format.checksum) {
      end = verified(raw, this.file);
    }
    const body = raw.subarray(HEADER_LENGTH, end);
    const artificial = (flags & ARTIFICIAL_FLAG) !== 0 || next === 0;
    const event: BinlogEvent = {
      type,
      timestamp: raw.readUInt32LE(0),
      serverId: raw.readUInt32LE(5),
      file: this.file,
      position: artificial ? -1 : next - size,
      next,
      flags,
      body,
    };
    if (type === EventType.ROTATE) this.file = readRotate(body, this.format).file;
    return event;
  }

  /** Post-header length of an event type in the current file (the documented default before any). */
  postHeader(type: number, fallback: number): number {
    const length = this.format?.postHeader[type];
    return length === undefined || length === 0 ? fallback : length;
  }
}

/** The file being written has this flag set in its FORMAT_DESCRIPTION; the checksum was computed without it. */
const IN_USE_FLAG = 0x1;

function withoutInUseFlag(raw: Buffer): Buffer {
  if ((raw[17]! & IN_USE_FLAG) === 0) return raw;
  const copy = Buffer.from(raw);
  copy[17] = copy[17]! & ~IN_USE_FLAG;
  return copy;
}

function hasChecksum(raw: Buffer): boolean {
  return (
    crc32(raw.subarray(0, raw.length - CHECKSUM_LENGTH)) === raw.readUInt32LE(raw.length - CHECKSUM_LENGTH)
  );
}

function verified(raw: Buffer, file: string): number {
  const end = raw.length - CHECKSUM_LENGTH;
  if (end < HEADER_LENGTH || !hasChecksum(raw)) {
    const where = raw.readUInt32LE(13) - raw.length;
    throw new CorruptEvent(
      `the CRC-32 of the event at ${file}:${where} (type ${raw[4]}) does not match its bytes`,
    );
  }
  return end;
}

/** FORMAT_DESCRIPTION body: version, server version, timestamp, header length, post-header lengths, checksum algorithm. */
export function readFormatDescription(raw: Buffer): FormatDescription {
  const c = new Cursor(raw, HEADER_LENGTH);
  const binlogVersion = c.u16();
  const serverVersion = c.bytes(50).toString('latin1').replace(/\0.*$/s, '');
  const createdAt = c.u32();
  c.u8(); // common header length: always 19 for binlog v4
  // Servers that know checksums (MySQL ≥ 5.6.1, every MariaDB since 5.3) end the event with the
  // algorithm byte and four checksum bytes, whatever the algorithm.
  const aware = checksumAware(serverVersion);
  const tail = aware ? 1 + CHECKSUM_LENGTH : 0;
  const lengths = raw.subarray(c.pos, raw.length - tail);
  const algorithm = aware ? raw[raw.length - tail]! : 0;
  const postHeader = new Uint8Array(256);
  for (let i = 0; i < lengths.length; i++) postHeader[i + 1] = lengths[i]!;
  return {
    binlogVersion,
    serverVersion,
    mariadb: /mariadb/i.test(serverVersion),
    checksum: algorithm === 1,
    postHeader,
    createdAt,
  };
}

function checksumAware(version: string): boolean {
  if (/mariadb/i.test(version)) return true;
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  return major * 10000 + minor * 100 + patch >= 50601;
}

/** ROTATE: the position in the next file (always 4 in practice) and its name. */
export function readRotate(
  body: Buffer,
  format: FormatDescription | undefined,
): { file: string; position: number } {
  const c = new Cursor(body);
  const postHeader = format?.postHeader[EventType.ROTATE] || 8;
  const position = postHeader >= 8 ? c.uint(8) : 4;
  c.pos = postHeader;
  return { position, file: c.rest().toString('utf8') };
}
