import { createReadStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { RowStream } from '../engines/engine.js';
import { RowBatch, type RowSink } from './row-pipe.js';
import { openPrivate } from './state-dir.js';

/**
 * Rows put aside in a private file (0600, in the run's private folder) while the target's session is busy
 * reading, and streamed back once it is free: a session runs one statement at a time, so rows found
 * missing while the target is read are written after. Memory: one batch, whatever the row count.
 */
export class RowSpill implements RowSink {
  private readonly batch = new RowBatch();

  private constructor(
    readonly path: string,
    private readonly out: WriteStream,
  ) {}

  static async create(path: string): Promise<RowSpill> {
    const file = await openPrivate(path, 'w');
    return new RowSpill(path, file.createWriteStream());
  }

  /** Adds one row (its fields, without the newline). Resolves at once unless the file is behind. */
  /** Rows added so far. */
  get rows(): number {
    return this.batch.rows;
  }

  add(line: Buffer): Promise<void> | undefined {
    return this.batch.add(line) ? this.flush() : undefined;
  }

  /** Writes what is gathered and closes the file. */
  async end(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }

  /** The rows, as a row stream read from the file. */
  read(): RowStream {
    return createReadStream(this.path, { highWaterMark: 1 << 20 });
  }

  async remove(): Promise<void> {
    this.out.destroy();
    await rm(this.path, { force: true });
  }

  private async flush(): Promise<void> {
    const bytes = this.batch.take();
    if (!bytes) return;
    if (!this.out.write(bytes)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          this.out.off('drain', done);
          this.out.off('error', done);
          if (error) reject(error);
          else resolve();
        };
        this.out.on('drain', done);
        this.out.on('error', done);
      });
    }
  }
}
