import { InsertRun } from './insert-run.js';
import { InsertScanner } from './insert-scanner.js';
import { MysqlValues } from './mysql-values.js';
import { readName, readNameList, skipBlanks } from './names.js';
import type { DumpTable, OpenRows, TableData, WantedTable } from './table-data.js';
import { sameTable } from './table-data.js';

/**
 * Reads a mysqldump / mariadb-dump file fed in chunks: the tables it holds (`USE` lines give the
 * database in whole-server dumps), the wanted table's CREATE TABLE, and its rows from its INSERT
 * statements (extended or one row each, with or without a column list, `INSERT IGNORE`, `REPLACE`),
 * as rows for `LOAD DATA`. Other tables' INSERTs are skipped by the lexer without being parsed. Stops
 * (`done`) at the first statement after the wanted table's data. LOCK TABLES, DISABLE KEYS and the
 * `/*!…*\/` settings around the data need nothing: they are statements like any other.
 *
 * Looking for a table named without its database in a dump of several (`--databases a b`,
 * `--all-databases`), it reads on past the first one to list every database holding that name in
 * `tables`, so that the caller can refuse to guess.
 */
export class MysqlDumpParser extends InsertScanner<MysqlValues> implements TableData {
  readonly tables: DumpTable[] = [];
  create: string | undefined;
  dataColumns: string[] | undefined;
  foundData = false;
  /** `SET NAMES …` of the dump: the character set its text is written in. */
  names: string | undefined;
  /** The dump sets `TIME_ZONE='+00:00'` (mysqldump's default --tz-utc): TIMESTAMP values are UTC. */
  utc = false;

  private database: string | undefined;
  /** The wanted table's INSERTs. */
  protected readonly inserts = new InsertRun(
    (columns) => new MysqlValues(this.open!(columns, this.statementOffset)),
  );
  private sawCreate = false;
  /** The database of the first table found under the wanted name, when the dump names one. */
  private matched: DumpTable | undefined;
  /** The dump starts as mysqldump starts one (`-- MySQL dump …`), and so must end as it ends one. */
  private sawHeader = false;
  private sawTrailer = false;
  /** A look that found the wanted CREATE reads on to its data's first sign, for the comments before it. */
  private created: DumpTable | undefined;
  /** mysqldump --where: the condition every table's rows were dumped under (its `-- WHERE:` comment). */
  where: string | undefined;
  /** A CREATE TABLE names its table in double quotes: mysqldump --compatible=ansi (ANSI_QUOTES). */
  ansiQuotes = false;

  constructor(
    private readonly wanted: WantedTable,
    private readonly open?: OpenRows,
  ) {
    super({
      backslashStrings: true,
      backticks: true,
      hashComments: true,
      dollarQuotes: false,
      clientLines: 'mysql',
    });
  }

  protected override expectedInData(): string {
    return 'the rest of an INSERT statement';
  }

  protected openParen(head: string): boolean {
    const insert = /^(?:INSERT(?:\s+IGNORE)?(?:\s+INTO)?|REPLACE(?:\s+INTO)?)\s/i.exec(head);
    this.skipParens = true; // unless this ( opens the column list (below)
    if (!insert) return false;
    const name = readName(head, insert[0].length, '`');
    if (!name) return false;
    let rest = skipBlanks(head, name.end);
    if (rest === head.length) {
      this.skipParens = false; // this ( opens the column list
      return false;
    }
    let columns: string[] | undefined;
    const list = readNameList(head, rest, '`');
    if (list) {
      columns = list.names;
      rest = list.end;
    }
    if (!/^\s*VALUES?\s*$/i.test(head.slice(rest))) return false;
    this.headDone = true; // an INSERT: its head is read
    const table = this.note(name.parts);
    if (!sameTable(table, this.wanted)) {
      if (this.takingInserts) this.stop();
      return false;
    }
    this.foundData = true;
    this.dataColumns ??= columns;
    if (!this.open) {
      this.created = undefined;
      this.found(table);
      return false;
    }
    return this.takeInsert(head, columns);
  }

  /** mysqldump's first comment line and its last (`-- Dump completed`), unless --skip-comments. */
  protected override comment(text: string): void {
    if (/^ (MySQL|MariaDB) dump /.test(text)) this.sawHeader = true;
    else if (/^ Dump completed/.test(text)) this.sawTrailer = true;
    else if (/^ WHERE: /.test(text)) this.where = text.slice(8).trim();
    else if (this.sawCreate) {
      // The wanted table's data section, rows or none (without --add-locks, its one sign).
      const data = /^ Dumping data for table /.exec(text);
      const name = data && readName(text, data[0].length, '`');
      if (name && sameTable(this.note(name.parts), this.wanted)) this.foundData = true;
    }
  }

  protected override missingEnd(): string | undefined {
    return this.sawHeader && !this.sawTrailer
      ? 'the rest of the dump, up to its line "-- Dump completed"'
      : undefined;
  }

  protected statement(head: string): void {
    if (this.takingInserts) {
      this.stop();
      return;
    }
    // mariadb-dump's first line, `/*M!999999\- enable the sandbox mode */`, has no `;`: the header
    // comment after it is read as part of the first statement.
    if (this.statementOffset === 0 && /^[^\n]*\n-- (MySQL|MariaDB) dump /.test(head.slice(0, 300))) {
      this.sawHeader = true;
    }
    // LOCK TABLES `t` WRITE opens a table's data (mysqldump's default --add-locks): a table with no
    // row has it too, unlike a dump taken without data (--no-data).
    const lock = /^LOCK\s+TABLES\s/i.exec(head);
    if (lock) {
      const name = readName(head, lock[0].length, '`');
      if (name && sameTable(this.note(name.parts), this.wanted)) {
        this.foundData = true;
        this.lookFound();
      }
      return;
    }
    const use = /^USE\s/i.exec(head);
    if (use) {
      const name = readName(head, use[0].length, '`');
      if (name?.parts.length === 1) this.database = name.parts[0];
      if (this.sawCreate && this.open) this.done = true;
      this.lookFound();
      return;
    }
    const create = /^CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?/i.exec(head);
    if (create) {
      const name = readName(head, create[0].length, '`');
      if (!name) {
        if (head[skipBlanks(head, create[0].length)] === '"') this.ansiQuotes = true;
        return;
      }
      const table = this.note(name.parts);
      if (sameTable(table, this.wanted) && !this.create && !this.headCut()) {
        this.create = head;
        this.sawCreate = true;
        if (!this.open) this.created = table;
      } else if (this.sawCreate && this.open) {
        this.done = true; // the wanted table's section ended without data: it has no rows
      } else this.lookFound();
      return;
    }
    const names = /SET\s+NAMES\s+'?(\w+)/i.exec(head);
    if (names && head.length < 200) this.names = names[1]!.toLowerCase();
    if (/SET\s+TIME_ZONE\s*=\s*'\+00:00'/i.test(head) && head.length < 200) this.utc = true;
  }

  /** A look that found the wanted CREATE has read on to its data (or the next table): it is found. */
  private lookFound(): void {
    if (this.created && !this.open) {
      this.found(this.created);
      this.created = undefined;
    }
  }

  /**
   * A look is done once the wanted table is found, unless it was named without a database and found in
   * one: then another database of the dump may hold a table of that name too.
   */
  private found(table: DumpTable): void {
    this.matched ??= table;
    if (this.wanted.schema !== undefined || this.matched.schema === undefined) this.done = true;
  }

  private note(parts: string[]): DumpTable {
    const schema = parts.length >= 2 ? parts[parts.length - 2] : this.database;
    const table: DumpTable =
      schema === undefined ? { name: parts[parts.length - 1]! } : { schema, name: parts[parts.length - 1]! };
    const last = this.tables[this.tables.length - 1];
    if (last?.schema === table.schema && last?.name === table.name) return table;
    if (!this.tables.some((t) => t.schema === table.schema && t.name === table.name)) this.tables.push(table);
    return table;
  }
}
