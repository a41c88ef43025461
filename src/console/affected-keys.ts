import type { TableRef } from '../core/table.js';
import type { Connection, QueryResult } from '../engines/engine.js';
import type { Dialect } from './guard.js';
import { pgParser } from './pg-parser.js';

/**
 * Which rows a write changed, by key, for the `commit?` question: the statement is sent as typed with
 * `RETURNING <key>` appended, so the keys are exactly the rows it changed. Only for a plain single-table
 * DELETE or UPDATE with a WHERE (no USING/FROM/joins, no LIMIT, no RETURNING or WITH of its own) on a
 * table with a key; anything else runs as typed and shows the count only.
 */

/** At most this many keys are listed; more are only counted. */
export const KEYS_SHOWN = 10;

type Node = Record<string, unknown>;

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
  if (!plain || !(await returns(connection, dialect, plain.verb))) return undefined;
  const schema = await connection.describe(plain.table).catch(() => undefined);
  // A rewrite rule may turn the statement into another one, where RETURNING means something else.
  if (!schema?.key || schema.rules.length > 0) return undefined;
  const quote = (name: string) =>
    dialect === 'mariadb' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
  const columns = schema.key.columns.map(quote).join(', ');
  // RETURNING needs the right to read the key: without it the statement would fail where it would not
  // have. Asked outside any transaction, so a refusal aborts nothing.
  const table = `${quote(schema.ref.schema)}.${quote(schema.ref.name)}`;
  const readable = await connection.query(`SELECT ${columns} FROM ${table} WHERE 1 = 0`).then(
    () => true,
    () => false,
  );
  if (!readable) return undefined;
  // On its own line: a trailing `-- comment` in the statement must not swallow it.
  return { sql: `${text}\nRETURNING ${columns}`, key: schema.key.columns };
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

/** PostgreSQL and SQLite return from DELETE and UPDATE; MariaDB from DELETE only, since 10.5; MySQL never. */
async function returns(
  connection: Connection,
  dialect: Dialect,
  verb: 'DELETE' | 'UPDATE',
): Promise<boolean> {
  if (dialect === 'postgres' || dialect === 'sqlite') return true;
  if (dialect !== 'mariadb' || verb !== 'DELETE') return false;
  const version = /(\d+)\.(\d+)\.\d+-MariaDB/i.exec(await connection.serverVersion().catch(() => ''));
  return version !== null && Number(version[1]) * 1000 + Number(version[2]) >= 10_005;
}

/**
 * Read with PostgreSQL's grammar, whose plain DELETE and UPDATE are also SQLite's and MariaDB's: a
 * statement it cannot read (backticks, LIMIT, multi-table forms) is not plain, and shows the count only.
 */
async function plainWrite(text: string): Promise<{ verb: 'DELETE' | 'UPDATE'; table: TableRef } | undefined> {
  const { parseSync } = await pgParser();
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
