import { RowbackError } from '../../core/errors.js';
import { countingRows } from '../../core/rows.js';
import type { TableSchema } from '../../core/table.js';
import type { RowStream, Staged, StageOptions } from '../engine.js';
import type { PgSession } from './connect.js';
import { copyRows, typesOf } from './copy-rows.js';
import { mapError } from './errors.js';
import { columnList, freeName, quoteIdent, quoteTable, tempName } from './sql.js';

/** Where each Staged lives on the server; the core only sees the Staged interface. */
const stagedTables = new WeakMap<Staged, string>();

/** The staged table's extra column naming each row's origin (physical child table), when it has one. */
const originColumns = new WeakMap<Staged, string>();

/** The (unquoted) origin column of a staged table: `rowback_origin`, unless a staged column has that name. */
export function originColumn(staged: Staged): string | undefined {
  return staged.origin ? originColumns.get(staged) : undefined;
}

/** The quoted name of a staged table, e.g. `pg_temp."rowback_stage_3"`. */
export function stagedTable(staged: Staged): string {
  const name = stagedTable.lookup(staged);
  if (!name)
    throw new RowbackError('internal', 'This staged table belongs to another connection or was dropped.');
  return name;
}
stagedTable.lookup = (staged: Staged): string | undefined => stagedTables.get(staged);

/** Records where a Staged built by another step (see digest.ts) lives. */
export function keepStaged(staged: Staged, table: string): void {
  stagedTables.set(staged, table);
}

export function forgetStaged(staged: Staged): void {
  stagedTables.delete(staged);
}

/** Checks the staged columns exist in the target and are writable (or generated columns of the key). */
function checkColumns(target: TableSchema, columns: string[]): void {
  const byName = new Map(target.columns.map((c) => [c.name, c]));
  for (const name of columns) {
    const column = byName.get(name);
    if (!column) {
      throw new RowbackError(
        'schema-mismatch',
        `${target.ref.schema}.${target.ref.name} has no column "${name}".`,
      );
    }
    // A generated key column is staged to match rows by; it is never written.
    if (column.generated !== 'no' && !target.key?.columns.includes(name)) {
      throw new RowbackError('schema-mismatch', `Column "${name}" is generated; rowback never writes it.`);
    }
  }
}

/**
 * Creates a temporary table with the target's column types (plus the origin column when asked) and
 * COPYs the stream into it with backpressure, then ANALYZEs it so joins against it are planned well.
 */
export async function stageRows(
  session: PgSession,
  target: TableSchema,
  rows: RowStream,
  options: StageOptions,
): Promise<Staged> {
  checkColumns(target, options.columns);
  const table = tempName(session, 'stage');
  const origin = freeName('rowback_origin', options.columns);
  const what = `staging rows of ${target.ref.schema}.${target.ref.name}`;
  const { client } = session;
  let count = 0;
  try {
    await client.query(
      `CREATE TEMP TABLE ${table.slice('pg_temp.'.length)} AS SELECT ${columnList(options.columns)} FROM ${quoteTable(target.ref)} WITH NO DATA`,
    );
    const copied = [...options.columns, ...(options.origin ? [origin] : [])];
    if (options.origin) await client.query(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(origin)} text`);
    const counted = options.onProgress ? countingRows(rows, options.onProgress) : rows;
    const types = [...typesOf(target, options.columns), ...(options.origin ? ['text'] : [])];
    count = await copyRows(session, table, copied, types, counted);
    const analyze = () => client.query(`ANALYZE ${table}`);
    await (options.clock ? options.clock.time('analyze', analyze) : analyze());
  } catch (error) {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    throw mapError(error, what, { interrupted: session.cancelled, sourceRows: true });
  }
  const staged: Staged = {
    target,
    columns: [...options.columns],
    origin: options.origin === true,
    rows: count,
  };
  stagedTables.set(staged, table);
  originColumns.set(staged, origin);
  return staged;
}

/** Drops a staged table; a no-op when it is already gone. */
export async function dropStagedTable(session: PgSession, staged: Staged): Promise<void> {
  const table = stagedTable.lookup(staged);
  if (!table) return;
  forgetStaged(staged);
  await session.client.query(`DROP TABLE IF EXISTS ${table}`);
}
