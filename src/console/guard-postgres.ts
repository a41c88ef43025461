import { type Condition, type PieceResult, type Verdict, wholeTableReason } from './guard.js';
import { pgParser } from './pg-parser.js';

/**
 * PostgreSQL statements read by PostgreSQL's own grammar (libpg-query, its parser compiled to WASM). A
 * DELETE or UPDATE is found wherever it sits: at the top, in a CTE, under EXPLAIN ANALYZE.
 */

type Node = Record<string, unknown>;

/** Parses one statement's text with PostgreSQL's grammar and sorts it (also used for SQLite's extras). */
export async function guardPostgres(text: string): Promise<PieceResult> {
  const { hasSqlDetails, parseSync } = await pgParser();
  let tree: { stmts?: { stmt: Node }[] };
  try {
    tree = parseSync(text) as unknown as typeof tree;
  } catch (error) {
    if (!hasSqlDetails(error) || !error.sqlDetails) throw error;
    return { error: error.sqlDetails.message, offset: error.sqlDetails.cursorPosition };
  }
  const stmt = tree.stmts?.[0]?.stmt;
  return stmt ? sortStatement(stmt) : { kind: 'run' };
}

/** Statements that change no rows of existing tables. */
const HARMLESS = new Set([
  'SelectStmt',
  'ExplainStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'CreateStmt',
  'CreateTableAsStmt',
  'ViewStmt',
  'IndexStmt',
  'CreateSchemaStmt',
  'CreateSeqStmt',
  'DiscardStmt',
  'PrepareStmt',
  'DeallocateStmt',
  'ListenStmt',
  'UnlistenStmt',
  'NotifyStmt',
  'CheckPointStmt',
  'VacuumStmt',
  'CommentStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'LockStmt',
]);

const DROPPED_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'DROP TABLE',
  OBJECT_SCHEMA: 'DROP SCHEMA',
  OBJECT_FOREIGN_TABLE: 'DROP FOREIGN TABLE',
};

function sortStatement(stmt: Node): Verdict {
  const [type, body] = Object.entries(stmt)[0] as [string, Node];
  if (type === 'TransactionStmt') return { kind: 'transaction', action: transactionAction(body) };
  if (type === 'TruncateStmt') {
    return { kind: 'refuse', tables: relations(body.relations), reason: 'TRUNCATE' };
  }
  if (type === 'DropdbStmt')
    return { kind: 'refuse', tables: [String(body.dbname)], reason: 'DROP DATABASE' };
  if (type === 'DropStmt') {
    const reason = DROPPED_KINDS[String(body.removeType)];
    if (reason) return { kind: 'refuse', tables: droppedNames(body), reason };
    return { kind: 'unknown', what: `DROP ${String(body.removeType).replace('OBJECT_', '')}` };
  }
  const writes = findWrites(stmt);
  const refusals = writes.filter((w) => w.reason);
  if (refusals.length > 0) {
    return {
      kind: 'refuse',
      tables: refusals.map((w) => w.table),
      reason: refusals[0]!.reason!,
    };
  }
  if (writes.length > 0) return { kind: 'write', tables: [...new Set(writes.map((w) => w.table))] };
  if (type === 'CopyStmt')
    return body.is_from ? { kind: 'write', tables: relations([body.relation]) } : { kind: 'run' };
  if (HARMLESS.has(type)) return { kind: 'run' };
  return { kind: 'unknown', what: type.replace(/Stmt$/, '') };
}

function transactionAction(body: Node): 'begin' | 'commit' | 'rollback' | 'other' {
  switch (body.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return 'begin';
    case 'TRANS_STMT_COMMIT':
      return 'commit';
    case 'TRANS_STMT_ROLLBACK':
      return 'rollback';
    default:
      return 'other';
  }
}

interface Write {
  table: string;
  reason?: string;
}

/** Every DELETE, UPDATE, INSERT and MERGE anywhere in the tree. */
function findWrites(node: unknown, found: Write[] = []): Write[] {
  if (Array.isArray(node)) {
    for (const item of node) findWrites(item, found);
    return found;
  }
  if (!node || typeof node !== 'object') return found;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'DeleteStmt' || key === 'UpdateStmt') {
      const body = value as Node;
      const verb = key === 'DeleteStmt' ? 'DELETE' : 'UPDATE';
      const where = body.whereClause ? conditionOf(body.whereClause) : undefined;
      const reason = wholeTableReason(verb, where);
      found.push({ table: relationName(body.relation as Node), ...(reason ? { reason } : {}) });
    } else if (key === 'InsertStmt' || key === 'MergeStmt') {
      found.push({ table: relationName(value as Node) });
    }
    findWrites(value, found);
  }
  return found;
}

function relationName(node: Node | undefined): string {
  const range = (node?.relation ?? node) as Node | undefined;
  if (!range?.relname) return '?';
  return range.schemaname ? `${range.schemaname}.${range.relname}` : String(range.relname);
}

function relations(list: unknown): string[] {
  return ((list as Node[] | undefined) ?? []).map((item) => relationName((item.RangeVar ?? item) as Node));
}

function droppedNames(body: Node): string[] {
  return ((body.objects as Node[] | undefined) ?? []).map((object) => {
    const parts = ((object.List as Node | undefined)?.items ?? [object]) as Node[];
    return parts.map((part) => String((part.String as Node | undefined)?.sval ?? '?')).join('.');
  });
}

/** A WHERE tree as the guard's Condition. */
function conditionOf(node: unknown): Condition {
  const [type, body] = Object.entries(node as Node)[0] as [string, Node];
  if (type === 'A_Const') return { literal: constantOf(body) };
  if (type === 'BoolExpr') {
    const args = (body.args as unknown[]).map(conditionOf);
    if (body.boolop === 'NOT_EXPR') return { not: args[0]! };
    return body.boolop === 'AND_EXPR' ? { and: args } : { or: args };
  }
  if (type === 'A_Expr' && body.kind === 'AEXPR_OP' && body.lexpr && body.rexpr) {
    const op = (body.name as Node[]).map((n) => (n.String as Node).sval).join('.');
    return { compare: op, left: conditionOf(body.lexpr), right: conditionOf(body.rexpr) };
  }
  if (type === 'NullTest') {
    return { isNull: conditionOf(body.arg), negated: body.nulltesttype === 'IS_NOT_NULL' };
  }
  if (type === 'TypeCast') return castOf(body);
  if (type === 'CurrentOfExpr') return { opaque: 'row' }; // the row a cursor stands on
  return { opaque: readsColumn(node) ? 'row' : 'constant' };
}

function constantOf(body: Node): boolean | number | string | null {
  if (body.isnull) return null;
  if ('boolval' in body) return Boolean((body.boolval as Node).boolval);
  if ('ival' in body) return Number((body.ival as Node).ival ?? 0);
  if ('fval' in body) return Number((body.fval as Node).fval);
  if ('sval' in body) return String((body.sval as Node).sval ?? '');
  return null;
}

/** `'t'::boolean`, `1::int`: a literal cast to boolean is read as PostgreSQL reads it. */
function castOf(body: Node): Condition {
  const inner = conditionOf(body.arg);
  const names = ((body.typeName as Node).names as Node[]).map((n) => (n.String as Node).sval);
  if (!('literal' in inner) || names[names.length - 1] !== 'bool') return inner;
  const text = String(inner.literal).toLowerCase();
  if (['t', 'true', 'yes', 'on', '1', 'y'].includes(text)) return { literal: true };
  if (['f', 'false', 'no', 'off', '0', 'n'].includes(text)) return { literal: false };
  return { opaque: 'constant' };
}

function readsColumn(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsColumn);
  if (!node || typeof node !== 'object') return false;
  return Object.entries(node as Node).some(([key, value]) => key === 'ColumnRef' || readsColumn(value));
}
