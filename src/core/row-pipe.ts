import { PassThrough } from 'node:stream';

/** Where the ordered merge puts rows: one at a time, waiting only when the reader is behind. */
export interface RowSink {
  /** Adds one row (its fields, without the newline); a promise only when the sink is full. */
  add(line: Buffer): Promise<void> | undefined;
  /** No more rows. */
  end(): Promise<void>;
}

/** Bytes gathered before one write: a write per row would cost more than the row. */
const BATCH = 1 << 18;
const NEWLINE = Buffer.from('\n');

/** Rows gathered into one write of about BATCH bytes, for the sinks below and RowSpill. */
export class RowBatch {
  rows = 0;
  private parts: Buffer[] = [];
  private size = 0;

  /** Adds one row (its fields, without the newline); true once the batch is worth writing. */
  add(line: Buffer): boolean {
    this.rows++;
    this.parts.push(line, NEWLINE);
    this.size += line.length + 1;
    return this.size >= BATCH;
  }

  /** The rows gathered since the last take, as one Buffer; undefined when there are none. */
  take(): Buffer | undefined {
    if (this.size === 0) return undefined;
    const bytes = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return bytes;
  }
}

/**
 * Rows handed to a reader as a stream (a COPY into the target) while they are found, with backpressure:
 * memory is one batch and the stream's buffer. A reader that fails ends the pipe (`fail`), and the next
 * `add` throws, so the merge stops instead of waiting for room that never comes.
 */
export class RowPipe implements RowSink {
  readonly stream = new PassThrough({ highWaterMark: 1 << 20 });
  private readonly batch = new RowBatch();

  constructor() {
    // Errors reach the reader through its own reads; without a listener one would crash the process.
    this.stream.on('error', () => {});
  }

  get rows(): number {
    return this.batch.rows;
  }

  add(line: Buffer): Promise<void> | undefined {
    return this.batch.add(line) ? this.flush() : undefined;
  }

  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
  }

  fail(error: unknown): void {
    this.stream.destroy(error instanceof Error ? error : new Error(String(error)));
  }

  private async flush(): Promise<void> {
    const bytes = this.batch.take();
    if (!bytes) return;
    if (this.stream.destroyed) throw new Error('the rows could not be written (the writer stopped)');
    if (this.stream.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
    if (this.stream.destroyed) throw new Error('the rows could not be written (the writer stopped)');
  }
}

/** Both sinks get every row. */
export function bothSinks(a: RowSink, b: RowSink): RowSink {
  return {
    add(line) {
      const x = a.add(line);
      const y = b.add(line);
      if (!x) return y;
      if (!y) return x;
      return Promise.all([x, y]).then(() => {});
    },
    async end() {
      await Promise.all([a.end(), b.end()]);
    },
  };
}
