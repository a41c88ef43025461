import { guardPostgres } from './guard-postgres.js';
import { guardSqlParser } from './guard-sql-parser.js';
import { isBlank, splitStatements } from './split.js';

/**
 * The statement guard of `rowback sql`: every statement typed at the console is parsed by a real grammar
 * (PostgreSQL's own parser for PostgreSQL, node-sql-parser's grammars for MySQL, MariaDB and SQLite) and
 * sorted by what it can do to rows, before anything is sent. Pure: no server is reached.
 */
export type Dialect = 'postgres' | 'mysql' | 'mariadb' | 'sqlite';

export type Verdict =
  /** Reads, or changes no rows (SELECT, SHOW, SET, CREATE TABLE …): runs as typed. */
  | { kind: 'run' }
  /** Changes rows it chooses by a WHERE (or INSERT): runs in a transaction, the count shown, commit asked. */
  | { kind: 'write'; tables: string[] }
  /** Changes every row of a table, or removes it: not run unless asked for deliberately. */
  | { kind: 'refuse'; tables: string[]; reason: string }
  | { kind: 'transaction'; action: 'begin' | 'commit' | 'rollback' | 'other' }
  /** Parsed, but its effect on rows is not known: treated as destructive (asked before it runs). */
  | { kind: 'unknown'; what: string };

export interface GuardedStatement {
  /** The statement as typed, without its `;`. */
  text: string;
  verdict: Verdict;
}

export interface Unparseable {
  message: string;
  /** Offset in the input (0-based), line and column (1-based) where the parser stopped. */
  offset: number;
  line: number;
  column: number;
}

export type GuardResult = { statements: GuardedStatement[] } | { error: Unparseable };

/** What a dialect parser returns for one statement's text. */
export type PieceResult = Verdict | { error: string; offset: number };

/** Parses and sorts every statement of `input` (several may share a line). Nothing runs. */
export async function guardStatements(input: string, dialect: Dialect): Promise<GuardResult> {
  const { complete, rest } = splitStatements(input, dialect);
  const pieces = [...complete, rest].filter((piece) => !isBlank(piece.text, dialect));
  const statements: GuardedStatement[] = [];
  for (const piece of pieces) {
    const verdict =
      dialect === 'postgres' ? await guardPostgres(piece.text) : await guardSqlParser(piece.text, dialect);
    if ('error' in verdict) return { error: locate(input, piece.start + verdict.offset, verdict.error) };
    statements.push({ text: piece.text.trim(), verdict });
  }
  return { statements };
}

function locate(input: string, offset: number, message: string): Unparseable {
  const before = input.slice(0, offset).split('\n');
  return { message, offset, line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** What a WHERE comes to without looking at any row. */
export type Truth = 'true' | 'false' | 'null' | 'constant' | 'row';

/**
 * A WHERE reduced to what decides whether it can pick rows: literals, NOT / AND / OR, comparisons of
 * literals, and whether anything in it (a subquery included) reads a column.
 */
export type Condition =
  | { literal: boolean | number | string | null }
  | { not: Condition }
  | { and: Condition[] }
  | { or: Condition[] }
  | { compare: string; left: Condition; right: Condition }
  | { isNull: Condition; negated: boolean }
  /** Something else: `row` when a column is read anywhere in it. */
  | { opaque: 'row' | 'constant' };

export function truthOf(condition: Condition): Truth {
  if ('literal' in condition) return literalTruth(condition.literal);
  if ('not' in condition) {
    const inner = truthOf(condition.not);
    return inner === 'true' ? 'false' : inner === 'false' ? 'true' : inner;
  }
  if ('and' in condition || 'or' in condition) {
    const and = 'and' in condition;
    const parts = (and ? condition.and : condition.or).map(truthOf);
    const decisive = and ? 'false' : 'true';
    if (parts.includes(decisive)) return decisive;
    if (parts.includes('row')) return 'row';
    if (parts.every((p) => p === (and ? 'true' : 'false'))) return and ? 'true' : 'false';
    return 'constant';
  }
  if ('isNull' in condition) {
    const inner = operandOf(condition.isNull);
    if (inner === 'row' || inner === 'constant') return inner;
    return (inner === null) !== condition.negated ? 'true' : 'false';
  }
  if ('compare' in condition) return compareTruth(condition);
  return condition.opaque;
}

type Value = boolean | number | string | null | 'row' | 'constant';

function operandOf(condition: Condition): Value {
  if ('literal' in condition) return condition.literal;
  const truth = truthOf(condition);
  if (truth === 'true' || truth === 'false') return truth === 'true';
  return truth === 'null' ? null : truth;
}

function literalTruth(value: boolean | number | string | null): Truth {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return value !== 0 ? 'true' : 'false';
  return 'constant'; // a string's truth depends on the engine's casts
}

function compareTruth(condition: Extract<Condition, { compare: string }>): Truth {
  const left = operandOf(condition.left);
  const right = operandOf(condition.right);
  if (left === 'row' || right === 'row') return 'row';
  if (left === 'constant' || right === 'constant') return 'constant';
  if (left === null || right === null) return 'null';
  const l = typeof left === 'boolean' ? Number(left) : left;
  const r = typeof right === 'boolean' ? Number(right) : right;
  // Strings compare under a collation the console does not know: constant, not evaluated.
  if (typeof l !== 'number' || typeof r !== 'number') return 'constant';
  const results: Record<string, boolean> = {
    '=': l === r,
    '==': l === r,
    '<=>': l === r,
    '!=': l !== r,
    '<>': l !== r,
    '<': l < r,
    '<=': l <= r,
    '>': l > r,
    '>=': l >= r,
  };
  const result = results[condition.compare];
  return result === undefined ? 'constant' : result ? 'true' : 'false';
}

/** Why a DELETE or UPDATE with this WHERE (undefined: none) would reach every row, or undefined. */
export function wholeTableReason(
  verb: 'DELETE' | 'UPDATE',
  where: Condition | undefined,
): string | undefined {
  if (!where) return `${verb} without a WHERE`;
  const truth = truthOf(where);
  if (truth === 'true') return `${verb} whose WHERE is always true`;
  if (truth === 'constant') return `${verb} whose WHERE does not depend on the row`;
  return undefined;
}
