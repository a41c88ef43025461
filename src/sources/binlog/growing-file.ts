import { closeSync, openSync, readSync } from 'node:fs';
import { RowbackError } from '../../core/errors.js';
import { SourceRestart } from '../../core/source.js';
import type { RowStream } from '../../engines/engine.js';

const CHUNK = 1 << 20;

/**
 * A spill file of rows still being written while the binlog is read, read by any number of tails as it
 * grows: the rows reach the target while the read goes on. The writer says how far the file is written
 * (`grew`), then exactly one end: `done` (the file is whole), `fail` (the read failed: every tail throws
 * it), or `replace` (the rows written so far must not be used: a tail that has yielded none reads the
 * new file instead, one that has throws SourceRestart, so the apply rolls back and runs again).
 */
export class GrowingFile {
  private written = 0;
  private end: { kind: 'done' } | { kind: 'failed'; error: unknown } | undefined;
  private waiters: (() => void)[] = [];
  private readonly ended: Promise<void>;
  private markEnded!: () => void;

  constructor(private path: string) {
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve;
    });
  }

  grew(size: number): void {
    this.written = size;
    this.wake();
  }

  done(size: number): void {
    this.written = size;
    this.finish({ kind: 'done' });
  }

  fail(error: unknown): void {
    this.finish({ kind: 'failed', error });
  }

  /** The rows written so far must not be used; `replace` or `fail` follows. */
  abandon(): void {
    this.path = '';
    this.written = 0;
    this.wake();
  }

  /** The rows written so far must not be used: `path` holds all of them instead. */
  replace(path: string, size: number): void {
    this.path = path;
    this.written = size;
    this.finish({ kind: 'done' });
  }

  /** Resolves once the file has an end (any of them). */
  settled(): Promise<void> {
    return this.ended;
  }

  /** The rows as they are written, whole lines only, ending when the file is done. */
  async *tail(): RowStream {
    let path = '';
    let fd: number | undefined;
    let offset = 0;
    let yielded = false;
    let rest: Buffer | undefined;
    try {
      for (;;) {
        const end = this.end;
        if (end?.kind === 'failed') throw end.error;
        if (path !== this.path) {
          // Rows already sent came from a file abandoned since: whoever took them must start again.
          if (yielded) {
            throw new SourceRestart(
              'A transaction read from the binlog did not end committed after rows read with it were sent: that apply was rolled back, and the rows were read again from the history of committed transactions.',
            );
          }
          if (fd !== undefined) closeSync(fd);
          fd = undefined;
          path = this.path;
          offset = 0;
          rest = undefined;
          if (path !== '') fd = openSync(path, 'r');
          continue;
        }
        if (fd !== undefined && offset < this.written) {
          const buf = Buffer.allocUnsafe(Math.min(CHUNK, this.written - offset));
          const got = readSync(fd, buf, 0, buf.length, offset);
          if (got === 0) throw new RowbackError('internal', 'a binlog spill file ended early');
          offset += got;
          const data = rest ? Buffer.concat([rest, buf.subarray(0, got)]) : buf.subarray(0, got);
          // Whole lines only: the consumer never holds half a row.
          const last = data.lastIndexOf(0x0a);
          rest = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : undefined;
          if (last >= 0) {
            yielded = true;
            yield data.subarray(0, last + 1);
          }
          continue;
        }
        if (end?.kind === 'done' && path !== '') {
          if (rest) throw new RowbackError('internal', 'a binlog spill file ends within a row');
          return;
        }
        await this.wait();
      }
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private finish(end: NonNullable<GrowingFile['end']>): void {
    if (this.end) return;
    this.end = end;
    this.markEnded();
    this.wake();
  }

  private wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
