import type { InsertRun } from './insert-run.js';
import { StatementScanner } from './scanner.js';
import type { ValuesParser } from './values-parser.js';

/**
 * A dump scanner whose wanted rows come in INSERT statements (a plain pg_dump's `--inserts`, mysqldump,
 * `sqlite3 .dump`): each INSERT's VALUES are read by the run's parser, and the first other statement
 * after the run ends the table's data (`stop`).
 */
export abstract class InsertScanner<V extends ValuesParser> extends StatementScanner {
  /** In charge of the bytes while an INSERT's VALUES are read. */
  protected values: V | undefined;
  /** The wanted table's INSERTs are being read: any other statement ends them. */
  protected takingInserts = false;
  protected abstract readonly inserts: InsertRun<V>;

  protected inData(): boolean {
    return this.values !== undefined;
  }

  protected data(): boolean {
    const next = this.values!.step(this.buf, this.i, this.base);
    this.i = next.at;
    if (next.ended) {
      this.values = undefined;
      this.takingInserts = true;
    }
    return !next.needMore;
  }

  /** An INSERT of the wanted table whose head, up to its `(`, is `head`: its VALUES are taken over. */
  protected takeInsert(head: string, columns: string[] | undefined): true {
    this.values = this.inserts.start(head, columns);
    return true;
  }

  /** The next INSERT of the wanted table, known by its bytes up to `(`. */
  protected override resumeData(): boolean {
    if (!this.takingInserts || this.done) return false;
    const at = this.inserts.resume(this.buf, this.i);
    if (at === -1) return false;
    this.statementOffset = this.at();
    this.i = at;
    this.values = this.inserts.parser;
    return true;
  }

  protected override finish(): void {
    this.inserts.flush();
  }

  /** The wanted rows are all read: hand on the last of them and stop. */
  protected stop(): void {
    this.inserts.flush();
    this.done = true;
  }
}
