import type { RowbackError } from '../core/errors.js';
import type { GuardedStatement, Unparseable } from './guard.js';

/** Typed before a refused statement to run it on purpose. */
export const DELIBERATE = '\\i-mean-it';

/** The statement's first word, after any comments: `BEGIN`, `CREATE`, `SET`. */
export function commandTag(text: string): string {
  const start = text.replace(/^(\s+|--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(start)?.[0] ?? 'OK').toUpperCase();
}

/** What a statement is, in its first words: `UPDATE`, `ALTER TABLE`, `DROP INDEX`. */
export function commandWords(text: string): string {
  const start = text.replace(/^(\s+|--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
  const [first, second] = (/^([A-Za-z]+)(?:\s+([A-Za-z]+))?/.exec(start) ?? []).slice(1);
  if (!first) return 'this statement';
  const verb = first.toUpperCase();
  return second && OBJECT_VERBS.has(verb) ? `${verb} ${second.toUpperCase()}` : verb;
}

/** Verbs whose object kind says what they do (ALTER TABLE, DROP INDEX). */
const OBJECT_VERBS = new Set(['ALTER', 'CREATE', 'DROP', 'COMMENT', 'REFRESH', 'LOAD', 'REINDEX', 'LOCK']);

/** The server's own words, without rowback's "Failed while running a query:" framing. */
export function serverMessage(error: RowbackError): string {
  const cause = error.cause as { message?: string } | undefined;
  return cause?.message ?? error.message;
}

export function describeRefusal(statement: GuardedStatement): string {
  if (statement.verdict.kind !== 'refuse') return '';
  const { tables, reason } = statement.verdict;
  return [
    `Refused: ${reason} would change every row of ${tables.join(', ')}; nothing was run.`,
    `  To run it on purpose, type it again after ${DELIBERATE}:  ${DELIBERATE} ${statement.text};`,
  ].join('\n');
}

export function describeUnparseable(sql: string, error: Unparseable): string {
  const line = sql.split('\n')[error.line - 1] ?? '';
  return [
    `ERROR: ${error.message.replace(/\.$/, '')} (line ${error.line}, column ${error.column}); nothing was run.`,
    `LINE ${error.line}: ${line}`,
    `${' '.repeat(`LINE ${error.line}: `.length + error.column - 1)}^`,
  ].join('\n');
}
