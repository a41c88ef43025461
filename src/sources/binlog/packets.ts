/** The largest payload one protocol packet carries; a payload this long continues in the next packet. */
const MAX_PAYLOAD = 0xffffff;

/**
 * Splits the bytes of a MySQL protocol connection into packet payloads (3-byte length, 1-byte sequence
 * number, payload), joining the packets of a payload of 16 MiB or more. Fed socket chunks of any size;
 * a payload lying inside one chunk is handed on without a copy.
 */
export class PacketReader {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Header plus payload of the packet held back, once its 3 length bytes have arrived. */
  private pendingNeed = 0;
  /** Parts of a payload longer than one packet, waiting for its last packet. */
  private parts: Buffer[] = [];

  /** Feeds one chunk; returns the payloads it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    let data = chunk;
    if (this.pendingLength > 0) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      // Join only once the packet held back is complete: a 16 MiB packet arrives in hundreds of chunks.
      if (this.pendingNeed === 0 && this.pendingLength >= 3) this.pendingNeed = this.firstPacketLength();
      if (this.pendingNeed === 0 || this.pendingLength < this.pendingNeed) return [];
      data = Buffer.concat(this.pending, this.pendingLength);
      this.pending = [];
      this.pendingLength = 0;
      this.pendingNeed = 0;
    }
    const out: Buffer[] = [];
    let at = 0;
    while (data.length - at >= 4) {
      const length = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
      if (data.length - at - 4 < length) break;
      const payload = data.subarray(at + 4, at + 4 + length);
      at += 4 + length;
      if (length === MAX_PAYLOAD) {
        this.parts.push(payload);
      } else if (this.parts.length > 0) {
        this.parts.push(payload);
        out.push(Buffer.concat(this.parts));
        this.parts = [];
      } else {
        out.push(payload);
      }
    }
    if (at < data.length) {
      // Copied: the caller may reuse the chunk, and a few bytes must not pin a large buffer.
      const rest = Buffer.from(data.subarray(at));
      this.pending.push(rest);
      this.pendingLength = rest.length;
      this.pendingNeed = rest.length >= 3 ? this.firstPacketLength() : 0;
    }
    return out;
  }

  /** Header plus payload length of the packet held back; its 3 length bytes have arrived. */
  private firstPacketLength(): number {
    const head: number[] = [];
    for (const part of this.pending) {
      for (let i = 0; i < part.length && head.length < 3; i++) head.push(part[i]!);
      if (head.length === 3) break;
    }
    return 4 + (head[0]! | (head[1]! << 8) | (head[2]! << 16));
  }

  /** Bytes held back waiting for the rest of a packet. */
  get buffered(): number {
    return this.pendingLength + this.parts.reduce((n, p) => n + p.length, 0);
  }
}

/** A packet that ends a binlog dump: `eof` when the server reached the end (non-blocking dump), or its error. */
export type DumpEnd = { kind: 'eof' } | { kind: 'error'; code: number; state: string; message: string };

/**
 * What one payload of a binlog dump is: an event (after the OK byte), the end of the stream, or an
 * error packet.
 */
export function dumpPayload(payload: Buffer): { event: Buffer } | DumpEnd {
  const first = payload[0];
  if (first === 0x00) return { event: payload.subarray(1) };
  if (first === 0xfe && payload.length < 9) return { kind: 'eof' };
  if (first === 0xff) return errorPacket(payload);
  return { kind: 'error', code: 0, state: '', message: `unexpected packet 0x${(first ?? 0).toString(16)}` };
}

/** ERR packet: code, optional `#` + 5-character SQL state, message. */
export function errorPacket(payload: Buffer): DumpEnd {
  const code = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
  let at = 3;
  let state = '';
  if (payload[at] === 0x23) {
    state = payload.subarray(at + 1, at + 6).toString('latin1');
    at += 6;
  }
  return { kind: 'error', code, state, message: payload.subarray(at).toString('utf8') };
}
