import type { RowClass } from '../../core/plan.js';
import { imageColumns, type TableSchema } from '../../core/table.js';
import { checkedRows, textGuard } from './charsets.js';
import type { RawRow, Session } from './connect.js';
import { inClasses, type MysqlPlan, planWithStaged } from './plan.js';
import {
  columnList,
  exactList,
  findColumn,
  keyEquals,
  literalFor,
  quoteIdent,
  quoteString,
  quoteTable,
  stagedColumnDefinition,
} from './sql.js';
import { indexPart } from './stage.js';

/** Rows per INSERT statement, and the statement size after which a batch is cut short. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 1 << 20;

/** Work tables live in the target's database, so the script runs with or without a default database. */
export function work(target: TableSchema, name: string): string {
  return `${quoteIdent(target.ref.schema)}.${quoteIdent(`rowback_${name}`)}`;
}

/** A work table of some columns of the target (as staged: nullable, no default), with the helper columns. */
function createWork(plan: MysqlPlan, name: string, columns: string[]): string {
  const target = plan.staged.target;
  const defs = columns.map((c) => stagedColumnDefinition(findColumn(target, c)!));
  const { row, rowClass } = plan.names;
  const index = plan.key.map((k) => indexPart(target, k)).join(', ');
  return `CREATE TEMPORARY TABLE ${work(target, name)} (${quoteIdent(row)} BIGINT NULL, ${defs.join(', ')}, ${quoteIdent(rowClass)} CHAR(1) CHARACTER SET ascii NOT NULL, INDEX (${index}));\n`;
}

/** Rows read from the server as `INSERT … VALUES` statements of at most BATCH_ROWS rows. */
async function* inserts(head: string, rows: AsyncIterable<RawRow>, literals: (row: RawRow) => string[]) {
  let batch: string[] = [];
  let size = 0;
  for await (const row of rows) {
    const tuple = `(${literals(row).join(', ')})`;
    batch.push(tuple);
    size += tuple.length;
    if (batch.length >= BATCH_ROWS || size >= BATCH_BYTES) {
      yield `${head} VALUES\n${batch.join(',\n')};\n`;
      batch = [];
      size = 0;
    }
  }
  if (batch.length) yield `${head} VALUES\n${batch.join(',\n')};\n`;
}

/** The exact literal of a value of one of the target's columns. */
function literal(target: TableSchema, column: string, value: Buffer | null): string {
  return literalFor(findColumn(target, column)?.type ?? '', value);
}

/** The rows a script carries: the plan's source rows and the rows it expects to find, as INSERTs into work tables. */
export async function* load(session: Session, plan: MysqlPlan, classes: RowClass[], expected: RowClass[]) {
  const { staged } = plan;
  const target = staged.target;
  const { row, rowClass } = plan.names;
  const helpers = `${quoteIdent(row)}, ${quoteIdent(rowClass)}`;
  const code = (value: Buffer | null) => quoteString(value?.toString('utf8') ?? '');
  yield createWork(plan, 'source', staged.columns);
  yield* inserts(
    `INSERT INTO ${work(target, 'source')} (${columnList(staged.columns)}, ${helpers})`,
    session.stream(
      `SELECT ${exactList(target, staged.columns, 's')}, s.${quoteIdent(row)}, p.${quoteIdent(rowClass)}
       FROM ${planWithStaged(plan)} WHERE ${inClasses(plan, classes)} ORDER BY p.${quoteIdent(row)}`,
    ),
    (values) => [
      ...staged.columns.map((c, i) => literal(target, c, values[i] ?? null)),
      values[staged.columns.length]?.toString('utf8') ?? 'NULL',
      code(values[staged.columns.length + 1] ?? null),
    ],
  );
  const columns = imageColumns(target).map((c) => c.name);
  const guard = textGuard(target, columns, 't');
  yield createWork(plan, 'expected', columns);
  yield `CREATE TEMPORARY TABLE ${work(target, 'result')} (step VARCHAR(10) NOT NULL, n BIGINT NOT NULL);\n`;
  yield* inserts(
    `INSERT INTO ${work(target, 'expected')} (${columnList(columns)}, ${quoteIdent(rowClass)})`,
    checkedRows(
      session.stream(
        `SELECT ${exactList(target, columns, 't')}, p.${quoteIdent(rowClass)}${guard ? `, ${guard.sql}` : ''}
         FROM ${quoteIdent(plan.table)} p JOIN ${quoteTable(target.ref)} t ON ${keyEquals(plan.key, 't', 'p')}
         WHERE ${inClasses(plan, expected)}`,
      ),
      guard,
      target,
    ),
    (values) => [
      ...columns.map((c, i) => literal(target, c, values[i] ?? null)),
      code(values[columns.length] ?? null),
    ],
  );
}
