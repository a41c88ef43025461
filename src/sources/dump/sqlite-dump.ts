import { InsertRun } from './insert-run.js';
import { InsertScanner } from './insert-scanner.js';
import { utf8 } from './names.js';
import { SqliteValues } from './sqlite-values.js';
import type { DumpTable, OpenRows, TableData, WantedTable } from './table-data.js';

/**
 * Reads `sqlite3 .dump` output fed in chunks: the tables it holds, the wanted table's CREATE TABLE (as
 * stored in the database, so any SQL SQLite accepts), and its rows from the `INSERT INTO t VALUES(…);`
 * statements the shell writes one per row (with `(rowid,…)` under `--preserve-rowids`). Names match as
 * SQLite matches them, without regard to ASCII case. Stops (`done`) at the first statement after the
 * wanted table's rows; `sqlite_sequence`, `sqlite_stat1` and the `sqlite_schema` rows of virtual tables
 * are not tables of the dump.
 */
export class SqliteDumpParser extends InsertScanner<SqliteValues> implements TableData {
  readonly tables: DumpTable[] = [];
  create: string | undefined;
  dataColumns: string[] | undefined;
  foundData = false;

  /** The wanted table's INSERTs. */
  protected readonly inserts = new InsertRun(
    (columns) => new SqliteValues(this.open!(columns, this.statementOffset)),
  );
  private sawCreate = false;
  /** Inside a CREATE TRIGGER's BEGIN … END, whose statements end in `;` too. */
  private inTrigger = false;
  /** `.dump` wraps the dump in BEGIN TRANSACTION … COMMIT: a dump that began so must end so. */
  private sawBegin = false;
  private sawCommit = false;

  constructor(
    private readonly wanted: WantedTable,
    private readonly open?: OpenRows,
  ) {
    super({
      backslashStrings: false,
      backticks: true,
      brackets: true,
      hashComments: false,
      dollarQuotes: false,
      clientLines: 'none',
    });
  }

  protected override expectedInData(): string {
    return 'the rest of an INSERT statement';
  }

  protected openParen(head: string): boolean {
    const insert = /^(?:INSERT(?:\s+OR\s+\w+)?|REPLACE)\s+INTO\s+/i.exec(head);
    this.skipParens = true; // unless this ( opens the column list (below)
    if (!insert || this.inTrigger) return false;
    const name = readSqliteName(head, insert[0].length);
    if (!name) return false;
    let rest = skipBlanks(head, name.end);
    if (rest === head.length) {
      this.skipParens = false; // this ( opens the column list
      return false;
    }
    let columns: string[] | undefined;
    if (head[rest] === '(') {
      columns = [];
      for (let i = rest + 1; ; ) {
        const column = readSqliteName(head, i);
        if (!column) return false;
        columns.push(column.name);
        i = skipBlanks(head, column.end);
        if (head[i] === ')') {
          rest = i + 1;
          break;
        }
        if (head[i] !== ',') return false;
        i++;
      }
    }
    if (!/^\s*VALUES\s*$/i.test(head.slice(rest))) return false;
    this.headDone = true;
    if (!this.note(name.name) || !sameName(name.name, this.wanted.name)) {
      if (this.takingInserts) this.stop();
      return false;
    }
    this.foundData = true;
    this.dataColumns ??= columns;
    if (!this.open) {
      this.done = true;
      return false;
    }
    return this.takeInsert(head, columns);
  }

  protected statement(head: string): void {
    if (this.takingInserts) {
      this.stop();
      return;
    }
    if (this.inTrigger) {
      if (/^END\s*;?$/i.test(head.trim())) this.inTrigger = false;
      return;
    }
    if (/^BEGIN\s+TRANSACTION\s*;?$/i.test(head.trim())) this.sawBegin = true;
    else if (/^(COMMIT|END)(\s+TRANSACTION)?\s*;?$/i.test(head.trim())) this.sawCommit = true;
    if (/^CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\b/i.test(head) && !/\bEND\s*;?$/i.test(head.trim())) {
      this.inTrigger = true;
      return;
    }
    const create = /^CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?/i.exec(head);
    if (!create) return;
    const name = readSqliteName(head, create[0].length);
    if (!name || !this.note(name.name)) return;
    if (sameName(name.name, this.wanted.name) && !this.create && !this.headCut()) {
      this.create = head;
      this.sawCreate = true;
      if (!this.open) this.done = true;
    } else if (this.sawCreate && this.open) {
      this.stop(); // the wanted table's section ended without rows
    }
  }

  protected override missingEnd(): string | undefined {
    return this.sawBegin && !this.sawCommit ? 'the rest of the dump, up to its COMMIT' : undefined;
  }

  /** Adds a table to `tables`; false for SQLite's own tables (`sqlite_…`), which are not the dump's. */
  private note(name: string): boolean {
    if (/^sqlite_/i.test(name)) return false;
    if (!this.tables.some((t) => sameName(t.name, name))) this.tables.push({ name });
    return true;
  }
}

/** SQLite matches names without regard to ASCII case. */
export function sameName(a: string, b: string): boolean {
  return (
    a === b || a.replace(/[A-Z]+/g, (s) => s.toLowerCase()) === b.replace(/[A-Z]+/g, (s) => s.toLowerCase())
  );
}

/**
 * A name as SQLite reads it: `"…"` (with `""`), `` `…` ``, `[…]`, or bare (case kept), in a latin1 head;
 * `main.` or `temp.` before it is dropped. Comes back as UTF-8.
 */
export function readSqliteName(text: string, start: number): { name: string; end: number } | undefined {
  const first = readPart(text, skipBlanks(text, start));
  if (!first) return undefined;
  const dot = skipBlanks(text, first.end);
  if (text[dot] !== '.') return first;
  return readPart(text, skipBlanks(text, dot + 1));
}

function readPart(text: string, i: number): { name: string; end: number } | undefined {
  const open = text[i];
  const close = open === '"' ? '"' : open === '`' ? '`' : open === '[' ? ']' : undefined;
  if (close) {
    let name = '';
    for (let j = i + 1; ; ) {
      const q = text.indexOf(close, j);
      if (q === -1) return undefined;
      name += text.slice(j, q);
      if (close !== ']' && text[q + 1] === close) {
        name += close;
        j = q + 2;
        continue;
      }
      return { name: utf8(name), end: q + 1 };
    }
  }
  const m = /^[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*/.exec(text.slice(i, i + 1024));
  return m ? { name: utf8(m[0]), end: i + m[0].length } : undefined;
}

function skipBlanks(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}
