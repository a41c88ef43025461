import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { type AsOfImage, buildAsOf, type HistoryFile, KEY_BUDGET } from './as-of.js';
import { KeySet } from './key-set.js';
import type { RowChange } from './rows.js';
import type { EventRef, Settled } from './scan.js';
import type { SpillDir } from './spill.js';
import { SpillWriter } from './spill.js';

/**
 * The as-of image built while the binlog is read, instead of in a second pass over the history: each key's
 * image is decided at its first event and only the keys seen are remembered. The rows of a transaction
 * are used before the transaction ends, so this is exact only while every transaction with rows of the
 * table ends counted (committed from the moment on); otherwise it gives up and `finish` returns nothing
 * (the caller builds the image from the history). Past the memory budget it hands over: the history is
 * written from then on and `complete` builds the rest of the image from it, skipping the keys decided.
 * Same output, same order, as `buildAsOf` over the same history (while within the budget).
 */
export class AsOfStream {
  private readonly image: AsOfImage;
  private readonly rows: SpillWriter;
  private readonly absent: SpillWriter;
  private readonly seen = new KeySet();
  private readonly partialSlots = new Set<number>();
  private gaveUp = false;
  private closed = false;
  /** Past the budget: keys not decided yet are left to the history, written from then on. */
  handedOver = false;

  /**
   * `onRows` is told how many bytes of the rows file are written as it grows, and `onGiveUp` when the
   * rows so far turn out unusable, so rows can be read while the binlog still is.
   */
  constructor(
    private readonly dir: SpillDir,
    private readonly keyBudget = KEY_BUDGET,
    private readonly watch: { onRows?: (written: number) => void; onGiveUp?: () => void } = {},
  ) {
    this.image = {
      rowsPath: dir.file('as-of-rows-read'),
      rows: 0,
      absentPath: dir.file('as-of-absent-read'),
      absent: 0,
      partial: { count: 0, examples: [], slots: [] },
    };
    this.rows = new SpillWriter(this.image.rowsPath, watch.onRows);
    this.absent = new SpillWriter(this.image.absentPath);
  }

  /** One change of the table, in binlog order (see ScanSink.change). */
  change(change: RowChange, at: EventRef): void {
    if (this.gaveUp || this.handedOver) return;
    const { before, after } = change;
    if (change.kind === 'write') {
      this.visitAbsent(after!.keyBytes, after!.keyLength);
    } else {
      // An update or delete: the row before it is the key's image; an update that moves the row onto
      // another key also tells that the new key did not exist before.
      const b = before!;
      if (this.seen.addBytes(b.keyBytes, 0, b.keyLength)) {
        if (b.absent.length > 0) {
          this.image.partial.count++;
          if (this.image.partial.examples.length < 5) this.image.partial.examples.push({ ...at });
          for (const slot of b.absent) this.partialSlots.add(slot);
        } else {
          writeLine(this.rows, b.lineBytes, b.lineLength);
          this.image.rows++;
        }
      }
      if (
        change.kind === 'update' &&
        !sameBytes(b.keyBytes, b.keyLength, after!.keyBytes, after!.keyLength)
      ) {
        this.visitAbsent(after!.keyBytes, after!.keyLength);
      }
    }
    // Past the budget the history's partitioned pass takes over (it spills keys to disk).
    if (this.seen.bytes > this.keyBudget) this.handedOver = true;
  }

  /** A transaction with rows of the table ended: any outcome but counted means its rows were used wrongly. */
  settle(settled: Settled): void {
    if (settled.outcome !== 'counted') this.giveUp();
  }

  /** The image, or undefined when it gave up. */
  finish(): AsOfImage | undefined {
    this.close();
    if (this.gaveUp) return undefined;
    this.image.partial.slots = [...this.partialSlots].sort((a, b) => a - b);
    return this.image;
  }

  /** The whole image: after a hand-over, the rest built from the history and appended. */
  complete(image: AsOfImage, history: HistoryFile): AsOfImage {
    if (!this.handedOver) return image;
    const rest = buildAsOf(history, this.dir, this.keyBudget, this.seen);
    appendFile(rest.rowsPath, image.rowsPath);
    appendFile(rest.absentPath, image.absentPath);
    const partial = image.partial;
    return {
      ...image,
      rows: image.rows + rest.rows,
      absent: image.absent + rest.absent,
      partial: {
        count: partial.count + rest.partial.count,
        examples: [...partial.examples, ...rest.partial.examples].slice(0, 5),
        slots: [...new Set([...partial.slots, ...rest.partial.slots])].sort((a, b) => a - b),
      },
    };
  }

  private visitAbsent(key: Buffer, length: number): void {
    if (!this.seen.addBytes(key, 0, length)) return;
    writeLine(this.absent, key, length);
    this.image.absent++;
  }

  private giveUp(): void {
    if (this.gaveUp) return;
    this.gaveUp = true;
    this.close();
    this.watch.onGiveUp?.();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rows.close();
    this.absent.close();
  }
}

function sameBytes(a: Buffer, aLength: number, b: Buffer, bLength: number): boolean {
  if (aLength !== bLength) return false;
  for (let i = 0; i < aLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function writeLine(out: SpillWriter, src: Buffer, length: number): void {
  const { buf, at } = out.reserve(length + 1);
  if (length >= 128) src.copy(buf, at, 0, length);
  else for (let i = 0; i < length; i++) buf[at + i] = src[i]!;
  buf[at + length] = 0x0a;
}

function appendFile(from: string, to: string): void {
  const input = openSync(from, 'r');
  const output = openSync(to, 'a');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let got = readSync(input, buf); got > 0; got = readSync(input, buf)) {
      for (let done = 0; done < got; ) done += writeSync(output, buf, done, got - done);
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
}
