import { CopyLines } from './copy-lines.js';
import { InsertRun } from './insert-run.js';
import { InsertScanner } from './insert-scanner.js';
import { readName, readNameList, skipBlanks, utf8 } from './names.js';
import { PgValues } from './pg-values.js';
import type { RowBuilder } from './row-builder.js';
import type { DumpTable, TableData, WantedTable } from './table-data.js';
import { sameTable } from './table-data.js';

/**
 * Reads a plain-format pg_dump (`pg_dump -Fp`, `psql`-ready SQL) fed in chunks: the tables it holds, the
 * wanted table's CREATE TABLE, and the wanted table's rows from its `COPY … FROM stdin;` block or its
 * `INSERT` statements (`--inserts`, `--column-inserts`, `--rows-per-insert`), as COPY text. Other
 * tables' data is skipped without being parsed. Stops (`done`) once the wanted table's data is read.
 */
export class PgPlainParser extends InsertScanner<PgValues> implements TableData {
  readonly tables: DumpTable[] = [];
  create: string | undefined;
  dataColumns: string[] | undefined;
  foundData = false;

  private copy: CopyLines | undefined;
  /** The wanted table's INSERTs. */
  protected readonly inserts = new InsertRun(
    (columns) => new PgValues(this.open!(columns, this.statementOffset), this.backslashEverywhere),
  );
  /** The dump starts as pg_dump starts one, and so must end as pg_dump ends one. */
  private sawHeader = false;
  private sawTrailer = false;
  /** pg_dump's `-- Data for Name:` comment of the wanted table was read: its rows (maybe none) follow. */
  private inWantedData = false;
  /** The table of the TOC entry whose data follows (`-- Data for Name:`), while in it. */
  private dataEntry: DumpTable | undefined;
  /**
   * The wanted table's rows are in other tables' data sections: a partitioned table dumped with
   * --load-via-partition-root, one `COPY parted` per partition. Only part of its rows would be read.
   */
  spread = false;
  /** The dump's `SET client_encoding`, upper case: the encoding its text is in. */
  encoding: string | undefined;
  /** A pg_dumpall file: one database after another, each after its `\connect`. */
  cluster = false;
  /** The database being read (pg_dumpall's last `\connect`). */
  private database: string | undefined;
  /** The databases of a pg_dumpall file that hold the wanted table, in file order. */
  readonly wantedIn: string[] = [];

  constructor(
    private readonly wanted: WantedTable,
    /** Where the wanted rows go; without it the parser only looks (it stops at the wanted table). */
    private readonly open?: (columns: string[] | undefined, offset: number) => RowBuilder,
  ) {
    super({
      backslashStrings: false,
      backticks: false,
      hashComments: false,
      dollarQuotes: true,
      clientLines: 'psql',
    });
  }

  protected override inData(): boolean {
    return this.copy !== undefined || super.inData();
  }

  protected override expectedInData(): string {
    return this.copy ? 'the rest of a COPY block, ended by a line "\\."' : 'the rest of an INSERT statement';
  }

  protected override data(): boolean {
    if (this.copy) {
      const next = this.copy.step(this.buf, this.i, this.base);
      if (next < 0) {
        this.i = this.buf.length + next + 1;
        return false;
      }
      this.i = next;
      if (this.copy.ended) {
        const wanted = this.copy.builder !== undefined;
        this.copy.builder?.flush();
        this.copy = undefined;
        if (wanted) this.done = true;
      }
      return true;
    }
    return super.data();
  }

  /**
   * pg_dump's comments: the first line, the last (`-- PostgreSQL database dump complete`, followed
   * only by psql's `\unrestrict` on newer versions), and one before each TOC entry. The wanted table's
   * `-- Data for Name:` entry is how a table whose data is INSERTs (`--inserts`) shows it had no row.
   */
  protected override comment(text: string): void {
    if (/^ PostgreSQL database (cluster )?dump\s*$/.test(text)) {
      if (text.includes('cluster')) this.cluster = true;
      this.sawHeader = true;
      this.sawTrailer = false; // pg_dumpall: each database's dump ends in its own line
    } else if (/^ PostgreSQL database (cluster )?dump complete\s*$/.test(text)) this.sawTrailer = true;
    const entry = /^ (Data for )?Name: (.*?); Type: ([A-Z ]+); Schema: (.*?);/.exec(text);
    if (!entry) return;
    if (this.inWantedData && this.open) {
      this.stop(); // the next entry: the wanted table's data is all read
      return;
    }
    const table = { name: utf8(entry[2]!), ...(entry[4] === '-' ? {} : { schema: utf8(entry[4]!) }) };
    const data = entry[1] !== undefined && entry[3] === 'TABLE DATA';
    this.dataEntry = data ? table : undefined;
    this.inWantedData = data && this.isWanted(table);
    if (this.inWantedData) this.foundData = true;
  }

  /**
   * Whether the rows of a COPY or INSERT into `table` are the wanted table's. pg_dump
   * --load-via-partition-root writes a partition's rows into its root (`COPY parted` in the section of
   * `parted_low`): in the wanted partition's section they are its rows; the root's own rows are spread
   * over its partitions' sections (`spread`).
   */
  private wantedRows(table: DumpTable): boolean {
    if (this.inWantedData) return true;
    if (!this.isWanted(table)) return false;
    if (this.dataEntry !== undefined && !sameTable(this.dataEntry, this.wanted)) {
      this.spread = true;
      this.foundData = true;
      this.done = true;
      return false;
    }
    return true;
  }

  protected override missingEnd(): string | undefined {
    return this.sawHeader && !this.sawTrailer
      ? 'the rest of the dump, up to its line "-- PostgreSQL database dump complete"'
      : undefined;
  }

  protected openParen(head: string): boolean {
    const insert = /^INSERT\s+INTO\s/i.exec(head);
    this.skipParens = true; // unless this ( opens the column list (below)
    if (!insert) return false;
    const name = readName(head, insert[0].length, '"');
    if (!name) return false;
    let rest = skipBlanks(head, name.end);
    let columns: string[] | undefined;
    if (rest === head.length) {
      this.skipParens = false; // this ( opens the column list
      return false;
    }
    const list = readNameList(head, rest, '"');
    if (list) {
      columns = list.names;
      rest = list.end;
    }
    if (!/^\s*(OVERRIDING\s+(SYSTEM|USER)\s+VALUE\s+)?VALUES\s*$/i.test(head.slice(rest))) return false;
    this.headDone = true; // an INSERT: its head is read
    const table = this.note(name.parts);
    if (!this.wantedRows(table)) {
      if (this.takingInserts) this.stop();
      return false;
    }
    this.foundData = true;
    this.dataColumns ??= columns;
    if (!this.open) {
      this.stopLooking();
      return false;
    }
    return this.takeInsert(head, columns);
  }

  protected statement(head: string): void {
    if (this.takingInserts) {
      this.stop();
      return;
    }
    const copy = /^COPY\s/i.exec(head);
    if (copy) {
      this.copyStatement(head, copy[0].length);
      return;
    }
    const create = /^CREATE\s+(?:(?:UNLOGGED|GLOBAL\s+TEMPORARY|TEMPORARY)\s+)?TABLE\s+/i.exec(head);
    if (create) {
      const name = readName(head, create[0].length, '"');
      if (!name) return;
      const table = this.note(name.parts);
      if (this.isWanted(table) && !this.headCut()) {
        this.create ??= head;
        if (!this.open) this.stopLooking();
      }
      return;
    }
    const set = /^SET\s+standard_conforming_strings\s*=\s*'?(on|off)'?\s*$/i.exec(head);
    if (set) this.backslashEverywhere = set[1]!.toLowerCase() === 'off';
    const encoding = clientEncoding(head);
    if (encoding) this.encoding = encoding;
  }

  private copyStatement(head: string, start: number): void {
    const name = readName(head, start, '"');
    if (!name) return;
    const list = readNameList(head, name.end, '"');
    if (!/^\s*FROM\s+stdin\b/i.test(head.slice(list?.end ?? name.end))) return;
    const table = this.note(name.parts);
    let builder: RowBuilder | undefined;
    if (this.wantedRows(table)) {
      this.foundData = true;
      this.dataColumns ??= list?.names;
      if (this.open) builder = this.open(list?.names, this.statementOffset);
      else if (this.stopLooking()) return;
    }
    this.copy = new CopyLines(builder);
  }

  /**
   * The wanted table, in the wanted database of a pg_dumpall file (any, when none is named: each holding
   * it is noted, so that a table in two is never read from a guessed one).
   */
  private isWanted(table: DumpTable): boolean {
    if (!sameTable(table, this.wanted)) return false;
    const database = this.database;
    if (this.cluster && database !== undefined && !this.wantedIn.includes(database))
      this.wantedIn.push(database);
    return !this.cluster || this.wanted.database === undefined || database === this.wanted.database;
  }

  /** Looking only, the wanted table found: stop, unless a pg_dumpall may hold it in another database too. */
  private stopLooking(): boolean {
    if (this.cluster && this.wanted.database === undefined) return false;
    this.done = true;
    return true;
  }

  protected override clientCommand(text: string): void {
    const database = connectedDatabase(text);
    if (database !== undefined) this.database = utf8(database);
  }

  private note(parts: string[]): DumpTable {
    const table: DumpTable =
      parts.length >= 2
        ? { schema: parts[parts.length - 2]!, name: parts[parts.length - 1]! }
        : { name: parts[0]! };
    if (!this.tables.some((t) => t.schema === table.schema && t.name === table.name)) this.tables.push(table);
    return table;
  }
}

/** The encoding a `SET client_encoding = '…'` statement names (pg_dump's header; an archive's ENCODING entry), upper case. */
export function clientEncoding(statement: string): string | undefined {
  return /^\s*SET\s+client_encoding\s*=\s*'([^']*)'/i.exec(statement)?.[1]?.toUpperCase();
}

/**
 * The database a psql `\connect` line names, as pg_dumpall writes it: `\connect app`, `\connect "my db"`,
 * or `\connect -reuse-previous=on "dbname='it''s'"` (a connection string, in double quotes for psql).
 */
export function connectedDatabase(line: string): string | undefined {
  const command = /^\\c(?:onnect)?\s+(?:-reuse-previous=\S+\s+)?(.*?)\s*$/.exec(line);
  if (!command) return undefined;
  const arg = command[1]!;
  const word = arg.startsWith('"')
    ? /^"((?:[^"]|"")*)"/.exec(arg)?.[1]?.replace(/""/g, '"')
    : arg.split(/\s/)[0];
  if (word === undefined) return undefined;
  const conninfo = /^dbname='((?:[^'\\]|\\.)*)'$/.exec(word);
  return conninfo ? conninfo[1]!.replace(/\\(.)/g, '$1') : word;
}
