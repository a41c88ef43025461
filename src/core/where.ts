import { RowbackError } from './errors.js';

/**
 * `--where` is user SQL that rowback splices into `WHERE (…)` of its SELECTs. Before any server sees it,
 * make sure it cannot close that parenthesis or start a second statement: parentheses balance outside
 * quotes and comments, and there is no `;`. The server then checks it is a valid boolean expression.
 */
export function checkWhereShape(where: string, flag = '--where'): string {
  const text = where.trim();
  if (!text)
    throw new RowbackError('bad-where', `${flag} is empty`, {
      hint: `Give a boolean SQL expression, e.g. ${flag} "account_id = 42".`,
    });
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(text, i, ch);
      if (end === -1) throw badWhere(flag, where, `an unterminated ${ch} quote`);
      i = end;
    } else if (ch === '-' && text[i + 1] === '-') {
      throw badWhere(flag, where, 'a -- comment');
    } else if (ch === '/' && text[i + 1] === '*') {
      throw badWhere(flag, where, 'a /* comment */');
    } else if (ch === '#') {
      throw badWhere(flag, where, 'a # comment');
    } else if (ch === ';') {
      throw badWhere(flag, where, 'a ";" (only one expression is allowed)');
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
      if (depth < 0) throw badWhere(flag, where, 'a ")" without its "("');
    }
  }
  if (depth !== 0) throw badWhere(flag, where, 'a "(" without its ")"');
  return text;
}

function closingQuote(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote === "'") {
      i++; // MySQL backslash escapes; harmless for PostgreSQL standard strings
    } else if (text[i] === quote) {
      if (text[i + 1] === quote) i++;
      else return i;
    }
  }
  return -1;
}

function badWhere(flag: string, where: string, what: string): RowbackError {
  return new RowbackError(
    'bad-where',
    `${flag} "${where}" is not a single boolean expression: it has ${what}.`,
    {
      hint: `Write one boolean SQL expression over the table's columns, e.g. ${flag} "account_id = 42 AND created_at < '2026-01-01'".`,
    },
  );
}
