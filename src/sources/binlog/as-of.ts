import { type HistoryRecord, historyRecords, Part } from './history.js';
import { hashOf, KeySet } from './key-set.js';
import { type EventRef, fileNumber, type Settled } from './scan.js';
import { type SpillDir, SpillReader, SpillWriter } from './spill.js';

/**
 * The table as of the boundary, for the keys the binlog saw change: for each key, its first event after
 * as-of decides — a before image (update, delete) is the row as it was; a write (or an update that moved
 * a row onto the key) means the key did not exist. Cost follows the changes read, not the table's size.
 */
export interface AsOfImage {
  /** Rows as they were, one line each in the text row format (the columns asked for). */
  rowsPath: string;
  rows: number;
  /** Keys that did not exist at as-of, one key line each. */
  absentPath: string;
  absent: number;
  /** Keys whose first before image lacked columns (MINIMAL / NOBLOB images): they cannot be restored. */
  partial: { count: number; examples: EventRef[]; slots: number[] };
}

export interface HistoryFile {
  path: string;
  /** Changes in the file, counted or not: the most keys there can be (sizes the key set). */
  changes?: number;
  transactions: Map<number, Settled>;
  files: Map<number, string>;
}

/** Keys kept in memory at once (≈ 12 bytes plus the key each); beyond, keys are split into partitions. */
export const KEY_BUDGET = 48 << 20;
const PARTITIONS = 16;

/**
 * One key's event, as the as-of image needs it, read in place: the key and the row before the event
 * (length -1: the key did not exist before it) as offsets into `src`. Reused from event to event.
 */
class KeyEvent {
  src: Buffer = Buffer.alloc(0);
  keyAt = 0;
  keyLength = 0;
  beforeAt = 0;
  beforeLength = -1;
  absent: () => number[] = () => [];
  at: () => EventRef = () => ({ file: '', position: 0 });
}

/**
 * `decided`: keys already decided (by the image built while reading, up to its memory budget): their
 * events are skipped. Beyond the budget, keys not yet decided are split into partitions on disk.
 */
export function buildAsOf(
  history: HistoryFile,
  dir: SpillDir,
  keyBudget = KEY_BUDGET,
  decided?: KeySet,
): AsOfImage {
  const result: AsOfImage = {
    rowsPath: dir.file('as-of-rows'),
    rows: 0,
    absentPath: dir.file('as-of-absent'),
    absent: 0,
    partial: { count: 0, examples: [], slots: [] },
  };
  const rows = new SpillWriter(result.rowsPath);
  const absent = new SpillWriter(result.absentPath);
  const partialSlots = new Set<number>();
  const visit = (seen: KeySet, event: KeyEvent): void => {
    if (!seen.addBytes(event.src, event.keyAt, event.keyLength)) return;
    if (event.beforeLength < 0) {
      writeLine(absent, event.src, event.keyAt, event.keyLength);
      result.absent++;
      return;
    }
    const missing = event.absent();
    if (missing.length > 0) {
      result.partial.count++;
      if (result.partial.examples.length < 5) result.partial.examples.push(event.at());
      for (const slot of missing) partialSlots.add(slot);
    } else {
      writeLine(rows, event.src, event.beforeAt, event.beforeLength);
      result.rows++;
    }
  };
  try {
    const seen = decided ?? new KeySet(history.changes ?? 0, keyBudget);
    let partitions = seen.bytes > keyBudget ? openPartitions(dir) : undefined;
    const event = new KeyEvent();
    let record: HistoryRecord | undefined;
    const first = { absent: () => record!.absentBefore(), at: () => refOf(record!, history.files) };
    const none = () => NO_SLOTS;
    const handle = (): void => {
      if (partitions) {
        writeKeyEvent(partitions[hashOf(event.src, event.keyAt, event.keyLength) % PARTITIONS]!, event);
        return;
      }
      visit(seen, event);
      // Too many keys for memory: the keys not seen yet go to partitions, each read back alone.
      if (seen.bytes > keyBudget) partitions = openPartitions(dir);
    };
    for (const r of historyRecords(history.path, history.transactions)) {
      record = r;
      event.src = r.record;
      event.at = first.at;
      if (r.kind === 'write') {
        setKey(event, r, Part.keyAfter, none);
        handle();
        continue;
      }
      // An update or delete: the key before it held the before image; an update that moves the row
      // onto another key also tells that the new key did not exist before.
      setKey(event, r, Part.keyBefore, first.absent);
      event.beforeAt = r.at[Part.before]!;
      event.beforeLength = r.length[Part.before]!;
      handle();
      if (r.kind === 'delete' || sameKey(r)) continue;
      setKey(event, r, Part.keyAfter, none);
      handle();
    }
    if (partitions) {
      for (const [i, partition] of partitions.entries()) {
        partition.close();
        // A partition only ever holds keys the in-memory pass had not finished with, so `seen` still
        // rules out the keys already decided.
        const local = new KeySet();
        for (const stored of readKeyEvents(dir.file(`keys-${i}`), history.files)) {
          if (seen.hasBytes(stored.src, stored.keyAt, stored.keyLength)) continue;
          visit(local, stored);
        }
      }
    }
  } finally {
    rows.close();
    absent.close();
  }
  result.partial.slots = [...partialSlots].sort((a, b) => a - b);
  return result;
}

const NO_SLOTS: number[] = [];
const NEWLINE = 0x0a;

/** The key of the record's part; the event's row before is none until set. */
function setKey(event: KeyEvent, r: HistoryRecord, part: Part, absent: () => number[]): void {
  event.keyAt = r.at[part]!;
  event.keyLength = r.length[part]!;
  event.beforeLength = -1;
  event.absent = absent;
}

function sameKey(r: HistoryRecord): boolean {
  const length = r.length[Part.keyBefore]!;
  if (length !== r.length[Part.keyAfter]) return false;
  const a = r.at[Part.keyBefore]!;
  const b = r.at[Part.keyAfter]!;
  for (let i = 0; i < length; i++) if (r.record[a + i] !== r.record[b + i]) return false;
  return true;
}

function refOf(r: HistoryRecord, files: Map<number, string>): EventRef {
  return { file: files.get(r.file) ?? '', position: r.position };
}

function writeLine(out: SpillWriter, src: Buffer, at: number, length: number): void {
  const { buf, at: p } = out.reserve(length + 1);
  if (length >= 128) src.copy(buf, p, at, at + length);
  else for (let i = 0; i < length; i++) buf[p + i] = src[at + i]!;
  buf[p + length] = NEWLINE;
}

function openPartitions(dir: SpillDir): SpillWriter[] {
  return Array.from({ length: PARTITIONS }, (_, i) => new SpillWriter(dir.file(`keys-${i}`)));
}

const NONE = 0xffffffff;

function writeKeyEvent(out: SpillWriter, event: KeyEvent): void {
  const before = event.beforeLength;
  const absent = event.absent();
  const at = event.at();
  const size = 4 + event.keyLength + 4 + Math.max(before, 0) + 2 + 2 * absent.length + 8;
  const { buf, at: start } = out.reserve(4 + size);
  let p = buf.writeUInt32LE(size, start);
  p = buf.writeUInt32LE(event.keyLength, p);
  p += event.src.copy(buf, p, event.keyAt, event.keyAt + event.keyLength);
  p = buf.writeUInt32LE(before < 0 ? NONE : before, p);
  if (before >= 0) p += event.src.copy(buf, p, event.beforeAt, event.beforeAt + before);
  p = buf.writeUInt16LE(absent.length, p);
  for (const slot of absent) p = buf.writeUInt16LE(slot, p);
  p = buf.writeUInt32LE(fileNumber(at.file), p);
  buf.writeUInt32LE(at.position, p);
}

function* readKeyEvents(path: string, files: Map<number, string>): Generator<KeyEvent> {
  const reader = new SpillReader(path);
  try {
    for (;;) {
      const size = reader.next(4);
      if (!size) return;
      const r = reader.next(size.readUInt32LE(0))!;
      const event = new KeyEvent();
      event.src = r;
      let p = 0;
      event.keyLength = r.readUInt32LE(p);
      event.keyAt = p + 4;
      p += 4 + event.keyLength;
      const beforeLength = r.readUInt32LE(p);
      p += 4;
      event.beforeAt = p;
      event.beforeLength = beforeLength === NONE ? -1 : beforeLength;
      if (beforeLength !== NONE) p += beforeLength;
      const count = r.readUInt16LE(p);
      p += 2;
      const absent: number[] = [];
      for (let i = 0; i < count; i++, p += 2) absent.push(r.readUInt16LE(p));
      const at = { file: files.get(r.readUInt32LE(p)) ?? '', position: r.readUInt32LE(p + 4) };
      event.absent = () => absent;
      event.at = () => at;
      yield event;
    }
  } finally {
    reader.close();
  }
}
