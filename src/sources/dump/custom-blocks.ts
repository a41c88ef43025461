import { DumpError, truncated } from './errors.js';

const BLK_DATA = 1;
const BLK_BLOBS = 3;

type State = 'type' | 'id' | 'length' | 'data' | 'oid';

/**
 * The data blocks of a custom-format archive (`pg_dump -Fc`) fed in chunks from a block's start: a type
 * byte (1 table data, 3 large objects), the entry's dump id, then chunks `{int length; bytes}` ended by
 * a zero length (large-object blocks repeat `{int oid; chunks}` until oid 0). The wanted entry's chunk
 * bytes (its compressed COPY text) go to `payload`; every other block is skipped. An archive written to a
 * pipe has no data offsets in its TOC, so the reader walks the blocks from the end of the TOC.
 */
export class CustomBlocks {
  private base = 0;
  private pending: Buffer = Buffer.alloc(0);
  private state: State = 'type';
  private type = 0;
  private id = 0;
  private left = 0;
  private wantedBlock = false;
  done = false;

  constructor(
    private readonly wanted: number,
    private readonly intSize: number,
    private readonly payload: (bytes: Buffer) => void,
    /** Where the first byte fed sits in the file (for messages). */
    start: number,
    /** The first block must be the wanted one (the reader seeked to its offset). */
    private readonly seeked = false,
  ) {
    this.base = start;
  }

  push(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let i = 0;
    const intBytes = 1 + this.intSize;
    while (!this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.left, buf.length - i);
        if (n === 0 && this.left > 0) break;
        if (this.wantedBlock && n > 0) this.payload(buf.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'length';
        continue;
      }
      if (this.state === 'type') {
        if (i >= buf.length) break;
        this.type = buf[i]!;
        if (this.type !== BLK_DATA && this.type !== BLK_BLOBS) {
          throw new DumpError(this.base + i, 'a data block (type 1 or 3)', `block type ${this.type}`);
        }
        i++;
        this.state = 'id';
        continue;
      }
      if (buf.length - i < intBytes) break;
      const value = readInt(buf, i, this.intSize);
      const at = this.base + i;
      i += intBytes;
      if (this.state === 'id') {
        if (this.seeked && value !== this.wanted) {
          throw new DumpError(
            at,
            `the data block of dump id ${this.wanted} (the TOC's offset)`,
            `dump id ${value}`,
          );
        }
        this.id = value;
        this.wantedBlock = this.type === BLK_DATA && value === this.wanted;
        this.state = this.type === BLK_BLOBS ? 'oid' : 'length';
      } else if (this.state === 'oid') {
        this.state = value === 0 ? 'type' : 'length';
      } else if (value < 0) {
        throw new DumpError(at, 'a chunk length', `${value}`);
      } else if (value > 0) {
        this.left = value;
        this.state = 'data';
      } else if (this.wantedBlock) {
        this.done = true;
      } else {
        this.state = this.type === BLK_BLOBS ? 'oid' : 'type';
      }
    }
    this.base += i;
    this.pending = Buffer.from(buf.subarray(i));
  }

  /** The dump id of the block being read (to check a seek landed on the right block). */
  get block(): number {
    return this.id;
  }

  end(): void {
    if (this.done) return;
    throw truncated(
      this.base + this.pending.length,
      this.wantedBlock ? 'the rest of the table data block' : `the data block of dump id ${this.wanted}`,
    );
  }
}

function readInt(buf: Buffer, i: number, size: number): number {
  let value = 0;
  for (let k = 0; k < size; k++) value += buf[i + 1 + k]! * 2 ** (8 * k);
  return buf[i] ? -value : value;
}
