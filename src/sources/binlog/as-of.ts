import { type Change, readHistory } from './history.js';
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
  transactions: Map<number, Settled>;
  files: Map<number, string>;
}

/** Keys kept in memory at once (≈ 12 bytes plus the key each); beyond, keys are split into partitions. */
export const KEY_BUDGET = 48 << 20;
const PARTITIONS = 16;

/** One key's event, as the as-of image needs it. */
interface KeyEvent {
  key: Buffer;
  /** The row as it was before this event; undefined: the key did not exist before it. */
  before: Buffer | undefined;
  absent: number[];
  at: EventRef;
}

export function buildAsOf(history: HistoryFile, dir: SpillDir, keyBudget = KEY_BUDGET): AsOfImage {
  const result: AsOfImage = {
    rowsPath: dir.file('as-of-rows'),
    rows: 0,
    absentPath: dir.file('as-of-absent'),
    absent: 0,
    partial: { count: 0, examples: [], slots: [] },
  };
  const rows = new SpillWriter(result.rowsPath);
  const absent = new SpillWriter(result.absentPath);
  const newline = Buffer.from('\n');
  const partialSlots = new Set<number>();
  const visit = (seen: KeySet, event: KeyEvent): void => {
    if (!seen.add(event.key)) return;
    if (!event.before) {
      absent.write(event.key);
      absent.write(newline);
      result.absent++;
    } else if (event.absent.length > 0) {
      result.partial.count++;
      if (result.partial.examples.length < 5) result.partial.examples.push(event.at);
      for (const slot of event.absent) partialSlots.add(slot);
    } else {
      rows.write(event.before);
      rows.write(newline);
      result.rows++;
    }
  };
  try {
    const seen = new KeySet();
    let partitions: SpillWriter[] | undefined;
    for (const change of readHistory(history.path, history.transactions, history.files)) {
      for (const event of keyEvents(change)) {
        if (partitions) {
          writeKeyEvent(partitions[hashOf(event.key) % PARTITIONS]!, event);
        } else {
          visit(seen, event);
          // Too many keys for memory: the keys not seen yet go to partitions, each read back alone.
          if (seen.bytes > keyBudget) partitions = openPartitions(dir);
        }
      }
    }
    if (partitions) {
      for (const [i, partition] of partitions.entries()) {
        partition.close();
        // A partition only ever holds keys the in-memory pass had not finished with, so `seen` still
        // rules out the keys already decided.
        const local = new KeySet();
        for (const event of readKeyEvents(dir.file(`keys-${i}`), history.files)) {
          if (seen.has(event.key)) continue;
          visit(local, event);
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

/** The per-key events of one change: an update that moves a row touches two keys. */
function keyEvents(change: Change): KeyEvent[] {
  const { keyBefore, keyAfter, at } = change;
  if (change.kind === 'write') return [{ key: keyAfter!, before: undefined, absent: [], at }];
  const first: KeyEvent = { key: keyBefore!, before: change.before, absent: change.absentBefore, at };
  if (change.kind === 'delete' || keyAfter!.equals(keyBefore!)) return [first];
  return [first, { key: keyAfter!, before: undefined, absent: [], at }];
}

function openPartitions(dir: SpillDir): SpillWriter[] {
  return Array.from({ length: PARTITIONS }, (_, i) => new SpillWriter(dir.file(`keys-${i}`)));
}

const NONE = 0xffffffff;

function writeKeyEvent(out: SpillWriter, event: KeyEvent): void {
  const size = 4 + event.key.length + 4 + (event.before?.length ?? 0) + 2 + 2 * event.absent.length + 8;
  const { buf, at } = out.reserve(4 + size);
  let p = buf.writeUInt32LE(size, at);
  p = buf.writeUInt32LE(event.key.length, p);
  p += event.key.copy(buf, p);
  p = buf.writeUInt32LE(event.before ? event.before.length : NONE, p);
  if (event.before) p += event.before.copy(buf, p);
  p = buf.writeUInt16LE(event.absent.length, p);
  for (const slot of event.absent) p = buf.writeUInt16LE(slot, p);
  p = buf.writeUInt32LE(fileNumber(event.at.file), p);
  buf.writeUInt32LE(event.at.position, p);
}

function* readKeyEvents(path: string, files: Map<number, string>): Generator<KeyEvent> {
  const reader = new SpillReader(path);
  try {
    for (;;) {
      const size = reader.next(4);
      if (!size) return;
      const r = reader.next(size.readUInt32LE(0))!;
      let p = 0;
      const keyLength = r.readUInt32LE(p);
      const key = r.subarray(p + 4, p + 4 + keyLength);
      p += 4 + keyLength;
      const beforeLength = r.readUInt32LE(p);
      p += 4;
      const before = beforeLength === NONE ? undefined : r.subarray(p, p + beforeLength);
      if (before) p += beforeLength;
      const count = r.readUInt16LE(p);
      p += 2;
      const absent: number[] = [];
      for (let i = 0; i < count; i++, p += 2) absent.push(r.readUInt16LE(p));
      yield {
        key,
        before,
        absent,
        at: { file: files.get(r.readUInt32LE(p)) ?? '', position: r.readUInt32LE(p + 4) },
      };
    }
  } finally {
    reader.close();
  }
}
