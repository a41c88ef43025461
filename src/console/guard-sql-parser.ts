import type { Parser } from 'node-sql-parser';
import { type Condition, type Dialect, type PieceResult, type Verdict, wholeTableReason } from './guard.js';
import { guardPostgres } from './guard-postgres.js';

/**
 * MySQL, MariaDB and SQLite statements read by node-sql-parser's grammars. Each grammar misses some of its
 * engine's syntax, so a statement one cannot read is tried with the next that shares the syntax (MySQL and
 * MariaDB with each other; SQLite, whose DML follows PostgreSQL's — `UPDATE … FROM`, `RETURNING` — with
 * PostgreSQL's own parser). The first grammar's message is the one shown when none can read it.
 */

type Node = Record<string, unknown>;

const GRAMMARS: Record<Exclude<Dialect, 'postgres'>, string[]> = {
  mysql: ['MySQL', 'MariaDB'],
  mariadb: ['MariaDB', 'MySQL'],
  sqlite: ['Sqlite', 'postgres'],
};

/** Statements whose first word says they change rows: never run unread. */
const WRITING_WORDS = new Set(['DELETE', 'UPDATE', 'INSERT', 'REPLACE', 'WITH', 'TRUNCATE', 'DROP', 'MERGE']);
/** Statements that only show things, for when no grammar reads them (`SHOW …`, `PRAGMA table_info(t)`). */
const SHOWING_WORDS = new Set(['SHOW', 'DESCRIBE', 'DESC', 'HELP']);

let parser: Promise<Parser> | undefined;

async function loadParser(): Promise<Parser> {
  const { default: module } = await import('node-sql-parser');
  return new module.Parser();
}

export async function guardSqlParser(
  text: string,
  dialect: Exclude<Dialect, 'postgres'>,
): Promise<PieceResult> {
  parser ??= loadParser();
  const sql = await parser;
  let first: { error: string; offset: number } | undefined;
  for (const grammar of GRAMMARS[dialect]) {
    if (grammar === 'postgres') {
      const verdict = await guardPostgres(text);
      if (!('error' in verdict)) return verdict;
      continue;
    }
    try {
      const ast = sql.astify(text, { database: grammar }) as unknown as Node | Node[];
      const statement = Array.isArray(ast) ? ast[0] : ast;
      return statement ? sortStatement(statement) : { kind: 'run' };
    } catch (error) {
      const location = (error as { location?: { start: { offset: number } } }).location;
      first ??= { error: (error as Error).message, offset: location?.start.offset ?? 0 };
    }
  }
  const word = /^\s*(?:(?:--[^\n]*\n|#[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*([A-Za-z]+)/
    .exec(text)?.[1]
    ?.toUpperCase();
  if (word && WRITING_WORDS.has(word)) return first!;
  if (word && SHOWING_WORDS.has(word)) return { kind: 'run' };
  // EXPLAIN only plans, but EXPLAIN ANALYZE (and MariaDB's ANALYZE) runs the statement it explains.
  if (word === 'EXPLAIN') {
    return /^\s*explain\s+analy[sz]e\b/i.test(text)
      ? { kind: 'unknown', what: 'EXPLAIN ANALYZE' }
      : { kind: 'run' };
  }
  if (word === 'PRAGMA' && !text.includes('=')) return { kind: 'run' };
  if (word === 'SAVEPOINT' || word === 'RELEASE') return { kind: 'transaction', action: 'other' };
  // SQLite's BEGIN DEFERRED / IMMEDIATE / EXCLUSIVE, which neither grammar reads.
  if (word === 'BEGIN' && /^\s*begin(\s+(deferred|immediate|exclusive))?(\s+transaction)?\s*$/i.test(text)) {
    return { kind: 'transaction', action: 'begin' };
  }
  return { kind: 'unknown', what: word ?? 'statement' };
}

const MODIFIERS = /^(LOW_PRIORITY|QUICK|IGNORE)$/i;

const HARMLESS = new Set(['select', 'show', 'desc', 'explain', 'use', 'set', 'create']);

function sortStatement(ast: Node): Verdict {
  const type = String(ast.type);
  if (type === 'transaction') {
    const action = String(((ast.expr as Node).action as Node).value).toLowerCase();
    if (action === 'begin' || action === 'start') return { kind: 'transaction', action: 'begin' };
    if (action === 'commit' || action === 'rollback') return { kind: 'transaction', action };
    return { kind: 'transaction', action: 'other' };
  }
  if (type === 'truncate') return { kind: 'refuse', tables: tableNames(ast.name), reason: 'TRUNCATE' };
  if (type === 'drop') {
    const keyword = String(ast.keyword).toLowerCase();
    if (keyword === 'table') return { kind: 'refuse', tables: tableNames(ast.name), reason: 'DROP TABLE' };
    if (keyword === 'database' || keyword === 'schema') {
      return { kind: 'refuse', tables: [String(ast.name)], reason: `DROP ${keyword.toUpperCase()}` };
    }
    return { kind: 'unknown', what: `DROP ${keyword.toUpperCase()}` };
  }
  if (type === 'delete' || type === 'update') {
    const verb = type === 'delete' ? 'DELETE' : 'UPDATE';
    // `DELETE QUICK FROM t` is read as a multi-table DELETE of a table named QUICK: name the real one.
    const named = tableNames(ast.table).filter((name) => !MODIFIERS.test(name));
    const tables = named.length > 0 ? named : tableNames(ast.from);
    const reason = wholeTableReason(verb, ast.where ? conditionOf(ast.where as Node) : undefined);
    return reason ? { kind: 'refuse', tables, reason } : { kind: 'write', tables };
  }
  if (type === 'insert' || type === 'replace') return { kind: 'write', tables: tableNames(ast.table) };
  if (HARMLESS.has(type)) return { kind: 'run' };
  return { kind: 'unknown', what: type.toUpperCase() };
}

function tableNames(list: unknown): string[] {
  const items = (Array.isArray(list) ? list : [list]) as (Node | string | null)[];
  return items.map((item) => {
    if (!item || typeof item !== 'object') return String(item ?? '?');
    return item.db ? `${item.db}.${item.table}` : String(item.table);
  });
}

const COMPARISONS = new Set(['=', '==', '<=>', '!=', '<>', '<', '<=', '>', '>=']);

/** A WHERE tree as the guard's Condition. */
function conditionOf(node: Node): Condition {
  const type = String(node.type);
  switch (type) {
    case 'bool':
      return { literal: Boolean(node.value) };
    case 'number':
      return { literal: Number(node.value) };
    case 'null':
      return { literal: null };
    case 'single_quote_string':
    case 'double_quote_string':
    case 'string':
      return { literal: String(node.value) };
    case 'unary_expr':
      if (String(node.operator).toUpperCase() === 'NOT') return { not: conditionOf(node.expr as Node) };
      break;
    case 'binary_expr': {
      const op = String(node.operator).toUpperCase();
      const left = conditionOf(node.left as Node);
      const right = conditionOf(node.right as Node);
      if (op === 'AND' || op === '&&') return { and: [left, right] };
      if (op === 'OR') return { or: [left, right] }; // not `||`: SQLite's concatenation
      if (COMPARISONS.has(op)) return { compare: op, left, right };
      if ((op === 'IS' || op === 'IS NOT') && (node.right as Node).type === 'null') {
        return { isNull: left, negated: op === 'IS NOT' };
      }
      break;
    }
  }
  return { opaque: readsColumn(node) ? 'row' : 'constant' };
}

function readsColumn(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsColumn);
  if (!node || typeof node !== 'object') return false;
  if ((node as Node).type === 'column_ref') return true;
  return Object.values(node as Node).some(readsColumn);
}
