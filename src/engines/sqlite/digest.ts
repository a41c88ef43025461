import { createHash } from 'node:crypto';
import type { RowClass, SampleRow } from '../../core/plan.js';
import { type TableSchema, writableColumns } from '../../core/table.js';
import type { Drift, Plan, RowStream, Staged } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { keyCollations } from './describe.js';
import { type LinesQuery, readLines, rowidOf, valueField } from './lines.js';
import { asSqlitePlan } from './plan.js';
import { byteOrder, fieldOf, freeName, keyEquals, quoteIdent, quoteTable, tempName } from './sql.js';
import { inTransaction, keepStaged, stagedTable, writeRows } from './stage.js';

/** How rows are digested (see `digestOf`); a new way needs a new name. */
export const SQLITE_DIGEST = 'sqlite-sha1-fields-1';

/** The SQL function the digest is computed by, registered on each session that needs it. */
const FUNCTION = 'rowback_digest';

const registered = new WeakSet<SqliteSession>();

/**
 * SHA-1 of the row's fields, each one the exact field text (see fieldOf: the storage class is part of it,
 * a text its bytes, a real SQLite's own exact text) as its byte length, `:` and its bytes, NULL as `N`.
 * The fields reach the function as blobs, so no value passes through a JavaScript number or string.
 */
function register(session: SqliteSession): void {
  if (registered.has(session)) return;
  session.db.function(FUNCTION, { deterministic: true, varargs: true }, (...fields: unknown[]) => {
    const hash = createHash('sha1');
    for (const field of fields) {
      if (field === null) hash.update('N');
      else {
        const bytes = field as Buffer;
        hash.update(`${bytes.length}:`);
        hash.update(bytes);
      }
    }
    return hash.digest('hex');
  });
  registered.add(session);
}

function digestOf(target: TableSchema, alias: string): string {
  const fields = writableColumns(target).map((c) => fieldOf(`${alias}.${quoteIdent(c.name)}`));
  return `${FUNCTION}(${fields.join(', ')})`;
}

function keyOf(target: TableSchema): string[] {
  return target.key?.columns ?? [];
}

/** The key and digest of the target's rows: of a plan's classes, or all of them. */
export function digests(
  session: SqliteSession,
  target: TableSchema,
  of?: { plan: Plan; classes: RowClass[] },
): RowStream {
  register(session);
  const key = keyOf(target);
  const digest = digestOf(target, 't');
  const keyFields = key.map((k) => `t.${quoteIdent(k)}`);
  const query: LinesQuery = {
    fields: [...keyFields.map(valueField), valueField(digest)],
    from: '',
    where: '1',
  };
  if (of) {
    const plan = asSqlitePlan(of.plan);
    const list = of.classes.length ? of.classes.map((c) => `'${c}'`).join(', ') : 'NULL';
    const cursor = rowidOf('p', plan.key, false);
    query.from = `FROM ${plan.table} AS p JOIN ${quoteTable(target.ref)} AS t ON ${keyEquals(plan.key, 't', 'p', plan.collations)}`;
    query.where = `p.${plan.classColumn} IN (${list})`;
    if (cursor) query.cursor = cursor;
  } else query.from = `FROM ${quoteTable(target.ref)} AS t`;
  return readLines(session, query, [...keyFields.map(fieldOf), fieldOf(digest)]);
}

/** The digest column of each table `stageDigests` made. */
const digestColumns = new WeakMap<Staged, string>();

/** Key columns with the target's declared types (and an index under the key's collations), then the digest. */
export async function stageDigests(
  session: SqliteSession,
  target: TableSchema,
  rows: RowStream,
): Promise<Staged> {
  const key = keyOf(target);
  const { db } = session;
  const table = tempName(session, 'digests');
  const digest = freeName('rowback_digest', key);
  const types = new Map(target.columns.map((c) => [c.name, c.type]));
  const strict = /STRICT/.test(target.storage ?? '');
  const defs = [
    ...key.map((k) => `${quoteIdent(k)} ${types.get(k) ?? ''}`.trim()),
    `${quoteIdent(digest)} TEXT`,
  ];
  db.exec(`CREATE TABLE ${table} (${defs.join(', ')})${strict ? ' STRICT' : ''}`);
  try {
    const count = await inTransaction(session, () => writeRows(session, table, [...key, digest], rows));
    const collations = keyCollations(db, target);
    const parts = key.map((k, i) => `${quoteIdent(k)} COLLATE ${quoteIdent(collations[i] ?? 'BINARY')}`);
    db.exec(
      `CREATE INDEX ${table.replace(/"$/, '_key"')} ON ${table.slice('"temp".'.length)} (${parts.join(', ')})`,
    );
    const staged: Staged = { target, columns: [...key], origin: false, rows: count };
    keepStaged(staged, table);
    digestColumns.set(staged, digest);
    return staged;
  } catch (error) {
    db.exec(`DROP TABLE IF EXISTS ${table}`);
    throw error;
  }
}

/** A value as samples show it: the row format's field text (see samples.ts). */
function shown(x: string): string {
  return `CAST(${fieldOf(x)} AS TEXT)`;
}

/** Target rows that differ from staged digests, and keys of `absent` back in the target; a few of each. */
export function drift(session: SqliteSession, digests: Staged, absent: Staged, limit: number): Drift {
  register(session);
  const target = digests.target;
  const key = keyOf(target);
  const collations = keyCollations(session.db, target);
  const table = quoteTable(target.ref);
  const s = stagedTable(digests);
  const digest = `s.${quoteIdent(digestColumns.get(digests) ?? 'rowback_digest')}`;
  const matches = (a: string, b: string) => keyEquals(key, a, b, collations);
  const classes: [RowClass, string, string][] = [
    [
      'changed',
      `FROM ${s} AS s JOIN ${table} AS t ON ${matches('t', 's')} WHERE ${digestOf(target, 't')} IS NOT ${digest}`,
      's',
    ],
    [
      'missing',
      `FROM ${s} AS s WHERE NOT EXISTS (SELECT 1 FROM ${table} AS x WHERE ${matches('x', 's')})`,
      's',
    ],
    [
      'extra',
      `FROM ${stagedTable(absent)} AS a JOIN ${table} AS t ON ${matches('t', 'a')}
       WHERE NOT EXISTS (SELECT 1 FROM ${s} AS s WHERE ${matches('t', 's')})`,
      't',
    ],
  ];
  const columns = writableColumns(target).map((c) => c.name);
  const list = (alias: string, names: string[]) =>
    names.map((c) => shown(`${alias}.${quoteIdent(c)}`)).join(', ');
  let rows = 0;
  const sample: SampleRow[] = [];
  for (const [rowClass, from, alias] of classes) {
    const found = Number(session.db.prepare(`SELECT count(*) ${from}`).pluck().get());
    rows += found;
    const room = limit - sample.length;
    if (found === 0 || room <= 0) continue;
    const current = rowClass === 'missing' ? '' : `, ${list('t', columns)}`;
    const few = session.db
      .prepare(
        `SELECT ${list(alias, key)}${current} ${from} ORDER BY ${byteOrder(key, alias)} LIMIT ${Math.floor(room)}`,
      )
      .raw(true)
      .all() as (string | null)[][];
    for (const values of few) {
      const row: SampleRow = { class: rowClass, key: record(key, values.slice(0, key.length)) };
      if (current) row.target = record(columns, values.slice(key.length));
      sample.push(row);
    }
  }
  return { rows, sample };
}

function record(names: string[], values: (string | null)[]): Record<string, string | null> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? null]));
}
