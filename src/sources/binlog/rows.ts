import { inflateSync } from 'node:zlib';
import { Cursor } from './bytes.js';
import type { ColumnCodec } from './columns.js';
import type { RowsKind } from './events.js';
import { TextOut } from './text-out.js';

/**
 * One row image as rowback reads it: the row's line in the text row format (the columns asked for, in
 * their order, NULL as `\N`), the key's fields alone, and which of the asked-for columns the image did
 * not carry (binlog_row_image=MINIMAL or NOBLOB). Views into reused buffers: valid during the callback.
 */
export interface ImageView {
  readonly line: Buffer;
  readonly key: Buffer;
  /** Slots (indexes of the asked-for columns) absent from the image; empty for a complete image. */
  readonly absent: number[];
  /** The line's and the key's bytes as buffer and length, for callers that copy them (no view made). */
  readonly lineBytes: Buffer;
  readonly lineLength: number;
  readonly keyBytes: Buffer;
  readonly keyLength: number;
}

/** One row changed by a rows event: a write has an after image, a delete a before image, an update both. */
export interface RowChange {
  kind: RowsKind;
  before: ImageView | undefined;
  after: ImageView | undefined;
}

/** How a table's event columns become the columns asked for. */
export interface Projection {
  codecs: ColumnCodec[];
  /** For each event column, the slot it fills, or -1 when nobody asked for it (its value is skipped). */
  slots: Int32Array;
  slotCount: number;
  /** Slots making up the key, in key order. */
  keySlots: number[];
  /** Row text for slots no event column fills (a column added since): written as is, never absent. */
  fixed: (Buffer | undefined)[];
}

/** A rows event whose body does not decode: names what was wrong, for the error that stops the read. */
export class BadRows extends Error {}

const NULL_TEXT = Buffer.from('\\N');

/**
 * Decodes the rows of WRITE / UPDATE / DELETE events (v1, v2 and MariaDB's compressed ones) for one
 * table, writing each value straight into row text. Keeps its scratch buffers between events.
 */
export class RowsDecoder {
  private readonly scratch = new TextOut();
  private readonly images = [new ImageBuilder(), new ImageBuilder()];

  constructor(private readonly projection: Projection) {}

  decode(
    body: Buffer,
    how: { kind: RowsKind; v2: boolean; compressed: boolean; postHeader: number },
    onChange: (change: RowChange) => void,
  ): void {
    const c = new Cursor(body, how.postHeader);
    if (how.v2) {
      // The v2 post-header ends with the length of the extra data that follows it (the length included).
      const extra = body.readUInt16LE(how.postHeader - 2);
      c.pos += extra - 2;
    }
    const width = c.packed();
    if (width !== this.projection.codecs.length) {
      throw new BadRows(`the event has ${width} columns, its TABLE_MAP ${this.projection.codecs.length}`);
    }
    const bitmapLength = (width + 7) >> 3;
    const present1 = c.bytes(bitmapLength);
    const present2 = how.kind === 'update' ? c.bytes(bitmapLength) : present1;
    let rows = c;
    if (how.compressed) rows = new Cursor(uncompress(c.rest()));
    const [first, second] = this.images as [ImageBuilder, ImageBuilder];
    // One change object for the whole event: like the views, it is valid during the callback only.
    const change: RowChange = {
      kind: how.kind,
      before: how.kind === 'write' ? undefined : first,
      after: how.kind === 'write' ? first : how.kind === 'update' ? second : undefined,
    };
    while (rows.left > 0) {
      this.readImage(rows, present1, first);
      if (how.kind === 'update') this.readImage(rows, present2, second);
      onChange(change);
    }
  }

  private readImage(c: Cursor, present: Buffer, image: ImageBuilder): void {
    const { codecs, slots, slotCount } = this.projection;
    const out = this.scratch;
    out.length = 0;
    image.reset(slotCount);
    let presentCount = 0;
    for (let i = 0; i < codecs.length; i++) if (present[i >> 3]! & (1 << (i & 7))) presentCount++;
    const nullsLength = (presentCount + 7) >> 3;
    c.need(nullsLength);
    const nulls = c.pos;
    c.pos += nullsLength;
    const src = c.buf;
    let at = c.pos;
    let n = 0;
    for (let i = 0; i < codecs.length; i++) {
      if ((present[i >> 3]! & (1 << (i & 7))) === 0) continue;
      const slot = slots[i]!;
      const isNull = (src[nulls + (n >> 3)]! & (1 << (n & 7))) !== 0;
      n++;
      if (isNull) {
        if (slot >= 0) image.setNull(slot);
        continue;
      }
      if (slot < 0) {
        at = codecs[i]!.skip(src, at);
      } else {
        const start = out.length;
        at = codecs[i]!.write(src, at, out);
        image.set(slot, start, out.length);
      }
      if (at > c.end) throw new BadRows('a value runs past the end of the event');
    }
    c.pos = at;
    image.assemble(out.buf, this.projection);
  }
}

const NONE_ABSENT: number[] = [];

/** Gathers one image's slot values, then lays them out as the row's line and its key; it is its own view. */
class ImageBuilder implements ImageView {
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  private readonly lineOut = new TextOut(1 << 12);
  private readonly keyOut = new TextOut(256);
  absent: number[] = NONE_ABSENT;

  reset(slotCount: number): void {
    if (this.starts.length < slotCount) {
      this.starts = new Int32Array(slotCount);
      this.ends = new Int32Array(slotCount);
    }
    // -2: not in the image; -1: NULL; ≥ 0: the value's bytes in the scratch buffer.
    this.starts.fill(-2, 0, slotCount);
  }

  set(slot: number, start: number, end: number): void {
    this.starts[slot] = start;
    this.ends[slot] = end;
  }

  setNull(slot: number): void {
    this.starts[slot] = -1;
  }

  assemble(scratch: Buffer, projection: Projection): void {
    const { slotCount, fixed, keySlots } = projection;
    const line = this.lineOut;
    line.length = 0;
    this.absent = NONE_ABSENT;
    for (let s = 0; s < slotCount; s++) {
      if (s > 0) line.byte(0x09);
      this.writeSlot(line, scratch, s, fixed[s]);
    }
    const key = this.keyOut;
    key.length = 0;
    for (let k = 0; k < keySlots.length; k++) {
      if (k > 0) key.byte(0x09);
      this.writeSlot(key, scratch, keySlots[k]!, fixed[keySlots[k]!], false);
    }
  }

  private writeSlot(
    out: TextOut,
    scratch: Buffer,
    slot: number,
    fixed: Buffer | undefined,
    track = true,
  ): void {
    const start = this.starts[slot]!;
    if (start >= 0) out.copy(scratch, start, this.ends[slot]!);
    else if (start === -1) out.copy(NULL_TEXT, 0, 2);
    else if (fixed) out.copy(fixed, 0, fixed.length);
    else if (track) this.absent = [...this.absent, slot];
  }

  get line(): Buffer {
    return this.lineOut.buf.subarray(0, this.lineOut.length);
  }

  get key(): Buffer {
    return this.keyOut.buf.subarray(0, this.keyOut.length);
  }

  get lineBytes(): Buffer {
    return this.lineOut.buf;
  }

  get lineLength(): number {
    return this.lineOut.length;
  }

  get keyBytes(): Buffer {
    return this.keyOut.buf;
  }

  get keyLength(): number {
    return this.keyOut.length;
  }
}

/** MariaDB's compressed rows: a header byte (0x80 | algorithm << 4 | length bytes), the big-endian length, zlib data. */
export function uncompress(data: Buffer): Buffer {
  const head = data[0];
  if (head === undefined || (head & 0x80) === 0)
    throw new BadRows('compressed rows without a compression header');
  const algorithm = (head & 0x70) >> 4;
  if (algorithm !== 0) throw new BadRows(`rows compressed with unknown algorithm ${algorithm}`);
  const lengthBytes = head & 0x07;
  const length = lengthBytes === 0 ? 0 : data.readUIntBE(1, lengthBytes);
  const rows = inflateSync(data.subarray(1 + lengthBytes));
  if (rows.length !== length)
    throw new BadRows(`compressed rows inflate to ${rows.length} bytes, not ${length}`);
  return rows;
}
