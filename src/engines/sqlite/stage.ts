import type Database from 'better-sqlite3';
import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { RowStream, Staged, StageOptions } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { keyCollations } from './describe.js';
import { mapError } from './errors.js';
import { RowInserter } from './inserts.js';
import { checkCancelled } from './lock.js';
import { copyNative, nativeRowsOf } from './native.js';
import { parseRows } from './rows.js';
import { quoteIdent, tempName } from './sql.js';

/** Where each Staged lives in the temp database; the core only sees the Staged interface. */
const stagedTables = new WeakMap<Staged, string>();

/** The quoted name of a staged table, e.g. `"temp"."rowback_stage_3"`. */
export function stagedTable(staged: Staged): string {
  const name = stagedTables.get(staged);
  if (!name)
    throw new RowbackError('internal', 'This staged table belongs to another connection or was dropped.');
  return name;
}

/** Records where a Staged built by another step (see digest.ts) lives. */
export function keepStaged(staged: Staged, table: string): void {
  stagedTables.set(staged, table);
}

/** Checks the staged columns exist in the target and are writable. */
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
    if (column.generated !== 'no') {
      throw new RowbackError('schema-mismatch', `Column "${name}" is generated; rowback never writes it.`);
    }
  }
}

/**
 * A table with the target's declared column types, so values get the affinity (or, for a STRICT target,
 * the type checks) they will get in the target: what is staged is what would be stored. No constraints:
 * those are the target's to enforce when rows are written.
 */
function createLike(db: Database.Database, table: string, target: TableSchema, columns: string[]): void {
  const byName = new Map(target.columns.map((c) => [c.name, c]));
  const strict = /STRICT/.test(target.storage ?? '');
  const defs = columns.map((c) => `${quoteIdent(c)} ${byName.get(c)!.type}`.trim());
  db.exec(`CREATE TABLE ${table} (${defs.join(', ')})${strict ? ' STRICT' : ''}`);
}

/**
 * Writes a row stream into `table` with prepared statements reused row after row (see RowInserter), inside the open transaction or a
 * savepoint of its own; returns the rows written.
 */
export async function writeRows(
  session: SqliteSession,
  table: string,
  columns: string[],
  rows: RowStream,
  onProgress?: (rows: number) => void,
): Promise<number> {
  const inserter = new RowInserter(session.db, table, columns);
  let count = 0;
  for await (const row of parseRows(rows)) {
    if (row.length !== columns.length) {
      throw new RowbackError(
        'bad-source',
        `A row has ${row.length} fields where ${columns.length} were expected (${columns.join(', ')}).`,
      );
    }
    inserter.insert(row);
    count++;
    if (count % 10_000 === 0) {
      onProgress?.(count);
      checkCancelled(session);
    }
  }
  onProgress?.(count);
  return count;
}

/** Runs `fn` inside the open transaction, or inside a transaction of its own that it commits. */
export async function inTransaction<T>(session: SqliteSession, fn: () => Promise<T>): Promise<T> {
  const own = !session.db.inTransaction;
  session.db.exec(own ? 'BEGIN' : 'SAVEPOINT rowback_rows');
  try {
    const result = await fn();
    session.db.exec(own ? 'COMMIT' : 'RELEASE rowback_rows');
    return result;
  } catch (error) {
    if (session.db.inTransaction)
      session.db.exec(own ? 'ROLLBACK' : 'ROLLBACK TO rowback_rows; RELEASE rowback_rows');
    throw error;
  }
}

/**
 * Creates a work table in `temp` shaped like the target's columns, writes the stream into it, indexes the
 * key (under the key's collation, as the target matches it) and ANALYZEs it so joins are planned well.
 */
export async function stageRows(
  session: SqliteSession,
  target: TableSchema,
  rows: RowStream,
  options: StageOptions,
): Promise<Staged> {
  checkColumns(target, options.columns);
  if (options.origin) throw new RowbackError('unsupported', 'SQLite tables have no inheritance children.');
  const table = tempName(session, 'stage');
  const { db } = session;
  let count = 0;
  try {
    createLike(db, table, target, options.columns);
    const native = nativeRowsOf(session, rows);
    count =
      native && sameList(native.columns, options.columns)
        ? await copyNative(session, native, table, options.columns, (run) =>
            inTransaction(session, async () => run()),
          )
        : await inTransaction(session, () =>
            writeRows(session, table, options.columns, rows, options.onProgress),
          );
    const key = target.key?.columns.filter((k) => options.columns.includes(k)) ?? [];
    if (key.length > 0 && key.length === target.key?.columns.length) {
      const collations = keyCollations(db, target);
      const parts = key.map((k, i) => `${quoteIdent(k)} COLLATE ${quoteIdent(collations[i] ?? 'BINARY')}`);
      db.exec(
        `CREATE INDEX ${table.replace(/"$/, '_key"')} ON ${table.slice('"temp".'.length)} (${parts.join(', ')})`,
      );
    }
    db.exec(`ANALYZE ${table}`);
  } catch (error) {
    try {
      db.exec(`DROP TABLE IF EXISTS ${table}`);
    } catch {
      // the session may be gone
    }
    throw mapError(error, `staging rows of ${target.ref.schema}.${target.ref.name}`, {
      interrupted: session.cancelled,
      sourceRows: true,
    });
  }
  const staged: Staged = { target, columns: [...options.columns], origin: false, rows: count };
  stagedTables.set(staged, table);
  return staged;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Drops a staged table; a no-op when it is already gone. */
export function dropStagedTable(session: SqliteSession, staged: Staged): void {
  const table = stagedTables.get(staged);
  if (!table || session.closed) return;
  stagedTables.delete(staged);
  session.db.exec(`DROP TABLE IF EXISTS ${table}`);
}
