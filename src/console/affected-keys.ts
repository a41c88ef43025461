import { loadModule, parseSync } from 'libpg-query';
import type { TableRef } from '../core/table.js';
import type { Connection, QueryResult } from '../engines/engine.js';
import type { Dialect } from './guard.js';

/**
 * Which rows a write changed, by key, for the `commit?` question: the statement is sent as typed with
 * `RETURNING <key>` appended, so the keys are exactly the rows it changed. Only for a plain single-table
 * DELETE or UPDATE with a WHERE (no USING/FROM/joins, no LIMIT, no RETURNING or WITH of its own) on a
 * table with a key; anything else runs as typed and shows the count only.
 */

/** At most this many keys are listed; more are only counted. */
export const KEYS_SHOWN = 10;

type Node = Record<string, unknown>;

let loaded: Promise<void> | undefined;

export interface KeyedWrite {
  /** The statement with `RETURNING <key>` appended. */
  sql: string;
  key: string[];
}

/** The statement to send instead of `text` to learn the changed keys, or undefined (count only). */
export async function keyedWrite(
  connection: Connection,
  dialect: Dialect,
  text: string,
): Promise<KeyedWrite | undefined> {
  const plain = await plainWrite(text);
  if (!plain || !returns(dialect, plain.verb)) return undefined;
  const schema = await connection.describe(plain.table).catch(() => undefined);
  // A rewrite rule may turn the statement into another one, where RETURNING means something else.
  if (!schema?.key || schema.rules.length > 0) return undefined;
  const quote = (name: string) =>
    dialect === 'mariadb' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
  // On its own line: a trailing `-- comment` in the statement must not swallow it.
  return { sql: `${text}\nRETURNING ${schema.key.columns.map(quote).join(', ')}`, key: schema.key.columns };
}

/** `Keys (id): 3, 4, 7.` or, for a composite key, `Keys (a, b): (1, x), (2, y).`; undefined past KEYS_SHOWN. */
export function describeKeys(keyed: KeyedWrite, result: QueryResult): string | undefined {
  if (result.rows.length === 0 || result.rows.length > KEYS_SHOWN) return undefined;
  const one = keyed.key.length === 1;
  const values = result.rows.map((row) => {
    const cells = row.map((value) => (value === null ? 'NULL' : value));
    return one ? cells[0]! : `(${cells.join(', ')})`;
  });
  return `${one ? 'Key' : 'Keys'} (${keyed.key.join(', ')}): ${values.join(', ')}.`;
}

/** PostgreSQL and SQLite return from DELETE and UPDATE; MariaDB (10.5+) from DELETE only; MySQL never. */
function returns(dialect: Dialect, verb: 'DELETE' | 'UPDATE'): boolean {
  if (dialect === 'postgres' || dialect === 'sqlite') return true;
  return dialect === 'mariadb' && verb === 'DELETE';
}

/**
 * Read with PostgreSQL's grammar, whose plain DELETE and UPDATE are also SQLite's and MariaDB's: a
 * statement it cannot read (backticks, LIMIT, multi-table forms) is not plain, and shows the count only.
 */
async function plainWrite(text: string): Promise<{ verb: 'DELETE' | 'UPDATE'; table: TableRef } | undefined> {
  loaded ??= loadModule();
  await loaded;
  let tree: { stmts?: { stmt: Node }[] };
  try {
    tree = parseSync(text) as unknown as typeof tree;
  } catch {
    return undefined;
  }
  if (tree.stmts?.length !== 1) return undefined;
  const [type, body] = Object.entries(tree.stmts[0]!.stmt)[0] as [string, Node];
  if (type !== 'DeleteStmt' && type !== 'UpdateStmt') return undefined;
  const extras = ['usingClause', 'fromClause', 'returningList', 'withClause'];
  if (!body.whereClause || extras.some((name) => body[name] !== undefined)) return undefined;
  const relation = body.relation as Node;
  if (relation.alias !== undefined) return undefined;
  const table: TableRef = { name: String(relation.relname) };
  if (relation.schemaname) table.schema = String(relation.schemaname);
  return { verb: type === 'DeleteStmt' ? 'DELETE' : 'UPDATE', table };
}
