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
  private readonly out: SpillWriter;
  readonly transactions = new Map<number, Settled>();
  /** Binlog file names by their number, to name events in messages. */
  readonly files = new Map<number, string>();
  changes = 0;

  constructor(readonly path: string) {
    this.out = new SpillWriter(path);
  }

  add(txn: number, change: RowChange, at: EventRef): void {
    const before = change.before;
    const after = change.after;
    const size =
      13 +
      lengthOf(before?.key) +
      lengthOf(after?.key) +
      lengthOf(before?.line) +
      lengthOf(after?.line) +
      4 +
      2 * ((before?.absent.length ?? 0) + (after?.absent.length ?? 0));
    const { buf, at: start } = this.out.reserve(4 + size);
    let p = buf.writeUInt32LE(size, start);
    p = buf.writeUInt32LE(txn, p);
    p = buf.writeUInt8(KINDS.indexOf(change.kind), p);
    const file = fileNumber(at.file);
    this.files.set(file, at.file);
    p = buf.writeUInt32LE(file, p);
    p = buf.writeUInt32LE(at.position, p);
    p = putBytes(buf, p, before?.key);
    p = putBytes(buf, p, after?.key);
    p = putBytes(buf, p, before?.line);
    p = putBytes(buf, p, after?.line);
    p = putSlots(buf, p, before);
    putSlots(buf, p, after);
    this.changes++;
  }

  settle(settled: Settled): void {
    this.transactions.set(settled.txn, settled);
  }

  close(): void {
    this.out.close();
  }
}

function lengthOf(bytes: Buffer | undefined): number {
  return 4 + (bytes?.length ?? 0);
}

function putBytes(buf: Buffer, at: number, bytes: Buffer | undefined): number {
  if (!bytes) return buf.writeUInt32LE(NONE, at);
  const p = buf.writeUInt32LE(bytes.length, at);
  return p + bytes.copy(buf, p);
}

function putSlots(buf: Buffer, at: number, image: ImageView | undefined): number {
  const slots = image?.absent ?? [];
  let p = buf.writeUInt16LE(slots.length, at);
  for (const slot of slots) p = buf.writeUInt16LE(slot, p);
  return p;
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
  const reader = new SpillReader(path);
  try {
    for (;;) {
      const size = reader.next(4);
      if (!size) return;
      const record = reader.next(size.readUInt32LE(0))!;
      const txn = record.readUInt32LE(0);
      if (transactions.get(txn)?.outcome !== 'counted') continue;
      const at = { file: files.get(record.readUInt32LE(5)) ?? '', position: record.readUInt32LE(9) };
      const cursor = { at: 13 };
      yield {
        txn,
        kind: KINDS[record[4]!]!,
        keyBefore: takeBytes(record, cursor),
        keyAfter: takeBytes(record, cursor),
        before: takeBytes(record, cursor),
        after: takeBytes(record, cursor),
        absentBefore: takeSlots(record, cursor),
        absentAfter: takeSlots(record, cursor),
        at,
      };
    }
  } finally {
    reader.close();
  }
}

function takeBytes(record: Buffer, cursor: { at: number }): Buffer | undefined {
  const length = record.readUInt32LE(cursor.at);
  cursor.at += 4;
  if (length === NONE) return undefined;
  const bytes = record.subarray(cursor.at, cursor.at + length);
  cursor.at += length;
  return bytes;
}

function takeSlots(record: Buffer, cursor: { at: number }): number[] {
  const count = record.readUInt16LE(cursor.at);
  cursor.at += 2;
  const slots: number[] = [];
  for (let i = 0; i < count; i++, cursor.at += 2) slots.push(record.readUInt16LE(cursor.at));
  return slots;
}
