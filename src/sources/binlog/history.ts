import type { RowsKind } from './events.js';
import type { ImageView, RowChange } from './rows.js';
import { type EventRef, fileNumber, type Settled } from './scan.js';
import { SpillReader, SpillWriter } from './spill.js';

/**
 * Every change of the table read from the binlog, in binlog order, kept in a private spill file: the
 * per-key history. The as-of image is its first image per key; backing out one transaction is another
 * reading of the same records. Transactions are settled as they end; only `counted` ones are history.
 */
export interface Change {
  txn: number;
  kind: RowsKind;
  /** The key before (update, delete) and after (write, update) the change, as key text. */
  keyBefore: Buffer | undefined;
  keyAfter: Buffer | undefined;
  before: Buffer | undefined;
  after: Buffer | undefined;
  /** Columns (slots) missing from the before / after image (MINIMAL or NOBLOB images). */
  absentBefore: number[];
  absentAfter: number[];
  at: EventRef;
}

const NONE = 0xffffffff;
const KINDS: RowsKind[] = ['write', 'update', 'delete'];

export class HistoryWriter {
  private out: SpillWriter | undefined;
  readonly transactions = new Map<number, Settled>();
  /** Binlog file names by their number, to name events in messages. */
  readonly files = new Map<number, string>();
  changes = 0;

  /** `keep` false: changes are counted, transactions and files noted, but no record is written. */
  constructor(
    readonly path: string,
    keep = true,
  ) {
    this.out = keep ? new SpillWriter(path) : undefined;
  }

  /** Writes the records of the changes from now on (the image built while reading handed over). */
  keep(): void {
    this.out ??= new SpillWriter(this.path);
  }

  add(txn: number, change: RowChange, at: EventRef): void {
    if (!this.out) {
      this.fileNumberOf(at.file);
      this.changes++;
      return;
    }
    const before = change.before;
    const after = change.after;
    const size =
      13 +
      lengthOf(before?.keyLength) +
      lengthOf(after?.keyLength) +
      lengthOf(before?.lineLength) +
      lengthOf(after?.lineLength) +
      4 +
      2 * ((before?.absent.length ?? 0) + (after?.absent.length ?? 0));
    const { buf, at: start } = this.out.reserve(4 + size);
    let p = buf.writeUInt32LE(size, start);
    p = buf.writeUInt32LE(txn, p);
    buf[p++] = KINDS.indexOf(change.kind);
    p = buf.writeUInt32LE(this.fileNumberOf(at.file), p);
    p = buf.writeUInt32LE(at.position, p);
    p = putBytes(buf, p, before?.keyBytes, before?.keyLength);
    p = putBytes(buf, p, after?.keyBytes, after?.keyLength);
    p = putBytes(buf, p, before?.lineBytes, before?.lineLength);
    p = putBytes(buf, p, after?.lineBytes, after?.lineLength);
    p = putSlots(buf, p, before);
    putSlots(buf, p, after);
    this.changes++;
  }

  private lastFile = '';
  private lastNumber = 0;

  /** The file's number, remembered for the run of events of one file. */
  private fileNumberOf(file: string): number {
    if (file !== this.lastFile) {
      this.lastFile = file;
      this.lastNumber = fileNumber(file);
      this.files.set(this.lastNumber, file);
    }
    return this.lastNumber;
  }

  settle(settled: Settled): void {
    this.transactions.set(settled.txn, settled);
  }

  close(): void {
    this.out?.close();
  }
}

function lengthOf(length: number | undefined): number {
  return 4 + (length ?? 0);
}

/** A length (NONE for no bytes) and the bytes, copied byte by byte when short (cheaper than Buffer#copy). */
function putBytes(buf: Buffer, at: number, bytes: Buffer | undefined, length = 0): number {
  if (!bytes) return buf.writeUInt32LE(NONE, at);
  let p = buf.writeUInt32LE(length, at);
  if (length >= 128) return p + bytes.copy(buf, p, 0, length);
  for (let i = 0; i < length; i++) buf[p++] = bytes[i]!;
  return p;
}

function putSlots(buf: Buffer, at: number, image: ImageView | undefined): number {
  const slots = image?.absent ?? [];
  let p = buf.writeUInt16LE(slots.length, at);
  for (const slot of slots) p = buf.writeUInt16LE(slot, p);
  return p;
}

/**
 * One record of the history read in place: offsets into the read buffer, no copies and no views made.
 * The same object is reused for every record; it is valid until the next record is asked for.
 */
export class HistoryRecord {
  /** The buffer the record lies in (the reader's); `at` offsets point into it. */
  record: Buffer = Buffer.alloc(0);
  txn = 0;
  kind: RowsKind = 'write';
  file = 0;
  position = 0;
  /** Start and length of each part (see Part); length -1: the change has no such part. */
  readonly at = new Int32Array(4);
  readonly length = new Int32Array(4);
  absentBeforeAt = 0;
  absentBeforeCount = 0;
  absentAfterAt = 0;
  absentAfterCount = 0;

  /** Reads the record starting at `base` in `buffer`; offsets are into `buffer` (the `record` field). */
  load(buffer: Buffer, base: number): void {
    const record = buffer;
    this.record = record;
    this.txn = record.readUInt32LE(base);
    this.kind = KINDS[record[base + 4]!]!;
    this.file = record.readUInt32LE(base + 5);
    this.position = record.readUInt32LE(base + 9);
    let p = base + 13;
    for (let i = 0; i < 4; i++) {
      const length = record.readUInt32LE(p);
      p += 4;
      this.at[i] = p;
      if (length === NONE) {
        this.length[i] = -1;
      } else {
        this.length[i] = length;
        p += length;
      }
    }
    this.absentBeforeCount = record.readUInt16LE(p);
    this.absentBeforeAt = p + 2;
    p += 2 + 2 * this.absentBeforeCount;
    this.absentAfterCount = record.readUInt16LE(p);
    this.absentAfterAt = p + 2;
  }

  /** Whether the part is there. */
  has(part: Part): boolean {
    return this.length[part]! >= 0;
  }

  absentBefore(): number[] {
    return slots(this.record, this.absentBeforeAt, this.absentBeforeCount);
  }

  absentAfter(): number[] {
    return slots(this.record, this.absentAfterAt, this.absentAfterCount);
  }
}

/** The parts of a record: the key before and after the change, the row before and after it. */
export const Part = { keyBefore: 0, keyAfter: 1, before: 2, after: 3 } as const;
export type Part = (typeof Part)[keyof typeof Part];

const NO_SLOTS: number[] = [];

function slots(record: Buffer, at: number, count: number): number[] {
  if (count === 0) return NO_SLOTS;
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(record.readUInt16LE(at + 2 * i));
  return out;
}

/** The records of counted transactions, in binlog order, read in place (see HistoryRecord). */
export function* historyRecords(path: string, transactions: Map<number, Settled>): Generator<HistoryRecord> {
  const reader = new SpillReader(path);
  const view = new HistoryRecord();
  let lastTxn = -1;
  let counted = false;
  try {
    for (;;) {
      const sizeAt = reader.take(4);
      if (sizeAt < 0) return;
      const at = reader.take(reader.buffer.readUInt32LE(sizeAt));
      if (at < 0) return;
      const txn = reader.buffer.readUInt32LE(at);
      if (txn !== lastTxn) {
        lastTxn = txn;
        counted = transactions.get(txn)?.outcome === 'counted';
      }
      if (!counted) continue;
      view.load(reader.buffer, at);
      yield view;
    }
  } finally {
    reader.close();
  }
}

/**
 * Reads the history back in binlog order, yielding the changes of counted transactions only. Buffers
 * are views into the read buffer, valid until the next change is asked for: copy what must outlive it.
 * Rolled-back, uncommitted and before-as-of transactions are skipped.
 */
export function* readHistory(
  path: string,
  transactions: Map<number, Settled>,
  files: Map<number, string>,
): Generator<Change> {
  for (const r of historyRecords(path, transactions)) {
    const bytes = (part: Part) =>
      r.has(part) ? r.record.subarray(r.at[part], r.at[part]! + r.length[part]!) : undefined;
    yield {
      txn: r.txn,
      kind: r.kind,
      keyBefore: bytes(Part.keyBefore),
      keyAfter: bytes(Part.keyAfter),
      before: bytes(Part.before),
      after: bytes(Part.after),
      absentBefore: r.absentBefore(),
      absentAfter: r.absentAfter(),
      at: { file: files.get(r.file) ?? '', position: r.position },
    };
  }
}
