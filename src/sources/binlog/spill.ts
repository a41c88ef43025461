import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private temp dir for rows read from the binlog (production data): the dir is 0700, its files 0600,
 * and it is removed when the source closes.
 */
export class SpillDir {
  private constructor(readonly path: string) {}

  static async create(): Promise<SpillDir> {
    // mkdtemp creates the dir with mode 0700.
    return new SpillDir(await mkdtemp(join(tmpdir(), 'rowback-binlog-')));
  }

  file(name: string): string {
    return join(this.path, name);
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

const BUFFER = 1 << 20;

/** Appends bytes to a new private file through a 1 MiB buffer. */
export class SpillWriter {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(BUFFER);
  private used = 0;
  /** Bytes written so far (buffered included). */
  size = 0;

  /** `onFlush` is told how many bytes are in the file after each write to it (a tail reads up to there). */
  constructor(
    readonly path: string,
    private readonly onFlush?: (written: number) => void,
  ) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  /** Room for `n` more bytes in the buffer; returns the buffer and where to write. */
  reserve(n: number): { buf: Buffer; at: number } {
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    const at = this.used;
    this.used += n;
    this.size += n;
    return { buf: this.buf, at };
  }

  write(bytes: Buffer): void {
    const { buf, at } = this.reserve(bytes.length);
    bytes.copy(buf, at);
  }

  flush(): void {
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buf, done, this.used - done);
    this.used = 0;
    this.onFlush?.(this.size);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Reads a spill file front to back in large chunks; `next(n)` hands out exactly `n` bytes. */
export class SpillReader {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(BUFFER);
  private start = 0;
  private end = 0;
  private eof = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  /** The next `n` bytes (a view valid until the next call), or undefined at the end of the file. */
  next(n: number): Buffer | undefined {
    if (this.end - this.start < n) this.fill(n);
    if (this.end - this.start < n) return undefined;
    const out = this.buf.subarray(this.start, this.start + n);
    this.start += n;
    return out;
  }

  /**
   * Takes the next `n` bytes without making a view: their offset in `buffer` (valid until the next call),
   * or -1 at the end of the file.
   */
  take(n: number): number {
    if (this.end - this.start < n) this.fill(n);
    if (this.end - this.start < n) return -1;
    const at = this.start;
    this.start += n;
    return at;
  }

  /** The buffer `take` offsets point into. */
  get buffer(): Buffer {
    return this.buf;
  }

  private fill(n: number): void {
    if (this.eof) return;
    const keep = this.end - this.start;
    const size = Math.max(BUFFER, n * 2);
    const next = size > this.buf.length ? Buffer.allocUnsafe(size) : this.buf;
    this.buf.copy(next, 0, this.start, this.end);
    this.buf = next;
    this.start = 0;
    this.end = keep;
    while (this.end - this.start < n) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (got === 0) {
        this.eof = true;
        return;
      }
      this.end += got;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
