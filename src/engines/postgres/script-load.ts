import type { RowClass } from '../../core/plan.js';
import { imageColumns } from '../../core/table.js';
import type { PgSession } from './connect.js';
import type { PgPlan } from './plan.js';
import { collatableColumns } from './read.js';
import { byteOrder, columnList, freeName, keyEquals, quoteIdent, quoteTable } from './sql.js';
import { originColumn, stagedTable } from './stage.js';

const BATCH = 500;
export const SOURCE = 'pg_temp.rowback_source';
export const EXPECTED = 'pg_temp.rowback_expected';
export const RESULT = 'pg_temp.rowback_result';

/** Server-side literal of a column: `'text'` or `NULL`, escaped by the server (format %L rules). */
function literal(alias: string, column: string): string {
  return `quote_nullable((${alias}.${quoteIdent(column)})::text)`;
}

/** Streams rows of a query through a cursor, `BATCH` at a time, so no result is held whole. */
async function* cursorRows(session: PgSession, sql: string): AsyncIterable<string[]> {
  const cursor = quoteIdent(`rowback_script_${session.nextId++}`);
  await session.client.query('BEGIN');
  try {
    await session.client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
    for (;;) {
      const result = await session.client.query<string[]>({
        text: `FETCH ${BATCH} FROM ${cursor}`,
        rowMode: 'array',
      });
      for (const row of result.rows) yield row;
      if (result.rows.length < BATCH) break;
    }
  } finally {
    await session.client.query('COMMIT').catch(() => {});
  }
}

/** The work tables' own columns, named so that no column of the table is shadowed. */
export function workNames(plan: PgPlan) {
  const taken = [...plan.staged.columns, ...plan.staged.target.columns.map((c) => c.name)];
  return {
    cls: quoteIdent(freeName('rowback_class', taken)),
    origin: quoteIdent(freeName('rowback_origin', taken)),
  };
}

/** Rows of a SELECT as `INSERT INTO table (…) VALUES …` statements of BATCH rows. */
async function* inserts(session: PgSession, table: string, columns: string, values: string, from: string) {
  let batch: string[] = [];
  for await (const [row] of cursorRows(session, `SELECT ${values} ${from}`)) {
    batch.push(`  ${row}`);
    if (batch.length >= BATCH) {
      yield `INSERT INTO ${table} (${columns}) VALUES\n${batch.join(',\n')};\n`;
      batch = [];
    }
  }
  if (batch.length) yield `INSERT INTO ${table} (${columns}) VALUES\n${batch.join(',\n')};\n`;
}

function tuple(parts: string[]): string {
  // A chain of || rather than concat_ws(): a function takes at most 100 arguments, a table more columns.
  return `'(' || ${parts.join(` || ', ' || `)} || ')'`;
}

export function classList(classes: RowClass[]): string {
  return classes.length ? classes.map((c) => `'${c}'`).join(', ') : 'NULL';
}

/** The rows a script carries: the plan's source rows and the rows it expects to find, as INSERTs into work tables. */
export async function* load(session: PgSession, plan: PgPlan, classes: RowClass[], expected: RowClass[]) {
  const { staged, key } = plan;
  const target = staged.target;
  const t = quoteTable(target.ref);
  const { cls, origin } = workNames(plan);
  const order = byteOrder(key, 's', await collatableColumns(session.client, target));
  const originName = originColumn(staged);
  yield `CREATE TEMP TABLE rowback_source ON COMMIT DROP AS SELECT ${columnList(staged.columns)} FROM ${t} WITH NO DATA;\n` +
    `ALTER TABLE ${SOURCE} ADD COLUMN ${cls} text, ADD COLUMN ${origin} text;\n`;
  const sourceValues = tuple([
    ...staged.columns.map((c) => literal('s', c)),
    `quote_nullable(p.${plan.classColumn})`,
    originName ? literal('s', originName) : "'NULL'",
  ]);
  yield* inserts(
    session,
    SOURCE,
    `${columnList(staged.columns)}, ${cls}, ${origin}`,
    sourceValues,
    `FROM ${stagedTable(staged)} AS s JOIN ${plan.table} AS p ON ${keyEquals(key, 'p', 's')}
     WHERE p.${plan.classColumn} IN (${classList(classes)}) ORDER BY ${order}`,
  );
  const columns = imageColumns(target).map((c) => c.name);
  yield `CREATE TEMP TABLE rowback_expected ON COMMIT DROP AS SELECT ${columnList(columns)} FROM ${t} WITH NO DATA;\n` +
    `ALTER TABLE ${EXPECTED} ADD COLUMN ${cls} text;\n` +
    `CREATE TEMP TABLE rowback_result (step text, rows bigint) ON COMMIT DROP;\n`;
  yield* inserts(
    session,
    EXPECTED,
    `${columnList(columns)}, ${cls}`,
    tuple([...columns.map((c) => literal('s', c)), `quote_nullable(p.${plan.classColumn})`]),
    `FROM ${t} AS s JOIN ${plan.table} AS p ON ${keyEquals(key, 'p', 's')}
     WHERE p.${plan.classColumn} IN (${classList(expected)}) ORDER BY ${order}`,
  );
}
