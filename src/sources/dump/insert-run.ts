import type { ValuesParser } from './values-parser.js';

/**
 * The wanted table's INSERT statements as one run: one values parser (so one row builder) for every
 * INSERT with the same column list, and the next INSERT known by its bytes up to its `(`, without lexing
 * its head again. A dump of one INSERT per row (pg_dump --inserts, mysqldump --skip-extended-insert,
 * sqlite3 .dump) then costs what one of many rows per INSERT costs, not a builder and a chunk per row.
 */
export class InsertRun<V extends ValuesParser> {
  /** The values parser of the current column list. */
  parser: V | undefined;
  private columns: string | undefined;
  private prefix: Buffer | undefined;

  constructor(private readonly make: (columns: string[] | undefined) => V) {}

  /** An INSERT of the table whose head up to its `(` is `head` (latin1): its parser, ready for the `(`. */
  start(head: string, columns: string[] | undefined): V {
    const key = columns?.join('\n') ?? '';
    if (!this.parser || this.columns !== key) {
      this.parser?.flush();
      this.parser = this.make(columns);
      this.columns = key;
      this.prefix = Buffer.from(head, 'latin1');
    }
    this.parser.restart();
    return this.parser;
  }

  /**
   * Where the `(` is when `buf` at `i` starts with the last INSERT's head, the parser made ready for it;
   * else -1, also when the chunk ends too soon to tell (the statement is then read the slow way).
   */
  resume(buf: Buffer, i: number): number {
    const prefix = this.prefix;
    if (!prefix || !this.parser) return -1;
    const end = i + prefix.length;
    if (end >= buf.length || buf[end] !== 0x28) return -1;
    if (buf.compare(prefix, 0, prefix.length, i, end) !== 0) return -1;
    this.parser.restart();
    return end;
  }

  /** Hands on every complete row built so far. */
  flush(): void {
    this.parser?.flush();
  }
}
